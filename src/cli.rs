//! The command line: clap definitions only; `commands` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::registry::{PortRange, PortSpan, Protocol};
use crate::sockets::SocketState;

#[derive(Debug, Parser)]
#[command(
    name = "portolan",
    version,
    about = "A chart of the 65,536 ports: IANA's registry, the three port ranges and this machine's sockets",
    long_about = None,
)]
pub struct Cli {
    /// When to color the output (`NO_COLOR` is honoured with `auto`)
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// With no command: the interface's options (`portolan --refresh 2` is `portolan tui --refresh 2`)
    #[command(flatten)]
    pub tui: TuiArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// What is port 5432? Which port does kerberos use? Look up ports, ranges (8000-8100) or names
    Lookup(LookupArgs),
    /// Fuzzy search over services, aliases, descriptions and ports (`pg`, `dns`, `udp 53`, `5432`)
    Search(SearchArgs),
    /// The three port ranges and this machine's port settings
    Ranges(JsonArgs),
    /// Which IANA registry is in use, and replace it with a newer one
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from this command line's definition
    Man,
    /// Every TCP/UDP socket on this machine: who owns it and which service its port is for
    Sockets(SocketsArgs),
    /// Ports free to bind right now, preferring ones no service is registered for
    Free(FreeArgs),
    /// The full-screen interface (also what `portolan` with no command opens)
    Tui(TuiArgs),
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools, reason = "each is a command-line switch")]
pub struct SocketsArgs {
    /// Only listening TCP and unconnected UDP sockets
    #[arg(short, long)]
    pub listening: bool,
    /// Only TCP (with --udp: both)
    #[arg(short, long)]
    pub tcp: bool,
    /// Only UDP (with --tcp: both)
    #[arg(short, long)]
    pub udp: bool,
    /// Only sockets with this local or remote port
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Only sockets this process holds
    #[arg(long, value_name = "N")]
    pub pid: Option<u32>,
    /// Only sockets in this state (listen, estab, time-wait, unconn, …)
    #[arg(long, value_name = "S", value_parser = parse_state)]
    pub state: Option<SocketState>,
    /// Print JSON: one compact array of sockets (with --watch, one such line per snapshot)
    #[arg(long)]
    pub json: bool,
    /// Print a fresh snapshot every SECS seconds until interrupted
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub watch: Option<f64>,
}

#[derive(Debug, Args)]
pub struct FreeArgs {
    /// Where to look (default: the registered range, 1024-49151)
    #[arg(value_name = "A-B")]
    pub span: Option<PortSpan>,
    /// How many ports to list
    #[arg(long, short = 'n', default_value_t = 10, value_name = "N")]
    pub count: usize,
    /// Free for this protocol only (default: free for both TCP and UDP)
    #[arg(long, value_parser = parse_tcp_udp)]
    pub proto: Option<Protocol>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Default)]
pub struct TuiArgs {
    /// Seconds between socket refreshes (0.25 to 60)
    #[arg(long, value_name = "SECS", default_value_t = 1.0, value_parser = parse_refresh)]
    pub refresh: f64,
    /// Leave the mouse to the terminal (its own text selection keeps working)
    #[arg(long)]
    pub no_mouse: bool,
}

fn parse_refresh(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.25..=60.0).contains(&v) => Ok(v),
        Ok(_) => Err(format!("refresh {s} is out of range (0.25 to 60 seconds)")),
        Err(_) => Err(format!("'{s}' is not a number of seconds")),
    }
}

#[derive(Debug, Args)]
pub struct LookupArgs {
    /// Ports (5432), ranges (8000-8100) or service names (kerberos)
    #[arg(required = true, value_name = "QUERY")]
    pub queries: Vec<String>,
    /// Only records for this protocol (tcp, udp, sctp, dccp)
    #[arg(long, value_parser = parse_protocol)]
    pub proto: Option<Protocol>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for: a name, a word people use (pg, dns, rdp), words of a description or a port;
    /// `udp 53` or `53/udp` keep one protocol
    #[arg(required = true, value_name = "TEXT", num_args = 1..)]
    pub text: Vec<String>,
    /// At most N hits
    #[arg(long, short = 'n', value_name = "N", default_value_t = 20, value_parser = parse_limit)]
    pub limit: usize,
    /// Only services on this protocol (tcp, udp, sctp, dccp)
    #[arg(long, value_parser = parse_protocol)]
    pub proto: Option<Protocol>,
    /// Only ports in this range (well-known, registered, dynamic)
    #[arg(long, value_parser = parse_range)]
    pub range: Option<PortRange>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Show which registry is in use, where it came from, its newest date and row count
    Info(JsonArgs),
    /// Import a registry CSV in IANA's layout (service-names-port-numbers.csv)
    Update {
        /// The CSV file to import
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

pub fn parse_protocol(s: &str) -> Result<Protocol, String> {
    s.parse()
}

pub fn parse_state(s: &str) -> Result<SocketState, String> {
    s.parse()
}

pub fn parse_tcp_udp(s: &str) -> Result<Protocol, String> {
    match s.parse()? {
        p @ (Protocol::Tcp | Protocol::Udp) => Ok(p),
        p => Err(format!("sockets are listed for tcp and udp, not {}", p.as_str())),
    }
}

pub fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.1..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}' is not a number of seconds between 0.1 and 86400")),
    }
}

pub fn parse_limit(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) | Err(_) => Err(format!("'{s}' is not a positive number")),
        Ok(n) => Ok(n),
    }
}

pub fn parse_range(s: &str) -> Result<PortRange, String> {
    s.parse()
}
