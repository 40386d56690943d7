#!/usr/bin/env python3
"""LR-schedule fixtures for @deeplens/trainer, from torch.optim.lr_scheduler itself.

    /usr/bin/python3 tools/golden/generate_schedules.py

DeepLens's schedules: warmup LinearLR(start_factor=0.01) over int(total * warmup_fraction) steps,
then CosineAnnealingLR(T_max=rest, eta_min=0.1*lr) or LinearLR(1 -> 0.1 over rest), joined with
SequentialLR and stepped once per batch (warmup_fraction 0 is left out: torch's SequentialLR with a
zero-length LinearLR starts at 1% of lr and then rises; we decay from lr directly); ReduceLROnPlateau(factor=0.1, patience=10,
threshold=1e-4, min_lr=1e-6) stepped on evaluation losses. Records the lr used at every step.
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "trainer", "fixtures", "schedules.json")


def run(kind, lr, total, warmup_fraction):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    w = int(total * warmup_fraction)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.01, end_factor=1.0, total_iters=w)
    if kind == "cosine":
        decay = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total - w, eta_min=0.1 * lr)
    else:
        decay = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=total - w)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, decay], milestones=[w])
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def plateau(lr, metrics):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.1, patience=10, threshold=1e-4, min_lr=1e-6)
    out = []
    for m in metrics:
        s.step(m)
        out.append(opt.param_groups[0]["lr"])
    return out


def main():
    metrics = [1.0, 0.9, 0.8] + [0.79999] * 14 + [0.5] + [0.5] * 30
    data = {
        "generator": "tools/golden/generate_schedules.py, torch %s" % torch.__version__,
        "cases": [
            {"kind": k, "lr": lr, "total": total, "warmup_fraction": wf, "lrs": run(k, lr, total, wf)}
            for k in ("cosine", "linear")
            for (lr, total, wf) in ((3e-4, 200, 0.1), (1e-3, 57, 0.25), (1e-2, 40, 0.05))
        ],
        "plateau": {"lr": 1e-3, "metrics": metrics, "lrs": plateau(1e-3, metrics)},
        "plateau_min": {"lr": 1e-5, "metrics": [1.0] * 40, "lrs": plateau(1e-5, [1.0] * 40)},
    }
    with open(OUT, "w") as f:
        json.dump(data, f)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
