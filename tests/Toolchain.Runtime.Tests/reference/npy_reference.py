"""NumPy's side of the .npy tests.

usage: npy_reference.py write OUTDIR   -- np.save files of known content (see the C# test for the formulas)
       npy_reference.py read FILE      -- np.load FILE and print {"shape", "dtype", "fortran", "values"} as JSON
"""
import json
import os
import sys

import numpy as np


def write(outdir):
    i = np.arange(24)
    np.save(os.path.join(outdir, "f4.npy"), (i * 0.25 - 2).astype(np.float32).reshape(2, 3, 4))
    np.save(os.path.join(outdir, "f8.npy"), (i / 3.0 - 2).reshape(4, 6))
    np.save(os.path.join(outdir, "i8.npy"), (i - 12).astype(np.int64).reshape(24))
    np.save(os.path.join(outdir, "scalar.npy"), np.float32(2.5))
    np.save(os.path.join(outdir, "empty.npy"), np.zeros((0, 3), dtype=np.float32))
    np.save(os.path.join(outdir, "fortran.npy"), np.asfortranarray((i * 1.0).astype(np.float32).reshape(4, 6)))
    np.save(os.path.join(outdir, "big_endian.npy"), (i * 1.0).astype(">f4"))
    np.save(os.path.join(outdir, "i4.npy"), i.astype(np.int32))
    with open(os.path.join(outdir, "v2.npy"), "wb") as f:
        np.lib.format.write_array(f, (i * 0.25 - 2).astype(np.float32).reshape(2, 3, 4), version=(2, 0))


def read(path):
    a = np.load(path)
    print(json.dumps({"shape": list(a.shape), "dtype": a.dtype.str, "fortran": bool(np.isfortran(a)),
                      "values": [float(v) for v in a.reshape(-1)]}))


if __name__ == "__main__":
    {"write": write, "read": read}[sys.argv[1]](sys.argv[2])
