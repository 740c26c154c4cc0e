"""The one timing helper every benchmark uses.

Rules: one process, implementations alternated round by round (so drift and
background load hit all of them alike), warm-up calls excluded and reported apart (first-call
time includes Numba compilation), medians reported, with ratios against a baseline.

    from benchmarks._timing import compare, markdown_table, load_note
    res = compare({"minigrad": fn_a, "torch": fn_b}, repeats=30, number=10)
    res["minigrad"].median_ms, res["minigrad"].first_ms
"""
from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class Timing:
    name: str
    first_ms: float                       # the very first call (compilation included)
    samples_ms: list = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def min_ms(self) -> float:
        return min(self.samples_ms)


CLOCK = time.perf_counter


def use_cpu_clock():
    """Time with this process's CPU time instead of wall time: on a machine shared with other
    jobs, waiting for a core then does not count (single-threaded code only)."""
    global CLOCK
    CLOCK = time.process_time


def _call_ms(fn, number):
    start = CLOCK()
    for _ in range(number):
        fn()
    return (CLOCK() - start) * 1e3 / number


def compare(fns: dict, repeats: int = 20, number: int = 1, warmup: int = 2) -> dict:
    """Time each callable in ``fns``: first call apart, then ``warmup`` untimed calls, then
    ``repeats`` rounds; in each round every implementation runs ``number`` times in turn.
    Returns name -> Timing (per-call milliseconds)."""
    out = {}
    for name, fn in fns.items():
        out[name] = Timing(name, _call_ms(fn, 1))
        for _ in range(warmup):
            fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            out[name].samples_ms.append(_call_ms(fn, number))
    return out


def auto_number(fn, target_ms: float = 20.0) -> int:
    """How many calls make one sample last about ``target_ms`` (for microsecond-scale ops)."""
    t = max(_call_ms(fn, 3), 1e-4)
    return max(1, int(target_ms / t))


def markdown_table(header: list, rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def variant_header(case: str, first_call: str, torch: bool) -> list:
    """The header that goes with ``variant_row``: case, reference and cpu medians and their
    ratio, torch's median and cpu/torch (when torch was timed), cpu's first call."""
    header = [case, "reference ms", "cpu ms", "reference/cpu"]
    if torch:
        header += ["torch ms", "cpu/torch"]
    return header + [first_call]


def variant_row(case: str, res: dict) -> list:
    """One row of ``compare`` results over "reference", "cpu" and, if timed, "torch"."""
    ref, cpu = res["reference"].median_ms, res["cpu"].median_ms
    row = [case, f"{ref:.2f}", f"{cpu:.2f}", f"{ref / cpu:.2f}x"]
    if "torch" in res:
        row += [f"{res['torch'].median_ms:.2f}", f"{cpu / res['torch'].median_ms:.2f}x"]
    return row + [f"{res['cpu'].first_ms:.0f}"]


def machine() -> str:
    """The CPU model and the cores this process may use."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return f"{model}, {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()} cores"


def load_note() -> str:
    """The machine and its load while measuring, for the report under each table."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return f"{machine()}, load average {load:.2f} while measuring"


def torch_or_none():
    """PyTorch if installed (an optional comparison, never a dependency), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def all_cores() -> int:
    from minigrad.threads import _cores
    return _cores()


def add_threads_argument(parser, default=None):
    """``--threads N [N ...]``: one table per thread count (default: all cores)."""
    parser.add_argument("--threads", type=int, nargs="+", default=[default or all_cores()],
                        help="thread counts, one table each: minigrad's Numba and BLAS threads and "
                             "PyTorch's intra-op threads all set to N (default: all cores)")


def tables_main(doc: str, table, argv=None, repeats: int = 15):
    """The command line of a benchmark made of one ``table(threads, repeats, torch)`` per
    thread count: ``--threads N [N ...]`` and ``--repeats``; the tables go to stdout."""
    import argparse
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=repeats)
    add_threads_argument(ap)
    args = ap.parse_args(argv)
    torch = torch_or_none()
    for n in args.threads:
        print(table(n, args.repeats, torch), end="\n\n", flush=True)


def limit_threads(n: int, torch=None) -> bool:
    """Run minigrad (Numba's kernels and BLAS, ``minigrad.set_num_threads``) and PyTorch's
    intra-op pool (when ``torch`` is given) on ``n`` threads, so that every implementation gets
    the same share of the machine. Returns whether BLAS's count could be set (threadpoolctl)."""
    import minigrad as mg
    from minigrad import threads
    if torch is not None:
        torch.set_num_threads(n)
    mg.set_num_threads(n)
    return bool(threads._blas_libs())


def sgemm_peak_gflops(size: int = 1024, repeats: int = 5) -> float:
    """The machine's practical fp32 peak at the current thread count: the best of ``repeats``
    float32 ``size``-cubed matrix products in NumPy's BLAS (2 size^3 flops each)."""
    import numpy as np
    a = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)
    out = np.empty_like(a)
    np.matmul(a, a, out=out)
    best = min(_call_ms(lambda: np.matmul(a, a, out=out), 1) for _ in range(repeats))
    return 2.0 * size ** 3 / best / 1e6


def gflops(flop: float, ms: float) -> str:
    return f"{flop / ms / 1e6:.1f}"


def peak_note(n: int, peak: float) -> str:
    return (f"threads: {n} (Numba, BLAS and PyTorch); peak = best float32 1024^3 sgemm in "
            f"NumPy's BLAS on {n} thread{'s' if n > 1 else ''}: {peak:.1f} GFLOP/s")
