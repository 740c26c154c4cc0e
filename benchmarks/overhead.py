"""Per-op overhead: microseconds per op on small tensors, forward and forward+backward,
for add, mul, matmul 64x64, sum, getitem, einsum, topk, sort and an in-place ``add_`` on a row
of a non-leaf (the autograd bookkeeping of a view written in place); against PyTorch in the same
process when it is installed. Small tensors make the time almost all bookkeeping (graph,
wrapping, dispatch). The last rows repeat mul and matmul with anomaly detection on
(``detect_anomaly``; PyTorch's too): what recording each node's stack and checking every
result costs. Off, it is one boolean test per op.

    python -m benchmarks.overhead --threads 1 2 [--cpu-time] [--repeats N]

minigrad (Numba and BLAS) and PyTorch run on the same ``--threads`` count (default: all
cores); one markdown table per count goes to stdout. ``--cpu-time`` times with process CPU
time instead of wall time (fairer on a busy machine; meaningful at one thread).
"""
from __future__ import annotations

import argparse

import numpy as np

import minigrad as mg
from benchmarks import _timing
from benchmarks._timing import (add_threads_argument, auto_number, compare, limit_threads, load_note,
                               markdown_table, torch_or_none)


def _cases(ns, small, big):
    """The ops timed, on the library ``ns`` (minigrad or torch)."""
    a, b = small
    m = big
    return {
        "add": lambda: a + b,
        "mul": lambda: a * b,
        "matmul 64x64": lambda: m @ m,
        "sum": lambda: a.sum(),
        "getitem": lambda: a[1:3],
        "einsum ij,jk->ik": lambda: ns.einsum("ij,jk->ik", a, b),
        "topk 3 of 8": lambda: a.topk(3, dim=-1).values,
        "sort 8": lambda: a.sort(dim=-1).values,
        "add_ on a non-leaf row": lambda: _add_to_row(a, b),
    }


def _add_to_row(a, b):
    """y = a * 2, then y[1] += b[1] in place: the write goes through a view of a tensor in the
    graph, so both libraries rebase y's history on the in-place node."""
    y = a * 2
    y[1].add_(b[1])
    return y


def _fwd_bwd(fn):
    def run():
        y = fn()
        (y if y.ndim == 0 else y.sum()).backward()
    return run


def _set_anomaly(torch, mode):
    mg.autograd.set_detect_anomaly(mode)
    if torch is not None:
        torch.autograd.set_detect_anomaly(mode)


def _row(label, case, libs, torch, repeats):
    row = [label]
    for mode, wrap in (("forward", lambda f: f), ("forward+backward", _fwd_bwd)):
        fns = {lib: wrap(cases[case]) for lib, cases in libs.items()}
        number = auto_number(fns["minigrad"], 10.0)
        res = compare(fns, repeats=repeats, number=number)
        us = {lib: r.median_ms * 1e3 for lib, r in res.items()}
        row.append(f"{us['minigrad']:.1f}")
        if torch is not None:
            row += [f"{us['torch']:.1f}", f"{us['minigrad'] / us['torch']:.2f}x"]
    return row


def table(threads, repeats, torch, cpu_time=False):
    """The overhead table on ``threads`` threads (minigrad and PyTorch alike), as markdown."""
    limit_threads(threads, torch)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((8, 8)).astype(np.float32) for _ in range(2)]
    big = rng.standard_normal((64, 64)).astype(np.float32)
    libs = {"minigrad": _cases(mg, [mg.tensor(x, requires_grad=True) for x in arrays],
                               mg.tensor(big, requires_grad=True))}
    if torch is not None:
        libs["torch"] = _cases(torch, [torch.tensor(x, requires_grad=True) for x in arrays],
                               torch.tensor(big, requires_grad=True))
    rows = [_row(case, case, libs, torch, repeats) for case in libs["minigrad"]]
    for case in ("mul", "matmul 64x64"):
        _set_anomaly(torch, True)
        try:
            rows.append(_row(f"{case}, detect_anomaly on", case, libs, torch, repeats))
        finally:
            _set_anomaly(torch, False)
    header = ["op", "minigrad fwd µs"]
    if torch is not None:
        header += ["torch fwd µs", "ratio"]
    header += ["minigrad fwd+bwd µs"]
    if torch is not None:
        header += ["torch fwd+bwd µs", "ratio"]
    clock = "process CPU time" if cpu_time else "wall time"
    return "\n".join([markdown_table(header, rows), "",
                      f"median of {repeats} alternated rounds, {clock}; threads: {threads} (Numba, BLAS and "
                      f"PyTorch{' ' + torch.__version__ if torch is not None else ': not installed'}); "
                      f"{load_note()}"])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overhead")
    parser.add_argument("--cpu-time", action="store_true", help="time with process CPU time")
    parser.add_argument("--repeats", type=int, default=15, help="timed rounds per op (median reported)")
    add_threads_argument(parser)
    args = parser.parse_args(argv)
    if args.cpu_time:
        _timing.use_cpu_clock()
    torch = torch_or_none()
    for n in args.threads:
        print(table(n, args.repeats, torch, args.cpu_time), end="\n\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
