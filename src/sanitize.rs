//! The one sanitizer for text from outside (process names, command lines, registry and user files)
//! before it reaches a terminal: control characters and bidirectional overrides never pass raw.

use std::borrow::Cow;

/// True for characters that could move the cursor, change modes or reorder text on a terminal.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
}

/// Replaces each unsafe character with a visible stand-in: `\t`, `\n` and other whitespace controls
/// become a space, everything else becomes `�`. Borrowed when nothing needed replacing.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => ' ',
                c if is_unsafe(c) => '\u{fffd}',
                c => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escape_sequences_and_bidi() {
        let hostile = "evil\x1b]0;pwned\x07\x1b[2J\u{202e}cod\u{0}x\u{9b}31m";
        let out = clean(hostile);
        assert!(!out.chars().any(is_unsafe), "{out:?}");
        assert!(out.starts_with("evil\u{fffd}]0;pwned"));
        assert!(matches!(clean("postgres: main"), Cow::Borrowed(_)));
        assert_eq!(clean("a\tb\nc"), "a b c");
    }
}
