"""PyTorch oracle for Toolchain.Graph's reference tests.

usage: graph_reference.py CASE inputs.safetensors outputs.safetensors
Weights arrive as "w.<state_dict name>"; the script builds the same architecture in PyTorch,
loads them and returns what torch 1.13 computes.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import tsio
from cifar_resnet import CifarResNet  # shared with make bench

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))


def load_weights(model, t):
    state = {k[2:]: v for k, v in t.items() if k.startswith("w.")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")


def cifar_resnet(t, m):
    model = CifarResNet(int(m["depth"]), int(m["num_classes"]))
    load_weights(model, t)
    x = t["x"]
    if m.get("memory_format") == "channels_last":
        # The layout the executor runs convnets in on the CPU; see ReferenceTests for why the oracle matches it.
        x = x.contiguous(memory_format=torch.channels_last)
    out = {}
    model.eval()
    with torch.no_grad():
        out["eval_logits"] = model(x)
    model.train()
    logits = model(x)
    F.cross_entropy(logits, t["labels"], reduction="sum").backward()
    out["train_logits"] = logits
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad
    for name, b in model.named_buffers():
        if not name.endswith("num_batches_tracked"):
            out["after." + name] = b
    return out


def torchvision_model(t, m):
    import torchvision
    model = getattr(torchvision.models, m["model"])(weights=None, num_classes=int(m["num_classes"]))
    load_weights(model, t)
    model.eval()
    with torch.no_grad():
        return {"eval_logits": model(t["x"])}


def head_loss(c, w, labels, conv="conv2", inputs=None):
    """c → 1×1 conv `conv` → mean over H, W: the logits, and the gradients of a summed cross entropy for every parameter
    in w (and every tensor in inputs, as grad.NAME)."""
    logits = F.conv2d(c, w[conv + ".weight"], w[conv + ".bias"]).mean((2, 3))
    F.cross_entropy(logits, labels, reduction="sum").backward()
    out = {"logits": logits.detach()}
    for name, x in (inputs or {}).items():
        out["grad." + name] = x.grad
    for name, p in w.items():
        out["grad." + name] = p.grad
    return out


def pad_mean(t, m):
    """conv → reflect, replicate (ONNX edge) and constant 0.25 padding → mean over H, W kept → 1×1 conv → mean over
    H, W dropped: the logits and every parameter's gradient of a summed cross entropy."""
    w = {k[2:]: v.clone().requires_grad_(True) for k, v in t.items() if k.startswith("w.")}
    c = F.conv2d(t["x"], w["conv.weight"], w["conv.bias"])
    c = F.pad(c, (2, 1, 1, 2), mode="reflect")  # F.pad: (left, right, top, bottom)
    c = F.pad(c, (0, 3, 1, 0), mode="replicate")
    c = F.pad(c, (1, 1, 2, 0), value=0.25)
    c = c + c.mean((2, 3), keepdim=True)
    return head_loss(c, w, t["labels"])


def gelu(t, m):
    """conv → GELU (exact, nn.GELU()) → 1×1 conv → mean over H, W: the logits and every parameter's gradient of a
    summed cross entropy."""
    w = {k[2:]: v.clone().requires_grad_(True) for k, v in t.items() if k.startswith("w.")}
    c = F.gelu(F.conv2d(t["x"], w["conv.weight"], w["conv.bias"]))
    return head_loss(c, w, t["labels"])


def layer_norm(t, m):
    """LayerNorm over the channel axis of an NCHW value as OpKind.LayerNorm defines it (F.layer_norm over C at each
    position, ε 1e-6, weight and bias per channel) → 1×1 conv → mean over H, W: the logits and the gradients of the
    input and of every parameter of a summed cross entropy."""
    w = {k[2:]: v.clone().requires_grad_(True) for k, v in t.items() if k.startswith("w.")}
    x = t["x"].clone().requires_grad_(True)
    n = F.layer_norm(x.permute(0, 2, 3, 1), (x.shape[1],), w["norm.weight"], w["norm.bias"], eps=1e-6).permute(0, 3, 1, 2)
    return head_loss(n, w, t["labels"], conv="conv", inputs={"x": x})


def resize(t, m):
    """conv → F.interpolate: bilinear to 11×9, nearest ×2, bilinear with align_corners to 5×7, bilinear ×1.5 (not a
    whole size: the mapping divides by the scale), nearest down to 3×5 → 1×1 conv → mean over H, W: the logits and
    every parameter's gradient of a summed cross entropy."""
    w = {k[2:]: v.clone().requires_grad_(True) for k, v in t.items() if k.startswith("w.")}
    c = F.conv2d(t["x"], w["conv.weight"], w["conv.bias"])
    c = F.interpolate(c, size=(11, 9), mode="bilinear", align_corners=False)
    c = F.interpolate(c, scale_factor=2.0, mode="nearest")
    c = F.interpolate(c, size=(5, 7), mode="bilinear", align_corners=True)
    c = F.interpolate(c, scale_factor=1.5, mode="bilinear", align_corners=False)
    c = F.interpolate(c, size=(3, 5), mode="nearest")
    return head_loss(c, w, t["labels"])


CASES = {"cifar_resnet": cifar_resnet, "torchvision": torchvision_model, "pad_mean": pad_mean, "gelu": gelu,
         "layer_norm": layer_norm, "resize": resize}

if __name__ == "__main__":
    case, inp, outp = sys.argv[1:4]
    tensors, meta = tsio.load_torch(inp)
    tsio.save_torch(outp, CASES[case](tensors, meta))
