//! What a sentence is read and quoted with besides itself: the run of sentences its "This" or
//! "These" refers back to, the lines or listing its colon introduces, a formula it breaks off
//! before.

use indexer::word_count;

use super::intent::says_literal;
use super::lines::{is_banner, is_label, opens_with_statement, reads_as_prose, Headings};
use super::words::item_words;

/// Words that open a sentence which points back at the one before ("These are known as possessive
/// quantifiers.", "However, unlike …").
pub(super) const BACK_REFERENCES: &[&str] = &[
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
pub(super) const MAX_RUN: usize = 3;

pub(super) fn refers_back(sentence: &str) -> bool {
    // One look at the first six words (and the seventh after "such"): this runs for every
    // sentence an answer reads.
    let mut after_do = false;
    let words: Vec<&str> = sentence.split_whitespace().take(7).collect();
    // A value stated of nothing named ("The default is 5432.", "The maximum value is 64.") is
    // the value of what the sentence before speaks of ("Set NUMBER as the default port number
    // for server and clients.").
    if let ["The", value, rest @ ..] = words.as_slice() {
        let value = ["default", "maximum", "minimum", "limit"].contains(value);
        if value && matches!(rest, ["is", ..] | ["value" | "setting", "is", ..]) {
            return true;
        }
    }
    for (i, w) in words.iter().copied().take(6).enumerate() {
        let bare = w.trim_end_matches(',');
        // "These are …", "However, …", or a demonstrative among the first words: "For this
        // purpose, …", "In that case …".
        if (i == 0 && BACK_REFERENCES.contains(&bare))
            || (i < 3 && matches!(bare, "this" | "these" | "that" | "those" | "such"))
            // A pronoun after an opening phrase: "In the default configuration it must be …".
            || (i < 5 && matches!(bare, "it" | "its" | "they" | "their"))
            // "Such a" further in: "The HEAD in such a state is called \"detached\"." (past the
            // third word "such as" introduces examples, not what came before).
            || (bare == "such" && words.get(i + 1).is_some_and(|n| matches!(*n, "a" | "an")))
            // "Do so" or "do this" stands for what the sentence before says to do: "You can do
            // this using struct update syntax." after "It’s often useful to create a new
            // instance of a struct that includes most of the values from another instance …".
            || (after_do && matches!(w.trim_end_matches([',', '.']), "so" | "this" | "that"))
        {
            return true;
        }
        after_do = ["do", "does", "did", "doing"]
            .iter()
            .any(|d| w.eq_ignore_ascii_case(d));
    }
    false
}

/// Words no sentence ends with: a line that stops on one goes on below it.
pub(super) const OPEN_ENDS: &[&str] = &[
    "if", "and", "or", "than", "to", "of", "the", "a", "an", "by", "with", "is", "are", "as",
    "that", "from", "for", "when", "where", "which", "whether", "using", "use",
];

/// Returns true if `sentence` breaks off on a word no sentence ends with ("For complex numbers,
/// the following ordering is defined: z1 < z2 if and only if", over the lines of the formula): it
/// goes on in the lines below, which it introduces as a colon would.
pub(super) fn breaks_off(sentence: &str) -> bool {
    sentence
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .is_some_and(|last| OPEN_ENDS.contains(&last.to_lowercase().as_str()))
}

/// Returns true if the line after `end` (the end of a sentence that ends its line) is set off as a
/// formula or code: indented, with an operator or bracket (`  abs (z1) < abs (z2)`). Not the next
/// line of prose wrapped in fixed width.
pub(super) fn formula_follows(text: &str, end: usize) -> bool {
    let rest = &text[end..];
    let Some(next) = rest.strip_prefix('\n').and_then(|r| r.lines().next()) else {
        return false;
    };
    next.starts_with([' ', '\t'])
        && next.contains(['=', '<', '>', '|', '&', '(', '[', '{', '+', '*', '/'])
}

/// Most lines quoted after a sentence that introduces them with a colon. Measured in stop 67
/// (supported / first sentence, eighteen sets lexical, seventeen hybrid) against 3 lines of 30
/// words: 5 / 30 lexical 345 / 249, hybrid 382 / 274; 6 / 45 346 / 250, 382 / 274; 8 / 60 347 /
/// 251, 381 / 275; 8 / 80 346 / 251, 380 / 275; 12 / 100 346 / 252, 379 / 275; 3 / 30 343 / 250,
/// 377 / 275. A listing cut after three lines left out the line that answers (`$ pytest
/// --doctest-modules` after the module it runs, `relayhost` in Postfix's `main.cf` example).
pub(super) const INTRODUCED_LINES: usize = 8;

/// Most words of those lines.
pub(super) const INTRODUCED_WORDS: usize = 60;

/// Returns the end of the lines after `end` (the end of a sentence ending with a colon) that the
/// sentence introduces, when they are short enough to quote with it: the command, setting or value
/// it shows (`[dependencies]` and `gif = { version = "0.11.1", optional = true }` after "This can
/// be expressed like this:"). The first line is always one of them; a line that reads as prose, is
/// a heading or is a console banner ends them.
pub(super) fn introduced_block(text: &str, end: usize, headings: &Headings<'_>) -> Option<usize> {
    let rest = &text[end..];
    let skip = rest.len() - rest.trim_start().len();
    if skip == 0 || !rest[..skip].contains('\n') {
        return None;
    }
    let mut from = end + skip;
    let (mut block_end, mut words) = (None, 0);
    for _ in 0..INTRODUCED_LINES {
        let line_end = text[from..].find('\n').map_or(text.len(), |i| from + i);
        let line = text[from..line_end].trim_end();
        if line.trim().is_empty()
            || (block_end.is_some()
                && (reads_as_prose(line) || headings.contains(line.trim()) || is_banner(line)))
        {
            break;
        }
        words += word_count(line);
        if words > INTRODUCED_WORDS {
            break;
        }
        block_end = Some(from + line.len());
        if line_end >= text.len() {
            break;
        }
        from = line_end + 1;
    }
    block_end
}

/// Returns the end of the listing right after `end` (the end of a sentence that ends its line), up to
/// its last line that states one of `literals` (see [`super::intent::literals`]), within what [`introduced_block`] would quote; `None`
/// when the next line is prose or no line states a literal.
pub(super) fn listing_stating(
    text: &str,
    end: usize,
    headings: &Headings<'_>,
    literals: &[String],
) -> Option<usize> {
    let block_end = introduced_block(text, end, headings)?;
    let first = block_end - text[end..block_end].trim_start().len();
    let mut stated = None;
    let mut from = first;
    for line in text[first..block_end].split_inclusive('\n') {
        let line_end = from + line.trim_end().len();
        if from == first && reads_as_prose(line) {
            return None;
        }
        if says_literal(literals, line) {
            stated = Some(line_end);
        }
        from += line.len();
    }
    stated
}

/// Returns true if the line right after `end` (the end of a sentence that [`breaks_off`] at the end
/// of its line) is what the sentence introduces: code or a short line, neither prose nor a heading
/// ("Associative arrays are created using" over `declare -A name`). A sentence cannot end on such a
/// word, so a short line below is its object, not the term of the next entry. A long line of words
/// is the same paragraph wrapped in fixed width, not a listing.
pub(super) fn goes_on_below(text: &str, end: usize, headings: &Headings<'_>) -> bool {
    let Some(mut lines) = lines_below(text, end) else {
        return false;
    };
    let line = lines.next().unwrap_or("").trim();
    !line.is_empty()
        && !headings.contains(line)
        && !reads_as_prose(line)
        && (word_count(line) <= SHORT_LINE_WORDS
            || line.contains(['=', '(', '{', '[', ';', '<', '>', '|', '$']))
}

/// The lines after `end` when nothing but white space follows it on its line (it ends its line).
fn lines_below(text: &str, end: usize) -> Option<std::str::Lines<'_>> {
    let rest = &text[end..];
    let newline = rest.find('\n').filter(|&i| rest[..i].trim().is_empty())?;
    Some(rest[newline + 1..].lines())
}

/// Most words of a line of words alone read as the object of the sentence above it that breaks
/// off: a longer one is prose wrapped in fixed width.
const SHORT_LINE_WORDS: usize = 6;

/// Returns true if the line right after `end` (the end of a sentence) is code: a shell or
/// interpreter prompt (`$ cargo login`, `>>> import os`) or a line of code that does not read as
/// prose (`lto = false`, `[profile.release]`), not a heading. Not a signature (`make_time(8, 15,
/// 23.5) → 08:15:23.5` in a list of functions).
pub(super) fn code_follows(text: &str, end: usize, headings: &Headings<'_>) -> bool {
    let Some(mut lines) = lines_below(text, end) else {
        return false;
    };
    let line = lines.next().unwrap_or("").trim();
    // A line of prose in lower case (Sphinx's parameter lists: "values (Any) – Values to use for
    // the variable parts of the URL rule. Unknown keys are appended as query string arguments, like
    // ?a=b&c=d.") is no code, whatever symbols it quotes.
    let lower_case_prose = || line.ends_with('.') && item_words(line).is_some();
    if line.is_empty() || headings.contains(line) || reads_as_prose(line) || lower_case_prose() {
        return false;
    }
    if ["$ ", "> ", ">>> ", "% ", "# "]
        .iter()
        .any(|p| line.starts_with(p))
    {
        return true;
    }
    // A label over prose, or last in the passage, opens the next entry of a definition list
    // (`pop [--index] [<stash>]` over "Remove a single stash entry …", psql's `\dy[+] [ pattern ]`
    // over "Lists event triggers."): a term, not code.
    let opens_entry = is_label(line)
        && lines
            .next()
            .is_none_or(|next| reads_as_prose(next) || opens_with_statement(next));
    line.contains(['=', '{', '[', ';']) && !opens_entry
}
