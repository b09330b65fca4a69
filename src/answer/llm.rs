//! A generated answer: the top passages go to the language model, numbered; its reply comes back
//! as sentences with the numbers they cite. [`quote_cited`] points each cited source at the sentence
//! of its passage that the answer used, and [`super::verify`] then checks each sentence.

use std::collections::HashSet;

use indexer::{sentence_spans, SearchHit};

use super::link::deep_link;
use super::openai::{parse_reply, LlmError, OpenAiChat, Passage};
use super::{Draft, DraftSentence, Progress, Source, Writer};

/// Passages given to the model.
pub const PASSAGES: usize = 5;
/// Length of a source's preview before the answer says which sentence it used.
const PREVIEW_CHARS: usize = 240;

/// Asks `llm` to answer `question` from the top `hits`, streaming its tokens to `on`; stops when
/// `cancelled()` turns true. The sentences are not verified yet.
pub fn answer(
    llm: &OpenAiChat,
    question: &str,
    hits: &[SearchHit],
    on: &mut (dyn FnMut(Progress) + Send),
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<Draft, LlmError> {
    let mut answer = Draft::empty(question, Writer::Model(llm.id()));
    if hits.is_empty() {
        return Ok(answer);
    }
    answer.sources = hits
        .iter()
        .take(PASSAGES)
        .enumerate()
        .map(|(i, hit)| {
            let preview = preview(&hit.text);
            Source {
                id: i as u32 + 1,
                url: hit.url.clone(),
                title: hit.title.clone(),
                link: deep_link(&hit.url, &preview),
                quote: preview,
                fetched_at: hit.fetched_at,
                changed_at: hit.fetched_at,
                passage: hit.text.clone(),
            }
        })
        .collect();
    on(Progress::Sources(&answer.sources));
    let passages: Vec<Passage> = answer
        .sources
        .iter()
        .map(|s| Passage {
            id: s.id,
            title: &s.title,
            text: &s.passage,
        })
        .collect();
    let reply = llm.generate(question, &passages, &mut |token| {
        on(Progress::Token(token));
        !cancelled()
    })?;
    answer.sentences = parse_reply(&reply)
        .into_iter()
        .map(|(text, citations)| DraftSentence { text, citations })
        .collect();
    Ok(answer)
}

/// The first sentences of a passage, up to [`PREVIEW_CHARS`].
fn preview(text: &str) -> String {
    let mut out = String::new();
    for (start, end) in sentence_spans(text) {
        if !out.is_empty() && out.len() + (end - start) > PREVIEW_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&text[start..end]);
    }
    out
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_lowercase)
        .collect()
}

/// Sets each source's quote (and deep link) to the sentences of its passage closest to the answer
/// sentences that cite it.
pub fn quote_cited(answer: &mut Draft) {
    for source in &mut answer.sources {
        let spans = sentence_spans(&source.passage);
        let mut quotes: Vec<&str> = Vec::new();
        for sentence in answer
            .sentences
            .iter()
            .filter(|s| s.citations.contains(&source.id))
        {
            let wanted = words(&sentence.text);
            let best = spans
                .iter()
                .map(|&(start, end)| &source.passage[start..end])
                .max_by_key(|candidate| words(candidate).intersection(&wanted).count());
            if let Some(best) = best.filter(|b| !quotes.contains(b)) {
                quotes.push(best);
            }
        }
        if let Some(first) = quotes.first() {
            source.link = deep_link(&source.url, first);
            source.quote = quotes.join(" … ");
        }
    }
}
