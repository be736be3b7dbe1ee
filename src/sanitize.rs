//! The one sanitizer for text from outside (process names, command lines, registry and user files)
//! before it reaches a terminal: control characters and bidirectional overrides never pass raw.

use std::borrow::Cow;
use std::fmt::Write;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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

/// Makes `serde_json`'s output as safe for a terminal as `clean` makes text, without changing what
/// it means. serde escapes only characters below U+0020, so DEL, C1 controls (U+009B is a CSI to
/// some terminals) and bidi overrides would reach the terminal of whoever prints the JSON; they are
/// rewritten as `\uXXXX`. Such characters can only stand inside JSON strings, and every raw
/// character below U+0020 in serde's output is layout (newlines of the pretty form), so it stays.
/// Borrowed when there is nothing to rewrite, which a scan of lead bytes tells.
pub fn json(out: &[u8]) -> Cow<'_, [u8]> {
    // The first byte of DEL, of U+0080–U+009F, of U+061C and of U+200E–U+2069 in UTF-8.
    // Megabytes of `portolan sockets --json` go through here: a vectorized search, not a byte loop.
    if memchr::memchr3(0xc2, 0xd8, 0xe2, out).is_none() && memchr::memchr(0x7f, out).is_none() {
        return Cow::Borrowed(out);
    }
    let Ok(text) = std::str::from_utf8(out) else { return Cow::Borrowed(out) };
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c >= ' ' && is_unsafe(c) {
            // Every unsafe character is in the Basic Multilingual Plane: one `\u` escape each.
            let _ = write!(escaped, "\\u{:04x}", u32::from(c));
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped.into_bytes())
}

/// What a one-line input keeps of a typed or pasted character: whitespace controls (a pasted
/// newline) become a space, every other unsafe character is dropped, the rest is kept.
pub fn typed(c: char) -> Option<char> {
    match c {
        '\t' | '\n' | '\r' => Some(' '),
        c if is_unsafe(c) => None,
        c => Some(c),
    }
}

/// Cuts `s` to at most `max_width` terminal columns, ending in `…` when anything was cut. For
/// names that are normally short but need not be (a file name can hold 255 bytes).
pub fn clip(s: &str, max_width: usize) -> Cow<'_, str> {
    clip_side(s, max_width, false)
}

/// Like `clip`, but keeps the end and puts the `…` in front: the end of a line being typed.
pub fn clip_start(s: &str, max_width: usize) -> Cow<'_, str> {
    clip_side(s, max_width, true)
}

fn clip_side(s: &str, max_width: usize, keep_end: bool) -> Cow<'_, str> {
    if s.width() <= max_width {
        return Cow::Borrowed(s);
    }
    let mut kept = Vec::new();
    let mut width = 0;
    let chars: Box<dyn Iterator<Item = char>> =
        if keep_end { Box::new(s.chars().rev()) } else { Box::new(s.chars()) };
    for c in chars {
        let w = c.width().unwrap_or(0);
        if width + w + 1 > max_width {
            break;
        }
        width += w;
        kept.push(c);
    }
    if keep_end {
        kept.reverse();
    }
    let ellipsis = (max_width > 0).then_some('…');
    let out: String = if keep_end {
        ellipsis.into_iter().chain(kept).collect()
    } else {
        kept.into_iter().chain(ellipsis).collect()
    };
    Cow::Owned(out)
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

    #[test]
    fn typed_characters_drop_controls() {
        let kept: String = "a\x1b[2J\tb\nc\u{202e}d\u{9b}é\0".chars().filter_map(typed).collect();
        assert_eq!(kept, "a[2J b cdé");
    }

    #[test]
    fn clip_cuts_to_the_width_with_an_ellipsis() {
        assert!(matches!(clip("postgres", 8), Cow::Borrowed("postgres")));
        assert_eq!(clip("postgresql", 8), "postgre…");
        // Wide characters count two columns and are never split.
        assert_eq!(clip("日本語のサーバ", 6), "日本…");
        assert_eq!(clip(&"x".repeat(65_536), 40).chars().count(), 40);
        assert_eq!(clip("abc", 0), "");
        assert_eq!(clip_start("postgresql", 8), "…tgresql");
        assert!(matches!(clip_start("pg", 2), Cow::Borrowed("pg")));
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw_and_means_the_same() {
        let hostile = "a\x1b]0;pwned\x07\u{7f}\u{9b}2J\u{202e}\u{2066}\u{200f}\u{61c} é 日本 \"q\"\n";
        let serde =
            serde_json::to_vec_pretty(&serde_json::json!({ "process": hostile, "n": [1, 2] })).unwrap();
        let safe = json(&serde);
        let text = std::str::from_utf8(&safe).unwrap();
        assert!(!text.chars().any(|c| c != '\n' && is_unsafe(c)), "{text}");
        assert!(text.contains("\\u009b2J") && text.contains("\\u202e") && text.contains("é 日本"), "{text}");
        let back: serde_json::Value = serde_json::from_slice(&safe).unwrap();
        assert_eq!(back["process"], hostile);
        assert_eq!(back, serde_json::from_slice::<serde_json::Value>(&serde).unwrap());
        assert!(matches!(json(b"[1,\"ok\"]"), Cow::Borrowed(_)));
    }
}
