//! Human output for the CLI: aligned tables, colored by port range when stdout is a terminal, every
//! cell passed through the sanitizer.

use std::io::{self, Write};

use crossterm::style::{Color, Stylize};
use unicode_width::UnicodeWidthStr;

use crate::cli::ColorChoice;
use crate::registry::PortRange;
use crate::sanitize;

/// Decides once whether to color: `always`, `never`, or `auto` (a terminal and no `NO_COLOR`).
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && io::IsTerminal::is_terminal(&io::stdout())
        }
    }
}

/// The one color of each range, used wherever the range appears.
pub fn range_color(range: PortRange) -> Color {
    match range {
        PortRange::WellKnown => Color::Magenta,
        PortRange::Registered => Color::Blue,
        PortRange::Dynamic => Color::Green,
    }
}

/// A cell: sanitized text with an optional color.
#[derive(Debug, Clone)]
pub struct Cell {
    text: String,
    color: Option<Color>,
    bold: bool,
    /// Character positions drawn bold and underlined when color is on (search matches).
    marks: Vec<usize>,
}

impl Cell {
    pub fn new(text: impl AsRef<str>) -> Cell {
        Cell {
            text: sanitize::clean(text.as_ref()).into_owned(),
            color: None,
            bold: false,
            marks: Vec::new(),
        }
    }

    pub fn colored(text: impl AsRef<str>, color: Color) -> Cell {
        Cell { color: Some(color), ..Cell::new(text) }
    }

    pub fn range(text: impl AsRef<str>, range: PortRange) -> Cell {
        Cell::colored(text, range_color(range))
    }

    /// Marks characters (by position; the sanitizer keeps one character per character) to highlight.
    #[must_use]
    pub fn marked(mut self, positions: &[usize]) -> Cell {
        self.marks = positions.to_vec();
        self
    }

    #[must_use]
    pub fn bold(mut self) -> Cell {
        self.bold = true;
        self
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::new(s)
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::new(s)
    }
}

/// Writes one cell, padded to `width` unless it is the last of its row.
fn write_cell(out: &mut dyn Write, cell: &Cell, width: usize, last: bool, color: bool) -> io::Result<()> {
    let pad = if last { 0 } else { width.saturating_sub(cell.text.width()) };
    if color && !cell.marks.is_empty() {
        for (i, c) in cell.text.chars().enumerate() {
            let mut styled = c.stylize();
            if let Some(color) = cell.color {
                styled = styled.with(color);
            }
            if cell.bold || cell.marks.binary_search(&i).is_ok() {
                styled = styled.bold();
            }
            if cell.marks.binary_search(&i).is_ok() {
                styled = styled.underlined();
            }
            write!(out, "{styled}")?;
        }
        return write!(out, "{:pad$}", "");
    }
    match (color, cell.color) {
        (true, Some(c)) if cell.bold => write!(out, "{}", cell.text.as_str().with(c).bold())?,
        (true, Some(c)) => write!(out, "{}", cell.text.as_str().with(c))?,
        (true, None) if cell.bold => write!(out, "{}", cell.text.as_str().bold())?,
        _ => out.write_all(cell.text.as_bytes())?,
    }
    write!(out, "{:pad$}", "")
}

/// An aligned table, with a header row unless the header is empty.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(header: &[&'static str]) -> Table {
        Table { header: header.to_vec(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn write(&self, out: &mut dyn Write, color: bool) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.text.width());
                }
            }
        }
        let header: Vec<Cell> = self.header.iter().map(|h| Cell::new(h).bold()).collect();
        let header = (!header.is_empty()).then_some(&header);
        for row in header.into_iter().chain(&self.rows) {
            let n = row.len();
            for (i, cell) in row.iter().enumerate() {
                write_cell(out, cell, widths.get(i).copied().unwrap_or(0), i + 1 == n, color)?;
                if i + 1 < n {
                    out.write_all(b"  ")?;
                }
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// Writes `value` as pretty JSON and a newline, safe for a terminal (`sanitize::json`).
pub fn write_json<T: serde::Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    out.write_all(&sanitize::json(&json))?;
    out.write_all(b"\n")
}
