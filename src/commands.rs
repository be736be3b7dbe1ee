//! One module per subcommand. Each writes to the given output and returns the process exit status:
//! 0 found, 1 nothing found, 2 invalid input (clap handles its own errors with 2 as well).

pub mod free;
pub mod lookup;
pub mod ranges;
pub mod registry;
pub mod search;
pub mod sockets;
pub mod tui;

use std::io::{self, Write};

use std::sync::Arc;

use crate::registry::{Paths, Registry};

/// What every command may use.
pub struct Context {
    /// Shared with the socket collector's thread.
    pub registry: Arc<Registry>,
    pub paths: Paths,
    pub color: bool,
}

/// A command's outcome: the exit status it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Found,
    NotFound,
    Invalid,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Found => 0,
            Status::NotFound => 1,
            Status::Invalid => 2,
        }
    }
}

/// Prints a one-line error for the user, sanitized.
pub fn error_line(err: &mut dyn Write, message: &str) -> io::Result<()> {
    writeln!(err, "portolan: {}", crate::sanitize::clean(message))
}
