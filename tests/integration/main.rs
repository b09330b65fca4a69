//! End-to-end tests: real sites on 127.0.0.1 → `cited crawl` → `cited index` → `cited ask` / HTTP.

#[path = "../common/mod.rs"]
mod common;

mod abuse;
mod answers;
mod browser;
mod clients;
mod config;
mod dense;
mod eval;
mod generate;
mod hostile;
mod http;
mod jobs;
mod python_docs;
mod qdrant;
mod rebuild;
mod refresh;
mod resume;
