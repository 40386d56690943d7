#!/usr/bin/env python3
"""Activation files written by torch.save for the deeplens CLI's end-to-end tests.

    /usr/bin/python3 tools/golden/generate_cli_fixtures.py

- tutorial-width.pt: 48 x 3072 float32, GPT-2-MLP-width rows (the tutorial's input_dims), as a
  DeepLens user's saved_features/features_layer_3_N.pt holds them.
- small-acts.pt: 600 x 32 float16 in a dict {"acts": ..., "token_ids": ...}, sparse non-negative
  rows built from 48 ground-truth directions.
"""
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "cli", "fixtures")


def main():
    g = torch.Generator().manual_seed(7)
    wide = torch.relu(torch.randn(48, 3072, generator=g) - 1.0) * 2
    torch.save(wide, os.path.join(OUT, "tutorial-width.pt"))
    dirs = torch.nn.functional.normalize(torch.randn(48, 32, generator=g), dim=1)
    coef = torch.rand(600, 48, generator=g) * (torch.rand(600, 48, generator=g) < 0.08)
    acts = torch.relu(coef @ dirs + 0.05 * torch.randn(600, 32, generator=g))
    torch.save({"acts": acts.half(), "token_ids": torch.arange(600)}, os.path.join(OUT, "small-acts.pt"))
    print("wrote CLI fixtures to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
