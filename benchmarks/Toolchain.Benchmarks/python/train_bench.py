"""PyTorch side of the training-throughput comparison: SGD-momentum steps of a zoo model (a CIFAR ResNet at 32x32, or
torchvision's resnet18 / mobilenet_v2 at 224x224, built with weights=None) on a fixed synthetic batch, kept alive so the sides can take turns every few steps. Prints a JSON line once warmed up, then reads one
number per line from stdin: that many timed steps, answered with one JSON line of per-step seconds. An empty line or
end of input stops it.

Arguments: model threads batch warmup [layout]; layout is `nchw` (PyTorch's default, what a training script gets
unless it opts in) or `channels_last` (model and batch converted with torch.channels_last)."""
import json
import sys
import time

import torch
import torch.nn.functional as F

from cifar_resnet import CifarResNet

name = sys.argv[1]
threads, batch, warmup = map(int, sys.argv[2:5])
layout = sys.argv[5] if len(sys.argv) > 5 else "nchw"
if layout not in ("nchw", "channels_last"):
    sys.exit(f"unknown layout {layout!r}: nchw or channels_last")
torch.set_num_threads(threads)
torch.manual_seed(0)
CIFAR_DEPTHS = {"resnet20": 20, "resnet32": 32, "resnet56": 56, "resnet110": 110}
if name in CIFAR_DEPTHS:
    model, size, classes = CifarResNet(CIFAR_DEPTHS[name]), 32, 10
elif name in ("resnet18", "mobilenet_v2"):
    import torchvision
    model, size, classes = getattr(torchvision.models, name)(weights=None), 224, 1000
else:
    sys.exit(f"unknown model {name!r}: resnet20/32/56/110, resnet18 or mobilenet_v2")
model.train()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
x = torch.randn(batch, 3, size, size)
y = torch.randint(0, classes, (batch,))
if layout == "channels_last":
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)


def step():
    start = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return time.perf_counter() - start


for _ in range(warmup):
    step()
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    if not line.strip():
        break
    print(json.dumps({"seconds": [step() for _ in range(int(line))]}), flush=True)
