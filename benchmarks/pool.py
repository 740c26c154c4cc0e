"""max_pool2d and avg_pool2d 2x2 stride 2 on x(64, 32, 32, 32) float32, forward and
forward+backward: the NumPy reference, the Numba kernels and PyTorch (when installed),
alternated in one process, all on the same number of threads; median ms, ratios, the memory
traffic in GB/s (pooling does next to no arithmetic: it is bound by memory), the first call
reported apart.

    python -m benchmarks.pool --threads 1 2 [--repeats 15]

One markdown table per thread count goes to stdout (progress lines to stderr).
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")   # read when NumPy loads OpenBLAS, below

import numpy as np

import minigrad as mg
from benchmarks._timing import compare, limit_threads, load_note, markdown_table, tables_main
from minigrad import kernels
from minigrad.nn import functional as F

SHAPE = (64, 32, 32, 32)
OUT = (64, 32, 16, 16)


def table(threads, repeats, torch):
    limit_threads(threads, torch)
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(SHAPE).astype(np.float32)
    g0 = rng.standard_normal(OUT).astype(np.float32)
    x, g = mg.tensor(x0, requires_grad=True), mg.tensor(g0)
    rows = []
    for op in ("max_pool2d", "avg_pool2d"):
        for mode, backward in (("fwd", False), ("fwd+bwd", True)):
            def ours(variant, op=op, backward=backward):
                def run():
                    with kernels.use(variant):
                        y = getattr(F, op)(x, 2, 2)
                        if backward:
                            x.grad = None
                            y.backward(g)
                return run
            fns = {v: ours(v) for v in ("reference", "cpu")}
            if torch is not None:
                tx, tg = torch.tensor(x0, requires_grad=True), torch.tensor(g0)

                def theirs(op=op, backward=backward, tx=tx, tg=tg):
                    y = getattr(torch.nn.functional, op)(tx, 2, 2)
                    if backward:
                        tx.grad = None
                        y.backward(tg)
                fns["torch"] = theirs
            res = compare(fns, repeats=repeats)
            nbytes = (x0.nbytes + g0.nbytes) * (2 if backward else 1)   # x, y; then dy, dx
            cpu = res["cpu"].median_ms
            row = [op, mode, f"{res['reference'].median_ms:.2f}", f"{cpu:.2f}",
                   f"{res['reference'].median_ms / cpu:.1f}x", f"{nbytes / cpu / 1e6:.1f}",
                   f"{res['cpu'].first_ms:.0f}"]
            if torch is not None:
                row += [f"{res['torch'].median_ms:.2f}", f"{cpu / res['torch'].median_ms:.2f}x"]
            rows.append(row)
            print(" | ".join(row), file=sys.stderr, flush=True)
    header = ["op 2x2/2 on (64,32,32,32)", "pass", "reference ms", "cpu ms", "ref/cpu", "cpu GB/s",
              "cpu first call ms"]
    if torch is not None:
        header += ["torch ms", "cpu/torch"]
    return "\n".join([markdown_table(header, rows), "",
                      f"float32, median of {repeats} alternated rounds; threads: {threads} (Numba, BLAS "
                      f"and PyTorch); {load_note()}"])


def main(argv=None):
    tables_main(__doc__, table, argv)


if __name__ == "__main__":
    main()
