//! Links read out of a page's scripts: the paths of pages a navigation script names (Doxygen's
//! menus and search index link most of an API reference only from JavaScript).

use url::Url;

use crate::url_norm::normalize;

/// Extensions of the paths a script names that are pages (`"files.html"`, `"group__x.html#a1"`).
pub(super) const PAGE_EXTENSIONS: &[&str] =
    &[".html", ".htm", ".xhtml", ".php", ".asp", ".aspx", ".jsp"];

/// The most links one script gives (a navigation index of a large API lists every member).
pub(super) const MAX_SCRIPT_LINKS: usize = 20_000;

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
pub(super) fn names_page(literal: &str) -> bool {
    let path = literal.split(['#', '?']).next().unwrap_or("");
    !path.is_empty()
        && literal
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./%~+#?=&:".contains(&b))
        && PAGE_EXTENSIONS
            .iter()
            .any(|e| path.len() > e.len() && path[path.len() - e.len()..].eq_ignore_ascii_case(e))
}
