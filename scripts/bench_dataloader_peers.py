#!/usr/bin/env python3
"""Times the reference dataloader against PyTorch's own ways of reading a shuffled
epoch, interleaved, at equal thread counts.

One epoch over 100,000 rows of 256 float32 (102 MB) and int64 labels. Rust contenders
(`cargo bench -p dataloader-trusted --bench peers`): the reference (a permutation, then one `collate` per
batch) at batch 64 and 256, the candidate once implemented, tch's `Iter2` with
`shuffle()`, and one contiguous copy of the features. PyTorch contenders, here:
`DataLoader(TensorDataset, batch_size, shuffle=True, num_workers=0)` at batch 64 and 256,
`randperm` + `index_select` per batch, and `clone()` of the features. Both sides run on
1 and on 2 threads (set_num_threads). Throughput is feature bytes per second. `make
bench-dataloader-peers` runs this in the mldrill venv.
"""
import argparse
import contextlib

import bench_interleaved as bench

SCRIPT = "bench_dataloader_peers"
try:
    import torch
    from torch.utils.data import DataLoader, TensorDataset
except ImportError:
    bench.fail(SCRIPT, "PyTorch is not installed for this Python; run `make bench-dataloader-peers`", 2)


def args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; each runs every contender once (default 5)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts for both sides (default 1 2)")
    opts = parser.parse_args()
    if opts.rounds < 1 or min(opts.threads) < 1:
        bench.fail(SCRIPT, "--rounds and --threads need positive numbers, e.g. --rounds 5 --threads 1 2", 2)
    return opts


def baseline(name):
    """Batches of 64 compare to the reference's batches of 64, the rest to its 256."""
    return "reference_b64" if name.endswith("_b64") else "reference_b256"


def main():
    opts = args()
    worker = bench.RustWorker(SCRIPT, "dataloader-trusted")
    info = worker.load("dataloader")
    rows, width = info["rows"], info["features"]
    torch.manual_seed(0)
    features = torch.randn(rows, width)
    labels = torch.randint(10, (rows,))
    dataset = TensorDataset(features, labels)
    bench.environment([
        f"workload: one shuffled epoch over {rows:,} x {width} float32 ({info['feature_bytes'] / 1e6:.1f} MB) "
        f"and int64 labels; {opts.rounds} rounds",
        f"PyTorch {torch.__version__} here; libtorch (tch) in the Rust worker",
        f"threads: {' and '.join(map(str, opts.threads))} on both sides (set_num_threads)",
    ])

    def data_loader(batch):
        def run():
            for batch_features, batch_labels in DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=0):
                pass
        return run

    def randperm_index_select(batch):
        def run():
            order = torch.randperm(rows)
            for start in range(0, rows, batch):
                indices = order[start:start + batch]
                features.index_select(0, indices)
                labels.index_select(0, indices)
        return run

    python = [("torch_dataloader_b64", data_loader(64)), ("torch_dataloader_b256", data_loader(256)),
              ("torch_randperm_index_select_b64", randperm_index_select(64)),
              ("torch_randperm_index_select_b256", randperm_index_select(256)),
              ("torch_clone", features.clone)]
    contenders = []
    for threads in sorted(set(opts.threads)):
        for name in info["contenders"]:
            contenders.append(bench.Contender(name, "Rust", threads, worker.runner(name, threads), baseline(name)))

        @contextlib.contextmanager
        def torch_threads(threads=threads):
            torch.set_num_threads(threads)
            yield

        for name, function in python:
            contenders.append(bench.Contender(name, "Python", threads, bench.timed(function, torch_threads), baseline(name)))
    bench.interleave(contenders, opts.rounds)
    worker.close()
    gigabytes = info["feature_bytes"] / 1e9
    bench.report(contenders, unit="ms", throughput=("GB/s", lambda s: gigabytes / s))


if __name__ == "__main__":
    main()
