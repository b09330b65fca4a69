//! Deep links to a passage with URL text fragments (`#:~:text=start,end`).
//!
//! Browsers that support text fragments scroll to and highlight the quoted words; others open the page.

use indexer::vector::sentences::{is_table_row, TABLE_CELL};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but unreserved characters is encoded; `-`, `,` and `&` are text-fragment syntax.
const FRAGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'_').remove(b'~');

/// Words quoted at each end of a long passage.
const EDGE_WORDS: usize = 5;
/// A first line shorter than this (a term: `-v`, `%?`, `NULL_GLOB (-G)`) is too common on its page
/// to start the highlight: it is given as the text right before it instead.
const TERM_WORDS: usize = 3;

/// Returns `url` with a text fragment that selects `quote`. A browser matches each of a fragment's
/// start and end within one block of the page, so a quote of several lines (a term and its
/// description, a heading and its first sentence: blocks of their own) or of a table row's cells
/// starts in its first line or cell and ends in its last. A first line of fewer than
/// [`TERM_WORDS`] words is the prefix of the line after it: alone it would be matched wherever the
/// page names it first (`-v` among a command's options).
pub fn deep_link(url: &str, quote: &str) -> String {
    let base = url.split('#').next().unwrap_or(url);
    // The quote's blocks: its lines, and a table row's cells.
    let blocks: Vec<Vec<&str>> = quote
        .lines()
        .flat_map(|line| {
            if is_table_row(line) {
                line.split(TABLE_CELL.trim()).collect()
            } else {
                vec![line]
            }
        })
        .map(|block| block.split_whitespace().collect::<Vec<_>>())
        .filter(|words| !words.is_empty())
        .collect();
    let directive = match blocks.as_slice() {
        [] => return base.to_string(),
        [term, rest @ ..] if !rest.is_empty() && term.len() < TERM_WORDS => {
            format!("{}-,{}", encode(tail(term)), span(rest))
        }
        blocks => span(blocks),
    };
    format!("{base}#:~:text={directive}")
}

/// The start and end of a fragment that selects `blocks` (at least one): a short single block
/// whole, else the first words of the first and the last words of the last.
fn span(blocks: &[Vec<&str>]) -> String {
    match blocks {
        [only] if only.len() <= 2 * EDGE_WORDS => encode(only),
        [first, ..] => {
            let last = &blocks[blocks.len() - 1];
            format!("{},{}", encode(head(first)), encode(tail(last)))
        }
        [] => String::new(),
    }
}

/// The first words of a line, at most [`EDGE_WORDS`].
fn head<'a>(words: &'a [&'a str]) -> &'a [&'a str] {
    &words[..words.len().min(EDGE_WORDS)]
}

/// The last words of a line, at most [`EDGE_WORDS`].
fn tail<'a>(words: &'a [&'a str]) -> &'a [&'a str] {
    &words[words.len().saturating_sub(EDGE_WORDS)..]
}

fn encode(words: &[&str]) -> String {
    utf8_percent_encode(&words.join(" "), FRAGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_quote_is_whole_long_quote_is_start_end() {
        assert_eq!(
            deep_link("http://h/p#old", "Use a, b-c & d."),
            "http://h/p#:~:text=Use%20a%2C%20b%2Dc%20%26%20d."
        );
        let long = "one two three four five six seven eight nine ten eleven twelve";
        assert_eq!(
            deep_link("http://h/p", long),
            "http://h/p#:~:text=one%20two%20three%20four%20five,eight%20nine%20ten%20eleven%20twelve"
        );
        assert_eq!(deep_link("http://h/p", "  "), "http://h/p");
    }

    /// Each end of a fragment is matched within one block of the page: a quote of several lines
    /// starts in its first line and ends in its last, and a term too short to be found where it is
    /// meant (`-v` is on the page many times) is the prefix of the line after it.
    #[test]
    fn a_quote_of_several_lines_is_matched_line_by_line() {
        assert_eq!(
            deep_link("http://h/p", "5.1 Startup/Shutdown Files\nCommands are first read from /etc/zsh/zshenv; this cannot be overridden."),
            "http://h/p#:~:text=5.1%20Startup%2FShutdown%20Files,%2Fetc%2Fzsh%2Fzshenv%3B%20this%20cannot%20be%20overridden."
        );
        assert_eq!(
            deep_link("http://h/p", "NULL_GLOB (-G)\nIf a pattern has no matches, delete it."),
            "http://h/p#:~:text=NULL_GLOB%20%28%2DG%29-,If%20a%20pattern%20has%20no%20matches%2C%20delete%20it."
        );
        assert_eq!(
            deep_link("http://h/p", "-v\nSelects keymap viins for any operations by the current command, and also links viins to main.\nSee above."),
            "http://h/p#:~:text=%2Dv-,Selects%20keymap%20viins%20for%20any,See%20above."
        );
        // A row's cells are blocks too; a bar inside brackets is syntax, not a cell.
        assert_eq!(
            deep_link("http://h/p", "bigint | 8 bytes | large-range integer | -9223372036854775808 to +9223372036854775807"),
            "http://h/p#:~:text=bigint-,8%20bytes,%2D9223372036854775808%20to%20%2B9223372036854775807"
        );
        assert_eq!(
            deep_link("http://h/p", "git stash drop [-q | --quiet]"),
            "http://h/p#:~:text=git%20stash%20drop%20%5B%2Dq%20%7C%20%2D%2Dquiet%5D"
        );
    }
}
