"""Reference embeddings for all-MiniLM-L6-v2, computed independently of cited's Rust code.

A plain numpy forward pass of BERT (embeddings, 6 post-LN encoder layers with exact-erf GELU), mean
pooling over the attention mask and L2 normalisation, as sentence-transformers does for this model.
Tokenisation uses HuggingFace's `tokenizers` with the model's own tokenizer.json, truncated at 256.

Run:  pip install numpy safetensors tokenizers
      python3 tests/reference/minilm_reference.py MODEL_DIR > tests/reference/minilm.json
"""
import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

SENTENCES = [
    "The pass statement does nothing.",
    "How do I make postgres refuse new logins?",
    "Ferrets sleep about fourteen hours a day in dark burrows.",
    "A function returning another function, usually applied as a function transformation using the @wrapper syntax.",
]

def layer_norm(x, w, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b

def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))

def embed(model_dir, text):
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.enable_truncation(256)
    tok.no_padding()
    enc = tok.encode(text)
    ids = np.array(enc.ids)
    w = load_file(f"{model_dir}/model.safetensors")
    p = "" if "embeddings.word_embeddings.weight" in w else "bert."
    g = lambda k: w[p + k].astype(np.float64)
    n = len(ids)
    x = g("embeddings.word_embeddings.weight")[ids] + g("embeddings.position_embeddings.weight")[:n] \
        + g("embeddings.token_type_embeddings.weight")[np.zeros(n, dtype=int)]
    x = layer_norm(x, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"))
    heads, dim = 12, 384
    hd = dim // heads
    for i in range(6):
        a = f"encoder.layer.{i}."
        lin = lambda name, v: v @ g(a + name + ".weight").T + g(a + name + ".bias")
        q = lin("attention.self.query", x).reshape(n, heads, hd).transpose(1, 0, 2)
        k = lin("attention.self.key", x).reshape(n, heads, hd).transpose(1, 0, 2)
        v = lin("attention.self.value", x).reshape(n, heads, hd).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s = s / s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(n, dim)
        x = layer_norm(lin("attention.output.dense", ctx) + x,
                       g(a + "attention.output.LayerNorm.weight"), g(a + "attention.output.LayerNorm.bias"))
        h = gelu(lin("intermediate.dense", x))
        x = layer_norm(lin("output.dense", h) + x, g(a + "output.LayerNorm.weight"), g(a + "output.LayerNorm.bias"))
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled), len(ids)

if __name__ == "__main__":
    model_dir = sys.argv[1]
    out = []
    for s in SENTENCES:
        v, n = embed(model_dir, s)
        out.append({"text": s, "tokens": n, "embedding": [round(float(t), 6) for t in v]})
    json.dump({"model": "sentence-transformers/all-MiniLM-L6-v2", "pooling": "mean", "normalized": True,
               "how": "tests/reference/minilm_reference.py (numpy forward pass)", "sentences": out}, sys.stdout, indent=1)
