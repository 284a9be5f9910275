"""PyTorch side of the ONNX importer's torchvision tests.

usage: import_torchvision.py MODEL OUTDIR

Builds torchvision MODEL with weights=None (seeded) and BatchNorm statistics/affine values randomised so folding
them into the convolutions is not the identity, puts it in eval mode and writes to OUTDIR:
  MODEL_13.onnx, MODEL_17.onnx   torch.onnx.export at opset 13 / 17, dynamic batch, default constant folding
                                 (BatchNorm folded into Conv)
  expected.safetensors           x (the input), logits (eval mode), parameter_count (PyTorch's) and
                                 folded_parameter_count (elements of every Conv/Gemm weight and bias, per use)
For resnet18 also, exported in training mode so BatchNormalization nodes stay:
  MODEL_unfolded_13.onnx, MODEL_unfolded_17.onnx
  unfolded.safetensors           logits of the model as exported: tracing in training mode updates the running
                                 statistics once, and the export holds the updated ones
  state_dict.txt                 PyTorch's state_dict names without num_batches_tracked, one per line
"""
import os
import sys
import warnings

import onnx
import torch
import torchvision
from onnx import numpy_helper

import tsio

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
warnings.filterwarnings("ignore")

BATCH = {"vgg16_bn": 1}
SEEDS = {"resnet18": 18, "resnet50": 50, "mobilenet_v2": 2, "vgg16_bn": 16,
         "densenet121": 121, "googlenet": 22, "mnasnet0_5": 5, "shufflenet_v2_x0_5": 25, "inception_v3": 3}
# The families added for Pad and ReduceMean run at 64×64 to keep the tests quick on two cores; every one of them
# ends in a global pool, so the classifier is the same as at 224×224.
SIZE = {"densenet121": 64, "googlenet": 64, "mnasnet0_5": 64, "shufflenet_v2_x0_5": 64,
        "inception_v3": 75}  # the smallest input inception_v3 accepts
# googlenet's and inception_v3's auxiliary classifiers only run in training; without them the module's parameters are the export's.
KWARGS = {"googlenet": {"aux_logits": False, "init_weights": True},
          "inception_v3": {"aux_logits": False, "init_weights": True}}
# DenseNet normalises before each convolution (BatchNorm → ReLU → Conv), so its BatchNorms stay in the export and
# the count of folded convolution parameters below does not describe it.
NOT_FOLDED = {"densenet121"}


def randomise_batchnorms(model):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)


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
    return sum(sizes[i] for n in graph.node if n.op_type in ("Conv", "Gemm") for i in n.input[1:] if i)


def main(name, outdir):
    torch.manual_seed(SEEDS[name])
    model = getattr(torchvision.models, name)(weights=None, **KWARGS.get(name, {}))
    randomise_batchnorms(model)
    model.eval()
    size = SIZE.get(name, 224)
    x = torch.randn(BATCH.get(name, 2), 3, size, size)
    with torch.no_grad():
        logits = model(x)

    paths = []
    for opset in (13, 17):
        path = os.path.join(outdir, f"{name}_{opset}.onnx")
        export(model, x, path, opset)
        paths.append(path)

    folded = folded_parameter_count(paths[0])
    if folded_parameter_count(paths[1]) != folded:
        raise SystemExit("opset 13 and 17 exports differ in parameter count")
    # Folding drops each BatchNorm's scale/shift and gives the conv before it a bias if it had none.
    expected_folded, conv = 0, None
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            expected_folded += 0 if conv.bias is not None else conv.out_channels
        elif not list(m.children()):
            expected_folded += sum(p.numel() for p in m.parameters())
        if isinstance(m, torch.nn.Conv2d):
            conv = m
    if folded != expected_folded and name not in NOT_FOLDED:
        raise SystemExit(f"folded parameter count {folded} != {expected_folded} expected from the module")

    tsio.save_torch(os.path.join(outdir, "expected.safetensors"), {
        "x": x,
        "logits": logits,
        "parameter_count": torch.tensor(sum(p.numel() for p in model.parameters())),
        "folded_parameter_count": torch.tensor(folded),
    })

    if name == "resnet18":
        state = {k: v.clone() for k, v in model.state_dict().items()}
        for opset in (13, 17):
            model.load_state_dict(state)  # both exports start from the same statistics
            export(model, x, os.path.join(outdir, f"{name}_unfolded_{opset}.onnx"), opset,
                   training=torch.onnx.TrainingMode.TRAINING)
        model.eval()
        with torch.no_grad():
            unfolded_logits = model(x)
        tsio.save_torch(os.path.join(outdir, "unfolded.safetensors"), {"x": x, "logits": unfolded_logits})
        with open(os.path.join(outdir, "state_dict.txt"), "w") as f:
            f.write("\n".join(k for k in model.state_dict() if not k.endswith("num_batches_tracked")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
