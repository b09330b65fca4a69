//! Any query through the whole engine, on an index of real pages (Debian's Python docs): search and
//! answer must not panic or fail on anything but a bad request; every quote an answer cites must be
//! in its page, word for word (each part of an elided quote); the JSON body and the SSE stream must decode to exactly what was
//! sent.
#![no_main]

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};

use axum::response::sse::Sse;
use axum::response::IntoResponse;
use cited::config::Settings;
use cited::data_dir::DataDir;
use cited::engine::{Engine, QueryError};
use cited::dto::{AnswerResponse, SearchResponse};
use crawler::PageSink;
use libfuzzer_sys::fuzz_target;

const PYTHON_DOCS: &str = "/usr/share/doc/python3.11/html";

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Engine,
    store: indexer::PageStore,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path());
        data.ensure().expect("data dir");
        let settings = Settings::default();
        let store = Arc::new(indexer::PageStore::open(&data.store_path()).expect("store"));
        let sink = cited::ingest::StoreSink::new(store.clone());
        let mut files: Vec<_> = std::fs::read_dir(format!("{PYTHON_DOCS}/library"))
            .expect("python3.11-doc is installed")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "html"))
            .collect();
        files.sort();
        for path in files.iter().take(40) {
            let html = std::fs::read_to_string(path).expect("read");
            let url = url::Url::parse(&format!(
                "http://docs.test/library/{}",
                path.file_name().unwrap().to_string_lossy()
            ))
            .expect("url");
            let extracted = crawler::extract::extract_html(&html, &url);
            let hash = extracted.text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            sink.store(crawler::Page {
                requested_url: url.clone(),
                url,
                status: 200,
                fetched_at: chrono::Utc::now(),
                content_hash: format!("{hash:016x}{hash:016x}"),
                etag: None,
                last_modified: None,
                content_type: "text/html".into(),
                title: extracted.title,
                text: extracted.text,
                sections: extracted.sections,
                outlinks: Vec::new(),
                canonical: None,
                truncated: false,
            })
            .expect("store");
        }
        cited::index::update(&data, &settings, &|_, _, _| {}).expect("index");
        let engine = Engine::open(&data, &settings).expect("engine");
        let store = indexer::PageStore::open(&data.store_path()).expect("store");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        Fixture {
            _dir: dir,
            engine,
            store,
            runtime,
        }
    })
}

/// (event name, data) of each event of an SSE body, read as EventSource does.
fn parse_sse(body: &str) -> Vec<(String, String)> {
    let mut events = Vec::new();
    let (mut name, mut data) = (String::new(), Vec::<String>::new());
    for line in body.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        if line.is_empty() {
            if !data.is_empty() {
                events.push((std::mem::take(&mut name), data.join("\n")));
            }
            data.clear();
            continue;
        }
        let (field, value) = line
            .split_once(':')
            .map_or((line, ""), |(f, v)| (f, v.strip_prefix(' ').unwrap_or(v)));
        match field {
            "event" => name = value.to_string(),
            "data" => data.push(value.to_string()),
            _ => {}
        }
    }
    events
}

fn body_bytes(f: &Fixture, response: axum::response::Response) -> Vec<u8> {
    f.runtime
        .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
        .expect("body")
        .to_vec()
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let query = String::from_utf8_lossy(data);

    match f.engine.search(&query, 10, None) {
        Ok(found) => {
            let response = SearchResponse::from(found.value);
            let body = body_bytes(f, axum::Json(&response).into_response());
            let back: SearchResponse = serde_json::from_slice(&body).expect("search JSON");
            assert_eq!(back, response);
        }
        Err(QueryError::BadRequest(_)) => {}
        Err(e) => panic!("search failed on {query:?}: {e}"),
    }

    match f.engine.answer(&query, None) {
        Ok(answer) => {
            let response = AnswerResponse::from(answer);
            for source in &response.sources {
                let page = f
                    .store
                    .get_by_url(&source.url)
                    .expect("store")
                    .expect("a cited page is stored");
                // A quote may join passages of one page with " … ": each part is the page's, word
                // for word.
                for part in source.quote.split(" … ") {
                    assert!(
                        page.page.text.contains(part),
                        "quote not in its page: {part:?}"
                    );
                }
            }
            for sentence in &response.sentences {
                for id in &sentence.citations {
                    assert!(response.sources.iter().any(|s| s.id == *id));
                }
            }
            let event = cited::serve::json_event("answer", &response);
            let sse = Sse::new(futures_util::stream::iter([Ok::<_, Infallible>(event)]));
            let body = body_bytes(f, sse.into_response());
            let events = parse_sse(std::str::from_utf8(&body).expect("utf-8"));
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].0, "answer");
            let streamed: AnswerResponse = serde_json::from_str(&events[0].1).expect("SSE JSON");
            assert_eq!(streamed, response);
        }
        Err(QueryError::BadRequest(_)) => {}
        Err(e) => panic!("answer failed on {query:?}: {e}"),
    }
});
