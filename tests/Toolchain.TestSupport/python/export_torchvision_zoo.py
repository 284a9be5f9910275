"""PyTorch side of every torchvision test: one classification or segmentation model as a user would hand it to the
toolchain.

usage: export_torchvision_zoo.py MODEL SIZE OPSETS OUTDIR [--batch N] [--unfolded]

The families, their input sizes and opsets are listed once, in tests/Toolchain.TestSupport/TorchvisionZoo.cs; this
script only knows how to build a family. SIZE is N (N×N images) or HxW. It builds torchvision MODEL (from
torchvision.models, else torchvision.models.segmentation, whose dict output {"out": …} is returned as the tensor
"out" holds: a segmentation network's per-pixel class scores at the input size) with weights=None and
weights_backbone=None (seeded from the name), gives
every BatchNorm random statistics and affine values and every LayerNorm / layer scale random affine values (so
folding and normalising are not the identity), puts it in eval mode and writes to OUTDIR:
  MODEL_OPSET.onnx       torch.onnx.export at each opset of OPSETS (comma-separated), dynamic batch, default constant
                         folding (BatchNorm folded into the Conv before it)
  expected.safetensors   x (a batch of N, default 2, of SIZE images), logits (PyTorch's eval-mode output for x),
                         parameter_count (PyTorch's) and folded_parameter_count (elements of every Conv/Gemm weight
                         and bias the first export uses)
With --unfolded also, exported in training mode so BatchNormalization nodes stay:
  MODEL_unfolded_OPSET.onnx  for each opset
  unfolded.safetensors       x and logits of the model as exported (tracing in training mode updates the running
                             statistics once, and the export holds the updated ones)
  state_dict.txt             PyTorch's state_dict names without num_batches_tracked, one per line
"""
import os
import sys
import warnings
import zlib

import onnx
import torch
import torchvision
from onnx import numpy_helper

import tsio

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
warnings.filterwarnings("ignore")

# googlenet's and inception_v3's auxiliary classifiers only run in training; without them the module's parameters
# are the export's.
KWARGS = {"googlenet": {"aux_logits": False, "init_weights": True},
          "inception_v3": {"aux_logits": False, "init_weights": True}}


class SegmentationScores(torch.nn.Module):
    """A torchvision segmentation model as a user exports it: the "out" scores, not the dict (nor the training-only aux)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


def build(name):
    if hasattr(torchvision.models, name):
        return getattr(torchvision.models, name)(weights=None, **KWARGS.get(name, {}))
    return SegmentationScores(getattr(torchvision.models.segmentation, name)(weights=None, weights_backbone=None))


def randomise(model):
    for m in model.modules():
        with torch.no_grad():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
            elif isinstance(m, torch.nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
            # ConvNeXt's layer scale starts at 1e-6, which would hide every block behind its residual.
            if hasattr(m, "layer_scale") and isinstance(m.layer_scale, torch.nn.Parameter):
                m.layer_scale.uniform_(0.5, 1.0)


def export(model, x, path, opset, **kwargs):
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, **kwargs)


def folded_parameter_count(path):
    """Elements of the weights and biases each Conv/Gemm uses (identical initializers are shared by the exporter)."""
    graph = onnx.load(path).graph
    sizes = {i.name: numpy_helper.to_array(i).size for i in graph.initializer}
    for node in graph.node:  # exporters alias shared initializers through Identity
        if node.op_type == "Identity" and node.input[0] in sizes:
            sizes[node.output[0]] = sizes[node.input[0]]
    return sum(sizes.get(i, 0) for n in graph.node if n.op_type in ("Conv", "Gemm") for i in n.input[1:] if i)


def main(name, size, opsets, outdir, batch=2, unfolded=False):
    torch.manual_seed(zlib.crc32(name.encode()) % 100000)
    model = build(name)
    randomise(model)
    model.eval()
    height, width = size
    x = torch.randn(batch, 3, height, width)
    with torch.no_grad():
        logits = model(x)

    paths = []
    for opset in opsets:
        path = os.path.join(outdir, f"{name}_{opset}.onnx")
        export(model, x, path, opset)
        paths.append(path)

    tsio.save_torch(os.path.join(outdir, "expected.safetensors"), {
        "x": x,
        "logits": logits,
        "parameter_count": torch.tensor(sum(p.numel() for p in model.parameters())),
        "folded_parameter_count": torch.tensor(folded_parameter_count(paths[0])),
    })

    if unfolded:
        state = {k: v.clone() for k, v in model.state_dict().items()}
        for opset in opsets:
            model.load_state_dict(state)  # every export starts from the same statistics
            export(model, x, os.path.join(outdir, f"{name}_unfolded_{opset}.onnx"), opset,
                   training=torch.onnx.TrainingMode.TRAINING)
        model.eval()
        with torch.no_grad():
            unfolded_logits = model(x)
        tsio.save_torch(os.path.join(outdir, "unfolded.safetensors"), {"x": x, "logits": unfolded_logits})
        with open(os.path.join(outdir, "state_dict.txt"), "w") as f:
            f.write("\n".join(k for k in model.state_dict() if not k.endswith("num_batches_tracked")) + "\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    flags = {a for a in args if a == "--unfolded"}
    batch = 2
    if "--batch" in args:
        i = args.index("--batch")
        batch = int(args[i + 1])
        del args[i:i + 2]
    positional = [a for a in args if a not in flags]
    size = [int(s) for s in positional[1].split("x")]
    main(positional[0], (size[0], size[-1]), [int(o) for o in positional[2].split(",")], positional[3],
         batch=batch, unfolded="--unfolded" in flags)
