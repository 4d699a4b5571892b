#!/usr/bin/env python3
"""Times the reference poison detector against NumPy implementations of the same
algorithm, interleaved, at equal thread counts, and fails when their flags differ.

The Rust worker (`cargo bench -p poison-trusted --bench peers`) writes the benchmark's 50,000 x 256 f32
matrix, its labels and the reference's flags under <target>/poison-bench/. Two NumPy
peers: scatter matrix + `eigh` (per class: centre in f64, `c.T @ c`, top eigenvector,
squared projections, top budget), and the textbook `svd(full_matrices=False)`. Both must
flag exactly what the reference flags (the budget is the statement's `removal_budget`),
or this script exits 1 before timing anything. Then every contender runs once per round:
the reference (and its previous f64 + LAPACK algorithm) with libtorch on 1 and 2 threads,
the NumPy peers with BLAS limited to 1 and 2 threads (threadpoolctl), and at BLAS's
default when that is neither. `make bench-poison` runs this in the mldrill venv.
"""
import argparse
import math
import os
import sys

import bench_interleaved as bench

SCRIPT = "bench_poison_peers"
try:
    import numpy as np
    from threadpoolctl import threadpool_limits
except ImportError:
    bench.fail(SCRIPT, "NumPy or threadpoolctl is not installed for this Python; run `make bench-poison`", 2)


def args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; each runs every contender once (default 5)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts for both sides (default 1 2)")
    parser.add_argument("--no-svd", action="store_true", help="leave out the NumPy svd peer (the slowest)")
    opts = parser.parse_args()
    if opts.rounds < 1 or min(opts.threads) < 1:
        bench.fail(SCRIPT, "--rounds and --threads need positive numbers, e.g. --rounds 5 --threads 1 2", 2)
    return opts


def removal_budget(eps, class_size):
    """The statement's budget (exercises/spec/src/poison.rs): ceil(1.5 eps n), where a
    product within a few ulps above a whole number counts as that number."""
    product = 1.5 * eps * class_size
    budget = math.ceil(product - abs(product) * 4.0 * sys.float_info.epsilon)
    return 0 if math.isnan(budget) or budget <= 0 else min(budget, class_size)


def detect(x, labels, eps, top_direction):
    flagged = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        b = removal_budget(eps, len(rows))
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


def check_flags(name, flags, reference):
    if np.array_equal(flags, reference):
        print(f"{name}: same {len(flags):,} flags as the reference")
        return
    shared = len(np.intersect1d(flags, reference))
    bench.fail(SCRIPT, f"{name} flags {len(flags):,} samples, the reference {len(reference):,}, "
                       f"{shared:,} in common: the peer does not compute the same detector")


def main():
    opts = args()
    worker = bench.RustWorker(SCRIPT, "poison-trusted")
    info = worker.load("poison")
    directory = info["dir"]
    x = np.load(f"{directory}/representations.npy")
    labels = np.load(f"{directory}/labels.npy")
    reference_flags = np.load(f"{directory}/reference_flags.npy")
    eps = info["eps"]
    default = bench.default_blas_threads()
    bench.environment([
        f"workload: {x.shape[0]:,} x {x.shape[1]} float32 in {info['classes']} classes, eps {eps}, "
        f"{len(reference_flags):,} flags; {opts.rounds} rounds",
        f"NumPy {np.__version__}; libtorch (tch) in the Rust worker",
        *bench.blas_lines(),
        f"threads: libtorch {' and '.join(map(str, opts.threads))} (set_num_threads); "
        f"NumPy BLAS {' and '.join(map(str, opts.threads))} (threadpoolctl), default {default}",
    ])
    if not info["reference_same_flags_as_lapack_f64"]:
        bench.fail(SCRIPT, "the reference's mixed-precision detector flags differ from its f64 + LAPACK one")
    print("reference: same flags as the f64 scatter + LAPACK detector (lapack_f64)")
    if info["candidate_same_flags"] is False:
        print("candidate: flags differ from the reference's (timed anyway)")
    peers = [("numpy_scatter_eigh", by_scatter)] + ([] if opts.no_svd else [("numpy_svd", by_svd)])
    for name, top in peers:
        check_flags(name, detect(x, labels, eps, top), reference_flags)

    contenders = []
    for threads in sorted(set(opts.threads)):
        for name in info["contenders"]:
            contenders.append(bench.Contender(name, "Rust", threads, worker.runner(name, threads)))
    for threads in sorted(set(opts.threads) | {default}):
        for name, top in peers:
            def run(top=top):
                detect(x, labels, eps, top)

            def blas_threads(threads=threads):
                return threadpool_limits(limits=threads, user_api="blas")
            contenders.append(bench.Contender(name, "NumPy", threads, bench.timed(run, blas_threads)))
    bench.interleave(contenders, opts.rounds)
    worker.close()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    bench.report(contenders, unit="ms")


if __name__ == "__main__":
    main()
