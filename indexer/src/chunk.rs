//! Pages → passages.
//!
//! A page is split along its sections (small neighbouring sections are merged) into passages of
//! roughly [`MIN_WORDS`]–[`MAX_WORDS`] words, cut only at sentence boundaries unless a single sentence
//! is longer than the limit. Every [`Chunk`] keeps its page's [`DocId`], its heading path and its byte
//! span in the page's clean text, so an answer can quote and link the exact words.

use unicode_segmentation::UnicodeSegmentation;

use store::{DocId, Section};

pub const MIN_WORDS: usize = 60;
pub const TARGET_WORDS: usize = 180;
pub const MAX_WORDS: usize = 250;

/// A passage of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub doc_id: DocId,
    /// Position of the chunk in its page, from 0.
    pub ordinal: u32,
    pub heading_path: Vec<String>,
    /// Headings of later sections that were merged into this chunk because they were short.
    pub merged_headings: Vec<String>,
    /// Byte span in the page's clean text; `text == page_text[start..end]`.
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "no.", "fig.",
    "cf.", "approx.", "resp.", "ca.", "jr.", "sr.", "inc.", "ltd.", "co.",
];

/// Returns true if `word` is a name's initial ("F." in "John F. Kennedy"), after which a full stop
/// does not end a sentence.
fn is_initial(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(c), Some('.'), None) if c.is_uppercase())
}

/// Returns true if `word`, the last of a sentence piece, ends in a question or exclamation mark
/// (brackets and quotes after it aside: `println!("`): in code the mark is part of a name or an
/// operator (`println!`, the `?` operator, `{:#?}`), and ends no sentence when what follows goes on.
fn ends_in_mark(word: &str) -> bool {
    word.trim_end_matches(['(', '[', '{', ')', ']', '}', '"', '\'', '’', '”'])
        .ends_with(['!', '?'])
}

/// Returns true if a sentence piece goes on from the one before rather than starting a sentence:
/// it opens with a lower-case word, after any opening brackets and quotes ("… uses the ?" with
/// "operator.", "… the way println!" with "should format …").
fn goes_on(piece: &str) -> bool {
    piece
        .chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(char::is_lowercase)
}

/// Returns the byte spans of the sentences of `text`, trimmed, in order. A line break always ends a
/// sentence (the crawler puts one between blocks).
pub fn sentence_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        let mut glue = false;
        // Where the piece before ended, when on a question or exclamation mark.
        let mut mark_end: Option<usize> = None;
        // Where the piece before ended, when on a full stop.
        let mut stop_end: Option<usize> = None;
        let mut piece = |offset: usize, sentence: &str| {
            let trimmed = sentence.trim();
            if trimmed.is_empty() {
                return;
            }
            let lead = sentence.len() - sentence.trim_start().len();
            let start = line_start + offset + lead;
            let end = start + trimmed.len();
            // A mark followed by more of the same word (`println!("…")`) or by a lower-case word
            // is code or a name, not the end of a sentence.
            // A full stop with no space after it is inside a name (`ctx._AppCtxGlobals`, which
            // UAX #29 breaks before the underscore).
            let dotted = stop_end == Some(start);
            let joins =
                glue || dotted || mark_end.is_some_and(|at| at == start || goes_on(trimmed));
            match spans.last_mut() {
                Some(last) if joins => last.1 = end,
                _ => spans.push((start, end)),
            }
            let last_word = trimmed.rsplit(char::is_whitespace).next().unwrap_or("");
            glue = last_word.ends_with('.')
                && (ABBREVIATIONS
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(last_word))
                    || is_initial(last_word));
            mark_end = ends_in_mark(last_word).then_some(end);
            stop_end = trimmed.ends_with('.').then_some(end);
        };
        // An ASCII line without a terminator is one sentence (see `line_sentences`): no
        // allocation for the most common line of all.
        if line.is_ascii()
            && memchr::memchr3(b'.', b'!', b'?', line.as_bytes()).is_none()
            && !line.contains('\r')
        {
            piece(0, line);
        } else {
            for (offset, sentence) in line_sentences(line) {
                piece(offset, sentence);
            }
        }
        line_start += line.len() + 1;
    }
    spans
}

/// The sentence pieces of one line, exactly as `split_sentence_bound_indices` (UAX #29) gives them,
/// faster. Searches and answers split every line they read, and the Unicode splitter costs a table
/// lookup per character. A break can only follow a terminator (`.`, `!`, `?`, or a non-ASCII one
/// such as `。`) or a paragraph separator, and the rules decide it from the character before the
/// terminator to the first letter after it; so only those windows go through the Unicode splitter.
/// Every non-ASCII character that is not a letter is treated as a possible terminator (closing
/// quotes and `¶` are not, but a window around them finds no break), and a window reaches back to an
/// ASCII character (combining marks take the class of what they follow) and forward to an ASCII
/// letter. A line with a paragraph separator, or where a window would grow past [`MAX_WINDOW`]
/// bytes (text with few ASCII letters), goes through the Unicode splitter whole.
fn line_sentences(line: &str) -> Vec<(usize, &str)> {
    let whole = || line.split_sentence_bound_indices().collect();
    if line.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']) {
        return whole();
    }
    let bytes = line.as_bytes();
    // In an ASCII line only `.`, `!` and `?` can end a sentence: jump from one to the next.
    let ascii = line.is_ascii();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        if ascii {
            match memchr::memchr3(b'.', b'!', b'?', &bytes[i..]) {
                Some(k) => i += k,
                None => break,
            }
        }
        let b = bytes[i];
        let terminator = match b {
            b'.' | b'!' | b'?' => true,
            _ if b.is_ascii() || !line.is_char_boundary(i) => false,
            _ => line[i..].chars().next().is_some_and(|c| !c.is_alphabetic()),
        };
        if !terminator {
            i += 1;
            continue;
        }
        // The two commonest full stops are decided without the splitter: one right before a
        // lower-case letter ends nothing (UAX #29's rule SB8: `os.path`, `e.g.`), one followed by
        // spaces and a capital ends its sentence at the capital (SB11), whatever comes before.
        if b == b'.' {
            if bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase) {
                i += 1;
                continue;
            }
            let capital = i + 1 + bytes[i + 1..].iter().take_while(|&&c| c == b' ').count();
            if capital > i + 1 && bytes.get(capital).is_some_and(u8::is_ascii_uppercase) {
                starts.push(capital);
                i = capital;
                continue;
            }
            // Nor does one that only spaces follow to the end of the line (SB11 breaks before
            // what comes after them, and nothing does).
            if capital == bytes.len() {
                break;
            }
        }
        // Back to the nearest ASCII character before it.
        let from = line[..i]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_ascii())
            .map_or(0, |(at, _)| at);
        let mut letter = i + 1;
        while letter < bytes.len() && !bytes[letter].is_ascii_alphabetic() {
            letter += 1;
        }
        if i - from > MAX_WINDOW || letter - i > MAX_WINDOW {
            return whole();
        }
        let to = (letter + 1).min(bytes.len());
        starts.extend(
            line[from..to]
                .split_sentence_bound_indices()
                .skip(1)
                .map(|(offset, _)| from + offset),
        );
        i = letter;
    }
    starts.dedup();
    starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).copied().unwrap_or(line.len());
            (start, &line[start..end])
        })
        .filter(|(_, piece)| !piece.is_empty())
        .collect()
}

/// The most bytes a window of [`line_sentences`] reaches from its terminator.
const MAX_WINDOW: usize = 64;

/// The words of `text`, as `split_whitespace().count()` counts them, in one branch-light pass
/// (chunking counts every section; answers count every quote they weigh).
pub fn word_count(text: &str) -> usize {
    let (mut words, mut in_word) = (0, false);
    if text.is_ascii() {
        for &b in text.as_bytes() {
            // `char::is_whitespace` for ASCII: tab to carriage return, and space.
            let white = matches!(b, b'\t'..=b'\r' | b' ');
            words += usize::from(!white && !in_word);
            in_word = !white;
        }
    } else {
        for c in text.chars() {
            let white = c.is_whitespace();
            words += usize::from(!white && !in_word);
            in_word = !white;
        }
    }
    words
}

/// Splits one page into chunks.
pub fn chunk_page(doc_id: DocId, text: &str, sections: &[Section]) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for merged in merged_sections(text, sections) {
        chunk_section(doc_id, text, &merged, &mut chunks);
    }
    for (i, c) in chunks.iter_mut().enumerate() {
        c.ordinal = i as u32;
    }
    chunks
}

/// A run of consecutive sections chunked together.
struct Merged {
    path: Vec<String>,
    /// Last headings of the sections after the first.
    merged: Vec<String>,
    start: usize,
    end: usize,
}

/// Merges sections shorter than [`MIN_WORDS`] into the ones that follow them.
fn merged_sections(text: &str, sections: &[Section]) -> Vec<Merged> {
    let mut valid: Vec<&Section> = sections
        .iter()
        .filter(|s| {
            s.start < s.end
                && s.end <= text.len()
                && text.is_char_boundary(s.start)
                && text.is_char_boundary(s.end)
        })
        .collect();
    valid.sort_by_key(|s| s.start);
    if valid.is_empty() && !text.trim().is_empty() {
        return vec![Merged {
            path: Vec::new(),
            merged: Vec::new(),
            start: 0,
            end: text.len(),
        }];
    }
    let mut out: Vec<Merged> = Vec::new();
    let mut open: Option<Merged> = None;
    for s in valid {
        match open.as_mut() {
            Some(m) if word_count(&text[m.start..m.end]) < MIN_WORDS && s.start >= m.end => {
                m.end = s.end;
                m.merged.extend(s.heading_path.last().cloned());
            }
            _ => {
                out.extend(open.take());
                open = Some(Merged {
                    path: s.heading_path.clone(),
                    merged: Vec::new(),
                    start: s.start,
                    end: s.end,
                });
            }
        }
    }
    if let Some(last) = open {
        // A short tail joins the section before it when that keeps the passage within bounds.
        match out.last_mut() {
            Some(prev)
                if word_count(&text[last.start..last.end]) < MIN_WORDS
                    && word_count(&text[prev.start..last.end]) <= MAX_WORDS =>
            {
                prev.end = last.end;
                prev.merged.extend(last.path.last().cloned());
                prev.merged.extend(last.merged);
            }
            _ => out.push(last),
        }
    }
    out
}

fn chunk_section(doc_id: DocId, text: &str, merged: &Merged, out: &mut Vec<Chunk>) {
    let (start, end) = (merged.start, merged.end);
    let section = &text[start..end];
    let mut pieces: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, words), absolute
    for (s, e) in sentence_spans(section) {
        let (s, e) = (start + s, start + e);
        let words = word_count(&text[s..e]);
        if words > MAX_WORDS {
            pieces.extend(split_long(text, s, e));
        } else {
            pieces.push((s, e, words));
        }
    }
    let first_of_section = out.len();
    let mut current: Option<(usize, usize, usize)> = None;
    for (s, e, w) in pieces {
        current = Some(match current {
            Some((cs, _, cw))
                if cw + w <= TARGET_WORDS || (cw < MIN_WORDS && cw + w <= MAX_WORDS) =>
            {
                (cs, e, cw + w)
            }
            Some((cs, ce, _)) => {
                push_chunk(doc_id, text, merged, cs, ce, out);
                (s, e, w)
            }
            None => (s, e, w),
        });
    }
    let Some((cs, ce, cw)) = current else { return };
    // A short remainder joins the previous chunk of this section when that stays within bounds.
    if cw < MIN_WORDS && out.len() > first_of_section {
        let prev = out.last_mut().expect("checked non-empty");
        if word_count(&text[prev.start..ce]) <= MAX_WORDS {
            prev.end = ce;
            prev.text = text[prev.start..ce].to_string();
            return;
        }
    }
    push_chunk(doc_id, text, merged, cs, ce, out);
}

/// Cuts an over-long sentence into pieces of at most [`MAX_WORDS`] words at whitespace.
fn split_long(text: &str, start: usize, end: usize) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut piece_start = start;
    let mut words = 0;
    let mut last_end = start;
    for (i, w) in text[start..end].split_word_bound_indices() {
        if w.trim().is_empty() {
            continue;
        }
        let (ws, we) = (start + i, start + i + w.len());
        if w.chars().any(char::is_alphanumeric) {
            words += 1;
        }
        if words > MAX_WORDS {
            out.push((piece_start, last_end, MAX_WORDS));
            piece_start = ws;
            words = 1;
        }
        last_end = we;
    }
    if last_end > piece_start {
        out.push((piece_start, last_end, words));
    }
    out
}

fn push_chunk(
    doc_id: DocId,
    text: &str,
    merged: &Merged,
    start: usize,
    end: usize,
    out: &mut Vec<Chunk>,
) {
    // Merged headings belong to the chunk only if their section's text is inside it.
    let merged_headings = merged
        .merged
        .iter()
        .filter(|h| text[start..end].contains(h.as_str()))
        .cloned()
        .collect();
    out.push(Chunk {
        doc_id,
        ordinal: 0,
        heading_path: merged.path.clone(),
        merged_headings,
        start,
        end,
        text: text[start..end].to_string(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(path: &[&str], start: usize, end: usize) -> Section {
        Section {
            heading_path: path.iter().map(|s| s.to_string()).collect(),
            level: 1,
            start,
            end,
        }
    }

    fn sentences(text: &str) -> Vec<&str> {
        sentence_spans(text)
            .iter()
            .map(|&(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn sentences_respect_lines_and_abbreviations() {
        let text =
            "Hello world. Use e.g. this one. Dr. Smith came. John F. Kennedy won.\nNew block without stop\nLast one!";
        assert_eq!(
            sentences(text),
            vec![
                "Hello world.",
                "Use e.g. this one.",
                "Dr. Smith came.",
                "John F. Kennedy won.",
                "New block without stop",
                "Last one!"
            ]
        );
    }

    #[test]
    fn a_full_stop_inside_a_name_ends_no_sentence() {
        // Flask's `g`: UAX #29 breaks after "ctx." before an underscore.
        let text = "This is an instance of Flask.app_ctx_globals_class, which defaults to \
                    ctx._AppCtxGlobals. This is a good place to store resources.";
        assert_eq!(
            sentences(text),
            vec![
                "This is an instance of Flask.app_ctx_globals_class, which defaults to ctx._AppCtxGlobals.",
                "This is a good place to store resources."
            ]
        );
    }

    #[test]
    fn a_mark_in_code_ends_no_sentence() {
        // The Rust book: a macro's `!`, the `?` operator and the `{:#?}` specifier are no ends.
        let text = "This implementation uses the ? operator. But with structs, the way println! \
                    should format the output is less clear. We can use {:#?} instead of {:?} in \
                    the string. We can call println!(\"hello\") or println!(\"Hello {}\", name) \
                    with one argument. Is it done? Yes! It is.";
        assert_eq!(
            sentences(text),
            vec![
                "This implementation uses the ? operator.",
                "But with structs, the way println! should format the output is less clear.",
                "We can use {:#?} instead of {:?} in the string.",
                "We can call println!(\"hello\") or println!(\"Hello {}\", name) with one argument.",
                "Is it done?",
                "Yes!",
                "It is."
            ]
        );
    }

    #[test]
    fn chunks_cover_text_in_order_within_limits() {
        let sentence = "The quick brown fox jumps over the lazy dog again. ";
        let body: String = sentence.repeat(120); // 1200 words
        let text = format!("Heading\n{body}\nSmall\nTiny section.");
        let h2 = text.find("Small").expect("present");
        let sections = vec![
            section(&["Heading"], 0, h2 - 1),
            section(&["Heading", "Small"], h2, text.len()),
        ];
        let chunks = chunk_page(7, &text, &sections);
        assert!(chunks.len() >= 5);
        let mut last_end = 0;
        for c in &chunks {
            assert_eq!(c.text, &text[c.start..c.end]);
            assert!(c.start >= last_end);
            last_end = c.end;
            assert!(
                word_count(&c.text) <= MAX_WORDS,
                "chunk too long: {}",
                word_count(&c.text)
            );
            assert_eq!(c.doc_id, 7);
        }
        assert_eq!(chunks.last().expect("some").end, text.len());
        assert!(chunks
            .iter()
            .rev()
            .skip(1)
            .all(|c| word_count(&c.text) >= MIN_WORDS));
    }

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        for text in [
            "",
            "   ",
            "one",
            " two  words ",
            "tab\tvertical\u{b}tab\u{c}feed\r\nand lines",
            "no\u{a0}break space and\u{2003}em space",
            "ünïcödé wörds — and “quotes”",
            "x = {'a': 1}\n    y()",
        ] {
            assert_eq!(
                word_count(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn long_sentence_is_split_and_empty_text_gives_nothing() {
        let text = "word ".repeat(600);
        let text = text.trim();
        let chunks = chunk_page(1, text, &[section(&[], 0, text.len())]);
        assert_eq!(chunks.len(), 3);
        assert!(chunks.iter().all(|c| word_count(&c.text) <= MAX_WORDS));
        assert!(chunk_page(1, "", &[]).is_empty());
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Chunk spans are slices of the text, in order, without overlap, within the size limit,
        /// and together cover every word of every section.
        #[test]
        fn chunks_cover_sections_in_order(
            paragraphs in prop::collection::vec(("[A-Z][a-z]{0,8}( [a-z]{1,8}){0,40}[.!?]?", 0usize..3), 1..30)
        ) {
            let mut text = String::new();
            let mut sections = Vec::new();
            for (i, (para, heading)) in paragraphs.iter().enumerate() {
                if *heading == 0 || sections.is_empty() {
                    if let Some(last) = sections.last_mut() {
                        let s: &mut Section = last;
                        s.end = text.len().saturating_sub(1);
                    }
                    sections.push(Section { heading_path: vec![format!("H{i}")], level: 1, start: text.len(), end: 0 });
                }
                text.push_str(para);
                text.push('\n');
            }
            text.pop();
            if let Some(last) = sections.last_mut() {
                last.end = text.len();
            }
            let chunks = chunk_page(1, &text, &sections);
            let mut last_end = 0;
            let mut words = 0;
            for c in &chunks {
                prop_assert_eq!(&c.text, &text[c.start..c.end]);
                prop_assert!(c.start >= last_end);
                prop_assert!(word_count(&c.text) <= MAX_WORDS);
                last_end = c.end;
                words += word_count(&c.text);
            }
            prop_assert_eq!(words, word_count(&text));
        }

        /// The ASCII path splits lines exactly as UAX #29 does.
        #[test]
        fn ascii_lines_split_as_unicode_does(
            line in prop_oneof![
                "[ -~\t]{0,120}",
                "([A-Za-z0-9]{0,6}[.!?\"')(\\] ,;:-]{0,3} ?){0,25}",
                "([A-Z][a-z]{0,8}( [a-z]{1,8}){0,6}(\\.|\\?|!|\\.\\.\\.|\\.\\)|\\.\"|e\\.g\\.|[0-9]\\.[0-9]) ?){0,8}",
            ]
        ) {
            let expected: Vec<(usize, &str)> = line.split_sentence_bound_indices().collect();
            prop_assert_eq!(line_sentences(&line), expected);
        }

        /// So do lines with non-ASCII text: letters, combining marks, no-break spaces, curly
        /// quotes, `¶`, ellipses and the terminators of other scripts.
        #[test]
        fn unicode_lines_split_as_unicode_does(
            line in prop_oneof![
                "[ -~éÉßΩ中文\u{301}\u{200d}\u{a0}’“”«»¶…。！？\u{ff0e}\u{2024}\u{5f3}—•]{0,120}",
                "([A-Za-zéÉ中\u{301}]{0,6}[.!?\"')( ,;:’”»¶…。\u{a0}\u{ff0e}]{0,3} ?){0,25}",
                "([A-ZÉ][a-zé]{0,8}( [a-zé中]{1,8}){0,6}(\\.|\\?|!|…|。|\\.”|\\.’|\\. ¶|e\\.g\\.) ?){0,8}",
                "[中文。！？，的 ]{0,200}",
            ]
        ) {
            let expected: Vec<(usize, &str)> = line.split_sentence_bound_indices().collect();
            prop_assert_eq!(line_sentences(&line), expected);
        }
    }
}
