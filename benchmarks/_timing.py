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


def load_note() -> str:
    """The machine and its load while measuring, for the report under each table."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return f"{os.cpu_count()} cores, load average {load:.2f} while measuring"


def torch_or_none():
    """PyTorch if installed (an optional comparison, never a dependency), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def limit_threads(n: int, torch=None) -> bool:
    """Run BLAS (through threadpoolctl, when installed) and PyTorch's intra-op pool (when
    ``torch`` is given) with ``n`` threads, so that every implementation gets the same share
    of a shared machine. Returns whether the BLAS limit was set (without threadpoolctl, set
    OPENBLAS_NUM_THREADS before starting instead)."""
    if torch is not None:
        torch.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(n, user_api="blas")
    return True
