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
}

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
/// Between the cells of a table row in the clean text.
pub const CELL_SEPARATOR: &str = " | ";
/// Deep enough for any real page; deeper nesting is hostile and its text is dropped.
const MAX_DEPTH: usize = 512;

fn selector(s: &str) -> Selector {
    Selector::parse(s).expect("static selector is valid")
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
    }

    let (root, from_body) = main_root(&doc);
    let mut builder = TextBuilder::default();
    if let Some(root) = root {
        builder.link_dense = link_dense_blocks(*root);
        builder.walk(*root, from_body, 0);
    }
    let (text, sections) = builder.finish();
    if out.title.is_empty() {
        out.title = sections
            .iter()
            .find(|s| s.level > 0)
            .and_then(|s| s.heading_path.last().cloned())
            .unwrap_or_default();
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

/// Words of class and id values that mark page furniture rather than content (after Readability's
/// "unlikely candidates"): navigation bars, breadcrumbs, menus, sidebars, page headers and footers,
/// tables of contents, comments, pagers.
const FURNITURE: &[&str] = &[
    "breadcrumb",
    "banner",
    "sidebar",
    "menu",
    "footer",
    "header",
    "related",
    "pagination",
    "pager",
    "comment",
    "social",
    "sponsor",
    "popup",
    "cookie",
    "skip-link",
];
/// Class or id words that mark content even when a furniture word is also there.
const CONTENT: &[&str] = &["article", "content", "main", "body", "column"];

/// Returns true if `el`'s class says it is page furniture (see [`FURNITURE`]): class words
/// containing a furniture word, or starting with `nav` or `toc` (`navheader`, `nav-chapters`,
/// `toctree-wrapper`), or an id that is exactly one of those words. Other ids are left alone: they
/// are often made from a section's title (`sql-syntax-comments`, `new-features-related-to-…`).
fn is_furniture(el: &scraper::node::Element) -> bool {
    if el.id().is_some_and(|id| {
        let id = id.to_ascii_lowercase();
        FURNITURE.contains(&id.as_str()) || matches!(id.as_str(), "nav" | "navigation" | "toc")
    }) {
        return true;
    }
    let mut furniture = false;
    for word in el.classes() {
        let word = word.to_ascii_lowercase();
        if CONTENT.iter().any(|c| word.contains(c)) {
            return false;
        }
        furniture |= word.starts_with("nav")
            || word == "toc"
            || word.starts_with("toc-")
            || word.starts_with("toctree")
            || FURNITURE.iter().any(|f| word.contains(f));
    }
    furniture
}

/// Returns true if `node` holds a heading: a block named like furniture (`card-header`,
/// `section-header`) that wraps a section's heading is kept, so the outline stays whole.
fn holds_heading(node: NodeRef<'_, Node>) -> bool {
    node.descendants().any(|d| {
        d.value()
            .as_element()
            .is_some_and(|e| matches!(e.name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6"))
    })
}

/// Blocks that hold lists of links rather than text: a list, table or division with at least
/// [`MIN_LINKS`] links whose link text is more than [`LINK_DENSITY`] of its text (a table of
/// contents, a book index, a link bar). Measured once per page, bottom up.
const MIN_LINKS: usize = 3;
const LINK_DENSITY: f32 = 0.5;

fn link_dense_blocks(root: NodeRef<'_, Node>) -> std::collections::HashSet<ego_tree::NodeId> {
    #[derive(Default, Clone, Copy)]
    struct Measure {
        text: usize,
        link_text: usize,
        links: usize,
    }
    fn measure(
        node: NodeRef<'_, Node>,
        in_link: bool,
        depth: usize,
        dense: &mut std::collections::HashSet<ego_tree::NodeId>,
    ) -> Measure {
        let mut m = Measure::default();
        if depth > MAX_DEPTH {
            return m;
        }
        if let Node::Text(t) = node.value() {
            m.text = t.chars().filter(|c| !c.is_whitespace()).count();
            m.link_text = if in_link { m.text } else { 0 };
            return m;
        }
        let element = node.value().as_element();
        let link = element.is_some_and(|el| el.name() == "a" && el.attr("href").is_some());
        for child in node.children() {
            let c = measure(child, in_link || link, depth + 1, dense);
            m.text += c.text;
            m.link_text += c.link_text;
            m.links += c.links;
        }
        m.links += usize::from(link);
        if element.is_some_and(|el| matches!(el.name(), "ul" | "ol" | "dl" | "table" | "div"))
            && m.links >= MIN_LINKS
            && m.link_text as f32 > LINK_DENSITY * m.text as f32
        {
            dense.insert(node.id());
        }
        m
    }
    let mut dense = std::collections::HashSet::new();
    measure(root, false, 0, &mut dense);
    dense
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
                    b"dt" if el.attr("id").is_some() => Some(self.heading_level + 1),
                    _ => None,
                };
                let block = BLOCKS.contains(&name);
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
                    let raw: String = ElementRef::wrap(node)
                        .map(|e| e.text().collect())
                        .unwrap_or_default();
                    self.push_pre(&raw);
                    self.newline();
                    return;
                }
                let heading_start = self.text.len();
                if heading.is_some() {
                    self.close_section(heading_start);
                }
                for child in node.children() {
                    self.walk(child, from_body, depth + 1);
                }
                if let Some(level) = heading {
                    if name.len() == 2 && name.starts_with('h') {
                        self.heading_level = level;
                    }
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
            }
        }
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
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("http://example.com/dir/page.html").expect("valid")
    }

    #[test]
    fn prefers_main_and_drops_boilerplate() {
        let html = r##"<html><head><title> Guide  Page </title><style>p{}</style></head><body>
            <nav><a href="/nav.html">Nav</a> menu text</nav>
            <main><h1>Install<a class="headerlink" href="#x">¶</a></h1><p>Run   the <b>installer</b>.</p>
            <h2>Linux</h2><p>Use apt.</p><script>evil()</script></main>
            <footer>Copyright</footer></body></html>"##;
        let e = extract_html(html, &url());
        assert_eq!(e.title, "Guide Page");
        assert_eq!(e.text, "Install\nRun the installer.\nLinux\nUse apt.");
        assert_eq!(e.sections.len(), 2);
        assert_eq!(
            &e.text[e.sections[0].start..e.sections[0].end],
            "Install\nRun the installer."
        );
        assert_eq!(
            e.sections[1].heading_path,
            vec!["Install".to_string(), "Linux".to_string()]
        );
        assert_eq!(
            &e.text[e.sections[1].start..e.sections[1].end],
            "Linux\nUse apt."
        );
        assert_eq!(e.links[0].as_str(), "http://example.com/nav.html");
    }

    #[test]
    fn body_fallback_skips_header_footer_and_handles_robots_meta() {
        let html = r#"<html><head><meta name="robots" content="NOINDEX, nofollow">
            <link rel="canonical" href="/canon.html"></head><body><header>Site</header>
            <p>Body text.</p><a href="/x">x</a><footer>foot</footer></body></html>"#;
        let e = extract_html(html, &url());
        assert_eq!(e.text, "Body text.\nx");
        assert!(e.noindex && e.nofollow);
        assert!(e.links.is_empty());
        assert_eq!(
            e.canonical.expect("canonical").as_str(),
            "http://example.com/canon.html"
        );
    }

    #[test]
    fn nofollow_links_and_bad_hrefs_are_skipped() {
        let html = r#"<body><a rel="nofollow" href="/a">a</a><a href="javascript:alert(1)">j</a>
            <a href="b.html#top">b</a><a href="b.html">b again</a><a href="mailto:x@y.z">m</a></body>"#;
        let e = extract_html(html, &url());
        let links: Vec<_> = e.links.iter().map(Url::as_str).collect();
        assert_eq!(links, vec!["http://example.com/dir/b.html"]);
    }

    #[test]
    fn malformed_and_deep_html_do_not_panic() {
        let e = extract_html("<p>unclosed <b>bold <i>both</p></div></span>text", &url());
        assert!(e.text.contains("unclosed bold both"));
        let deep = "<div>".repeat(3_000) + "deep" + &"</div>".repeat(3_000);
        let _ = extract_html(&deep, &url());
    }

    /// Found by fuzzing real Python-docs pages: a heading-like element inside another (here a
    /// `<dt id>` inside a `<dt id>`) made the outer section start before the inner one had ended.
    #[test]
    fn nested_headings_never_make_sections_overlap() {
        let html = r#"<main><h1>Top</h1><p>Intro text here.</p><dl><dt id="outer">Outer <dl><dt id="inner">Inner term</dt></dl> tail</dt>
            <dd><p>Body paragraph text.</p></dd></dl><h2>Heading <dt id="x">Inner</dt> more</h2><p>More body.</p><h2>Next</h2><p>Last.</p></main>"#;
        let e = extract_html(html, &url());
        assert!(e.sections.len() >= 3, "{:?}", e.sections);
        let mut last = 0;
        for s in &e.sections {
            assert!(last <= s.start && s.start <= s.end, "{:?}", e.sections);
            last = s.end;
        }
    }

    #[test]
    fn dt_with_id_opens_a_subsection() {
        let html = r#"<main><h1>Functions</h1><dl><dt id="zip">zip(*iterables)</dt><dd><p>Iterate in parallel.</p></dd>
            <dt>no id</dt><dd>plain</dd></dl><h2>Next</h2><p>x</p></main>"#;
        let e = extract_html(html, &url());
        let paths: Vec<_> = e
            .sections
            .iter()
            .map(|s| (s.level, s.heading_path.join("/")))
            .collect();
        assert_eq!(
            paths,
            vec![
                (1, "Functions".into()),
                (2, "Functions/zip(*iterables)".into()),
                (2, "Functions/Next".into())
            ]
        );
        let zip = &e.sections[1];
        assert_eq!(
            &e.text[zip.start..zip.end],
            "zip(*iterables)\nIterate in parallel.\nno id\nplain"
        );
    }

    /// Found by fuzzing with Rust-docs pages: a heading with no text of its own at the very end
    /// opened its section at the end of the text, and trimming the trailing line break left that
    /// start past the end (a slice panic).
    #[test]
    fn an_empty_heading_at_the_end_does_not_panic() {
        for html in [
            "<main><p>Body text.</p><h2></h2></main>",
            "<main><p>Body text.</p><h2> </h2><br></main>",
            "<main><h1>T</h1><p>é</p><dl><dt id=x></dt></dl></main>",
        ] {
            let e = extract_html(html, &url());
            for s in &e.sections {
                assert!(s.start <= s.end && s.end <= e.text.len(), "{html}: {s:?}");
                assert!(e.text.is_char_boundary(s.start) && e.text.is_char_boundary(s.end));
            }
        }
    }

    /// The PostgreSQL manual's pages have no `<main>`: their "Prev Up Home Next" tables are page
    /// furniture by class, a chapter's table of contents and the book index are lists of links.
    #[test]
    fn navigation_tables_and_link_lists_are_not_text() {
        let html = r#"<body><div class="navheader"><table><tr><th>19.5. Shutting Down</th></tr>
            <tr><td><a href="a.html">Prev</a></td><td><a href="b.html">Up</a></td><th>Chapter 19</th>
            <td><a href="index.html">Home</a></td><td><a href="c.html">Next</a></td></tr></table></div>
            <div class="sect1"><h2>19.5. Shutting Down the Server</h2><p>There are several ways to
            shut down the <a href="x.html">database server</a>.</p>
            <div class="toc"><dl><dt><a href="s1.html">19.5.1. Smart</a></dt><dt><a href="s2.html">19.5.2. Fast</a></dt></dl></div>
            <ul><li><a href="1.html">One page</a></li><li><a href="2.html">Two page</a></li><li><a href="3.html">Three</a> x</li></ul>
            <p>Use <span class="menuselection">File → Quit</span> to stop.</p></div>
            <div class="navfooter"><a href="a.html">Prev</a> <a href="b.html">Up</a></div></body>"#;
        let e = extract_html(html, &url());
        assert_eq!(
            e.text,
            "19.5. Shutting Down the Server\nThere are several ways to shut down the database server.\nUse File → Quit to stop."
        );
        // Links are still followed.
        assert!(e.links.iter().any(|l| l.as_str().ends_with("/s2.html")));
        assert!(e.links.iter().any(|l| l.as_str().ends_with("/3.html")));
    }

    #[test]
    fn a_furniture_block_that_wraps_a_heading_is_kept() {
        let html = r#"<main><div class="section-header"><h2>Install</h2></div><p>Run it.</p>
            <div class="footer">Copyright</div></main>"#;
        let e = extract_html(html, &url());
        assert_eq!(e.text, "Install\nRun it.");
        assert_eq!(e.sections[0].heading_path, vec!["Install".to_string()]);
    }

    #[test]
    fn content_words_keep_a_block_and_the_root_is_never_dropped() {
        let html = r#"<main class="nav-layout"><div class="main-header"><h1>Title</h1></div>
            <div class="sidebar-content"><p>Kept text.</p></div></main>"#;
        let e = extract_html(html, &url());
        assert_eq!(e.text, "Title\nKept text.");
    }

    #[test]
    fn a_table_row_is_one_line() {
        let html = r#"<main><table><tr><th>Name</th><th>Size</th></tr>
            <tr><td>bigint</td> <td>8 bytes</td></tr><tr><td><p>lpad</p><p>Pads.</p></td><td>x</td></tr></table></main>"#;
        let e = extract_html(html, &url());
        assert_eq!(e.text, "Name | Size\nbigint | 8 bytes\nlpad\nPads.\nx");
    }

    #[test]
    fn pre_keeps_lines() {
        let e = extract_html(
            "<main><p>Example:</p><pre>a = 1\n\n  b = 2\n</pre><p>After.</p></main>",
            &url(),
        );
        assert_eq!(e.text, "Example:\na = 1\n  b = 2\nAfter.");
    }
}
