//! A plain, server-rendered search page. Every piece of crawled text is HTML-escaped.

use super::dto::{AnswerResponse, SearchResponse};

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}\
form{display:flex;gap:.5rem}input[name=q]{flex:1;font-size:1.1rem;padding:.4rem}\
.answer{background:#f6f8fa;padding:1rem;border-radius:6px}sup a{text-decoration:none}\
.src{font-size:.9rem;margin:.4rem 0}.src q{color:#555}.hit{margin:1rem 0}.url{color:#060;font-size:.85rem}";

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
         <title>{title}</title><style>{STYLE}</style></head><body><form action=/ method=get role=search>\
         <input name=q value=\"{}\" aria-label=Question autofocus><button>Ask</button></form>",
        escape(q)
    )
}

pub fn render(
    q: &str,
    answer: Option<&AnswerResponse>,
    results: Option<&SearchResponse>,
) -> String {
    let mut html = head(q);
    if let Some(answer) = answer {
        html.push_str("<section class=answer aria-label=Answer><p>");
        if answer.sentences.is_empty() {
            html.push_str(&escape(&answer.answer));
        }
        for s in &answer.sentences {
            html.push_str(&escape(&s.text));
            for c in &s.citations {
                let link = answer
                    .sources
                    .iter()
                    .find(|src| src.id == *c)
                    .map_or("#".into(), |src| safe_href(&src.link));
                html.push_str(&format!("<sup><a href=\"{link}\">[{c}]</a></sup> "));
            }
        }
        html.push_str("</p>");
        for src in &answer.sources {
            html.push_str(&format!(
                "<div class=src>[{}] <a href=\"{}\">{}</a> <q>{}</q></div>",
                src.id,
                safe_href(&src.link),
                escape(&src.title),
                escape(&src.quote)
            ));
        }
        html.push_str("</section>");
    }
    if let Some(results) = results {
        for hit in &results.hits {
            html.push_str(&format!(
                "<div class=hit><a href=\"{}\">{}</a><div class=url>{}</div><div>{}</div></div>",
                safe_href(&hit.url),
                escape(&hit.title),
                escape(&hit.url),
                escape(&hit.snippet)
            ));
        }
    }
    html.push_str("</body></html>");
    html
}

pub fn render_error(q: &str, message: &str) -> String {
    format!(
        "{}<p role=alert>{}</p></body></html>",
        head(q),
        escape(message)
    )
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
            safe_href("https://a/?x=\"y\""),
            "https://a/?x=&quot;y&quot;"
        );
    }
}
