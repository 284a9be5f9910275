"""PyTorch oracle for Toolchain.Torch's reference tests.

usage: torch_reference.py CASE inputs.safetensors outputs.safetensors
Inputs and options (in the file's metadata) come from the C# test; outputs are what
torch 1.13 computes for the same thing: forward values, gradients, optimizer states.
"""
import os
import sys

import torch
import torch.nn.functional as F

import tsio

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))


def leaf(t):
    return t.clone().requires_grad_(True)


def conv2d(t, m):
    x, w = leaf(t["x"]), leaf(t["w"])
    b = leaf(t["b"]) if "b" in t else None
    y = F.conv2d(x, w, b, stride=int(m["stride"]), padding=int(m["padding"]),
                 dilation=int(m["dilation"]), groups=int(m["groups"]))
    y.backward(t["dy"])
    out = {"y": y, "dx": x.grad, "dw": w.grad}
    if b is not None:
        out["db"] = b.grad
    return out


def batch_norm(t, m):
    x, w, b = leaf(t["x"]), leaf(t["weight"]), leaf(t["bias"])
    rm, rv = t["running_mean"].clone(), t["running_var"].clone()
    y = F.batch_norm(x, rm, rv, w, b, training=m["training"] == "true",
                     momentum=float(m["momentum"]), eps=float(m["eps"]))
    y.backward(t["dy"])
    return {"y": y, "dx": x.grad, "dweight": w.grad, "dbias": b.grad, "running_mean": rm, "running_var": rv}


def linear(t, m):
    x, w, b = leaf(t["x"]), leaf(t["w"]), leaf(t["b"])
    y = F.linear(x, w, b)
    y.backward(t["dy"])
    return {"y": y, "dx": x.grad, "dw": w.grad, "db": b.grad}


def pools(t, m):
    out = {}
    fns = {
        "max": lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
        "max_ceil": lambda x: F.max_pool2d(x, 2, stride=2, ceil_mode=True),
        "avg": lambda x: F.avg_pool2d(x, 3, stride=2, padding=1),
        "avg_nopad": lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
        "adaptive": lambda x: F.adaptive_avg_pool2d(x, (1, 1)),
        "adaptive3": lambda x: F.adaptive_avg_pool2d(x, (3, 3)),
    }
    for name, fn in fns.items():
        x = leaf(t["x"])
        y = fn(x)
        y.backward(torch.ones_like(y) * t["scale"])
        out[name + "_y"], out[name + "_dx"] = y, x.grad
    return out


def cross_entropy(t, m):
    out = {}
    for smoothing in ("0.0", "0.1"):
        for reduction in ("mean", "sum", "none"):
            logits = leaf(t["logits"])
            loss = F.cross_entropy(logits, t["target"], label_smoothing=float(smoothing), reduction=reduction)
            loss.sum().backward()
            key = f"{reduction}_{smoothing}"
            out["loss_" + key], out["dlogits_" + key] = loss, logits.grad
    return out


def activations(t, m):
    out = {}
    fns = {"relu": F.relu, "relu6": F.relu6, "hardswish": F.hardswish, "hardsigmoid": F.hardsigmoid,
           "silu": F.silu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
           "log_softmax": lambda x: F.log_softmax(x, dim=1), "softmax": lambda x: F.softmax(x, dim=1)}
    for name, fn in fns.items():
        x = leaf(t["x"])
        y = fn(x)
        y.backward(t["dy"])
        out[name + "_y"], out[name + "_dx"] = y, x.grad
    return out


def optimizer_steps(t, m, make):
    """Runs len(grads) steps of an optimizer on one parameter with given gradients."""
    w = torch.nn.Parameter(t["w"].clone())
    opt = make([w])
    out = {}
    steps = int(m["steps"])
    for i in range(steps):
        opt.zero_grad()
        w.grad = t[f"g{i}"].clone()
        opt.step()
        out[f"w{i}"] = w.detach().clone()
    return out


def sgd(t, m):
    return optimizer_steps(t, m, lambda p: torch.optim.SGD(
        p, lr=float(m["lr"]), momentum=float(m["momentum"]), weight_decay=float(m["weight_decay"]),
        nesterov=m["nesterov"] == "true", dampening=float(m["dampening"])))


def adamw(t, m):
    return optimizer_steps(t, m, lambda p: torch.optim.AdamW(
        p, lr=float(m["lr"]), betas=(float(m["beta1"]), float(m["beta2"])), eps=float(m["eps"]),
        weight_decay=float(m["weight_decay"])))


def echo(t, m):
    """Returns what it read, doubled: proves both directions of the file format."""
    return {k: v * 2 if v.dtype.is_floating_point else v for k, v in t.items()}


CASES = {f.__name__: f for f in (conv2d, batch_norm, linear, pools, cross_entropy, activations, sgd, adamw, echo)}

if __name__ == "__main__":
    case, src, dst = sys.argv[1:4]
    tensors, meta = tsio.load_torch(src)
    tsio.save_torch(dst, CASES[case](tensors, meta))
