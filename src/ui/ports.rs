//! The Ports screen: the three range panes and the detail of the selected port.
//!
//! ```text
//! wide (≥150 cols)                                 medium: detail overlays   narrow (<80): one pane
//! ┌Well-known┐┌Registered┐┌Dynamic───┐┌Port 22──┐  ┌WK┐┌Reg┐┌Dyn┐            [1 WK] 2 Reg  3 Dyn
//! │● 22 ssh  ││ 1024 …   ││kernel: … ││records  │  │ ┌Port 22──────┐         ┌Well-known──────┐
//! │  23 telnet││          ││○ 50123   ││sockets  │  │ │ …           │         │● 22 ssh        │
//! └──────────┘└──────────┘└──────────┘└─────────┘  └─└─────────────┘         └────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use std::fmt::Write as _;

use super::theme::Theme;
use super::{Regions, fit};
use crate::app::{App, Row, RowKind, SearchHit, Use};
use crate::registry::{PortRange, PortSpan};
use crate::sanitize::clean;
use crate::system::LINUX_DEFAULT_EPHEMERAL;

pub fn render(frame: &mut Frame, app: &App, r: &Regions, theme: Theme) {
    if let Some(tabs) = r.pane_tabs {
        let mut spans = Vec::new();
        for (i, range) in PortRange::ALL.into_iter().enumerate() {
            let label = format!(" {} {} ", i + 1, range.title());
            spans.push(Span::styled(label, theme.pane_title(range, i == app.focus)));
            spans.push(Span::raw(" "));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    }
    for (i, range) in PortRange::ALL.into_iter().enumerate() {
        if let Some(area) = r.pane(i) {
            render_pane(frame, app, i, range, area, r.pane_list(i), theme);
        }
    }
    if let Some((area, overlay)) = r.detail
        && (!overlay || app.detail_open)
    {
        if overlay {
            frame.render_widget(Clear, area);
        }
        render_detail(frame, app, area, theme);
    }
}

fn span_text(span: PortSpan) -> String {
    if span.is_single() { span.start.to_string() } else { format!("{}–{}", span.start, span.end) }
}

fn marker(u: Use) -> &'static str {
    match u {
        Use::Listening => "●",
        Use::Connected => "○",
        Use::Free => " ",
    }
}

/// The longest title that fits `width`: name, bounds, then counts as room allows.
fn pane_title(app: &App, i: usize, range: PortRange, width: usize) -> String {
    let span = range.span();
    let name = range.title();
    let bounds = format!("{}–{}", span.start, span.end);
    let candidates = if app.searching() {
        let n = app.hits[i].len();
        let hits = if n == 1 { "1 hit".to_owned() } else { format!("{n} hits") };
        vec![format!(" {name} {bounds} · {hits} "), format!(" {name} · {hits} "), format!(" {hits} ")]
    } else {
        let in_use = app.used.range(span.start..=span.end).count();
        let assigned = app.assigned[i];
        vec![
            format!(" {name} {bounds} · {assigned} named · {in_use} in use "),
            format!(" {name} {bounds} · {assigned} named · {in_use} used "),
            format!(" {name} {bounds} · {assigned} named "),
            format!(" {name} {bounds} · {assigned} "),
            format!(" {name} · {assigned} named "),
            format!(" {name} · {assigned} "),
            format!(" {name} "),
        ]
    };
    let last = candidates.last().cloned().unwrap_or_default();
    candidates.into_iter().find(|t| t.chars().count() <= width).unwrap_or(last)
}

fn render_pane(
    frame: &mut Frame,
    app: &App,
    i: usize,
    range: PortRange,
    area: Rect,
    list: Option<Rect>,
    theme: Theme,
) {
    let focused = i == app.focus && app.screen == crate::app::Screen::Ports;
    let block = Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(theme.pane_border(range, focused))
        .title(Span::styled(
            pane_title(app, i, range, usize::from(area.width.saturating_sub(2))),
            theme.pane_title(range, focused),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(list) = list else { return };
    if range == PortRange::Dynamic && !app.searching() && list.y > inner.y {
        let note = Rect { height: list.y - inner.y, ..inner };
        frame.render_widget(Paragraph::new(dynamic_note(app, theme)), note);
    }
    let pos = app.pane_pos(i);
    let height = usize::from(list.height);
    let width = usize::from(list.width);
    let lines: Vec<Line> = if app.searching() {
        let visible = app.hits[i].iter().enumerate().skip(pos.offset).take(height);
        let cols = columns(
            width,
            visible.clone().map(|(_, h)| span_text(h.span).chars().count()).max().unwrap_or(5),
        );
        visible
            .map(|(n, h)| {
                hit_line(
                    app,
                    h,
                    cols,
                    width,
                    range,
                    theme,
                    (n == pos.selected).then(|| theme.selected(focused)),
                )
            })
            .collect()
    } else {
        let visible = app.rows[i].iter().enumerate().skip(pos.offset).take(height);
        let cols = columns(
            width,
            visible.clone().map(|(_, r)| span_text(r.span).chars().count()).max().unwrap_or(5),
        );
        visible
            .map(|(n, row)| {
                row_line(row, cols, width, range, theme, (n == pos.selected).then(|| theme.selected(focused)))
            })
            .collect()
    };
    if lines.is_empty() && app.searching() {
        frame.render_widget(Paragraph::new(Line::styled("no hits in this range", theme.dim())), list);
        return;
    }
    frame.render_widget(Paragraph::new(lines), list);
}

/// Column widths for a pane of `width` whose widest port text is `port`: (port, protocols,
/// service); the description takes the rest.
fn columns(width: usize, port: usize) -> (usize, usize, usize) {
    if width >= 44 {
        (port, 7, 14)
    } else if width >= 30 {
        (port, 0, 14)
    } else {
        (port, 0, width.saturating_sub(port + 3))
    }
}

fn row_line(
    row: &Row,
    (pw, qw, sw): (usize, usize, usize),
    width: usize,
    range: PortRange,
    theme: Theme,
    selected: Option<Style>,
) -> Line<'static> {
    let mut spans = vec![
        Span::raw(format!("{} ", marker(row.used))),
        Span::styled(fit(&span_text(row.span), pw), theme.range(range)),
        Span::raw(" "),
    ];
    let used = 2 + pw + 1;
    match row.kind {
        RowKind::Service => {
            if qw > 0 {
                spans.push(Span::raw(fit(&row.protocols, qw) + " "));
            }
            let used = used + if qw > 0 { qw + 1 } else { 0 };
            spans.push(Span::styled(fit(&row.service, sw), theme.bold()));
            let mut desc = String::from(" ");
            if row.more > 0 {
                let _ = write!(desc, "(+{}) ", row.more);
            }
            desc.push_str(&row.description);
            spans.push(Span::raw(fit(&desc, width.saturating_sub(used + sw))));
        }
        RowKind::Unassigned | RowKind::Reserved => {
            let what = if row.kind == RowKind::Reserved { "reserved" } else { "unassigned" };
            let what = if row.span.is_single() {
                what.to_owned()
            } else {
                format!("{what} ({} ports)", row.span.count())
            };
            spans.push(Span::styled(fit(&what, width.saturating_sub(used)), theme.dim()));
        }
    }
    let line = Line::from(spans);
    match selected {
        Some(s) => line.patch_style(s),
        None => line,
    }
}

/// `text` cut to `width` columns, with the characters at `matched` highlighted.
fn highlighted(text: &str, matched: &[usize], width: usize, base: Style, hl: Style) -> Vec<Span<'static>> {
    let text = fit(text, width);
    let mut spans: Vec<Span> = Vec::new();
    let mut run = String::new();
    let mut run_hl = false;
    for (n, c) in text.chars().enumerate() {
        let h = matched.contains(&n);
        if h != run_hl && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), if run_hl { base.patch(hl) } else { base }));
        }
        run_hl = h;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_hl { base.patch(hl) } else { base }));
    }
    spans
}

fn hit_line(
    app: &App,
    hit: &SearchHit,
    (pw, qw, sw): (usize, usize, usize),
    width: usize,
    range: PortRange,
    theme: Theme,
    selected: Option<Style>,
) -> Line<'static> {
    let used = app.used.range(hit.span.start..=hit.span.end).map(|(_, u)| *u).max().unwrap_or_default();
    let mut spans = vec![
        Span::raw(format!("{} ", marker(used))),
        Span::styled(fit(&span_text(hit.span), pw), theme.range(range)),
        Span::raw(" "),
    ];
    let mut taken = 2 + pw + 1;
    if qw > 0 {
        spans.push(Span::raw(fit(&hit.protocols, qw) + " "));
        taken += qw + 1;
    }
    spans.extend(highlighted(&hit.service, &hit.matched_service, sw, theme.bold(), theme.matched()));
    spans.push(Span::raw(" "));
    taken += sw + 1;
    spans.extend(highlighted(
        &hit.description,
        &hit.matched_description,
        width.saturating_sub(taken),
        Style::new(),
        theme.matched(),
    ));
    let line = Line::from(spans);
    match selected {
        Some(s) => line.patch_style(s),
        None => line,
    }
}

/// How the kernel's ephemeral range compares with IANA's dynamic range, and how much is in use.
fn dynamic_note(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let Some(e) = app.settings.ephemeral else {
        return vec![Line::styled("kernel ephemeral range: unknown here", theme.dim())];
    };
    let default = if e == LINUX_DEFAULT_EPHEMERAL { " (Linux default)" } else { "" };
    let first = format!("kernel ephemeral {}–{}{default}", e.start, e.end);
    let dynamic = PortRange::Dynamic.span();
    let in_use = app.used.range(e.start..=e.end).filter(|(_, u)| **u == Use::Connected).count();
    let below = if e.start < dynamic.start {
        u32::from(e.end.min(dynamic.start - 1)) - u32::from(e.start) + 1
    } else {
        0
    };
    let second = if below > 0 {
        format!("{below} of them below 49152 · {in_use} in use")
    } else {
        format!("all inside IANA's range · {in_use} in use")
    };
    vec![Line::styled(first, theme.range(PortRange::Dynamic)), Line::styled(second, theme.dim())]
}

fn render_detail(frame: &mut Frame, app: &App, area: Rect, theme: Theme) {
    let Some(port) = app.selected_port() else {
        frame.render_widget(Block::bordered().title(" Detail "), area);
        return;
    };
    let range = PortRange::of(port);
    let row = app.selected_row();
    let span = row.map_or(PortSpan::single(port), |r| r.span);
    let title =
        if span.is_single() { format!(" Port {port} ") } else { format!(" Ports {} ", span_text(span)) };
    let block = Block::bordered()
        .border_style(theme.range(range))
        .title(Span::styled(title, theme.pane_title(range, false)));
    let mut lines: Vec<Line> = Vec::new();
    let rs = range.span();
    lines.push(Line::from(vec![
        Span::styled(format!("{} range ", range.title()), theme.range(range).patch(theme.bold())),
        Span::raw(format!("{}–{} · RFC 6335: {}", rs.start, rs.end, range.rfc6335_name())),
    ]));
    if let Some(start) = app.settings.unprivileged_start
        && range == PortRange::WellKnown
    {
        let need =
            if port < start { "needs CAP_NET_BIND_SERVICE to bind" } else { "any user may bind it here" };
        lines.push(Line::styled(format!("ip_unprivileged_port_start = {start}: {need}"), theme.dim()));
    }
    if let Some(e) = app.settings.ephemeral
        && e.contains(port)
    {
        lines.push(Line::styled(
            format!("inside the kernel's ephemeral range {}–{}", e.start, e.end),
            theme.dim(),
        ));
    }
    lines.push(Line::raw(""));
    let records: Vec<_> = app.registry.at_port(port).collect();
    if records.is_empty() {
        lines.push(Line::styled("No registry record: unassigned.", theme.dim()));
    }
    for rec in records {
        let name = if rec.service.is_empty() { "(no name)" } else { rec.service };
        let proto = rec.protocol.map_or("-", |p| p.as_str());
        let ports = rec.ports.map(span_text).unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(clean(name).into_owned(), theme.bold()),
            Span::raw(format!(" {proto} {ports} ")),
            Span::styled(format!("[{}]", rec.source), theme.dim()),
        ]));
        for (label, value) in [
            ("", rec.description),
            ("assignee", rec.assignee),
            ("contact", rec.contact),
            ("reference", rec.reference),
            ("registered", rec.registered),
            ("modified", rec.modified),
            ("category", rec.category),
            ("aliases", rec.aliases),
            ("notes", rec.notes),
        ] {
            if value.is_empty() {
                continue;
            }
            let text = clean(value).into_owned();
            lines.push(if label.is_empty() {
                Line::raw(format!("  {text}"))
            } else {
                Line::from(vec![Span::styled(format!("  {label}: "), theme.dim()), Span::raw(text)])
            });
        }
    }
    lines.push(Line::raw(""));
    let sockets: Vec<_> = app.sockets_on(port).collect();
    if sockets.is_empty() {
        lines.push(Line::styled("No local socket on this port.", theme.dim()));
    } else {
        lines.push(Line::styled(format!("Local sockets on {port}: {}", sockets.len()), theme.bold()));
        for s in sockets.iter().take(50) {
            let owners = super::sockets::owners_text(s);
            let remote = if s.remote.is_unspecified() { String::new() } else { format!(" → {}", s.remote) };
            lines.push(Line::raw(format!(
                "  {} {} {}{remote} {owners}",
                s.protocol,
                s.state.as_str(),
                s.local
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}
