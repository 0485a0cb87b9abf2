"""Writes tests/data/tiny_mlp.onnx: y = tanh(x @ W + b), x: [N, 3] -> y: [N, 2].

Used by the ONNX Runtime smoke test; W and b are fixed so that the C++ test
can recompute the answer. Run with the project's venv: python make_tiny_model.py
"""
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

W = np.array([[0.5, -1.0], [0.25, 0.75], [-0.5, 2.0]], dtype=np.float32)
B = np.array([0.1, -0.2], dtype=np.float32)

graph = helper.make_graph(
    [
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["z"]),
        helper.make_node("Tanh", ["z"], ["y"]),
    ],
    "tiny_mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
    [numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "b")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="trkx-tests")
model.ir_version = 8
onnx.checker.check_model(model)
out = pathlib.Path(__file__).with_name("tiny_mlp.onnx")
onnx.save(model, out)
print(f"wrote {out}")
