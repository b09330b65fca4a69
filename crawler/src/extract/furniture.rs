//! Page furniture: what is on a page but is not its content (navigation, sidebars, "Prev / Up / Next"
//! bars, link lists), recognised by class words and link density.

use html5ever::local_name;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use ego_tree::NodeRef;
use scraper::Node;

use super::text::{attr, classes, MAX_DEPTH};

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
pub(super) fn is_furniture(el: &scraper::node::Element) -> bool {
    if el.id().is_some_and(|id| {
        FURNITURE
            .iter()
            .chain(&["nav", "navigation", "toc"])
            .any(|f| id.eq_ignore_ascii_case(f))
    }) {
        return true;
    }
    // Every block's classes are read: one automaton pass a word, whatever its case.
    static CONTENT_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| words_in(CONTENT));
    static FURNITURE_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| words_in(FURNITURE));
    let mut furniture = false;
    for word in classes(el) {
        if CONTENT_WORDS.is_match(word) {
            return false;
        }
        let starts = |prefix: &str| {
            word.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        };
        furniture |= starts("nav")
            || word.eq_ignore_ascii_case("toc")
            || starts("toc-")
            || starts("toctree")
            || FURNITURE_WORDS.is_match(word);
    }
    furniture
}

/// Finds any of `words` in a class word, ignoring ASCII case.
fn words_in(words: &[&str]) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .expect("static words build an automaton")
}

/// Returns true if `node` holds a heading: a block named like furniture (`card-header`,
/// `section-header`) that wraps a section's heading is kept, so the outline stays whole.
pub(super) fn holds_heading(node: NodeRef<'_, Node>) -> bool {
    node.descendants().any(|d| {
        d.value()
            .as_element()
            .is_some_and(|e| matches!(e.name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6"))
    })
}

/// Blocks that hold lists of links rather than text: a list, table or division with at least
/// [`MIN_LINKS`] links whose link text is more than [`LINK_DENSITY`] of its text (a table of
/// contents, a book index, a link bar), unless a paragraph introduces the list with a colon (see
/// [`introduced`]). A link inside code (`<code>`, `<pre>`: the type names of a signature that
/// API docs link to their pages, `ArrayList(Collection<? extends E> c)`) is code, not a link: an
/// entry's signature is its term, not navigation (a link holding code, as a table of contents
/// writes `os.path`, is still a link). Measured once per page, bottom up.
const MIN_LINKS: usize = 3;
const LINK_DENSITY: f32 = 0.5;

pub(super) fn link_dense_blocks(
    root: NodeRef<'_, Node>,
) -> std::collections::HashSet<ego_tree::NodeId> {
    #[derive(Default, Clone, Copy)]
    struct Measure {
        text: usize,
        link_text: usize,
        links: usize,
    }
    fn measure(
        node: NodeRef<'_, Node>,
        in_link: bool,
        in_code: bool,
        depth: usize,
        dense: &mut std::collections::HashSet<ego_tree::NodeId>,
    ) -> Measure {
        let mut m = Measure::default();
        if depth > MAX_DEPTH {
            return m;
        }
        if let Node::Text(t) = node.value() {
            // The characters that are not white space (by bytes when the text is ASCII, as
            // most is: the same count, without decoding).
            m.text = if t.is_ascii() {
                t.bytes()
                    .filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r'))
                    .count()
            } else {
                t.chars().filter(|c| !c.is_whitespace()).count()
            };
            m.link_text = if in_link { m.text } else { 0 };
            return m;
        }
        let element = node.value().as_element();
        let code = in_code || element.is_some_and(|el| matches!(el.name(), "code" | "pre"));
        let link = !code
            && element
                .is_some_and(|el| el.name() == "a" && attr(el, &local_name!("href")).is_some());
        for child in node.children() {
            let c = measure(child, in_link || link, code, depth + 1, dense);
            m.text += c.text;
            m.link_text += c.link_text;
            m.links += c.links;
        }
        m.links += usize::from(link);
        if element.is_some_and(|el| matches!(el.name(), "ul" | "ol" | "dl" | "table" | "div"))
            && m.links >= MIN_LINKS
            && m.link_text as f32 > LINK_DENSITY * m.text as f32
            && !introduced(node)
        {
            dense.insert(node.id());
        }
        m
    }
    let mut dense = std::collections::HashSet::new();
    measure(root, false, false, 0, &mut dense);
    dense
}

/// Returns true if `node` is a list that the paragraph right before it introduces with a colon:
/// content, however many links it holds ("Before publishing, make sure you have filled out the
/// following fields:" over `license`, `description`, `homepage`, … each a link to its entry).
fn introduced(node: NodeRef<'_, Node>) -> bool {
    let is_list = node
        .value()
        .as_element()
        .is_some_and(|el| matches!(el.name(), "ul" | "ol" | "dl"));
    let written = |t: &str| !t.trim().is_empty();
    is_list
        && node
            .prev_siblings()
            .find(|s| match s.value() {
                Node::Text(t) => written(t),
                Node::Comment(_) => false,
                _ => true,
            })
            .is_some_and(|p| {
                p.value().as_element().is_some_and(|el| el.name() == "p")
                    && p.descendants()
                        .filter_map(|d| d.value().as_text())
                        .filter(|t| written(t))
                        .last()
                        .is_some_and(|t| t.trim_end().ends_with(':'))
            })
}
