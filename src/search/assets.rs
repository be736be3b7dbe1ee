//! The two hand-written tables search leans on: the words people type mapped to registry names
//! (`assets/aliases.toml`) and the services people meet most, in rank order (`assets/popular.toml`).

use std::collections::BTreeMap;

use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use crate::registry::{line_of, toml_error_line};

/// `assets/aliases.toml`, compiled in.
pub const ALIASES_TOML: &str = include_str!("../../assets/aliases.toml");
/// `assets/popular.toml`, compiled in.
pub const POPULAR_TOML: &str = include_str!("../../assets/popular.toml");

/// Why an asset table could not be read, with the line (from 1) it points at.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AssetError {
    #[error("{file}:{line}: {message}")]
    Toml { file: &'static str, line: usize, message: String },
    #[error("{file}:{line}: '{word}' must be one lowercase word")]
    BadWord { file: &'static str, line: usize, word: String },
}

impl AssetError {
    fn toml(file: &'static str, text: &str, e: &toml::de::Error) -> AssetError {
        AssetError::Toml { file, line: toml_error_line(text, e), message: e.message().trim().to_owned() }
    }

    /// The line of the file the error points at.
    pub fn line(&self) -> usize {
        match self {
            AssetError::Toml { line, .. } | AssetError::BadWord { line, .. } => *line,
        }
    }
}

/// Words people use for services, each mapped to registry names, most likely first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aliases {
    /// (lowercase word, target service names).
    words: Vec<(String, Vec<String>)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasesFile {
    #[serde(default)]
    /// Spanned keys, so that a bad word can be pointed at.
    aliases: BTreeMap<Spanned<String>, Vec<String>>,
}

impl Aliases {
    /// The table shipped in `assets/aliases.toml`.
    pub fn bundled() -> Result<Aliases, AssetError> {
        Aliases::parse(ALIASES_TOML)
    }

    pub fn parse(text: &str) -> Result<Aliases, AssetError> {
        const FILE: &str = "aliases.toml";
        let file: AliasesFile = toml::from_str(text).map_err(|e| AssetError::toml(FILE, text, &e))?;
        let mut words = Vec::with_capacity(file.aliases.len());
        for (word, targets) in file.aliases {
            let line = line_of(text, word.span().start);
            let word = word.into_inner();
            if word.is_empty() || word.chars().any(|c| c.is_whitespace() || c.is_ascii_uppercase()) {
                return Err(AssetError::BadWord { file: FILE, line, word });
            }
            words.push((word, targets.into_iter().map(|t| t.to_ascii_lowercase()).collect()));
        }
        Ok(Aliases { words })
    }

    /// Every (word, targets) pair.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.words.iter().map(|(w, t)| (w.as_str(), t.as_slice()))
    }

    /// The service names `word` stands for (empty when it is no alias).
    pub fn targets(&self, word: &str) -> &[String] {
        self.words.binary_search_by(|(w, _)| w.as_str().cmp(word)).map_or(&[], |i| self.words[i].1.as_slice())
    }
}

/// The services people meet most, best known first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Popularity {
    /// (lowercase name, a port it is registered on), in rank order.
    entries: Vec<(String, u16)>,
}

#[derive(Deserialize)]
struct PopularFile {
    #[serde(default)]
    popular: Vec<PopularEntry>,
}

#[derive(Deserialize)]
struct PopularEntry {
    name: String,
    port: u16,
}

impl Popularity {
    /// The list shipped in `assets/popular.toml`.
    pub fn bundled() -> Result<Popularity, AssetError> {
        Popularity::parse(POPULAR_TOML)
    }

    /// Reads `[[popular]]` tables; the rank is the position in the file (a `rank` key is ignored).
    pub fn parse(text: &str) -> Result<Popularity, AssetError> {
        let file: PopularFile =
            toml::from_str(text).map_err(|e| AssetError::toml("popular.toml", text, &e))?;
        Ok(Popularity {
            entries: file.popular.into_iter().map(|p| (p.name.to_ascii_lowercase(), p.port)).collect(),
        })
    }

    /// (rank from 1, name, port), best known first.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &str, u16)> {
        self.entries.iter().enumerate().map(|(i, (name, port))| (i + 1, name.as_str(), *port))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_tables_parse() {
        let aliases = Aliases::bundled().unwrap();
        assert_eq!(aliases.targets("dns"), ["domain"]);
        assert_eq!(aliases.targets("pg"), ["postgresql"]);
        assert!(aliases.targets("no-such-word").is_empty());
        let popular = Popularity::bundled().unwrap();
        assert!(popular.len() >= 40);
        assert_eq!(popular.iter().next().map(|(rank, _, _)| rank), Some(1));
    }

    #[test]
    fn bad_tables_are_errors() {
        assert!(matches!(
            Aliases::parse("[aliases]\n\"Two Words\" = [\"x\"]\n"),
            Err(AssetError::BadWord { .. })
        ));
        assert!(matches!(Aliases::parse("[aliases]\ndns = 3\n"), Err(AssetError::Toml { line: 2, .. })));
        let err = Aliases::parse("[aliases]\ndns = [\"domain\"]\n\n\"Two Words\" = [\"x\"]\n").unwrap_err();
        assert_eq!(err.to_string(), "aliases.toml:4: 'Two Words' must be one lowercase word");
        assert!(matches!(
            Popularity::parse("[[popular]]\nname = \"x\"\nport = 70000\n"),
            Err(AssetError::Toml { line: 3, .. })
        ));
        assert_eq!(
            Popularity::parse("[[popular]]\nname = \"SSH\"\nport = 22\n").unwrap().iter().collect::<Vec<_>>(),
            [(1, "ssh", 22)]
        );
    }
}
