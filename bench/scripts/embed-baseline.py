"""Python's onnxruntime embedding the same passages with the same model.onnx as cited: the fp32 speed
this CPU reaches for this model, the yardstick of cited's embedding rows.

Usage: embed-baseline.py MODEL_DIR PASSAGES.jsonl THREADS  (each line a JSON string)
Prints one JSON object: passages, seconds (best of two runs), passages_per_s.
Batches of 32, longest first in tokens, truncated to the model's max_seq_length, mean pooling, as
cited does.
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

model_dir, passages_file, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
texts = [json.loads(line) for line in open(passages_file)]
max_len = json.load(open(f"{model_dir}/sentence_bert_config.json"))["max_seq_length"]
tokenizer = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
tokenizer.enable_truncation(max_len)
tokenizer.no_padding()
# Sorted by tokens, not characters: batches of similar length pad least (the best this CPU does).
texts.sort(key=lambda t: len(tokenizer.encode(t).ids), reverse=True)
tokenizer.enable_padding()
options = ort.SessionOptions()
options.intra_op_num_threads = threads
options.log_severity_level = 3
session = ort.InferenceSession(f"{model_dir}/model.onnx", options, providers=["CPUExecutionProvider"])


def embed_all():
    for i in range(0, len(texts), 32):
        enc = tokenizer.encode_batch(texts[i:i + 32])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                    "token_type_ids": np.zeros_like(ids)})[0]
        m = mask[..., None].astype(np.float32)
        v = (hidden * m).sum(1) / m.sum(1)
        v /= np.linalg.norm(v, axis=1, keepdims=True)


best = float("inf")
for _ in range(2):
    started = time.perf_counter()
    embed_all()
    best = min(best, time.perf_counter() - started)
print(json.dumps({"passages": len(texts), "seconds": best, "passages_per_s": len(texts) / best}))
