"""Writes MODEL_DIR/model.onnx for a BERT sentence-transformers model (all-MiniLM-L6-v2 and kin), so
that cited can run it with ONNX Runtime (`--ort-lib`), without PyTorch.

The graph is built straight from model.safetensors and config.json with the `onnx` package: token,
position and type embeddings, post-LN encoder layers with exact-erf GELU; inputs input_ids,
attention_mask, token_type_ids ([batch, seq] int64), output last_hidden_state ([batch, seq, hidden]).
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
    hd = hidden // heads
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

    # Padding positions get a large negative attention bias: [batch, 1, 1, seq].
    mask = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask = node("Unsqueeze", [mask, init("axes12", np.array([1, 2], dtype=np.int64))])
    bias = node("Mul", [node("Sub", [init("onef", np.array(1.0, dtype=np.float32)), mask]),
                        init("neg", np.array(-1e9, dtype=np.float32))])
    split = init("split_heads", np.array([0, 0, heads, hd], dtype=np.int64))
    merge = init("merge_heads", np.array([0, 0, hidden], dtype=np.int64))
    scale = init("scale", np.array(1.0 / math.sqrt(hd), dtype=np.float32))
    sqrt2 = init("sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
    half = init("half", np.array(0.5, dtype=np.float32))
    onef = "onef"

    for i in range(layers):
        a = f"encoder.layer.{i}."
        heads_of = lambda t, perm: node("Transpose", [node("Reshape", [t, split])], perm=perm)
        q = heads_of(linear(x, a + "attention.self.query"), [0, 2, 1, 3])
        k = heads_of(linear(x, a + "attention.self.key"), [0, 2, 3, 1])
        v = heads_of(linear(x, a + "attention.self.value"), [0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
        ctx = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        ctx = node("Reshape", [node("Transpose", [ctx], perm=[0, 2, 1, 3]), merge])
        x = layer_norm(node("Add", [linear(ctx, a + "attention.output.dense"), x]), a + "attention.output.LayerNorm")
        h = linear(x, a + "intermediate.dense")
        h = node("Mul", [node("Mul", [h, half]), node("Add", [node("Erf", [node("Div", [h, sqrt2])]), onef])])
        x = layer_norm(node("Add", [linear(h, a + "output.dense"), x]), a + "output.LayerNorm")

    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    ints = lambda name: helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "seq"])
    graph = helper.make_graph(
        nodes, "bert",
        [ints("input_ids"), ints("attention_mask"), ints("token_type_ids")],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", hidden])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="cited export-onnx")
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
