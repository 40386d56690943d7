#!/usr/bin/env python3
"""The evaluation metrics of DeepLens TS checked against an independent NumPy oracle.

Run from the repository root (needs Debian's python3-numpy; CI does not):

    /usr/bin/python3 tools/golden/generate_metrics_oracle.py

Writes packages/trainer/fixtures/metrics-oracle.json: for a TopK and an L1 model (float32 weights,
written here) and an evaluation set with a non-zero mean (so centred and uncentred variance differ),
plus a record of training-window activity, the metrics as the DeepLens/SAELens definitions give
them, computed in float64 from the stored float32 values:

    FVU = sum ||x - x_hat||^2 / sum ||x - mean(x)||^2,   explained variance = 1 - FVU
    L0 = mean over rows of the number of non-zero latents;  non-zero fraction = L0 / F
    dead fraction = latents that fired on no eval row and not within the trailing training window
                    (last fired at token t with tokens_seen - t < window), over F
    density histogram = counts of log10(firing frequency + 1e-10) in 20 bins of width 0.5 on [-10, 0]
                        (values outside go to the first/last bin)
    mse = sum ||x - x_hat||^2 / (rows * d); loss = mse (+ beta_l1 * mean |z| for L1)

Several latents are made silent on the eval set (encoder column zero, bias very negative); some of
them fired recently in training and some did not, so a dead count that ignores the window, or that
counts every latent as fired, gives a different number.
"""
import json
import os

import numpy as np

N, D, F, K = 203, 12, 48, 4
BETA_L1 = 0.03
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "trainer", "fixtures", "metrics-oracle.json")


def f32(a):
    return np.asarray(a, dtype=np.float32)


def make_case(rng, k):
    x = f32(rng.normal(size=(N, D)) * 1.5 + rng.normal(size=D) * 3.0)  # non-zero mean per dimension
    w_enc = f32(rng.normal(size=(D, F)) / np.sqrt(D))
    b_enc = f32(rng.normal(size=F) * 0.1)
    silent = [3, 7, 11, 20, 21, 30, 41, 47]
    w_enc[:, silent] = 0.0
    b_enc[silent] = -1000.0
    w_dec = f32(rng.normal(size=(F, D)) / np.sqrt(F))
    w_dec = f32(0.3 * w_dec / np.linalg.norm(w_dec.astype(np.float64), axis=1, keepdims=True))
    b_dec = f32(x.astype(np.float64).mean(axis=0) * 0.9)
    x64 = x.astype(np.float64)
    pre = (x64 - b_dec.astype(np.float64)) @ w_enc.astype(np.float64) + b_enc.astype(np.float64)
    z_pre = np.maximum(pre, 0.0)
    if k is not None:
        order = np.argsort(-np.abs(z_pre), axis=1, kind="stable")[:, :k]
        mask = np.zeros_like(z_pre)
        np.put_along_axis(mask, order, 1.0, axis=1)
        z = z_pre * mask
        # The k-th and (k+1)-th magnitudes must be apart, so float32 selects the same latents.
        srt = -np.sort(-np.abs(z_pre), axis=1)
        assert np.all((srt[:, k - 1] - srt[:, k] > 1e-4) | (srt[:, k - 1] == 0))
    else:
        z = z_pre
    x_hat = z @ w_dec.astype(np.float64) + b_dec.astype(np.float64)
    sse = float(((x64 - x_hat) ** 2).sum())
    centred = float(((x64 - x64.mean(axis=0)) ** 2).sum())
    fvu = sse / centred
    active = (z != 0)
    l0 = float(active.sum(axis=1).mean())
    mse = sse / (N * D)
    loss = mse + (BETA_L1 * float(np.abs(z).mean()) if k is None else 0.0)
    fired = active.sum(axis=0)
    # Training window: tokens seen 5e6, window 1e6. Half of the eval-silent latents fired recently.
    tokens_seen, window = 5_000_000, 1_000_000
    last_fired = np.full(F, -1.0)
    last_fired[:] = tokens_seen - 10  # every latent fired recently...
    for i, f in enumerate(silent):  # ...except the eval-silent ones: alternately recent, long ago, never
        last_fired[f] = [tokens_seen - 999_999, tokens_seen - 1_000_000, -1.0][i % 3]
    alive_window = (last_fired >= 0) & (tokens_seen - last_fired < window)
    dead = int(((fired == 0) & ~alive_window).sum())
    freq = fired / N
    v = np.log10(freq + 1e-10)
    bins = np.clip(np.floor((v + 10) / 0.5).astype(int), 0, 19)
    hist = np.bincount(bins, minlength=20).tolist()
    assert 0 < dead < int((fired == 0).sum()), 'the window must matter for the dead count'
    return {
        "config": {"input_dims": D, "n_features": F, "k": k, "beta_l1": None if k is not None else BETA_L1, "activation": "relu",
                   "input_norm": False, "tie_weights": False, "unit_norm_decoder": False},
        "params": {"W_enc": w_enc.ravel().tolist(), "b_enc": b_enc.tolist(), "W_dec": w_dec.ravel().tolist(), "b_dec": b_dec.tolist()},
        "x": x.ravel().tolist(),
        "rows": N,
        "activity": {"last_fired": last_fired.tolist(), "tokens_seen": tokens_seen, "window": window},
        "expected": {
            "fvu": fvu, "explained_variance": 1 - fvu, "l0": l0, "non_zero_frac": l0 / F, "dead_fraction": dead / F,
            "density_histogram": hist, "mse": mse, "loss": loss,
            "uncentred_fvu": sse / float((x64 ** 2).sum()), "dead_ignoring_window": int((fired == 0).sum()) / F,
        },
    }


def main():
    rng = np.random.default_rng(20261206)
    cases = {"topk": make_case(rng, K), "l1": make_case(rng, None)}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump({"generator": "tools/golden/generate_metrics_oracle.py", "numpy": np.__version__, "cases": cases}, fh)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
