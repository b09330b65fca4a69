"""Writes MODEL_DIR/model.onnx for a BERT sentence-transformers model (all-MiniLM-L6-v2 and kin), so
that cited can run it with ONNX Runtime (`--ort-lib`), without PyTorch.

The graph is built straight from model.safetensors and config.json with the `onnx` package: token,
position and type embeddings, post-LN encoder layers with exact-erf GELU; inputs input_ids,
attention_mask, token_type_ids ([batch, seq] int64), output last_hidden_state ([batch, seq, hidden]).

Self-attention is ONNX Runtime's fused `Attention` operator (com.microsoft: the query, key and value
projections as one matrix, the padding mask inside), which is what ORT's optimizer makes of a PyTorch
export; `scripts/quantize-model` turns it into `QAttention`. The residual additions are `Sum` nodes:
ORT fuses an `Add` before a `LayerNormalization` into `SkipLayerNormalization`, whose kernel took a
quarter of the int8 model's time (89 of 395 ms for 32 passages of 256 tokens, against 12 + 11 ms
unfused).
Pooling and normalisation stay in cited. The script then checks the graph with onnxruntime against
tests/reference/minilm.json (an independent numpy forward pass) when given --check.

Run:  pip install onnx onnxruntime numpy safetensors tokenizers
      python3 scripts/export-onnx.py MODEL_DIR [--check tests/reference/minilm.json]
"""
import json
import math
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file


def build(model_dir):
    cfg = json.load(open(f"{model_dir}/config.json"))
    hidden, heads, layers = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    eps = cfg.get("layer_norm_eps", 1e-12)
    w = load_file(f"{model_dir}/model.safetensors")
    prefix = "" if "embeddings.word_embeddings.weight" in w else "bert."
    inits, nodes = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(key, transpose=False):
        a = w[prefix + key].astype(np.float32)
        return init(key, a.T if transpose else a)

    counter = [0]

    def node(op, inputs, **attrs):
        counter[0] += 1
        out = f"{op.lower()}_{counter[0]}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def linear(x, key):
        return node("Add", [node("MatMul", [x, weight(key + ".weight", True)]), weight(key + ".bias")])

    def layer_norm(x, key):
        return node("LayerNormalization", [x, weight(key + ".weight"), weight(key + ".bias")], axis=-1, epsilon=eps)

    i64 = lambda name, values: init(name, np.array(values, dtype=np.int64))
    # The first seq_len rows of the position embeddings.
    seq_len = node("Slice", [node("Shape", ["input_ids"]), i64("s1", [1]), i64("s2", [2])])
    positions = node("Slice", [weight("embeddings.position_embeddings.weight"), i64("s0", [0]), seq_len, i64("ax0", [0])])
    x = node("Add", [
        node("Add", [
            node("Gather", [weight("embeddings.word_embeddings.weight"), "input_ids"], axis=0),
            positions,
        ]),
        node("Gather", [weight("embeddings.token_type_embeddings.weight"), "token_type_ids"], axis=0),
    ])
    x = layer_norm(x, "embeddings.LayerNorm")

    # The raw padding mask ([batch, seq], 1 for a token, 0 for padding), as Attention takes it.
    mask = node("Cast", ["attention_mask"], to=TensorProto.INT32)
    sqrt2 = init("sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
    half = init("half", np.array(0.5, dtype=np.float32))
    onef = init("onef", np.array(1.0, dtype=np.float32))

    for i in range(layers):
        a = f"encoder.layer.{i}."
        qkv = [f"{a}attention.self.{n}" for n in ("query", "key", "value")]
        qkv_weight = init(a + "attention.qkv.weight", np.concatenate(
            [w[prefix + n + ".weight"].astype(np.float32).T for n in qkv], axis=1))
        qkv_bias = init(a + "attention.qkv.bias", np.concatenate(
            [w[prefix + n + ".bias"].astype(np.float32) for n in qkv]))
        ctx = node("Attention", [x, qkv_weight, qkv_bias, mask], domain="com.microsoft", num_heads=heads)
        x = layer_norm(node("Sum", [linear(ctx, a + "attention.output.dense"), x]), a + "attention.output.LayerNorm")
        h = linear(x, a + "intermediate.dense")
        h = node("Mul", [node("Mul", [h, half]), node("Add", [node("Erf", [node("Div", [h, sqrt2])]), onef])])
        x = layer_norm(node("Sum", [linear(h, a + "output.dense"), x]), a + "output.LayerNorm")

    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    ints = lambda name: helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "seq"])
    graph = helper.make_graph(
        nodes, "bert",
        [ints("input_ids"), ints("attention_mask"), ints("token_type_ids")],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", hidden])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)], producer_name="cited export-onnx")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def check(model_dir, path, reference):
    import onnxruntime as ort
    from tokenizers import Tokenizer

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.enable_truncation(256)
    worst = 0.0
    for item in json.load(open(reference))["sentences"]:
        enc = tok.encode(item["text"])
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.array([enc.attention_mask], dtype=np.int64)
        out = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                 "token_type_ids": np.zeros_like(ids)})[0][0]
        pooled = (out * mask[0][:, None]).sum(0) / mask.sum()
        pooled /= np.linalg.norm(pooled)
        worst = max(worst, float(np.abs(pooled - np.array(item["embedding"])).max()))
    print(f"largest difference from the reference: {worst:.2e}")
    if worst > 1e-4:
        sys.exit("the exported graph does not match the reference")


if __name__ == "__main__":
    model_dir = sys.argv[1]
    path = f"{model_dir}/model.onnx"
    onnx.save(build(model_dir), path)
    print(f"wrote {path}")
    if "--check" in sys.argv:
        check(model_dir, path, sys.argv[sys.argv.index("--check") + 1])
