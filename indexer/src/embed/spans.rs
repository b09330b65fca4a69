//! Vectors for the sentences of a passage, from the passage's own forward pass: each sentence's
//! vector is the mean of its tokens' output vectors ("late chunking"), so it is read in the context
//! of its passage (its term, its heading, the sentences around it) and costs nothing beyond
//! embedding the passage.

use tokenizers::Encoding;

use super::{normalize, ModelSpec, Pooling};

/// A passage's vector and the vectors of byte spans of it (its sentences), from one forward pass.
/// A span the model did not see whole (past its token limit) has no vector.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageVectors {
    pub passage: Vec<f32>,
    pub spans: Vec<Option<Vec<f32>>>,
}

/// Pools a batch: `hidden` holds the token vectors of every encoding (rows × tokens × dim, flat),
/// `indices` which text each row is, `spans` the spans of every text.
pub(super) fn pool_batch(
    spec: &ModelSpec,
    encodings: &[Encoding],
    hidden: &[f32],
    indices: &[usize],
    spans: &[Vec<(usize, usize)>],
) -> Vec<PassageVectors> {
    let len = encodings.first().map_or(0, |e| e.get_ids().len());
    let size = len * spec.dim;
    encodings
        .iter()
        .zip(indices)
        .enumerate()
        .map(|(row, (encoding, &i))| {
            let rows = &hidden[row * size..(row + 1) * size];
            pool(
                encoding,
                rows,
                spec.dim,
                spec.pooling,
                spec.passage_prefix.len(),
                &spans[i],
            )
        })
        .collect()
}

/// Pools one text's token vectors (`hidden`: one row of `dim` values per token of `encoding`, padding
/// included) into the passage vector (the model's own pooling) and a vector per span. `spans` are
/// byte ranges of the text without its prefix; `prefix_len` bytes of prefix came before it.
fn pool(
    encoding: &Encoding,
    hidden: &[f32],
    dim: usize,
    pooling: Pooling,
    prefix_len: usize,
    spans: &[(usize, usize)],
) -> PassageVectors {
    let mask = encoding.get_attention_mask();
    let special = encoding.get_special_tokens_mask();
    let offsets = encoding.get_offsets();
    let row = |t: usize| &hidden[t * dim..(t + 1) * dim];
    let mean = |tokens: &mut dyn Iterator<Item = usize>| -> Option<Vec<f32>> {
        let mut sum = vec![0.0f32; dim];
        let mut n = 0usize;
        for t in tokens {
            sum.iter_mut().zip(row(t)).for_each(|(s, x)| *s += x);
            n += 1;
        }
        (n > 0).then(|| normalize(sum))
    };
    let passage = match pooling {
        Pooling::Cls => normalize(row(0).to_vec()),
        Pooling::Mean => {
            mean(&mut (0..mask.len()).filter(|&t| mask[t] == 1)).unwrap_or_else(|| vec![0.0; dim])
        }
    };
    let words = |t: &usize| mask[*t] == 1 && special[*t] == 0;
    // How far into the text the model read, when it was cut at the model's token limit.
    let seen = if encoding.get_overflowing().is_empty() {
        usize::MAX
    } else {
        (0..mask.len())
            .filter(words)
            .map(|t| offsets[t].1)
            .max()
            .unwrap_or(0)
    };
    let spans = spans
        .iter()
        .map(|&(start, end)| {
            let (start, end) = (start + prefix_len, end + prefix_len);
            if end > seen {
                return None;
            }
            mean(
                &mut (0..mask.len())
                    .filter(words)
                    .filter(|&t| offsets[t].0 >= start && offsets[t].1 <= end),
            )
        })
        .collect();
    PassageVectors { passage, spans }
}
