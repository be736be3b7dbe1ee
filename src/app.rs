//! The TUI's state and everything that changes it: `apply(Event)` for input and collector data,
//! `update(Action)` for what keys mean. No terminal I/O and no clock, so tests drive it headless.

mod engine;
#[doc(hidden)]
pub mod fake;
pub mod keymap;
pub mod rows;
pub mod sockets;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

pub use engine::engine_searcher;
pub use keymap::{Action, Scope};
pub use rows::{Row, RowKind, Use};
pub use sockets::{Entry, Prepared, SharedOrder, SocketFeed, SocketsState, SortKey};

use crate::registry::{Origin, PortRange, PortSpan, Protocol, Registry};
use crate::sanitize::clean;
use crate::sockets::{Family, Socket};
use crate::system::PortSettings;

/// Refresh intervals `+`/`-` step through.
const REFRESH_STEPS: [u64; 9] = [250, 500, 1000, 2000, 3000, 5000, 10_000, 30_000, 60_000];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Ports,
    Sockets,
    Learn,
    Help,
}

impl Screen {
    pub const TABS: [Screen; 4] = [Screen::Ports, Screen::Sockets, Screen::Learn, Screen::Help];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Ports => "Ports",
            Screen::Sockets => "Sockets",
            Screen::Learn => "Learn",
            Screen::Help => "Help",
        }
    }
}

/// What the app reacts to.
#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A bracketed paste: goes into the open search, filter or jump line as one edit (a newline as
    /// a space). Ignored when no line is open, so pasted text is never taken for commands.
    Paste(String),
    Sockets(SocketFeed),
    /// The collector could not collect (or this OS has none); shown on the Sockets screen.
    SocketsFailed(String),
}

/// One search result, as the panes show it. Strings are sanitized (char for char, so the match
/// positions stay valid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub service: String,
    pub span: PortSpan,
    pub protocols: String,
    pub description: String,
    /// Char indices of matched characters in `service` and `description`.
    pub matched_service: Vec<usize>,
    pub matched_description: Vec<usize>,
}

/// Ranks services for a query: the search engine behind one seam, so tests can use a fake.
/// `Send` so the engine can be built on a thread while the first frame is already up.
pub trait Searcher: Send {
    fn search(&mut self, query: &str) -> Vec<SearchHit>;
}

/// A line the user is typing into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Search,
    Jump,
    Filter,
}

/// The longest text a search, filter or jump line holds, in characters: far more than any query
/// needs, and a paste of a whole file cannot grow the line (or each keystroke's work) without bound.
pub const MAX_INPUT: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    /// Never holds a control or bidi character (`sanitize::typed`), nor more than `MAX_INPUT`.
    pub text: String,
}

impl Input {
    /// Appends what the line keeps of `chars`, up to `MAX_INPUT` characters in all. True when the
    /// text changed.
    pub fn insert(&mut self, chars: impl IntoIterator<Item = char>) -> bool {
        let room = MAX_INPUT.saturating_sub(self.text.chars().count());
        let before = self.text.len();
        self.text.extend(chars.into_iter().filter_map(crate::sanitize::typed).take(room));
        self.text.len() != before
    }

    /// True when another character would be refused.
    pub fn is_full(&self) -> bool {
        self.text.chars().count() >= MAX_INPUT
    }
}

/// Selection and scroll of one list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListPos {
    pub selected: usize,
    pub offset: usize,
}

impl ListPos {
    /// Moves by `delta` within `len` rows and keeps the selection inside a window of `height`.
    fn step(&mut self, delta: isize, len: usize, height: usize) {
        let last = len.saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.follow(height);
    }

    fn select(&mut self, index: usize, len: usize, height: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.follow(height);
    }

    /// Scrolls as little as possible to keep the selection visible.
    pub fn follow(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }
}

/// Options from the command line.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub refresh: Duration,
    pub color: bool,
    pub mouse: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { refresh: Duration::from_secs(1), color: true, mouse: true }
    }
}

/// Which registry the header names; computed once.
#[derive(Debug, Clone)]
pub struct RegistryInfo {
    pub label: String,
    pub date: Option<String>,
}

pub struct App {
    pub registry: Arc<Registry>,
    pub info: RegistryInfo,
    pub settings: PortSettings,
    pub options: Options,
    base_rows: [Vec<Row>; 3],
    pub rows: [Vec<Row>; 3],
    /// Ports per range with at least one service name, from any layer of the registry.
    pub assigned: [u32; 3],
    /// Local ports in use on this machine.
    pub used: BTreeMap<u16, Use>,
    pub sockets: SocketsState,
    pub screen: Screen,
    /// Where Esc returns from Learn/Help.
    previous: Screen,
    pub focus: usize,
    pub panes: [ListPos; 3],
    pub detail_open: bool,
    pub input: Option<Input>,
    /// The active search; panes show its hits while it is non-empty.
    pub query: String,
    pub hits: [Vec<SearchHit>; 3],
    pub hit_pos: [ListPos; 3],
    /// The pane focused before the search moved focus to its best hit; Esc returns there.
    focus_before_search: usize,
    searcher: Option<Box<dyn Searcher>>,
    pub size: (u16, u16),
    pub scroll: u16,
    pub message: Option<String>,
    pub quit: bool,
    pub suspend: bool,
}

impl App {
    pub fn new(registry: Arc<Registry>, settings: PortSettings, options: Options) -> App {
        let base_rows = PortRange::ALL.map(|r| rows::base_rows(&registry, r));
        let assigned = std::array::from_fn(|i| {
            base_rows[i].iter().filter(|r| r.kind == RowKind::Service).map(|r| r.span.count()).sum()
        });
        let label = match registry.origin() {
            Origin::Bundled => "bundled IANA registry".to_owned(),
            Origin::User { path, .. } => format!("IANA registry {}", clean(&path.display().to_string())),
        };
        let info = RegistryInfo { label, date: registry.data_date() };
        App {
            rows: base_rows.clone(),
            base_rows,
            assigned,
            registry,
            info,
            settings,
            options,
            used: BTreeMap::new(),
            sockets: SocketsState::new(options.refresh),
            screen: Screen::Ports,
            previous: Screen::Ports,
            focus: 0,
            panes: [ListPos::default(); 3],
            detail_open: false,
            input: None,
            query: String::new(),
            hits: [Vec::new(), Vec::new(), Vec::new()],
            hit_pos: [ListPos::default(); 3],
            focus_before_search: 0,
            searcher: None,
            size: (80, 24),
            scroll: 0,
            message: None,
            quit: false,
            suspend: false,
        }
    }

    /// Installs the search engine; a query typed while it was loading is run now.
    pub fn set_searcher(&mut self, searcher: Box<dyn Searcher>) {
        self.searcher = Some(searcher);
        if let Some(input) = self.input.as_ref().filter(|i| i.kind == InputKind::Search) {
            let pending = input.text.clone();
            self.query.clear();
            self.run_search(&pending);
        }
    }

    /// True while the panes show search hits instead of the ranges.
    pub fn searching(&self) -> bool {
        !self.query.is_empty()
    }

    /// Rows count of pane `i` in the current mode.
    pub fn pane_len(&self, i: usize) -> usize {
        if self.searching() { self.hits[i].len() } else { self.rows[i].len() }
    }

    pub fn pane_pos(&self, i: usize) -> ListPos {
        if self.searching() { self.hit_pos[i] } else { self.panes[i] }
    }

    /// The port the Ports screen has selected.
    pub fn selected_port(&self) -> Option<u16> {
        let i = self.focus;
        if self.searching() {
            self.hits[i].get(self.hit_pos[i].selected).map(|h| h.span.start)
        } else {
            self.rows[i].get(self.panes[i].selected).map(|r| r.span.start)
        }
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let port = self.selected_port()?;
        let i = PortRange::of(port) as usize;
        rows::row_of(&self.rows[i], port).and_then(|r| self.rows[i].get(r))
    }

    /// Local sockets on `port`, live ones only.
    pub fn sockets_on(&self, port: u16) -> impl Iterator<Item = &Socket> {
        self.sockets.snapshot.sockets.iter().filter(move |s| s.local.port == port)
    }

    fn scope(&self) -> Scope {
        if self.input.is_some() {
            return Scope::Input;
        }
        match self.screen {
            Screen::Ports => Scope::Ports,
            Screen::Sockets => Scope::Sockets,
            Screen::Learn | Screen::Help => Scope::Global,
        }
    }

    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => self.key(key),
            Event::Mouse(m) if self.options.mouse => self.mouse(m),
            Event::Key(_) | Event::Mouse(_) => {}
            Event::Resize(w, h) => {
                self.size = (w, h);
                self.follow_all();
            }
            Event::Paste(text) => {
                if self.input.as_mut().is_some_and(|input| input.insert(text.chars())) {
                    self.input_changed();
                }
            }
            Event::Sockets(feed) => self.ingest(feed),
            Event::SocketsFailed(e) => self.sockets.error = Some(clean(&e).into_owned()),
        }
    }

    fn key(&mut self, key: KeyEvent) {
        self.message = None;
        if let Some(input) = &mut self.input {
            let plain = !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            match key.code {
                KeyCode::Char(c) if plain => {
                    if input.insert([c]) {
                        self.input_changed();
                    }
                    return;
                }
                KeyCode::Backspace => {
                    input.text.pop();
                    self.input_changed();
                    return;
                }
                _ => {}
            }
        }
        if let Some(action) = keymap::lookup(self.scope(), &key) {
            self.update(action);
        }
    }

    fn input_changed(&mut self) {
        let Some(input) = &self.input else { return };
        match input.kind {
            InputKind::Search => {
                let q = input.text.clone();
                self.run_search(&q);
            }
            InputKind::Filter => {
                self.sockets.filter.clone_from(&input.text);
                self.sockets.rebuild();
                self.follow_all();
            }
            InputKind::Jump => {}
        }
    }

    fn run_search(&mut self, query: &str) {
        let query = query.trim();
        if query == self.query {
            return;
        }
        let Some(searcher) = self.searcher.as_mut() else {
            // Still loading: `set_searcher` runs the query when the engine arrives.
            self.message = Some("search index is loading…".to_owned());
            return;
        };
        query.clone_into(&mut self.query);
        self.hits = Default::default();
        self.hit_pos = [ListPos::default(); 3];
        if query.is_empty() {
            return;
        }
        let hits = searcher.search(query);
        // Focus the pane of the best hit, so Enter takes the top answer.
        if let Some(best) = hits.first() {
            self.focus = PortRange::of(best.span.start) as usize;
        }
        for hit in hits {
            self.hits[PortRange::of(hit.span.start) as usize].push(hit);
        }
    }

    /// Leaves the search, keeping the ranges' own selection.
    fn clear_search(&mut self) {
        self.query.clear();
        self.hits = Default::default();
        self.hit_pos = [ListPos::default(); 3];
    }

    /// Visible rows of the focused list (pane or sockets table), from the same layout `render` uses.
    fn page(&self) -> usize {
        let regions = crate::ui::regions(Rect::new(0, 0, self.size.0, self.size.1), self);
        match self.screen {
            Screen::Ports => regions.pane_list(self.focus).map_or(1, |r| usize::from(r.height)),
            Screen::Sockets => regions.table_rows.map_or(1, |r| usize::from(r.height)),
            Screen::Learn | Screen::Help => usize::from(regions.body.height),
        }
        .max(1)
    }

    fn follow_all(&mut self) {
        let page = self.page();
        for p in self.panes.iter_mut().chain(self.hit_pos.iter_mut()) {
            p.follow(page);
        }
        let mut pos = ListPos { selected: self.sockets.selected, offset: self.sockets.offset };
        pos.follow(page);
        self.sockets.offset = pos.offset;
    }

    fn ingest(&mut self, feed: SocketFeed) {
        let keep: [Option<u16>; 3] =
            std::array::from_fn(|i| self.rows[i].get(self.panes[i].selected).map(|r| r.span.start));
        let used = self.sockets.ingest(feed);
        if used != self.used {
            self.used = used;
            for (i, keep) in keep.into_iter().enumerate() {
                self.rows[i] = rows::with_use(&self.base_rows[i], &self.used);
                if let Some(row) = keep.and_then(|p| rows::row_of(&self.rows[i], p)) {
                    self.panes[i].selected = row;
                }
            }
        }
        self.follow_all();
    }

    /// Moves the Ports screen to `port`: focus its range, select its row.
    pub fn go_to_port(&mut self, port: u16) {
        self.clear_search();
        self.screen = Screen::Ports;
        let i = PortRange::of(port) as usize;
        self.focus = i;
        let page = self.page();
        if let Some(r) = rows::row_of(&self.rows[i], port) {
            self.panes[i].select(r, self.rows[i].len(), page);
            // Center the target so the rows around it show too.
            self.panes[i].offset = r.saturating_sub(page / 2);
        }
    }

    fn move_by(&mut self, delta: isize) {
        let page = self.page();
        match self.screen {
            Screen::Ports => {
                let i = self.focus;
                let len = self.pane_len(i);
                let pos = if self.searching() { &mut self.hit_pos[i] } else { &mut self.panes[i] };
                pos.step(delta, len, page);
            }
            Screen::Sockets => {
                let mut pos = ListPos { selected: self.sockets.selected, offset: self.sockets.offset };
                pos.step(delta, self.sockets.view.len(), page);
                self.sockets.selected = pos.selected;
                self.sockets.offset = pos.offset;
            }
            Screen::Learn | Screen::Help => {
                let d = i16::try_from(delta).unwrap_or(if delta < 0 { i16::MIN } else { i16::MAX });
                self.scroll = self.scroll.saturating_add_signed(d);
            }
        }
    }

    fn focus_pane(&mut self, i: usize) {
        self.focus = i.min(2);
    }

    pub fn update(&mut self, action: Action) {
        let page = isize::try_from(self.page()).unwrap_or(isize::MAX);
        match action {
            Action::Quit => self.quit = true,
            Action::Suspend => self.suspend = true,
            Action::Back => self.back(),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page),
            Action::PageDown => self.move_by(page),
            Action::HalfPageUp => self.move_by(-(page / 2).max(1)),
            Action::HalfPageDown => self.move_by((page / 2).max(1)),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::NextPane => self.focus_pane((self.focus + 1) % 3),
            Action::PrevPane => self.focus_pane((self.focus + 2) % 3),
            Action::Pane(i) => self.focus_pane(i),
            Action::Open => self.open(),
            Action::ShowPorts => self.show(Screen::Ports),
            Action::ShowSockets => self.show(Screen::Sockets),
            Action::ShowLearn => self.show(Screen::Learn),
            Action::ShowHelp => self.show(Screen::Help),
            Action::Search => {
                if self.screen == Screen::Sockets {
                    let text = self.sockets.filter.clone();
                    self.input = Some(Input { kind: InputKind::Filter, text });
                } else {
                    if !self.searching() {
                        self.focus_before_search = self.focus;
                    }
                    self.screen = Screen::Ports;
                    self.detail_open = false;
                    self.input = Some(Input { kind: InputKind::Search, text: self.query.clone() });
                }
            }
            Action::Jump => self.input = Some(Input { kind: InputKind::Jump, text: String::new() }),
            Action::Faster => self.step_refresh(-1),
            Action::Slower => self.step_refresh(1),
            Action::Pause => self.sockets.paused = !self.sockets.paused,
            Action::SortNext => self.sockets.cycle_sort(),
            Action::SortReverse => self.sockets.toggle_reverse(),
            Action::ListeningOnly => {
                self.sockets.listening_only = !self.sockets.listening_only;
                self.sockets.rebuild();
            }
            Action::CycleProtocol => {
                self.sockets.protocol = match self.sockets.protocol {
                    None => Some(Protocol::Tcp),
                    Some(Protocol::Tcp) => Some(Protocol::Udp),
                    Some(_) => None,
                };
                self.sockets.rebuild();
            }
            Action::CycleFamily => {
                self.sockets.family = match self.sockets.family {
                    None => Some(Family::V4),
                    Some(Family::V4) => Some(Family::V6),
                    Some(Family::V6) => None,
                };
                self.sockets.rebuild();
            }
            Action::HideLoopback => {
                self.sockets.hide_loopback = !self.sockets.hide_loopback;
                self.sockets.rebuild();
            }
        }
    }

    fn show(&mut self, screen: Screen) {
        if self.screen == screen {
            return;
        }
        if matches!(screen, Screen::Learn | Screen::Help)
            && matches!(self.screen, Screen::Ports | Screen::Sockets)
        {
            self.previous = self.screen;
        }
        self.screen = screen;
        self.scroll = 0;
        self.input = None;
    }

    fn step_refresh(&mut self, dir: isize) {
        let now = u64::try_from(self.sockets.refresh.as_millis()).unwrap_or(u64::MAX);
        let i = REFRESH_STEPS.iter().position(|&s| s >= now).unwrap_or(REFRESH_STEPS.len() - 1);
        let i = i.saturating_add_signed(dir).min(REFRESH_STEPS.len() - 1);
        self.sockets.refresh = Duration::from_millis(REFRESH_STEPS[i]);
    }

    fn open(&mut self) {
        if let Some(input) = self.input.take() {
            match input.kind {
                InputKind::Search => {
                    if let Some(port) = self.selected_port() {
                        self.go_to_port(port);
                        self.detail_open = true;
                    }
                }
                InputKind::Jump => match input.text.trim().trim_start_matches(':').parse::<PortSpan>() {
                    Ok(span) => self.go_to_port(span.start),
                    Err(e) => self.message = Some(e),
                },
                InputKind::Filter => {}
            }
            return;
        }
        match self.screen {
            Screen::Ports => {
                if self.searching() {
                    if let Some(port) = self.selected_port() {
                        self.go_to_port(port);
                        self.detail_open = true;
                    }
                } else {
                    self.detail_open = !self.detail_open;
                }
            }
            Screen::Sockets => {
                if let Some(s) = self.sockets.selected_socket() {
                    let port = s.service_port.unwrap_or(s.local.port);
                    self.go_to_port(port);
                    self.detail_open = true;
                }
            }
            Screen::Learn | Screen::Help => {}
        }
    }

    fn back(&mut self) {
        if let Some(input) = self.input.take() {
            match input.kind {
                InputKind::Search => {
                    self.clear_search();
                    self.focus = self.focus_before_search;
                }
                InputKind::Filter => {
                    self.sockets.filter.clear();
                    self.sockets.rebuild();
                }
                InputKind::Jump => {}
            }
            return;
        }
        match self.screen {
            Screen::Learn | Screen::Help => self.screen = self.previous,
            Screen::Sockets if !self.sockets.filter.is_empty() => {
                self.sockets.filter.clear();
                self.sockets.rebuild();
            }
            Screen::Sockets => self.screen = Screen::Ports,
            Screen::Ports if self.detail_open => self.detail_open = false,
            Screen::Ports if self.searching() => {
                self.clear_search();
                self.focus = self.focus_before_search;
            }
            Screen::Ports => {}
        }
    }

    fn mouse(&mut self, m: MouseEvent) {
        let regions = crate::ui::regions(Rect::new(0, 0, self.size.0, self.size.1), self);
        let at = Position::new(m.column, m.row);
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let delta = if m.kind == MouseEventKind::ScrollDown { 3 } else { -3 };
                if self.screen == Screen::Ports
                    && let Some(i) = (0..3).find(|&i| regions.pane(i).is_some_and(|r| r.contains(at)))
                {
                    self.focus = i;
                }
                self.move_by(delta);
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(screen) = regions.tab_at(at) {
                    self.show(screen);
                    return;
                }
                match self.screen {
                    Screen::Ports => {
                        if let Some(i) = (0..3).find(|&i| regions.pane(i).is_some_and(|r| r.contains(at))) {
                            self.focus = i;
                            if let Some(list) = regions.pane_list(i).filter(|r| r.contains(at)) {
                                let pos = self.pane_pos(i);
                                let row = pos.offset + usize::from(at.y - list.y);
                                if row < self.pane_len(i) {
                                    let page = self.page();
                                    let len = self.pane_len(i);
                                    let p = if self.searching() {
                                        &mut self.hit_pos[i]
                                    } else {
                                        &mut self.panes[i]
                                    };
                                    p.select(row, len, page);
                                }
                            }
                        }
                    }
                    Screen::Sockets => {
                        if let Some(list) = regions.table_rows.filter(|r| r.contains(at)) {
                            let row = self.sockets.offset + usize::from(at.y - list.y);
                            if row < self.sockets.view.len() {
                                self.sockets.selected = row;
                            }
                        }
                    }
                    Screen::Learn | Screen::Help => {}
                }
            }
            _ => {}
        }
    }
}
