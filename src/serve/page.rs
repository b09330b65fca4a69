//! The search page. The results list is rendered on the server at once; the answer streams in from
//! `/api/answer/stream` through cited's own script (`page.js`, served inline: no asset from the
//! internet), with each citation marker showing its quoted passage on hover or focus and linking to
//! the passage itself. Without JavaScript, `static=1` renders the answer on the server. Every piece
//! of crawled text is HTML-escaped here and goes in through `textContent` in the script.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::api::{mode, run_cpu, status, Params, DEFAULT_LIMIT};
use super::AppState;
use crate::dto::{AnswerResponse, SearchResponse, Verdict};

const STYLE: &str = "body{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;color:#1f2328}\
form{display:flex;gap:.5rem}input[name=q]{flex:1;min-width:0;font-size:1.1rem;padding:.45rem .6rem;border:1px solid #8c959f;border-radius:6px}\
button{font-size:1rem;padding:.45rem 1rem;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff}\
.answer{background:#f6f8fa;padding:1rem 1.1rem;border-radius:8px;margin:1.2rem 0}.answer h2,.results h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:#59636e;margin:0 0 .5rem}\
.cite{position:relative}.marker{font-size:.75rem;vertical-align:super;text-decoration:none;padding:0 .1rem;color:#0969da}\
.marker:focus{outline:2px solid #0969da;border-radius:3px}.pop{display:none;position:absolute;left:0;top:1.4rem;z-index:2;width:min(22rem,80vw);background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.6rem;font-size:.85rem;box-shadow:0 4px 12px rgba(0,0,0,.12)}\
.cite:hover .pop,.marker:focus+.pop{display:block}.pop-src{display:block;color:#59636e;margin-top:.3rem}\
#answer-status{color:#59636e;font-size:.85rem}.cards{list-style:none;padding:0;display:grid;gap:.5rem;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr))}\
.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .6rem;background:#fff;font-size:.9rem}.card-n{color:#59636e;margin-right:.3rem}\
.card-meta{color:#59636e;font-size:.8rem}.card-quote{display:block;color:#424a53;font-size:.82rem;margin-top:.25rem}\
.src{font-size:.9rem;margin:.4rem 0}.src q{color:#555}.hit{margin:1.1rem 0}.hit a{font-size:1.05rem}.url{color:#1a7f37;font-size:.85rem;overflow-wrap:anywhere}\
mark{background:#fff3b0;padding:0 .05rem}.status h1{font-size:1.2rem}.status table{border-collapse:collapse;width:100%}\
.status th,.status td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}.status td{overflow-wrap:anywhere}\
footer{margin-top:2rem;font-size:.8rem;color:#59636e}.s-weak,.s-unsupported{color:#6e7781}.s-unsupported{text-decoration:line-through 1px #cf222e}\
.why{font-size:.78rem;color:#9a6700;margin-left:.25rem}.followup{margin:-.6rem 0 1.2rem}.followup input[name=q]{font-size:.95rem}.draft{color:#424a53;white-space:pre-wrap}.s,.card-quote,.pop q,.src q{white-space:pre-line}.notice{background:#fff8c5;border-radius:6px;padding:.4rem .6rem;font-size:.88rem}";

const SCRIPT: &str = include_str!("page.js");

/// The Content-Security-Policy sent with every response: the page's one inline script and one
/// inline style, by hash; connections (the answer stream), images and form posts to this server
/// only; no plugins, no frames, never framed. Crawled text that slipped through escaping could run
/// nothing.
pub(super) fn content_security_policy() -> &'static str {
    static POLICY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; img-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            hash_source(SCRIPT),
            hash_source(STYLE)
        )
    });
    &POLICY
}

/// A CSP source allowing exactly the inline `text`.
fn hash_source(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The links at the foot of every page.
const FOOTER: &str =
    "<footer><a href=/status>Status</a> · <a href=/api/openapi.json>API</a></footer>";

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Returns `url` if it is http(s), else `#`: crawled links must never be `javascript:`.
fn safe_href(url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        escape(url)
    } else {
        "#".into()
    }
}

fn head(q: &str) -> String {
    let title = if q.is_empty() {
        "cited".to_string()
    } else {
        format!("{} — cited", escape(q))
    };
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><link rel=search type=application/opensearchdescription+xml title=cited href=/opensearch.xml>\
         <style>{STYLE}</style></head><body><form action=/ method=get role=search>\
         <input name=q value=\"{}\" aria-label=Question autofocus><button>Ask</button></form>",
        escape(q)
    )
}

/// The query's words, lowercased, for highlighting (`site:` filters and stop words left out).
fn query_terms(q: &str) -> Vec<String> {
    q.split_whitespace()
        .filter(|w| !w.to_ascii_lowercase().starts_with("site:"))
        .flat_map(|w| w.split(|c: char| !c.is_alphanumeric()))
        .map(str::to_lowercase)
        .filter(|t| t.chars().count() >= 2 && !indexer::lexical::STOP_WORDS.contains(&t.as_str()))
        .collect()
}

/// Escapes `text` and wraps the words that match a query term (or start with one of 4+ letters) in
/// `<mark>`.
fn highlight(text: &str, terms: &[String]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let lower = word.to_lowercase();
        let hit = terms
            .iter()
            .any(|t| lower == *t || (t.chars().count() >= 4 && lower.starts_with(t.as_str())));
        if hit {
            out.push_str(&format!("<mark>{}</mark>", escape(word)));
        } else {
            out.push_str(&escape(word));
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push_str(&escape(&c.to_string()));
        }
    }
    flush(&mut word, &mut out);
    out
}

fn results_list(q: &str, results: &SearchResponse) -> String {
    let terms = query_terms(q);
    let mut html = String::from("<section class=results aria-label=Results><h2>Results</h2>");
    if results.hits.is_empty() {
        html.push_str("<p>No page matches.</p>");
    }
    for hit in &results.hits {
        html.push_str(&format!(
            "<div class=hit><a href=\"{}\">{}</a><div class=url>{}</div><div>{}</div></div>",
            safe_href(&hit.link),
            escape(&hit.title),
            escape(&hit.url),
            highlight(&hit.snippet, &terms)
        ));
    }
    html.push_str("</section>");
    html
}

/// The page with the results at once and the answer streamed in by the script.
pub fn render_streaming(q: &str, mode: Option<&str>, results: &SearchResponse) -> String {
    let mut html = head(q);
    let static_link = format!(
        "/?q={}&static=1",
        percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
    );
    html.push_str(&format!(
        "<section id=answer class=answer aria-label=Answer aria-live=polite aria-busy=true data-q=\"{}\" data-mode=\"{}\">\
         <h2>Answer</h2><p id=answer-notice class=notice role=status hidden></p><p id=answer-text></p><p id=answer-status>Answering…</p><ol id=sources class=cards aria-label=Sources></ol>\
         <noscript><p><a href=\"{}\">Show the answer</a> (this page streams it with JavaScript).</p></noscript></section>",
        escape(q),
        escape(mode.unwrap_or("")),
        escape(&static_link)
    ));
    html.push_str(&followup_form(q));
    html.push_str(&results_list(q, results));
    html.push_str(&format!("{FOOTER}<script>{SCRIPT}</script></body></html>"));
    html
}

/// A box under the answer for the next question of the thread: it is asked with this one as the
/// question before it, so "and its maximum?" is answered about what this one asked.
fn followup_form(q: &str) -> String {
    format!(
        "<form class=followup action=/ method=get role=search aria-label=\"Ask a follow-up\">\
         <input name=q aria-label=\"Follow-up question\" placeholder=\"Ask a follow-up…\">\
         <input type=hidden name=previous value=\"{}\"><button>Ask</button></form>",
        escape(q)
    )
}

/// The page rendered whole on the server (no JavaScript needed).
pub fn render(
    q: &str,
    answer: Option<&AnswerResponse>,
    results: Option<&SearchResponse>,
) -> String {
    let mut html = head(q);
    if let Some(answer) = answer {
        html.push_str("<section class=answer aria-label=Answer><h2>Answer</h2>");
        if let Some(notice) = &answer.notice {
            html.push_str(&format!(
                "<p class=notice role=status>{}</p>",
                escape(notice)
            ));
        }
        html.push_str("<p>");
        if answer.sentences.is_empty() {
            html.push_str(&escape(&answer.answer));
        }
        for s in &answer.sentences {
            let why = s.reason.as_deref().map_or(String::new(), |r| {
                format!(" title=\"{}: {}\"", s.verdict.as_str(), escape(r))
            });
            html.push_str(&format!(
                "<span class=\"s s-{}\"{why}>{}</span>",
                s.verdict.as_str(),
                escape(&s.text)
            ));
            for c in &s.citations {
                let link = answer
                    .sources
                    .iter()
                    .find(|src| src.id == *c)
                    .map_or("#".into(), |src| safe_href(&src.link));
                html.push_str(&format!("<sup><a href=\"{link}\">[{c}]</a></sup>"));
            }
            if s.verdict != Verdict::Supported {
                html.push_str(&format!(
                    "<span class=why>({}{})</span>",
                    s.verdict.as_str(),
                    s.reason
                        .as_deref()
                        .map_or(String::new(), |r| format!(": {}", escape(r)))
                ));
            }
            html.push(' ');
        }
        html.push_str("</p>");
        for src in &answer.sources {
            html.push_str(&format!(
                "<div class=src>[{}] <a href=\"{}\">{}</a> <span class=card-meta>fetched {}, changed {}</span> <q>{}</q></div>",
                src.id,
                safe_href(&src.link),
                escape(&src.title),
                escape(src.fetched_at.get(..10).unwrap_or_default()),
                escape(src.changed_at.get(..10).unwrap_or_default()),
                escape(&src.quote)
            ));
        }
        html.push_str("</section>");
        html.push_str(&followup_form(q));
    }
    if let Some(results) = results {
        html.push_str(&results_list(q, results));
    }
    html.push_str(FOOTER);
    html.push_str("</body></html>");
    html
}

/// An RFC 3339 time for people: `2026-11-26 13:51:00 UTC`.
fn when(time: Option<&str>) -> String {
    match time.map(chrono::DateTime::parse_from_rfc3339) {
        None => "never".into(),
        Some(Ok(t)) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        Some(Err(_)) => time.unwrap_or_default().to_string(),
    }
}

/// `/status`: what the server serves from, as a small table.
pub fn render_status(status: &crate::status::Status) -> String {
    let rows = [
        (
            "Pages in the store",
            format!(
                "{} ({:.1} MiB of text)",
                status.pages,
                status.text_bytes as f64 / 1_048_576.0
            ),
        ),
        ("Chunks indexed", status.chunks.to_string()),
        ("Index generation", status.generation.to_string()),
        ("Passage vectors", status.vectors.to_string()),
        (
            "Embedding model",
            status
                .model
                .clone()
                .unwrap_or_else(|| "none (full-text search only)".into()),
        ),
        (
            "Crawl frontier",
            format!(
                "{} queued, {} done, {} failed",
                status.frontier_queued, status.frontier_done, status.frontier_failed
            ),
        ),
        ("Last crawl", when(status.last_fetch.as_deref())),
        ("Last index", when(status.last_index.as_deref())),
        ("Data directory", status.data_dir.clone()),
    ];
    let mut html = head("");
    html.push_str("<section class=status aria-label=Status><h1>Status</h1><table>");
    for (name, value) in rows {
        html.push_str(&format!(
            "<tr><th scope=row>{}</th><td>{}</td></tr>",
            name,
            escape(&value)
        ));
    }
    html.push_str("</table><p><a href=/api/status>JSON</a> · <a href=/metrics>metrics</a> · <a href=/api/openapi.json>API</a></p></section></body></html>");
    html
}

pub fn render_error(q: &str, message: &str) -> String {
    format!(
        "{}<p role=alert>{}</p></body></html>",
        head(q),
        escape(message)
    )
}

/// `GET /opensearch.xml`: the OpenSearch description that lets a browser add this server as a
/// search engine (the address bar then asks `/?q=…`). Its URLs are absolute, on the host the browser
/// asked (`Host`; `https` when a proxy says `X-Forwarded-Proto: https`); a `Host` that is no host name
/// or address gets a 400, not a document naming it.
pub(super) async fn opensearch(headers: axum::http::HeaderMap) -> Response {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        });
    let Some(host) = host else {
        return (
            StatusCode::BAD_REQUEST,
            "a Host header naming this server is needed",
        )
            .into_response();
    };
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|p| p.to_str().ok())
    {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let origin = format!("{scheme}://{host}");
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" xmlns:moz="http://www.mozilla.org/2006/browser/search/">
<ShortName>cited</ShortName>
<Description>Answers with the passages they come from, from the sites this server has crawled</Description>
<InputEncoding>UTF-8</InputEncoding>
<Url type="text/html" method="get" template="{origin}/?q={{searchTerms}}"/>
<moz:SearchForm>{origin}/</moz:SearchForm>
</OpenSearchDescription>
"#
    );
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/opensearchdescription+xml; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// `GET /status`: the same, for people.
pub(super) async fn status_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    let admin = super::admin::is_admin(&state, &headers);
    match status(&state).await {
        Ok(Some(status)) => {
            let status = if admin {
                status
            } else {
                status.for_the_public()
            };
            Html(render_status(&status)).into_response()
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Html(render_error("", "no data directory")),
        )
            .into_response(),
        Err(e) => (e.status, Html(render_error("", &e.message))).into_response(),
    }
}

/// The search page's query string: the query, how to retrieve, and `static` for an answer
/// rendered on the server (no script).
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PageParams {
    q: Option<String>,
    mode: Option<String>,
    #[serde(rename = "static")]
    whole: Option<String>,
    /// The question before this one, from the follow-up box.
    previous: Option<String>,
}

pub(super) async fn search_page(
    State(state): State<AppState>,
    params: Params<PageParams>,
) -> Response {
    // A malformed query string shows the empty page, as no query would.
    let PageParams {
        q,
        mode: mode_param,
        whole,
        previous,
    } = params.map(|p| p.0).unwrap_or_default();
    let q = q.unwrap_or_default();
    if q.trim().is_empty() {
        return Html(render(&q, None, None)).into_response();
    }
    let mode = match mode(mode_param.as_deref()) {
        Ok(m) => m,
        Err(e) => return (e.status, Html(render_error(&q, &e.message))).into_response(),
    };
    // With API keys the page's script could not stream the answer (it has no key): the server
    // renders it whole.
    let whole = whole.is_some() || !state.admin.api_keys.is_empty();
    let original = q.clone();
    let outcome = run_cpu(&state, move |engine| {
        // A follow-up is asked, and shown in the search box, in its standalone form.
        let q = match previous {
            Some(p) => engine.standalone(&q, &[p]).unwrap_or(q),
            None => q,
        };
        let answer = if whole {
            Some(engine.answer(&q, mode)?)
        } else {
            None
        };
        let results = engine.search(&q, DEFAULT_LIMIT, mode)?;
        Ok((q, answer, results))
    })
    .await;
    let q = match &outcome {
        Ok((asked, ..)) => asked.clone(),
        Err(_) => original,
    };
    match outcome.map(|(_, answer, results)| (answer, results)) {
        Ok((Some(answer), results)) => Html(render(
            &q,
            Some(&answer.into()),
            Some(&results.value.into()),
        ))
        .into_response(),
        Ok((None, results)) => Html(render_streaming(
            &q,
            mode_param.as_deref(),
            &results.value.into(),
        ))
        .into_response(),
        Err(e) => (e.status, Html(render_error(&q, &e.message))).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_neutralises_links() {
        assert_eq!(
            escape("<script>\"x\"&'"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;"
        );
        assert_eq!(safe_href("javascript:alert(1)"), "#");
        assert_eq!(
            highlight(
                "Use the json.dumps() <b>",
                &query_terms("the JSON dump site:x.org")
            ),
            "Use the <mark>json</mark>.<mark>dumps</mark>() &lt;b&gt;"
        );
        assert_eq!(
            safe_href("https://a/?x=\"y\""),
            "https://a/?x=&quot;y&quot;"
        );
    }
}
