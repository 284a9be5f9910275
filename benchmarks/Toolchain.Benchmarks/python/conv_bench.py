"""PyTorch side of the conv2d forward+backward comparison. Prints one JSON line: per-iteration seconds."""
import json
import sys
import time

import torch
import torch.nn.functional as F

threads, batch, channels, size, warmup, iterations = map(int, sys.argv[1:7])
torch.set_num_threads(threads)
torch.manual_seed(0)
x = torch.randn(batch, channels, size, size, requires_grad=True)
w = torch.randn(channels, channels, 3, 3, requires_grad=True)
dy = torch.randn(batch, channels, size, size)
times = []
for i in range(warmup + iterations):
    start = time.perf_counter()
    y = F.conv2d(x, w, padding=1)
    y.backward(dy)
    x.grad = None
    w.grad = None
    if i >= warmup:
        times.append(time.perf_counter() - start)
print(json.dumps({"seconds": times, "threads": torch.get_num_threads(), "version": torch.__version__}))
