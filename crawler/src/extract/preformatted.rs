//! `<pre>` blocks and code listings: their text as written, whether one is prose set in fixed width
//! (a manual page, wrapped text) rather than code, and whether a whole page is a listing.

use ego_tree::NodeRef;
use scraper::node::Node;

use super::text::{classes, is_hidden, MAX_DEPTH, SKIP_ALWAYS};

/// The most words outside `<pre>` blocks of a page that is a source listing: its title.
pub(super) const LISTING_TITLE_WORDS: usize = 12;

/// The fewest words in `<pre>` blocks of a page that is a source listing.
pub(super) const LISTING_CODE_WORDS: usize = 120;

/// The least share of a `<pre>` block's words that are plain words (letters, with the punctuation
/// of a sentence) for it to be text set in fixed width, as manual pages rendered to HTML are
/// (`<pre>` around the whole of `postqueue(1)`), rather than code or a console session.
pub(super) const PROSE_WORD_SHARE: f32 = 0.8;

/// The fewest words, and sentences, of such a block: a short example in words stays as it is.
pub(super) const PROSE_MIN_WORDS: usize = 120;

pub(super) const PROSE_MIN_SENTENCES: usize = 5;

/// How lines of code open when they hold words: comments and prompts.
pub(super) const CODE_LINE_MARKS: &[&str] =
    &["#", "//", "--", ";", "/*", "$ ", ">>>", "%", "<!--", "REM "];

/// The largest share of a block's lines that may open so and it still be text set in fixed width
/// (a list item of a manual page may open with `#`).
pub(super) const PROSE_MARKED_LINES: f32 = 0.1;

/// The fewest words, lines going on to another, and share of those that stop mid-sentence, of
/// prose wrapped at a fixed width in a `<pre>` block of a page of prose ([`is_wrapped_prose`]).
pub(super) const WRAPPED_MIN_WORDS: usize = 40;

pub(super) const WRAPPED_MIN_LINES: usize = 3;

pub(super) const WRAPPED_SHARE: f32 = 0.6;

/// The fewest lines of a listing whose lines are numbered.
pub(super) const NUMBERED_LISTING_LINES: usize = 20;

/// The least share of a page's lines that open with their number for it to be a listing.
pub(super) const NUMBERED_LINE_SHARE: f32 = 0.8;

/// Returns true if `text` is a source file shown line by line with its line numbers (Doxygen's
/// `SDL_audio.h` source page: `1/*`, `390 * If obtained is NULL, …`, `40extern "C" {`), set in
/// `<div>`s rather than `<pre>`: a listing, whose comments repeat the documentation pages. Not a
/// numbered list (`1.`, `2)`) nor a table whose rows open with a number (`404 | Not Found`).
pub(super) fn is_numbered_listing(text: &str) -> bool {
    let (mut lines, mut numbered) = (0usize, 0usize);
    for line in text.lines() {
        lines += 1;
        let rest = line.trim_start_matches(|c: char| c.is_ascii_digit());
        numbered += usize::from(
            rest.len() < line.len() && !rest.starts_with(['.', ')', ',']) && !line.contains(" | "),
        );
    }
    lines >= NUMBERED_LISTING_LINES && numbered as f32 >= NUMBERED_LINE_SHARE * lines as f32
}

/// Classes of what a page hides in a `<pre>` block until a reader points at it: menus and tips.
/// Not the furniture words at large: a highlighter marks code comments `hljs-comment`.
pub(super) const HIDDEN_IN_PRE: &[&str] = &["dropdown-menu", "menu", "popup", "popover", "tooltip"];

/// Appends the text of a `<pre>` block as it shows: without what the page hides in it (HAProxy's
/// keyword links open a `<ul class="dropdown-menu">` of the sections a keyword appears in, which
/// read into the text as `maxconnThis keyword is available in sections :Log forwarding…`),
/// scripts or styles; a `<br>` breaks the line.
pub(super) fn pre_text(node: NodeRef<'_, Node>, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in node.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(el) => {
                let hidden = SKIP_ALWAYS.contains(&el.name())
                    || is_hidden(el)
                    || classes(el).any(|c| HIDDEN_IN_PRE.contains(&c));
                if el.name() == "br" {
                    out.push('\n');
                } else if !hidden {
                    pre_text(child, out, depth + 1);
                }
            }
            _ => {}
        }
    }
}

/// The words of `root`'s text outside its `<pre>` blocks, counted in one pass up to one past
/// [`LISTING_TITLE_WORDS`].
pub(super) fn words_outside_pre(root: NodeRef<'_, Node>) -> usize {
    let is_pre = |n: NodeRef<'_, Node>| n.value().as_element().is_some_and(|e| e.name() == "pre");
    let (mut inside_pre, mut words) = (0usize, 0usize);
    for edge in root.traverse() {
        match edge {
            ego_tree::iter::Edge::Open(n) if is_pre(n) => inside_pre += 1,
            ego_tree::iter::Edge::Close(n) if is_pre(n) => inside_pre -= 1,
            ego_tree::iter::Edge::Open(n) if inside_pre == 0 => {
                if let Some(t) = n.value().as_text() {
                    words += t.split_whitespace().count();
                    // Only whether a page is a listing under a title is asked: past the longest
                    // title, the rest of a long page need not be counted.
                    if words > LISTING_TITLE_WORDS {
                        return words;
                    }
                }
            }
            _ => {}
        }
    }
    words
}

/// How a `<pre>` block reads: its words, how many are plain words (letters, with the punctuation
/// of a sentence) and end a sentence, and how many of its lines open as comments or prompts.
#[derive(Default)]
pub(super) struct Reading {
    pub(super) words: usize,
    pub(super) plain: usize,
    pub(super) sentences: usize,
    pub(super) lines: usize,
    pub(super) marked: usize,
}

impl Reading {
    pub(super) fn of(raw: &str) -> Self {
        let mut r = Reading::default();
        for token in raw.split_whitespace() {
            r.words += 1;
            let word = token
                .trim_start_matches(['(', '"', '\'', '“'])
                .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'', '”']);
            let is_plain = !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
                && word.starts_with(char::is_alphabetic);
            if is_plain {
                r.plain += 1;
                r.sentences += usize::from(token.ends_with('.') && word.chars().count() > 1);
            }
        }
        // Comments and prompts (`$ `, `sqlite>`): a commented configuration file or a console
        // session reads as words.
        for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
            r.lines += 1;
            let prompt = line
                .split_whitespace()
                .next()
                .is_some_and(|t| t.len() > 1 && t.ends_with('>'));
            r.marked += usize::from(prompt || CODE_LINE_MARKS.iter().any(|m| line.starts_with(m)));
        }
        r
    }

    /// Whether it reads as text: from `words` words and `sentences` sentences, nearly all its
    /// words plain ([`PROSE_WORD_SHARE`]), few lines opening as code ([`PROSE_MARKED_LINES`]).
    pub(super) fn is_text(&self, words: usize, sentences: usize) -> bool {
        self.words >= words
            && self.sentences >= sentences
            && self.plain as f32 >= PROSE_WORD_SHARE * self.words as f32
            && self.marked as f32 <= PROSE_MARKED_LINES * self.lines as f32
    }
}

/// Returns true if a `<pre>` block is text set in fixed width rather than code: long, made of
/// sentences, and nearly all its words plain words ([`PROSE_WORD_SHARE`]). A manual page rendered
/// to HTML is; a source listing, a configuration file or a console session is not.
pub(super) fn is_preformatted_prose(raw: &str) -> bool {
    Reading::of(raw).is_text(PROSE_MIN_WORDS, PROSE_MIN_SENTENCES)
}

/// Returns true if a `<pre>` block is prose wrapped at a fixed width, as HAProxy's manual sets its
/// text in `<pre class="text">` among headings and tables of HTML: it reads as text, its lines
/// start at one margin (no hanging indent: not a table or an option list), and most lines
/// followed by another stop mid-sentence near the width of the longest ([`WRAPPED_SHARE`]).
pub(super) fn is_wrapped_prose(raw: &str) -> bool {
    let lines: Vec<&str> = raw.lines().map(str::trim_end).collect();
    let margin = |l: &str| l.len() - l.trim_start().len();
    let filled: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let Some(left) = filled.iter().map(|l| margin(l)).min() else {
        return false;
    };
    let width = filled.iter().map(|l| l.len()).max().unwrap_or(0);
    let at_margin = filled.iter().filter(|l| margin(l) == left).count();
    let (mut followed, mut wrapped) = (0usize, 0usize);
    for pair in lines.windows(2) {
        if pair[0].trim().is_empty() || pair[1].trim().is_empty() {
            continue;
        }
        followed += 1;
        wrapped += usize::from(
            !pair[0].ends_with(['.', '!', '?', ':', ';']) && pair[0].len() * 4 >= width * 3,
        );
    }
    followed >= WRAPPED_MIN_LINES
        && wrapped as f32 >= WRAPPED_SHARE * followed as f32
        && at_margin as f32 >= 0.9 * filled.len() as f32
        && Reading::of(raw).is_text(WRAPPED_MIN_WORDS, 2)
}

/// Returns true if a line of a manual page in `<pre>` is its running head or foot: the same name
/// at both ends, spaced apart (`POSTQUEUE(1)      POSTQUEUE(1)`).
pub(super) fn is_running_head(line: &str) -> bool {
    let mut tokens = line.split_whitespace();
    let (Some(first), Some(last)) = (tokens.next(), tokens.next_back()) else {
        return false;
    };
    first == last && first.contains('(') && first.ends_with(')') && line.contains("   ")
}

/// Returns true if a line at the margin of a manual page in `<pre>` is a section heading: a few
/// words in capitals (`NAME`, `SEE ALSO`).
pub(super) fn is_capitals_heading(line: &str) -> bool {
    line.split_whitespace().count() <= 4
        && line.chars().any(char::is_alphabetic)
        && line
            .chars()
            .all(|c| c.is_uppercase() || c == ' ' || c == '-' || c == '_')
}
