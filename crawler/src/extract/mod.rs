//! HTML → clean text, heading outline and links.
//!
//! Runs synchronously (`scraper::Html` is not `Send`) and returns owned values. The main text comes from
//! `<main>`, `[role=main]` or a single `<article>` when the page has one, else from `<body>`, without
//! boilerplate (navigation, headers and footers, asides, scripts, styles, forms). Blocks are separated by
//! `\n`, so a line break in the clean text is always a sentence boundary for the chunker. Each
//! [`Section`] carries the byte span of its heading and body in the clean text; links come from the
//! whole document, since navigation is how a crawler discovers pages.

use html5ever::local_name;
use scraper::{ElementRef, Html};
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
#[doc(hidden)]
pub mod parse;
mod preformatted;
mod scripts;
mod text;

use furniture::link_dense_blocks;
use preformatted::{
    is_numbered_listing, words_outside_pre, LISTING_CODE_WORDS, LISTING_TITLE_WORDS,
};
pub use scripts::script_links;
use text::{attr, collapse, TextBuilder};

/// Between the cells of a table row in the clean text.
pub const CELL_SEPARATOR: &str = " | ";

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

/// The elements extraction reads outside the text, found in one pass over the document (in
/// document order, as a selector would find them).
#[derive(Default)]
struct Scan<'a> {
    robots: Vec<&'a str>,
    base: Option<&'a str>,
    refresh: Vec<&'a str>,
    canonical: Option<&'a str>,
    title: Option<ElementRef<'a>>,
    links: Vec<(&'a str, bool)>,
    scripts: Vec<&'a str>,
    main: Option<ElementRef<'a>>,
    role_main: Option<ElementRef<'a>>,
    articles: Vec<ElementRef<'a>>,
    body: Option<ElementRef<'a>>,
}

impl<'a> Scan<'a> {
    fn of(doc: &'a Html) -> Self {
        let mut scan = Scan::default();
        for node in doc.tree.root().descendants() {
            let Some(el) = ElementRef::wrap(node) else {
                continue;
            };
            let e = el.value();
            match e.name() {
                "meta" => {
                    if attr(e, &local_name!("name"))
                        .is_some_and(|n| n.eq_ignore_ascii_case("robots"))
                    {
                        scan.robots
                            .push(attr(e, &local_name!("content")).unwrap_or(""));
                    }
                    if let (Some(equiv), Some(content)) = (
                        attr(e, &local_name!("http-equiv")),
                        attr(e, &local_name!("content")),
                    ) {
                        if equiv.trim().eq_ignore_ascii_case("refresh") {
                            scan.refresh.push(content);
                        }
                    }
                }
                "base" if scan.base.is_none() => scan.base = attr(e, &local_name!("href")),
                "link" if scan.canonical.is_none() => {
                    let canonical = attr(e, &local_name!("rel")).is_some_and(|rel| {
                        rel.split_ascii_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("canonical"))
                    });
                    if canonical {
                        scan.canonical = attr(e, &local_name!("href"));
                    }
                }
                "title" if scan.title.is_none() => scan.title = Some(el),
                "a" | "area" => {
                    if let Some(href) = attr(e, &local_name!("href")) {
                        let nofollow = attr(e, &local_name!("rel")).is_some_and(|rel| {
                            rel.split_whitespace()
                                .any(|r| r.eq_ignore_ascii_case("nofollow"))
                        });
                        scan.links.push((href, nofollow));
                    }
                }
                "script" => scan.scripts.extend(attr(e, &local_name!("src"))),
                "main" if scan.main.is_none() => scan.main = Some(el),
                "article" => scan.articles.push(el),
                "body" if scan.body.is_none() => scan.body = Some(el),
                _ => {}
            }
            if scan.role_main.is_none() && attr(e, &local_name!("role")) == Some("main") {
                scan.role_main = Some(el);
            }
        }
        scan
    }

    /// The element the page's text comes from, and whether it is the whole `<body>`: `<main>`,
    /// `[role=main]` or a single `<article>` when the page has one.
    fn main_root(&self) -> (Option<ElementRef<'a>>, bool) {
        if let Some(main) = self.main.or(self.role_main) {
            return (Some(main), false);
        }
        if let [article] = self.articles[..] {
            return (Some(article), false);
        }
        (self.body, true)
    }
}

/// Extracts an HTML page fetched from `url`.
pub fn extract_html(html: &str, url: &Url) -> Extracted {
    let doc = parse::parse(html);
    let scan = Scan::of(&doc);
    let mut out = Extracted::default();

    for content in &scan.robots {
        let content = content.to_ascii_lowercase();
        out.noindex |= content.contains("noindex") || content.contains("none");
        out.nofollow |= content.contains("nofollow") || content.contains("none");
    }
    let base = scan
        .base
        .and_then(|h| url.join(h).ok())
        .unwrap_or_else(|| url.clone());
    out.refresh = scan
        .refresh
        .iter()
        .find_map(|content| refresh_target(content, &base))
        .filter(|target| target != url);
    out.canonical = scan.canonical.and_then(|h| normalize(h, Some(&base)).ok());
    out.title = scan
        .title
        .map(|t| collapse(&t.text().collect::<String>()))
        .unwrap_or_default();

    if !out.nofollow {
        // Normalising is URL parsing: each address is normalised once however often the page
        // links to it (rustdoc's pages link to each method of a type on another page); the
        // fragment, which normalising drops, does not make another address.
        let mut tried = std::collections::HashSet::new();
        let mut seen = std::collections::HashSet::new();
        for &(href, nofollow) in &scan.links {
            if nofollow || !tried.insert(without_fragment(href)) {
                continue;
            }
            if let Ok(link) = normalize(href, Some(&base)) {
                if seen.insert(link.as_str().to_string()) {
                    out.links.push(link);
                }
            }
        }
        for src in &scan.scripts {
            if let Ok(src) = normalize(src, Some(&base)) {
                if src.origin() == url.origin() && seen.insert(src.as_str().to_string()) {
                    out.scripts.push(src);
                }
            }
        }
    }

    let (root, from_body) = scan.main_root();
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

/// `href` up to its fragment, trimmed as [`normalize`] trims it.
fn without_fragment(href: &str) -> &str {
    let href = href.trim();
    href.split_once('#').map_or(href, |(address, _)| address)
}

#[cfg(test)]
mod tests;
