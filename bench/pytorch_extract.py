#!/usr/bin/env python3
"""PyTorch side of `pnpm bench:extract`: the same stories260K extraction as deeplens extract.

    OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_extract.py --docs docs.json --out DIR

Runs tools/golden/llama2c_reference.py's llama2.c model (float32, CPU) on each document (token ids
from docs.json, BOS first), stops after the hooked block, keeps layer 3's MLP hidden activation
(the input of w2) of every position but BOS, and writes it with np.save in shards of 65,536 rows,
as a user's PyTorch extraction script would. Prints one JSON line.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "golden"))
from llama2c_reference import load_model, run  # noqa: E402

LAYER = 3


class Stop(Exception):
    pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--docs", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--model", default=os.path.join(os.path.dirname(__file__), "..", "packages", "extract", "fixtures", "stories260K.bin"))
    a = p.parse_args()
    docs = json.load(open(a.docs))
    cfg, w = load_model(a.model, torch.float32)
    os.makedirs(a.out, exist_ok=True)
    start = time.perf_counter()
    buf, rows, shard = [], 0, 0

    def flush():
        nonlocal buf, shard
        if buf:
            np.save(os.path.join(a.out, "shard-%05d.npy" % shard), np.concatenate(buf))
            shard += 1
            buf = []

    with torch.inference_mode():
        for ids in docs:
            got = {}

            def hook(site, layer, v):
                if site == "mlp_hidden" and layer == LAYER:
                    got["v"] = v[1:].numpy().copy()
                    raise Stop()

            try:
                run(cfg, w, ids, hook)
            except Stop:
                pass
            buf.append(got["v"])
            rows += got["v"].shape[0]
            if sum(b.shape[0] for b in buf) >= 65536:
                flush()
    flush()
    seconds = time.perf_counter() - start
    print(json.dumps({"impl": "pytorch", "rows": rows, "seconds": seconds, "tokensPerSec": rows / seconds, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
