#!/usr/bin/env python3
"""Times NumPy implementations of the same spectral-signature detector on the matrix that
`cargo bench --bench poison` wrote, checks that they flag what the reference flagged, and
prints them beside that run's criterion result for the reference (and the candidate).

Two NumPy variants: the textbook one (per class, centre, `np.linalg.svd(full_matrices=
False)`, top right singular vector, squared projections, top budget), and the faster one
that eigendecomposes the d x d scatter matrix as the reference does. Usage:
  python scripts/bench_poison_peers.py [--target DIR] [--repeat N]
`make bench-poison` installs NumPy into the mldrill venv, runs the bench, then this.
"""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

try:
    import numpy as np
except ImportError:
    sys.exit("bench_poison_peers: NumPy is not installed for this Python; run `make bench-poison`")

EPS = 0.05


def args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default=os.environ.get("CARGO_TARGET_DIR", "target"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each NumPy variant; the mean counts")
    return parser.parse_args()


def budget(eps, n):
    return min(n, max(0, math.ceil(1.5 * eps * n)))


def detect(x, labels, eps, top_direction):
    flagged = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        b = budget(eps, len(rows))
        if b == 0:
            continue
        c = x[rows].astype(np.float64)
        c -= c.mean(axis=0)
        scores = (c @ top_direction(c)) ** 2
        order = np.lexsort((np.arange(len(rows)), -scores))[:b]
        flagged.extend(rows[order])
    return np.sort(np.array(flagged, dtype=np.int64))


def by_svd(c):
    return np.linalg.svd(c, full_matrices=False)[2][0]


def by_scatter(c):
    return np.linalg.eigh(c.T @ c)[1][:, -1]


def criterion_mean(target, function):
    estimates = Path(target) / "criterion" / "poison_detect" / function / "new" / "estimates.json"
    if not estimates.is_file():
        return None
    return json.loads(estimates.read_text())["mean"]["point_estimate"] / 1e9


def main():
    a = args()
    bench = Path(a.target) / "poison-bench"
    try:
        x = np.load(bench / "representations.npy")
        labels = np.load(bench / "labels.npy")
    except FileNotFoundError:
        sys.exit(f"bench_poison_peers: no matrix under {bench}; run `cargo bench --bench poison` first")
    reference_flags = np.load(bench / "reference_flags.npy")
    print(f"matrix: {x.shape[0]} x {x.shape[1]} float32, {len(np.unique(labels))} classes, eps {EPS}; "
          f"NumPy {np.__version__} with its default BLAS threads ({os.cpu_count()} CPUs); "
          f"the reference and the candidate run libtorch on one thread")
    rows = []
    for name, top in (("numpy_svd", by_svd), ("numpy_scatter_eigh", by_scatter)):
        flags = detect(x, labels, EPS, top)
        agree = np.array_equal(flags, reference_flags)
        times = []
        for _ in range(a.repeat):
            started = time.perf_counter()
            detect(x, labels, EPS, top)
            times.append(time.perf_counter() - started)
        rows.append((name, sum(times) / len(times), "same flags" if agree else "DIFFERENT flags"))
    for function in ("reference", "candidate"):
        mean = criterion_mean(a.target, function)
        if mean is not None:
            rows.append((function, mean, "criterion mean"))
    reference = criterion_mean(a.target, "reference")
    print(f"{'implementation':20}  {'mean (ms)':>10}  {'vs reference':>12}  note")
    for name, seconds, note in sorted(rows, key=lambda r: r[1]):
        ratio = f"{seconds / reference:.2f}x" if reference else "-"
        print(f"{name:20}  {1e3 * seconds:10.1f}  {ratio:>12}  {note}")


if __name__ == "__main__":
    main()
