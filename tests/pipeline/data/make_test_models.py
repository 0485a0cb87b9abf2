"""Tiny ONNX models with the IO names of docs/model-contract.md, for tests.

Writes, next to this script:
  embedding.onnx       node_features [N,7] -> embedding [N,3] = node_features @ W_EMB
  filter.onnx          node_features [N,7], edge_index [2,E] -> edge_score [E]
                       = sigmoid(B_FILTER + |x_dst - x_src| @ W_FILTER)
  gnn.onnx             same form with W_GNN, B_GNN, output shape [E,1]
  bad_input_name.onnx  like filter.onnx but its index input is called "edges"
  bad_index_type.onnx  like filter.onnx but edge_index is int32
  pipeline.json        the model set above (node_features = HitFeatures' names)

The weights are fixed so that the C++ tests recompute the scores. With
--realistic DIR it writes instead a model set of realistic width with random
weights (embedding 7->256x4->8, filter 7x2->256->256->1, GNN-sized edge
network 7x2->192->64->64->1 per edge after a node encoder), for benchmarks.

Run with the project's venv: .deps/venv/bin/python tests/pipeline/data/make_test_models.py
"""
import argparse
import json
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FEATURES = ["r", "phi", "z", "cell_count", "cell_charge", "cell_extent_ch0", "cell_extent_ch1"]
F = len(FEATURES)

# embedding = (phi, z, 0.1 r)
W_EMB = np.zeros((F, 3), dtype=np.float32)
W_EMB[1, 0] = 1.0
W_EMB[2, 1] = 1.0
W_EMB[0, 2] = 0.1
# filter: sigmoid(3 - 100 |dphi| - 10 |dz|)
W_FILTER = np.zeros((F, 1), dtype=np.float32)
W_FILTER[1, 0] = -100.0
W_FILTER[2, 0] = -10.0
B_FILTER = np.array([3.0], dtype=np.float32)
# gnn: sigmoid(4 - 200 |dphi| - 20 |dz| - 1 |dr|)
W_GNN = np.zeros((F, 1), dtype=np.float32)
W_GNN[1, 0] = -200.0
W_GNN[2, 0] = -20.0
W_GNN[0, 0] = -1.0
B_GNN = np.array([4.0], dtype=np.float32)


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="trkx-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print(f"wrote {path} ({path.stat().st_size} bytes)")


def node_features_input():
    return helper.make_tensor_value_info("node_features", TensorProto.FLOAT, ["N", F])


def embedding_model(path):
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["node_features", "W"], ["embedding"])],
        "trkx_test_embedding",
        [node_features_input()],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 3])],
        [numpy_helper.from_array(W_EMB, "W")],
    )
    save(graph, path)


def classifier_model(path, w, b, index_name="edge_index", index_type=TensorProto.INT64, rank2_output=False):
    idx = index_name
    nodes = []
    if index_type != TensorProto.INT64:
        nodes.append(helper.make_node("Cast", [index_name], ["idx64"], to=TensorProto.INT64))
        idx = "idx64"
    nodes += [
        helper.make_node("Gather", [idx, "zero"], ["src"], axis=0),
        helper.make_node("Gather", [idx, "one"], ["dst"], axis=0),
        helper.make_node("Gather", ["node_features", "src"], ["x_src"], axis=0),
        helper.make_node("Gather", ["node_features", "dst"], ["x_dst"], axis=0),
        helper.make_node("Sub", ["x_dst", "x_src"], ["diff"]),
        helper.make_node("Abs", ["diff"], ["absdiff"]),
        helper.make_node("MatMul", ["absdiff", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "B"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["prob"]),
    ]
    extra = []
    if rank2_output:
        nodes.append(helper.make_node("Identity", ["prob"], ["edge_score"]))
        out = helper.make_tensor_value_info("edge_score", TensorProto.FLOAT, ["E", 1])
    else:
        nodes.append(helper.make_node("Reshape", ["prob", "flat"], ["edge_score"]))
        out = helper.make_tensor_value_info("edge_score", TensorProto.FLOAT, ["E"])
        extra.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), "flat"))
    graph = helper.make_graph(
        nodes,
        "trkx_test_classifier",
        [node_features_input(), helper.make_tensor_value_info(index_name, index_type, [2, "E"])],
        [out],
        [
            numpy_helper.from_array(w, "W"),
            numpy_helper.from_array(b, "B"),
            numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
            numpy_helper.from_array(np.array(1, dtype=np.int64), "one"),
        ]
        + extra,
    )
    save(graph, path)


def write_pipeline_json(out, dim, radius, max_neighbours, filter_cut, gnn_cut, training):
    meta = {
        "format_version": 1,
        "node_features": FEATURES,
        "embedding": {"file": "embedding.onnx", "dim": dim, "radius": radius, "max_neighbours": max_neighbours},
        "filter": {"file": "filter.onnx", "cut": filter_cut},
        "gnn": {"file": "gnn.onnx", "cut": gnn_cut},
        "training": training,
    }
    (out / "pipeline.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {out / 'pipeline.json'}")


# ---- realistic-width random models for benchmarks ---------------------------
def mlp_nodes(prefix, inp, sizes, rng, inits, final_activation=None):
    x = inp
    nodes = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = (rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32)
        bias = (0.01 * rng.standard_normal(b)).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"{prefix}W{i}"), numpy_helper.from_array(bias, f"{prefix}b{i}")]
        nodes += [
            helper.make_node("MatMul", [x, f"{prefix}W{i}"], [f"{prefix}mm{i}"]),
            helper.make_node("Add", [f"{prefix}mm{i}", f"{prefix}b{i}"], [f"{prefix}z{i}"]),
        ]
        last = i == len(sizes) - 2
        if not last:
            nodes.append(helper.make_node("Relu", [f"{prefix}z{i}"], [f"{prefix}h{i}"]))
            x = f"{prefix}h{i}"
        else:
            x = f"{prefix}z{i}"
    return nodes, x


def realistic(out):
    rng = np.random.default_rng(7)
    out.mkdir(parents=True, exist_ok=True)
    # embedding
    inits = []
    nodes, x = mlp_nodes("e", "node_features", [F, 256, 256, 256, 256, 8], rng, inits)
    nodes.append(helper.make_node("Identity", [x], ["embedding"]))
    save(helper.make_graph(nodes, "embedding", [node_features_input()],
                           [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 8])], inits),
         out / "embedding.onnx")

    def gather_pair(feat):
        inits_local = [numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
                       numpy_helper.from_array(np.array(1, dtype=np.int64), "one"),
                       numpy_helper.from_array(np.array([-1], dtype=np.int64), "flat")]
        n = [
            helper.make_node("Gather", ["edge_index", "zero"], ["src"], axis=0),
            helper.make_node("Gather", ["edge_index", "one"], ["dst"], axis=0),
            helper.make_node("Gather", [feat, "src"], ["x_src"], axis=0),
            helper.make_node("Gather", [feat, "dst"], ["x_dst"], axis=0),
            helper.make_node("Concat", ["x_src", "x_dst"], ["x_edge"], axis=1),
        ]
        return n, inits_local

    index_in = helper.make_tensor_value_info("edge_index", TensorProto.INT64, [2, "E"])
    score_out = helper.make_tensor_value_info("edge_score", TensorProto.FLOAT, ["E"])
    # filter: per-edge MLP 14 -> 256 -> 256 -> 1
    nodes, inits = gather_pair("node_features")
    mlp, x = mlp_nodes("f", "x_edge", [2 * F, 256, 256, 1], rng, inits)
    nodes += mlp + [helper.make_node("Sigmoid", [x], ["p"]), helper.make_node("Reshape", ["p", "flat"], ["edge_score"])]
    save(helper.make_graph(nodes, "filter", [node_features_input(), index_in], [score_out], inits),
         out / "filter.onnx")
    # gnn-sized: node encoder F -> 64 -> 64, edge network 128 -> 192 -> 64 -> 64 -> 1 (one message-passing step:
    # scatter-add of edge messages to the destination node, node network 128 -> 64 -> 64, edge classifier)
    nodes, inits = [], []
    enc, h = mlp_nodes("n", "node_features", [F, 64, 64], rng, inits)
    nodes += enc
    g, gi = gather_pair(h)
    nodes += g
    inits += gi
    em, m = mlp_nodes("m", "x_edge", [128, 192, 64, 64], rng, inits)
    nodes += em
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "axes1"))
    nodes += [
        helper.make_node("Unsqueeze", ["dst", "axes1"], ["dst2"]),
        helper.make_node("Shape", [m], ["mshape"]),
        helper.make_node("Expand", ["dst2", "mshape"], ["dst_exp"]),
        helper.make_node("Mul", [h, "zero_f"], ["agg0"]),
        helper.make_node("ScatterElements", ["agg0", "dst_exp", m], ["agg"], axis=0, reduction="add"),
        helper.make_node("Concat", [h, "agg"], ["node_in"], axis=1),
    ]
    inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero_f"))
    nm, h2 = mlp_nodes("u", "node_in", [128, 64, 64], rng, inits)
    nodes += nm
    nodes += [
        helper.make_node("Gather", [h2, "src"], ["h_src"], axis=0),
        helper.make_node("Gather", [h2, "dst"], ["h_dst"], axis=0),
        helper.make_node("Concat", ["h_src", "h_dst"], ["e_in"], axis=1),
    ]
    cm, x = mlp_nodes("c", "e_in", [128, 64, 1], rng, inits)
    nodes += cm + [helper.make_node("Sigmoid", [x], ["p"]), helper.make_node("Reshape", ["p", "flat"], ["edge_score"])]
    save(helper.make_graph(nodes, "gnn", [node_features_input(), index_in], [score_out], inits), out / "gnn.onnx")
    write_pipeline_json(out, 8, 0.1, 64, 0.5, 0.5, {"note": "random weights of realistic width, for benchmarks"})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realistic", type=pathlib.Path, help="write realistic-width random models to this dir")
    args = parser.parse_args()
    if args.realistic:
        realistic(args.realistic)
        return
    out = pathlib.Path(__file__).resolve().parent
    embedding_model(out / "embedding.onnx")
    classifier_model(out / "filter.onnx", W_FILTER, B_FILTER)
    classifier_model(out / "gnn.onnx", W_GNN, B_GNN, rank2_output=True)
    classifier_model(out / "bad_input_name.onnx", W_FILTER, B_FILTER, index_name="edges")
    classifier_model(out / "bad_index_type.onnx", W_FILTER, B_FILTER, index_type=TensorProto.INT32)
    write_pipeline_json(out, 3, 0.05, 16, 0.5, 0.5, {"note": "tiny fixed-weight test models (make_test_models.py)"})


if __name__ == "__main__":
    main()
