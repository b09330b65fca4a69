//! HTML → clean text, heading outline and links.
//!
//! Runs synchronously (`scraper::Html` is not `Send`) and returns owned values. The main text comes from
//! `<main>`, `[role=main]` or a single `<article>` when the page has one, else from `<body>`, without
//! boilerplate (navigation, headers and footers, asides, scripts, styles, forms). Blocks are separated by
//! `\n`, so a line break in the clean text is always a sentence boundary for the chunker. Each
//! [`Section`] carries the byte span of its heading and body in the clean text; links come from the
//! whole document, since navigation is how a crawler discovers pages.

use ego_tree::NodeRef;
use scraper::{node::Node, ElementRef, Html, Selector};
use url::Url;

use crate::url_norm::normalize;

pub use store::Section;

/// What extraction takes out of one HTML or text page.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub title: String,
    pub text: String,
    pub sections: Vec<Section>,
    /// Normalised, deduplicated links to follow (already without `rel="nofollow"` ones).
    pub links: Vec<Url>,
    pub canonical: Option<Url>,
    pub noindex: bool,
    pub nofollow: bool,
    /// Where a `<meta http-equiv="refresh">` sends the reader at once (within
    /// [`MAX_REFRESH_DELAY_SECS`]): the page is a redirect, not content (GNU Texinfo's stubs for
    /// every node, "moved" pages).
    pub refresh: Option<Url>,
    /// The page's scripts on its own origin (`<script src>`), read for the pages they link to: a
    /// site whose menus a script builds (Doxygen's `menudata.js` and `navtreedata.js`) links its
    /// pages from nowhere else.
    pub scripts: Vec<Url>,
}

/// The longest delay of a meta refresh that still reads as a redirect: a page that sends its
/// reader elsewhere within seconds is a stub ("you will be redirected"), while a page that reloads
/// after minutes is content.
const MAX_REFRESH_DELAY_SECS: f32 = 5.0;

mod furniture;
use furniture::{holds_heading, is_furniture, link_dense_blocks};

const SKIP_ALWAYS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "aside", "form", "svg", "button", "select",
    "textarea", "iframe", "object", "embed", "head", "canvas", "dialog", "math",
];
const SKIP_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "search",
    "complementary",
];
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "thead",
    "tbody",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "address",
    "details",
    "summary",
    "caption",
    "body",
    "header",
    "footer",
];
/// The most words outside `<pre>` blocks of a page that is a source listing: its title.
const LISTING_TITLE_WORDS: usize = 12;
/// The fewest words in `<pre>` blocks of a page that is a source listing.
const LISTING_CODE_WORDS: usize = 120;
/// The least share of a `<pre>` block's words that are plain words (letters, with the punctuation
/// of a sentence) for it to be text set in fixed width, as manual pages rendered to HTML are
/// (`<pre>` around the whole of `postqueue(1)`), rather than code or a console session.
const PROSE_WORD_SHARE: f32 = 0.8;
/// The fewest words, and sentences, of such a block: a short example in words stays as it is.
const PROSE_MIN_WORDS: usize = 120;
const PROSE_MIN_SENTENCES: usize = 5;
/// How lines of code open when they hold words: comments and prompts.
const CODE_LINE_MARKS: &[&str] = &["#", "//", "--", ";", "/*", "$ ", ">>>", "%", "<!--", "REM "];
/// The largest share of a block's lines that may open so and it still be text set in fixed width
/// (a list item of a manual page may open with `#`).
const PROSE_MARKED_LINES: f32 = 0.1;
/// The fewest words, lines going on to another, and share of those that stop mid-sentence, of
/// prose wrapped at a fixed width in a `<pre>` block of a page of prose ([`is_wrapped_prose`]).
const WRAPPED_MIN_WORDS: usize = 40;
const WRAPPED_MIN_LINES: usize = 3;
const WRAPPED_SHARE: f32 = 0.6;
/// The longest line set alone above a deeper indented paragraph that is the term it describes
/// (`-c config_dir`); a longer one is the first line of the paragraph.
const MAX_TERM_CHARS: usize = 60;
/// Between the cells of a table row in the clean text.
pub const CELL_SEPARATOR: &str = " | ";
/// Deep enough for any real page; deeper nesting is hostile and its text is dropped.
const MAX_DEPTH: usize = 512;

fn selector(s: &str) -> Selector {
    Selector::parse(s).expect("static selector is valid")
}

/// The page a meta refresh's `content` (`0; url=Shell-Grammar.html#Aliasing`, `3;URL='/new'`)
/// sends the reader to, resolved against `base`, when it does so within
/// [`MAX_REFRESH_DELAY_SECS`]; `None` for a reload in place (`30`) or a later one.
fn refresh_target(content: &str, base: &Url) -> Option<Url> {
    let (delay, rest) = content.split_once([';', ','])?;
    let delay: f32 = delay.trim().parse().ok()?;
    if !(0.0..=MAX_REFRESH_DELAY_SECS).contains(&delay) {
        return None;
    }
    let rest = rest.trim_start();
    let target = match rest.get(..3) {
        Some(key) if key.eq_ignore_ascii_case("url") => {
            rest[3..].trim_start().strip_prefix('=').unwrap_or(rest)
        }
        _ => rest,
    };
    let target = target.trim().trim_matches(['"', '\'']).trim();
    if target.is_empty() {
        return None;
    }
    normalize(target, Some(base)).ok()
}

/// Extracts an HTML page fetched from `url`.
pub fn extract_html(html: &str, url: &Url) -> Extracted {
    let doc = Html::parse_document(html);
    let mut out = Extracted::default();

    for meta in doc.select(&selector("meta[name]")) {
        let name = meta.value().attr("name").unwrap_or("").to_ascii_lowercase();
        if name == "robots" {
            let content = meta
                .value()
                .attr("content")
                .unwrap_or("")
                .to_ascii_lowercase();
            out.noindex |= content.contains("noindex") || content.contains("none");
            out.nofollow |= content.contains("nofollow") || content.contains("none");
        }
    }
    let base = doc
        .select(&selector("base[href]"))
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| url.join(h).ok())
        .unwrap_or_else(|| url.clone());
    out.refresh = doc
        .select(&selector("meta[http-equiv][content]"))
        .filter(|m| {
            m.value()
                .attr("http-equiv")
                .is_some_and(|e| e.trim().eq_ignore_ascii_case("refresh"))
        })
        .find_map(|m| refresh_target(m.value().attr("content")?, &base))
        .filter(|target| target != url);
    out.canonical = doc
        .select(&selector("link[rel~=canonical][href]"))
        .next()
        .and_then(|l| l.value().attr("href"))
        .and_then(|h| normalize(h, Some(&base)).ok());
    out.title = doc
        .select(&selector("title"))
        .next()
        .map(|t| collapse(&t.text().collect::<String>()))
        .unwrap_or_default();

    if !out.nofollow {
        let mut seen = std::collections::HashSet::new();
        for a in doc.select(&selector("a[href], area[href]")) {
            let rel = a.value().attr("rel").unwrap_or("").to_ascii_lowercase();
            if rel.split_whitespace().any(|r| r == "nofollow") {
                continue;
            }
            let Some(href) = a.value().attr("href") else {
                continue;
            };
            if let Ok(link) = normalize(href, Some(&base)) {
                if seen.insert(link.as_str().to_string()) {
                    out.links.push(link);
                }
            }
        }
        for script in doc.select(&selector("script[src]")) {
            let Some(src) = script.value().attr("src") else {
                continue;
            };
            if let Ok(src) = normalize(src, Some(&base)) {
                if src.origin() == url.origin() && seen.insert(src.as_str().to_string()) {
                    out.scripts.push(src);
                }
            }
        }
    }

    let (root, from_body) = main_root(&doc);
    let mut builder = TextBuilder::default();
    if let Some(root) = root {
        builder.link_dense = link_dense_blocks(*root);
        builder.pre_holds_text = words_outside_pre(*root) <= LISTING_TITLE_WORDS;
        builder.walk(*root, from_body, 0);
    }
    let code_words = builder.code_words;
    let (mut text, mut sections) = builder.finish();
    if out.title.is_empty() {
        out.title = sections
            .iter()
            .find(|s| s.level > 0)
            .and_then(|s| s.heading_path.last().cloned())
            .unwrap_or_default();
    }
    // A page that is a listing of code under its title (Sphinx's highlighted source under
    // `_modules/`, rustdoc's `src/` pages) states nothing in words: like a page of links only, it
    // has no text to index. A listing a paragraph introduces keeps it, and so does a short
    // example under a line or two of words.
    let prose_words = text.split_whitespace().count().saturating_sub(code_words);
    if (prose_words <= LISTING_TITLE_WORDS && code_words >= LISTING_CODE_WORDS)
        || is_numbered_listing(&text)
    {
        text.clear();
        sections.clear();
    }
    out.text = text;
    out.sections = sections;
    out
}

/// The fewest lines of a listing whose lines are numbered.
const NUMBERED_LISTING_LINES: usize = 20;
/// The least share of a page's lines that open with their number for it to be a listing.
const NUMBERED_LINE_SHARE: f32 = 0.8;

/// Returns true if `text` is a source file shown line by line with its line numbers (Doxygen's
/// `SDL_audio.h` source page: `1/*`, `390 * If obtained is NULL, …`, `40extern "C" {`), set in
/// `<div>`s rather than `<pre>`: a listing, whose comments repeat the documentation pages. Not a
/// numbered list (`1.`, `2)`) nor a table whose rows open with a number (`404 | Not Found`).
fn is_numbered_listing(text: &str) -> bool {
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

/// Returns true if `el` links an entry to its source listing: Sphinx's `[source]`
/// (`<span class="viewcode-link">`) after a signature, rustdoc's `Source` (`<a class="src">`)
/// beside an item's heading, Doxygen's "Definition at line 58 of file SDL_video.h." (`<p
/// class="definition">`) under every member. Not the entry's text (`pytest_sessionfinish(session,
/// exitstatus)[source]`).
fn is_source_link(el: &scraper::node::Element) -> bool {
    el.classes().any(|c| {
        c == "viewcode-link"
            || (el.name() == "a" && matches!(c, "src" | "srclink"))
            || (el.name() == "p" && c == "definition")
    })
}

/// Returns true if `el` is a tooltip a page shows only when the pointer rests on a name in its
/// code: Doxygen's `<div class="ttc">` (the name, its declaration and "Definition: …"), one per
/// linked name under every source listing and code fragment. Hidden text: read, it broke the
/// listing's numbered lines and repeated every declaration.
fn is_code_tooltip(el: &scraper::node::Element) -> bool {
    el.name() == "div" && el.classes().any(|c| c == "ttc")
}

/// Classes of what a page hides in a `<pre>` block until a reader points at it: menus and tips.
/// Not the furniture words at large: a highlighter marks code comments `hljs-comment`.
const HIDDEN_IN_PRE: &[&str] = &["dropdown-menu", "menu", "popup", "popover", "tooltip"];

/// Appends the text of a `<pre>` block as it shows: without what the page hides in it (HAProxy's
/// keyword links open a `<ul class="dropdown-menu">` of the sections a keyword appears in, which
/// read into the text as `maxconnThis keyword is available in sections :Log forwarding…`),
/// scripts or styles; a `<br>` breaks the line.
fn pre_text(node: NodeRef<'_, Node>, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in node.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(el) => {
                let hidden = SKIP_ALWAYS.contains(&el.name())
                    || el.attr("hidden").is_some()
                    || el.attr("aria-hidden") == Some("true")
                    || el.classes().any(|c| HIDDEN_IN_PRE.contains(&c));
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

/// The words of `root`'s text outside its `<pre>` blocks, counted in one pass.
fn words_outside_pre(root: NodeRef<'_, Node>) -> usize {
    let is_pre = |n: NodeRef<'_, Node>| n.value().as_element().is_some_and(|e| e.name() == "pre");
    let (mut inside_pre, mut words) = (0usize, 0usize);
    for edge in root.traverse() {
        match edge {
            ego_tree::iter::Edge::Open(n) if is_pre(n) => inside_pre += 1,
            ego_tree::iter::Edge::Close(n) if is_pre(n) => inside_pre -= 1,
            ego_tree::iter::Edge::Open(n) if inside_pre == 0 => {
                if let Some(t) = n.value().as_text() {
                    words += t.split_whitespace().count();
                }
            }
            _ => {}
        }
    }
    words
}

/// Returns true if `node` holds the anchor a link to it lands on as older HTML marks one, an
/// `<a name>` (Postfix's `<dt><b><a name="message_size_limit">`): a `<dt>` holding one titles an
/// entry, as one with an `id` of its own does. Not an element with an `id` inside: DocBook marks
/// index terms so (`<a id="id-1.6.3.8" class="indexterm">`) in terms that title no section.
fn holds_anchor(node: NodeRef<'_, Node>) -> bool {
    node.descendants().any(|d| {
        d.value()
            .as_element()
            .is_some_and(|e| e.name() == "a" && e.attr("name").is_some())
    })
}

/// How a `<pre>` block reads: its words, how many are plain words (letters, with the punctuation
/// of a sentence) and end a sentence, and how many of its lines open as comments or prompts.
#[derive(Default)]
struct Reading {
    words: usize,
    plain: usize,
    sentences: usize,
    lines: usize,
    marked: usize,
}

impl Reading {
    fn of(raw: &str) -> Self {
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
    fn is_text(&self, words: usize, sentences: usize) -> bool {
        self.words >= words
            && self.sentences >= sentences
            && self.plain as f32 >= PROSE_WORD_SHARE * self.words as f32
            && self.marked as f32 <= PROSE_MARKED_LINES * self.lines as f32
    }
}

/// Returns true if a `<pre>` block is text set in fixed width rather than code: long, made of
/// sentences, and nearly all its words plain words ([`PROSE_WORD_SHARE`]). A manual page rendered
/// to HTML is; a source listing, a configuration file or a console session is not.
fn is_preformatted_prose(raw: &str) -> bool {
    Reading::of(raw).is_text(PROSE_MIN_WORDS, PROSE_MIN_SENTENCES)
}

/// Returns true if a `<pre>` block is prose wrapped at a fixed width, as HAProxy's manual sets its
/// text in `<pre class="text">` among headings and tables of HTML: it reads as text, its lines
/// start at one margin (no hanging indent: not a table or an option list), and most lines
/// followed by another stop mid-sentence near the width of the longest ([`WRAPPED_SHARE`]).
fn is_wrapped_prose(raw: &str) -> bool {
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
fn is_running_head(line: &str) -> bool {
    let mut tokens = line.split_whitespace();
    let (Some(first), Some(last)) = (tokens.next(), tokens.next_back()) else {
        return false;
    };
    first == last && first.contains('(') && first.ends_with(')') && line.contains("   ")
}

/// Returns true if a line at the margin of a manual page in `<pre>` is a section heading: a few
/// words in capitals (`NAME`, `SEE ALSO`).
fn is_capitals_heading(line: &str) -> bool {
    line.split_whitespace().count() <= 4
        && line.chars().any(char::is_alphabetic)
        && line
            .chars()
            .all(|c| c.is_uppercase() || c == ' ' || c == '-' || c == '_')
}

/// Extensions of the paths a script names that are pages (`"files.html"`, `"group__x.html#a1"`).
const PAGE_EXTENSIONS: &[&str] = &[".html", ".htm", ".xhtml", ".php", ".asp", ".aspx", ".jsp"];
/// The most links one script gives (a navigation index of a large API lists every member).
const MAX_SCRIPT_LINKS: usize = 20_000;

/// The pages a script names in its string literals, resolved against the script's URL: the menus
/// and navigation trees a script builds (`{text:"Files",url:"files.html"}` in Doxygen's
/// `menudata.js`, `[ "Main Page", "index.html", … ]` in its `navtreedata.js`). Only a literal that
/// is a plain path to a page counts: no spaces, no markup or code, ending in a page's extension
/// before any `?` or `#`.
pub fn script_links(js: &str, url: &Url) -> Vec<Url> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let bytes = js.as_bytes();
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_SCRIPT_LINKS {
        let quote = bytes[i];
        i += 1;
        if !matches!(quote, b'"' | b'\'' | b'`') {
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' && i - start <= 300 {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != quote {
            continue;
        }
        let literal = &js[start..i];
        i += 1;
        if !names_page(literal) {
            continue;
        }
        if let Ok(link) = normalize(literal, Some(url)) {
            if link.origin() == url.origin() && seen.insert(link.as_str().to_string()) {
                out.push(link);
            }
        }
    }
    out
}

/// Returns true if `literal` is a plain relative or absolute path to a page (see [`script_links`]).
fn names_page(literal: &str) -> bool {
    let path = literal.split(['#', '?']).next().unwrap_or("");
    !path.is_empty()
        && literal
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./%~+#?=&:".contains(&b))
        && PAGE_EXTENSIONS
            .iter()
            .any(|e| path.len() > e.len() && path[path.len() - e.len()..].eq_ignore_ascii_case(e))
}

/// Extracts a `text/plain` page: the text as is (whitespace tidied), one section.
pub fn extract_plain(body: &str) -> Extracted {
    let mut text = String::new();
    for line in body.lines() {
        let line = collapse(line);
        if !line.is_empty() {
            text.push_str(&line);
            text.push('\n');
        }
    }
    let text = text.trim_end().to_string();
    let title = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(120)
        .collect();
    let sections = if text.is_empty() {
        Vec::new()
    } else {
        vec![Section {
            heading_path: Vec::new(),
            level: 0,
            start: 0,
            end: text.len(),
        }]
    };
    Extracted {
        title,
        text,
        sections,
        ..Extracted::default()
    }
}

fn main_root(doc: &Html) -> (Option<ElementRef<'_>>, bool) {
    if let Some(main) = doc.select(&selector("main")).next() {
        return (Some(main), false);
    }
    if let Some(main) = doc.select(&selector("[role=main]")).next() {
        return (Some(main), false);
    }
    let article_selector = selector("article");
    let mut articles = doc.select(&article_selector);
    if let (Some(article), None) = (articles.next(), articles.next()) {
        return (Some(article), false);
    }
    (doc.select(&selector("body")).next(), true)
}

/// Returns true if the link `node` is a permalink: it leads to a place on the page itself and shows
/// only a symbol — a heading's permalink (rustdoc's `§`, `¶`, `#`), rustdoc's notable-traits marker
/// (`ⓘ`), a footnote's way back (`↩`) — or, alone in the block it links to, names that block by
/// its id (the Rust reference's `[type.bool.layout]` over each rule, linking to
/// `#r-type.bool.layout`).
/// Marks to click, not words of the page. A heading or definition term that links to itself keeps
/// its words: they are its title (mdBook's headings, some API docs' terms).
fn is_permalink(node: NodeRef<'_, Node>) -> bool {
    let Some(target) = node
        .value()
        .as_element()
        .and_then(|el| el.attr("href"))
        .and_then(|h| h.strip_prefix('#'))
    else {
        return false;
    };
    let texts = || node.descendants().filter_map(|d| d.value().as_text());
    // Circled letters (`ⓘ`) count as letters to Unicode, not to a reader.
    let shows_words = texts().any(|t| {
        t.chars()
            .any(|c| c.is_alphanumeric() && !('\u{2460}'..='\u{24FF}').contains(&c))
    });
    if !shows_words {
        return true;
    }
    let Some(parent) = node.parent() else {
        return false;
    };
    let own_block = parent.value().as_element().is_some_and(|el| {
        el.attr("id") == Some(target)
            && !matches!(el.name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "dt")
    });
    // Alone in it: a name linking to its section from a sentence ("The ensurepip package provides
    // …", Sphinx) is a word of the sentence.
    let alone = parent
        .children()
        .all(|c| c.id() == node.id() || c.value().as_text().is_some_and(|t| t.trim().is_empty()));
    if !(own_block && alone) {
        return false;
    }
    let text: String = texts().map(|t| &**t).collect();
    let name = text.trim().trim_start_matches('[').trim_end_matches(']');
    !name.is_empty() && !name.contains(char::is_whitespace) && target.ends_with(name)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Default)]
struct TextBuilder {
    text: String,
    pending_space: bool,
    /// Open headings (level, text) enclosing the current position.
    outline: Vec<(u8, String)>,
    sections: Vec<Section>,
    section_start: usize,
    section_level: u8,
    section_path: Vec<String>,
    /// Level of the last `<h1>`–`<h6>`, under which `<dt id>` entries nest.
    heading_level: u8,
    /// Link lists and tables left out of the text (see [`link_dense_blocks`]).
    link_dense: std::collections::HashSet<ego_tree::NodeId>,
    /// `<h1>`–`<h6>` and `<dt id>` sections opened so far.
    headings_opened: usize,
    /// Words of the text that came from `<pre>` blocks.
    code_words: usize,
    /// Whether the page's words are all in `<pre>` blocks but its title: a manual page or a text
    /// document rendered to HTML, whose blocks may be text set in fixed width
    /// ([`is_preformatted_prose`]). In a page of prose a `<pre>` block is an example, a table or
    /// a session, kept line by line however many words it holds.
    pre_holds_text: bool,
}

/// Where the outline stood before a bold title opened a section (see [`is_bold_title`]): restored
/// where the title's parent ends.
struct Place {
    outline: Vec<(u8, String)>,
    level: u8,
    path: Vec<String>,
    headings_opened: usize,
}

/// Returns true if `node` holds a table, listing or figure, directly or in a `<div>` of its own:
/// a bold line in it is the display's caption (DocBook's `<div class="table"><p
/// class="title"><strong>Table 9.33. …`), not a section's title.
fn holds_display(node: NodeRef<'_, Node>) -> bool {
    let named = |n: NodeRef<'_, Node>, names: &[&str]| {
        n.value()
            .as_element()
            .is_some_and(|e| names.contains(&e.name()))
    };
    node.children().any(|c| {
        named(c, &["table", "pre", "figure", "img"])
            || (named(c, &["div"]) && c.children().any(|g| named(g, &["table", "pre"])))
    })
}

/// Returns true if `node` is a paragraph that is all its table cell holds besides text: docutils
/// (Sphinx) wraps every cell's text in one `<p>`, which is no block of its own, so the row stays
/// one line (`x or y | if x is false, then y, else x | (1)`). A cell holding several paragraphs or
/// a list still breaks into lines.
fn is_sole_paragraph_of_cell(node: NodeRef<'_, Node>) -> bool {
    let is_p = ElementRef::wrap(node).is_some_and(|e| e.value().name() == "p");
    is_p && node.parent().is_some_and(|cell| {
        ElementRef::wrap(cell).is_some_and(|c| matches!(c.value().name(), "td" | "th"))
            && cell
                .children()
                .filter(|c| match c.value() {
                    Node::Element(e) => BLOCKS.contains(&e.name()),
                    Node::Text(t) => !t.trim().is_empty(),
                    _ => false,
                })
                .count()
                == 1
    })
}

/// Longest text of a paragraph that titles what follows it in bold (see [`is_bold_title`]).
const MAX_BOLD_TITLE_CHARS: usize = 80;

/// Returns true if `node` is a paragraph whose whole text is one bold phrase, short and not a
/// sentence: a title of what follows it in its parent, as hand-written manuals title their list
/// items (`<li><p><b>Maximum Number Of Columns</b></p><p>The SQLITE_MAX_COLUMN …`). Empty anchors
/// (`<a name="max_column"></a>`) around it are allowed. Where its parent holds a table, listing or
/// figure, such a paragraph is the display's caption and opens no section ([`holds_display`]).
fn is_bold_title(node: NodeRef<'_, Node>) -> bool {
    let Some(el) = ElementRef::wrap(node) else {
        return false;
    };
    if el.value().name() != "p" {
        return false;
    }
    let mut bold = None;
    for child in node.children() {
        match child.value() {
            Node::Text(t) if t.trim().is_empty() => {}
            Node::Element(e) if matches!(e.name(), "b" | "strong") && bold.is_none() => {
                bold = ElementRef::wrap(child);
            }
            Node::Element(e)
                if e.name() == "a"
                    && ElementRef::wrap(child)
                        .is_some_and(|a| a.text().all(|t| t.trim().is_empty())) => {}
            Node::Comment(_) => {}
            _ => return false,
        }
    }
    let Some(bold) = bold else {
        return false;
    };
    let text = collapse(&bold.text().collect::<String>());
    let text = text.trim();
    !text.is_empty()
        && text.chars().count() <= MAX_BOLD_TITLE_CHARS
        && text.chars().any(char::is_alphabetic)
        && !text.ends_with(['.', ',', ';'])
}

impl TextBuilder {
    fn walk(&mut self, node: NodeRef<'_, Node>, from_body: bool, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node.value() {
            Node::Text(t) => self.push_text(t),
            Node::Element(el) => {
                let name = el.name();
                if SKIP_ALWAYS.contains(&name)
                    || (from_body && (name == "header" || name == "footer"))
                    || el.attr("role").is_some_and(|r| SKIP_ROLES.contains(&r))
                    || el.attr("hidden").is_some()
                    || el.attr("aria-hidden") == Some("true")
                    || el.classes().any(|c| c == "headerlink")
                    || (name == "a" && is_permalink(node))
                    || is_source_link(el)
                    || is_code_tooltip(el)
                    || (depth > 0
                        && BLOCKS.contains(&name)
                        && ((is_furniture(el) && !holds_heading(node))
                            || self.link_dense.contains(&node.id())))
                {
                    return;
                }
                // API docs and glossaries title their entries with `<dt id=…>`: those open a section
                // one level below the enclosing heading.
                let heading = match name.as_bytes() {
                    [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
                    b"dt" if el.attr("id").is_some() || holds_anchor(node) => {
                        Some(self.heading_level + 1)
                    }
                    _ => None,
                };
                let block = BLOCKS.contains(&name) && !is_sole_paragraph_of_cell(node);
                if name == "br" {
                    self.newline();
                    return;
                }
                // A table row is one line, its cells separated by ` | `, so that a value is read
                // with its row ("bigint | 8 bytes | large-range integer | -9223372036854775808 to
                // +9223372036854775807"). A cell holding blocks still breaks into lines.
                if matches!(name, "td" | "th") {
                    let after_cell = node
                        .prev_siblings()
                        .filter_map(ElementRef::wrap)
                        .next()
                        .is_some_and(|e| matches!(e.value().name(), "td" | "th"));
                    if after_cell && !self.text.is_empty() && !self.text.ends_with('\n') {
                        self.text.push_str(CELL_SEPARATOR);
                        self.pending_space = false;
                    }
                }
                if block {
                    self.newline();
                }
                if name == "pre" {
                    let mut raw = String::new();
                    pre_text(node, &mut raw, depth);
                    if (self.pre_holds_text && is_preformatted_prose(&raw))
                        || is_wrapped_prose(&raw)
                    {
                        self.push_preformatted_prose(&raw);
                    } else {
                        self.push_pre(&raw);
                    }
                    self.newline();
                    return;
                }
                let heading_start = self.text.len();
                if heading.is_some() {
                    self.close_section(heading_start);
                }
                // A paragraph in bold that titles what follows it opens a section one level below
                // the enclosing heading, which ends with its parent: the text after the list item
                // or table it titles goes back to the section around them.
                let mut titled: Option<Place> = None;
                // Whether the block holds a display (looked at only once it holds a bold title).
                let mut displays = None;
                for child in node.children() {
                    if is_bold_title(child) && !*displays.get_or_insert_with(|| holds_display(node))
                    {
                        titled.get_or_insert_with(|| Place {
                            outline: self.outline.clone(),
                            level: self.section_level,
                            path: self.section_path.clone(),
                            headings_opened: self.headings_opened,
                        });
                        self.newline();
                        let start = self.text.len();
                        self.close_section(start);
                        self.walk(child, from_body, depth + 1);
                        let title = self.text[start.min(self.text.len())..].trim().to_string();
                        self.open_section(self.heading_level + 1, title, start);
                        continue;
                    }
                    self.walk(child, from_body, depth + 1);
                }
                if let Some(place) = titled {
                    // Unless a heading of the page opened inside, which goes on past it.
                    if place.headings_opened == self.headings_opened {
                        self.newline();
                        let end = self.text.len();
                        self.close_section(end);
                        self.outline = place.outline;
                        self.section_level = place.level;
                        self.section_path = place.path;
                    }
                }
                if let Some(level) = heading {
                    if name.len() == 2 && name.starts_with('h') {
                        self.heading_level = level;
                    }
                    self.headings_opened += 1;
                    let heading_text = self.text[heading_start..].trim().to_string();
                    self.open_section(level, heading_text, heading_start);
                }
                if block {
                    self.newline();
                }
            }
            _ => {
                for child in node.children() {
                    self.walk(child, from_body, depth + 1);
                }
            }
        }
    }

    fn push_text(&mut self, t: &str) {
        for c in t.chars() {
            if c.is_whitespace() {
                self.pending_space = true;
            } else {
                if self.pending_space && !self.text.is_empty() && !self.text.ends_with(['\n', ' '])
                {
                    self.text.push(' ');
                }
                self.pending_space = false;
                self.text.push(c);
            }
        }
    }

    fn push_pre(&mut self, raw: &str) {
        for line in raw.lines() {
            let line = line.trim_end();
            if !line.trim().is_empty() {
                self.text.push_str(line);
                self.text.push('\n');
                self.code_words += line.split_whitespace().count();
            }
        }
        self.pending_space = false;
    }

    /// Pushes a block of text set in fixed width ([`is_preformatted_prose`],
    /// [`is_wrapped_prose`]) as the text it reads as: a paragraph's lines (those after its first indented at least as deep) joined into
    /// one, its justified spaces collapsed and a word hyphenated at a line's end ("delet-" /
    /// "ing") joined again; a line of capitals at the margin (`DESCRIPTION`) opens a section; the
    /// running head (`POSTQUEUE(1)  …  POSTQUEUE(1)`) is left out.
    fn push_preformatted_prose(&mut self, raw: &str) {
        // The paragraph so far, its first line as set, and how deep that line is indented.
        let mut paragraph = String::new();
        let mut first: &str = "";
        let mut indent = 0;
        let flush = |b: &mut Self, paragraph: &mut String| {
            if !paragraph.is_empty() {
                b.text.push_str(&collapse(paragraph));
                b.text.push('\n');
                paragraph.clear();
            }
        };
        for line in raw.lines() {
            let body = line.trim();
            let depth = line.len() - line.trim_start().len();
            if body.is_empty() || is_running_head(body) {
                flush(self, &mut paragraph);
                continue;
            }
            if depth == 0 && is_capitals_heading(body) {
                flush(self, &mut paragraph);
                let start = self.text.len();
                self.close_section(start);
                self.text.push_str(body);
                self.text.push('\n');
                self.headings_opened += 1;
                self.open_section(self.heading_level + 1, body.to_string(), start);
                continue;
            }
            if paragraph.is_empty() || depth < indent {
                flush(self, &mut paragraph);
                indent = depth;
                first = line;
                paragraph.push_str(body);
                continue;
            }
            // A hanging indent: the first line is the term the rest describes (`-f     Flush the
            // queue: …`, or the term alone on its line), which goes on a line of its own.
            if depth > indent && paragraph.len() == first.trim().len() {
                let term = if first.trim_end().len() <= depth {
                    Some((first.trim(), ""))
                } else {
                    first
                        .get(depth.saturating_sub(2)..depth)
                        .filter(|gap| *gap == "  ")
                        .map(|_| (first[..depth].trim(), first[depth..].trim()))
                        .or_else(|| {
                            (first.trim().chars().count() <= MAX_TERM_CHARS)
                                .then(|| (first.trim(), ""))
                        })
                };
                if let Some((term, rest)) = term {
                    paragraph.clear();
                    // A list item's bullet (`o`, `*`) is no term.
                    if !matches!(term, "o" | "*" | "+" | "-" | "•" | "·") {
                        self.text.push_str(&collapse(term));
                        self.text.push('\n');
                    }
                    paragraph.push_str(rest);
                    indent = depth;
                    if paragraph.is_empty() {
                        paragraph.push_str(body);
                        continue;
                    }
                }
            }
            let hyphenated = paragraph.strip_suffix('-').is_some_and(|head| {
                head.ends_with(|c: char| c.is_alphabetic())
                    && body.starts_with(|c: char| c.is_lowercase())
            });
            if hyphenated {
                paragraph.pop();
            } else {
                paragraph.push(' ');
            }
            paragraph.push_str(body);
        }
        flush(self, &mut paragraph);
        self.pending_space = false;
    }

    fn newline(&mut self) {
        while self.text.ends_with(' ') {
            self.text.pop();
        }
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        self.pending_space = false;
    }

    fn close_section(&mut self, at: usize) {
        // Trailing line breaks may have been trimmed since the section opened: positions past the
        // end fall back to it (only ASCII is trimmed, so the end is a character boundary).
        let at = at.min(self.text.len());
        self.section_start = self.section_start.min(at);
        let span = self.text[self.section_start..at].trim();
        if !span.is_empty() {
            self.sections.push(Section {
                heading_path: self.section_path.clone(),
                level: self.section_level,
                start: self.section_start,
                end: at.min(self.text.len()),
            });
        }
        self.section_start = at;
    }

    fn open_section(&mut self, level: u8, heading: String, start: usize) {
        while self.outline.last().is_some_and(|(l, _)| *l >= level) {
            self.outline.pop();
        }
        self.outline.push((level, heading));
        self.section_level = level;
        self.section_path = self.outline.iter().map(|(_, h)| h.clone()).collect();
        // A heading that held another (`<dt id>` inside a heading, say) opens its section where the
        // inner one's began, never before it: sections never overlap (found by fuzzing).
        self.section_start = start.max(self.section_start);
    }

    fn finish(mut self) -> (String, Vec<Section>) {
        while self.text.ends_with(['\n', ' ']) {
            self.text.pop();
        }
        let end = self.text.len();
        self.close_section(end);
        // Spans must point at trimmed text: move starts past leading line breaks.
        for s in &mut self.sections {
            s.end = s.end.min(end);
            while s.start < s.end && self.text.as_bytes()[s.start] == b'\n' {
                s.start += 1;
            }
            while s.end > s.start && self.text.as_bytes()[s.end - 1] == b'\n' {
                s.end -= 1;
            }
        }
        (self.text, self.sections)
    }
}

#[cfg(test)]
mod tests;
