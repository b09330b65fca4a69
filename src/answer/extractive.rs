//! Extractive answers: the best sentences of the top passages, each quoted exactly, each cited.
//!
//! Every sentence of the top passages is scored by how much of the question it covers (the idf-weighted
//! share of the question's terms found in the sentence, plus half credit for terms found only in its
//! page title or headings), with a small prior for the passage's BM25 rank. Sentences that cannot stand
//! alone (code, fragments, lines that introduce a listing) are skipped. The best are taken greedily,
//! skipping near-duplicates, up to [`MAX_SENTENCES`] and [`MAX_WORDS`]; if even the best covers too
//! little of the question, the answer says nothing was found instead of answering with noise.
//!
//! With an embedding model (dense and hybrid modes), the sentences of the top passages are also
//! compared with the question by cosine, and a sentence's support is the larger of its lexical and
//! its semantic score, so a paraphrase of the question counts as relevant.

use std::collections::{HashMap, HashSet};

use indexer::embed::Embedder;
use indexer::{sentence_spans, LexicalIndex, SearchHit};

use super::{link::deep_link, Answer, AnswerSentence, Source};

pub const MAX_SENTENCES: usize = 5;
pub const MAX_WORDS: usize = 120;
/// Below this share of the question's weight, the best sentence is not an answer.
const MIN_SUPPORT: f32 = 0.6;
/// Sentences scoring under this fraction of the best are not used.
const KEEP_RATIO: f32 = 0.7;
/// Every sentence used must cover at least this share of the question on its own.
const MIN_SENTENCE_SUPPORT: f32 = 0.4;
/// Pages one answer may cite.
const MAX_SOURCES: usize = 3;
/// Term-set overlap above which a sentence repeats one already chosen.
const REDUNDANT: f32 = 0.6;

/// The question's terms with their weights.
pub struct QueryTerms {
    terms: Vec<(String, f32)>,
    total: f32,
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
            prefixes,
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
    /// Byte span in the hit's text.
    start: usize,
    end: usize,
    words: usize,
    /// The sentence's terms, analysed when the selection compares it with chosen sentences.
    terms: std::cell::OnceCell<HashSet<String>>,
    support: f32,
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
) -> Answer {
    let empty = Answer::empty(question);
    let query = QueryTerms::new(index, question);
    if query.is_empty() || hits.is_empty() {
        return empty;
    }
    let semantic = embedder
        .map(|e| semantic_support(e, question, hits))
        .unwrap_or_default();
    let mut candidates = candidates(index, &query, hits, &semantic);
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let Some(best) = candidates.first() else {
        return empty;
    };
    if best.support < MIN_SUPPORT {
        return empty;
    }
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
        if c.support < MIN_SENTENCE_SUPPORT
            || words + c.words > MAX_WORDS
            || (new_page && pages == MAX_SOURCES)
            || chosen
                .iter()
                .any(|s| overlap(s.terms(hits), c.terms(hits)) > REDUNDANT)
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
fn assemble(question: &str, hits: &[SearchHit], chosen: Vec<&Candidate>) -> Answer {
    // Pages in the order of their best sentence; sentences of one page in page order.
    let mut page_rank: HashMap<&str, usize> = HashMap::new();
    for (i, c) in chosen.iter().enumerate() {
        page_rank.entry(hits[c.hit].url.as_str()).or_insert(i);
    }
    let mut ordered = chosen;
    ordered.sort_by_key(|c| {
        (
            page_rank[hits[c.hit].url.as_str()],
            hits[c.hit].start + c.start,
        )
    });
    let mut source_of_page: HashMap<&str, usize> = HashMap::new();
    let mut sources: Vec<Source> = Vec::new();
    let mut sentences = Vec::new();
    for c in ordered {
        let hit = &hits[c.hit];
        let text = hit.text[c.start..c.end].to_string();
        let index = *source_of_page.entry(hit.url.as_str()).or_insert_with(|| {
            sources.push(Source {
                id: sources.len() as u32 + 1,
                url: hit.url.clone(),
                title: hit.title.clone(),
                quote: String::new(),
                link: deep_link(&hit.url, &text),
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
            source.quote.push_str(" … ");
        }
        source.quote.push_str(&text);
        sentences.push(AnswerSentence::new(text, vec![source.id]));
    }
    Answer {
        sentences,
        sources,
        ..Answer::empty(question)
    }
}

/// Passages whose sentences are compared with the question by embedding.
const SEMANTIC_PASSAGES: usize = 4;
/// Cosine at or below which a sentence says nothing about the question, and at or above which it
/// fully answers it. On the all-MiniLM-L6-v2 scale a sentence on the same topic but not answering
/// ("what do ferrets eat" against "Ferrets sleep fourteen hours a day") scores about 0.55, a
/// paraphrase that answers ("when do ferrets rest") 0.64, a near restatement 0.86, unrelated text ~0.
const COSINE_FLOOR: f32 = 0.45;
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

fn candidates(
    index: &LexicalIndex,
    query: &QueryTerms,
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
        // The heading a sentence stands under: the chunk's own until a heading line inside it.
        let mut heading_terms: HashSet<String> = hit
            .heading_path
            .last()
            .map(|h| index.analyze(h).into_iter().collect())
            .unwrap_or_default();
        let mut in_heading = query.found_among(&heading_terms);
        let mut focus = query.share_of(&heading_terms).sqrt();
        let mut lead = hit
            .text
            .starts_with(hit.heading_path.last().map_or("\u{0}", String::as_str));
        let rank_has_meaning = semantic.keys().any(|(r, _)| *r == rank);
        for (line_start, line) in lines(&hit.text) {
            if line.trim().is_empty() {
                continue;
            }
            // A line with no query term's first letters, no heading in it, under a heading that is
            // not about the question, and no meaning scores: none of its sentences can score.
            if !rank_has_meaning
                && !in_heading.contains(&true)
                && !query.prefixes_in(line)
                && !headings.iter().any(|h| !h.is_empty() && line.contains(h))
            {
                lead = false;
                continue;
            }
            for (start, end) in sentence_spans(line) {
                let (start, end) = (line_start + start, line_start + end);
                let text = &hit.text[start..end];
                if headings.contains(text) {
                    heading_terms = index.analyze(text).into_iter().collect();
                    in_heading = query.found_among(&heading_terms);
                    focus = query.share_of(&heading_terms).sqrt();
                    lead = true;
                    continue;
                }
                let is_lead = std::mem::take(&mut lead);
                let Some(words) = standalone_words(text) else {
                    continue;
                };
                // A sentence holding no query term's first letters holds no query term; unless its
                // heading or its meaning speaks for it, it scores nothing: skip the analysis.
                if !in_heading.contains(&true)
                    && !semantic.contains_key(&(rank, start))
                    && !query.prefixes_in(text)
                {
                    continue;
                }
                let in_sentence = query.found_in(text);
                let direct = query.weight(&in_sentence, &[]);
                // The first sentence under a heading usually defines what the heading names, so the
                // heading's words count for it fully; for later sentences, less. Both scale with how
                // much of the heading is about the question: "global interpreter lock" is, an API
                // signature that mentions `stmt='pass'` among ten other words is not.
                let from_heading = query.weight(&in_heading, &[&in_sentence]);
                let from_title = query.weight(&in_title, &[&in_sentence, &in_heading]);
                let heading_weight = if is_lead { focus } else { 0.4 * focus };
                let lexical = direct + heading_weight * from_heading + 0.2 * from_title;
                let meaning = semantic.get(&(rank, start)).copied().unwrap_or(0.0);
                let support = lexical.max(meaning);
                if support == 0.0 || (direct + from_heading == 0.0 && meaning == 0.0) {
                    continue;
                }
                let lead_bonus = if is_lead && from_heading > 0.0 {
                    0.1 * focus
                } else {
                    0.0
                };
                // A sentence that introduces a listing reads incomplete on its own.
                let incomplete = if text.ends_with(':') { 0.1 } else { 0.0 };
                let score = support + prior + lead_bonus - incomplete;
                out.push(Candidate {
                    hit: rank,
                    start,
                    end,
                    words,
                    terms: std::cell::OnceCell::new(),
                    support,
                    score,
                });
            }
        }
    }
    out
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
    fn truncates_at_words() {
        assert_eq!(truncate("alpha beta gamma", 12), "alpha beta …");
        assert_eq!(truncate("short", 12), "short");
    }
}
