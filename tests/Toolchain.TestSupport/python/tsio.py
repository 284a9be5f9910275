"""Minimal safetensors reader/writer on json + numpy, independent of Toolchain's C# implementation.

Reference scripts use it to exchange tensors with the C# tests, so every exchange also checks that
the files Toolchain writes are readable by another implementation of the format (and vice versa).
"""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "BOOL": np.bool_}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}


def load(path):
    """Returns ({name: ndarray}, metadata)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=_DTYPES[e["dtype"]]).reshape(e["shape"])
        tensors[name] = arr.copy()
    return tensors, meta


def save(path, tensors, meta=None):
    header, blobs, offset = {}, [], 0
    if meta:
        header["__metadata__"] = {k: str(v) for k, v in meta.items()}
    for name in sorted(tensors):
        arr = np.asarray(tensors[name], order="C")  # ascontiguousarray would turn 0-d into 1-d
        raw = arr.tobytes()
        header[name] = {"dtype": _CODES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load_torch(path):
    import torch
    tensors, meta = load(path)
    return {k: torch.from_numpy(v) for k, v in tensors.items()}, meta


def save_torch(path, tensors, meta=None):
    save(path, {k: v.detach().cpu().contiguous().numpy() for k, v in tensors.items()}, meta)
