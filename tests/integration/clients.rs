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
    let mut child = crate::common::cited_command(data)
        .args(["chat", "--mode", "lexical"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("chat");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(b"What is the global interpreter lock?\nand what are its drawbacks?\n")
            .expect("write");
    }
    let out = child.wait_with_output().expect("chat output");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
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
