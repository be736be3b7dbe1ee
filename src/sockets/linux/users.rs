//! User names from `/etc/passwd`, read once and kept.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Default, Clone)]
pub struct Users {
    names: HashMap<u32, Arc<str>>,
}

impl Users {
    /// Reads `path`; an unreadable file means no names, never an error.
    pub fn load(path: &Path) -> Users {
        std::fs::read_to_string(path).map(|t| Users::parse(&t)).unwrap_or_default()
    }

    /// `name:x:uid:…` lines; the first entry for a uid wins, as with getpwuid.
    pub fn parse(text: &str) -> Users {
        let mut names = HashMap::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split(':');
            if let (Some(name), Some(_), Some(Ok(uid))) =
                (f.next(), f.next(), f.next().map(str::parse::<u32>))
                && !name.is_empty()
            {
                names.entry(uid).or_insert_with(|| Arc::from(name));
            }
        }
        Users { names }
    }

    pub fn name(&self, uid: u32) -> Option<&Arc<str>> {
        self.names.get(&uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_passwd() {
        let u = Users::parse(
            "root:x:0:0:root:/root:/bin/bash\n# c\nbad\npg:x:abc:\nalice:x:1000:1000::/h:/bin/sh\ndup:x:1000:1\n",
        );
        assert_eq!(u.name(0).map(|n| &**n), Some("root"));
        assert_eq!(u.name(1000).map(|n| &**n), Some("alice"));
        assert_eq!(u.name(5), None);
    }
}
