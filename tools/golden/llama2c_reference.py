#!/usr/bin/env python3
"""An independent PyTorch (float64) llama2.c model: golden values for @deeplens/extract.

Run from the repository root after tools/golden/llama2c-eval-fixtures.ts (needs python3-torch;
CI does not):

    /usr/bin/python3 tools/golden/llama2c_reference.py

Reads packages/extract/fixtures/{stories260K.bin,tok512.bin} and golden-llama2c/ (text.txt, the
SAELens exports of the fixture SAEs) and writes golden-llama2c/expected.json:
- tokens of every line (llama2.c's BPE encode: BOS, a " " piece, code points or byte fallback + 3,
  best-score merges);
- for the first line, every site of layers 0 and 3 ([T, width]) and the logits;
- the in-model evaluation at blocks.3 mlp_hidden over all lines, with SAELens's definitions:
  mean next-token cross-entropy over positions 0..T-2 of each line (token-weighted), KL(p_clean ||
  p_spliced) over the same positions, zero ablation, mean ablation (the site's mean over every
  position of the lines), and each SAE's forward (SAELens semantics, saelens_forward.py) spliced in.
Written from the llama2.c reference (model.py / run.c), not from our TypeScript.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from saelens_forward import forward as saelens_forward, read_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "extract", "fixtures")
OUT = os.path.join(ROOT, "golden-llama2c")
SITE_LAYER = 3
SITES = ["resid_pre", "attn_out", "mlp_hidden", "mlp_out", "resid_post"]


def load_model(path, dtype=torch.float64):
    raw = open(path, "rb").read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack("<7i", raw[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    f = np.frombuffer(raw[28:], dtype="<f4").astype(np.float64 if dtype == torch.float64 else np.float32)
    kv_dim = dim * n_kv // n_heads
    o = 0

    def take(*shape):
        nonlocal o
        n = int(np.prod(shape))
        a = torch.from_numpy(f[o:o + n].reshape(shape).copy())
        o += n
        return a

    w = {"emb": take(vocab, dim), "rms_att": take(n_layers, dim), "wq": take(n_layers, dim, dim), "wk": take(n_layers, kv_dim, dim),
         "wv": take(n_layers, kv_dim, dim), "wo": take(n_layers, dim, dim), "rms_ffn": take(n_layers, dim), "w1": take(n_layers, hidden, dim),
         "w2": take(n_layers, dim, hidden), "w3": take(n_layers, hidden, dim), "rms_final": take(dim)}
    take(seq_len, dim // n_heads)  # legacy freq_cis tables
    w["cls"] = w["emb"] if shared else take(vocab, dim)
    assert o == f.size
    cfg = dict(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads, n_kv=n_kv, vocab=vocab, seq_len=seq_len)
    return cfg, w


def load_tokenizer(path):
    raw = open(path, "rb").read()
    o = 4
    pieces, scores = [], []
    while o < len(raw):
        score, n = struct.unpack("<fi", raw[o:o + 8])
        pieces.append(raw[o + 8:o + 8 + n])
        scores.append(score)
        o += 8 + n
    return pieces, scores


def encode(tok, text):
    pieces, scores = tok
    lookup = {}
    for i, p in enumerate(pieces):
        lookup.setdefault(p, i)
    ids = [1]
    if text:
        ids.append(lookup[b" "])
    for ch in text:
        b = ch.encode("utf-8")
        if b in lookup:
            ids.append(lookup[b])
        else:
            ids.extend(x + 3 for x in b)
    while True:
        best = None
        for i in range(1, len(ids) - 1):
            j = lookup.get(pieces[ids[i]] + pieces[ids[i + 1]])
            if j is not None and (best is None or scores[j] > best[0]):
                best = (scores[j], j, i)
        if best is None:
            break
        _, j, i = best
        ids[i:i + 2] = [j]
    return ids


def rms(x, w):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-5) * w


def rope(x, n_heads, hs):
    # x [T, n_heads*hs]: rotate pairs (2i, 2i+1) of each head by pos * theta^(-2i/hs), as complex numbers.
    t = x.shape[0]
    freqs = 1.0 / (10000.0 ** (torch.arange(0, hs, 2, dtype=torch.float64) / hs))
    ang = torch.outer(torch.arange(t, dtype=torch.float64), freqs).to(x.dtype)
    xc = torch.view_as_complex(x.reshape(t, n_heads, hs // 2, 2).contiguous())
    rot = xc * torch.polar(torch.ones_like(ang), ang)[:, None, :]
    return torch.view_as_real(rot).reshape(t, n_heads * hs)


def run(cfg, w, ids, hook=None):
    """Logits [T, vocab]; hook(site, layer, x) may return a replacement for the site's [T, width]."""
    dim, nh, nkv = cfg["dim"], cfg["n_heads"], cfg["n_kv"]
    hs = dim // nh
    t = len(ids)
    x = w["emb"][torch.tensor(ids)]
    mask = torch.full((t, t), float("-inf"), dtype=x.dtype).triu(1)

    def site(name, layer, v):
        if hook is None:
            return v
        r = hook(name, layer, v)
        return v if r is None else r

    for l in range(cfg["n_layers"]):
        x = site("resid_pre", l, x)
        h = rms(x, w["rms_att"][l])
        q = rope(h @ w["wq"][l].T, nh, hs).reshape(t, nh, hs).transpose(0, 1)
        k = rope(h @ w["wk"][l].T, nkv, hs).reshape(t, nkv, hs).transpose(0, 1)
        v = (h @ w["wv"][l].T).reshape(t, nkv, hs).transpose(0, 1)
        k = k.repeat_interleave(nh // nkv, dim=0)
        v = v.repeat_interleave(nh // nkv, dim=0)
        att = torch.softmax(q @ k.transpose(1, 2) / hs ** 0.5 + mask, dim=-1) @ v
        a = site("attn_out", l, att.transpose(0, 1).reshape(t, dim) @ w["wo"][l].T)
        x = x + a
        h = rms(x, w["rms_ffn"][l])
        hid = site("mlp_hidden", l, torch.nn.functional.silu(h @ w["w1"][l].T) * (h @ w["w3"][l].T))
        x = x + site("mlp_out", l, hid @ w["w2"][l].T)
        x = site("resid_post", l, x)
    return rms(x, w["rms_final"]) @ w["cls"].T


def main():
    cfg, w = load_model(os.path.join(ROOT, "stories260K.bin"))
    tok = load_tokenizer(os.path.join(ROOT, "tok512.bin"))
    lines = [ln for ln in open(os.path.join(OUT, "text.txt"), encoding="utf-8").read().split("\n") if ln]
    seqs = [encode(tok, ln)[:cfg["seq_len"]] for ln in lines]

    seen = {}
    logits0 = run(cfg, w, seqs[0], lambda s, l, v: seen.__setitem__("%s@%d" % (s, l), v.clone()) if l in (0, SITE_LAYER) else None)

    def at_site(replace):
        return lambda s, l, v: replace(v) if (s == "mlp_hidden" and l == SITE_LAYER) else None

    acts = []
    for ids in seqs:
        run(cfg, w, ids, at_site(lambda v: acts.append(v.clone())))
    mean = torch.cat(acts).mean(0)

    saes = {}
    for name in sorted(os.listdir(OUT)):
        folder = os.path.join(OUT, name, "saelens")
        if os.path.isdir(folder):
            saes[name] = (json.load(open(os.path.join(folder, "cfg.json"))), read_safetensors(os.path.join(folder, "sae_weights.safetensors")))

    variants = {"zero": lambda v: torch.zeros_like(v), "mean": lambda v: mean.expand_as(v).clone()}
    for name, (scfg, t) in saes.items():
        variants["sae:" + name] = (lambda c, tt: (lambda v: saelens_forward(c, tt, v)))(scfg, t)
    ce = {k: 0.0 for k in ["clean", *variants]}
    kl = {k: 0.0 for k in variants}
    n = 0
    for ids in seqs:
        target = torch.tensor(ids[1:])
        clean = torch.log_softmax(run(cfg, w, ids)[:-1], -1)
        ce["clean"] += -clean.gather(1, target[:, None]).sum().item()
        for key, fn in variants.items():
            lp = torch.log_softmax(run(cfg, w, ids, at_site(fn))[:-1], -1)
            ce[key] += -lp.gather(1, target[:, None]).sum().item()
            kl[key] += (clean.exp() * (clean - lp)).sum().item()
        n += len(ids) - 1
    ce = {k: v / n for k, v in ce.items()}
    kl = {k: v / n for k, v in kl.items()}
    sae_rows = {}
    for name in saes:
        c = ce["sae:" + name]
        sae_rows[name] = {"ce": c, "kl": kl["sae:" + name], "ce_loss_recovered": (ce["zero"] - c) / (ce["zero"] - ce["clean"]),
                          "ce_loss_recovered_mean": (ce["mean"] - c) / (ce["mean"] - ce["clean"]), "delta_loss": c - ce["clean"]}

    out = {
        "generator": "tools/golden/llama2c_reference.py (torch %s, float64)" % torch.__version__,
        "tokens": seqs,
        "first_line_sites": {k: v.tolist() for k, v in seen.items()},
        "first_line_logits": logits0.tolist(),
        "eval": {"site": "mlp_hidden", "layer": SITE_LAYER, "tokens": n, "ce_clean": ce["clean"],
                 "zero_ablation": {"ce": ce["zero"], "kl": kl["zero"]}, "mean_ablation": {"ce": ce["mean"], "kl": kl["mean"]}, "saes": sae_rows},
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(out, f)
    print(json.dumps(out["eval"], indent=1))


if __name__ == "__main__":
    sys.exit(main())
