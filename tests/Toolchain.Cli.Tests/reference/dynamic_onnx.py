"""Writes a small CNN exported by PyTorch with dynamic batch, height and width (what detection-style exports do)."""
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4)).eval()
dims = {0: "batch", 2: "height", 3: "width"}
torch.onnx.export(model, torch.zeros(1, 3, 32, 32), sys.argv[1], opset_version=17, input_names=["image"], output_names=["logits"],
                  dynamic_axes={"image": dims, "logits": {0: "batch"}})
