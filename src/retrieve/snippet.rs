//! Search-result snippets: the part of a passage that shows why it matched.

use std::collections::HashSet;

use indexer::{sentence_spans, SearchHit};

use super::terms::QueryTerms;

/// A result's extract, and the sentence it starts with (verbatim page text, within one line: what a
/// link to the result scrolls to).
pub struct Snippet<'a> {
    pub text: String,
    pub first: &'a str,
}

/// Returns a short extract of `hit` around the query's terms, for a results list: from the sentence
/// that covers most of the query (the first such; the passage's first sentence if none does) on.
pub fn snippet<'a>(query: &QueryTerms, hit: &'a SearchHit) -> Snippet<'a> {
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
    let mut first = "";
    'lines: for (line_start, line) in lines(text) {
        if line_start + line.len() < from {
            continue;
        }
        let skip = from.saturating_sub(line_start);
        let line = &line[..floor_char_boundary(line, skip + 4 * MAX_CHARS)];
        for (s, e) in sentence_spans(&line[skip..]) {
            let sentence = &line[skip + s..skip + e];
            if out.is_empty() {
                first = sentence;
            } else {
                out.push(' ');
            }
            out.push_str(sentence);
            if out.chars().count() >= MAX_CHARS / 2 {
                break 'lines;
            }
        }
    }
    Snippet {
        text: truncate(&out, MAX_CHARS),
        first,
    }
}

/// The largest char boundary of `s` at or before `i` (`s.len()` past its end).
fn floor_char_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    (0..=i).rev().find(|&j| s.is_char_boundary(j)).unwrap_or(0)
}

/// The lines of `text` with their byte offsets.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
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
    fn truncates_at_words() {
        assert_eq!(truncate("alpha beta gamma", 12), "alpha beta …");
        assert_eq!(truncate("short", 12), "short");
    }
}
