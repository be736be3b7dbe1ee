//! The header (program name, screen tabs, registry in use) and the footer (input line, message or
//! key hints).
//!
//! ```text
//!  portolan  [Ports] Sockets  Learn  Help          bundled IANA registry · 2025-10-01
//!  /postgres▏                                       12 hits · Enter jump · Esc clear
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::fmt::Write as _;

use super::Regions;
use super::theme::Theme;
use unicode_width::UnicodeWidthStr;

use crate::app::{App, InputKind, MAX_INPUT, Screen};

const NAME: &str = " portolan  ";

/// Columns the typed text keeps before the help beside it gives way.
const MIN_INPUT_ROOM: usize = 16;

/// Where each screen's tab sits in the header, clipped to it.
pub fn tab_rects(header: Rect) -> Vec<(Screen, Rect)> {
    let width = |s: &str| u16::try_from(s.len()).unwrap_or(u16::MAX);
    let mut x = header.x.saturating_add(width(NAME));
    let mut out = Vec::new();
    for s in Screen::TABS {
        let w = width(s.title()).saturating_add(2);
        if x.saturating_add(w) > header.right() {
            break;
        }
        out.push((s, Rect { x, y: header.y, width: w, height: 1 }));
        x += w + 1;
    }
    out
}

pub fn render_header(frame: &mut Frame, app: &App, r: &Regions, theme: Theme) {
    let mut spans = vec![Span::styled(NAME, theme.header())];
    for (i, (s, _)) in r.tabs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        let style = if *s == app.screen { theme.active_tab() } else { theme.dim() };
        spans.push(Span::styled(format!(" {} ", s.title()), style));
    }
    let left: usize = spans.iter().map(Span::width).sum();
    let mut info = app.info.label.clone();
    match &app.info.date {
        Some(date) => {
            let _ = write!(info, " · data as of {date}");
        }
        None => info.push_str(" · date unknown"),
    }
    info.push(' ');
    let room = usize::from(r.header.width).saturating_sub(left);
    if info.chars().count() < room {
        spans.push(Span::raw(" ".repeat(room - info.chars().count())));
        spans.push(Span::styled(info, theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), r.header);
}

pub fn render_footer(frame: &mut Frame, app: &App, area: Rect, theme: Theme) {
    let line = if let Some(input) = &app.input {
        let (prompt, help) = match input.kind {
            InputKind::Search => {
                let n: usize = app.hits.iter().map(Vec::len).sum();
                let hits = if n == 1 { "1 hit".to_owned() } else { format!("{n} hits") };
                ("/", format!("{hits} · Enter jump · Tab pane · Esc clear"))
            }
            InputKind::Jump => {
                (":", "port or range, e.g. 5432 or 8000-8100 · Enter go · Esc cancel".to_owned())
            }
            InputKind::Filter => (
                "filter: ",
                format!(
                    "{} sockets · process, pid, port, service, address · Esc clear",
                    app.sockets.view.len()
                ),
            ),
        };
        let help =
            if input.is_full() { format!("at the {MAX_INPUT}-character limit · {help}") } else { help };
        // The help keeps its place while the text is short; a long text shows its end, where the
        // cursor is.
        let room = usize::from(area.width).saturating_sub(prompt.width() + 1);
        let help_room = help.width() + 2;
        let text_room = if room >= help_room + MIN_INPUT_ROOM { room - help_room } else { room };
        let text = crate::sanitize::clean(&input.text);
        Line::from(vec![
            Span::styled(prompt, theme.key()),
            Span::raw(crate::sanitize::clip_start(&text, text_room).into_owned()),
            Span::styled("▏", theme.key()),
            Span::raw("  "),
            Span::styled(help, theme.dim()),
        ])
    } else if let Some(msg) = &app.message {
        Line::styled(crate::sanitize::clean(msg).into_owned(), theme.warning())
    } else {
        let hints: &[(&str, &str)] = match app.screen {
            Screen::Ports => &[
                ("/", "search"),
                (":", "jump"),
                ("Tab", "pane"),
                ("Enter", "detail"),
                ("s", "sockets"),
                ("i", "learn"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Screen::Sockets => &[
                ("/", "filter"),
                ("o/O", "sort"),
                ("L", "listening"),
                ("t", "tcp/udp"),
                ("v", "ipv4/6"),
                ("x", "loopback"),
                ("Space", "pause"),
                ("+/-", "refresh"),
                ("Enter", "port"),
                ("p", "ports"),
                ("q", "quit"),
            ],
            Screen::Learn | Screen::Help => &[("↑↓", "scroll"), ("Esc", "back"), ("q", "quit")],
        };
        let mut spans = Vec::new();
        for (k, what) in hints {
            spans.push(Span::styled(format!(" {k}"), theme.key()));
            spans.push(Span::raw(format!(" {what} ")));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}
