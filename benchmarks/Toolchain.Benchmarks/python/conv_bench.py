"""PyTorch side of the conv2d forward+backward comparison, kept alive so the two sides can alternate every few
iterations. Reads one number per line from stdin: that many timed iterations, answered with one JSON line of
per-iteration seconds. An empty line or end of input stops it."""
import json
import sys
import time

import torch
import torch.nn.functional as F

threads, batch, channels, size, warmup = map(int, sys.argv[1:6])
torch.set_num_threads(threads)
torch.manual_seed(0)
x = torch.randn(batch, channels, size, size, requires_grad=True)
w = torch.randn(channels, channels, 3, 3, requires_grad=True)
dy = torch.randn(batch, channels, size, size)


def step():
    start = time.perf_counter()
    y = F.conv2d(x, w, padding=1)
    y.backward(dy)
    x.grad = None
    w.grad = None
    return time.perf_counter() - start


for _ in range(warmup):
    step()
print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "version": torch.__version__}), flush=True)
for line in sys.stdin:
    if not line.strip():
        break
    print(json.dumps({"seconds": [step() for _ in range(int(line))]}), flush=True)
