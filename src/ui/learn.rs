//! The Learn screen: ports and the three ranges explained, each point next to an example from this
//! machine when it has one.
//!
//! ```text
//!  What a port is ─ text … │ here: 812 sockets, e.g. sshd listening on 0.0.0.0:22
//!  What IANA assigns ─ …   │ here: bundled registry, 5,980 assigned ports
//!  …
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::App;
use crate::registry::PortRange;
use crate::sockets::Socket;
use crate::system::{LINUX_DEFAULT_EPHEMERAL, LINUX_DEFAULT_UNPRIVILEGED_START};

fn who(s: &Socket) -> String {
    s.owners.first().map_or_else(|| "a process".to_owned(), |o| format!("{} (pid {})", o.name(), o.pid))
}

/// What each range is for, as the registry procedures of RFC 6335 define it.
fn range_role(r: PortRange) -> &'static str {
    match r {
        PortRange::WellKnown => {
            "assigned by IANA only after IETF review or IESG approval, for widely used core services."
        }
        PortRange::Registered => {
            "assigned by IANA to a specific application on request, after expert review."
        }
        PortRange::Dynamic => {
            "never assigned; free for private use and for the short-lived ports systems hand to clients."
        }
    }
}

/// The explanation as lines; tests read it as text.
#[allow(clippy::too_many_lines, reason = "the text reads top to bottom, as it is shown")]
pub fn lines(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let mut out: Vec<Line> = Vec::new();
    let heading = |out: &mut Vec<Line>, text: &str| {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(text.to_owned(), theme.bold()));
    };
    let here = |out: &mut Vec<Line>, text: String| {
        out.push(Line::from(vec![Span::styled("  here: ", theme.key()), Span::raw(text)]));
    };
    let sockets = &app.sockets.snapshot.sockets;
    let unpriv = app.settings.unprivileged_start;

    heading(&mut out, "Ports");
    out.push(Line::raw(
        "A port is a 16-bit number, 0 to 65535, that TCP and UDP carry in every packet next to the IP \
         address. The address picks the machine; the protocol and port pick the socket inside it that \
         gets the data. A server listens on a fixed port so clients know where to find it; a client's \
         own end usually gets a port the kernel chooses.",
    ));
    if let Some(s) = sockets.iter().find(|s| s.state.is_listening() && !s.owners.is_empty()) {
        here(
            &mut out,
            format!("{} sockets right now; {} listens on {} {}", sockets.len(), who(s), s.protocol, s.local),
        );
    }

    heading(&mut out, "What IANA assigns");
    out.push(Line::raw(
        "IANA keeps the registry of service names and port numbers: which port a protocol such as ssh \
         (22) or postgresql (5432) is expected on, for each transport. An assignment is an agreement that \
         lets clients find a service; the kernel does not enforce it, and any program may listen on any \
         free port it is allowed to bind.",
    ));
    let total: u32 = app.assigned.iter().sum();
    let date = app.info.date.as_deref().map(|d| format!(", data as of {d}")).unwrap_or_default();
    here(
        &mut out,
        format!("{}{date}: {total} ports carry a service name (IANA and the other layers)", app.info.label),
    );

    heading(&mut out, "Three ranges (RFC 6335)");
    for (i, r) in PortRange::ALL.into_iter().enumerate() {
        let s = r.span();
        out.push(Line::from(vec![
            Span::styled(format!("  {:<11}", r.title()), theme.range(r).patch(theme.bold())),
            Span::styled(format!("{:>5}–{:<5} ", s.start, s.end), theme.range(r)),
            Span::raw(format!(
                "RFC 6335 “{}”: {} {} named here.",
                r.rfc6335_name(),
                range_role(r),
                app.assigned[i]
            )),
        ]));
    }

    heading(&mut out, "Why low ports need privileges");
    out.push(Line::raw(
        "Linux refuses to let a process bind a port below net.ipv4.ip_unprivileged_port_start unless it \
         holds the CAP_NET_BIND_SERVICE capability. Root has it, which is why \"needs sudo\" is the usual \
         shorthand; a service can instead be given just that capability (setcap, systemd's \
         AmbientCapabilities) or receive an already bound socket (socket activation). The default start \
         is 1024, so the limit covers exactly the System Ports, but an administrator can move it.",
    ));
    match unpriv {
        Some(start) => {
            let default =
                if start == LINUX_DEFAULT_UNPRIVILEGED_START { "the default" } else { "changed from 1024" };
            let example = sockets
                .iter()
                .find(|s| s.state.is_listening() && s.local.port < start && s.local.port != 0)
                .map(|s| format!("; {} listens on {} {}", who(s), s.protocol, s.local))
                .unwrap_or_default();
            here(&mut out, format!("ip_unprivileged_port_start = {start} ({default}){example}"));
        }
        None => here(&mut out, "ip_unprivileged_port_start could not be read".to_owned()),
    }

    heading(&mut out, "How clients get ephemeral ports");
    out.push(Line::raw(
        "A client that connects without binding first gets a local port picked by the kernel from \
         net.ipv4.ip_local_port_range, for as long as the connection lives (and through TIME_WAIT when the client closes first). \
         The server sees that number as the remote port. Ports listed in ip_local_reserved_ports are \
         never handed out this way.",
    ));
    if let Some(e) = app.settings.ephemeral
        && let Some(s) = sockets
            .iter()
            .find(|s| !s.state.is_listening() && e.contains(s.local.port) && !s.remote.is_unspecified())
    {
        here(&mut out, format!("{} uses ephemeral {} to talk to {}", who(s), s.local, s.remote));
    }

    heading(&mut out, "Why Linux uses 32768–60999");
    out.push(Line::raw(
        "The ephemeral range is the operating system's choice, not IANA's. Linux defaults to \
         32768–60999: 28,232 ports against the 16,384 of IANA's Dynamic range, so a busy client can keep \
         more outgoing connections to one server at once. The count is even because connect() prefers \
         ports of one parity and leaves the other to bind(). The price is that most of the range lies \
         among IANA's registered ports: a client may briefly hold a number that a service would like \
         to listen on, which is what ip_local_reserved_ports is for.",
    ));
    match app.settings.ephemeral {
        Some(e) => {
            let default = if e == LINUX_DEFAULT_EPHEMERAL {
                "the Linux default".to_owned()
            } else {
                "not the Linux default".to_owned()
            };
            let reserved = match &app.settings.reserved {
                Some(r) if !r.is_empty() => {
                    format!("; reserved: {}", r.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))
                }
                _ => String::new(),
            };
            here(&mut out, format!("ip_local_port_range = {}–{} ({default}){reserved}", e.start, e.end));
        }
        None => here(&mut out, "ip_local_port_range could not be read".to_owned()),
    }
    out
}

pub fn render(frame: &mut Frame, app: &App, area: Rect, theme: Theme) {
    let block = Block::bordered().title(Span::styled(" Learn: ports and their ranges ", theme.bold()));
    let p = Paragraph::new(lines(app, theme)).block(block).wrap(Wrap { trim: false }).scroll((app.scroll, 0));
    frame.render_widget(p, area);
}
