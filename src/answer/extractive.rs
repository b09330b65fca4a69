//! Extractive answers: the best sentences of the top passages, each quoted exactly, each cited.
//!
//! Every sentence of the top passages is scored in its context: the idf-weighted share of the
//! question's terms found in the sentence, plus the terms it does not repeat but stands under — the
//! term of its definition-list entry (`work_mem (integer)`), its heading, the sentence before it and
//! the page title, each counted by how close and how much about the question it is. So "The default
//! value is four megabytes (4MB)." answers "default value of work_mem". A question that asks for a
//! value (a default, a limit, a count, a port) prefers sentences that hold one ([`Intent`]), and a
//! small prior favours the passage's retrieval rank. Sentences that cannot stand alone (code,
//! fragments) are skipped. The best are taken greedily, skipping near-duplicates, up to
//! [`MAX_SENTENCES`] and [`MAX_WORDS`]. Each is quoted with what it needs to be read alone — the
//! short term it defines, the sentence its "This" points back to, the line its colon introduces —
//! always as a verbatim span of the page.
//!
//! The answer says nothing was found when retrieval found nothing about the question (no passage
//! holds enough of it, [`MIN_PASSAGE_STRENGTH`]), not when the best sentence words it differently.
//!
//! With an embedding model (dense and hybrid modes), the sentences of the top passages are also
//! compared with the question by cosine, and a sentence's support is the larger of its lexical and
//! its semantic score, so a paraphrase of the question counts as relevant.

use std::collections::{HashMap, HashSet};

use indexer::embed::Embedder;
use indexer::{sentence_spans, LexicalIndex, SearchHit};

use super::{link::deep_link, Draft, DraftSentence, Source, Writer};

pub const MAX_SENTENCES: usize = 5;
/// Between quoted pieces of one page that are not contiguous in it.
pub const QUOTE_GAP: &str = " … ";
pub const MAX_WORDS: usize = 120;
/// Share of what the question asks about (its terms by idf, a term no passage holds weighing as
/// the rarest) that a passage must hold for its sentences to answer: below it, retrieval found
/// nothing about the question there. Calibrated on answerable questions (docs-qa, the PostgreSQL
/// set) against questions about something else (100 SQuAD questions asked of the Python docs, of
/// which 94 are then declined).
const MIN_PASSAGE_STRENGTH: f32 = 0.45;
/// A sentence that states this share of the question itself answers whatever its passage holds.
const SELF_SUPPORTED: f32 = 0.6;
/// Sentences scoring under this fraction of the best are not used.
const KEEP_RATIO: f32 = 0.7;
/// Every sentence used must cover at least this share of the question, with what it stands under.
const MIN_SENTENCE_SUPPORT: f32 = 0.2;
/// Pages one answer may cite.
const MAX_SOURCES: usize = 3;
/// Term-set overlap above which a sentence repeats one already chosen.
const REDUNDANT: f32 = 0.6;

/// The question's terms with their weights.
pub struct QueryTerms {
    terms: Vec<(String, f32)>,
    total: f32,
    /// Each term's weight when judging whether retrieval found anything: a word no passage holds
    /// weighs as the rarest word (the index has nothing on it), the others their idf.
    strength_weights: Vec<f32>,
    /// The first four letters of each term: a text without any of them holds none of the terms.
    prefixes: Vec<String>,
}

impl QueryTerms {
    pub fn new(index: &LexicalIndex, question: &str) -> Self {
        let mut seen = HashSet::new();
        let mut terms: Vec<(String, Option<f32>)> = index
            .analyze(question)
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .map(|t| {
                let idf = index.idf(&t);
                (t, idf)
            })
            .collect();
        // A word no passage contains gets the mean weight of the words that some passage does
        // contain: enough to keep "capital of France" from being answered by "capitalize" alone,
        // without letting one unknown word (whose idf is the highest possible) outweigh the whole
        // question in a small index.
        let known: Vec<f32> = terms.iter().filter_map(|(_, w)| *w).collect();
        let mean = if known.is_empty() {
            1.0
        } else {
            known.iter().sum::<f32>() / known.len() as f32
        };
        let rarest = index.num_chunks() as f32;
        let rarest = (1.0 + (rarest - 0.5) / 1.5).ln().max(1.0);
        let strength_weights = terms
            .iter()
            .map(|(_, w)| w.unwrap_or(rarest).max(0.05))
            .collect();
        let terms: Vec<(String, f32)> = terms
            .drain(..)
            .map(|(t, w)| (t, w.unwrap_or(mean).max(0.05)))
            .collect();
        let total = terms.iter().map(|(_, w)| w).sum();
        let prefixes = terms
            .iter()
            .map(|(t, _)| t.chars().take(4).collect())
            .collect();
        Self {
            terms,
            total,
            strength_weights,
            prefixes,
        }
    }

    /// Adds the terms of `words` the question implies but does not say, each weighted as the
    /// question's mean term.
    fn add(&mut self, index: &LexicalIndex, words: &str) {
        let mean = self.total / self.terms.len().max(1) as f32;
        for term in index.analyze(words) {
            if self.terms.iter().all(|(t, _)| *t != term) {
                self.prefixes.push(term.chars().take(4).collect());
                self.terms.push((term, mean));
                self.strength_weights.push(mean);
                self.total += mean;
            }
        }
    }

    /// Returns true if `text` holds the first letters of a term (cheap; false means no term).
    fn prefixes_in(&self, text: &str) -> bool {
        if text.is_ascii() {
            let bytes = text.as_bytes();
            return self.prefixes.iter().any(|p| {
                let p = p.as_bytes();
                !p.is_empty() && bytes.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p))
            });
        }
        let lower = text.to_lowercase();
        self.prefixes.iter().any(|p| lower.contains(p.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Which of the question's terms `text` holds (by position in the question's term list),
    /// analysing it without allocating its terms.
    fn found_in(&self, text: &str) -> Vec<bool> {
        let mut found = vec![false; self.terms.len()];
        indexer::lexical::analyze_each(text, |term| {
            if let Some(i) = self.terms.iter().position(|(t, _)| t == term) {
                found[i] = true;
            }
        });
        found
    }

    /// Which of the question's terms are in `terms`.
    fn found_among(&self, terms: &HashSet<String>) -> Vec<bool> {
        self.terms.iter().map(|(t, _)| terms.contains(t)).collect()
    }

    /// Returns the weight share of the question's terms marked in `found` and in none of `except`.
    fn weight(&self, found: &[bool], except: &[&[bool]]) -> f32 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let sum: f32 = self
            .terms
            .iter()
            .enumerate()
            .filter(|(i, _)| found[*i] && except.iter().all(|e| !e[*i]))
            .map(|(_, (_, w))| w)
            .sum();
        sum / self.total
    }

    /// Returns the share of `terms` that are words of the question.
    fn share_of(&self, terms: &HashSet<String>) -> f32 {
        if terms.is_empty() {
            return 0.0;
        }
        let hits = self.terms.iter().filter(|(t, _)| terms.contains(t)).count();
        hits as f32 / terms.len() as f32
    }

    /// Returns the weight share of the question found in `terms`.
    pub fn coverage(&self, terms: &HashSet<String>) -> f32 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let found: f32 = self
            .terms
            .iter()
            .filter(|(t, _)| terms.contains(t))
            .map(|(_, w)| w)
            .sum();
        found / self.total
    }
}

struct Candidate {
    hit: usize,
    /// Byte span of the sentence in the hit's text.
    start: usize,
    end: usize,
    /// Byte span quoted: the sentence with what it needs to be read alone (the term it defines,
    /// the sentence its "This" points back to, the line its colon introduces). Verbatim page text.
    quote: (usize, usize),
    /// The span of the term the sentence stands under, when it is quoted before it with an
    /// ellipsis (not right above it).
    lead_in: Option<(usize, usize)>,
    words: usize,
    /// The sentence's terms, analysed when the selection compares it with chosen sentences.
    terms: std::cell::OnceCell<HashSet<String>>,
    support: f32,
    /// The semantic part of the support (0 without a model).
    meaning: f32,
    score: f32,
}

impl Candidate {
    fn terms(&self, hits: &[SearchHit]) -> &HashSet<String> {
        self.terms.get_or_init(|| {
            indexer::lexical::analyze(&hits[self.hit].text[self.start..self.end])
                .into_iter()
                .collect()
        })
    }
}

/// Builds the extractive answer to `question` from `hits` (best first).
pub fn answer(
    index: &LexicalIndex,
    question: &str,
    hits: &[SearchHit],
    embedder: Option<&dyn Embedder>,
) -> Draft {
    let empty = Draft::empty(question, Writer::Extractive);
    let mut query = QueryTerms::new(index, question);
    if query.is_empty() || hits.is_empty() {
        return empty;
    }
    if asks_default_implicitly(question) {
        query.add(index, "default");
    }
    let intent = Intent::of(question);
    let semantic = embedder
        .map(|e| semantic_support(e, question, hits))
        .unwrap_or_default();
    let mut candidates = candidates(index, &query, intent, hits, &semantic);
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    // Nothing found is said when retrieval found nothing about the question, not when the best
    // sentence words it differently: a sentence is used if its passage holds most of what the
    // question asks about (or means it, with a model), or if it states most of it itself.
    // (Each passage is measured once, and only if one of its sentences needs it.)
    let strength: Vec<std::cell::OnceCell<f32>> = hits.iter().map(|_| Default::default()).collect();
    candidates.retain(|c| {
        c.support >= SELF_SUPPORTED
            || c.meaning >= MIN_PASSAGE_STRENGTH
            || *strength[c.hit].get_or_init(|| retrieval_strength(&query, &hits[c.hit]))
                >= MIN_PASSAGE_STRENGTH
    });
    let Some(best) = candidates.first() else {
        return empty;
    };
    let floor = best.score * KEEP_RATIO;
    let mut chosen: Vec<&Candidate> = Vec::new();
    let mut words = 0;
    for c in &candidates {
        if c.score < floor || chosen.len() == MAX_SENTENCES {
            break;
        }
        let new_page = chosen.iter().all(|s| hits[s.hit].url != hits[c.hit].url);
        let pages = chosen
            .iter()
            .map(|s| hits[s.hit].url.as_str())
            .collect::<HashSet<_>>()
            .len();
        if c.support < MIN_SENTENCE_SUPPORT {
            continue;
        }
        // A sentence whose run holds a chosen one ("For this purpose, exceptions have a method
        // add_note()…" after "There are cases where it is useful to add information…") takes its
        // place: the chosen sentence with what it leads to.
        let same_hit = |s: &&Candidate| s.hit == c.hit;
        if let Some(i) = chosen.iter().position(|s| {
            same_hit(s) && c.quote.0 <= s.quote.0 && s.quote.1 <= c.quote.1 && s.quote != c.quote
        }) {
            if words - chosen[i].words + c.words <= MAX_WORDS {
                words = words - chosen[i].words + c.words;
                chosen[i] = c;
            }
            continue;
        }
        if words + c.words > MAX_WORDS
            || (new_page && pages == MAX_SOURCES)
            || chosen.iter().any(|s| {
                (same_hit(s) && s.quote.0 < c.quote.1 && c.quote.0 < s.quote.1)
                    || overlap(s.terms(hits), c.terms(hits)) > REDUNDANT
            })
        {
            continue;
        }
        words += c.words;
        chosen.push(c);
    }
    assemble(question, hits, chosen)
}

/// Orders the chosen sentences (pages by their best sentence, sentences in page order within a page)
/// and numbers the sources (one per page) by first use.
fn assemble(question: &str, hits: &[SearchHit], chosen: Vec<&Candidate>) -> Draft {
    // Pages in the order of their best sentence; sentences of one page in page order.
    let mut page_rank: HashMap<&str, usize> = HashMap::new();
    for (i, c) in chosen.iter().enumerate() {
        page_rank.entry(hits[c.hit].url.as_str()).or_insert(i);
    }
    let mut ordered = chosen;
    ordered.sort_by_key(|c| {
        (
            page_rank[hits[c.hit].url.as_str()],
            hits[c.hit].start + c.quote.0,
        )
    });
    let mut source_of_page: HashMap<&str, usize> = HashMap::new();
    let mut shown: HashSet<(&str, &str)> = HashSet::new();
    let mut sources: Vec<Source> = Vec::new();
    let mut sentences = Vec::new();
    for c in ordered {
        let hit = &hits[c.hit];
        let quoted = &hit.text[c.quote.0..c.quote.1];
        // A term is quoted once per answer: before its first sentence, not again.
        let lead_in = c
            .lead_in
            .filter(|(a, b)| shown.insert((hit.url.as_str(), &hit.text[*a..*b])));
        let text = match lead_in {
            Some((a, b)) => format!("{}{QUOTE_GAP}{quoted}", &hit.text[a..b]),
            None => quoted.to_string(),
        };
        let index = *source_of_page.entry(hit.url.as_str()).or_insert_with(|| {
            sources.push(Source {
                id: sources.len() as u32 + 1,
                url: hit.url.clone(),
                title: hit.title.clone(),
                quote: String::new(),
                link: deep_link(&hit.url, quoted),
                fetched_at: hit.fetched_at,
                changed_at: hit.fetched_at,
                passage: String::new(),
            });
            sources.len() - 1
        });
        let source = &mut sources[index];
        if !source.passage.contains(hit.text.as_str()) {
            if !source.passage.is_empty() {
                source.passage.push('\n');
            }
            source.passage.push_str(&hit.text);
        }
        if !source.quote.is_empty() {
            source.quote.push_str(QUOTE_GAP);
        }
        source.quote.push_str(&text);
        sentences.push(DraftSentence {
            text,
            citations: vec![source.id],
        });
    }
    Draft {
        sentences,
        sources,
        ..Draft::empty(question, Writer::Extractive)
    }
}

/// How much of the question a passage speaks to: the share of the question's terms (weighted as
/// in [`QueryTerms::strength_weights`]) found in its text, headings and title. Low when retrieval
/// found nothing about the question there, whatever the wording of its sentences.
fn retrieval_strength(query: &QueryTerms, hit: &SearchHit) -> f32 {
    let total: f32 = query.strength_weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mut found = vec![false; query.terms.len()];
    for part in [hit.text.as_str(), hit.title.as_str(), hit.headings.as_str()] {
        indexer::lexical::analyze_each(part, |t| {
            if let Some(i) = query.terms.iter().position(|(q, _)| q == t) {
                found[i] = true;
            }
        });
    }
    let held: f32 = query
        .strength_weights
        .iter()
        .zip(&found)
        .filter(|(_, f)| **f)
        .map(|(w, _)| w)
        .sum();
    held / total
}

/// Passages whose sentences are compared with the question by embedding.
const SEMANTIC_PASSAGES: usize = 4;
/// Cosine at or below which a sentence says nothing about the question, and at or above which it
/// fully answers it. On the all-MiniLM-L6-v2 scale a sentence on the same topic but not answering
/// ("what do ferrets eat" against "Ferrets sleep fourteen hours a day") scores about 0.55, a
/// paraphrase that answers ("when do ferrets rest") 0.64, a near restatement 0.86, unrelated text ~0.
const COSINE_FLOOR: f32 = 0.45;
/// What a sentence's meaning counts for next to its words: a paraphrase of the question supports a
/// sentence, but less than stating the question's own terms (or their context) does. Measured on
/// both documentation sets in hybrid mode: supported answers plateau between 0.5 and 0.75 (Python
/// docs 39–40 of 60, PostgreSQL 24–25 of 40) and drop at 1.0 (39, 21).
const MEANING_WEIGHT: f32 = 0.6;
const COSINE_FULL: f32 = 0.75;

/// Scores the sentences of the top passages by their embedding's cosine with the question's, so that
/// a sentence that paraphrases the question counts even when it shares no word with it. Keyed by
/// (hit, sentence start); values in 0..1. A model failure leaves the answer lexical.
fn semantic_support(
    embedder: &dyn Embedder,
    question: &str,
    hits: &[SearchHit],
) -> HashMap<(usize, usize), f32> {
    let mut keys = Vec::new();
    let mut texts = Vec::new();
    for (rank, hit) in hits.iter().enumerate().take(SEMANTIC_PASSAGES) {
        for (start, end) in sentence_spans(&hit.text) {
            let text = &hit.text[start..end];
            if standalone_words(text).is_some() {
                keys.push((rank, start));
                texts.push(text);
            }
        }
    }
    let embedded = embedder
        .embed_query(question)
        .and_then(|q| Ok((q, embedder.embed_passages(&texts)?)));
    let Ok((q, vectors)) = embedded else {
        tracing::warn!("embedding answer sentences failed; answering lexically");
        return HashMap::new();
    };
    keys.into_iter()
        .zip(vectors)
        .map(|(key, v)| {
            let cosine: f32 = q.iter().zip(&v).map(|(a, b)| a * b).sum();
            (
                key,
                ((cosine - COSINE_FLOOR) / (COSINE_FULL - COSINE_FLOOR)).clamp(0.0, 1.0),
            )
        })
        .collect()
}

/// What the question asks for beyond its words: a value (a default, a limit, a count, a size, a
/// port, a version) is stated by a sentence that holds one.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Intent {
    pub wants_value: bool,
}

/// Phrases of a question that ask for a value.
const VALUE_CUES: &[&str] = &[
    "default",
    "how many",
    "how much",
    "how long",
    "how big",
    "how large",
    "how often",
    "what port",
    "which port",
    "limit",
    "maximum",
    "minimum",
    "max ",
    "size",
    "number of",
    "what version",
    "which version",
    "timeout",
    "out of the box",
];
/// Phrases that ask for what happens when nothing is said: a default.
const DEFAULT_CUES: &[&str] = &[
    "out of the box",
    "don't give",
    "don't specify",
    "don't set",
    "not specified",
    "isn't specified",
    "not given",
    "if omitted",
    "unless specified",
    "without specifying",
];

impl Intent {
    pub fn of(question: &str) -> Self {
        let q = question.to_lowercase().replace('’', "'");
        Self {
            wants_value: VALUE_CUES.iter().any(|c| q.contains(c))
                || DEFAULT_CUES.iter().any(|c| q.contains(c)),
        }
    }
}

/// Returns true if `question` asks for a default in other words ("out of the box", "if I don't
/// give one"): the word `default` is then part of what the answer should say.
fn asks_default_implicitly(question: &str) -> bool {
    let q = question.to_lowercase().replace('’', "'");
    !q.contains("default") && DEFAULT_CUES.iter().any(|c| q.contains(c))
}

/// Words that state a quantity without digits.
const NUMBER_WORDS: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "twelve",
    "hundred",
    "thousand",
    "million",
    "billion",
    "unlimited",
    "infinite",
    "unbounded",
    "none",
    "true",
    "false",
    "null",
];

/// Returns true if `text` states a value: a number, a number word, or a literal.
fn holds_value(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
        || text
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| NUMBER_WORDS.iter().any(|n| n.eq_ignore_ascii_case(w)))
}

/// Score added to a sentence that holds a value when the question asks for one.
const VALUE_BONUS: f32 = 0.15;
/// How much the words of the sentence before count for a sentence ("The default is 128MB" after
/// "shared_buffers sets the amount of memory…").
const PREVIOUS_WEIGHT: f32 = 0.3;
/// How much the words of the page title count.
const TITLE_WEIGHT: f32 = 0.2;
/// How much the heading (or the term of a definition list) counts for the sentences after the
/// first under it, relative to the first.
const LATER_HEADING_WEIGHT: f32 = 0.8;
/// Longest line read as the term of a definition list or a table row label, in words.
const LABEL_WORDS: usize = 10;

/// Returns true if `line` reads as a label for the lines after it: short, and not a sentence (a
/// definition-list term like `SIGTERM` or `work_mem (integer)`, a table row's first cell).
fn is_label(line: &str) -> bool {
    // An indented line is code.
    if line.starts_with([' ', '\t']) {
        return false;
    }
    let line = line.trim();
    let words = line.split_whitespace().count();
    (1..=LABEL_WORDS).contains(&words)
        && !line.ends_with([
            '.', '!', '?', ':', ';', ',', '{', '}', ')', '(', '[', '=', '\\',
        ])
        && !line.starts_with([' ', '>', '#', '$', '.', '}', '{', '(', '"', '\''])
        && line.chars().any(char::is_alphabetic)
}

/// The words a sentence stands under: its heading or definition term, with how much of it is about
/// the question.
struct Context {
    found: Vec<bool>,
    /// Square root of the share of the context's terms that are the question's: "global
    /// interpreter lock" is about the question, an API signature with ten parameters barely.
    focus: f32,
}

impl Context {
    fn of(index: &LexicalIndex, query: &QueryTerms, text: &str) -> Self {
        let terms: HashSet<String> = index.analyze(text).into_iter().collect();
        // What a signature names comes before its parameters: `void Py_INCREF(PyObject *o)` is
        // about Py_INCREF, `work_mem (integer)` about work_mem.
        let name = text.split('(').next().filter(|n| !n.trim().is_empty());
        let named: HashSet<String> = match name {
            Some(n) if n.len() < text.len() => index.analyze(n).into_iter().collect(),
            _ => terms.clone(),
        };
        Self {
            found: query.found_among(&terms),
            focus: query.share_of(&named).max(query.share_of(&terms)).sqrt(),
        }
    }

    fn none(query: &QueryTerms) -> Self {
        Self {
            found: vec![false; query.terms.len()],
            focus: 0.0,
        }
    }

    /// No context, for the same question as `other`.
    fn none_like(other: &Self) -> Self {
        Self {
            found: vec![false; other.found.len()],
            focus: 0.0,
        }
    }

    fn any(&self) -> bool {
        self.found.contains(&true)
    }
}

/// What the next sentence of a passage stands under, updated as the passage is read line by line.
struct Surroundings {
    /// The heading: the chunk's own until a heading line inside it.
    heading: Context,
    /// The term of a definition-list entry or the header row of a table.
    label: Context,
    /// The span of the short heading or term line the next sentences stand under, to quote.
    term: Option<(usize, usize)>,
    /// The next sentence is the first under its heading or term.
    lead: bool,
    /// The question's terms in the sentence before (none when it was not analysed: a sentence
    /// without any term's first letters holds none of the terms).
    previous: Vec<bool>,
    /// The run a sentence that refers back joins: where it starts and how many sentences it holds.
    run: Option<(usize, usize)>,
    /// The question's terms in the run so far.
    run_terms: Vec<bool>,
    /// The line before was a table row.
    in_table: bool,
}

impl Surroundings {
    fn new(index: &LexicalIndex, query: &QueryTerms, hit: &SearchHit) -> Self {
        let own = hit.heading_path.last();
        let lead = hit.text.starts_with(own.map_or("\u{0}", String::as_str));
        Self {
            heading: own.map_or_else(|| Context::none(query), |h| Context::of(index, query, h)),
            label: Context::none(query),
            term: own
                .filter(|h| lead && h.split_whitespace().count() <= LABEL_WORDS)
                .map(|h| (0, h.len())),
            lead,
            previous: vec![false; query.terms.len()],
            run: None,
            run_terms: vec![false; query.terms.len()],
            in_table: false,
        }
    }

    /// Nothing before carries over: a new section, term or table, or a line that cannot score.
    fn break_flow(&mut self) {
        self.previous.fill(false);
        self.run = None;
    }

    /// A heading line (`span` in the passage) opens a section.
    fn open_heading(&mut self, heading: Context, text: &str, span: (usize, usize)) {
        self.heading = heading;
        self.label = Context::none_like(&self.label);
        self.open_term(text, span);
    }

    /// A definition-list term or row label opens an entry under the heading.
    fn open_label(&mut self, label: Context, text: &str, span: (usize, usize)) {
        self.label = label;
        self.open_term(text, span);
    }

    fn open_term(&mut self, text: &str, span: (usize, usize)) {
        self.term = (text.split_whitespace().count() <= LABEL_WORDS).then_some(span);
        self.lead = true;
        self.break_flow();
    }

    /// A table's first row names its columns: the rows under it stand under it.
    fn open_table(&mut self, header: Context) {
        self.label = header;
        self.term = None;
        self.run = None;
    }

    /// Takes the next sentence (at `start`): returns whether it is the first under its term, the
    /// terms of the sentence before, and the run it joins (and the terms of that run) when it
    /// refers back.
    fn next_sentence(&mut self, start: usize, refers_back: bool) -> NextSentence {
        let lead = std::mem::take(&mut self.lead);
        let before = std::mem::replace(&mut self.previous, vec![false; self.run_terms.len()]);
        let joined = self
            .run
            .filter(|(_, n)| refers_back && *n < MAX_RUN)
            .map(|(from, n)| (from, n + 1));
        self.run = Some(joined.unwrap_or((start, 1)));
        if joined.is_none() {
            self.run_terms.fill(false);
        }
        NextSentence {
            lead,
            before,
            joined,
            earlier: self.run_terms.clone(),
        }
    }

    /// Records the question's terms the sentence just scored holds.
    fn holds(&mut self, found: &[bool]) {
        self.previous.copy_from_slice(found);
        for (r, f) in self.run_terms.iter_mut().zip(found) {
            *r |= f;
        }
    }
}

/// Where a sentence stands in the flow of its passage (see [`Surroundings::next_sentence`]).
struct NextSentence {
    lead: bool,
    before: Vec<bool>,
    joined: Option<(usize, usize)>,
    earlier: Vec<bool>,
}

fn candidates(
    index: &LexicalIndex,
    query: &QueryTerms,
    intent: Intent,
    hits: &[SearchHit],
    semantic: &HashMap<(usize, usize), f32>,
) -> Vec<Candidate> {
    let top_score = hits
        .iter()
        .map(|h| h.score)
        .fold(f32::MIN, f32::max)
        .max(f32::EPSILON);
    let mut out = Vec::new();
    for (rank, hit) in hits.iter().enumerate() {
        let title_terms: HashSet<String> = index.analyze(&hit.title).into_iter().collect();
        let in_title = query.found_among(&title_terms);
        let prior = 0.2 * (hit.score / top_score) + 0.1 / (1.0 + rank as f32);
        let headings: HashSet<&str> = hit
            .headings
            .split(indexer::lexical::HEADING_SEPARATOR)
            .map(str::trim)
            .collect();
        let mut at = Surroundings::new(index, query, hit);
        let rank_has_meaning = semantic.keys().any(|(r, _)| *r == rank);
        for (line_start, line) in lines(&hit.text) {
            if line.trim().is_empty() {
                continue;
            }
            let span = (line_start, line_start + line.trim_end().len());
            let row = line.contains(crawler::extract::CELL_SEPARATOR);
            if row && !at.in_table {
                at.in_table = true;
                at.open_table(Context::of(index, query, line));
                continue;
            }
            at.in_table = row;
            // A heading line opens its section whole ("19.5. Shutting Down the Server" is not two
            // sentences).
            if headings.contains(line.trim()) {
                at.open_heading(Context::of(index, query, line), line, span);
                continue;
            }
            if !row && is_label(line) {
                let label = if query.prefixes_in(line) {
                    Context::of(index, query, line)
                } else {
                    Context::none(query)
                };
                at.open_label(label, line, span);
                continue;
            }
            // A line with no query term's first letters, no heading in it, under a heading or
            // term that is not about the question, and no meaning scores: none of its sentences
            // can score.
            if !rank_has_meaning
                && !at.heading.any()
                && !at.label.any()
                && !query.prefixes_in(line)
                && !headings.iter().any(|h| !h.is_empty() && line.contains(h))
            {
                at.lead = false;
                at.break_flow();
                continue;
            }
            // A table row is read whole, as one statement.
            let spans = if row {
                vec![(0, line.trim_end().len())]
            } else {
                sentence_spans(line)
            };
            for (start, end) in spans {
                let (start, end) = (line_start + start, line_start + end);
                let text = &hit.text[start..end];
                if headings.contains(text) {
                    at.open_heading(Context::of(index, query, text), text, (start, end));
                    continue;
                }
                let words = if row {
                    row_words(text)
                } else {
                    standalone_words(text)
                };
                let Some(words) = words else {
                    at.lead = false;
                    at.previous.fill(false);
                    at.run = None;
                    continue;
                };
                // The sentence joins the run before it when it refers back to it ("These are
                // known as possessive quantifiers.").
                let NextSentence {
                    lead: is_lead,
                    before,
                    joined,
                    earlier,
                } = at.next_sentence(start, refers_back(text));
                // A sentence holding no query term's first letters holds no query term; unless its
                // heading, its term or its meaning speaks for it, it scores nothing: skip the
                // analysis.
                if !at.heading.any()
                    && !at.label.any()
                    && !semantic.contains_key(&(rank, start))
                    && !query.prefixes_in(text)
                {
                    continue;
                }
                let in_sentence = query.found_in(text);
                at.holds(&in_sentence);
                let (label, heading) = (&at.label, &at.heading);
                let direct = query.weight(&in_sentence, &[]);
                // What the sentence stands under counts for the terms it does not repeat: its
                // definition term first (closest), then its heading, scaled by how much of each is
                // about the question; the first sentence under it usually defines what it names.
                let position = if is_lead { 1.0 } else { LATER_HEADING_WEIGHT };
                let from_label = query.weight(&label.found, &[&in_sentence]);
                let from_heading = query.weight(&heading.found, &[&in_sentence, &label.found]);
                let from_previous =
                    query.weight(&before, &[&in_sentence, &label.found, &heading.found]);
                let from_run =
                    query.weight(&earlier, &[&in_sentence, &label.found, &heading.found]);
                let from_title = query.weight(
                    &in_title,
                    &[&in_sentence, &label.found, &heading.found, &before],
                );
                let lexical = direct
                    + position * (label.focus * from_label + heading.focus * from_heading)
                    + if joined.is_some() {
                        from_run
                    } else {
                        PREVIOUS_WEIGHT * from_previous
                    }
                    + TITLE_WEIGHT * from_title;
                let meaning = semantic.get(&(rank, start)).copied().unwrap_or(0.0);
                let support = lexical.max(MEANING_WEIGHT * meaning).min(1.0);
                if support == 0.0 || (direct + from_heading + from_label == 0.0 && meaning == 0.0) {
                    continue;
                }
                let lead_bonus = if is_lead && from_heading + from_label > 0.0 {
                    0.1 * heading.focus.max(label.focus)
                } else {
                    0.0
                };
                let value_bonus = if intent.wants_value && holds_value(text) {
                    VALUE_BONUS
                } else {
                    0.0
                };
                // What the sentence needs to be read alone is quoted with it: the short term or
                // heading it opens, when that holds words of the question it lacks or names what
                // it defines (`sys.getsizeof(object[, default])` before "Return the size of an
                // object in bytes."), the sentences its "This"/"These" refers back to, the line
                // its colon introduces.
                let mut quote = (start, end);
                let mut lead_in = None;
                if let Some((from, _)) = joined {
                    quote.0 = from;
                }
                if let Some((term_start, term_end)) = at.term.filter(|(_, e)| *e <= quote.0) {
                    let name = &hit.text[term_start..term_end];
                    let quoted = &hit.text[quote.0..quote.1];
                    // Question words the term holds that the quote does not.
                    let adds = query.weight(&label.found, &[&in_sentence, &earlier])
                        + query.weight(&heading.found, &[&in_sentence, &earlier, &label.found]);
                    if adds > 0.0
                        || (names_a_thing(name) && !index_terms_within(index, name, quoted))
                    {
                        // Right above the sentence it is quoted with it; further up, before it
                        // after an ellipsis ("work_mem (integer) … The default value is four
                        // megabytes (4MB).").
                        if hit.text[term_end..quote.0].trim().is_empty() {
                            quote.0 = term_start;
                        } else if names_a_thing(name) {
                            lead_in = Some((term_start, term_end));
                        }
                    }
                }
                let mut incomplete = 0.0;
                if text.ends_with(':') {
                    match introduced_line(&hit.text, end) {
                        Some(line_end) => quote.1 = line_end,
                        // A sentence that introduces a listing reads incomplete on its own.
                        None => incomplete = 0.1,
                    }
                }
                let words = lead_in.map_or(0, |(a, b)| hit.text[a..b].split_whitespace().count())
                    + hit.text[quote.0..quote.1]
                        .split_whitespace()
                        .count()
                        .max(words);
                let score = support + prior + lead_bonus + value_bonus - incomplete;
                out.push(Candidate {
                    hit: rank,
                    start,
                    end,
                    quote,
                    lead_in,
                    words,
                    terms: std::cell::OnceCell::new(),
                    support,
                    meaning,
                    score,
                });
            }
        }
    }
    out
}

/// Returns true if a heading or term reads as the name of a thing (an API entry, a setting, a
/// command-line option: `sys.getsizeof(object[, default])`, `work_mem (integer)`, `SIGTERM`) rather
/// than a title in prose ("Ferret habits").
fn names_a_thing(term: &str) -> bool {
    // Syntax is named by its symbols (`*+, ++, ?+`).
    if !term.chars().any(char::is_alphabetic) {
        return true;
    }
    let mut words = term.split_whitespace();
    // One word is a name unless it is a capitalised word ("Description", "Examples").
    let single = words.clone().count() == 1 && {
        let mut chars = term.chars();
        !(chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase))
    };
    single
        || words.by_ref().take(3).any(|w| {
            w.contains(['(', '_']) || w.contains("::") || {
                let b = w.as_bytes();
                b.windows(3).any(|x| {
                    x[1] == b'.' && x[0].is_ascii_alphabetic() && x[2].is_ascii_alphabetic()
                })
            }
        })
}

/// Returns true if every term of `name` is in `sentence`: quoting the name would add nothing.
fn index_terms_within(index: &LexicalIndex, name: &str, sentence: &str) -> bool {
    let said: HashSet<String> = index.analyze(sentence).into_iter().collect();
    index.analyze(name).iter().all(|t| said.contains(t))
}

/// Words that open a sentence which points back at the one before ("These are known as possessive
/// quantifiers.", "However, unlike …").
const BACK_REFERENCES: &[&str] = &[
    "This",
    "These",
    "That",
    "Those",
    "It",
    "They",
    "Such",
    "Both",
    "However",
    "Thus",
    "Therefore",
    "Otherwise",
    "Instead",
];
/// Most sentences quoted as one run.
const MAX_RUN: usize = 3;

fn refers_back(sentence: &str) -> bool {
    let mut words = sentence.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    // "These are …", "However, …", or a demonstrative among the first words: "For this purpose,
    // …", "In that case …".
    BACK_REFERENCES.contains(&first.trim_end_matches(','))
        || std::iter::once(first).chain(words.take(2)).any(|w| {
            matches!(
                w.trim_end_matches(','),
                "this" | "these" | "that" | "those" | "such"
            )
        })
}

/// Longest line quoted after a sentence that introduces it with a colon, in words.
const INTRODUCED_WORDS: usize = 25;

/// Returns the end of the line after `end` (the end of a sentence ending with a colon) when that
/// line is short enough to quote with it: the command or value the sentence introduces.
fn introduced_line(text: &str, end: usize) -> Option<usize> {
    let rest = &text[end..];
    let skip = rest.len() - rest.trim_start().len();
    if skip == 0 || !rest[..skip].contains('\n') {
        return None;
    }
    let from = end + skip;
    let line_end = text[from..].find('\n').map_or(text.len(), |i| from + i);
    let words = text[from..line_end].split_whitespace().count();
    (1..=INTRODUCED_WORDS)
        .contains(&words)
        .then(|| from + text[from..line_end].trim_end().len())
}

/// Returns the word count of a table row that can be quoted as a statement, or `None`.
fn row_words(text: &str) -> Option<usize> {
    let words = text.split_whitespace().count();
    (3..=70).contains(&words).then_some(words)
}

/// Returns the word count of a sentence that can stand alone in an answer, or `None`.
fn standalone_words(text: &str) -> Option<usize> {
    let words = text.split_whitespace().count();
    if !(4..=70).contains(&words) {
        return None;
    }
    let (mut visible, mut letters) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        visible += 1;
        letters += usize::from(c.is_alphabetic());
    }
    if (letters as f32) < 0.65 * visible as f32 {
        return None;
    }
    // A sentence starts with a capital, a number, a quote or an identifier (`f.read()`, `sys.path`):
    // a lowercase word is the tail of a sentence the splitter cut wrongly.
    let first_word = text.split_whitespace().next()?;
    let first = first_word.chars().next()?;
    let identifier = first_word.contains(['(', '.', '_']) && !first_word.ends_with('.');
    if !(first.is_uppercase()
        || first.is_numeric()
        || matches!(first, '"' | '`' | '“')
        || identifier)
    {
        return None;
    }
    if text.starts_with(">>>") || text.starts_with("$ ") {
        return None;
    }
    // A cross-reference ("See global interpreter lock.") says nothing by itself.
    if words <= 8 && (first_word == "See" || text.starts_with("See also")) {
        return None;
    }
    Some(words)
}

fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    let inter = a.intersection(b).count() as f32;
    let smaller = a.len().min(b.len()).max(1) as f32;
    inter / smaller
}

/// Returns a short extract of `hit` around the query's terms, for a results list: from the sentence
/// that covers most of the query (the first such; the passage's first sentence if none does) on.
pub fn snippet(query: &QueryTerms, hit: &SearchHit) -> String {
    const MAX_CHARS: usize = 320;
    let text = hit.text.as_str();
    // A sentence that contains no query term's first letters cannot contain the term, nor can a
    // line: only the lines that do are split into sentences and analysed (splitting and stemming
    // every sentence of every hit is what searches spent most on).
    let prefixes = &query.prefixes;
    let holds_prefix = |s: &str| query.prefixes_in(s);
    let mut best: Option<(f32, usize)> = None;
    for (line_start, line) in lines(text) {
        let lower = line.to_lowercase();
        // Sentences after the last prefix cannot hold one: the line is split only up to there
        // (with room for the word it starts), where lowercasing kept the byte offsets.
        let Some(last) = prefixes
            .iter()
            .filter_map(|p| lower.rfind(p.as_str()))
            .max()
        else {
            continue;
        };
        let line = if lower.len() == line.len() {
            &line[..floor_char_boundary(line, last + 200)]
        } else {
            line
        };
        for (s, e) in sentence_spans(line) {
            let sentence = &line[s..e];
            if !holds_prefix(sentence) {
                continue;
            }
            let terms: HashSet<String> = indexer::lexical::analyze(sentence).into_iter().collect();
            let coverage = query.coverage(&terms);
            if coverage > 0.0 && best.is_none_or(|(b, _)| coverage > b) {
                best = Some((coverage, line_start + s));
            }
        }
    }
    let from = best.map_or(0, |(_, start)| start);
    // Whole sentences from there, until half the room is used (what lies beyond 4 bytes a
    // character of room is never shown, and is not split).
    let mut out = String::new();
    'lines: for (line_start, line) in lines(text) {
        if line_start + line.len() < from {
            continue;
        }
        let skip = from.saturating_sub(line_start);
        let line = &line[..floor_char_boundary(line, skip + 4 * MAX_CHARS)];
        for (s, e) in sentence_spans(&line[skip..]) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&line[skip + s..skip + e]);
            if out.chars().count() >= MAX_CHARS / 2 {
                break 'lines;
            }
        }
    }
    truncate(&out, MAX_CHARS)
}

/// The largest char boundary of `s` at or before `i` (`s.len()` past its end).
fn floor_char_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    (0..=i).rev().find(|&j| s.is_char_boundary(j)).unwrap_or(0)
}

/// The lines of `text` with their byte offsets.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len() + 1;
        Some((start, line))
    })
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut} …")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standalone_filters_fragments_and_code() {
        assert_eq!(
            standalone_words("The zip function returns an iterator of tuples."),
            Some(8)
        );
        assert_eq!(standalone_words("For example:"), None);
        assert_eq!(
            standalone_words("f.readline() reads a single line from the file;"),
            Some(8)
        );
        assert_eq!(standalone_words("x = {'a': 1, 'b': [2, 3]} ; y()"), None);
        assert_eq!(standalone_words("and then it stops here for good."), None);
        assert_eq!(standalone_words("Too short."), None);
        assert_eq!(standalone_words("See global interpreter lock."), None);
    }

    #[test]
    fn names_and_titles() {
        for name in [
            "SIGTERM",
            "work_mem (integer)",
            "sys.getsizeof(object[, default])",
            "lpad",
            "exception subprocess.TimeoutExpired",
        ] {
            assert!(names_a_thing(name), "{name}");
        }
        for title in [
            "Description",
            "Ferret habits",
            "19.5. Shutting Down the Server",
        ] {
            assert!(!names_a_thing(title), "{title}");
        }
    }

    fn hit(headings: &[&str], text: &str) -> SearchHit {
        SearchHit {
            score: 1.0,
            doc_id: 1,
            ordinal: 0,
            url: "http://docs.example/runtime-config-resource.html".into(),
            title: "20.4. Resource Consumption".into(),
            heading_path: headings.iter().map(|h| h.to_string()).collect(),
            headings: headings.join(indexer::lexical::HEADING_SEPARATOR),
            text: text.into(),
            start: 0,
            end: text.len(),
            fetched_at: chrono::Utc::now(),
        }
    }

    fn ask(question: &str, hits: &[SearchHit]) -> Draft {
        let dir = tempfile::tempdir().expect("tempdir");
        let index = LexicalIndex::open(dir.path()).expect("index");
        answer(&index, question, hits, None)
    }

    /// The PostgreSQL manual states the default two sentences under the entry's term, without
    /// repeating the parameter's name.
    #[test]
    fn a_sentence_answers_under_its_definition_term() {
        let text = "work_mem (integer)\nSets the base maximum amount of memory to be used by a query operation before writing to temporary disk files. The default value is four megabytes (4MB). Sort operations are used for ORDER BY and merge joins.";
        let hits = [hit(
            &["20.4. Resource Consumption", "work_mem (integer)"],
            text,
        )];
        let answer = ask("default value of work_mem", &hits);
        // The parameter's name is quoted before the sentence, which does not repeat it.
        assert!(
            answer.sentences.iter().any(
                |s| s.text == "work_mem (integer) … The default value is four megabytes (4MB)."
            ),
            "{:?}",
            answer.text()
        );
        for s in &answer.sentences {
            for piece in s.text.split(QUOTE_GAP) {
                assert!(text.contains(piece), "quotes are verbatim: {piece}");
            }
        }
        // A question about something the passage does not hold is declined.
        assert!(!ask("capital of France", &hits).found());
    }

    #[test]
    fn a_table_row_is_read_whole_and_a_term_is_quoted_with_its_definition() {
        let text = "Name | Storage Size | Range\nsmallint | 2 bytes | -32768 to +32767\nbigint | 8 bytes | -9223372036854775808 to +9223372036854775807";
        let answer = ask(
            "range of the 8 bytes bigint type",
            &[hit(&["8.1. Numeric Types"], text)],
        );
        assert!(
            answer.sentences.iter().any(
                |s| s.text == "bigint | 8 bytes | -9223372036854775808 to +9223372036854775807"
            ),
            "{}",
            answer.text()
        );
        let text = "sys.getsizeof(object[, default])\nReturn the size of an object in bytes.";
        let answer = ask(
            "size of an object in bytes",
            &[hit(&["sys.getsizeof(object[, default])"], text)],
        );
        assert_eq!(answer.sentences[0].text, text);
    }

    #[test]
    fn truncates_at_words() {
        assert_eq!(truncate("alpha beta gamma", 12), "alpha beta …");
        assert_eq!(truncate("short", 12), "short");
    }
}
