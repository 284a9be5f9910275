"""PyTorch side of the several-outputs tests: a small dense-prediction network with two heads, as a user exports it.

usage: export_two_heads.py OUTDIR

Writes OUTDIR/two_heads.onnx (opset 17, eval mode, dynamic batch, BatchNorm folded) with two graph outputs, in order:
  scores  [N, 5, 40, 56]  per-pixel class scores: 1×1 conv of the trunk, bilinear Resize back to the input size
  logits  [N, 7]          an image-level classifier on the same trunk: global average pool, linear layer
and OUTDIR/expected.safetensors with x (a batch of 2 non-square 40×56 images) and both outputs as PyTorch computes them.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import tsio

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))


def conv_bn(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 16, 2)
        self.block = nn.Sequential(conv_bn(16, 24, 1), nn.Conv2d(24, 16, 3, 1, 1))
        self.down = conv_bn(16, 32, 2)
        self.seg = nn.Conv2d(32, 5, 1)
        self.cls = nn.Linear(32, 7)

    def forward(self, x):
        s = self.stem(x)
        s = F.relu(s + self.block(s))
        t = self.down(s)
        scores = F.interpolate(self.seg(t), size=x.shape[-2:], mode="bilinear", align_corners=False)
        logits = self.cls(t.mean((2, 3)))
        return scores, logits


def main(outdir):
    torch.manual_seed(17)
    model = TwoHeads()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    model.eval()
    x = torch.randn(2, 3, 40, 56)
    with torch.no_grad():
        scores, logits = model(x)
    torch.onnx.export(model, x, os.path.join(outdir, "two_heads.onnx"), opset_version=17, input_names=["input"],
                      output_names=["scores", "logits"],
                      dynamic_axes={"input": {0: "batch"}, "scores": {0: "batch"}, "logits": {0: "batch"}})
    tsio.save_torch(os.path.join(outdir, "expected.safetensors"), {"x": x, "scores": scores, "logits": logits})


if __name__ == "__main__":
    main(sys.argv[1])
