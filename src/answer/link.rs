//! Deep links to a passage with URL text fragments (`#:~:text=start,end`).
//!
//! Browsers that support text fragments scroll to and highlight the quoted words; others open the page.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but unreserved characters is encoded; `-`, `,` and `&` are text-fragment syntax.
const FRAGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'_').remove(b'~');

/// Words quoted at each end of a long passage.
const EDGE_WORDS: usize = 5;

/// Returns `url` with a text fragment that selects `quote` (its first sentence-like line).
pub fn deep_link(url: &str, quote: &str) -> String {
    let base = url.split('#').next().unwrap_or(url);
    let words: Vec<&str> = quote.split_whitespace().collect();
    if words.is_empty() {
        return base.to_string();
    }
    let directive = if words.len() <= 2 * EDGE_WORDS {
        encode(&words.join(" "))
    } else {
        let start = words[..EDGE_WORDS].join(" ");
        let end = words[words.len() - EDGE_WORDS..].join(" ");
        format!("{},{}", encode(&start), encode(&end))
    };
    format!("{base}#:~:text={directive}")
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, FRAGMENT).to_string()
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
}
