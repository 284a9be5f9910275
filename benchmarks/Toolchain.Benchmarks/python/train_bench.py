"""PyTorch side of the training-throughput comparison: SGD-momentum steps of a CIFAR ResNet on a fixed
synthetic batch. Prints one JSON line with per-iteration seconds."""
import json
import sys
import time

import torch
import torch.nn.functional as F

from cifar_resnet import CifarResNet

depth, threads, batch, warmup, iterations = map(int, sys.argv[1:6])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = CifarResNet(depth).train()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
x = torch.randn(batch, 3, 32, 32)
y = torch.randint(0, 10, (batch,))
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
