#!/usr/bin/env python3
"""The PyTorch reference for bench/run.ts, in its own process:

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_step.py --config a --mode dense

mode dense: DeepLens's own step — dense encoder, top-k mask (or L1), dense decoder, MSE, autograd,
Adam, decoder renormalisation. mode sparse: a sparse-aware TopK step — dense encoder, top-k, then
the decoder as an embedding-bag over the k active latents (its backward touches only them).
Prints one JSON line like train-step.ts.
"""
import argparse
import json
import resource
import time

import torch

CONFIGS = {
    "a": dict(d=768, F=6144, k=32, beta_l1=None, batch=4096),
    "b": dict(d=768, F=6144, k=None, beta_l1=1e-3, batch=4096),
    "c": dict(d=3072, F=24576, k=768, beta_l1=None, batch=16),
    "d": dict(d=256, F=2048, k=32, beta_l1=None, batch=512),
}

ENCODER_ROWS = 1024  # as bench/configs.ts


def current_rss_mib():
    """Resident set size now (Linux /proc), MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True)
    p.add_argument("--mode", default="dense", choices=["dense", "sparse"])
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu (the bench's reference) or cuda (the GPU check)")
    a = p.parse_args()
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    c = CONFIGS[a.config]
    torch.set_num_threads(2)
    # Start OpenBLAS's threads (and their buffers) first, as the wasm side's idle figure includes its
    # started worker threads: both idle figures are the runtime ready to compute, holding no data.
    torch.ones(512, 512) @ torch.ones(512, 512)
    idle_rss_mib = current_rss_mib()
    torch.manual_seed(1)
    d, F, k, B = c["d"], c["F"], c["k"], c["batch"]
    W_enc = torch.nn.Parameter((torch.randn(d, F) * (2 / d) ** 0.5).to(dev))
    b_enc = torch.nn.Parameter(torch.zeros(F, device=dev))
    W_dec = torch.nn.Parameter(torch.nn.functional.normalize(torch.randn(F, d), dim=1).to(dev))
    b_dec = torch.nn.Parameter(torch.zeros(d, device=dev))
    opt = torch.optim.Adam([W_enc, b_enc, W_dec, b_dec], lr=1e-4)
    x = torch.randn(B, d).to(dev)

    def step():
        opt.zero_grad(set_to_none=True)
        z_pre = torch.relu((x - b_dec) @ W_enc + b_enc)
        if k is None:
            x_hat = z_pre @ W_dec + b_dec
            loss = ((x_hat - x) ** 2).mean() + c["beta_l1"] * z_pre.abs().mean()
        elif a.mode == "dense":
            idx = torch.topk(z_pre.abs(), k, dim=1).indices
            mask = torch.zeros_like(z_pre).scatter(1, idx, 1.0)
            x_hat = (z_pre * mask) @ W_dec + b_dec
            loss = ((x_hat - x) ** 2).mean()
        else:
            vals, idx = torch.topk(z_pre, k, dim=1)
            x_hat = torch.nn.functional.embedding_bag(idx, W_dec, per_sample_weights=vals, mode="sum") + b_dec
            loss = ((x_hat - x) ** 2).mean()
        loss.backward()
        opt.step()
        with torch.no_grad():
            W_dec.div_(W_dec.norm(dim=1, keepdim=True))

    for _ in range(a.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    sync()
    step_s = (time.perf_counter() - t0) / a.steps
    # Peak RSS of set-up and training, before the stand-alone matmul allocates its output.
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    xa = torch.randn(ENCODER_ROWS, d).to(dev)
    with torch.no_grad():
        xa @ W_enc
        sync()
        t0 = time.perf_counter()
        for _ in range(3):
            xa @ W_enc
        sync()
        mm_s = (time.perf_counter() - t0) / 3
    print(json.dumps({
        "impl": "pytorch-" + a.mode + ("" if dev.type == "cpu" else "-" + dev.type), "config": a.config, "steps": a.steps, "stepSeconds": step_s,
        "tokensPerSec": B / step_s, "encoderGflops": 2 * ENCODER_ROWS * d * F / mm_s / 1e9,
        "peakRssMiB": peak_rss_mib, "idleRssMiB": idle_rss_mib,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
