//! cited: a self-hostable answer engine.
//!
//! The root crate glues the pipeline: [`ingest`] runs the crawler into the page store, [`index`]
//! keeps the index (and its generations) in step with it, [`retrieve`] finds passages, [`answer`] turns them into a short answer whose every
//! sentence cites the passage it came from, and [`serve`] / [`cli`] are the two ways in.

pub mod answer;
pub mod cli;
pub mod config;
pub mod data_dir;
pub mod dto;
pub mod engine;
pub mod eval;
pub mod index;
pub mod ingest;
pub mod jobs;
pub mod mcp;
pub mod models;
pub mod retrieve;
pub mod serve;
pub mod status;
#[cfg(test)]
mod test_support;
