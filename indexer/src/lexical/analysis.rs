//! Text analysis, the same for the index and for everything that measures text against it
//! (snippets, answers, their checks): words split, lowercased, English stop words out, Snowball
//! stemming.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

/// Lucene's English stop words plus the question and function words of natural-language questions
/// ("how do I …", "what does … do"), which would otherwise match every heading that asks a question.
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with", "what", "which", "who", "whom", "whose", "why",
    "how", "when", "where", "do", "does", "did", "doing", "done", "i", "me", "my", "we", "our",
    "you", "your", "he", "she", "him", "her", "its", "can", "could", "should", "would", "shall",
    "may", "might", "must", "am", "been", "being", "were", "has", "have", "had", "having", "some",
    "any", "so", "than", "too", "very", "just", "about", "from", "up", "out", "also", "s", "t",
    "many", "much",
];

pub(super) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| w.to_string()),
        ))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Words analysed per thread before the cache starts again (a few MB at most).
const WORD_CACHE: usize = 100_000;

/// Words that API names abbreviate, each with its abbreviation, as analysed terms (stems): `max`
/// for "maximum" (`max_connections`, `u64::MAX`, `MAX_CONTENT_LENGTH`), `env` for "environment"
/// (`std::env::var`, `os.environ`), `dir` for "directory" (`mkdir`'s `--parents`, `std::fs::read_dir`),
/// `arg` for "argument", `config` for "configuration", `len` for "length".
const ABBREVIATIONS: &[[&str; 2]] = &[
    ["maximum", "max"],
    ["minimum", "min"],
    ["environ", "env"],
    ["directori", "dir"],
    ["argument", "arg"],
    ["configur", "config"],
    ["length", "len"],
];

/// Terms that name the same thing as `term` where API names abbreviate it ([`ABBREVIATIONS`]), in
/// both directions: a query with one finds passages with the other.
pub fn aliases(term: &str) -> &'static [&'static str] {
    for pair in ABBREVIATIONS {
        match pair.iter().position(|t| *t == term) {
            Some(0) => return &pair[1..],
            Some(_) => return &pair[..1],
            None => {}
        }
    }
    &[]
}

/// Analyses `text` as the index does (see [`analyzer`]). Snippets, answers and their checks analyse
/// every sentence they look at, and stemming is what that costs most: each thread splits the text
/// into words itself and remembers what each word analysed to (nothing, for a stop word).
pub fn analyze(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    analyze_each(text, |term| out.push(term.to_string()));
    out
}

/// Calls `each` with every term of `text`, as [`analyze`] returns them, without allocating them.
pub fn analyze_each(text: &str, mut each: impl FnMut(&str)) {
    struct Cache {
        words: TextAnalyzer,
        full: TextAnalyzer,
        seen: rustc_hash::FxHashMap<String, Option<String>>,
    }
    thread_local! {
        static CACHE: std::cell::RefCell<Cache> = std::cell::RefCell::new(Cache {
            words: TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .build(),
            full: analyzer(),
            seen: rustc_hash::FxHashMap::default(),
        });
    }
    CACHE.with_borrow_mut(|cache| {
        let Cache { words, full, seen } = cache;
        if seen.len() > WORD_CACHE {
            seen.clear();
        }
        let mut stream = words.token_stream(text);
        while stream.advance() {
            let word = &stream.token().text;
            if let Some(known) = seen.get(word) {
                if let Some(term) = known {
                    each(term);
                }
                continue;
            }
            let mut one = full.token_stream(word);
            let term = one.advance().then(|| one.token().text.clone());
            if let Some(term) = &term {
                each(term);
            }
            seen.insert(word.clone(), term);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each abbreviation pair is written as the analyser writes the words (stems), so that a
    /// query's term finds it: "environments" and `env` are one pair.
    #[test]
    fn abbreviations_are_written_as_analysed_terms() {
        for (word, short) in [
            ("maximum", "max"),
            ("minimum", "min"),
            ("environments", "env"),
            ("directory", "dir"),
            ("arguments", "args"),
            ("configuration", "config"),
            ("length", "len"),
        ] {
            let (word, short) = (analyze(word), analyze(short));
            assert_eq!(aliases(&word[0]), &[short[0].as_str()], "{word:?}");
            assert_eq!(aliases(&short[0]), &[word[0].as_str()], "{short:?}");
        }
        assert!(aliases("directed").is_empty());
    }
}
