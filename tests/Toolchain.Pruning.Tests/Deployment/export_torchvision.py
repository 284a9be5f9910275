"""PyTorch side of the pruned-deployment tests: a torchvision model as a user would hand it to the toolchain.

usage: export_torchvision.py MODEL OUTDIR

Builds torchvision MODEL (weights=None, seeded), gives every BatchNorm random statistics and affine values (so the
folded convolutions are not trivially initialised), puts it in eval mode and writes to OUTDIR:
  MODEL.onnx              torch.onnx.export at opset 17, dynamic batch, eval mode (BatchNorm folded into Conv)
  expected.safetensors    x (a batch of 2, 224×224 or SIZE) and logits (PyTorch's eval-mode output for x)
"""
import os
import sys
import warnings

import torch
import torchvision

import tsio

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
warnings.filterwarnings("ignore")

SEEDS = {"resnet18": 180, "mobilenet_v2": 20, "densenet121": 1210, "googlenet": 220, "mnasnet0_5": 50, "shufflenet_v2_x0_5": 250, "inception_v3": 30}
# The families added for Pad and ReduceMean run at 64×64 (each ends in a global pool) to keep the tests quick.
SIZE = {"densenet121": 64, "googlenet": 64, "mnasnet0_5": 64, "shufflenet_v2_x0_5": 64,
        "inception_v3": 75}  # the smallest input inception_v3 accepts
# googlenet's and inception_v3's auxiliary classifiers only run in training.
KWARGS = {"googlenet": {"aux_logits": False, "init_weights": True},
          "inception_v3": {"aux_logits": False, "init_weights": True}}


def main(name, outdir):
    torch.manual_seed(SEEDS[name])
    model = getattr(torchvision.models, name)(weights=None, **KWARGS.get(name, {}))
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    model.eval()
    size = SIZE.get(name, 224)
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        logits = model(x)
    torch.onnx.export(model, x, os.path.join(outdir, f"{name}.onnx"), opset_version=17,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    tsio.save_torch(os.path.join(outdir, "expected.safetensors"), {"x": x, "logits": logits})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
