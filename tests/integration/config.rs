//! `cited.toml`: settings from a file, under environment variables and flags.

use crate::common::{cited_bin, python_docs, serve_dir};

#[derive(serde::Deserialize)]
struct Stats {
    data_dir: String,
    pages: u64,
}

#[test]
fn a_config_file_sets_defaults_that_environment_and_flags_override() {
    let addr = serve_dir(&python_docs());
    let dir = tempfile::tempdir().expect("dir");
    let from_file = dir.path().join("from-file");
    let config = dir.path().join("cited.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n\n[crawl]\nmax_pages = 3\ndelay_ms = 0\nper_host = 4\nno_sitemaps = true\n",
            from_file.display()
        ),
    )
    .expect("write");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(cited_bin());
        command
            .env("CITED_OFFLINE", "1")
            .env_remove("CITED_DATA_DIR")
            .current_dir(dir.path());
        for (k, v) in env {
            command.env(k, v);
        }
        command.args(args).output().expect("run cited")
    };
    // ./cited.toml is read without being named: the crawl stops at its max_pages.
    let seed = format!("http://{addr}/glossary.html");
    let out = run(&["crawl", &seed], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: Stats =
        serde_json::from_slice(&run(&["stats", "--json"], &[]).stdout).expect("stats");
    assert_eq!(stats.pages, 3);
    assert!(stats.data_dir.ends_with("from-file"), "{}", stats.data_dir);

    // The environment beats the file, and a flag beats both.
    let from_env = dir.path().join("from-env");
    let env = [("CITED_DATA_DIR", from_env.to_str().expect("utf-8"))];
    let stats: Stats =
        serde_json::from_slice(&run(&["stats", "--json"], &env).stdout).expect("stats");
    assert!(stats.data_dir.ends_with("from-env"), "{}", stats.data_dir);
    let out = run(&["crawl", &seed, "--max-pages", "1"], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: Stats =
        serde_json::from_slice(&run(&["stats", "--json"], &env).stdout).expect("stats");
    assert_eq!(stats.pages, 1);

    // A mistake in the file is an error that names it, and nothing runs.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[crawl]\nmax_pagez = 3\n").expect("write");
    let out = run(&["--config", bad.to_str().expect("utf-8"), "stats"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown setting `crawl.max_pagez`") && stderr.contains("bad.toml"),
        "{stderr}"
    );
    let missing = run(&["--config", "nowhere.toml", "stats"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the config file"));
}

#[test]
fn querying_a_data_dir_without_an_index_says_what_to_do_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    // A mistyped --data-dir: no directory at all.
    let missing = dir.path().join("mistyped");
    for args in [
        &["ask", "what is a decorator"][..],
        &["search", "decorator"],
        &["eval", "answers", "questions.jsonl"],
        &["rebuild"],
    ] {
        let out = crate::common::cited(&missing, args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no data directory at") && err.contains("crawl URL"),
            "{args:?}: {err}"
        );
        assert!(!missing.exists(), "{args:?} created the data directory");
    }
    // A directory that holds no index (nothing crawled into it yet).
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let out = crate::common::cited(&empty, &["ask", "what is a decorator"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds no index"), "{err}");
    assert_eq!(
        std::fs::read_dir(&empty).expect("read").count(),
        0,
        "asking wrote into the empty directory"
    );
}
