//! Extractive answers: the best sentences of the top passages, each quoted exactly, each cited.
//!
//! Every sentence of the top passages is scored in its context: the idf-weighted share of the
//! question's terms found in the sentence, plus the terms it does not repeat but stands under — the
//! term of its definition-list entry (`work_mem (integer)`), its heading, the sentence before it and
//! the page title, each counted by how close and how much about the question it is. So "The default
//! value is four megabytes (4MB)." answers "default value of work_mem". A question that asks for a
//! value (a default, a limit, a count, a port) prefers sentences that hold one, a question that asks
//! what a thing is or does prefers the first sentence of the entry that names it ([`Intent`]), and a
//! small prior favours the passage's retrieval rank. Sentences that cannot stand alone (code,
//! fragments) are skipped. The best are taken greedily, skipping near-duplicates, up to
//! [`MAX_PIECES`] quotes and [`MAX_WORDS`]. Each is quoted with what it needs to be read alone — the
//! short term it defines, the sentence its "This" points back to, the lines its colon introduces
//! (a setting or command, whose words count for it), the example lines after it that state a
//! literal of the question (`~1.2`) — always as a verbatim span of the page.
//! Chosen sentences that follow one another on the page are quoted as one run.
//!
//! Of two "Changed in version" notes of one passage only the later is used, and the answer opens
//! with its best sentence, then follows page by page, in page order.
//!
//! The answer says nothing was found when retrieval found nothing about the question (no passage,
//! nor the retrieved passages of any one page, holds enough of it, [`MIN_PASSAGE_STRENGTH`]), not
//! when the best sentence words it differently.
//!
//! With an embedding model (dense and hybrid modes), the sentences of the passages are also compared
//! with the question by cosine, each read in its passage (vectors made at index time) or under its
//! term or heading (embedded now, when the index has none), and what a sentence's meaning shows adds
//! to what its words show, so a paraphrase of the question counts as relevant.

use std::collections::{HashMap, HashSet};

use indexer::{LexicalIndex, SearchHit};

use super::{link::deep_link, Draft, DraftSentence, Source, Writer};
use crate::retrieve::terms::QueryTerms;

mod context;
mod definition;
mod history;
mod intent;
mod lines;
mod quotes;
mod score;
mod semantic;
mod sentences;
#[cfg(test)]
mod tests;
mod words;

use context::mark;
use definition::defined_subject;
pub use intent::Intent;
use intent::{asks_default_implicitly, literals, value_terms};
use semantic::semantic_support;
pub use semantic::Meaning;
use sentences::{candidates, Asked};

/// The most pieces an answer quotes: a piece is a sentence, or sentences of a passage quoted as one
/// run ([`runs`]: those [`bridge`] joins while the answer has the words for what lies between): a
/// paragraph quoted as written counts as what a reader sees, one quote. Counted
/// per sentence before (stop 63), sentences of the best passage's paragraph used the budget, and
/// the entry that answers, scored near the best, was left out (`sys._current_exceptions()`'s five
/// sentences before `sys.exception()`). Measured (supported / first sentence): lexical 304 / 227 →
/// 306 / 227, hybrid 329 / 251 → 335 / 250, SQuAD 840 unchanged; answers 112 → 118 words on average
/// (lexical), 116 → 125 (hybrid). Charging the words that bridge the best sentence's run against
/// the budget as well kept its run whole more often (hybrid first 255) but left out more answers
/// (hybrid 333, lexical 304, SQuAD 837). Counting joins the words left would not quote was a bug
/// (six pieces for "What is a decorator?"); counted as quoted, lexical 308 → 307 (`cargo-028`).
pub const MAX_PIECES: usize = 5;
/// Between quoted pieces of one page that are not contiguous in it.
pub const QUOTE_GAP: &str = " … ";
/// The most words an answer quotes, over at most [`MAX_PIECES`] pieces. 120 until stop 49, 150
/// until stop 67, when a sentence's introduced lines grew from 3 lines of 30 words to 8 of 60 (the
/// whole example): measured then (supported / first sentence, eighteen sets lexical and seventeen
/// hybrid) at 150 347 / 251 and 381 / 275, 170 349 / 251 and 387 / 276, 180 351 / 253 and 388 /
/// 282 (Octave lexical −1), 200 351 / 257 and 390 / 286 with no set losing in either mode, SQuAD
/// lexical 840 → 853. The pieces stay five: the words go to whole runs and examples, not to more
/// loosely related sentences. Answers average 140 words lexical and 150 hybrid (were 118 and 126).
pub const MAX_WORDS: usize = 200;
/// Share of what the question asks about (its terms by idf, a term no passage holds weighing as
/// the rarest) that a passage must hold for its sentences to answer: below it, retrieval found
/// nothing about the question there. Calibrated on answerable questions (docs-qa, the PostgreSQL
/// set) against questions about something else (100 SQuAD questions asked of the Python docs, of
/// which 94 are then declined).
const MIN_PASSAGE_STRENGTH: f32 = 0.45;
/// Cosine (all-MiniLM-L6-v2) of the passage nearest the question at or above which retrieval found
/// something about the question even when no passage holds its words. Calibrated on the top cosine
/// of answerable questions (docs-qa and the PostgreSQL set: 10th percentile 0.51 and 0.55, 98 of 100
/// at or above 0.45) against off-topic ones (150 SQuAD questions asked of those indexes: 90th
/// percentile 0.32–0.34, 2 of 150 at or above 0.45). Lowered from 0.45 in stop 63: of the hybrid
/// abstentions on the fifteen sets, two of three had the gold page first, their nearest passages at
/// 0.41–0.43 ("Is there a built-in way to write and run tests without installing a framework?" on
/// Node.js, `node:test`); at 0.40 both are answered and supported (hybrid 335 → 337), and of 700
/// off-topic questions (100 SQuAD questions asked of seven sites) 674 are declined against 676.
const NEAREST_FOUND: f32 = 0.4;
/// A sentence that states this share of the question itself answers whatever its passage holds.
const SELF_SUPPORTED: f32 = 0.6;
/// The share of a question's weight on words no passage holds at or above which retrieval found
/// nothing about it, whatever holds its other words.
const MAX_UNKNOWN_SHARE: f32 = 0.5;
/// Sentences scoring under this fraction of the best are not used.
const KEEP_RATIO: f32 = 0.7;
/// Every sentence used must cover at least this share of the question, with what it stands under.
const MIN_SENTENCE_SUPPORT: f32 = 0.2;
/// Most sentences between two chosen ones of a line quoted to join them (see [`follows`]).
/// Bridging one sentence gained 4 first sentences (hybrid) and 2 SQuAD spans; bridging two gained
/// 2 more first sentences (lexical), 1 more answer (hybrid) and 3 more spans; none was lost.
const MAX_BRIDGED: usize = 2;
/// Pages one answer may cite.
const MAX_SOURCES: usize = 3;
/// Term-set overlap above which a sentence repeats one already chosen.
const REDUNDANT: f32 = 0.6;
/// Share of a sentence's terms in a chosen quote of another passage at or above which the sentence
/// says again what the quote says (the same paragraph on two versions' pages, prefixed "New in
/// version 3.8:" on one).
const QUOTED: f32 = 0.8;

pub(super) struct Candidate {
    pub(super) hit: usize,
    /// Byte span of the sentence in the hit's text (of its line, for a field read with the line it
    /// ends).
    pub(super) start: usize,
    pub(super) end: usize,
    /// Byte span quoted: the sentence with what it needs to be read alone (the term it defines,
    /// the sentence its "This" points back to, the line its colon introduces). Verbatim page text.
    pub(super) quote: (usize, usize),
    /// The span of the term the sentence stands under, when it is quoted before it with an
    /// ellipsis (not right above it).
    pub(super) lead_in: Option<(usize, usize)>,
    /// The span of the term right above the sentence, when the quote opens with it.
    pub(super) term_above: Option<(usize, usize)>,
    pub(super) words: usize,
    /// The sentence's terms, analysed when the selection compares it with chosen sentences.
    pub(super) terms: std::cell::OnceCell<HashSet<String>>,
    /// The quote's terms, analysed when a later sentence is checked against it.
    pub(super) quote_terms: std::cell::OnceCell<HashSet<String>>,
    pub(super) support: f32,
    /// The semantic part of the support (0 without a model).
    pub(super) meaning: f32,
    pub(super) score: f32,
    /// Says what the default is, when the question asks for it.
    pub(super) tells_default: bool,
    /// Failed the relevance gate: may follow the answer's first sentence, never lead it.
    pub(super) gated: bool,
    /// Where on its page the term of the entry it stands under starts, if it stands under one.
    pub(super) entry: Option<usize>,
}

impl Candidate {
    pub(super) fn terms(&self, hits: &[SearchHit]) -> &HashSet<String> {
        self.terms
            .get_or_init(|| term_set(&hits[self.hit].text[self.start..self.end]))
    }

    pub(super) fn quote_terms(&self, hits: &[SearchHit]) -> &HashSet<String> {
        self.quote_terms
            .get_or_init(|| term_set(&hits[self.hit].text[self.quote.0..self.quote.1]))
    }
}

/// The distinct terms of `text` as the index analyses it.
pub(super) fn term_set(text: &str) -> HashSet<String> {
    indexer::lexical::analyze(text).into_iter().collect()
}

/// Builds the extractive answer to `question` from `hits`: the first `retrieved` as retrieval
/// ranked them (best first), then any further passages of the first one's page.
pub fn answer(
    index: &LexicalIndex,
    question: &str,
    hits: &[SearchHit],
    retrieved: usize,
    meaning: Option<Meaning<'_>>,
) -> Draft {
    let empty = Draft::empty(question, Writer::Extractive);
    let mut query = QueryTerms::new(index, question);
    if query.is_empty() || hits.is_empty() {
        return empty;
    }
    if asks_default_implicitly(question) {
        query.add(index, "default");
    }
    tracing::debug!(
        terms = ?query
            .terms
            .iter()
            .zip(&query.strength_weights)
            .zip(&query.found_weights)
            .map(|(((t, _), s), f)| format!("{t}:{s:.2}/{f:.2}"))
            .collect::<Vec<_>>(),
        "question terms (answering/finding weight)"
    );
    let mut intent = Intent::of(question);
    let subject = if intent.wants_value {
        None
    } else {
        defined_subject(question)
    };
    intent.defines = subject.and_then(|s| query.heaviest_of(index, s));
    for (rank, hit) in hits.iter().enumerate() {
        tracing::trace!(passage = rank, url = %hit.url, score = hit.score, text = %hit.text, "passage");
    }
    let semantic = meaning
        .map(|m| semantic_support(m, question, hits))
        .unwrap_or_default();
    let literals = literals(question);
    // The question's terms a stated value answers ("how long", "the largest").
    let values = value_terms(index, &query, intent);
    let asked = Asked {
        intent,
        subject,
        literals: &literals,
        value_terms: &values,
    };
    let (mut candidates, held) = candidates(&query, asked, hits, &semantic);
    // Of sentences that score the same, a run comes before the sentence it opens with ("SQLite
    // does not have a storage class set aside for storing dates" with the "Instead, …" that says
    // how they are stored): the fact with what it leads to.
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.hit.cmp(&b.hit))
            .then(a.quote.0.cmp(&b.quote.0))
            .then(b.quote.1.cmp(&a.quote.1))
    });
    trace_candidates("scored", &candidates, hits);
    gate(
        &mut candidates,
        Gate {
            query: &query,
            values: &values,
            held: &held,
            meaning,
            hits,
            retrieved,
        },
    );
    drop_superseded_notes(&mut candidates, hits);
    trace_candidates("pooled", &candidates, hits);
    if candidates.is_empty() {
        return empty;
    }
    let asked: HashSet<String> = query.terms.iter().map(|(t, _)| t.clone()).collect();
    let chosen = choose(&candidates, hits, &asked);
    assemble(question, hits, chosen)
}

/// What the relevance gate reads besides the candidates.
struct Gate<'a> {
    query: &'a QueryTerms,
    /// The question's terms a stated value answers.
    values: &'a [bool],
    /// For each passage, the question's terms it holds.
    held: &'a [Vec<bool>],
    meaning: Option<Meaning<'a>>,
    hits: &'a [SearchHit],
    /// How many of `hits` retrieval ranked (the rest are further passages of the first page).
    retrieved: usize,
}

/// Decides which candidates may answer: those whose passage (or page) is about the question, or
/// that state most of it themselves, or mean it; none when retrieval found nothing about it. When
/// some passage is about the question, the others' candidates are kept but marked [`Candidate::gated`]:
/// they may not lead the answer, but may follow it.
fn gate(candidates: &mut Vec<Candidate>, g: Gate<'_>) {
    let Gate {
        query,
        values,
        held,
        meaning,
        hits,
        retrieved,
    } = g;
    // Nothing found is said when retrieval found nothing about the question, not when the best
    // sentence words it differently: a sentence is used if its passage holds most of what the
    // question asks about (or means it, with a model), or if it states most of it itself. When no
    // passage does, a page whose passages together hold most of it still answers: a long question's
    // words spread over its sections ("type hint", "method", "subclasses" on the typing page).
    // Only what retrieval ranked counts for a page: more of a page read whole holds more words of
    // any question.
    // When most of what the question asks about is in no passage at all, the passages that hold
    // the rest do not speak to it ("how fast can a ferret run" on a site that never names ferrets:
    // `--no-fail-fast` holds "fast" and "run"). The words that ask for a value ("how long", "the
    // largest") do not count: a number answers them, so no passage need name them.
    let unknown_share = query.unknown_share(values);
    let mostly_unknown = unknown_share >= MAX_UNKNOWN_SHARE;
    // A passage answers when it holds enough of the question by the site's idf; whether anything
    // answers at all is judged with everyday words weighing no more than in English
    // ([`QueryTerms::found_weights`]: "switches", "temporarily", "afterwards" are rare in a
    // manual), so that a passage about changing the working directory is found, while a name the
    // site has never heard of still weighs as the rarest word. Both must hold.
    // Each passage's strength by each set of weights, computed once for all its sentences.
    let by = |weights: &[f32]| -> Vec<f32> { held.iter().map(|h| strength(weights, h)).collect() };
    let (answering, finding) = (by(&query.strength_weights), by(&query.found_weights));
    tracing::trace!(?answering, ?finding, "passage strengths");
    let strong = |c: &Candidate, strengths: &[f32]| {
        c.meaning >= MIN_PASSAGE_STRENGTH
            || (!mostly_unknown
                && (c.support >= SELF_SUPPORTED || strengths[c.hit] >= MIN_PASSAGE_STRENGTH))
    };
    let answers = |c: &Candidate| strong(c, &answering);
    // With a model, vector search says whether anything indexed is about the question at all: a
    // passage this close means the question is on the site's topic, worded otherwise. Not when
    // most of it is in no passage: a passage on the site's topic is near any question about it
    // ("how fast can a ferret run" on a site about ferrets that never mentions speed).
    let found_by_meaning = !mostly_unknown
        && meaning
            .and_then(|m| m.nearest)
            .is_some_and(|c| c >= NEAREST_FOUND);
    tracing::debug!(
        unknown_share,
        strength = finding.iter().copied().fold(0.0, f32::max),
        self_supported = candidates.iter().map(|c| c.support).fold(0.0, f32::max),
        nearest = meaning.and_then(|m| m.nearest),
        found_by_meaning,
        "retrieval found"
    );
    if candidates.iter().any(|c| strong(c, &finding)) && candidates.iter().any(answers) {
        // What the gate holds back may still follow an answer it passed (see [`choose`]).
        let passes: Vec<bool> = candidates.iter().map(answers).collect();
        for (c, passes) in candidates.iter_mut().zip(passes) {
            c.gated = !passes;
        }
    } else if mostly_unknown {
        candidates.clear();
    } else if !found_by_meaning {
        let page: Vec<std::cell::OnceCell<f32>> = hits.iter().map(|_| Default::default()).collect();
        candidates.retain(|c| {
            *page[c.hit].get_or_init(|| {
                let url = &hits[c.hit].url;
                let mut together = vec![false; query.terms.len()];
                for (h, holds) in hits[..retrieved].iter().zip(held) {
                    if h.url == *url {
                        mark(&mut together, holds);
                    }
                }
                strength(&query.found_weights, &together)
            }) >= MIN_PASSAGE_STRENGTH
        });
    }
}

/// Chooses the answer's sentences, best first: those scoring near the best, within the word budget
/// and the pages one answer cites, none repeating another. The candidates that passed the gate are
/// chosen first; then, while the answer has room, those it held back that score as near the best
/// (never before the first sentence on its page: the answer's first run stays the best sentence's).
fn choose<'c>(
    candidates: &'c [Candidate],
    hits: &[SearchHit],
    asked: &HashSet<String>,
) -> Vec<&'c Candidate> {
    let Some(best) = candidates.iter().find(|c| !c.gated) else {
        return Vec::new();
    };
    let floor = best.score * KEEP_RATIO;
    let mut chosen: Vec<&Candidate> = Vec::new();
    for gated in [false, true] {
        // Nothing the gate passed reads as an answer: nothing was found.
        if gated && chosen.is_empty() {
            break;
        }
        for c in candidates {
            if c.score < floor {
                break;
            }
            if c.gated != gated || c.support < MIN_SENTENCE_SUPPORT {
                continue;
            }
            // Quoted right before the answer's first sentence it would lead its run.
            let lead = chosen.first().copied();
            if gated && lead.is_some_and(|l| c.hit == l.hit && c.quote.1 <= l.quote.0) {
                continue;
            }
            // A sentence whose run holds a chosen one ("For this purpose, exceptions have a method
            // add_note()…" after "There are cases where it is useful to add information…") takes
            // its place: the chosen sentence with what it leads to, even in a full answer.
            let same_hit = |s: &&Candidate| s.hit == c.hit;
            // The term a chosen sentence is quoted under need not be in the run: the run holds
            // the question's words the term added ("detached HEAD" over "Normally the HEAD
            // stores the name of a branch …", held by the run whose "such a state is called
            // \"detached\"" points back to it).
            let holds = |s: &&Candidate| {
                same_hit(s)
                    && c.quote.0 <= body_start(&hits[s.hit].text, s)
                    && s.quote.1 <= c.quote.1
                    && s.quote != c.quote
            };
            if let Some(i) = chosen.iter().position(holds) {
                if !gated {
                    // The run takes the place of the first chosen sentence it holds; the others it
                    // holds are in it now.
                    let mut kept: Vec<&Candidate> = chosen
                        .iter()
                        .enumerate()
                        .filter(|(k, s)| *k == i || !holds(s))
                        .map(|(_, s)| *s)
                        .collect();
                    let mut used =
                        kept.iter().map(|s| s.words).sum::<usize>() - kept[i].words + c.words;
                    // For the answer's first sentence, words are made room for by dropping the
                    // sentences chosen last (the lowest scoring), so that the answer opens with the
                    // whole run; a run that would still make too many pieces is not taken.
                    while i == 0 && kept.len() > 1 && used > MAX_WORDS {
                        used -= kept.pop().map_or(0, |s| s.words);
                    }
                    kept[i] = c;
                    if used <= MAX_WORDS && runs(hits, &kept).len() <= MAX_PIECES {
                        chosen = kept;
                    }
                }
                continue;
            }
            let skipped = if chosen.iter().map(|s| s.words).sum::<usize>() + c.words > MAX_WORDS {
                Some("over the word budget")
            } else if chosen.iter().all(|s| hits[s.hit].url != hits[c.hit].url)
                && chosen
                    .iter()
                    .map(|s| hits[s.hit].url.as_str())
                    .collect::<HashSet<_>>()
                    .len()
                    == MAX_SOURCES
            {
                Some("a page over the limit")
            } else if chosen.iter().any(|s| {
                (same_hit(s) && s.quote.0 < c.quote.1 && c.quote.0 < s.quote.1)
                    || repeats(hits, s, c, asked)
            }) {
                Some("repeats a chosen sentence")
            } else if pieces(hits, &chosen, c) > MAX_PIECES {
                Some("over the piece budget")
            } else {
                None
            };
            if let Some(reason) = skipped {
                tracing::trace!(
                    sentence = &hits[c.hit].text[c.start..c.end],
                    score = c.score,
                    reason,
                    "skipped"
                );
                continue;
            }
            chosen.push(c);
        }
    }
    chosen
}

/// How many pieces the answer quotes with `c` added to `chosen`: its [`runs`].
fn pieces(hits: &[SearchHit], chosen: &[&Candidate], c: &Candidate) -> usize {
    let with: Vec<&Candidate> = chosen.iter().copied().chain([c]).collect();
    runs(hits, &with).len()
}

/// Where a candidate's quote starts after the term it opens with, if any.
fn body_start(text: &str, c: &Candidate) -> usize {
    c.term_above.map_or(c.quote.0, |(_, end)| {
        end + (text[end..].len() - text[end..].trim_start().len())
    })
}

/// Traces every candidate, best first: `scored` (all of them), then `pooled` (those that passed the
/// relevance gate, which the answer leads with) and `held` (those it held back, which may only
/// follow); each quote as the answer would show it, after the term it is led in with.
fn trace_candidates(stage: &str, candidates: &[Candidate], hits: &[SearchHit]) {
    if !tracing::enabled!(tracing::Level::TRACE) {
        return;
    }
    for c in candidates {
        let stage = if c.gated { "held" } else { stage };
        // As the answer would quote it: after the term it is led in with, if any.
        let text = &hits[c.hit].text;
        let quote = match c.lead_in {
            Some((a, b)) => format!("{}{QUOTE_GAP}{}", &text[a..b], &text[c.quote.0..c.quote.1]),
            None => text[c.quote.0..c.quote.1].to_string(),
        };
        tracing::trace!(
            %stage,
            passage = c.hit,
            url = %hits[c.hit].url,
            quote,
            score = c.score,
            support = c.support,
            meaning = c.meaning,
            sentence = &hits[c.hit].text[c.start..c.end],
            "candidate"
        );
    }
}

/// The runs the answer quotes `chosen` in: the run with the best sentence (the first chosen) first,
/// then pages in the order of their best sentence and sentences in page order within a page;
/// sentences that follow one another on the page are one run. [`choose`] counts its pieces so.
fn runs<'c>(hits: &[SearchHit], chosen: &[&'c Candidate]) -> Vec<Vec<&'c Candidate>> {
    let first = chosen.first().copied();
    let mut page_rank: HashMap<&str, usize> = HashMap::new();
    for (i, c) in chosen.iter().enumerate() {
        page_rank.entry(hits[c.hit].url.as_str()).or_insert(i);
    }
    let mut ordered = chosen.to_vec();
    ordered.sort_by_key(|c| {
        (
            page_rank[hits[c.hit].url.as_str()],
            hits[c.hit].start + c.quote.0,
        )
    });
    // Sentences that follow one another on the page are quoted as one run: the fact with what
    // introduces it ("A reasonable starting value … is 25%. The default is typically 128MB.").
    // One or two sentences between two chosen ones of a line are quoted too, while the answer
    // has room: the reader gets the paragraph as written, not two pieces of it around an ellipsis
    // (`--with-pgport`'s "Set NUMBER as the default port number for server and clients. The
    // default is 5432." with the two sentences after it, up to the one on running several
    // servers on one machine).
    let mut room = MAX_WORDS.saturating_sub(ordered.iter().map(|c| c.words).sum());
    let mut runs: Vec<Vec<&Candidate>> = Vec::new();
    for c in ordered {
        match runs.last_mut() {
            Some(run) if follows(hits, run[run.len() - 1], c, &mut room) => run.push(c),
            _ => runs.push(vec![c]),
        }
    }
    // The run with the best sentence leads: a reader gets the answer first, then what surrounds
    // it.
    if let Some(best) = first.and_then(|f| {
        runs.iter()
            .position(|r| r.iter().any(|c| std::ptr::eq(*c, f)))
    }) {
        let run = runs.remove(best);
        runs.insert(0, run);
    }
    runs
}

/// Orders the chosen sentences (the best first, then pages by their best sentence and sentences in
/// page order within a page) and numbers the sources (one per page) by first use.
fn assemble(question: &str, hits: &[SearchHit], chosen: Vec<&Candidate>) -> Draft {
    let runs = runs(hits, &chosen);
    let mut source_of_page: HashMap<&str, usize> = HashMap::new();
    // Terms are told apart by where they stand on the page, not by their words: `-u` of `set` and
    // `-u` of `mapfile` on one page are two entries, and a sentence of the second quoted without
    // its term would read as said of the first.
    let mut shown: HashSet<(&str, usize)> = HashSet::new();
    // The page spans quoted so far.
    let mut earlier: Vec<(&str, usize, usize)> = Vec::new();
    let mut sources: Vec<Source> = Vec::new();
    let mut sentences = Vec::new();
    for run in runs {
        let (c, last) = (run[0], run[run.len() - 1]);
        let hit = &hits[c.hit];
        // A term is quoted once per answer: with or before its first sentence, not again.
        let mut from = c.quote.0;
        if let Some((a, _)) = c.term_above {
            if !shown.insert((hit.url.as_str(), hit.start + a)) {
                from = body_start(&hit.text, c);
            }
        }
        let quoted = &hit.text[from..last.quote.1];
        // Nor when an earlier quote of the page holds it (the command a sentence introduced).
        let lead_in = c.lead_in.filter(|(a, b)| {
            let (a, b) = (hit.start + a, hit.start + b);
            !earlier
                .iter()
                .any(|(url, s, e)| *url == hit.url && *s <= a && b <= *e)
                && shown.insert((hit.url.as_str(), a))
        });
        earlier.push((hit.url.as_str(), hit.start + from, hit.start + last.quote.1));
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

/// Returns true if `next` is quoted after `c` in one run ([`bridge`]) with the words between them
/// fitting in `room` (the words the answer has left, from which they are then taken).
fn follows(hits: &[SearchHit], c: &Candidate, next: &Candidate, room: &mut usize) -> bool {
    match bridge(hits, c, next) {
        Some(words) if words <= *room => {
            *room -= words;
            true
        }
        _ => false,
    }
}

/// The words quoted between `c` and `next` when they are quoted as one run: `next` comes after `c`
/// on the same passage with nothing between them but white space, or at most [`MAX_BRIDGED`]
/// sentences of prose, and both are sentences of one entry: not table rows, and `next` does not
/// open with a term of its own. The term `next` would be quoted under when alone is no term of its
/// own when it is the one `c` stands under ("Pairs are returned in LIFO order." after
/// `popitem()`'s "Remove and return a (key, value) pair from the dictionary."). `None` when they
/// are two pieces.
fn bridge(hits: &[SearchHit], c: &Candidate, next: &Candidate) -> Option<usize> {
    let text = &hits[c.hit].text;
    let row = |c: &Candidate| indexer::vector::sentences::is_table_row(&text[c.quote.0..c.quote.1]);
    let term_of_c = c.term_above.or(c.lead_in);
    if c.hit != next.hit
        || next.lead_in.is_some() && next.lead_in != term_of_c
        || next.term_above.is_some()
        || c.quote.1 > next.quote.0
        || row(c)
        || row(next)
    {
        return None;
    }
    let gap = &text[c.quote.1..next.quote.0];
    let between = gap.trim();
    if between.is_empty() {
        return Some(0);
    }
    // Across a line only to prose: a line that ends on no full stop is a heading or another
    // entry's term ("Information for the Pros"), and a table row is no sentence of the paragraph.
    // Not `lines::reads_as_prose`: a line ending on a colon introduces lines the run would then
    // swallow (measured: hybrid 329 / 251 → 328 / 250).
    let prose = |line: &str| {
        line.trim().is_empty()
            || (line
                .trim_end()
                .trim_end_matches(['"', '\'', ')', '”', '’'])
                .ends_with(['.', '!', '?'])
                && !indexer::vector::sentences::is_table_row(line))
    };
    (gap.split('\n').all(prose)
        && indexer::vector::sentences::sentence_units(between).len() <= MAX_BRIDGED)
        .then(|| indexer::word_count(between))
}

/// How much of the question passages speak to (one passage, or the retrieved passages of one page),
/// given the question's terms they hold (`found`, in their text, headings and titles): their share,
/// by `weights` ([`QueryTerms::strength_weights`] or [`QueryTerms::found_weights`]). Low when
/// retrieval found nothing about the question there, whatever the wording of its sentences.
fn strength(weights: &[f32], found: &[bool]) -> f32 {
    let total: f32 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let held: f32 = weights
        .iter()
        .zip(found)
        .filter(|(_, f)| **f)
        .map(|(w, _)| w)
        .sum();
    held / total
}

/// The version a change note is about: "Changed in version 3.5.3: …" is `[3, 5, 3]`.
fn changed_in(sentence: &str) -> Option<Vec<u32>> {
    let rest = sentence.strip_prefix("Changed in version ")?;
    let version = rest.split([':', ' ', ',']).next()?;
    version
        .trim_end_matches('.')
        .split('.')
        .map(|n| n.parse().ok())
        .collect()
}

/// Drops a change note ("Changed in version 3.5: … it will default to …") when a later one of the
/// same passage is also a candidate ("Changed in version 3.8: Default value of max_workers is
/// changed to …"): the later note says what holds now.
fn drop_superseded_notes(candidates: &mut Vec<Candidate>, hits: &[SearchHit]) {
    let note = |c: &Candidate| changed_in(&hits[c.hit].text[c.start..c.end]);
    // The latest note of each passage.
    let mut latest: HashMap<usize, Vec<u32>> = HashMap::new();
    for c in candidates.iter().filter(|c| !c.gated) {
        if let Some(version) = note(c) {
            let l = latest.entry(c.hit).or_default();
            if version > *l {
                *l = version;
            }
        }
    }
    candidates.retain(|c| note(c).is_none_or(|version| !c.gated && latest[&c.hit] == version));
}

/// Returns true if sentence `b` repeats the chosen sentence `a`: most of the shorter one's terms
/// are in the other ([`REDUNDANT`]), `b` holds no word of the question (`asked`, as analysed) that
/// `a` does not, and `b` states no value `a` does not. Sentences in the same
/// words that state different values say different things ("the default page size for new
/// databases has been 1024 bytes" and, later, "the default page size for new database files has
/// been increased to 4096 bytes"). Nor do sentences under terms that share no word: each says it
/// of its own entry ("All ignored and untracked files are also stashed …" under `--all`, "… all
/// untracked files are also stashed …" under `--include-untracked`). The same entry copied under
/// a term with one more option (`--ff --no-ff` in git-pull, `--ff --no-ff --ff-only` in
/// git-merge) is still the same entry. Nor do sentences of two entries of one page, their terms
/// quoted or not: the `delay` of `timersPromises.setTimeout` and of `setInterval` each say it of
/// their own call, as pytest's "Any teardown code for that fixture is placed after the yield."
/// does of its fixture. Nor does a sentence that names in code what the other and
/// its term do not (`CARGO_TARGET_DIR` after `CARGO_BUILD_BUILD_DIR`) or names another operator by
/// its symbols (the `‘%%’` case after the `‘##’` case, bash's manual), as one that states another
/// number does not. A sentence that says what the default is, asked for, repeats
/// none that does not ("Read Committed is the default isolation level in PostgreSQL." after "…
/// PostgreSQL's Read Uncommitted mode behaves like Read Committed."). What `a` repeats is its
/// whole quote, as the reader reads it: the same paragraph on the pages of two versions of a
/// generator is said once.
fn repeats(hits: &[SearchHit], a: &Candidate, b: &Candidate, asked: &HashSet<String>) -> bool {
    let text = |c: &Candidate| &hits[c.hit].text[c.start..c.end];
    let term = |c: &Candidate| {
        c.term_above
            .or(c.lead_in)
            .map(|(start, end)| term_set(&hits[c.hit].text[start..end]))
    };
    // What the reader has read of `a` is its whole quote: a sentence of another passage whose
    // words nearly all are in it ([`QUOTED`]), under no term of its own or under a term the quote
    // holds, repeats the quote (`--offline` and its sentences on `cargo fetch`'s page and on
    // `cargo`'s).
    let in_quote = || {
        let quote = &hits[a.hit].text[a.quote.0..a.quote.1];
        b.hit != a.hit
            && b.term_above
                .or(b.lead_in)
                .is_none_or(|(start, end)| quote.contains(&hits[b.hit].text[start..end]))
            && {
                let said = b.terms(hits);
                said.intersection(a.quote_terms(hits)).count() as f32
                    >= QUOTED * said.len().max(1) as f32
            }
    };
    // The terms are analysed only for sentences in nearly the same words.
    let other_entries = || {
        matches!((term(a), term(b)), (Some(x), Some(y)) if x.is_disjoint(&y) && !x.is_empty())
            || (hits[a.hit].url == hits[b.hit].url
                && matches!((a.entry, b.entry), (Some(x), Some(y)) if x != y))
    };
    // A sentence that holds a word of the question that its chosen look-alike (quoted, with its
    // term) lacks says something else about what was asked: "In Jinja, the special variable for
    // the loop context is called loop, and the else block is used for no loop items." after "In
    // Django, … forloop, and the empty is used …", asked what Jinja uses instead of Django's
    // `{% empty %}`.
    let adds_asked = || {
        let a_term = term(a);
        b.terms(hits).iter().any(|t| {
            asked.contains(t)
                && !a.quote_terms(hits).contains(t)
                && a_term.as_ref().is_none_or(|x| !x.contains(t))
        })
    };
    // A sentence the reader has already read word for word in the chosen quote says nothing new,
    // whatever it stands under: the rules below that keep a look-alike (another entry, a word of
    // the question) are for sentences in other words ("A TOMLDecodeError will be raised on an
    // invalid TOML document." under `tomllib.load` and again under `tomllib.loads`).
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    if words(&hits[a.hit].text[a.quote.0..a.quote.1]).contains(&words(text(b))) {
        return true;
    }
    (overlap(a.terms(hits), b.terms(hits)) > REDUNDANT || in_quote())
        && !other_entries()
        && !adds_asked()
        && (a.tells_default || !b.tells_default)
        && {
            // A name is stated by what the chosen sentence is quoted with too (its term).
            let quoted = |c: &Candidate| {
                let page = &hits[c.hit].text;
                c.lead_in
                    .map(|(start, end)| &page[start..end])
                    .into_iter()
                    .chain([&page[c.quote.0..c.quote.1]])
            };
            let stated: HashSet<&str> = quoted(a).flat_map(intent::stated).collect();
            intent::stated(text(b)).all(|n| stated.contains(n))
        }
}

fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    let inter = a.intersection(b).count() as f32;
    let smaller = a.len().min(b.len()).max(1) as f32;
    inter / smaller
}
