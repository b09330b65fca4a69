//! The crawl stage of cited.
//!
//! Takes seed URLs and a [`CrawlConfig`], fetches pages politely (robots.txt per RFC 9309, one request
//! in flight per host by default, per-host delays, back-off on 429/503), extracts clean text, sections
//! and links from each HTML page, and hands every fetched [`Page`] to a [`PageSink`]. The frontier is a
//! durable SQLite table (crate `store`), so a crawl killed at any moment resumes where it stopped.

pub mod config;
pub mod crawl;
pub mod error;
pub mod extract;
pub mod fetch;
pub mod robots;
mod schedule;
pub mod sitemap;
pub mod traps;
pub mod url_norm;
mod visit;

pub use config::CrawlConfig;
pub use crawl::{CrawlStats, Crawler, Page, PageSink, SinkOutcome};
pub use error::CrawlError;
pub use extract::{Extracted, Section};
pub use fetch::Validators;
/// The frontier lives in the `store` crate, beside the pages it leads to.
pub use store::Frontier;
pub use url_norm::{normalize, Scope};
