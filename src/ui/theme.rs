//! Every style the TUI draws with. One color per range (the CLI's `output::range_color` choice);
//! named ANSI colors only, so the terminal's palette keeps them readable on dark and light
//! backgrounds. Without color every distinction falls back to a modifier, so nothing is lost.

use ratatui::style::{Color, Modifier, Style};

use crate::registry::PortRange;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    fn fg(self, color: Color) -> Style {
        if self.color { Style::new().fg(color) } else { Style::new() }
    }

    pub fn range_color(range: PortRange) -> Color {
        // The same choice as the CLI's tables.
        match crate::output::range_color(range) {
            crossterm::style::Color::Magenta => Color::Magenta,
            crossterm::style::Color::Blue => Color::Blue,
            _ => Color::Green,
        }
    }

    /// Text that belongs to a range: ports, endpoints, the range's name.
    pub fn range(self, range: PortRange) -> Style {
        self.fg(Theme::range_color(range))
    }

    pub fn pane_border(self, range: PortRange, focused: bool) -> Style {
        let s = self.range(range);
        if focused { s.add_modifier(Modifier::BOLD) } else { s }
    }

    pub fn pane_title(self, range: PortRange, focused: bool) -> Style {
        let s = self.range(range).add_modifier(Modifier::BOLD);
        if focused { s.add_modifier(Modifier::REVERSED) } else { s }
    }

    /// The selected row: reversed in the focused list, underlined elsewhere.
    pub fn selected(self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        }
    }

    /// Characters a search matched.
    pub fn matched(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn bold(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// A socket that appeared within the last refreshes.
    pub fn new_socket(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// A socket that just closed.
    pub fn closed_socket(self) -> Style {
        Style::new().add_modifier(Modifier::DIM | Modifier::CROSSED_OUT)
    }

    pub fn warning(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn active_tab(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    pub fn header(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
}
