//! Real clients against `cited serve`: the official `openai` Python package on `/v1` (installed into
//! target/pyenv by `scripts/fetch-model --onnx`).

use std::path::PathBuf;
use std::process::Command;

use crate::common::Server;
use crate::python_docs::crawled;

fn python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "no {}: run scripts/fetch-model --onnx",
        python.display()
    );
    python
}

#[test]
fn the_official_openai_client_gets_cited_answers_with_their_citations() {
    let (data, _) = crawled();
    let server = Server::start(data);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients/openai_client.py");
    let out = Command::new(python())
        .arg(script)
        .arg(&server.base)
        .arg("What is a decorator?")
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary");
    assert!(
        summary["annotations"].as_u64().unwrap_or(0) >= 1,
        "{summary}"
    );
}
