"""Small hand-built ONNX models (onnx.helper) for the importer's tests, with PyTorch's result on the same weights.

usage: import_handbuilt.py OUTDIR

For every case CASE writes OUTDIR/CASE.onnx; the cases the importer must read also get OUTDIR/CASE.safetensors
with the input x and PyTorch's output y. The bad cases (BAD) are models the importer must reject.
"""
import io
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

import tsio

INT64_MAX = np.iinfo(np.int64).max
rng = np.random.default_rng(1234)


def randn(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def t(a):
    return torch.from_numpy(np.asarray(a))


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def const(name, array):
    return helper.make_node("Constant", [], [name], name=f"/{name}/Constant", value=numpy_helper.from_array(np.asarray(array)))


def model(nodes, inputs, output, initializers=(), opset=13):
    # The output's rank is not checked by anyone; the checker only wants a shape.
    graph = helper.make_graph(nodes, "handbuilt", inputs,
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch"])], list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="import_handbuilt.py")
    m.ir_version = 8
    return m


def image_input(shape, name="x"):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def reshape_dynamic(opset):
    """x.view(x.size(0), -1) as PyTorch exports it, between a conv and a linear layer, with a dynamic batch."""
    w, b = randn(6, 4, 3, 3, scale=0.3), randn(6)
    fw, fb = randn(3, 150, scale=0.1), randn(3)
    unsqueeze = (helper.make_node("Unsqueeze", ["/Gather_output_0"], ["/Unsqueeze_output_0"], name="/Unsqueeze", axes=[0])
                 if opset < 13 else
                 helper.make_node("Unsqueeze", ["/Gather_output_0", "/axes/Constant_output"], ["/Unsqueeze_output_0"], name="/Unsqueeze"))
    nodes = [
        helper.make_node("Conv", ["x", "onnx::Conv_1", "onnx::Conv_2"], ["/conv/Conv_output_0"], name="/conv/Conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["/conv/Conv_output_0"], ["/relu/Relu_output_0"], name="/relu/Relu"),
        helper.make_node("Shape", ["/relu/Relu_output_0"], ["/Shape_output_0"], name="/Shape"),
        const("/Constant_output_0", np.array(0, dtype=np.int64)),
        helper.make_node("Gather", ["/Shape_output_0", "/Constant_output_0"], ["/Gather_output_0"], name="/Gather", axis=0),
        const("/axes/Constant_output", np.array([0], dtype=np.int64)),
        unsqueeze,
        const("/Constant_1_output_0", np.array([-1], dtype=np.int64)),
        helper.make_node("Concat", ["/Unsqueeze_output_0", "/Constant_1_output_0"], ["/Concat_output_0"], name="/Concat", axis=0),
        helper.make_node("Reshape", ["/relu/Relu_output_0", "/Concat_output_0"], ["/Reshape_output_0"], name="/Reshape"),
        helper.make_node("Gemm", ["/Reshape_output_0", "fc.weight", "fc.bias"], ["y"], name="/fc/Gemm", alpha=1.0, beta=1.0, transB=1),
    ]
    m = model(nodes, [image_input(["batch", 4, 5, 5])], "y",
              [init("onnx::Conv_1", w), init("onnx::Conv_2", b), init("fc.weight", fw), init("fc.bias", fb)], opset)
    x = randn(3, 4, 5, 5)
    y = F.linear(F.relu(F.conv2d(t(x), t(w), t(b), padding=1)).reshape(3, -1), t(fw), t(fb))
    return m, x, y


def split(opset):
    """Split with sizes as attribute (opset 11) or input (13), then an equal split without sizes."""
    if opset < 13:
        first = helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1, split=[2, 4])
        extra = []
    else:
        first = helper.make_node("Split", ["x", "sizes"], ["a", "b"], name="split", axis=1)
        extra = [const("sizes", np.array([2, 4], dtype=np.int64))]
    nodes = extra + [
        first,
        helper.make_node("Relu", ["b"], ["rb"], name="relu"),
        helper.make_node("Concat", ["rb", "a"], ["c"], name="concat", axis=1),
        helper.make_node("Split", ["c"], ["p0", "p1", "p2"], name="thirds", axis=-3),
        helper.make_node("Concat", ["p2", "p0", "p1"], ["y"], name="concat2", axis=-3),
    ]
    m = model(nodes, [image_input([2, 6, 4, 4])], "y", opset=opset)
    x = randn(2, 6, 4, 4)
    a, b = t(x)[:, :2], t(x)[:, 2:]
    c = torch.cat([F.relu(b), a], 1)
    y = torch.cat([c[:, 4:], c[:, :2], c[:, 2:4]], 1)
    return m, x, y


def slice_case():
    """Two axes in one Slice (negative start, step 2, INT64_MAX end), then one without axes/steps inputs."""
    nodes = [
        const("starts", np.array([1, -6], dtype=np.int64)),
        const("ends", np.array([5, INT64_MAX], dtype=np.int64)),
        const("axes", np.array([1, 3], dtype=np.int64)),
        const("steps", np.array([2, 1], dtype=np.int64)),
        helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["s"], name="slice"),
        const("starts2", np.array([0, 0, 0, 0], dtype=np.int64)),
        const("ends2", np.array([INT64_MAX, INT64_MAX, -1, INT64_MAX], dtype=np.int64)),
        helper.make_node("Slice", ["s", "starts2", "ends2"], ["y"], name="slice2"),
    ]
    m = model(nodes, [image_input([2, 6, 8, 8])], "y")
    x = randn(2, 6, 8, 8)
    y = t(x)[:, 1:5:2, :, -6:][:, :, :-1, :]
    return m, x, y


def transpose():
    nodes = [helper.make_node("Transpose", ["x"], ["y"], name="transpose", perm=[0, 3, 1, 2])]
    m = model(nodes, [image_input([2, 3, 4, 5])], "y")
    x = randn(2, 3, 4, 5)
    return m, x, t(x).permute(0, 3, 1, 2).contiguous()


def concat():
    wa, wb, bb = randn(4, 3, 1, 1), randn(2, 3, 3, 3, scale=0.3), randn(2)
    nodes = [
        helper.make_node("Conv", ["x", "a.weight"], ["ya"], name="/a/Conv", kernel_shape=[1, 1]),
        helper.make_node("Conv", ["x", "b.weight", "b.bias"], ["yb"], name="/b/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Concat", ["ya", "yb"], ["c"], name="/Concat", axis=1),
        helper.make_node("Concat", ["c", "x"], ["y"], name="/Concat_1", axis=-3),
    ]
    m = model(nodes, [image_input([2, 3, 6, 6])], "y", [init("a.weight", wa), init("b.weight", wb), init("b.bias", bb)])
    x = randn(2, 3, 6, 6)
    y = torch.cat([F.conv2d(t(x), t(wa)), F.conv2d(t(x), t(wb), t(bb), padding=1), t(x)], 1)
    return m, x, y


def hardswish():
    """HardSwish (opset 14) and its opset-13 spelling x · HardSigmoid(x) with PyTorch's alpha = 1/6."""
    nodes = [
        helper.make_node("HardSwish", ["x"], ["hs"], name="hardswish"),
        helper.make_node("HardSigmoid", ["x"], ["hsig"], name="hardsigmoid", alpha=1.0 / 6, beta=0.5),
        helper.make_node("Mul", ["x", "hsig"], ["hs2"], name="mul"),
        helper.make_node("Add", ["hs", "hs2"], ["y"], name="add"),
    ]
    m = model(nodes, [image_input([2, 3, 4, 4])], "y", opset=14)
    x = randn(2, 3, 4, 4, scale=4)
    y = F.hardswish(t(x)) + t(x) * F.hardsigmoid(t(x))
    return m, x, y


def clip():
    """Clip(0, 6) (ReLU6), Clip(-0.5, 0.5) and Clip with only a lower bound, bounds as constant inputs."""
    nodes = [
        const("zero", np.array(0, dtype=np.float32)), const("six", np.array(6, dtype=np.float32)),
        const("lo", np.array(-0.5, dtype=np.float32)), const("hi", np.array(0.5, dtype=np.float32)),
        const("minus_one", np.array(-1, dtype=np.float32)),
        helper.make_node("Clip", ["x", "zero", "six"], ["c1"], name="relu6"),
        helper.make_node("Clip", ["x", "lo", "hi"], ["c2"], name="clip"),
        helper.make_node("Clip", ["x", "minus_one", ""], ["c3"], name="clip_min"),
        helper.make_node("Add", ["c1", "c2"], ["s"], name="add"),
        helper.make_node("Add", ["s", "c3"], ["y"], name="add2"),
    ]
    m = model(nodes, [image_input([2, 3, 4, 4])], "y")
    x = randn(2, 3, 4, 4, scale=5)
    y = F.relu6(t(x)) + t(x).clamp(-0.5, 0.5) + t(x).clamp(min=-1)
    return m, x, y


def matmul_add():
    """MatMul + Add (a linear layer written out) and Gemm with transB=0, alpha 0.5 and beta 2, dynamic batch."""
    w1, b1 = randn(8, 5), randn(5)
    w2, b2 = randn(5, 3), randn(3)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["m"], name="/fc1/MatMul"),
        helper.make_node("Add", ["b1", "m"], ["h"], name="/fc1/Add"),
        helper.make_node("Relu", ["h"], ["r"], name="/relu/Relu"),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="/fc2/Gemm", alpha=0.5, beta=2.0),
    ]
    m = model(nodes, [image_input(["batch", 8])], "y", [init("w1", w1), init("b1", b1), init("w2", w2), init("b2", b2)])
    x = randn(4, 8)
    y = 0.5 * (F.relu(t(x) @ t(w1) + t(b1)) @ t(w2)) + 2 * t(b2)
    return m, x, y


def shared_bias():
    """Two convs reading one bias initializer through Identity nodes, as exporters deduplicate equal tensors."""
    wa, wb, bias = randn(3, 3, 3, 3, scale=0.3), randn(3, 3, 1, 1), randn(3)
    nodes = [
        helper.make_node("Identity", ["onnx::Conv_9"], ["onnx::Conv_10"], name="Identity_0"),
        helper.make_node("Identity", ["onnx::Conv_9"], ["onnx::Conv_11"], name="Identity_1"),
        helper.make_node("Conv", ["x", "a.weight", "onnx::Conv_10"], ["ya"], name="/a/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["ya", "b.weight", "onnx::Conv_11"], ["y"], name="/b/Conv"),
    ]
    m = model(nodes, [image_input([2, 3, 5, 5])], "y", [init("onnx::Conv_9", bias), init("a.weight", wa), init("b.weight", wb)])
    x = randn(2, 3, 5, 5)
    y = F.conv2d(F.conv2d(t(x), t(wa), t(bias), padding=1), t(wb), t(bias))
    return m, x, y


def pools():
    """MaxPool with asymmetric pads that cannot matter, MaxPool k3 s1 p1, AveragePool with ceil_mode and without pads counted."""
    nodes = [
        helper.make_node("MaxPool", ["x"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1]),
        helper.make_node("MaxPool", ["p1"], ["p2"], name="pool2", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1]),
        helper.make_node("AveragePool", ["p2"], ["y"], name="pool3", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                         ceil_mode=1, count_include_pad=0),
    ]
    m = model(nodes, [image_input([2, 3, 8, 8])], "y")
    x = randn(2, 3, 8, 8)
    p = F.max_pool2d(F.max_pool2d(t(x), 2, 2), 3, 1, 1)
    y = F.avg_pool2d(p, 3, 2, 1, ceil_mode=True, count_include_pad=False)
    return m, x, y


def conv_same():
    """auto_pad SAME_UPPER where it is symmetric, a grouped conv with dilation, and VALID."""
    w1, w2, w3 = randn(4, 3, 3, 3, scale=0.3), randn(4, 2, 3, 3, scale=0.3), randn(2, 4, 2, 2, scale=0.3)
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="same", auto_pad="SAME_UPPER"),
        helper.make_node("Conv", ["c1", "w2"], ["c2"], name="grouped", group=2, dilations=[2, 2], pads=[2, 2, 2, 2]),
        helper.make_node("Conv", ["c2", "w3"], ["y"], name="valid", auto_pad="VALID", strides=[2, 2]),
    ]
    m = model(nodes, [image_input([2, 3, 8, 8])], "y", [init("w1", w1), init("w2", w2), init("w3", w3)])
    x = randn(2, 3, 8, 8)
    c = F.conv2d(F.conv2d(t(x), t(w1), padding=1), t(w2), padding=2, dilation=2, groups=2)
    y = F.conv2d(c, t(w3), stride=2)
    return m, x, y


def misc():
    """Dropout (ratio as input), Identity on an activation, Sigmoid and Mul of two activations (SiLU)."""
    nodes = [
        const("ratio", np.array(0.3, dtype=np.float32)),
        helper.make_node("Dropout", ["x", "ratio"], ["d"], name="/dropout/Dropout"),
        helper.make_node("Identity", ["d"], ["i"], name="/Identity"),
        helper.make_node("Sigmoid", ["i"], ["s"], name="/act/Sigmoid"),
        helper.make_node("Mul", ["i", "s"], ["y"], name="/act/Mul"),
    ]
    m = model(nodes, [image_input([2, 3, 4, 4])], "y")
    x = randn(2, 3, 4, 4)
    return m, x, F.silu(t(x))


def gelu(opset):
    """GELU as PyTorch exports nn.GELU() before opset 20: 0.5·x·(1 + Erf(x/√2)), constants as Constant nodes after
    the Div (as PyTorch orders them), then the same written with initializers and the operands of Add and Mul swapped."""
    nodes = [
        const("sqrt2", np.array(1.4142135, dtype=np.float32)),
        helper.make_node("Div", ["x", "sqrt2"], ["d"], name="/act/Div"),
        helper.make_node("Erf", ["d"], ["e"], name="/act/Erf"),
        const("one", np.array(1.0, dtype=np.float32)),
        helper.make_node("Add", ["e", "one"], ["a"], name="/act/Add"),
        helper.make_node("Mul", ["x", "a"], ["m"], name="/act/Mul"),
        const("half", np.array(0.5, dtype=np.float32)),
        helper.make_node("Mul", ["m", "half"], ["g"], name="/act/Mul_1"),
        helper.make_node("Div", ["g", "sqrt2b"], ["d2"], name="/act2/Div"),
        helper.make_node("Erf", ["d2"], ["e2"], name="/act2/Erf"),
        helper.make_node("Add", ["oneb", "e2"], ["a2"], name="/act2/Add"),
        helper.make_node("Mul", ["a2", "g"], ["m2"], name="/act2/Mul"),
        helper.make_node("Mul", ["halfb", "m2"], ["y"], name="/act2/Mul_1"),
    ]
    inits = [init("sqrt2b", np.array(np.sqrt(2), dtype=np.float32)), init("oneb", np.array(1.0, dtype=np.float32)),
             init("halfb", np.array(0.5, dtype=np.float32))]
    m = model(nodes, [image_input([2, 3, 4, 4])], "y", inits, opset)
    x = randn(2, 3, 4, 4, scale=2.0)
    return m, x, F.gelu(F.gelu(t(x)))


def layer_norm_nodes(scope, x, out, weight, bias, eps=1e-6, exponent=2.0, axes=(-1,), swapped=False):
    """F.layer_norm over the last axis as PyTorch writes it below opset 17: ReduceMean, Sub, Pow 2, ReduceMean, Add ε,
    Sqrt, Div, Mul weight, Add bias, the constants as Constant nodes after the node that starts the pattern (as PyTorch
    orders them); swapped: d·d instead of Pow, ε, weight and bias as initializers and the first operands of Add/Mul."""
    n = lambda op, inputs, suffix="": helper.make_node(op, inputs, [f"{scope}/{op}{suffix}_output_0"], name=f"{scope}/{op}{suffix}")
    o = lambda op, suffix="": f"{scope}/{op}{suffix}_output_0"
    w_name, b_name, eps_name = f"{scope[1:]}.weight", f"{scope[1:]}.bias", f"{scope[1:]}.eps"
    nodes = [helper.make_node("ReduceMean", [x], [o("ReduceMean")], name=f"{scope}/ReduceMean", axes=list(axes)),
             n("Sub", [x, o("ReduceMean")])]
    if swapped:
        nodes.append(n("Mul", [o("Sub"), o("Sub")], "_square"))
        square = o("Mul", "_square")
    else:
        nodes += [helper.make_node("Constant", [], [o("Constant")], name=f"{scope}/Constant",
                                   value=numpy_helper.from_array(np.array(exponent, dtype=np.float32))),
                  n("Pow", [o("Sub"), o("Constant")])]
        square = o("Pow")
    nodes.append(helper.make_node("ReduceMean", [square], [o("ReduceMean", "_1")], name=f"{scope}/ReduceMean_1", axes=list(axes)))
    if not swapped:
        nodes.append(helper.make_node("Constant", [], [eps_name], name=f"{scope}/Constant_1", value=numpy_helper.from_array(np.array(eps, dtype=np.float32))))
    pair = lambda a, b: [b, a] if swapped else [a, b]
    nodes += [n("Add", pair(o("ReduceMean", "_1"), eps_name)), n("Sqrt", [o("Add")]), n("Div", [o("Sub"), o("Sqrt")]),
              n("Mul", pair(o("Div"), w_name)), helper.make_node("Add", pair(o("Mul"), b_name), [out], name=f"{scope}/Add_1")]
    initializers = [init(w_name, weight), init(b_name, bias)]
    if swapped: initializers.append(init(eps_name, np.array(eps, dtype=np.float32)))
    return nodes, initializers


def layer_norm(bad=None, opset=13):
    """ConvNeXt's LayerNorm2d below opset 17: Transpose to NHWC, the decomposition over the channels, Transpose back;
    then, after a global pool, the decomposition written the other way (d·d, operands swapped, weight [1, C]) on
    [N, C]. At opset 17 the same with LayerNormalization (weight [C]). bad: one thing changed so that it only looks
    like LayerNorm (the import must refuse it)."""
    w = randn(4, 3, 3, 3, scale=0.3)
    w1, b1, w2, b2 = randn(4, scale=0.5) + 1, randn(4, scale=0.1), randn(1, 4, scale=0.5) + 1, randn(4, scale=0.1)
    norm_input = "c" if bad == "over_width" else "ct"
    if opset >= 17:
        norm = [helper.make_node("LayerNormalization", ["ct", "norm.weight", "norm.bias"], ["ln"], name="/norm/LayerNormalization",
                                 axis=-1, epsilon=1e-6)]
        head = [helper.make_node("LayerNormalization", ["f", "head.weight", "head.bias"], ["y"], name="/head/LayerNormalization",
                                 axis=-1, epsilon=1e-5)]
        norm_init = [init("norm.weight", w1), init("norm.bias", b1)]
        head_init = [init("head.weight", w2.reshape(4)), init("head.bias", b2)]
    else:
        norm, norm_init = layer_norm_nodes("/norm", norm_input, "ln", w1 if bad != "weight_shape" else w1.reshape(4, 1), b1,
                                           exponent=3.0 if bad == "pow3" else 2.0)
        head, head_init = layer_norm_nodes("/head", "f", "y", w2, b2, eps=1e-5, swapped=True)
    nodes = [helper.make_node("Conv", ["x", "conv.weight"], ["c"], name="/conv/Conv", pads=[1, 1, 1, 1]),
             helper.make_node("Transpose", ["c"], ["ct"], name="/norm/Transpose", perm=[0, 2, 3, 1]),
             *norm,
             helper.make_node("Transpose", ["ln"], ["n"], name="/norm/Transpose_1", perm=[0, 3, 1, 2]),
             helper.make_node("GlobalAveragePool", ["n"], ["g"], name="/pool/GlobalAveragePool"),
             helper.make_node("Flatten", ["g"], ["f"], name="/Flatten", axis=1),
             *head]
    m = model(nodes, [image_input(["batch", 3, 5, 5])], "y", [init("conv.weight", w), *norm_init, *head_init], opset=opset)
    x = randn(2, 3, 5, 5)
    c = F.conv2d(t(x), t(w), padding=1)
    n = F.layer_norm(c.permute(0, 2, 3, 1), (4,), t(w1), t(b1), eps=1e-6).permute(0, 3, 1, 2)
    y = F.layer_norm(n.mean((2, 3)), (4,), t(w2).reshape(4), t(b2), eps=1e-5)
    return m, x, y


def dynamic_hw():
    """Dynamic height and width: needs OnnxImportOptions.InputShape."""
    w = randn(4, 3, 3, 3, scale=0.3)
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight"], ["c"], name="/conv/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
        helper.make_node("GlobalAveragePool", ["r"], ["g"], name="/pool/GlobalAveragePool"),
        helper.make_node("Flatten", ["g"], ["y"], name="/Flatten", axis=1),
    ]
    m = model(nodes, [image_input(["N", 3, "H", "W"])], "y", [init("conv.weight", w)])
    x = randn(2, 3, 8, 8)
    y = F.relu(F.conv2d(t(x), t(w), padding=1)).mean((2, 3))
    return m, x, y


def pad_reduce(opset):
    """Pad as PyTorch writes it since opset 11 (pads and constant as inputs; reflect, edge, constant 0.5), a Pad of zeros
    before an AveragePool (nn.AvgPool2d's export), then ReduceMean over H, W with negative axes, kept and not kept."""
    w = randn(4, 3, 3, 3, scale=0.3)
    pads = lambda name, p: init(name, np.array(p, dtype=np.int64))
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight"], ["c"], name="/conv/Conv"),
        helper.make_node("Pad", ["c", "p_reflect"], ["r"], name="/reflect/Pad", mode="reflect"),
        helper.make_node("Pad", ["r", "p_edge"], ["e"], name="/edge/Pad", mode="edge"),
        helper.make_node("Pad", ["e", "p_const", "half"], ["k"], name="/const/Pad"),
        helper.make_node("Pad", ["k", "p_zero"], ["z"], name="/pool/Pad", mode="constant"),
        helper.make_node("AveragePool", ["z"], ["a"], name="/pool/AveragePool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("ReduceMean", ["a"], ["m"], name="/mean/ReduceMean", axes=[-1, -2], keepdims=1),
        helper.make_node("Add", ["a", "m"], ["s"], name="/Add"),
        helper.make_node("ReduceMean", ["s"], ["y"], name="/gap/ReduceMean", axes=[2, 3], keepdims=0),
    ]
    initializers = [init("conv.weight", w), pads("p_reflect", [0, 0, 1, 2, 0, 0, 2, 1]), pads("p_edge", [0, 0, 0, 1, 0, 0, 2, 0]),
                    pads("p_const", [0, 0, 1, 1, 0, 0, 1, 1]), pads("p_zero", [0] * 8), init("half", np.array(0.5, dtype=np.float32))]
    m = model(nodes, [image_input(["batch", 3, 8, 8])], "y", initializers, opset)
    x = randn(2, 3, 8, 8)
    c = F.conv2d(t(x), t(w))
    r = F.pad(c, (2, 1, 1, 2), mode="reflect")  # F.pad lists the last dimension first: (left, right, top, bottom)
    e = F.pad(r, (1, 0, 0, 2), mode="replicate")
    k = F.pad(e, (1, 1, 1, 1), value=0.5)
    a = F.avg_pool2d(k, 2, 2)
    y = (a + a.mean((2, 3), keepdim=True)).mean((2, 3))
    return m, x, y


class Interpolations(torch.nn.Module):
    """conv → every F.interpolate PyTorch exports to ONNX: bilinear to a size, nearest ×2, bilinear with align_corners,
    bilinear ×1.5 (not a whole size), then bilinear back to the input's size read from its shape (the
    Shape→Slice→Concat chain of a segmentation head), on a non-square input."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)

    def forward(self, x):
        c = self.conv(x)
        c = F.interpolate(c, size=(11, 9), mode="bilinear", align_corners=False)
        c = F.interpolate(c, scale_factor=2.0, mode="nearest")
        c = F.interpolate(c, size=(5, 7), mode="bilinear", align_corners=True)
        c = F.interpolate(c, scale_factor=1.5, mode="bilinear", align_corners=False)
        return F.interpolate(c, size=x.shape[-2:], mode="bilinear", align_corners=False)


def resize(opset):
    """F.interpolate as torch.onnx.export writes it (Resize with roi/scales/sizes inputs, sizes folded from shapes)."""
    torch.manual_seed(5)
    module = Interpolations().eval()
    x = randn(2, 3, 7, 6)
    buffer = io.BytesIO()
    torch.onnx.export(module, (t(x),), buffer, opset_version=opset, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    m = onnx.load_from_string(buffer.getvalue())
    m.ir_version = 8
    with torch.no_grad():
        return m, x, module(t(x))


def two_outputs():
    """A conv's output is a graph output and also read by a ReLU, the second output (so the ReLU must not overwrite it)."""
    w = randn(4, 3, 3, 3)
    nodes = [helper.make_node("Conv", ["x", "conv.weight"], ["c"], name="/conv/Conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu")]
    m = model(nodes, [image_input(["batch", 3, 8, 8])], "c", [init("conv.weight", w)])
    m.graph.output.append(helper.make_tensor_value_info("r", TensorProto.FLOAT, ["batch"]))
    x = randn(2, 3, 8, 8)
    c = F.conv2d(t(x), t(w), padding=1)
    return m, x, (c, F.relu(c))


def typed_fields():
    """Tensors in the typed fields instead of raw_data: float_data, double_data (cast), int64_data, int32_data."""
    w, b = randn(4, 3, 3, 3, scale=0.3), randn(4)
    nodes = [
        helper.make_node("Constant", [], ["b64"], name="bias", value=helper.make_tensor("b64", TensorProto.DOUBLE, [4], b.astype(np.float64))),
        helper.make_node("Cast", ["b64"], ["b32"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("Conv", ["x", "w", "b32"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Slice", ["c", "starts", "ends", "axes"], ["s"], name="slice"),
        helper.make_node("Reshape", ["s", "shape"], ["y"], name="reshape"),
    ]
    initializers = [
        helper.make_tensor("w", TensorProto.FLOAT, w.shape, w.flatten().tolist()),
        helper.make_tensor("starts", TensorProto.INT32, [1], [1]),
        helper.make_tensor("ends", TensorProto.INT32, [1], [3]),
        helper.make_tensor("axes", TensorProto.INT32, [1], [1]),
        helper.make_tensor("shape", TensorProto.INT64, [2], [0, -1]),
    ]
    assert all(not i.raw_data for i in initializers)
    m = model(nodes, [image_input(["batch", 3, 5, 5])], "y", initializers)
    x = randn(2, 3, 5, 5)
    y = F.conv2d(t(x), t(w), t(b), padding=1)[:, 1:3].reshape(2, -1)
    return m, x, y


GOOD = {
    "typed_fields": typed_fields,
    "reshape_dynamic_11": lambda: reshape_dynamic(11),
    "reshape_dynamic_13": lambda: reshape_dynamic(13),
    "split_11": lambda: split(11),
    "split_13": lambda: split(13),
    "slice": slice_case,
    "transpose": transpose,
    "concat": concat,
    "hardswish": hardswish,
    "clip": clip,
    "matmul_add": matmul_add,
    "shared_bias": shared_bias,
    "pools": pools,
    "conv_same": conv_same,
    "misc": misc,
    "dynamic_hw": dynamic_hw,
    "pad_reduce_11": lambda: pad_reduce(11),
    "pad_reduce_17": lambda: pad_reduce(17),
    "gelu_11": lambda: gelu(11),
    "gelu_17": lambda: gelu(17),
    "layer_norm_13": layer_norm,
    "layer_norm_17": lambda: layer_norm(opset=17),
    "two_outputs": two_outputs,
    "resize_11": lambda: resize(11),
    "resize_13": lambda: resize(13),
    "resize_17": lambda: resize(17),
}


def conv_then(node, initializers=(), opset=13, inputs=None):
    """A conv (so the importer has created parameters before it fails) followed by node, which reads 'c'."""
    w = randn(4, 3, 3, 3)
    nodes = [helper.make_node("Conv", ["x", "conv.weight"], ["c"], name="/conv/Conv", pads=[1, 1, 1, 1]), node]
    return model(nodes, inputs or [image_input(["batch", 3, 8, 8])], "y", [init("conv.weight", w), *initializers], opset)


def output_twice():
    """Two graph outputs that are one value once the importer drops the Identity between them."""
    m = conv_then(helper.make_node("Relu", ["c"], ["y"], name="/relu/Relu"))
    m.graph.node.append(helper.make_node("Identity", ["y"], ["z"], name="/Identity"))
    m.graph.output.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch"]))
    return m


def external_data():
    m = conv_then(helper.make_node("Relu", ["c"], ["y"], name="/relu/Relu"))
    weight = m.graph.initializer[0]
    weight.ClearField("raw_data")
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    weight.external_data.add(key="location", value="weights.bin")
    return m


BAD = {
    "unknown_op": lambda: conv_then(helper.make_node("Einsum", ["c"], ["y"], name="my_einsum", equation="nchw->nchw")),
    "layer_norm_pow3": lambda: layer_norm("pow3")[0],
    "layer_norm_over_width": lambda: layer_norm("over_width")[0],
    "layer_norm_weight_shape": lambda: layer_norm("weight_shape")[0],
    "pow_alone": lambda: conv_then(helper.make_node("Pow", ["c", "two"], ["y"], name="my_pow"), [init("two", np.array(2.0, dtype=np.float32))]),
    "erf_alone": lambda: conv_then(helper.make_node("Erf", ["c"], ["y"], name="my_erf")),
    "opset18": lambda: conv_then(helper.make_node("Relu", ["c"], ["y"], name="/relu/Relu"), opset=18),
    "custom_domain": lambda: conv_then(helper.make_node("Relu", ["c"], ["y"], name="custom_relu", domain="com.example")),
    "two_inputs": lambda: conv_then(helper.make_node("Add", ["c", "z"], ["y"], name="/Add"),
                                    inputs=[image_input(["batch", 3, 8, 8]), image_input(["batch", 4, 8, 8], "z")]),
    "asymmetric_pads": lambda: conv_then(helper.make_node("Conv", ["c", "w2"], ["y"], name="/conv2/Conv", pads=[0, 0, 1, 1]),
                                         [init("w2", randn(4, 4, 3, 3))]),
    "channel_mismatch": lambda: conv_then(helper.make_node("Conv", ["c", "w2"], ["y"], name="/conv2/Conv", pads=[1, 1, 1, 1]),
                                          [init("w2", randn(4, 5, 3, 3))]),
    "mul_constant": lambda: conv_then(helper.make_node("Mul", ["c", "scale"], ["y"], name="/scale/Mul"),
                                      [init("scale", np.array(2.0, dtype=np.float32))]),
    "unsupported_attribute": lambda: conv_then(helper.make_node("Flatten", ["c"], ["y"], name="/Flatten", axis=1, keepdims=1)),
    "hardsigmoid_default": lambda: conv_then(helper.make_node("HardSigmoid", ["c"], ["y"], name="/act/HardSigmoid")),
    "pad_negative": lambda: conv_then(helper.make_node("Pad", ["c", "pads"], ["y"], name="/pad/Pad"),
                                      [init("pads", np.array([0, 0, -1, 0, 0, 0, 0, 0], dtype=np.int64))]),
    "pad_reflect_too_far": lambda: conv_then(helper.make_node("Pad", ["c", "pads"], ["y"], name="/pad/Pad", mode="reflect"),
                                             [init("pads", np.array([0, 0, 8, 0, 0, 0, 0, 0], dtype=np.int64))]),
    "reduce_mean_axis_twice": lambda: conv_then(helper.make_node("ReduceMean", ["c"], ["y"], name="/ReduceMean", axes=[2, -2])),
    "resize_cubic": lambda: conv_then(helper.make_node("Resize", ["c", "", "scales"], ["y"], name="/up/Resize", mode="cubic"),
                                      [init("scales", np.array([1, 1, 2, 2], dtype=np.float32))]),
    "resize_nearest_half_pixel": lambda: conv_then(helper.make_node("Resize", ["c", "", "scales"], ["y"], name="/up/Resize", mode="nearest"),
                                                   [init("scales", np.array([1, 1, 2, 2], dtype=np.float32))]),
    "resize_channels": lambda: conv_then(helper.make_node("Resize", ["c", "", "scales"], ["y"], name="/up/Resize", mode="linear"),
                                         [init("scales", np.array([1, 2, 2, 2], dtype=np.float32))]),
    "resize_crop": lambda: conv_then(helper.make_node("Resize", ["c", "roi", "", "sizes"], ["y"], name="/up/Resize", mode="linear",
                                                      coordinate_transformation_mode="tf_crop_and_resize"),
                                     [init("roi", np.array([0, 0, 0.1, 0.1, 1, 1, 0.9, 0.9], dtype=np.float32)),
                                      init("sizes", np.array([1, 4, 6, 6], dtype=np.int64))]),
    "output_twice": output_twice,
    "external_data": external_data,
}


def main(outdir):
    for name, build in GOOD.items():
        m, x, y = build()
        onnx.checker.check_model(m)
        onnx.save(m, os.path.join(outdir, name + ".onnx"))
        # Several outputs: "y" is the first, "y1", "y2", … the others.
        ys = y if isinstance(y, tuple) else (y,)
        tsio.save_torch(os.path.join(outdir, name + ".safetensors"),
                        {"x": t(x), **{("y" if i == 0 else f"y{i}"): v for i, v in enumerate(ys)}})
    for name, build in BAD.items():
        onnx.save(build(), os.path.join(outdir, name + ".onnx"))


if __name__ == "__main__":
    main(sys.argv[1])
