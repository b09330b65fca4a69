//! Follow-up questions, without a model: "and its maximum?" after "default value of work_mem" is
//! asked as "and its maximum? (work_mem)". A question that leans on the one before (a pronoun, a
//! leading "and", "what about …", or almost no words of its own) gets the rarest words of the previous
//! question that it lacks; a question that stands alone is asked as it is.

use std::collections::HashSet;

use indexer::LexicalIndex;

use super::terms::QueryTerms;

/// Words that point back at what was asked before.
const ANAPHORS: &[&str] = &[
    "it", "its", "it's", "this", "that", "these", "those", "they", "them", "their", "there", "one",
    "ones", "same",
];
/// Openings of a question that continues the one before.
const CONTINUATIONS: &[&str] = &["and ", "what about", "how about", "also ", "but ", "or "];
/// A question with at most this many terms of its own is read as a follow-up.
const FEW_TERMS: usize = 1;
/// Words carried over at most, and how rare they must be next to the rarest (share of its idf).
const CARRIED: usize = 2;
const RARE_ENOUGH: f32 = 0.6;

/// The standalone form of `question` given the `previous` questions (oldest first), when it is a
/// follow-up and the previous one adds something; `None` when it stands alone.
pub fn rewrite(index: &LexicalIndex, question: &str, previous: &[String]) -> Option<String> {
    let before = previous.iter().rev().find(|p| !p.trim().is_empty())?;
    let lower = question.trim().to_lowercase().replace('’', "'");
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let own = QueryTerms::new(index, question);
    let leans = words.iter().any(|w| ANAPHORS.contains(w))
        || CONTINUATIONS.iter().any(|c| lower.starts_with(c))
        || own.terms.len() <= FEW_TERMS;
    if !leans {
        return None;
    }
    let mine: HashSet<&str> = own.terms.iter().map(|(t, _)| t.as_str()).collect();
    let theirs = QueryTerms::new(index, before);
    let rarest = theirs.terms.iter().map(|(_, w)| *w).fold(0.0_f32, f32::max);
    let mut carried: Vec<(&str, f32)> = theirs
        .terms
        .iter()
        .filter(|(t, w)| !mine.contains(t.as_str()) && *w >= RARE_ENOUGH * rarest)
        .map(|(t, w)| (t.as_str(), *w))
        .collect();
    carried.sort_by(|a, b| b.1.total_cmp(&a.1));
    carried.truncate(CARRIED);
    if carried.is_empty() {
        return None;
    }
    // The previous question's own words for those terms, in its order.
    let keep: HashSet<&str> = carried.iter().map(|(t, _)| *t).collect();
    let mut shown: Vec<&str> = Vec::new();
    for word in before.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
        if index
            .analyze(word)
            .iter()
            .any(|t| keep.contains(t.as_str()))
            && !shown.contains(&word)
        {
            shown.push(word);
        }
    }
    if shown.is_empty() {
        return None;
    }
    Some(format!("{} ({})", question.trim(), shown.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::index_of;

    #[test]
    fn a_follow_up_carries_the_rare_words_of_the_question_before() {
        let (_dir, index) = index_of(&[
            (
                "work_mem",
                "Sets the base maximum amount of memory. The default value is four megabytes.",
            ),
            (
                "shared_buffers",
                "Sets the amount of memory the server uses. The default value is 128MB.",
            ),
            (
                "Glossary",
                "A value is a default of the memory of a server.",
            ),
        ]);
        let before = vec!["default value of work_mem".to_string()];
        assert_eq!(
            rewrite(&index, "and its maximum?", &before).as_deref(),
            Some("and its maximum? (work_mem)")
        );
        // A question that stands alone is asked as it is.
        assert_eq!(
            rewrite(&index, "How much memory does shared_buffers use?", &before),
            None
        );
        // No previous question, nothing to carry.
        assert_eq!(rewrite(&index, "and its maximum?", &[]), None);
    }
}
