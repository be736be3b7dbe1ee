//! portolan charts the 65,536 ports of a machine: IANA's registry of services, the three port
//! ranges (well-known, registered, dynamic) and, next to them, what this machine actually does.
//! The library does the work; the `portolan` binary parses arguments and hands off.

pub mod app;
pub mod cli;
pub mod commands;
pub mod fsutil;
pub mod output;
pub mod registry;
pub mod sanitize;
pub mod search;
pub mod sockets;
pub mod system;
pub mod tui;
pub mod ui;
