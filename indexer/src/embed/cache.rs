//! Recent query vectors, remembered: real query streams repeat ("default value of work_mem" asked
//! again by the next reader), and a query vector is the one embedding a search waits for.

use std::sync::Arc;

use quick_cache::sync::Cache;

use super::{Embedder, PassageVectors};
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

    fn embed_passage_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<(usize, usize)>],
    ) -> Result<Vec<PassageVectors>, IndexError> {
        self.inner.embed_passage_spans(texts, spans)
    }
}

/// Sentence vectors kept for answers: about 1.5 KB each at 384 dimensions (24 MB in all).
pub const SENTENCE_CACHE: usize = 16_384;

/// An [`Embedder`] for answers, which embed the sentences of their top passages: the vectors of
/// sentences seen in recent answers are kept (quick_cache), so the passages that come up again for
/// related questions cost nothing the second time. Queries go to the inner embedder (which has its
/// own cache).
pub struct CachedSentences {
    inner: Arc<dyn Embedder>,
    sentences: Cache<String, Arc<Vec<f32>>>,
}

impl CachedSentences {
    pub fn new(inner: Arc<dyn Embedder>, capacity: usize) -> Self {
        Self {
            inner,
            sentences: Cache::new(capacity.max(1)),
        }
    }
}

impl Embedder for CachedSentences {
    fn model_id(&self) -> &str {
        self.inner.model_id()
    }

    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn embed_query(&self, text: &str) -> Result<Vec<f32>, IndexError> {
        self.inner.embed_query(text)
    }

    fn embed_passage_spans(
        &self,
        texts: &[&str],
        spans: &[Vec<(usize, usize)>],
    ) -> Result<Vec<PassageVectors>, IndexError> {
        self.inner.embed_passage_spans(texts, spans)
    }

    fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, IndexError> {
        let mut out: Vec<Option<Vec<f32>>> = texts
            .iter()
            .map(|t| self.sentences.get(*t).map(|v| v.as_ref().clone()))
            .collect();
        let missing: Vec<&str> = texts
            .iter()
            .zip(&out)
            .filter(|(_, v)| v.is_none())
            .map(|(t, _)| *t)
            .collect();
        if !missing.is_empty() {
            let mut fresh = self.inner.embed_passages(&missing)?.into_iter();
            for (text, slot) in texts.iter().zip(out.iter_mut()) {
                if slot.is_none() {
                    let v = fresh
                        .next()
                        .ok_or_else(|| IndexError::Model("fewer vectors than texts".into()))?;
                    self.sentences.insert(text.to_string(), Arc::new(v.clone()));
                    *slot = Some(v);
                }
            }
        }
        Ok(out.into_iter().flatten().collect())
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

    #[test]
    fn sentences_seen_before_are_not_embedded_again() {
        let calls = Arc::new(AtomicUsize::new(0));
        let cached = CachedSentences::new(Arc::new(Counting(calls.clone())), 100);
        let first = cached.embed_passages(&["one", "three"]).expect("embed");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        let second = cached
            .embed_passages(&["three", "fifteen", "one"])
            .expect("embed");
        assert_eq!(calls.load(Ordering::SeqCst), 3, "only the new sentence");
        assert_eq!(
            second,
            vec![first[1].clone(), vec![7.0], first[0].clone()],
            "in order"
        );
    }
}
