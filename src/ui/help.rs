//! The Help screen: every binding of `app::keymap::KEYMAP`, grouped by where it applies.
//!
//! ```text
//!  Everywhere
//!    q, Ctrl-c          quit
//!    …
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fit;
use super::theme::Theme;
use crate::app::App;
use crate::app::keymap::{KEYMAP, Scope};

pub fn lines(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for scope in Scope::ALL {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(scope.title(), theme.bold()));
        for b in KEYMAP.iter().filter(|b| b.scope == scope) {
            let keys = b.keys.iter().map(|k| k.label()).collect::<Vec<_>>().join(", ");
            out.push(Line::from(vec![
                Span::styled(fit(&format!("  {keys}"), 26), theme.key()),
                Span::raw(b.help),
            ]));
        }
    }
    out.push(Line::raw(""));
    let mouse = if app.options.mouse {
        "Mouse: click a pane, row or tab to select it; the wheel scrolls. Start with --no-mouse to keep the terminal's own text selection."
    } else {
        "Mouse: off (--no-mouse); the terminal's own text selection works."
    };
    out.push(Line::styled(mouse, theme.dim()));
    out
}

pub fn render(frame: &mut Frame, app: &App, area: Rect, theme: Theme) {
    let block = Block::bordered().title(Span::styled(" Help: keys ", theme.bold()));
    frame.render_widget(Paragraph::new(lines(app, theme)).block(block).scroll((app.scroll, 0)), area);
}
