//! Drawing: `render(frame, &App)` is a pure function of the state. `regions` is the one layout,
//! shared with the app's mouse and paging so clicks land where the rows are drawn.
//!
//! ```text
//! ┌ header: name · screen tabs · registry and date ─────────────────────────┐
//! │ body: the screen (ports panes [+ detail], sockets table, learn, help)   │
//! └ footer: input line, message or key hints ──────────────────────────────┘
//! ```

mod header;
mod help;
mod learn;
mod ports;
mod sockets;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Screen};
use theme::Theme;

/// Below this the app shows only a "terminal too small" line.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;
/// From this width the detail panel sits beside the three panes.
pub const WIDE: u16 = 150;
/// Below this width one pane shows at a time.
pub const NARROW: u16 = 80;

/// Where everything goes for a terminal size and state.
#[derive(Debug, Clone, Default)]
pub struct Regions {
    pub too_small: bool,
    pub header: Rect,
    pub body: Rect,
    pub footer: Rect,
    pub tabs: Vec<(Screen, Rect)>,
    /// Narrow layout: the row of pane tabs.
    pub pane_tabs: Option<Rect>,
    panes: [Option<Rect>; 3],
    lists: [Option<Rect>; 3],
    /// The detail panel, and whether it overlays the panes.
    pub detail: Option<(Rect, bool)>,
    pub table_rows: Option<Rect>,
}

impl Regions {
    pub fn pane(&self, i: usize) -> Option<Rect> {
        self.panes.get(i).copied().flatten()
    }

    /// Where pane `i` draws its rows.
    pub fn pane_list(&self, i: usize) -> Option<Rect> {
        self.lists.get(i).copied().flatten()
    }

    pub fn tab_at(&self, at: Position) -> Option<Screen> {
        self.tabs.iter().find(|(_, r)| r.contains(at)).map(|(s, _)| *s)
    }
}

/// Lines above the dynamic pane's rows that compare the kernel's ephemeral range with IANA's.
pub const DYNAMIC_NOTE_LINES: u16 = 2;

pub fn regions(area: Rect, app: &App) -> Regions {
    let mut r = Regions::default();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        r.too_small = true;
        return r;
    }
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    r.header = header;
    r.body = body;
    r.footer = footer;
    r.tabs = header::tab_rects(header);
    match app.screen {
        Screen::Ports => ports_regions(&mut r, body, app),
        Screen::Sockets => {
            // Two summary lines, the column header, then the rows.
            let rows = Rect { y: body.y + 3, height: body.height.saturating_sub(3), ..body };
            r.table_rows = Some(rows);
        }
        Screen::Learn | Screen::Help => {}
    }
    r
}

fn ports_regions(r: &mut Regions, body: Rect, app: &App) {
    let width = body.width;
    let mut panes_area = body;
    if width >= WIDE {
        let [p, d] = Layout::horizontal([Constraint::Fill(7), Constraint::Fill(3)]).areas(body);
        panes_area = p;
        r.detail = Some((d, false));
    } else if app.detail_open {
        let w = if width < NARROW { width } else { width * 4 / 5 };
        let h = if width < NARROW { body.height } else { body.height * 4 / 5 };
        let d = Rect { x: body.x + (width - w) / 2, y: body.y + (body.height - h) / 2, width: w, height: h };
        r.detail = Some((d, true));
    }
    if width < NARROW {
        let [tabs, pane] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(panes_area);
        r.pane_tabs = Some(tabs);
        r.panes[app.focus.min(2)] = Some(pane);
    } else {
        let areas = Layout::horizontal([Constraint::Fill(1); 3]).split(panes_area);
        for (i, a) in areas.iter().enumerate().take(3) {
            r.panes[i] = Some(*a);
        }
    }
    for i in 0..3 {
        r.lists[i] = r.panes[i].map(|p| {
            let inner = p.inner(ratatui::layout::Margin::new(1, 1));
            let skip = if i == 2 && !app.searching() { DYNAMIC_NOTE_LINES.min(inner.height) } else { 0 };
            Rect { y: inner.y + skip, height: inner.height - skip, ..inner }
        });
    }
}

/// Draws the whole app.
pub fn render(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let theme = Theme::new(app.options.color);
    let r = regions(area, app);
    if r.too_small {
        let msg =
            format!("terminal too small: {}×{}, need {MIN_WIDTH}×{MIN_HEIGHT}", area.width, area.height);
        frame.render_widget(
            Paragraph::new(Line::styled(msg, theme.warning())).wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    header::render_header(frame, app, &r, theme);
    match app.screen {
        Screen::Ports => ports::render(frame, app, &r, theme),
        Screen::Sockets => sockets::render(frame, app, &r, theme),
        Screen::Learn => learn::render(frame, app, r.body, theme),
        Screen::Help => help::render(frame, app, r.body, theme),
    }
    header::render_footer(frame, app, r.footer, theme);
}

/// Pads or cuts `s` to exactly `width` columns, with `…` where it was cut.
pub fn fit(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        out.push_str(s);
        used = total;
    } else if width > 0 {
        for c in s.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}
