#!/usr/bin/env python3
"""Golden fixtures for @deeplens/core, computed by PyTorch (the independent reference).

Run from the repository root (needs Debian's python3-torch; CI does not):

    /usr/bin/python3 tools/golden/generate.py

For each of the 16 model variants (relu/silu x input_norm x TopK/L1 x tied/untied) it writes
packages/core/fixtures/golden/<name>.safetensors holding the inputs, the parameters, the forward
outputs, the loss terms, the gradient of every parameter, and the parameters after one and after
three steps of (forward, backward, torch.optim.Adam, post_step) on the same batch. The maths runs
in float64 so that the fixtures are the exact answer for the stored float32 inputs; the TypeScript
side computes in float32 and compares with a relative tolerance.

The model below is written from DeepLens's documented semantics, independently of our TypeScript.
"""
import itertools
import json
import os
import struct
import sys

import torch

B, D, F, K = 8, 16, 64, 4
BETA_L1 = 0.05
ADAM = {"lr": 1e-3, "betas": (0.9, 0.99), "eps": 1e-8, "weight_decay": 1e-4}
OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "core", "fixtures", "golden")


class ReferenceSAE(torch.nn.Module):
    def __init__(self, params, activation, input_norm, k, beta_l1, tie_weights, unit_norm_decoder):
        super().__init__()
        self.activation = activation
        self.input_norm = input_norm
        self.k = k
        self.beta_l1 = beta_l1
        self.tie_weights = tie_weights
        self.unit_norm_decoder = unit_norm_decoder
        self.p = torch.nn.ParameterDict({n.replace(".", "_"): torch.nn.Parameter(t.clone()) for n, t in params.items()})

    def act(self, h):
        return torch.relu(h) if self.activation == "relu" else torch.nn.functional.silu(h)

    def decoder(self):
        return self.p["W_enc"].t() if self.tie_weights else self.p["W_dec"]

    def forward(self, x):
        if self.input_norm:
            xin = torch.nn.functional.layer_norm(x, (x.shape[1],), self.p["ln_weight"], self.p["ln_bias"], eps=1e-5)
        else:
            xin = x - self.p["b_dec"]
        z_pre = self.act(xin @ self.p["W_enc"] + self.p["b_enc"])
        if self.k is not None:
            idx = torch.topk(z_pre.abs(), self.k, dim=1).indices
            mask = torch.zeros_like(z_pre).scatter(1, idx, 1.0)
            z = z_pre * mask
        else:
            z = z_pre
        x_hat = z @ self.decoder() + self.p["b_dec"]
        return x_hat, z, z_pre

    def loss(self, x):
        x_hat, z, z_pre = self.forward(x)
        mse = ((x_hat - x) ** 2).mean()
        l1 = z.abs().mean()
        total = mse + self.beta_l1 * l1 if self.k is None else mse
        return total, mse, l1, (z != 0).double().mean(), (x_hat, z, z_pre)

    @torch.no_grad()
    def post_step(self):
        if self.unit_norm_decoder and not self.tie_weights:
            w = self.p["W_dec"]
            w.div_(w.norm(dim=1, keepdim=True))


def topk_gap_ok(z_pre, k):
    """True when every row's k-th and (k+1)-th |z_pre| differ clearly, so float32 picks the same set."""
    s = z_pre.abs().sort(dim=1, descending=True).values
    gap = (s[:, k - 1] - s[:, k]) / s[:, k - 1].clamp_min(1e-12)
    return bool((gap > 1e-3).all())


def make_params(gen, input_norm, tie_weights):
    f32 = lambda t: t.float().double()  # store exactly-representable float32 values
    p = {
        "W_enc": f32(torch.randn(D, F, generator=gen, dtype=torch.float64) * (2.0 / D) ** 0.5),
        "b_enc": f32((torch.rand(F, generator=gen, dtype=torch.float64) * 2 - 1) * 0.25),
        "b_dec": f32(torch.randn(D, generator=gen, dtype=torch.float64) * 0.1),
    }
    if not tie_weights:
        w = torch.randn(F, D, generator=gen, dtype=torch.float64)
        p["W_dec"] = f32(w / w.norm(dim=1, keepdim=True))
    if input_norm:
        p["ln.weight"] = f32(1 + 0.1 * torch.randn(D, generator=gen, dtype=torch.float64))
        p["ln.bias"] = f32(0.1 * torch.randn(D, generator=gen, dtype=torch.float64))
    return p


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name in sorted(tensors):
        arr = tensors[name].detach().to(torch.float32).contiguous().reshape(-1)
        raw = struct.pack("<%df" % arr.numel(), *arr.tolist())
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)


def one_case(activation, input_norm, topk, tie_weights, seed):
    gen = torch.Generator().manual_seed(seed)
    while True:
        x = torch.randn(B, D, generator=gen, dtype=torch.float64).float().double()
        params = make_params(gen, input_norm, tie_weights)
        k = K if topk else None
        model = ReferenceSAE(params, activation, input_norm, k, None if topk else BETA_L1, tie_weights, not tie_weights)
        with torch.no_grad():
            _, _, z_pre = model.forward(x)
        if not topk or topk_gap_ok(z_pre, K):
            break
    config = {
        "input_dims": D, "n_features": F, "activation": activation, "input_norm": input_norm,
        "k": k, "beta_l1": None if topk else BETA_L1, "tie_weights": tie_weights,
        "unit_norm_decoder": not tie_weights,
    }
    out = {"input.x": x}
    out.update({"param." + n: t for n, t in params.items()})
    opt = torch.optim.Adam(model.parameters(), lr=ADAM["lr"], betas=ADAM["betas"], eps=ADAM["eps"], weight_decay=ADAM["weight_decay"])
    names = {n.replace(".", "_"): n for n in params}
    for step in range(1, 4):
        opt.zero_grad()
        total, mse, l1, nz, (x_hat, z, z_pre) = model.loss(x)
        total.backward()
        if step == 1:
            out.update({"out.xHat": x_hat, "out.z": z, "out.zPre": z_pre})
            out["loss.total"] = total.reshape(1)
            out["loss.mse"] = mse.reshape(1)
            out["loss.l1"] = l1.reshape(1)
            out["loss.nonZeroFrac"] = nz.reshape(1)
            for key, prm in model.p.items():
                out["grad." + names[key]] = prm.grad.clone()
        opt.step()
        model.post_step()
        if step in (1, 3):
            for key, prm in model.p.items():
                out["step%d.%s" % (step, names[key])] = prm.detach().clone()
    name = "%s-%s-%s-%s" % (activation, "ln" if input_norm else "noln", "topk" if topk else "l1", "tied" if tie_weights else "untied")
    meta = {
        "config": json.dumps(config),
        "adam": json.dumps({"lr": ADAM["lr"], "betas": list(ADAM["betas"]), "eps": ADAM["eps"], "weight_decay": ADAM["weight_decay"]}),
        "generator": "tools/golden/generate.py, torch %s, float64" % torch.__version__,
    }
    write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), out, meta)
    return name


def main():
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    names = []
    for i, (act, ln, topk, tied) in enumerate(itertools.product(["relu", "silu"], [True, False], [True, False], [False, True])):
        names.append(one_case(act, ln, topk, tied, seed=1000 + i))
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump({"cases": names, "batch": B, "input_dims": D, "n_features": F, "k": K, "beta_l1": BETA_L1,
                   "adam": {"lr": ADAM["lr"], "betas": list(ADAM["betas"]), "eps": ADAM["eps"], "weight_decay": ADAM["weight_decay"]},
                   "steps_recorded": [1, 3]}, f, indent=2)
        f.write("\n")
    print("wrote %d golden cases to %s" % (len(names), os.path.normpath(OUT_DIR)))


if __name__ == "__main__":
    sys.exit(main())
