//! How many words a sentence counts as, and whether it is one at all: a table row, an item of a
//! list, a sentence that stands alone (not a fragment, not a line of code).

use indexer::word_count;

/// Most words of a line read whole for the field it ends with ([`is_field`]).
pub(super) const MAX_LINE_WORDS: usize = 70;

/// Returns the word count of a list item ([`is_lowercase_item`]) that can stand alone in an
/// answer, as a sentence can ([`standalone_words`]) but for its lower-case opening.
pub(super) fn item_words(text: &str) -> Option<usize> {
    sentence_words(text, true)
}

/// Fewest words of a sentence that says what it is about. A shorter one that states a default
/// ("Defaults to 4093.") has no subject but what the sentence before it describes ("Warn if cookie
/// headers are larger than this many bytes."): it is read and quoted with that sentence.
pub(super) const SHORTEST_SENTENCE: usize = 4;

/// Returns true if `text` opens with "Default" and states a value: "Defaults to 4093.", "Default
/// is 30 seconds.".
pub(super) fn states_short_default(text: &str) -> bool {
    text.get(..7)
        .is_some_and(|w| w.eq_ignore_ascii_case("default"))
        && super::intent::holds_value(text)
}

/// Returns the word count of a table row that can be quoted as a statement, or `None`.
pub(super) fn row_words(text: &str) -> Option<usize> {
    let words = word_count(text);
    (3..=70).contains(&words).then_some(words)
}

/// Returns the word count of a sentence that can stand alone in an answer, or `None`.
pub(super) fn standalone_words(text: &str) -> Option<usize> {
    sentence_words(text, false)
}

/// [`standalone_words`], or [`item_words`] when `lower_case` (the text may open with a lower-case
/// word: everything else is judged as if it opened with a capital).
pub(super) fn sentence_words(text: &str, lower_case: bool) -> Option<usize> {
    // A sentence starts with a capital, a number, a quote or an identifier (`f.read()`, `sys.path`):
    // a lowercase word is the tail of a sentence the splitter cut wrongly.
    let first_word = text.split_whitespace().next()?;
    let first = first_word.chars().next()?;
    let identifier = first_word.contains(['(', '.', '_']) && !first_word.ends_with('.');
    if !(first.is_uppercase()
        || (lower_case && first.is_lowercase())
        || first.is_numeric()
        || matches!(first, '"' | '`' | '“')
        || identifier)
    {
        return None;
    }
    // A prompt, or a statement followed by its comment (`s.push_str(", world!"); // appends …`),
    // is code.
    if text.starts_with(">>>") || text.starts_with("$ ") || text.contains("; //") {
        return None;
    }
    // The words, and the letters among the visible characters, in one pass (every sentence an
    // answer reads comes here).
    let (mut words, mut visible, mut letters, mut in_word) = (0usize, 0usize, 0usize, false);
    for c in text.chars() {
        if c.is_whitespace() {
            in_word = false;
            continue;
        }
        if !in_word {
            in_word = true;
            words += 1;
            if words > 70 {
                return None;
            }
        }
        visible += 1;
        letters += usize::from(c.is_alphabetic());
    }
    // A short sentence is a fragment, unless it states a default ("Defaults to 4093." under
    // `MAX_COOKIE_SIZE`), which is read with the sentence before it.
    if words < SHORTEST_SENTENCE && !(words >= 2 && states_short_default(text)) {
        return None;
    }
    // A cross-reference ("See global interpreter lock.") says nothing by itself.
    // (An item opens in lower case: "see …" as the sentence's "See …".)
    let see = first_word == "See"
        || text.starts_with("See also")
        || (lower_case && (first_word == "see" || text.starts_with("see also")));
    if words <= 8 && see {
        return None;
    }
    if (letters as f32) < 0.65 * visible as f32 {
        return None;
    }
    Some(words)
}
