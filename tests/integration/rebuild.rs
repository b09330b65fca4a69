//! Rebuild jobs: a new index generation built beside the one in service and switched atomically —
//! under continuous query load, killed midway, and triggered by a change of embedding model.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cited::dto::AnswerResponse;

use crate::common::{
    cited_command, cited_json, cited_ok, cited_with_file_limit, crawl_fast, kill_moments, kills,
    model_dir, python_docs, run_and_kill, serve_dir, Server,
};

/// A fresh crawl of part of the Python docs, in its own data directory (rebuilds change it).
fn crawl_docs(pages: &str) -> tempfile::TempDir {
    crawl_docs_with(pages, &[])
}

fn crawl_docs_with(pages: &str, flags: &[&str]) -> tempfile::TempDir {
    let addr = serve_dir(&python_docs());
    let data = tempfile::tempdir().expect("data");
    let seed = format!("http://{addr}/glossary.html");
    crawl_fast(data.path(), &seed, pages, flags);
    data
}

/// A copy of the page store and frontier of `data` (nothing else) in a new directory.
fn copy_store(data: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("copy");
    std::fs::copy(data.join("store.sqlite"), copy.path().join("store.sqlite")).expect("copy store");
    copy
}

/// What a user sees for a few questions: the answer sentences with their citations, and the top
/// search results.
fn answers(data: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for q in [
        "What is the global interpreter lock?",
        "What is a decorator?",
        "What does duck typing mean?",
    ] {
        let answer: serde_json::Value = cited_json(data, &["ask", q, "--json"]);
        out.push(answer["sentences"].clone());
        out.push(answer["sources"].clone());
        let mut hits: serde_json::Value =
            cited_json(data, &["search", q, "--json", "--mode", "lexical"]);
        // Scores summed over a different set of segments differ in the last float digits.
        for hit in hits["hits"].as_array_mut().expect("hits") {
            let score = hit["score"].as_f64().expect("score");
            hit["score"] = serde_json::json!((score * 1000.0).round() / 1000.0);
        }
        out.push(hits["hits"].clone());
    }
    out
}

fn generation_dirs(data: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(data)
        .expect("data dir")
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|n| n.starts_with("gen-") || n == "index")
        .collect();
    out.sort();
    out
}

#[derive(serde::Deserialize)]
struct Report {
    from: u64,
    to: u64,
    pages: u64,
    chunks: u64,
}

#[test]
fn queries_never_fail_while_rebuilds_switch_generations() {
    let data = crawl_docs("120");
    let data = data.path();
    let server = Server::start(data);
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let generations = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let (base, stop, served, failures, generations) = (
                server.base.clone(),
                stop.clone(),
                served.clone(),
                failures.clone(),
                generations.clone(),
            );
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let questions = [
                    "What is the global interpreter lock?",
                    "What is a decorator?",
                    "What is a generator?",
                ];
                let mut n = i;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let q = questions[n % questions.len()];
                    let outcome = client
                        .get(format!("{base}/api/answer"))
                        .query(&[("q", q)])
                        .send()
                        .and_then(|r| r.error_for_status())
                        .and_then(|r| r.json::<AnswerResponse>());
                    match outcome {
                        Ok(a) if !a.sentences.is_empty() => {
                            served.fetch_add(1, Ordering::Relaxed);
                            generations.lock().expect("gens").insert(a.generation);
                        }
                        Ok(a) => failures
                            .lock()
                            .expect("f")
                            .push(format!("empty answer to {q} (generation {})", a.generation)),
                        Err(e) => failures.lock().expect("f").push(format!("{q}: {e}")),
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    for expected in [1, 2] {
        let report: Report = cited_json(data, &["rebuild", "--json"]);
        assert_eq!((report.from, report.to), (expected - 1, expected));
        assert!(
            report.pages > 100 && report.chunks > 1000,
            "{}/{}",
            report.pages,
            report.chunks
        );
        // The server switches within a second or so.
        let deadline = Instant::now() + Duration::from_secs(15);
        while !generations.lock().expect("gens").contains(&expected) {
            assert!(
                Instant::now() < deadline,
                "the server never served generation {expected}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().expect("client");
    }
    let failures = failures.lock().expect("f");
    let served = served.load(Ordering::Relaxed);
    eprintln!(
        "answered {served} questions during two rebuilds, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(served > 20, "only {served} answers");
    assert_eq!(
        *generations.lock().expect("gens"),
        [0, 1, 2].into_iter().collect(),
        "answers record the generation they came from"
    );
    // The old generations go once no reader holds them (the server lets go of them after switching).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let dirs = generation_dirs(data);
        if dirs == ["gen-2"] {
            break;
        }
        assert!(Instant::now() < deadline, "old generations left: {dirs:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_rebuild_killed_midway_leaves_the_current_generation_serving() {
    let data = crawl_docs("120");
    let data = data.path();
    let question = "What is the global interpreter lock?";
    let before: AnswerResponse = cited_json(data, &["ask", question, "--json"]);
    assert!(!before.sentences.is_empty());
    let mut killed = 0;
    for delay_ms in [30, 150, 400, 900] {
        let mut child = cited_command(data)
            .args(["rebuild"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start rebuild");
        std::thread::sleep(Duration::from_millis(delay_ms));
        // A rebuild that finished before its kill is not a killed rebuild: on a fast machine the
        // longer delays outlast it, and later ones would too.
        if child.try_wait().expect("rebuild status").is_some() {
            break;
        }
        let _ = Command::new("kill")
            .args(["-9", &child.id().to_string()])
            .status();
        let status = child.wait().expect("rebuild status");
        let after: AnswerResponse = cited_json(data, &["ask", question, "--json"]);
        assert_eq!(after.answer, before.answer, "killed after {delay_ms} ms");
        if status.success() || after.generation != 0 {
            // It had switched before the kill: the new generation serves.
            break;
        }
        killed += 1;
    }
    assert!(killed >= 2, "only {killed} rebuilds were killed midway");
    let current: AnswerResponse = cited_json(data, &["ask", question, "--json"]);
    // The next rebuild starts clean: it clears what the killed ones left and switches.
    let report: Report = cited_json(data, &["rebuild", "--json"]);
    assert_eq!(report.from, current.generation);
    let after: AnswerResponse = cited_json(data, &["ask", question, "--json"]);
    assert_eq!(after.generation, report.to);
    assert_eq!(after.answer, before.answer, "same pages, same answer");
    assert_eq!(generation_dirs(data), [format!("gen-{}", report.to)]);
}

#[derive(serde::Deserialize)]
struct Stats {
    generation: u64,
    chunks: u64,
    vectors: u64,
    sentence_vectors: u64,
    model: Option<String>,
}

/// A different embedding model (here the same weights under another name, which is another model id)
/// builds a new generation instead of mixing vectors or re-embedding in place.
#[test]
fn a_model_change_builds_a_new_generation() {
    let site = tempfile::tempdir().expect("site");
    std::fs::write(
        site.path().join("index.html"),
        "<html><head><title>Ferrets</title></head><body><h1>Ferrets</h1>\
         <p>Ferrets sleep about fourteen hours a day, mostly in dark burrows.</p>\
         <p>Ferrets are obligate carnivores and must eat meat.</p></body></html>",
    )
    .expect("page");
    let addr = serve_dir(site.path());
    let data = tempfile::tempdir().expect("data");
    let data = data.path();
    let model_a = model_dir();
    let models = tempfile::tempdir().expect("models");
    let model_b = models.path().join("minilm-renamed");
    std::os::unix::fs::symlink(&model_a, &model_b).expect("symlink");
    let (a, b) = (
        model_a.to_str().expect("utf-8"),
        model_b.to_str().expect("utf-8"),
    );
    cited_ok(
        data,
        &[
            "--model-dir",
            a,
            "crawl",
            &format!("http://{addr}/index.html"),
            "--delay-ms",
            "0",
        ],
    );
    let first: Stats = cited_json(data, &["--model-dir", a, "stats", "--json"]);
    assert_eq!(first.generation, 0);
    assert_eq!(first.vectors, first.chunks);
    assert_eq!(
        first.sentence_vectors, first.chunks,
        "every passage's sentences too"
    );
    let out = cited_command(data)
        .args(["--model-dir", b, "index"])
        .output()
        .expect("index");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("embedding model changed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second: Stats = cited_json(data, &["--model-dir", b, "stats", "--json"]);
    assert_eq!(second.generation, 1);
    assert_eq!(
        second.vectors, second.chunks,
        "every passage embedded by the new model"
    );
    assert_eq!(
        second.sentence_vectors, second.chunks,
        "the new generation has its own sentence vectors"
    );
    let model = second.model.expect("model");
    assert!(model.starts_with("minilm-renamed/"), "{model}");
    let answer: AnswerResponse = cited_json(
        data,
        &[
            "--model-dir",
            b,
            "ask",
            "--mode",
            "dense",
            "When do ferrets rest?",
            "--json",
        ],
    );
    assert_eq!(answer.generation, 1);
    assert!(
        answer.answer.contains("fourteen hours"),
        "{}",
        answer.answer
    );
}

/// `cited index` and `cited rebuild`, each killed with SIGKILL at pseudo-random moments (`CITED_KILLS`
/// kills in all, alternating; 8 by default): after every kill the store and the index open and
/// questions are answered; at the end, the same pages, passages, answers and results as a copy of
/// the same store indexed without a kill.
#[test]
fn standalone_index_and_rebuild_survive_repeated_kills() {
    let killed = crawl_docs_with("120", &["--no-index"]);
    let killed = killed.path();
    let clean = copy_store(killed);
    let mut moments = kill_moments(20, 1200);
    for n in 0..kills() {
        let command = if n % 2 == 0 { "index" } else { "rebuild" };
        run_and_kill(killed, &[command], moments());
        let _: serde_json::Value = cited_json(killed, &["stats", "--json"]);
        let _: serde_json::Value = cited_json(
            killed,
            &["ask", "What is the global interpreter lock?", "--json"],
        );
    }
    cited_ok(killed, &["index"]);
    cited_ok(clean.path(), &["index"]);
    let stats = |data: &Path| -> (u64, u64) {
        let s: serde_json::Value = cited_json(data, &["stats", "--json"]);
        (
            s["pages"].as_u64().expect("pages"),
            s["chunks"].as_u64().expect("chunks"),
        )
    };
    assert_eq!(stats(killed), stats(clean.path()));
    assert_eq!(stats(killed).0, 120);
    for (a, b) in answers(killed).iter().zip(answers(clean.path())) {
        assert_eq!(a, &b, "\nkilled: {a:#}\nclean: {b:#}");
    }
    // What the killed rebuilds left behind is cleared by the next one.
    let report: Report = cited_json(killed, &["rebuild", "--json"]);
    assert_eq!(generation_dirs(killed), [format!("gen-{}", report.to)]);
    assert_eq!(answers(killed), answers(clean.path()));
}

/// A full disk (every file limited to 64 KiB: writes past it fail as on a full disk) while `cited
/// index` and `cited rebuild` write: each fails with a clear error and a failed job, the server
/// keeps answering from the index as it was, and once there is room both succeed.
#[test]
fn a_full_disk_fails_index_and_rebuild_clearly_while_the_old_index_serves() {
    let data = crawl_docs("60");
    let data = data.path();
    let before = answers(data);
    let server = Server::start(data);
    let served = |q: &str| -> serde_json::Value {
        let url = format!("{}/api/answer?q={}", server.base, q.replace(' ', "+"));
        let body = reqwest::blocking::get(url).expect("answer");
        assert_eq!(body.status(), 200);
        body.json::<serde_json::Value>().expect("json")["sentences"].clone()
    };
    let served_before = served("What is the global interpreter lock?");
    // More pages to index, fetched without indexing.
    cited_ok(
        data,
        &[
            "crawl",
            "--delay-ms",
            "0",
            "--per-host",
            "4",
            "--max-pages",
            "120",
            "--no-index",
        ],
    );

    for command in ["index", "rebuild"] {
        let out = cited_with_file_limit(data, 64, &[command]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{command} succeeded on a full disk");
        assert!(
            stderr.contains("cannot write the index") && stderr.contains("disk full"),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("panicked at"), "{stderr}");
        let jobs: Vec<serde_json::Value> = cited_json(data, &["jobs", "--json"]);
        let job = jobs.iter().find(|j| j["kind"] == command).expect("job");
        assert_eq!(job["state"], "failed", "{job}");
        // Nothing changed for readers.
        assert_eq!(answers(data), before, "after a failed {command}");
        assert_eq!(
            served("What is the global interpreter lock?"),
            served_before
        );
        let status: serde_json::Value = cited_json(data, &["stats", "--json"]);
        assert_eq!(status["generation"], 0);
    }

    // With room again, both succeed and the new pages are searchable.
    let indexed = cited_ok(data, &["index"]);
    assert!(indexed.contains("60 pages added"), "{indexed}");
    let report: Report = cited_json(data, &["rebuild", "--json"]);
    assert_eq!(report.pages, 120);
    let status: serde_json::Value = cited_json(data, &["stats", "--json"]);
    assert_eq!(status["generation"], report.to);
}

/// A page of links only (the PostgreSQL manual's index.html, whose link lists extraction drops)
/// holds no text to index: `cited index` does not count it as added on every run, and a rebuild
/// verifies the pages that have text instead of refusing to switch.
#[test]
fn a_page_without_text_neither_fails_a_rebuild_nor_is_added_again() {
    let site = tempfile::tempdir().expect("site");
    let links: String = (0..12)
        .map(|i| format!(r#"<li><a href="p{i}.html">Chapter {i}</a></li>"#))
        .collect();
    std::fs::write(
        site.path().join("index.html"),
        format!("<html><head><title>Manual</title></head><body><ul>{links}</ul></body></html>"),
    )
    .expect("index page");
    for i in 0..12 {
        std::fs::write(
            site.path().join(format!("p{i}.html")),
            format!(
                "<html><head><title>Chapter {i}</title></head><body><main><h1>Chapter {i}</h1>\
                 <p>Chapter {i} explains how the server keeps its write-ahead log.</p></main></body></html>"
            ),
        )
        .expect("chapter page");
    }
    let addr = serve_dir(site.path());
    let data = tempfile::tempdir().expect("data");
    let crawled = crawl_fast(data.path(), &format!("http://{addr}/index.html"), "50", &[]);
    assert!(crawled.contains("13 stored"), "{crawled}");
    let again = cited_ok(data.path(), &["index"]);
    assert!(
        again.contains("0 pages added") && again.contains("1 pages hold no text"),
        "{again}"
    );
    let report: Report = cited_json(data.path(), &["rebuild", "--json"]);
    assert_eq!((report.from, report.to, report.pages), (0, 1, 12));
}
