//! Errors of the crawl stage.

use thiserror::Error;

/// Everything that can stop a crawl or a single fetch.
#[derive(Debug, Error)]
pub enum CrawlError {
    #[error("invalid url `{0}`: {1}")]
    InvalidUrl(String, String),
    #[error("unsupported url scheme `{0}` (only http and https are crawled)")]
    UnsupportedScheme(String),
    #[error("frontier database error: {0}")]
    Frontier(#[from] store::StoreError),
    #[error("http error: {}", chain(.0))]
    Http(#[from] reqwest::Error),
    #[error("refused: {0}")]
    Refused(String),
    #[error("{0}")]
    Unresolvable(String),
    #[error("too many redirects (more than {0})")]
    TooManyRedirects(usize),
    #[error("redirect without a usable `Location` header")]
    BadRedirect,
    #[error("page sink error: {0}")]
    Sink(String),
    #[error("{0}")]
    Other(String),
}

/// An error with its causes ("error sending request: … : dns error: … resolves only to …").
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
