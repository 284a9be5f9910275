"""PyTorch side of the training-throughput comparison: SGD-momentum steps of a CIFAR ResNet on a fixed
synthetic batch. Prints one JSON line with per-iteration seconds.

Arguments: depth threads batch warmup iterations [layout]; layout is `nchw` (PyTorch's default, what a training
script gets unless it opts in) or `channels_last` (model and batch converted with torch.channels_last)."""
import json
import sys
import time

import torch
import torch.nn.functional as F

from cifar_resnet import CifarResNet

depth, threads, batch, warmup, iterations = map(int, sys.argv[1:6])
layout = sys.argv[6] if len(sys.argv) > 6 else "nchw"
if layout not in ("nchw", "channels_last"):
    sys.exit(f"unknown layout {layout!r}: nchw or channels_last")
torch.set_num_threads(threads)
torch.manual_seed(0)
model = CifarResNet(depth).train()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
x = torch.randn(batch, 3, 32, 32)
y = torch.randint(0, 10, (batch,))
if layout == "channels_last":
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
times = []
for i in range(warmup + iterations):
    start = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    if i >= warmup:
        times.append(time.perf_counter() - start)
print(json.dumps({"seconds": times}))
