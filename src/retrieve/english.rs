//! How common a word is in English at large, so that a question's everyday words ("asks",
//! "everywhere", "made") do not weigh like a site's rarest terms just because a manual seldom
//! phrases things that way.
//!
//! The frequencies are wordfreq's small English list (28,917 words, Zipf scale: log10 of a word's
//! occurrences per billion words), by Robyn Speer, CC BY-SA 4.0, with the credits in
//! `english-frequencies.NOTICE.md`; the data file stays under that license.

use std::collections::HashMap;
use std::sync::LazyLock;

/// One line per frequency: the Zipf value, then the words that have it (the first line is the
/// file's source and license).
static LIST: &str = include_str!("english-frequencies.txt");

static ZIPF: LazyLock<HashMap<&'static str, f32>> = LazyLock::new(|| {
    let mut map = HashMap::with_capacity(30_000);
    for line in LIST.lines() {
        let mut words = line.split(' ');
        let Some(zipf) = words.next().and_then(|z| z.parse::<f32>().ok()) else {
            continue;
        };
        for word in words {
            map.entry(word).or_insert(zipf);
        }
    }
    map
});

/// The idf `word` would have in English text cut into passages of `passage_words` words, or `None`
/// when the word is not among English's common words (then English says nothing against it).
pub fn idf(word: &str, passage_words: f32) -> Option<f32> {
    let zipf = *ZIPF.get(word)?;
    let per_word = 10f32.powf(zipf - 9.0);
    let in_passage = 1.0 - (1.0 - per_word).powf(passage_words);
    Some((1.0 + (1.0 - in_passage) / in_passage).ln())
}
