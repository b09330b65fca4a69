//! The default embedding model and the fast runtime for it, fetched on first use.
//!
//! `cited index` (and `cited crawl`) download sentence-transformers/all-MiniLM-L6-v2 from the Hugging
//! Face hub into `DATA/models/all-MiniLM-L6-v2` when no model is configured and none is there yet,
//! with a progress bar. The files land in a `.part` directory that is renamed into place once all
//! are complete, so an interrupted download is never mistaken for a model. Offline, the download
//! fails fast and cited stays lexical, saying so once.
//!
//! ONNX Runtime (about 5× faster than the built-in candle runtime) comes the same way: the
//! `libonnxruntime` of a pinned PyPI `onnxruntime` wheel, checked against its SHA-256, unpacked into
//! `DATA/runtime/` ([`ensure_runtime`]). One installed where the system's loader looks is used too
//! ([`find_runtime`]).

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
/// Files used when present (hub path, local name): the model exported to ONNX and the tokenizer
/// files fastembed reads, for ONNX Runtime.
const OPTIONAL_FILES: &[(&str, &str)] = &[
    ("onnx/model.onnx", "model.onnx"),
    ("special_tokens_map.json", "special_tokens_map.json"),
    ("tokenizer_config.json", "tokenizer_config.json"),
];

/// Where ONNX Runtime wheels are downloaded from (PyPI's file host, or a mirror:
/// `CITED_RUNTIME_ENDPOINT`).
pub const RUNTIME_ENDPOINT: &str = "https://files.pythonhosted.org";
/// The ONNX Runtime version cited fetches (its API matches the `ort` crate cited is built with).
pub const RUNTIME_VERSION: &str = "1.32.0";
/// The library's file name inside the wheel's `onnxruntime/capi/`, and in `DATA/runtime/`.
const RUNTIME_FILE: &str = "libonnxruntime.so.1.32.0";

/// A pinned wheel of ONNX Runtime.
struct Wheel {
    arch: &'static str,
    /// Path under [`RUNTIME_ENDPOINT`].
    path: &'static str,
    sha256: &'static str,
}

const WHEELS: &[Wheel] = &[
    Wheel {
        arch: "x86_64",
        path: "packages/1d/46/e6f356c9539d2eed44126de3421a81e217da2ad91b22dc11b379cb1e384f/onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        sha256: "5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d",
    },
    Wheel {
        arch: "aarch64",
        path: "packages/b7/30/103820b32e9dc1d1fcfc5b519fd2de5bd699d25a25895caf5d726350d1b5/onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_aarch64.whl",
        sha256: "2303372a85299b6757b0e11e1cbf13e410ddf7e10c37f4b37e99d1c90e7daf7c",
    },
];

/// Where [`ensure_runtime`] puts ONNX Runtime.
pub fn runtime_path(data: &DataDir) -> PathBuf {
    data.root().join("runtime").join(RUNTIME_FILE)
}

/// An ONNX Runtime library to use: the one fetched into `DATA/runtime/`, else one installed in the
/// usual system places.
pub fn find_runtime(data: &DataDir) -> Option<PathBuf> {
    let fetched = runtime_path(data);
    if fetched.exists() {
        return Some(fetched);
    }
    [
        "/usr/local/lib/libonnxruntime.so",
        "/usr/lib/libonnxruntime.so",
        "/usr/lib/x86_64-linux-gnu/libonnxruntime.so",
        "/usr/lib/aarch64-linux-gnu/libonnxruntime.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Makes sure ONNX Runtime is in `DATA/runtime/`, downloading the pinned wheel from `endpoint` and
/// checking its SHA-256 if needed. Returns the library's path.
pub async fn ensure_runtime(
    data: &DataDir,
    endpoint: &str,
    new_bar: NewBar<'_>,
) -> Result<PathBuf> {
    let target = runtime_path(data);
    if target.exists() {
        return Ok(target);
    }
    let Some(wheel) = WHEELS
        .iter()
        .find(|w| cfg!(target_os = "linux") && w.arch == std::env::consts::ARCH)
    else {
        bail!(
            "no ONNX Runtime {RUNTIME_VERSION} wheel is pinned for {} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        );
    };
    let dir = target.parent().expect("runtime_path has a parent");
    tokio::fs::create_dir_all(dir).await?;
    let part = dir.join("onnxruntime.whl.part");
    let url = format!("{}/{}", endpoint.trim_end_matches('/'), wheel.path);
    download(&client()?, &url, &part, new_bar)
        .await
        .with_context(|| format!("cannot download {url}"))?;
    let (part2, target2) = (part.clone(), target.clone());
    let unpacked =
        tokio::task::spawn_blocking(move || unpack_runtime(&part2, wheel.sha256, &target2))
            .await
            .context("unpacking task failed")?;
    let _ = tokio::fs::remove_file(&part).await;
    unpacked.with_context(|| format!("bad ONNX Runtime wheel from {url}"))?;
    Ok(target)
}

/// Checks the wheel at `wheel` against `sha256` and writes its library to `target` (through a
/// `.part` file, so that a half-written library is never loaded).
fn unpack_runtime(wheel: &Path, sha256: &str, target: &Path) -> Result<()> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(wheel)?;
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if hex != sha256 {
        bail!("SHA-256 {hex}, expected {sha256}");
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut member = archive
        .by_name(&format!("onnxruntime/capi/{RUNTIME_FILE}"))
        .context("the wheel has no ONNX Runtime library")?;
    let part = target.with_extension("part");
    let mut out = std::fs::File::create(&part)?;
    std::io::copy(&mut member, &mut out)?;
    out.sync_all()?;
    std::fs::rename(&part, target)?;
    Ok(())
}

fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
        .user_agent(concat!("cited/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

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
    let client = client()?;
    let base = endpoint.trim_end_matches('/');
    for file in FILES {
        let url = format!("{base}/{DEFAULT_REPO}/resolve/main/{file}");
        download(&client, &url, &part.join(file), new_bar)
            .await
            .with_context(|| format!("cannot download {url}"))?;
    }
    for (file, name) in OPTIONAL_FILES {
        let url = format!("{base}/{DEFAULT_REPO}/resolve/main/{file}");
        if let Err(e) = download(&client, &url, &part.join(name), new_bar).await {
            tracing::info!(%url, error = %format!("{e:#}"), "optional model file not downloaded");
            let _ = tokio::fs::remove_file(part.join(name)).await;
        }
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
