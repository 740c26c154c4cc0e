"""conv2d forward and forward+backward, float32: the NumPy reference, the Numba kernels and
PyTorch (when installed), alternated in one process; median ms, ratios, GFLOP/s, and the
first call (Numba compilation or cache load) reported apart.

    python -m benchmarks.conv [--repeats 15]

Threads: Numba uses all cores (NUMBA_NUM_THREADS) for im2col/col2im; OpenBLAS runs the
matrix products and must not spin after each call (OPENBLAS_THREAD_TIMEOUT=1 is the default
here, as in CI, or its idle threads steal a core from Numba's). On a machine shared with other
jobs, multi-threaded OpenBLAS loses badly on the small products (LeNet, weight gradients):
each call waits for a descheduled helper thread. There, run with one BLAS thread:

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.conv

(measured under load 16 on 2 cores: LeNet forward+backward 119 ms with one BLAS thread,
719 ms with two). On a quiet machine, two BLAS threads win on the large convolutions.
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")   # read when NumPy loads OpenBLAS, below

import numpy as np

import minigrad as mg
from benchmarks._timing import compare, load_note, markdown_table, torch_or_none
from minigrad import kernels
from minigrad.nn import functional as F

CASES = [  # (name, x shape, w shape, stride, padding)
    ("LeNet conv1", (64, 1, 32, 32), (6, 1, 5, 5), 1, 0),
    ("3x3 16->32", (32, 16, 32, 32), (32, 16, 3, 3), 1, 1),
    ("3x3 64->64 56x56", (16, 64, 56, 56), (64, 64, 3, 3), 1, 1),
    ("3x3 32->64 stride 2", (32, 32, 32, 32), (64, 32, 3, 3), 2, 1),
]


def flops(xs, ws, stride, padding):
    N, _, H, W = xs
    O, Cg, kh, kw = ws
    oh, ow = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    return 2.0 * N * O * oh * ow * Cg * kh * kw


def _minigrad(variant, x, w, b, stride, padding, backward, g):
    def run():
        with kernels.use(variant):
            y = F.conv2d(x, w, b, stride=stride, padding=padding)
            if backward:
                x.grad = w.grad = b.grad = None
                y.backward(g)
    return run


def _torch(torch, x, w, b, stride, padding, backward, g):
    def run():
        y = torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
        if backward:
            x.grad = w.grad = b.grad = None
            y.backward(g)
    return run


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args(argv)
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    rows = []
    for name, xs, ws, stride, padding in CASES:
        arrs = [rng.standard_normal(s).astype(np.float32) for s in (xs, ws, ws[:1])]
        ts = [mg.tensor(a, requires_grad=True) for a in arrs]
        y_shape = F.conv2d(ts[0], ts[1], stride=stride, padding=padding).shape
        g = rng.standard_normal(y_shape).astype(np.float32)
        for mode, backward in (("fwd", False), ("fwd+bwd", True)):
            fns = {v: _minigrad(v, *ts, stride, padding, backward, mg.tensor(g))
                   for v in ("reference", "cpu")}
            if torch is not None:
                tts = [torch.tensor(a, requires_grad=True) for a in arrs]
                fns["torch"] = _torch(torch, *tts, stride, padding, backward, torch.tensor(g))
            res = compare(fns, repeats=args.repeats)
            gf = flops(xs, ws, stride, padding) * (3 if backward else 1) / 1e9
            nb = res["cpu"].median_ms
            row = [name, mode, f"{res['reference'].median_ms:.2f}", f"{nb:.2f}",
                   f"{res['reference'].median_ms / nb:.2f}x", f"{gf / nb * 1e3:.1f}",
                   f"{res['cpu'].first_ms:.0f}"]
            if torch is not None:
                tm = res["torch"].median_ms
                row += [f"{tm:.2f}", f"{nb / tm:.2f}x", f"{gf / tm * 1e3:.1f}"]
            rows.append(row)
            print(" | ".join(row), flush=True)
    header = ["case", "pass", "reference ms", "cpu ms", "ref/cpu", "cpu GFLOP/s", "cpu first call ms"]
    if torch is not None:
        header += ["torch ms", "cpu/torch", "torch GFLOP/s"]
    print()
    print(markdown_table(header, rows))
    print(f"\nfloat32, median of {args.repeats} alternated rounds; {load_note()}")


if __name__ == "__main__":
    main()
