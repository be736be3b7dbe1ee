//! The one keymap: key handling looks actions up here and the Help screen lists this same table,
//! so the help can never drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask the app to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Suspend,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    HalfPageUp,
    HalfPageDown,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    Pane(usize),
    Open,
    ShowPorts,
    ShowSockets,
    ShowLearn,
    ShowHelp,
    Search,
    Jump,
    Faster,
    Slower,
    Pause,
    SortNext,
    SortReverse,
    ListeningOnly,
    CycleProtocol,
    CycleFamily,
    HideLoopback,
}

/// Where a binding applies. Screen scopes are consulted before `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Ports,
    Sockets,
    /// While typing in the search, filter or jump line: printable keys go to the text.
    Input,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Global, Scope::Ports, Scope::Sockets, Scope::Input];

    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Ports => "Ports screen",
            Scope::Sockets => "Sockets screen",
            Scope::Input => "Typing in the search, filter or jump line",
        }
    }
}

/// A key and its modifiers (Shift is implied by an upper-case character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: false }
}
const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: true }
}
const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    pub fn matches(self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let code = match event.code {
            // Terminals differ on whether Ctrl-letters arrive upper-case.
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        self.code == code && self.ctrl == ctrl
    }

    /// How the Help screen spells the key.
    pub fn label(self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::Left => "←".to_owned(),
            KeyCode::Right => "→".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "Shift-Tab".to_owned(),
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Backspace => "Backspace".to_owned(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl { format!("Ctrl-{base}") } else { base }
    }
}

/// One row of the keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
}

const fn bind(scope: Scope, keys: &'static [Key], action: Action, help: &'static str) -> Binding {
    Binding { scope, keys, action, help }
}

use Action as A;
use Scope::{Global as G, Input as I, Ports as P, Sockets as S};

/// The keymap, in the order the Help screen shows it.
pub const KEYMAP: &[Binding] = &[
    bind(G, &[k('q'), ctrl('c')], A::Quit, "quit"),
    bind(G, &[ctrl('z')], A::Suspend, "suspend to the shell (fg resumes)"),
    bind(G, &[code(KeyCode::Esc)], A::Back, "back out one level (close detail, clear search, leave screen)"),
    bind(G, &[k('p'), code(KeyCode::F(2))], A::ShowPorts, "Ports screen: the three ranges"),
    bind(G, &[k('s'), code(KeyCode::F(3))], A::ShowSockets, "Sockets screen: this machine's sockets, live"),
    bind(G, &[k('i'), code(KeyCode::F(4))], A::ShowLearn, "Learn: ports and ranges explained"),
    bind(G, &[k('?'), code(KeyCode::F(1))], A::ShowHelp, "this help"),
    bind(G, &[k('/')], A::Search, "search services (on Sockets: filter the table)"),
    bind(G, &[k(':')], A::Jump, "jump to a port or range, e.g. :5432 or :8000-8100"),
    bind(G, &[code(KeyCode::Up), k('k')], A::Up, "move up"),
    bind(G, &[code(KeyCode::Down), k('j')], A::Down, "move down"),
    bind(G, &[code(KeyCode::PageUp)], A::PageUp, "page up"),
    bind(G, &[code(KeyCode::PageDown)], A::PageDown, "page down"),
    bind(G, &[ctrl('u')], A::HalfPageUp, "half a page up"),
    bind(G, &[ctrl('d')], A::HalfPageDown, "half a page down"),
    bind(G, &[code(KeyCode::Home), k('g')], A::Top, "first row"),
    bind(G, &[code(KeyCode::End), k('G')], A::Bottom, "last row"),
    bind(P, &[code(KeyCode::Tab), code(KeyCode::Right), k('l')], A::NextPane, "next range pane"),
    bind(P, &[code(KeyCode::BackTab), code(KeyCode::Left), k('h')], A::PrevPane, "previous range pane"),
    bind(P, &[k('1')], A::Pane(0), "Well-known pane"),
    bind(P, &[k('2')], A::Pane(1), "Registered pane"),
    bind(P, &[k('3')], A::Pane(2), "Dynamic pane"),
    bind(P, &[code(KeyCode::Enter)], A::Open, "open / close the detail of the selected port"),
    bind(S, &[code(KeyCode::Enter)], A::Open, "detail of the socket's service port"),
    bind(S, &[k('+'), k('=')], A::Faster, "refresh more often"),
    bind(S, &[k('-')], A::Slower, "refresh less often"),
    bind(S, &[k(' ')], A::Pause, "pause / resume refreshing"),
    bind(S, &[k('o')], A::SortNext, "sort by the next column"),
    bind(S, &[k('O')], A::SortReverse, "reverse the sort"),
    bind(S, &[k('L')], A::ListeningOnly, "listening sockets only"),
    bind(S, &[k('t')], A::CycleProtocol, "TCP and UDP / TCP only / UDP only"),
    bind(S, &[k('v')], A::CycleFamily, "IPv4 and IPv6 / IPv4 only / IPv6 only"),
    bind(S, &[k('x')], A::HideLoopback, "hide / show loopback sockets"),
    bind(I, &[code(KeyCode::Enter)], A::Open, "search: jump to the selected hit; jump: go to the port"),
    bind(I, &[code(KeyCode::Esc)], A::Back, "clear and close the line"),
    bind(I, &[code(KeyCode::Tab)], A::NextPane, "search: next range pane"),
    bind(I, &[code(KeyCode::BackTab)], A::PrevPane, "search: previous range pane"),
];

/// The action bound to `event` in `scope` (screen scope first, then global).
pub fn lookup(scope: Scope, event: &KeyEvent) -> Option<Action> {
    let find = |s: Scope| {
        KEYMAP.iter().find(|b| b.scope == s && b.keys.iter().any(|key| key.matches(event))).map(|b| b.action)
    };
    find(scope).or_else(|| if scope == Scope::Global { None } else { find(Scope::Global) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn keys_resolve_by_scope() {
        let none = KeyModifiers::NONE;
        let table = [
            (Scope::Ports, ev(KeyCode::Char('q'), none), Some(Action::Quit)),
            (Scope::Ports, ev(KeyCode::Char('c'), KeyModifiers::CONTROL), Some(Action::Quit)),
            (Scope::Ports, ev(KeyCode::Char('D'), KeyModifiers::CONTROL), Some(Action::HalfPageDown)),
            (Scope::Ports, ev(KeyCode::Char('G'), KeyModifiers::SHIFT), Some(Action::Bottom)),
            (Scope::Ports, ev(KeyCode::BackTab, KeyModifiers::SHIFT), Some(Action::PrevPane)),
            (Scope::Ports, ev(KeyCode::Char('2'), none), Some(Action::Pane(1))),
            (Scope::Sockets, ev(KeyCode::Char('2'), none), None),
            (Scope::Sockets, ev(KeyCode::Char('O'), KeyModifiers::SHIFT), Some(Action::SortReverse)),
            (Scope::Sockets, ev(KeyCode::Enter, none), Some(Action::Open)),
            (Scope::Input, ev(KeyCode::Esc, none), Some(Action::Back)),
            (Scope::Ports, ev(KeyCode::Char('z'), none), None),
        ];
        for (scope, event, want) in table {
            assert_eq!(lookup(scope, &event), want, "{scope:?} {event:?}");
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for scope in Scope::ALL {
            let keys: Vec<Key> =
                KEYMAP.iter().filter(|b| b.scope == scope).flat_map(|b| b.keys.iter().copied()).collect();
            for (i, a) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(a), "{scope:?}: {} bound twice", a.label());
            }
        }
    }
}
