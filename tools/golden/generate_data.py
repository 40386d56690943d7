#!/usr/bin/env python3
"""Activation-file fixtures for @deeplens/core's readers, written by PyTorch and NumPy.

    /usr/bin/python3 tools/golden/generate_data.py

Writes packages/core/fixtures/data/: .pt files from torch.save (float32/float16/bfloat16/float64,
contiguous, transposed, sliced with a storage offset, padded rows, a dict, a 3-D tensor, an int
tensor), .npy files (C and Fortran order, float32/float16/float64, 3-D) and .safetensors files
(F32/F16/BF16, several tensors), plus expected.json with every matrix's values as the reader must
return them (float32, after flatten for 3-D).
"""
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "core", "fixtures", "data")


def f32_list(t):
    return [float(v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(2024)
    base = torch.randn(7, 5, generator=g) * 3
    expected = {}

    def pt(name, obj, matrix):
        torch.save(obj, os.path.join(OUT, name))
        expected[name] = {"shape": list(matrix.shape), "values": f32_list(matrix)}

    pt("f32.pt", base.clone(), base)
    pt("f16.pt", base.half(), base.half())
    pt("bf16.pt", base.bfloat16(), base.bfloat16())
    pt("f64.pt", base.double(), base.double())
    tr = torch.randn(5, 7, generator=g).t()
    assert tr.stride() == (1, 7)
    pt("transposed.pt", tr, tr)
    big = torch.randn(10, 5, generator=g)
    sl = big[3:10]
    assert sl.storage_offset() == 15
    pt("sliced.pt", sl, sl)
    wide = torch.randn(7, 8, generator=g)
    pad = wide[:, :5]
    assert pad.stride() == (8, 1)
    pt("padded.pt", pad, pad)
    pt("dict.pt", {"acts": base.clone(), "token_ids": torch.arange(7), "layer": 3}, base)
    three = torch.randn(2, 3, 5, generator=g)
    pt("three_d.pt", three, three.reshape(-1, 5))
    torch.save(torch.arange(10).reshape(2, 5), os.path.join(OUT, "int64.pt"))
    torch.save(torch.nn.Parameter(base.clone()), os.path.join(OUT, "parameter.pt"))
    expected["parameter.pt"] = {"shape": [7, 5], "values": f32_list(base)}

    a = base.numpy()
    def npy(name, arr, matrix):
        np.save(os.path.join(OUT, name), arr)
        expected[name] = {"shape": list(matrix.shape), "values": [float(v) for v in matrix.astype(np.float32).reshape(-1)]}

    npy("f4_c.npy", a.astype("<f4"), a)
    npy("f4_fortran.npy", np.asfortranarray(a.astype("<f4")), a)
    npy("f2_c.npy", a.astype("<f2"), a.astype("<f2"))
    npy("f2_fortran.npy", np.asfortranarray(a.astype("<f2")), a.astype("<f2"))
    npy("f8_c.npy", a.astype("<f8"), a)
    t3 = three.numpy()
    npy("three_d.npy", t3, t3.reshape(-1, 5))
    np.save(os.path.join(OUT, "int32.npy"), np.arange(10, dtype=np.int32).reshape(2, 5))

    def st(name, tensors, key):
        write_safetensors(os.path.join(OUT, name), tensors)
        expected[name] = key

    st("f32.safetensors", {"acts": ("F32", a.shape, a.astype("<f4").tobytes())}, None)
    st("f16.safetensors", {"acts": ("F16", a.shape, a.astype("<f2").tobytes())}, None)
    bf = base.bfloat16()
    st("bf16.safetensors", {"acts": ("BF16", a.shape, bf.view(torch.int16).numpy().astype("<i2").tobytes())}, None)
    st("multi.safetensors", {"acts": ("F32", a.shape, a.astype("<f4").tobytes()), "other": ("F32", (2,), np.ones(2, "<f4").tobytes())}, None)
    expected["f32.safetensors"] = {"shape": [7, 5], "values": f32_list(base)}
    expected["f16.safetensors"] = {"shape": [7, 5], "values": f32_list(base.half())}
    expected["bf16.safetensors"] = {"shape": [7, 5], "values": f32_list(bf)}
    expected["multi.safetensors"] = {"shape": [7, 5], "values": f32_list(base)}

    # A pickle that would run os.system if executed: the reader must refuse it, not run it.
    import zipfile
    evil = b"\x80\x02cos\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03."
    with zipfile.ZipFile(os.path.join(OUT, "malicious.pt"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("malicious/data.pkl", evil)
        z.writestr("malicious/version", "3\n")

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"generator": "tools/golden/generate_data.py, torch %s, numpy %s" % (torch.__version__, np.__version__), "files": expected}, f)
        f.write("\n")
    print("wrote %d data fixtures to %s" % (len(expected), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
