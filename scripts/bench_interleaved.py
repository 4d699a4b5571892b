"""Interleaved timing for the peer benchmarks (`scripts/bench_*_peers.py`).

Every contender, Rust or Python, is timed one run at a time in alternating rounds, in the
same time window, so that a load shift on this shared machine hits every side alike:
round k runs each contender once, in an order rotated by k. The Rust contenders run in
the pack's worker `cargo bench -p <id>-trusted --bench peers` (its `benches/peers.rs`, on
`mldrill_pack::peers`), driven over a pipe; the
Python ones run here. Each side times its own run with its own clock and nothing else
runs meanwhile (the other side waits on the pipe).

The report gives, per contender: the thread count, the median time of the rounds with
their min and max, and its ratio to the reference's time at the same thread count and at
one thread (libtorch's setting when grading), each the median of the per-round ratios
with their min and max.
"""
import contextlib
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time


def fail(script, message, code=1):
    """One line naming the problem, on stderr, and a non-zero exit."""
    print(f"{script}: error: {message}", file=sys.stderr)
    sys.exit(code)


class RustWorker:
    """A pack's `peers` bench binary (its trusted crate's, `package`), started through cargo
    (which builds it if needed)."""

    def __init__(self, script, package):
        self.script = script
        command = ["cargo", "bench", "--quiet", "-p", package, "--bench", "peers"]
        print(f"building and starting the Rust worker: {' '.join(command)}", flush=True)
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        except FileNotFoundError:
            fail(script, "cargo is not on PATH; install Rust (rustup.rs) and run `make setup`", 2)

    def ask(self, line):
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
            reply = self.process.stdout.readline()
        except BrokenPipeError:
            reply = ""
        if not reply:
            fail(self.script, f"the Rust worker stopped while answering `{line}` (see cargo's output above)")
        answer = json.loads(reply)
        if "error" in answer:
            fail(self.script, f"the Rust worker answered `{line}` with: {answer['error']}")
        return answer

    def load(self, *workload):
        return self.ask("load " + " ".join(str(w) for w in workload))

    def runner(self, contender, threads):
        return lambda: self.ask(f"run {contender} {threads}")["seconds"]

    def close(self):
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        self.process.wait()


def timed(function, context=contextlib.nullcontext):
    """A runner for a Python contender: one call, timed here, inside `context()` (which
    sets its thread count, untimed)."""

    def run():
        with context():
            started = time.perf_counter()
            function()
            return time.perf_counter() - started

    return run


class Contender:
    """One implementation at one thread count; `baseline` names the contender its ratios
    are taken to (at the same thread count, and at one thread)."""

    def __init__(self, name, side, threads, run, baseline="reference"):
        self.name, self.side, self.threads, self.run, self.baseline = name, side, threads, run, baseline
        self.times = []

    @property
    def label(self):
        return f"{self.name} @{self.threads}t"


def interleave(contenders, rounds, warm_up=True):
    """Times every contender once per round, in an order rotated by round; one untimed
    warm-up run of each first unless they have all run already."""
    if warm_up:
        print(f"warm-up: one untimed run of each of {len(contenders)} contenders", flush=True)
        for c in contenders:
            c.run()
    for k in range(rounds):
        started = time.perf_counter()
        order = contenders[k % len(contenders):] + contenders[: k % len(contenders)]
        for c in order:
            c.times.append(c.run())
        print(f"round {k + 1}/{rounds}: {time.perf_counter() - started:.1f} s, load average {os.getloadavg()[0]:.2f}", flush=True)


def spread(values, scale=1.0, digits=1):
    values = [v * scale for v in values]
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def report(contenders, unit="ms", throughput=None):
    """The table: per contender, median [min-max] time and ratios to the reference.

    `throughput(seconds)` (optional) adds a column, e.g. GB/s."""
    scale = {"ms": 1e3, "s": 1.0}[unit]
    by_key = {(c.name, c.threads): c for c in contenders}
    header = f"{'contender':33} {'side':6} {'threads':>7}  {'time ' + unit + ' median [min-max]':>28}"
    if throughput:
        header += f"  {throughput[0]:>12}"
    header += f"  {'time / baseline (same threads)':>33}  {'time / baseline @1t':>22}  baseline"
    print(header)
    for c in sorted(contenders, key=lambda c: (c.threads, statistics.median(c.times))):
        line = f"{c.name:33} {c.side:6} {c.threads:7d}  {spread(c.times, scale):>28}"
        if throughput:
            line += f"  {throughput[1](statistics.median(c.times)):12.3f}"
        for base, width in ((by_key.get((c.baseline, c.threads)), 33), (by_key.get((c.baseline, 1)), 22)):
            if base is None:
                cell = "-"
            else:
                cell = spread([t / b for t, b in zip(c.times, base.times)], digits=2) + "x"
            line += f"  {cell:>{width}}"
        print(f"{line}  {c.baseline}")


def environment(extra_lines):
    """Date, machine, cores and load, then the caller's lines (versions, BLAS, threads)."""
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    one, five, fifteen = os.getloadavg()
    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.machine()} {cpu_model()}, {cores} CPUs ({usable} usable), "
          f"load average {one:.2f} {five:.2f} {fifteen:.2f}; Python {platform.python_version()}")
    for line in extra_lines:
        print(line)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_lines():
    """Which BLAS NumPy loaded, its kernel and default threads (threadpoolctl), and the
    OpenBLAS tuning variables left in the environment."""
    from threadpoolctl import threadpool_info

    lines = []
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            lines.append(f"NumPy BLAS: {pool.get('internal_api')} {pool.get('version')}, kernel "
                         f"{pool.get('architecture')}, {pool.get('num_threads')} threads by default "
                         f"({os.path.basename(pool.get('filepath', ''))})")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if var in os.environ:
            lines.append(f"environment: {var}={os.environ[var]}")
    return lines


def default_blas_threads():
    from threadpoolctl import threadpool_info

    return max((p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"), default=1)
