//! The Sockets screen: summary, toggles and the live table (only the visible rows are built).
//!
//! ```text
//!  812 sockets · tcp 790 · udp 22 · LISTEN 40 · ESTABLISHED 700 …   refresh 1s · 4.2 ms
//!  showing 812 · sort local ↑ · [L]istening [t]cp+udp [v]4+6 [x]loopback shown   owners hidden: …
//!  PROTO LOCAL               REMOTE              STATE        SERVICE   OWNERS          USER
//!  tcp   127.0.0.1:5432      0.0.0.0:0           LISTEN       postgres  1234/postgres   postgres
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::Regions;
use super::theme::Theme;
use crate::app::{App, Entry};
use crate::registry::Protocol;
use crate::sanitize::{clean, clip};
use crate::sockets::{Family, Owner, Socket};

/// `1234/postgres, 1240/postgres`, or `?` when the owners could not be seen.
pub fn owners_text(s: &Socket) -> String {
    if s.owners.is_empty() {
        return if s.owners_visible { "–".to_owned() } else { "?".to_owned() };
    }
    s.owners.iter().map(Owner::label).collect::<Vec<_>>().join(", ")
}

fn endpoint(s: &Socket, remote: bool) -> String {
    let e = if remote { s.remote } else { s.local };
    if remote && e.is_unspecified() { "*".to_owned() } else { e.to_string() }
}

#[allow(clippy::too_many_lines, reason = "summary, table and detail laid out top to bottom")]
pub fn render(frame: &mut Frame, app: &App, r: &Regions, theme: Theme) {
    let st = &app.sockets;
    let body = r.body;
    let (protos, states) = &st.counts;
    let mut summary = vec![Span::styled(format!(" {} sockets", st.snapshot.sockets.len()), theme.bold())];
    for (p, n) in protos {
        summary.push(Span::raw(format!(" · {p} {n}")));
    }
    for (s, n) in states {
        summary.push(Span::styled(format!(" · {} {n}", s.as_str()), theme.dim()));
    }
    let refresh = format!(
        "   refresh {:.2}s{} · {:.1} ms",
        st.refresh.as_secs_f64(),
        if st.paused { " (paused)" } else { "" },
        st.took.as_secs_f64() * 1000.0
    );
    summary.push(Span::styled(refresh, if st.paused { theme.warning() } else { theme.dim() }));
    let proto = match st.protocol {
        None => "tcp+udp",
        Some(Protocol::Tcp) => "tcp only",
        Some(_) => "udp only",
    };
    let family = match st.family {
        None => "ipv4+ipv6",
        Some(Family::V4) => "ipv4 only",
        Some(Family::V6) => "ipv6 only",
    };
    let mut toggles = vec![Span::raw(format!(
        " showing {} · sort {} {} · {} · {proto} · {family} · loopback {}",
        st.view.len(),
        st.sort.label(),
        if st.reverse { "↓" } else { "↑" },
        if st.listening_only { "listening only" } else { "all states" },
        if st.hide_loopback { "hidden" } else { "shown" },
    ))];
    if !st.filter.is_empty() {
        let filter = clean(&st.filter);
        toggles.push(Span::styled(format!(" · filter “{}”", clip(&filter, 32)), theme.bold()));
    }
    if st.snapshot.owners_hidden {
        toggles.push(Span::styled(
            " · some owners are not visible (needs root with CAP_SYS_PTRACE)",
            theme.warning(),
        ));
    }
    let head = Rect { height: 2.min(body.height), ..body };
    frame.render_widget(Paragraph::new(vec![Line::from(summary), Line::from(toggles)]), head);
    let Some(rows_area) = r.table_rows else { return };
    if let Some(err) = &st.error {
        let area = Rect { y: body.y + 2, height: body.height.saturating_sub(2), ..body };
        frame.render_widget(Paragraph::new(Line::styled(format!(" sockets: {err}"), theme.warning())), area);
        return;
    }
    if st.generation == 0 {
        let area = Rect { y: body.y + 2, height: body.height.saturating_sub(2), ..body };
        frame.render_widget(Paragraph::new(Line::styled(" collecting sockets…", theme.dim())), area);
        return;
    }
    let width = body.width;
    let wide = width >= 120;
    let mut widths = vec![Constraint::Length(5), Constraint::Length(if wide { 28 } else { 22 })];
    let mut header = vec!["PROTO", "LOCAL"];
    if width >= 90 {
        widths.push(Constraint::Length(if wide { 28 } else { 22 }));
        header.push("REMOTE");
    }
    widths.push(Constraint::Length(11));
    header.push("STATE");
    if width >= 70 {
        widths.push(Constraint::Length(14));
        header.push("SERVICE");
    }
    widths.push(Constraint::Fill(1));
    header.push("OWNERS");
    if width >= 110 {
        widths.push(Constraint::Length(10));
        header.push("USER");
    }
    let height = usize::from(rows_area.height);
    let rows: Vec<Row> = st
        .view
        .iter()
        .enumerate()
        .skip(st.offset)
        .take(height)
        .filter_map(|(n, e)| {
            let s = st.socket(*e)?;
            let mut cells = vec![
                Cell::from(s.protocol.as_str()),
                Cell::from(Span::styled(endpoint(s, false), theme.range(s.local.range()))),
            ];
            if width >= 90 {
                let style =
                    if s.remote.is_unspecified() { Style::new() } else { theme.range(s.remote.range()) };
                cells.push(Cell::from(Span::styled(endpoint(s, true), style)));
            }
            cells.push(Cell::from(s.state.as_str()));
            if width >= 70 {
                cells.push(Cell::from(s.service.as_deref().unwrap_or_default().to_owned()));
            }
            cells.push(Cell::from(owners_text(s)));
            if width >= 110 {
                cells.push(Cell::from(s.user.as_deref().map_or_else(|| s.uid.to_string(), str::to_owned)));
            }
            let mut style = match e {
                Entry::Closed(_) => theme.closed_socket(),
                Entry::Live(_) if st.is_new(s) => theme.new_socket(),
                Entry::Live(_) => Style::new(),
            };
            if n == st.selected {
                style = style.patch(theme.selected(true));
            }
            Some(Row::new(cells).style(style))
        })
        .collect();
    let header_area = Rect { y: rows_area.y.saturating_sub(1), height: 1, ..rows_area };
    let table = Table::new(rows, widths.clone()).column_spacing(1);
    frame.render_widget(table, rows_area);
    let header_row = Table::new(vec![Row::new(header).style(theme.bold())], widths).column_spacing(1);
    frame.render_widget(header_row, header_area);
    if st.view.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled(" no socket matches", theme.dim())), rows_area);
    }
}
