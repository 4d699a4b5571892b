#!/usr/bin/env python3
"""Times the reference n-gram counter against a plain HashMap<String, u64> counter and
scikit-learn's CountVectorizer, interleaved, on the same generated corpus.

The Rust worker (`cargo bench -p ngram-trusted --bench peers`) generates the corpus (Zipf-distributed
words, one document per line; `--mb` or MLDRILL_NGRAM_MB sets its size, default 20),
checks that the plain counter finds the reference's counts, and writes it under
<target>/ngram-bench/. scikit-learn's `CountVectorizer(ngram_range=(1, 3)).fit_transform`
must find as many distinct n-grams as the reference, or this script exits 1. Then every
contender runs once per round. All three count on one thread. `make bench-ngram` runs
this in the mldrill venv.
"""
import argparse
import os

import bench_interleaved as bench

SCRIPT = "bench_ngram_peers"
try:
    import sklearn
    from sklearn.feature_extraction.text import CountVectorizer
except ImportError:
    bench.fail(SCRIPT, "scikit-learn is not installed for this Python; run `make bench-ngram`", 2)


def args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=int(os.environ.get("MLDRILL_NGRAM_MB", "20")),
                        help="corpus size in MB (default: MLDRILL_NGRAM_MB, else 20)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; each runs every contender once (default 3)")
    opts = parser.parse_args()
    if opts.mb < 1 or opts.rounds < 1:
        bench.fail(SCRIPT, "--mb and --rounds need positive numbers, e.g. --mb 20 --rounds 3", 2)
    return opts


def main():
    opts = args()
    worker = bench.RustWorker(SCRIPT, "ngram-trusted")
    info = worker.load("ngram", opts.mb)
    with open(info["corpus"], encoding="utf-8") as corpus:
        documents = corpus.read().split("\n")
    bench.environment([
        f"workload: {info['bytes'] / 1e6:.1f} MB, {info['documents']:,} documents, {info['tokens']:,} tokens, "
        f"{info['distinct_1_3']:,} distinct n-grams of orders 1 to 3; {opts.rounds} rounds",
        f"scikit-learn {sklearn.__version__}: CountVectorizer(ngram_range=(1, 3)).fit_transform",
        "threads: 1 on every side (none of the three counters uses more)",
    ])
    if not info["plain_hashmap_same_counts"]:
        bench.fail(SCRIPT, "the plain HashMap counter's counts differ from the reference's")
    print("plain_hashmap: same counts as the reference")
    if info["candidate_same_counts"] is False:
        print("candidate: counts differ from the reference's (timed anyway)")

    def scikit_learn():
        vectorizer = CountVectorizer(ngram_range=(1, 3))
        vectorizer.fit_transform(documents)
        return len(vectorizer.vocabulary_)

    vocabulary = scikit_learn()
    if vocabulary != info["distinct_1_3"]:
        bench.fail(SCRIPT, f"scikit-learn found {vocabulary:,} distinct n-grams, the reference "
                           f"{info['distinct_1_3']:,}: they do not count the same n-grams")
    print(f"scikit-learn: same {vocabulary:,} distinct n-grams as the reference")
    contenders = [bench.Contender(name, "Rust", 1, worker.runner(name, 1)) for name in info["contenders"]]
    contenders.append(bench.Contender("scikit-learn", "Python", 1, bench.timed(scikit_learn)))
    # Every contender has run once already: the worker's checks and scikit-learn's above.
    bench.interleave(contenders, opts.rounds, warm_up=False)
    worker.close()
    tokens = info["tokens"]
    bench.report(contenders, unit="s", throughput=("M tokens/s", lambda s: tokens / s / 1e6))


if __name__ == "__main__":
    main()
