//! Recent query vectors, remembered: real query streams repeat ("default value of work_mem" asked
//! again by the next reader), and a query vector is the one embedding a search waits for.

use std::sync::Arc;

use quick_cache::sync::Cache;

use super::Embedder;
use crate::IndexError;

/// Query vectors kept (about 1.5 KB each at 384 dimensions: 1.5 MB in all).
pub const QUERY_CACHE: usize = 1024;

/// An [`Embedder`] that remembers the vectors of up to [`QUERY_CACHE`] distinct queries (quick_cache's
/// CLOCK-Pro policy: a query asked again stays longer than one asked once); passages are always
/// embedded.
pub struct CachedQueries {
    inner: Box<dyn Embedder>,
    queries: Cache<String, Arc<Vec<f32>>>,
}

impl CachedQueries {
    pub fn new(inner: Box<dyn Embedder>, capacity: usize) -> Self {
        Self {
            inner,
            queries: Cache::new(capacity.max(1)),
        }
    }
}

impl Embedder for CachedQueries {
    fn model_id(&self) -> &str {
        self.inner.model_id()
    }

    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn embed_query(&self, text: &str) -> Result<Vec<f32>, IndexError> {
        // Concurrent requests for the same query wait for one embedding.
        let vector = self
            .queries
            .get_or_insert_with(text, || self.inner.embed_query(text).map(Arc::new))?;
        Ok(vector.as_ref().clone())
    }

    fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, IndexError> {
        self.inner.embed_passages(texts)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counting(Arc<AtomicUsize>);

    impl Embedder for Counting {
        fn model_id(&self) -> &str {
            "counting"
        }
        fn dim(&self) -> usize {
            1
        }
        fn embed_query(&self, text: &str) -> Result<Vec<f32>, IndexError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(vec![text.len() as f32])
        }
        fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, IndexError> {
            texts.iter().map(|t| self.embed_query(t)).collect()
        }
    }

    #[test]
    fn a_repeated_query_is_embedded_once_and_old_ones_leave() {
        let calls = Arc::new(AtomicUsize::new(0));
        let cached = CachedQueries::new(Box::new(Counting(calls.clone())), 2);
        assert_eq!(cached.embed_query("abc").expect("embed"), vec![3.0]);
        assert_eq!(cached.embed_query("abc").expect("embed"), vec![3.0]);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let queries: Vec<String> = (0..50).map(|i| format!("query {i}")).collect();
        for q in &queries {
            cached.embed_query(q).expect("embed");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 51);
        cached.embed_query(&queries[0]).expect("embed");
        assert_eq!(calls.load(Ordering::SeqCst), 52, "evicted, embedded again");
        // Passages are never cached.
        cached.embed_passages(&["abc", "abc"]).expect("embed");
        assert_eq!(calls.load(Ordering::SeqCst), 54);
    }
}
