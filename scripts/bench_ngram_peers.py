#!/usr/bin/env python3
"""Times scikit-learn's CountVectorizer(ngram_range=(1, 3)) on the corpus `cargo bench
--bench ngram` wrote, and prints it beside that run's criterion results (reference, plain
HashMap<String, u64> counter, candidate) as tokens per second and ratios.

The bench writes target/ngram-bench/corpus-<MB>mb.txt (one document per line) and a
summary beside it; `MLDRILL_NGRAM_MB` picks the size for both (default 20). Usage:
  python scripts/bench_ngram_peers.py [--mb MB] [--target DIR] [--repeat N]
`make bench-ngram` installs scikit-learn into the mldrill venv, runs the bench, then this.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

try:
    import sklearn
    from sklearn.feature_extraction.text import CountVectorizer
except ImportError:
    sys.exit(
        "bench_ngram_peers: scikit-learn is not installed for this Python; run `make bench-ngram`, "
        "or `python -m pip install scikit-learn`"
    )


def args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=int(os.environ.get("MLDRILL_NGRAM_MB", "20")))
    parser.add_argument("--target", default=os.environ.get("CARGO_TARGET_DIR", "target"))
    parser.add_argument("--repeat", type=int, default=1, help="runs of scikit-learn; the best counts")
    return parser.parse_args()


def criterion_means(target, tokens):
    """Mean seconds per function of the `words` group, if its last run used this corpus."""
    means = {}
    for function in ("reference", "candidate", "plain_hashmap"):
        new = Path(target) / "criterion" / "words" / function / "new"
        try:
            bench = json.loads((new / "benchmark.json").read_text())
            estimates = json.loads((new / "estimates.json").read_text())
        except (OSError, ValueError):
            continue
        if (bench.get("throughput") or {}).get("Elements") != tokens:
            print(f"  ({function}: its last criterion run used another corpus; skipped)")
            continue
        means[function] = estimates["mean"]["point_estimate"] / 1e9
    return means


def main():
    opts = args()
    base = Path(opts.target) / "ngram-bench" / f"corpus-{opts.mb}mb"
    corpus, summary = base.with_suffix(".txt"), base.with_suffix(".json")
    if not corpus.is_file() or not summary.is_file():
        sys.exit(f"bench_ngram_peers: no corpus at {corpus}; run `cargo bench --bench ngram` first (MLDRILL_NGRAM_MB={opts.mb})")
    facts = json.loads(summary.read_text())
    documents = corpus.read_text(encoding="utf-8").split("\n")
    tokens = facts["tokens"]
    print(
        f"corpus {corpus}: {facts['bytes'] / 1e6:.1f} MB, {facts['documents']:,} documents, "
        f"{tokens:,} tokens, {facts['distinct_1_3']:,} distinct n-grams of orders 1 to 3"
    )
    best, vocabulary = float("inf"), 0
    for _ in range(max(1, opts.repeat)):
        vectorizer = CountVectorizer(ngram_range=(1, 3))
        start = time.perf_counter()
        vectorizer.fit_transform(documents)
        best = min(best, time.perf_counter() - start)
        vocabulary = len(vectorizer.vocabulary_)
        del vectorizer
    same = "yes" if vocabulary == facts["distinct_1_3"] else f"NO ({vocabulary:,})"
    print(f"scikit-learn {sklearn.__version__}: CountVectorizer(ngram_range=(1, 3)).fit_transform, same vocabulary as the reference: {same}")
    times = {"scikit-learn": best, **criterion_means(opts.target, tokens)}
    reference = times.get("reference")
    print(f"{'function':14}  {'mean':>9}  {'M tokens/s':>10}  {'x scikit-learn':>14}  {'time / reference':>16}")
    for function, seconds in sorted(times.items(), key=lambda kv: kv[1]):
        vs_ref = f"{seconds / reference:.2f}" if reference else "-"
        print(f"{function:14}  {seconds:8.2f}s  {tokens / seconds / 1e6:10.2f}  {best / seconds:13.1f}x  {vs_ref:>16}")


if __name__ == "__main__":
    main()
