//! The default embedding model, fetched on first use.
//!
//! `cited index` (and `cited crawl`) download sentence-transformers/all-MiniLM-L6-v2 from the Hugging
//! Face hub into `DATA/models/all-MiniLM-L6-v2` when no model is configured and none is there yet,
//! with a progress bar. The files land in a `.part` directory that is renamed into place once all
//! are complete, so an interrupted download is never mistaken for a model. Offline, the download
//! fails fast and cited stays lexical, saying so once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::data_dir::DataDir;

/// Where models are downloaded from (the Hugging Face hub, or a mirror: `CITED_MODEL_ENDPOINT`).
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// The hub repository of the default model.
pub const DEFAULT_REPO: &str = "sentence-transformers/all-MiniLM-L6-v2";

/// What a sentence-transformers model directory needs for cited to load it.
const FILES: &[&str] = &[
    "config.json",
    "tokenizer.json",
    "1_Pooling/config.json",
    "model.safetensors",
];

/// Shows a download's progress: made for a file name and its length, if known (the CLI draws a
/// bar; `indicatif::ProgressBar::hidden` shows nothing).
pub type NewBar<'a> = &'a (dyn Fn(&str, Option<u64>) -> indicatif::ProgressBar + Sync);

/// Makes sure the default model is in `data`, downloading it from `endpoint` if needed, each file's
/// progress shown on a bar from `new_bar`. Returns its directory.
pub async fn ensure_default(
    data: &DataDir,
    endpoint: &str,
    new_bar: NewBar<'_>,
) -> Result<PathBuf> {
    let dir = data
        .root()
        .join("models")
        .join(indexer::embed::DEFAULT_MODEL);
    if dir.join("config.json").exists() {
        return Ok(dir);
    }
    let part = dir.with_extension("part");
    if part.exists() {
        tokio::fs::remove_dir_all(&part).await?;
    }
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
        .user_agent(concat!("cited/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let base = endpoint.trim_end_matches('/');
    for file in FILES {
        let url = format!("{base}/{DEFAULT_REPO}/resolve/main/{file}");
        download(&client, &url, &part.join(file), new_bar)
            .await
            .with_context(|| format!("cannot download {url}"))?;
    }
    tokio::fs::rename(&part, &dir).await?;
    Ok(dir)
}

async fn download(
    client: &reqwest::Client,
    url: &str,
    to: &Path,
    new_bar: NewBar<'_>,
) -> Result<()> {
    let response = client.get(url).send().await?;
    if !response.status().is_success() {
        bail!("HTTP {}", response.status());
    }
    if let Some(parent) = to.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bar = new_bar(&format!("downloading {name}"), response.content_length());
    let mut file = tokio::fs::File::create(to).await?;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        file.write_all(&chunk).await?;
        bar.inc(chunk.len() as u64);
    }
    file.sync_all().await?;
    bar.finish_and_clear();
    Ok(())
}
