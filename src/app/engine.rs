//! The real search engine (`crate::search`) behind the app's `Searcher` seam: hits become pane
//! rows, sanitized once (char for char, so the match positions stay valid).

use std::sync::Arc;

use super::{SearchHit, Searcher};
use crate::registry::Registry;
use crate::sanitize::clean;
use crate::search::{Hit, SearchEngine, SearchOptions};

/// Most hits a keystroke asks for: more than any pane shows at once, few enough to stay fast.
const LIMIT: usize = 1500;

struct EngineSearcher {
    registry: Arc<Registry>,
    engine: SearchEngine,
}

impl Searcher for EngineSearcher {
    fn search(&mut self, query: &str) -> Vec<SearchHit> {
        let opts = SearchOptions { limit: Some(LIMIT), ..SearchOptions::default() };
        self.engine.search(&self.registry, query, &opts).into_iter().filter_map(to_row).collect()
    }
}

/// A hit with a port becomes a pane row; name-only registrations have no place in a range pane.
fn to_row(hit: Hit) -> Option<SearchHit> {
    let span = hit.span()?;
    Some(SearchHit {
        service: clean(&hit.service).into_owned(),
        span,
        protocols: hit.protocols.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("/"),
        description: clean(&hit.description).into_owned(),
        matched_service: hit.matched.service,
        matched_description: hit.matched.description,
    })
}

/// The engine for `registry` (built here, so call it off the drawing thread).
pub fn engine_searcher(registry: Arc<Registry>) -> Option<Box<dyn Searcher>> {
    let engine = SearchEngine::new(&registry);
    Some(Box::new(EngineSearcher { registry, engine }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_finds_postgres_with_highlights() {
        let mut s = engine_searcher(Arc::new(Registry::bundled())).unwrap();
        let hits = s.search("postgres");
        let pg = hits.iter().find(|h| h.span.start == 5432).expect("5432 among the hits");
        assert!(pg.service.to_lowercase().starts_with("postgres"), "{pg:?}");
        assert!(!pg.matched_service.is_empty() || !pg.matched_description.is_empty());
        assert!(hits.iter().all(|h| !h.service.chars().any(char::is_control)));
    }
}
