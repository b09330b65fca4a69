//! The query side in one place: a question or query in, an answer or results out.
//!
//! Used by both `cited ask`/`cited search` and the HTTP endpoint, so the two always agree.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use indexer::LexicalIndex;
use store::PageStore;
use thiserror::Error;

use crate::answer::openai::{LlmError, OpenAiChat};
use crate::answer::verify::{verify, Verifier};
pub use crate::answer::Progress;
use crate::answer::{extractive, llm, Answer, Draft, Source, Writer};
use crate::data_dir::DataDir;
use crate::retrieve::{Mode, Reading, Retriever, MAX_QUERY_BYTES};

/// Passages an answer is chosen from.
const ANSWER_PASSAGES: usize = 12;
/// Further passages of the first result's page an answer reads: the page retrieval ranks first
/// most often holds the answer, in a passage the question does not word like.
const TOP_PAGE_PASSAGES: usize = 8;
/// Further passages of the second result's page a lexical answer reads. Of the lexical answers
/// that read no passage stating the fact, 9 of 20 with a gold page in the top 3 had it second.
/// Measured (stop 63), lexical: 306 → 308 supported of 469 ("create a directory including missing
/// parent directories" on Node.js, an abstention before, now quotes `fs.mkdir`'s `recursive`
/// option), first sentences 227 unchanged, SQuAD 840 unchanged, off-topic questions declined
/// unchanged on seven sites; 8 passages gain the same. With a model the answer reads the first three
/// pages' passages nearest the question by meaning instead (hybrid with 4 more passages of the
/// second page: 337 → 336).
const SECOND_PAGE_PASSAGES: usize = 4;
/// Passages fetched per result shown, so that one page's passages fold into one result.
const OVERFETCH: usize = 4;
pub const MAX_LIMIT: usize = 100;

/// Whose fault a failed query is.
#[derive(Debug, Error)]
pub enum QueryError {
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// One result of a search, one per page.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    pub url: String,
    pub title: String,
    pub snippet: String,
    /// The page scrolled to the snippet's first sentence (a `#:~:text=` deep link).
    pub link: String,
    pub score: f32,
}

/// An answer with how long it took.
/// Where an answer's time went.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Timings {
    pub retrieve_ms: u64,
    /// Choosing the sentences (embedding them, in dense and hybrid mode).
    pub answer_ms: u64,
    pub total_ms: u64,
}

pub struct Timed<T> {
    pub value: T,
    pub took_ms: u64,
}

#[derive(Clone)]
pub struct Engine {
    retriever: Retriever,
    /// The language model that writes answers, if one is set.
    llm: Option<Arc<OpenAiChat>>,
    /// The embedding model as answers and their checks use it: sentence vectors remembered.
    sentences: Option<Arc<dyn indexer::embed::Embedder>>,
    /// For when each source was last fetched and last changed.
    store: Option<Arc<PageStore>>,
    /// The index generation this engine serves, held so that it is not removed under it.
    generation: u64,
    _lease: Arc<crate::index::generation::Lease>,
}

impl Engine {
    /// Opens the index in `data` (creating an empty one if there is none yet), with dense
    /// retrieval when an embedding model is found (see [`crate::index::dense::load_dense`]).
    pub fn open(data: &DataDir, settings: &crate::config::Settings) -> anyhow::Result<Self> {
        data.ensure()
            .with_context(|| format!("cannot create data directory {}", data.root().display()))?;
        // One generation for the index and the vectors alike, held before it is opened; if a rebuild
        // switched between reading the number and taking the hold, take the new one (the old one
        // may be on its way out).
        let (serving, lease) = loop {
            let serving = data.serving();
            let lease = crate::index::generation::Lease::take(data, serving.number())?;
            if data.serving().number() == serving.number() {
                break (serving, lease);
            }
        };
        let generation = serving.number();
        let index =
            LexicalIndex::open(&serving.index_path()).context("cannot open the search index")?;
        let mut dense =
            crate::index::dense::load_dense(&serving, settings, crate::index::dense::Access::Read)?;
        // Vectors from another model are useless against this model's queries: stay lexical until
        // `cited index` has re-embedded them.
        if let Some(d) = &dense {
            let stored = d.vectors.model().context("cannot read the vector store")?;
            if let Some(stored) = stored.filter(|m| m.id != d.embedder.model_id()) {
                tracing::warn!(
                    "the vectors were made by {}, not by {}: lexical retrieval until they are re-embedded (`cited index`)",
                    stored.id,
                    d.embedder.model_id()
                );
                dense = None;
            }
        }
        let llm = match &settings.llm {
            Some(llm) => Some(Arc::new(OpenAiChat::new(llm.clone())?)),
            None => None,
        };
        let store = PageStore::open(&data.store_path())
            .map(Arc::new)
            .map_err(|e| tracing::warn!(error = %e, "cannot open the page store; source times from the index"))
            .ok();
        let sentences = dense.as_ref().map(|d| {
            Arc::new(indexer::embed::CachedSentences::new(
                d.embedder.clone(),
                indexer::embed::SENTENCE_CACHE,
            )) as Arc<dyn indexer::embed::Embedder>
        });
        Ok(Self {
            retriever: Retriever::new(Arc::new(index), dense),
            llm,
            sentences,
            store,
            generation,
            _lease: Arc::new(lease),
        })
    }

    /// Returns this engine writing its answers with a language model (extractive is the default).
    pub fn with_llm(mut self, llm: OpenAiChat) -> Self {
        self.llm = Some(Arc::new(llm));
        self
    }

    /// The index generation this engine answers from.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn index(&self) -> &LexicalIndex {
        self.retriever.index()
    }

    pub fn retriever(&self) -> &Retriever {
        &self.retriever
    }

    /// Returns this engine with another hybrid fusion method (for measurement).
    pub fn with_fusion(mut self, fusion: crate::retrieve::Fusion) -> Self {
        self.retriever = self.retriever.with_fusion(fusion);
        self
    }

    fn mode(&self, mode: Option<Mode>) -> Result<Mode, QueryError> {
        let mode = mode.unwrap_or(self.retriever.default_mode());
        if mode != Mode::Lexical && self.retriever.dense().is_none() {
            return Err(QueryError::BadRequest(
                "dense and hybrid retrieval need an embedding model (--model-dir); none is loaded"
                    .into(),
            ));
        }
        Ok(mode)
    }

    /// Answers `question` with cited sentences, each checked against the passages it cites.
    pub fn answer(&self, question: &str, mode: Option<Mode>) -> Result<Timed<Answer>, QueryError> {
        let (answer, timings) = self
            .answer_unless(question, mode, &|| false, &mut |_| {})?
            .expect("never cancelled");
        Ok(Timed {
            value: answer,
            took_ms: timings.total_ms,
        })
    }

    /// Answers `question`, reporting progress to `on` (sources, tokens of a generated answer),
    /// unless `cancelled()` turns true between the stages or while the model writes, in which case
    /// it stops and returns `None`: a streaming client that went away.
    #[tracing::instrument(name = "answer", level = "debug", skip_all, fields(generation = self.generation))]
    pub fn answer_unless(
        &self,
        question: &str,
        mode: Option<Mode>,
        cancelled: &(dyn Fn() -> bool + Sync),
        on: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<Option<(Answer, Timings)>, QueryError> {
        let started = Instant::now();
        let question = validate(question)?;
        let mode = self.mode(mode)?;
        let Reading {
            hits,
            retrieved,
            nearest,
        } = self.read_passages(question, mode)?;
        let retrieve_ms = started.elapsed().as_millis() as u64;
        if cancelled() {
            return Ok(None);
        }
        let meaning = match mode {
            Mode::Lexical => None,
            _ => self
                .sentences
                .as_deref()
                .map(|embedder| extractive::Meaning {
                    embedder,
                    sentences: self.retriever.dense().map(|d| d.sentences.as_ref()),
                    nearest,
                }),
        };
        let index = self.retriever.index();
        // The question's words, without its operators (`site:`, `after:`, …), choose the sentences.
        let words = indexer::SearchQuery::parse(question).text;
        let extractive = || extractive::answer(index, &words, &hits, retrieved, meaning);
        let mut draft = match &self.llm {
            None => extractive(),
            Some(model) => match llm::answer(model, &words, &hits, &mut *on, cancelled) {
                Ok(answer) => answer,
                Err(LlmError::Cancelled) => return Ok(None),
                Err(e) => {
                    let notice = format!("{e}; this is the extractive answer instead");
                    tracing::warn!(model = %model.id(), error = %e, "generation failed");
                    on(Progress::Notice(&notice));
                    Draft {
                        notice: Some(notice),
                        ..extractive()
                    }
                }
            },
        };
        // The answer is to the question as asked, operators included.
        draft.question = question.to_string();
        if draft.writer != Writer::Extractive {
            llm::quote_cited(&mut draft);
        }
        self.source_times(&mut draft.sources);
        // Generated sentences are checked with the model when there is one, whatever the
        // retrieval mode: they are not quotes.
        let verifier_model = self.sentences.as_deref();
        let answer = verify(
            draft,
            &Verifier::new(index, verifier_model),
            self.generation,
        );
        let total_ms = started.elapsed().as_millis() as u64;
        Ok(Some((
            answer,
            Timings {
                retrieve_ms,
                answer_ms: total_ms - retrieve_ms,
                total_ms,
            },
        )))
    }

    /// The passages an answer to `question` reads, best first (what evaluation compares the answer
    /// with).
    pub fn passages(
        &self,
        question: &str,
        mode: Option<Mode>,
    ) -> Result<Vec<indexer::SearchHit>, QueryError> {
        let mode = self.mode(mode)?;
        Ok(self.read_passages(validate(question)?, mode)?.hits)
    }

    fn read_passages(&self, question: &str, mode: Mode) -> Result<Reading, QueryError> {
        /// How many further passages of each of the first pages an answer reads.
        fn more_of_pages(mode: Mode) -> &'static [usize] {
            match mode {
                Mode::Lexical => &[TOP_PAGE_PASSAGES, SECOND_PAGE_PASSAGES],
                Mode::Dense | Mode::Hybrid => &[TOP_PAGE_PASSAGES],
            }
        }
        Ok(self
            .retriever
            .read(question, ANSWER_PASSAGES, more_of_pages(mode), mode)
            .map_err(anyhow::Error::from)?)
    }

    /// Sets each source's last fetch (a revisit that found it unchanged counts) and last change from
    /// the page store; the index's fetch time stands when the store cannot say.
    fn source_times(&self, sources: &mut [Source]) {
        let Some(store) = &self.store else { return };
        for source in sources {
            match store.times(&source.url) {
                Ok(Some(times)) => {
                    source.fetched_at = times.fetched_at;
                    source.changed_at = times.changed_at;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(url = %source.url, error = %e, "cannot read source times"),
            }
        }
    }

    /// The standalone form of a follow-up `question`, given the questions asked before it in the
    /// conversation (oldest first); `None` when it stands alone (see [`crate::retrieve::followup`]).
    /// With a language model, the model rewrites it; if the model fails, the rule-based rewrite
    /// stands.
    pub fn standalone(&self, question: &str, previous: &[String]) -> Option<String> {
        let rule = crate::retrieve::followup::rewrite(self.retriever.index(), question, previous)?;
        match &self.llm {
            Some(model) => match model.rewrite(question, previous) {
                Ok(rewritten) => Some(rewritten),
                Err(e) => {
                    tracing::warn!(error = %e, "the model did not rewrite the follow-up");
                    Some(rule)
                }
            },
            None => Some(rule),
        }
    }

    /// Returns the top `limit` pages for `query`, each with its best passage's snippet.
    #[tracing::instrument(name = "search", level = "debug", skip_all, fields(limit))]
    pub fn search(
        &self,
        query: &str,
        limit: usize,
        mode: Option<Mode>,
    ) -> Result<Timed<Vec<SearchResult>>, QueryError> {
        let started = Instant::now();
        let query = validate(query)?;
        if limit == 0 || limit > MAX_LIMIT {
            return Err(QueryError::BadRequest(format!(
                "limit must be between 1 and {MAX_LIMIT}"
            )));
        }
        let mode = self.mode(mode)?;
        let hits = self
            .retriever
            .search_pages(query, limit, limit * OVERFETCH, mode)
            .map_err(anyhow::Error::from)?;
        let terms = crate::retrieve::terms::QueryTerms::new(
            self.retriever.index(),
            &indexer::SearchQuery::parse(query).text,
        );
        let results = hits
            .into_iter()
            .map(|hit| {
                let snippet = crate::retrieve::snippet::snippet(&terms, &hit);
                SearchResult {
                    link: crate::answer::link::deep_link(&hit.url, snippet.first),
                    snippet: snippet.text,
                    url: hit.url,
                    title: hit.title,
                    score: hit.score,
                }
            })
            .collect();
        Ok(Timed {
            value: results,
            took_ms: started.elapsed().as_millis() as u64,
        })
    }
}

impl Engine {
    /// Returns up to `depth` distinct pages for `query`, best first, each scored by its best passage.
    pub fn rank_documents(
        &self,
        query: &str,
        depth: usize,
        mode: Mode,
    ) -> anyhow::Result<Vec<(String, f32)>> {
        let hits = self
            .retriever
            .search_pages(query, depth, depth * OVERFETCH, mode)?;
        Ok(hits.into_iter().map(|hit| (hit.url, hit.score)).collect())
    }
}

fn validate(query: &str) -> Result<&str, QueryError> {
    let query = query.trim();
    if query.is_empty() {
        return Err(QueryError::BadRequest("the query is empty".into()));
    }
    if query.len() > MAX_QUERY_BYTES {
        return Err(QueryError::BadRequest(format!(
            "the query is longer than {MAX_QUERY_BYTES} bytes"
        )));
    }
    Ok(query)
}
