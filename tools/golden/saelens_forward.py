#!/usr/bin/env python3
"""SAELens's inference forward on our exported SAELens folders, in torch float64.

Run from the repository root after tools/golden/saelens-export-fixtures.ts (needs python3-torch;
CI does not):

    /usr/bin/python3 tools/golden/saelens_forward.py

For each packages/cli/fixtures/saelens-export/<case>/ it reads sae_weights.safetensors and cfg.json
exactly as SAELens lays them out, runs the forward pass SAELens defines for cfg["architecture"] on
the raw rows x.npy (apply_b_dec_to_input: the encoder sees x - b_dec), and writes
expected_x_hat.npy. Written from SAELens's documented semantics, independently of our TypeScript:
- standard: z = relu(h), h = (x - b_dec) @ W_enc + b_enc
- topk:     z = relu(h) kept at the k largest entries per row
- jumprelu: z = h * (h > threshold)
then x_hat = z @ W_dec + b_dec.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "cli", "fixtures", "saelens-export")


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry
        start, end = entry["data_offsets"]
        arr = np.frombuffer(raw[8 + n + start:8 + n + end], dtype="<f4").reshape(entry["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float64))
    return out


def forward(cfg, t, x):
    assert cfg["apply_b_dec_to_input"] and cfg["normalize_activations"] == "none"
    h = (x - t["b_dec"]) @ t["W_enc"] + t["b_enc"]
    arch = cfg["architecture"]
    if arch == "standard":
        z = torch.relu(h)
    elif arch == "topk":
        a = torch.relu(h)
        idx = torch.topk(a, cfg["k"], dim=1).indices
        z = torch.zeros_like(a).scatter(1, idx, a.gather(1, idx))
    elif arch == "jumprelu":
        z = h * (h > t["threshold"]).to(h.dtype)
    else:
        raise ValueError(arch)
    return z @ t["W_dec"] + t["b_dec"]


def main():
    for case in sorted(os.listdir(ROOT)):
        folder = os.path.join(ROOT, case)
        with open(os.path.join(folder, "cfg.json")) as f:
            cfg = json.load(f)
        t = read_safetensors(os.path.join(folder, "sae_weights.safetensors"))
        x = torch.from_numpy(np.load(os.path.join(folder, "x.npy")).astype(np.float64))
        x_hat = forward(cfg, t, x)
        np.save(os.path.join(folder, "expected_x_hat.npy"), x_hat.numpy().astype(np.float32))
        print("%s: %s, %d rows -> expected_x_hat.npy" % (case, cfg["architecture"], x.shape[0]))


if __name__ == "__main__":
    sys.exit(main())
