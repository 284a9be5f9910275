"""Independent checks of the ONNX models Toolchain's exporter writes, with Debian's onnx 1.12 and PyTorch 1.13.

usage:
  export_reference.py check MODEL.onnx...
      runs onnx.checker.check_model(full_check=True) on each model and prints one JSON object per model (a list):
      versions, producer, graph/input/output names and dims, op-type counts, initializer names.
  export_reference.py run inputs.safetensors outputs.safetensors
      (metadata "model": the .onnx path) evaluates the model on every input tensor with a small interpreter of the
      ONNX ops written from the operator specification (torch.nn.functional underneath), returning "y.<name>" for
      each input "<name>". It knows only the ops the exporter emits and rejects attributes it does not understand.
"""
import collections
import json
import os
import sys

import onnx
from onnx import numpy_helper


def dims_of(value_info):
    out = []
    for d in value_info.type.tensor_type.shape.dim:
        which = d.WhichOneof("value")
        out.append(d.dim_value if which == "dim_value" else d.dim_param if which == "dim_param" else None)
    return out


def check(paths):
    reports = []
    for path in paths:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        g = model.graph
        reports.append({
            "ir_version": model.ir_version,
            "opsets": {(o.domain or "ai.onnx"): o.version for o in model.opset_import},
            "producer_name": model.producer_name,
            "producer_version": model.producer_version,
            "graph_name": g.name,
            "doc_string": model.doc_string,
            "inputs": [{"name": v.name, "dims": dims_of(v)} for v in g.input],
            "outputs": [{"name": v.name, "dims": dims_of(v)} for v in g.output],
            "op_counts": dict(collections.Counter(n.op_type for n in g.node)),
            "node_names": [n.name for n in g.node],
            "initializers": {t.name: {"dims": list(t.dims), "type": onnx.TensorProto.DataType.Name(t.data_type),
                                      "raw": t.HasField("raw_data")} for t in g.initializer},
            "value_info": {v.name: dims_of(v) for v in g.value_info},
        })
    print(json.dumps(reports))


# ---- interpreter -------------------------------------------------------------------------------------------------

def attrs_of(node, allowed):
    got = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    unknown = set(got) - set(allowed)
    if unknown:
        raise SystemExit(f"node {node.name} ({node.op_type}): attributes {sorted(unknown)} are not interpreted")
    return {k: got.get(k, v) for k, v in allowed.items()}


def symmetric_pads(node, pads, rank):
    pads = list(pads) if pads else [0] * (2 * rank)
    begin, end = pads[:rank], pads[rank:]
    if begin != end:
        raise SystemExit(f"node {node.name}: asymmetric pads {pads} are not interpreted")
    return tuple(begin)


def make_interpreter():
    import torch
    import torch.nn.functional as F

    def conv(n, x, w, b=None):
        a = attrs_of(n, {"kernel_shape": None, "strides": [1, 1], "pads": None, "dilations": [1, 1], "group": 1})
        if a["kernel_shape"] is not None and list(a["kernel_shape"]) != list(w.shape[2:]):
            raise SystemExit(f"node {n.name}: kernel_shape {a['kernel_shape']} disagrees with weight {list(w.shape)}")
        return F.conv2d(x, w, b, tuple(a["strides"]), symmetric_pads(n, a["pads"], 2), tuple(a["dilations"]), a["group"])

    def batch_norm(n, x, scale, bias, mean, var):
        a = attrs_of(n, {"epsilon": 1e-5, "momentum": 0.9, "training_mode": 0})
        if a["training_mode"]:
            raise SystemExit(f"node {n.name}: training_mode=1 in an inference model")
        shape = [1, -1] + [1] * (x.dim() - 2)
        return (x - mean.view(shape)) / torch.sqrt(var.view(shape) + a["epsilon"]) * scale.view(shape) + bias.view(shape)

    def clip(n, x, lo=None, hi=None):
        attrs_of(n, {})
        if lo is not None:
            x = torch.maximum(x, lo)
        if hi is not None:
            x = torch.minimum(x, hi)
        return x

    def hard_sigmoid(n, x):
        a = attrs_of(n, {"alpha": 0.2, "beta": 0.5})
        return torch.clamp(a["alpha"] * x + a["beta"], 0, 1)

    def hard_swish(n, x):
        attrs_of(n, {})
        return x * torch.clamp(x / 6 + 0.5, 0, 1)

    def split(n, x, sizes=None):
        a = attrs_of(n, {"axis": 0})
        if sizes is None:
            count = len(n.output)
            sizes = [x.shape[a["axis"]] // count] * count
        return list(torch.split(x, [int(s) for s in sizes], dim=a["axis"]))

    def slice_(n, x, starts, ends, axes=None, steps=None):
        attrs_of(n, {})
        axes = range(len(starts)) if axes is None else axes
        steps = [1] * len(starts) if steps is None else steps
        index = [slice(None)] * x.dim()
        for s, e, ax, st in zip(starts.tolist(), ends.tolist(), list(axes), list(steps)):
            if int(st) <= 0:
                raise SystemExit(f"node {n.name}: non-positive slice steps are not interpreted")
            size = x.shape[int(ax)]
            s = s + size if s < 0 else s
            e = e + size if e < 0 else e
            index[int(ax)] = slice(min(max(s, 0), size), min(max(e, 0), size), int(st))
        return x[tuple(index)]

    def pool_attrs(n, extra):
        allowed = {"kernel_shape": None, "strides": None, "pads": None, "ceil_mode": 0, "auto_pad": "NOTSET"}
        allowed.update(extra)
        a = attrs_of(n, allowed)
        if a["auto_pad"] not in ("NOTSET", b"NOTSET"):
            raise SystemExit(f"node {n.name}: auto_pad is not interpreted")
        k = tuple(a["kernel_shape"])
        return a, k, tuple(a["strides"] or [1] * len(k)), symmetric_pads(n, a["pads"], len(k))

    def max_pool(n, x):
        a, k, s, p = pool_attrs(n, {"dilations": None, "storage_order": 0})
        if a["storage_order"] or (a["dilations"] and any(d != 1 for d in a["dilations"])):
            raise SystemExit(f"node {n.name}: storage_order/dilations are not interpreted")
        return F.max_pool2d(x, k, s, p, ceil_mode=bool(a["ceil_mode"]))

    def average_pool(n, x):
        a, k, s, p = pool_attrs(n, {"count_include_pad": 0})
        return F.avg_pool2d(x, k, s, p, ceil_mode=bool(a["ceil_mode"]), count_include_pad=bool(a["count_include_pad"]))

    def flatten(n, x):
        axis = attrs_of(n, {"axis": 1})["axis"]
        axis = axis + x.dim() if axis < 0 else axis
        outer = 1
        for d in x.shape[:axis]:
            outer *= d
        return x.reshape(outer, -1)

    def reshape(n, x, shape):
        if attrs_of(n, {"allowzero": 0})["allowzero"]:
            raise SystemExit(f"node {n.name}: allowzero=1 is not interpreted")
        target = [x.shape[i] if d == 0 else d for i, d in enumerate(shape.tolist())]
        return x.reshape(target)

    def transpose(n, x):
        perm = attrs_of(n, {"perm": None})["perm"]
        return x.permute(*(perm if perm is not None else reversed(range(x.dim()))))

    def gemm(n, a_, b_, c=None):
        a = attrs_of(n, {"alpha": 1.0, "beta": 1.0, "transA": 0, "transB": 0})
        a_ = a_.t() if a["transA"] else a_
        b_ = b_.t() if a["transB"] else b_
        y = a["alpha"] * (a_ @ b_)
        return y if c is None else y + a["beta"] * c

    def simple(f):
        def op(n, *xs):
            attrs_of(n, {})
            return f(*xs)
        return op

    def dropout(n, x, ratio=None, training_mode=None):
        attrs_of(n, {"seed": 0})
        if training_mode is not None and bool(training_mode):
            raise SystemExit(f"node {n.name}: dropout in training mode")
        return x

    ops = {
        "Conv": conv, "BatchNormalization": batch_norm, "Clip": clip, "HardSigmoid": hard_sigmoid,
        "HardSwish": hard_swish, "Split": split, "Slice": slice_, "MaxPool": max_pool, "AveragePool": average_pool,
        "Flatten": flatten, "Reshape": reshape, "Transpose": transpose, "Gemm": gemm, "Dropout": dropout,
        "Relu": simple(torch.relu), "Sigmoid": simple(torch.sigmoid), "Add": simple(torch.add), "Mul": simple(torch.mul),
        "Identity": simple(lambda x: x), "GlobalAveragePool": simple(lambda x: x.mean(dim=tuple(range(2, x.dim())), keepdim=True)),
    }

    def concat(n, *xs):
        return torch.cat(xs, dim=attrs_of(n, {"axis": None})["axis"])
    ops["Concat"] = concat

    def check_dims(what, tensor, declared):
        if len(declared) != tensor.dim() or any(isinstance(d, int) and d != s for d, s in zip(declared, tensor.shape)):
            raise SystemExit(f"{what}: shape {list(tensor.shape)} does not match the declared {declared}")

    def run(model, x):
        g = model.graph
        values = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
        (inp,) = [v for v in g.input if v.name not in values]
        check_dims(f"input {inp.name}", x, dims_of(inp))
        values[inp.name] = x
        for n in g.node:
            if n.domain not in ("", "ai.onnx"):
                raise SystemExit(f"node {n.name}: domain {n.domain}")
            if n.op_type not in ops:
                raise SystemExit(f"node {n.name}: op {n.op_type} is not interpreted")
            args = [values[i] if i else None for i in n.input]
            while args and args[-1] is None:
                args.pop()
            result = ops[n.op_type](n, *args)
            results = result if isinstance(result, list) else [result]
            if len(results) != len(n.output):
                raise SystemExit(f"node {n.name}: {len(results)} results for {len(n.output)} outputs")
            for name, r in zip(n.output, results):
                if name in values:
                    raise SystemExit(f"node {n.name}: value {name} is assigned twice")
                values[name] = r
        (out,) = g.output
        y = values[out.name]
        check_dims(f"output {out.name}", y, dims_of(out))
        return y

    return torch, run


def run_case(inp, outp):
    import tsio
    torch, run = make_interpreter()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    tensors, meta = tsio.load_torch(inp)
    model = onnx.load(meta["model"])
    with torch.no_grad():
        out = {"y." + name: run(model, x) for name, x in tensors.items()}
    tsio.save_torch(outp, out)


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2:])
    elif sys.argv[1] == "run":
        run_case(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"unknown case {sys.argv[1]}")
