"""Builds the small ONNX models the OrtEngine tests run, and PyTorch's outputs for them with the same weights.

usage: onnx_models.py OUTDIR

Models are written with onnx.helper (opset 17, IR 8) and pass onnx.checker; inputs and PyTorch's expected outputs
are written with np.save as OUTDIR/<model>.<name>.npy.
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper


def save_model(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="toolchain-tests")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


def convnet(outdir, rng):
    """Conv(3→16, 3×3, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm(16→5), dynamic batch N, 32×32 input."""
    cin, cmid, classes, hw = 3, 16, 5, 32
    w = (rng.standard_normal((cmid, cin, 3, 3)) * 0.3).astype(np.float32)
    b = (rng.standard_normal(cmid) * 0.1).astype(np.float32)
    fw = (rng.standard_normal((classes, cmid)) * 0.3).astype(np.float32)
    fb = (rng.standard_normal(classes) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["h1"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
        helper.make_node("GlobalAveragePool", ["h2"], ["h3"], name="pool"),
        helper.make_node("Flatten", ["h3"], ["h4"], name="flatten", axis=1),
        helper.make_node("Gemm", ["h4", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "convnet",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", cin, hw, hw])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes])],
        initializer=[numpy_helper.from_array(w, "conv.weight"), numpy_helper.from_array(b, "conv.bias"),
                     numpy_helper.from_array(fw, "fc.weight"), numpy_helper.from_array(fb, "fc.bias")])
    save_model(graph, os.path.join(outdir, "convnet.onnx"))

    def reference(x):
        with torch.no_grad():
            h = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=1).relu()
            h = F.adaptive_avg_pool2d(h, 1).flatten(1)
            return F.linear(h, torch.from_numpy(fw), torch.from_numpy(fb)).numpy()

    for batch in (2, 5):
        x = rng.standard_normal((batch, cin, hw, hw)).astype(np.float32)
        np.save(os.path.join(outdir, f"convnet.x{batch}.npy"), x)
        np.save(os.path.join(outdir, f"convnet.expected{batch}.npy"), reference(x))


def two_inputs(outdir):
    """sum = a + b and product = a * b over [N, 4] inputs: two named inputs, two outputs."""
    nodes = [
        helper.make_node("Add", ["a", "b"], ["sum"], name="add"),
        helper.make_node("Mul", ["a", "b"], ["product"], name="mul"),
    ]
    graph = helper.make_graph(
        nodes, "two_inputs",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 4]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("sum", TensorProto.FLOAT, ["N", 4]),
         helper.make_tensor_value_info("product", TensorProto.FLOAT, ["N", 4])])
    save_model(graph, os.path.join(outdir, "two_inputs.onnx"))


def int_input(outdir):
    """Cast(int64 → float) of a [3] input: a model whose input the float-only engines cannot feed."""
    graph = helper.make_graph(
        [helper.make_node("Cast", ["ids"], ["y"], name="cast", to=TensorProto.FLOAT)], "int_input",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    save_model(graph, os.path.join(outdir, "int_input.onnx"))


def main():
    outdir = sys.argv[1]
    rng = np.random.default_rng(1234)
    convnet(outdir, rng)
    two_inputs(outdir)
    int_input(outdir)


if __name__ == "__main__":
    main()
