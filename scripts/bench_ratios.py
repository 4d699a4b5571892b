#!/usr/bin/env python3
"""Prints the ratios of the last `cargo bench` run, read from criterion's estimates.

Every ratio compares two functions of one benchmark group measured in the same run, so
the machine's noise affects both sides alike. Usage: python3 scripts/bench_ratios.py [target_dir]
"""
import json
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else "target") / "criterion"
if not root.is_dir():
    sys.exit(f"bench_ratios: no criterion results under {root}; run `make bench` first")


def mean_ns(path):
    return json.loads(path.read_text())["mean"]["point_estimate"]


rows = []
for group in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "report"):
    times = {}
    for estimates in group.glob("*/**/new/estimates.json"):
        parts = estimates.relative_to(group).parts[:-2]
        function, param = parts[0], "/".join(parts[1:])
        times[(param, function)] = mean_ns(estimates)
    for param in sorted({p for p, _ in times}, key=lambda p: (len(p), p)):
        funcs = {f: t for (p, f), t in times.items() if p == param}
        base = funcs.get("reference")
        for function, t in sorted(funcs.items(), key=lambda kv: kv[1]):
            ratio = f"{t / base:.2f}x reference time" if base else ""
            rows.append((f"{group.name}/{param}" if param else group.name, function, t / 1e3, ratio))

width = max(len(r[0]) for r in rows) if rows else 10
print(f"{'benchmark':{width}}  {'function':12}  {'mean (us)':>12}  ratio")
for bench, function, micros, ratio in rows:
    print(f"{bench:{width}}  {function:12}  {micros:12.1f}  {ratio}")
