#!/usr/bin/env python3
"""Compare our C# UMAP with umap-learn on the same inputs (docs/metrics.md, "Embedding (UMAP, aligned)"; the target: trustworthiness no worse than umap-learn's).

Usage:
  dotnet run --project Unlearning.Web -c Release -- benchmark --arch compact --class 6 --dump /tmp/umap-dump
  sudo apt-get install umap-learn python3-sklearn     # Debian packages; not needed by the app or the tests
  /usr/bin/python3 tools/umap_compare.py /tmp/umap-dump   # Debian's python3, where apt installs the packages

For every NAME.features.csv / NAME.umap.csv pair written by the benchmark it embeds the features with umap-learn
(n_neighbors 9, min_dist 0.45, as the app; several seeds) and prints scikit-learn's trustworthiness (k = 10) of
umap-learn's embeddings and of ours, so both are scored by the same independent implementation.
"""
import glob
import os
import sys
import time

import numpy as np
from sklearn.manifold import trustworthiness
import umap


def main(folder: str) -> None:
    for features_path in sorted(glob.glob(os.path.join(folder, "*.features.csv"))):
        name = os.path.basename(features_path)[: -len(".features.csv")]
        x = np.loadtxt(features_path, delimiter=",", dtype=np.float32)
        ours = np.loadtxt(os.path.join(folder, name + ".umap.csv"), delimiter=",")
        t_ours = trustworthiness(x, ours, n_neighbors=10)
        scores, times = [], []
        for seed in (42, 1, 2):
            start = time.perf_counter()
            emb = umap.UMAP(n_neighbors=9, min_dist=0.45, n_components=2, random_state=seed).fit_transform(x)
            times.append(time.perf_counter() - start)
            scores.append(trustworthiness(x, emb, n_neighbors=10))
        print(f"{name} ({x.shape[0]}x{x.shape[1]}): ours {t_ours:.4f} | umap-learn "
              + ", ".join(f"{s:.4f}" for s in scores)
              + f" (seeds 42, 1, 2; {min(times):.2f}-{max(times):.2f} s each, first includes numba JIT)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/umap-dump")
