//! A query's terms as the index analyses them, with their weights (idf): what answers and snippets
//! measure sentences by.

use std::collections::{HashMap, HashSet};

use indexer::LexicalIndex;

use super::english;

/// The question's terms with their weights.
pub struct QueryTerms {
    pub(crate) terms: Vec<(String, f32)>,
    pub(crate) total: f32,
    /// Each term's weight when judging whether a passage holds enough of the question to answer
    /// it: a word no passage holds weighs as the rarest word (the index has nothing on it), the
    /// others their idf.
    pub(crate) strength_weights: Vec<f32>,
    /// Each term's weight when judging whether retrieval found anything at all: as
    /// `strength_weights`, but a word the site holds weighs no more than it would in English.
    pub(crate) found_weights: Vec<f32>,
    /// The first four letters of each term: a text without any of them holds none of the terms.
    pub(crate) prefixes: Vec<String>,
    /// The terms no passage holds: what the index has nothing on at all.
    unknown: Vec<bool>,
    /// The names the question spells with underscores (`work_mem`), lowercased, each with the
    /// positions of its parts among the terms (`work`, `mem`).
    pub(crate) names: Vec<(String, Vec<usize>)>,
    /// The names the question writes in camel case (`TaskGroup`, `HashMap`): each term's position
    /// with the terms of its words (`task`, `group`), which a text may write apart ("Task Groups",
    /// "a hash map").
    compounds: Vec<(usize, Vec<String>)>,
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
        // A word weighs no more than it would in English at large: "asks", "everywhere" or "made"
        // are rare in a manual only because manuals seldom phrase things so, and would otherwise
        // outweigh the question's topic ("dependency", "optional"), which the site uses everywhere.
        // What the site names and English does not (`work_mem`, "rustflags") keeps the site's idf.
        // Which passages hold enough of the question is still judged by the site's idf alone.
        let english = english_idf(question);
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
        let strength_weights: Vec<f32> = terms
            .iter()
            .map(|(_, w)| w.unwrap_or(rarest).max(0.05))
            .collect();
        // Whether retrieval found anything at all is judged with the site's everyday words
        // weighing no more than in English: "switches", "temporarily" and "afterwards" are rare in
        // the Python docs, and a passage about changing the working directory is about "a helper
        // that switches the working directory temporarily and goes back afterwards" all the same.
        // A name keeps the site's weight, as a word no passage holds keeps the rarest: "France" is
        // common English, but a site that barely mentions it has nothing on "the capital of France".
        let names = capitalised_terms(question);
        let found_weights: Vec<f32> = terms
            .iter()
            .zip(&strength_weights)
            .map(|((t, w), &strength)| match (w, english.get(t)) {
                (Some(_), Some(&Some(english))) if !names.contains(t) => {
                    strength.min(english).max(0.05)
                }
                _ => strength,
            })
            .collect();
        // An empty index says nothing about which words its passages lack.
        let unknown = terms
            .iter()
            .map(|(_, w)| w.is_none() && index.num_chunks() > 0)
            .collect();
        let terms: Vec<(String, f32)> = terms
            .drain(..)
            .map(|(t, w)| {
                let w = match english.get(&t) {
                    Some(&Some(english)) => w.unwrap_or(mean).min(english),
                    _ => w.unwrap_or(mean),
                };
                (t, w.max(0.05))
            })
            .collect();
        let total = terms.iter().map(|(_, w)| w).sum();
        // The first letters of the terms' aliases too: `max` holds "maximum".
        let prefixes = terms
            .iter()
            .flat_map(|(t, _)| {
                std::iter::once(t.as_str()).chain(indexer::lexical::aliases(t).iter().copied())
            })
            .map(first_letters)
            .collect();
        Self {
            terms,
            total,
            strength_weights,
            found_weights,
            prefixes,
            unknown,
            names: Vec::new(),
            compounds: Vec::new(),
        }
        .with_names(index, question)
        .with_compounds(index, question)
    }

    /// Adds the terms of `words` the question implies but does not say, each weighted as the
    /// question's mean term.
    pub(crate) fn add(&mut self, index: &LexicalIndex, words: &str) {
        let mean = self.total / self.terms.len().max(1) as f32;
        for term in index.analyze(words) {
            if self.terms.iter().all(|(t, _)| *t != term) {
                self.prefixes.push(first_letters(&term));
                self.terms.push((term, mean));
                self.strength_weights.push(mean);
                self.found_weights.push(mean);
                self.unknown.push(false);
                self.total += mean;
            }
        }
    }

    /// Finds where the first letters of the question's terms occur in a text, in one pass, so
    /// that each line and sentence of a passage is checked without reading it again.
    pub(crate) fn prefix_finder(&self) -> PrefixFinder {
        let patterns: Vec<&str> = self
            .prefixes
            .iter()
            .map(String::as_str)
            .filter(|p| !p.is_empty())
            .collect();
        // Case is folded for ASCII only: a non-ASCII prefix ("élan") is not looked for, and every
        // span may then hold a term.
        if patterns.iter().any(|p| !p.is_ascii()) {
            return PrefixFinder(None);
        }
        PrefixFinder(
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&patterns)
                .ok(),
        )
    }

    /// Returns true if `text` holds the first letters of a term (cheap; false means no term).
    pub(crate) fn prefixes_in(&self, text: &str) -> bool {
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

    /// The heaviest (rarest) of the question's terms among those of `words`, by position.
    pub(crate) fn heaviest_of(&self, index: &LexicalIndex, words: &str) -> Option<usize> {
        let terms = index.analyze(words);
        self.terms
            .iter()
            .enumerate()
            .filter(|(_, (t, _))| terms.contains(t))
            .max_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
            .map(|(i, _)| i)
    }

    fn with_names(mut self, index: &LexicalIndex, question: &str) -> Self {
        self.names = underscored(question)
            .map(|name| {
                let parts = index
                    .analyze(&name)
                    .iter()
                    .filter_map(|p| self.terms.iter().position(|(t, _)| t == p))
                    .collect();
                (name, parts)
            })
            .collect();
        self
    }

    fn with_compounds(mut self, index: &LexicalIndex, question: &str) -> Self {
        for word in question.split(|c: char| !c.is_alphanumeric()) {
            let parts = camel_parts(word);
            if parts.len() < 2 {
                continue;
            }
            let whole = index.analyze(word);
            let Some(at) = self.terms.iter().position(|(t, _)| whole == [t.clone()]) else {
                continue;
            };
            let terms: Vec<String> = parts.iter().flat_map(|p| index.analyze(p)).collect();
            if terms.len() == parts.len() && self.compounds.iter().all(|(i, _)| *i != at) {
                self.compounds.push((at, terms));
            }
        }
        self
    }

    /// Marks in `found` the camel-case names of the question (`TaskGroup`) that `text` writes as
    /// separate words, one after another with a space or hyphen between them ("Task Groups").
    pub(crate) fn mark_compounds(&self, text: &str, found: &mut [bool]) {
        if self.compounds.iter().all(|(at, _)| found[*at]) {
            return;
        }
        // The words of the text, each with the separator before it.
        let mut words: Vec<(&str, &str)> = Vec::new();
        let (mut last_end, mut start) = (0, None);
        for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
            match (c.is_alphanumeric() && i < text.len(), start) {
                (true, None) => start = Some(i),
                (false, Some(from)) => {
                    words.push((&text[last_end..from], &text[from..i]));
                    (last_end, start) = (i, None);
                }
                _ => {}
            }
        }
        let term_of = |word: &str| {
            let mut term = None;
            indexer::lexical::analyze_each(word, |t| term = Some(t.to_string()));
            term
        };
        for (at, parts) in &self.compounds {
            if found[*at] {
                continue;
            }
            // A word is analysed only when it opens as the part's term does (the stemmer changes
            // words at their end).
            let opens_as = |word: &str, part: &str| {
                let n = part.len().min(2);
                word.len() >= n
                    && part.is_char_boundary(n)
                    && word.is_char_boundary(n)
                    && word[..n].eq_ignore_ascii_case(&part[..n])
            };
            found[*at] = words.windows(parts.len()).any(|run| {
                run.iter().enumerate().all(|(k, (gap, word))| {
                    (k == 0 || matches!(*gap, " " | "-"))
                        && opens_as(word, &parts[k])
                        && term_of(word).as_deref() == Some(parts[k].as_str())
                })
            });
        }
    }

    /// Unmarks in `found` the parts of a name of the question that `text` holds only inside longer
    /// names: `maintenance_work_mem` holds `work` and `mem` but is not `work_mem`.
    pub(crate) fn drop_partial_names(&self, text: &str, found: &mut [bool]) {
        for (name, parts) in &self.names {
            if parts.iter().all(|p| !found[*p]) {
                continue;
            }
            let mut whole = false;
            let mut inside = false;
            for word in underscored(text) {
                if word == *name {
                    whole = true;
                } else if word.contains(name.as_str()) {
                    inside = true;
                }
            }
            if inside && !whole {
                for p in parts {
                    found[*p] = false;
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Returns true if `entry` (a definition-list term or heading) names what the question names
    /// with underscores: `max_connections (integer)` for "default value of max_connections".
    pub(crate) fn names_same(&self, entry: &str) -> bool {
        let name = entry.split('(').next().unwrap_or(entry);
        underscored(name).any(|n| self.names.iter().any(|(q, _)| *q == n))
    }

    /// Returns true if `entry` (a definition-list term or heading) names something other than what
    /// the question names with underscores: `hash_mem_multiplier (floating point)` for "default
    /// value of work_mem". False when the question names nothing so, or the entry names no such
    /// thing.
    pub(crate) fn names_another(&self, entry: &str) -> bool {
        let name = entry.split('(').next().unwrap_or(entry);
        let mut names = underscored(name).peekable();
        !self.names.is_empty()
            && names.peek().is_some()
            && names.all(|n| self.names.iter().all(|(q, _)| *q != n))
    }

    /// Which of the question's terms `text` holds (by position in the question's term list),
    /// analysing it without allocating its terms.
    pub(crate) fn found_in(&self, text: &str) -> Vec<bool> {
        let mut found = vec![false; self.terms.len()];
        indexer::lexical::analyze_each(text, |term| self.mark_term(&mut found, term));
        self.mark_camel_names(text, &mut found);
        self.mark_compounds(text, &mut found);
        found
    }

    /// Marks in `found` the question's terms among the words of the lower-camel-case names of
    /// `text` (see [`Self::mark_camel_parts`]).
    pub(crate) fn mark_camel_names(&self, text: &str, found: &mut [bool]) {
        // Most text has no such name: one look at its bytes.
        if has_camel(text) {
            for word in text.split(|c: char| !c.is_alphanumeric()) {
                self.mark_camel_parts(word, found);
            }
        }
    }

    /// Marks in `found` the question's terms among the words of a name written in lower camel case
    /// (`readFile` holds "read" and "file", `gc.reflogExpire` "expire"), as functions, properties
    /// and settings are: a text names what the question says in words. Not a capitalised one: a
    /// brand or a class is one name (`PostgreSQL` does not say "SQL", `OrderedDict` not "order").
    fn mark_camel_parts(&self, word: &str, found: &mut [bool]) {
        if !word.starts_with(|c: char| c.is_lowercase()) || !has_camel(word) {
            return;
        }
        let parts = camel_parts(word);
        if parts.len() > 1 {
            for part in parts {
                indexer::lexical::analyze_each(part, |term| self.mark_term(found, term));
            }
        }
    }

    /// Marks `term` in `found` if it is one of the question's.
    pub(crate) fn mark_term(&self, found: &mut [bool], term: &str) {
        let at = |term: &str| self.terms.iter().position(|(t, _)| t == term);
        // `max` holds "maximum" ([`indexer::lexical::aliases`]).
        if let Some(i) = at(term).or_else(|| {
            indexer::lexical::aliases(term)
                .iter()
                .find_map(|alias| at(alias))
        }) {
            found[i] = true;
        }
    }

    /// Which of the question's terms are in `terms`.
    pub(crate) fn found_among(&self, terms: &HashSet<String>) -> Vec<bool> {
        self.terms.iter().map(|(t, _)| terms.contains(t)).collect()
    }

    /// The share of the question's weight, by [`Self::found_weights`], that falls on words no
    /// passage holds, leaving out the terms marked in `except`.
    pub(crate) fn unknown_share(&self, except: &[bool]) -> f32 {
        let (mut unknown, mut total) = (0.0, 0.0);
        for (i, w) in self.found_weights.iter().enumerate() {
            if except.get(i).is_some_and(|e| *e) {
                continue;
            }
            total += w;
            if self.unknown[i] {
                unknown += w;
            }
        }
        if total > 0.0 {
            unknown / total
        } else {
            0.0
        }
    }

    /// Returns the weight share of the question's terms marked in `found` and in none of `except`.
    pub(crate) fn weight(&self, found: &[bool], except: &[&[bool]]) -> f32 {
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

/// Each term of `question` with the idf the question's words for it have in English text cut into
/// passages as long as the index's: `None` when one of those words is not common in English (a
/// name, a term of art), which English then says nothing about.
fn english_idf(question: &str) -> HashMap<String, Option<f32>> {
    let mut idf: HashMap<String, Option<f32>> = HashMap::new();
    for word in question.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        let english = english::idf(&word, indexer::chunk::TARGET_WORDS as f32);
        for term in indexer::lexical::analyze(&word) {
            let known = idf.entry(term).or_insert(english);
            *known = known.zip(english).map(|(a, b)| a.max(b));
        }
    }
    idf
}

/// The terms of the question's words written with a capital that do not open it: names ("France",
/// "Normans"), which English frequencies say nothing about.
fn capitalised_terms(question: &str) -> HashSet<String> {
    question
        .split_whitespace()
        .skip(1)
        .filter(|w| w.starts_with(|c: char| c.is_uppercase()))
        .flat_map(indexer::lexical::analyze)
        .collect()
}

/// The first letters every word that analyses to `term` starts with: its first four, less a final
/// letter the stemmer may have made when the term is that short: an `i` from a `y` ("only" is
/// `onli`), an `e` it added ("using" is `use`).
fn first_letters(term: &str) -> String {
    let prefix: String = term.chars().take(4).collect();
    match prefix.strip_suffix(['i', 'e']) {
        Some(shorter) if prefix.len() == term.len() && shorter.len() >= 2 => shorter.to_string(),
        _ => prefix,
    }
}

/// Finds the first letters of a query's terms (see [`QueryTerms::prefix_finder`]).
pub(crate) struct PrefixFinder(Option<aho_corasick::AhoCorasick>);

impl PrefixFinder {
    /// Where the first letters of the query's terms occur in `text`.
    pub(crate) fn spans(&self, text: &str) -> PrefixSpans {
        let Some(matcher) = &self.0 else {
            return PrefixSpans(None);
        };
        let mut spans: Vec<(usize, usize)> = matcher
            .find_overlapping_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect();
        spans.sort_unstable();
        PrefixSpans(Some(spans))
    }
}

/// The places in a text where the first letters of a query's terms occur, sorted by start
/// (`None`: not known, any span may hold one).
pub(crate) struct PrefixSpans(Option<Vec<(usize, usize)>>);

impl PrefixSpans {
    /// Returns true if the byte range `start..end` of the text may hold a term (false means none).
    pub(crate) fn within(&self, start: usize, end: usize) -> bool {
        let Some(spans) = &self.0 else {
            return true;
        };
        let from = spans.partition_point(|(s, _)| *s < start);
        spans[from..]
            .iter()
            .take_while(|(s, _)| *s < end)
            .any(|(_, e)| *e <= end)
    }
}

impl PrefixSpans {
    /// The question's terms in the byte range `start..end` of `text` (the text these spans were
    /// found in), as [`QueryTerms::found_in`] finds them, analysing only the words where a term's
    /// first letters occur.
    pub(crate) fn found_in(
        &self,
        query: &QueryTerms,
        text: &str,
        start: usize,
        end: usize,
    ) -> Vec<bool> {
        let Some(spans) = &self.0 else {
            return query.found_in(&text[start..end]);
        };
        let mut found = vec![false; query.terms.len()];
        let bytes = text.as_bytes();
        let mut last_word = usize::MAX;
        let from = spans.partition_point(|(s, _)| *s < start);
        for &(s, e) in spans[from..].iter().take_while(|(s, _)| *s < end) {
            if e > end {
                continue;
            }
            // The word the first letters are in: the prefixes are ASCII, so the word's bounds
            // are found byte by byte (a non-ASCII letter is part of the word too).
            let word_char = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
            let mut a = s;
            while a > start && word_char(bytes[a - 1]) {
                a -= 1;
            }
            if a == last_word {
                continue;
            }
            last_word = a;
            let mut b = e;
            while b < end && word_char(bytes[b]) {
                b += 1;
            }
            indexer::lexical::analyze_each(&text[a..b], |term| query.mark_term(&mut found, term));
            query.mark_camel_parts(&text[a..b], &mut found);
        }
        query.mark_compounds(&text[start..end], &mut found);
        found
    }
}

/// Returns true if `text` holds a lower-case ASCII letter followed by an upper-case one (`dF` of
/// `readFile`): where a camel-case name may be.
fn has_camel(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}

/// The words of a camel-case name (`TaskGroup` is `Task`, `Group`; `BaseExceptionGroup` three),
/// split before each capital that follows a lower-case letter; one word for any other word.
fn camel_parts(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut from = 0;
    let mut prev_lower = false;
    for (i, c) in word.char_indices() {
        if c.is_uppercase() && prev_lower {
            parts.push(&word[from..i]);
            from = i;
        }
        prev_lower = c.is_lowercase();
    }
    parts.push(&word[from..]);
    parts
}

/// The words of `text` written with an underscore (`work_mem`, `maintenance_work_mem`), lowercased.
fn underscored(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.contains('_') && w.chars().any(char::is_alphanumeric))
        .map(|w| w.trim_matches('_').to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::QueryTerms;

    /// On a manual that says "dependency" on every page and "made" on one, the question's "made"
    /// weighs no more than it does in English, while a name English does not know keeps the
    /// site's weight.
    #[test]
    fn everyday_words_weigh_no_more_than_in_english() {
        let mut pages = vec![(
            "Features",
            "A feature made an optional dependency; set rustflags there.",
        )];
        pages.extend(std::iter::repeat_n(
            ("Dependencies", "Each dependency is built once."),
            300,
        ));
        let (_dir, index) = crate::test_support::index_of(&pages);
        let query = QueryTerms::new(&index, "what made the rustflags dependency");
        let weight = |term: &str| {
            let (_, w) = query.terms.iter().find(|(t, _)| t == term).expect(term);
            *w
        };
        let english = super::english::idf("made", indexer::chunk::TARGET_WORDS as f32);
        let english = english.expect("a common English word");
        assert!(index.idf("made").expect("on the site") > english);
        assert_eq!(weight("made"), english);
        assert_eq!(
            weight("rustflag"),
            index.idf("rustflag").expect("on the site")
        );
        assert!(super::english::idf("rustflags", 180.0).is_none());
        assert!(weight("depend") < weight("made"), "the site's common word");
    }

    /// Whether anything was found weighs the site's everyday words as English does, but a name
    /// (written with a capital inside the question) keeps the site's weight: "France" is common
    /// English, and a site that mentions it once has nothing on "the capital of France".
    #[test]
    fn found_weights_cap_everyday_words_but_not_names() {
        let mut pages = vec![
            ("Locales", "Made for France and its locale."),
            ("Strings", "Capitalize a string."),
        ];
        pages.extend(std::iter::repeat_n(
            ("Topics", "Each topic is built once."),
            300,
        ));
        let (_dir, index) = crate::test_support::index_of(&pages);
        let query = QueryTerms::new(&index, "Who made the locale of France");
        let found = |term: &str| {
            let i = query.terms.iter().position(|(t, _)| t == term).expect(term);
            (query.found_weights[i], query.strength_weights[i])
        };
        let english = super::english::idf("made", indexer::chunk::TARGET_WORDS as f32);
        let (made, site) = found("made");
        assert!(site > made && made == english.expect("a common English word"));
        let (france, site) = found("franc");
        assert!(super::english::idf("france", 180.0).is_some_and(|e| e < site));
        assert_eq!(france, site, "a name keeps the site's weight");
    }

    #[test]
    fn a_longer_name_does_not_hold_the_name() {
        let (_dir, index) = crate::test_support::index_of(&[
            ("work_mem", "Sets the memory of a sort."),
            ("maintenance_work_mem", "Sets the memory of maintenance."),
        ]);
        let query = QueryTerms::new(&index, "default value of work_mem");
        let longer = "It defaults to the value of maintenance_work_mem.";
        let mut found = query.found_in(longer);
        let parts = found.iter().filter(|f| **f).count();
        query.drop_partial_names(longer, &mut found);
        assert_eq!(found.iter().filter(|f| **f).count(), parts - 2, "work, mem");
        let exact = "The default value of work_mem is four megabytes.";
        let mut found = query.found_in(exact);
        let before = found.clone();
        query.drop_partial_names(exact, &mut found);
        assert_eq!(found, before);
    }

    /// API names abbreviate "maximum" (`max_connections`, `u64::MAX`): a question that says
    /// "maximum" finds a passage that only writes `max`, and the name holds the question's word.
    #[test]
    fn an_abbreviation_in_a_name_holds_the_word() {
        let (_dir, index) = crate::test_support::index_of(&[
            (
                "Connections",
                "max_connections (integer) Determines how many clients connect.",
            ),
            ("Other", "Clients connect to the server."),
        ]);
        let hits = index
            .search(&indexer::lexical::SearchQuery::parse("maximum clients"), 2)
            .expect("search");
        assert_eq!(hits[0].title, "Connections", "{hits:?}");
        let query = QueryTerms::new(&index, "maximum clients");
        let text = "max_connections (integer)";
        assert!(query.found_in(text)[0], "{:?}", query.terms);
        let finder = query.prefix_finder();
        let spans = finder.spans(text);
        assert_eq!(
            spans.found_in(&query, text, 0, text.len()),
            query.found_in(text)
        );
    }

    /// An abbreviation counts as the word, never for more: a passage that only writes the rarer
    /// `env` (`rustc-env`) does not outrank one that says "environment".
    #[test]
    fn an_abbreviation_weighs_no_more_than_the_word() {
        let mut pages = vec![
            (
                "Env",
                "The rustc-env instruction sets a variable for the build.",
            ),
            ("Environment", "The environment variable sets the build."),
        ];
        pages.extend(
            ["Clean", "Inherited", "Printed"].map(|t| (t, "The environment of the build.")),
        );
        let (_dir, index) = crate::test_support::index_of(&pages);
        let hits = index
            .search(
                &indexer::lexical::SearchQuery::parse("environment variable"),
                2,
            )
            .expect("search");
        assert_eq!(hits[0].title, "Environment", "{hits:?}");
        assert_eq!(
            hits[1].title, "Env",
            "the abbreviation still finds it: {hits:?}"
        );
    }

    /// The terms found where their first letters are are the terms of the whole text, also for
    /// words the stemmer shortened or changed at the end ("only" is `onli`, "using" is `use`).
    #[test]
    fn terms_are_found_where_their_first_letters_are() {
        let (_dir, index) = crate::test_support::index_of(&[(
            "Tests",
            "Run only the documentation tests using cargo test.",
        )]);
        let query = QueryTerms::new(&index, "only using documentation tests, running copies");
        let finder = query.prefix_finder();
        for text in [
            "Run only the documentation tests using cargo test.",
            "You can copy it; the only way is to run it.",
            "Nothing about it here.",
            "Documentation: see the uncopied tests",
        ] {
            let spans = finder.spans(text);
            for (start, end) in [(0, text.len()), (4, text.len() - 3)] {
                assert_eq!(
                    spans.found_in(&query, text, start, end),
                    query.found_in(&text[start..end]),
                    "{:?}",
                    &text[start..end]
                );
            }
        }
    }

    /// A function or setting named in lower camel case (`readFile`, `gc.reflogExpire`) holds the
    /// words of the question it is written with; a capitalised brand or class does not
    /// (`PostgreSQL` is not "SQL").
    #[test]
    fn a_lower_camel_case_name_holds_its_words() {
        let (_dir, index) = crate::test_support::index_of(&[(
            "Files",
            "fsPromises.readFile reads a file. PostgreSQL speaks SQL. Expiry.",
        )]);
        let query = QueryTerms::new(&index, "read a file with promises in SQL");
        let term = |t: &str| {
            query
                .terms
                .iter()
                .position(|(q, _)| q == t)
                .expect("a term")
        };
        let finder = query.prefix_finder();
        for (text, words, holds) in [
            (
                "fsPromises.readFile(path)",
                &["read", "file", "promis"][..],
                true,
            ),
            ("PostgreSQL", &["sql"][..], false),
            ("ReadFile", &["read", "file"][..], false),
        ] {
            let found = query.found_in(text);
            for w in words {
                assert_eq!(found[term(w)], holds, "{text:?} {w}");
            }
            let spans = finder.spans(text);
            assert_eq!(
                spans.found_in(&query, text, 0, text.len()),
                found,
                "{text:?}"
            );
        }
    }

    /// A camel-case name of the question is found where a text writes its words apart, one right
    /// after the other; the same whichever way the text is read.
    #[test]
    fn a_camel_case_name_is_found_written_as_words() {
        let (_dir, index) = crate::test_support::index_of(&[(
            "Tasks",
            "The TaskGroup class holds tasks. Groups of tasks.",
        )]);
        let query = QueryTerms::new(&index, "what does a TaskGroup cancel");
        let group = query
            .terms
            .iter()
            .position(|(t, _)| t == "taskgroup")
            .expect("a term");
        let finder = query.prefix_finder();
        for (text, holds) in [
            ("Task Groups", true),
            ("a task-group cancels", true),
            ("asyncio.TaskGroup", true),
            ("tasks in the group", false),
            ("Task. Groups", false),
            ("Groups of tasks", false),
        ] {
            assert_eq!(query.found_in(text)[group], holds, "{text:?}");
            let spans = finder.spans(text);
            assert_eq!(
                spans.found_in(&query, text, 0, text.len()),
                query.found_in(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn prefix_spans_find_terms_case_insensitively_within_a_range() {
        let (_dir, index) = crate::test_support::index_of(&[("Pages", "Crawling pages politely.")]);
        let query = QueryTerms::new(&index, "crawler politeness");
        let text = "Nothing here. The CRAWLER waits. Be polite.";
        let spans = query.prefix_finder().spans(text);
        let at = |s: &str| text.find(s).expect("in text");
        assert!(!spans.within(0, at("The")), "no term's first letters");
        assert!(spans.within(at("The"), at(" Be")), "CRAWLER");
        assert!(spans.within(at("Be"), text.len()), "polite");
        assert!(
            !spans.within(at("CRAWLER") + 1, at(" Be")),
            "a prefix cut off"
        );
        for (start, end) in [(0, 13), (14, 32), (33, text.len())] {
            assert_eq!(
                spans.within(start, end),
                query.prefixes_in(&text[start..end])
            );
        }
    }
}
