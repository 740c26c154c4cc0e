"""conv2d forward and forward+backward, float32: the NumPy reference, the Numba kernels and
PyTorch (when installed), alternated in one process, all on the same number of threads;
median ms, ratios, GFLOP/s and the fraction of the machine's fp32 peak (the best large sgemm),
the first call (Numba compilation or cache load) reported apart.

    python -m benchmarks.conv --threads 1 2 [--repeats 15]

One markdown table per thread count goes to stdout (progress lines to stderr). minigrad's
threads follow ``minigrad.set_num_threads`` (its module ``minigrad.threads`` states the rule).
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")   # read when NumPy loads OpenBLAS, below

import numpy as np

import minigrad as mg
from benchmarks._timing import (compare, gflops, limit_threads, load_note,
                                markdown_table, peak_note, sgemm_peak_gflops, tables_main)
from minigrad import kernels
from minigrad.nn import functional as F

CASES = [  # (name, x shape, w shape, stride, padding); groups = C_in / w.shape[1]
    ("LeNet conv1", (64, 1, 32, 32), (6, 1, 5, 5), 1, 0),
    ("3x3 16->32", (32, 16, 32, 32), (32, 16, 3, 3), 1, 1),
    ("3x3 64->64 56x56", (16, 64, 56, 56), (64, 64, 3, 3), 1, 1),
    ("3x3 32->64 stride 2", (32, 32, 32, 32), (64, 32, 3, 3), 2, 1),
    ("depthwise 3x3 64 56x56", (16, 64, 56, 56), (64, 1, 3, 3), 1, 1),
    ("1x1 64->256 56x56", (16, 64, 56, 56), (256, 64, 1, 1), 1, 0),
]


def flops(xs, ws, stride, padding):
    """Multiply-adds x 2 of the forward; forward+backward is 3x (two products of the same size)."""
    N, _, H, W = xs
    O, Cg, kh, kw = ws
    oh, ow = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    return 2.0 * N * O * oh * ow * Cg * kh * kw


def _minigrad(variant, x, w, b, kw, backward, g):
    def run():
        with kernels.use(variant):
            y = F.conv2d(x, w, b, **kw)
            if backward:
                x.grad = w.grad = b.grad = None
                y.backward(g)
    return run


def _torch(torch, x, w, b, kw, backward, g):
    def run():
        y = torch.nn.functional.conv2d(x, w, b, **kw)
        if backward:
            x.grad = w.grad = b.grad = None
            y.backward(g)
    return run


def table(threads, repeats, torch, cases=CASES):
    limit_threads(threads, torch)
    peak = sgemm_peak_gflops()
    rng = np.random.default_rng(0)
    rows = []
    for name, xs, ws, stride, padding in cases:
        kw = dict(stride=stride, padding=padding, groups=xs[1] // ws[1])
        arrs = [rng.standard_normal(s).astype(np.float32) for s in (xs, ws, ws[:1])]
        ts = [mg.tensor(a, requires_grad=True) for a in arrs]
        with mg.no_grad():
            y_shape = F.conv2d(ts[0], ts[1], **kw).shape
        g = rng.standard_normal(y_shape).astype(np.float32)
        for mode, backward in (("fwd", False), ("fwd+bwd", True)):
            fns = {v: _minigrad(v, *ts, kw, backward, mg.tensor(g)) for v in ("reference", "cpu")}
            if torch is not None:
                tts = [torch.tensor(a, requires_grad=True) for a in arrs]
                fns["torch"] = _torch(torch, *tts, kw, backward, torch.tensor(g))
            res = compare(fns, repeats=repeats)
            flop = flops(xs, ws, stride, padding) * (3 if backward else 1)
            ref, cpu = res["reference"].median_ms, res["cpu"].median_ms
            row = [name, mode, f"{ref:.2f}", f"{cpu:.2f}", f"{ref / cpu:.2f}x", gflops(flop, cpu),
                   f"{flop / cpu / 1e6 / peak:.0%}", f"{res['cpu'].first_ms:.0f}"]
            if torch is not None:
                tm = res["torch"].median_ms
                row += [f"{tm:.2f}", f"{cpu / tm:.2f}x", gflops(flop, tm)]
            rows.append(row)
            print(" | ".join(row), file=sys.stderr, flush=True)
    header = ["case", "pass", "reference ms", "cpu ms", "ref/cpu", "cpu GFLOP/s", "cpu % of peak",
              "cpu first call ms"]
    if torch is not None:
        header += ["torch ms", "cpu/torch", "torch GFLOP/s"]
    return "\n".join([markdown_table(header, rows), "",
                      f"float32, median of {repeats} alternated rounds; {peak_note(threads, peak)}; {load_note()}"])


def main(argv=None):
    tables_main(__doc__, table, argv)


if __name__ == "__main__":
    main()
