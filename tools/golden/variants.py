#!/usr/bin/env python3
"""Golden fixtures for the SAE architectures beyond DeepLens, computed by PyTorch in float64.

Run from the repository root (needs Debian's python3-torch; CI does not):

    /usr/bin/python3 tools/golden/variants.py

Writes packages/core/fixtures/golden-variants/<case>.safetensors and manifest.json. Each case holds
the inputs, the parameters (and BatchTopK's threshold buffer), the dead-latent mask AuxK uses, the
inference forward outputs, the training loss terms, the gradient of every parameter (JumpReLU's
straight-through estimators included, written here as torch.autograd.Function), the smallest kept
activation, and the parameters after one and three steps of (loss, backward, torch.optim.Adam,
post-step) on the same batch.

The definitions follow the papers and the Python libraries (docs: architectures page); this file
is written from them, independently of the TypeScript:
- BatchTopK (Bussmann et al. 2024): keep the k*B largest relu(pre) over the flattened batch; at
  inference relu(pre) > theta; after each step n += 1 and theta += max(1/n, 0.01) * (m - theta), m the
  batch's smallest kept activation (a running mean, then SAELens's topk_threshold_lr 0.01).
- JumpReLU (Rajamanoharan et al. 2024): z = pre * H(pre - theta), L0 penalty
  lambda * mean_rows(sum H(pre - theta)) (or lambda * (L0/T - 1)^2), STE with a rectangle kernel.
- Matryoshka (Bussmann et al. 2025): BatchTopK; loss = mean over prefixes of each prefix's MSE.
- AuxK (Gao et al. 2024): top aux_k of relu(pre) * dead per row, decoded without b_dec, against the
  detached residual x - x_hat; alpha * sum((e_hat - e)^2) / sum((e - mean_rows(e))^2).
The MSE is a mean over batch x input_dims (DeepLens's convention).
"""
import json
import os
import sys

import torch

from generate import write_safetensors

B, D, F, K = 8, 16, 64, 4
ADAM = {"lr": 1e-3, "betas": (0.9, 0.99), "eps": 1e-8, "weight_decay": 0.0}
THRESHOLD_RATE = 0.01
OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "core", "fixtures", "golden-variants")


def rect(u):
    return ((u > -0.5) & (u < 0.5)).to(u.dtype)


class JumpReLUFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, pre, theta, eps):
        ctx.save_for_backward(pre, theta)
        ctx.eps = eps
        return pre * (pre > theta).to(pre.dtype)

    @staticmethod
    def backward(ctx, g):
        pre, theta = ctx.saved_tensors
        eps = ctx.eps
        d_pre = (pre > theta).to(pre.dtype) * g
        d_theta = (-(theta / eps) * rect((pre - theta) / eps) * g).sum(0)
        return d_pre, d_theta, None


class StepFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, pre, theta, eps):
        ctx.save_for_backward(pre, theta)
        ctx.eps = eps
        return (pre > theta).to(pre.dtype)

    @staticmethod
    def backward(ctx, g):
        pre, theta = ctx.saved_tensors
        eps = ctx.eps
        d_theta = (-(1.0 / eps) * rect((pre - theta) / eps) * g).sum(0)
        return torch.zeros_like(pre), d_theta, None


class VariantSAE(torch.nn.Module):
    def __init__(self, cfg, params, threshold_buffer):
        super().__init__()
        self.cfg = cfg
        self.p = torch.nn.ParameterDict({n.replace(".", "_"): torch.nn.Parameter(t.clone()) for n, t in params.items()})
        self.theta = None if threshold_buffer is None else threshold_buffer.clone()
        self.updates = 0 if threshold_buffer is None or threshold_buffer.item() < 0 else 50

    def act(self, h):
        return torch.relu(h) if self.cfg["activation"] == "relu" else torch.nn.functional.silu(h)

    def encode_pre(self, x):
        if self.cfg["input_norm"]:
            xin = torch.nn.functional.layer_norm(x, (x.shape[1],), self.p["ln_weight"], self.p["ln_bias"], eps=1e-5)
        else:
            xin = x - self.p["b_dec"]
        return xin @ self.p["W_enc"] + self.p["b_enc"]

    def select(self, pre, training):
        arch = self.cfg["architecture"]
        eps = self.cfg.get("jumprelu_bandwidth", 0.001)
        if arch == "jumprelu":
            z = JumpReLUFn.apply(pre, self.p["threshold"], eps)
            l0 = StepFn.apply(pre, self.p["threshold"], eps).sum(1).mean()
            return z, None, l0
        a = self.act(pre)
        if arch == "topk":
            idx = torch.topk(a.abs(), self.cfg["k"], dim=1).indices
            mask = torch.zeros_like(a).scatter(1, idx, 1.0)
            return a * mask, None, None
        # batchtopk / matryoshka
        if training or self.theta.item() < 0:
            flat = a.reshape(-1)
            kept = torch.topk(flat, min(self.cfg["k"] * a.shape[0], flat.numel())).indices
            mask = torch.zeros_like(flat).scatter(0, kept, 1.0).reshape(a.shape)
            vals = flat[kept].detach()
            pos = vals[vals > 0]
            min_kept = pos.min() if pos.numel() else torch.tensor(-1.0, dtype=a.dtype)
            return a * mask, min_kept, None
        return a * (a > self.theta).to(a.dtype), None, None

    def forward(self, x, training, dead=None, penalty_scale=1.0):
        cfg = self.cfg
        pre = self.encode_pre(x)
        z, min_kept, l0 = self.select(pre, training)
        prefixes = cfg.get("matryoshka_prefixes") or [cfg["n_features"]]
        w_dec = self.p["W_dec"]
        recon = 0
        x_hat = None
        for size in prefixes:
            x_hat = z[:, :size] @ w_dec[:size] + self.p["b_dec"]
            recon = recon + ((x_hat - x) ** 2).mean()
        recon = recon / len(prefixes)
        total = recon
        aux = None
        if l0 is not None:
            lam = cfg["l0_coefficient"] * penalty_scale
            total = total + (lam * (l0 / cfg["target_l0"] - 1) ** 2 if cfg.get("target_l0") else lam * l0)
        if training and cfg.get("aux_k_coef", 0) > 0 and dead is not None:
            e = (x - x_hat).detach()
            dead_acts = torch.relu(pre) * dead
            top = torch.topk(dead_acts, min(cfg["aux_k"], cfg["n_features"]), dim=1)
            s = torch.zeros_like(dead_acts).scatter(1, top.indices, top.values)
            e_hat = s @ w_dec
            var = ((e - e.mean(0)) ** 2).sum()
            aux = cfg["aux_k_coef"] * ((e_hat - e) ** 2).sum() / var
            total = total + aux
        mse = ((x_hat - x) ** 2).mean()
        return {"total": total, "mse": mse, "aux": aux, "x_hat": x_hat, "z": z, "pre": pre, "min_kept": min_kept, "l0": l0}

    @torch.no_grad()
    def post_step(self, min_kept):
        if self.cfg["unit_norm_decoder"]:
            w = self.p["W_dec"]
            w.div_(w.norm(dim=1, keepdim=True))
        if self.cfg["architecture"] == "jumprelu":
            self.p["threshold"].clamp_(min=0)
        if min_kept is not None and min_kept.item() > 0:
            self.updates += 1
            if self.updates == 1:
                self.theta = min_kept.reshape(1).clone()
            else:
                rate = max(1.0 / self.updates, THRESHOLD_RATE)
                self.theta = self.theta + rate * (min_kept - self.theta)


def f32(t):
    return t.float().double()


def make_params(gen, cfg):
    p = {
        "W_enc": f32(torch.randn(D, F, generator=gen, dtype=torch.float64) * (2.0 / D) ** 0.5),
        "b_enc": f32((torch.rand(F, generator=gen, dtype=torch.float64) * 2 - 1) * 0.25),
        "b_dec": f32(torch.randn(D, generator=gen, dtype=torch.float64) * 0.1),
    }
    w = torch.randn(F, D, generator=gen, dtype=torch.float64)
    p["W_dec"] = f32(w / w.norm(dim=1, keepdim=True))
    if cfg["input_norm"]:
        p["ln.weight"] = f32(1 + 0.1 * torch.randn(D, generator=gen, dtype=torch.float64))
        p["ln.bias"] = f32(0.1 * torch.randn(D, generator=gen, dtype=torch.float64))
    if cfg["architecture"] == "jumprelu":
        p["threshold"] = f32(torch.rand(F, generator=gen, dtype=torch.float64) * 0.6)
    return p


def gaps_ok(model, x, dead):
    """float32 must make the same discrete choices as float64: no value close to a decision edge."""
    cfg = model.cfg
    with torch.no_grad():
        pre = model.encode_pre(x)
        a = model.act(pre)
        arch = cfg["architecture"]
        if arch == "jumprelu":
            th = model.p["threshold"]
            if ((pre - th).abs() < 1e-4).any():
                return False
            u = ((pre - th) / cfg["jumprelu_bandwidth"]).abs()
            if ((u - 0.5).abs() < 1e-3).any():
                return False
            if (rect((pre - th) / cfg["jumprelu_bandwidth"]).sum() < 5):
                return False
        elif arch == "topk":
            s = a.abs().sort(dim=1, descending=True).values
            if ((s[:, K - 1] - s[:, K]) / s[:, K - 1] < 1e-3).any():
                return False
        else:
            s = a.reshape(-1).sort(descending=True).values
            if s[K * B] <= 0 or (s[K * B - 1] - s[K * B]) / s[K * B - 1] < 1e-3:
                return False
            if model.theta.item() >= 0 and ((a - model.theta).abs() < 1e-4).any():
                return False
        if cfg.get("aux_k_coef", 0) > 0:
            kk = cfg["aux_k"]
            s = (torch.relu(pre) * dead).sort(dim=1, descending=True).values
            if (s[:, kk] <= 0).all() or ((s[:, kk - 1] - s[:, kk]) / s[:, kk - 1].clamp_min(1e-12) < 1e-3).any():
                return False
    return True


CASES = [
    ("batchtopk-noln-auxk", {"architecture": "batchtopk", "input_norm": False, "aux_k_coef": 1 / 32, "aux_k": 6, "theta": 0.3}),
    ("batchtopk-ln-unset", {"architecture": "batchtopk", "input_norm": True, "theta": -1.0}),
    ("jumprelu-noln-l0", {"architecture": "jumprelu", "input_norm": False, "l0_coefficient": 0.02, "jumprelu_bandwidth": 0.5}),
    ("jumprelu-ln-target", {"architecture": "jumprelu", "input_norm": True, "l0_coefficient": 0.05, "jumprelu_bandwidth": 0.25, "target_l0": 10.0}),
    ("matryoshka-noln-auxk", {"architecture": "matryoshka", "input_norm": False, "matryoshka_prefixes": [8, 24, 64], "aux_k_coef": 0.1, "aux_k": 5, "theta": 0.2}),
    ("topk-noln-auxk", {"architecture": "topk", "input_norm": False, "aux_k_coef": 1 / 32, "aux_k": 8}),
    ("topk-ln-silu-auxk", {"architecture": "topk", "input_norm": True, "activation": "silu", "aux_k_coef": 0.25, "aux_k": 4}),
]


def one_case(name, spec, seed):
    gen = torch.Generator().manual_seed(seed)
    arch = spec["architecture"]
    cfg = {
        "input_dims": D, "n_features": F, "activation": spec.get("activation", "relu"), "input_norm": spec["input_norm"],
        "k": None if arch == "jumprelu" else K, "beta_l1": None, "tie_weights": False, "unit_norm_decoder": True,
        "architecture": arch,
    }
    for key in ("aux_k_coef", "aux_k", "l0_coefficient", "jumprelu_bandwidth", "target_l0", "matryoshka_prefixes"):
        if key in spec:
            cfg[key] = spec[key]
    theta0 = torch.tensor([spec["theta"]], dtype=torch.float64) if "theta" in spec else None
    for _ in range(500):
        x = f32(torch.randn(B, D, generator=gen, dtype=torch.float64))
        params = make_params(gen, cfg)
        dead = (torch.rand(F, generator=gen, dtype=torch.float64) < 0.5).double()
        model = VariantSAE(cfg, params, theta0)
        if gaps_ok(model, x, dead):
            break
    else:
        raise RuntimeError("no case without near-ties for " + name)
    out = {"input.x": x, "input.deadMask": dead}
    out.update({"param." + n: t for n, t in params.items()})
    if theta0 is not None:
        out["buffer.threshold"] = theta0
        out["buffer.threshold_updates"] = torch.tensor([float(model.updates)], dtype=torch.float64)
    with torch.no_grad():
        inf = model(x, training=False)
    out["out.xHat"] = inf["x_hat"]
    out["out.z"] = inf["z"]
    out["infer.mse"] = inf["mse"].reshape(1)
    out["infer.total"] = inf["total"].reshape(1)
    names = {n.replace(".", "_"): n for n in params}
    opt = torch.optim.Adam(model.parameters(), lr=ADAM["lr"], betas=ADAM["betas"], eps=ADAM["eps"], weight_decay=ADAM["weight_decay"])
    for step in range(1, 4):
        opt.zero_grad()
        r = model(x, training=True, dead=dead)
        r["total"].backward()
        if step == 1:
            out["loss.total"] = r["total"].detach().reshape(1)
            out["loss.mse"] = r["mse"].detach().reshape(1)
            out["loss.nonZeroFrac"] = (r["z"] != 0).double().mean().reshape(1)
            if r["aux"] is not None:
                out["loss.aux"] = r["aux"].detach().reshape(1)
            if r["min_kept"] is not None:
                out["loss.minKept"] = r["min_kept"].reshape(1)
            for key, prm in model.p.items():
                out["grad." + names[key]] = prm.grad.clone()
        opt.step()
        model.post_step(r["min_kept"])
        if step in (1, 3):
            for key, prm in model.p.items():
                out["step%d.%s" % (step, names[key])] = prm.detach().clone()
            if model.theta is not None:
                out["step%d.buffer.threshold" % step] = model.theta.reshape(1).clone()
                out["step%d.buffer.threshold_updates" % step] = torch.tensor([float(model.updates)], dtype=torch.float64)
    meta = {
        "config": json.dumps(cfg),
        "adam": json.dumps({"lr": ADAM["lr"], "betas": list(ADAM["betas"]), "eps": ADAM["eps"], "weight_decay": ADAM["weight_decay"]}),
        "generator": "tools/golden/variants.py, torch %s, float64" % torch.__version__,
    }
    write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), out, meta)


def main():
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    for i, (name, spec) in enumerate(CASES):
        one_case(name, spec, seed=2000 + i)
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump({"cases": [n for n, _ in CASES], "batch": B, "input_dims": D, "n_features": F, "k": K,
                   "threshold_rate": THRESHOLD_RATE,
                   "adam": {"lr": ADAM["lr"], "betas": list(ADAM["betas"]), "eps": ADAM["eps"], "weight_decay": ADAM["weight_decay"]},
                   "steps_recorded": [1, 3]}, f, indent=2)
        f.write("\n")
    print("wrote %d variant cases to %s" % (len(CASES), os.path.normpath(OUT_DIR)))


if __name__ == "__main__":
    sys.exit(main())
