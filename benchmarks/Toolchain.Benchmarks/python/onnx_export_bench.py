"""PyTorch side of the deployment-latency comparison: builds the same architecture as a Toolchain zoo model,
loads Toolchain's weights (identical state_dict names) and writes PyTorch's own ONNX export of it
(torch.onnx.export, opset 17, dynamic batch, eval mode: BatchNorm folded as PyTorch does by default)."""
import sys

import torch

import tsio
from cifar_resnet import CifarResNet

model_name, weights_path, out_path = sys.argv[1:4]
if model_name.startswith("resnet") and model_name[6:].isdigit() and int(model_name[6:]) in (20, 32, 56, 110):
    model, size = CifarResNet(int(model_name[6:])), 32
elif model_name == "mobilenet_v2":
    import torchvision
    model, size = torchvision.models.mobilenet_v2(weights=None), 224
else:
    raise SystemExit(f"no PyTorch twin for '{model_name}'")

state, _ = tsio.load_torch(weights_path)
missing, unexpected = model.load_state_dict(state, strict=False)
missing = [k for k in missing if not k.endswith("num_batches_tracked")]
if missing or unexpected:
    raise SystemExit(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")
model.eval()
torch.onnx.export(model, torch.zeros(1, 3, size, size), out_path, opset_version=17,
                  input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
