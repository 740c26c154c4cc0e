"""max_pool2d and avg_pool2d 2x2 stride 2 on x(64, 32, 32, 32) float32, forward and
forward+backward: the NumPy reference, the Numba kernels and PyTorch (when installed),
alternated in one process; median ms, ratios, first call reported apart.

    python -m benchmarks.pool [--repeats 15]
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

SHAPE = (64, 32, 32, 32)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args(argv)
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(SHAPE).astype(np.float32)
    g0 = rng.standard_normal((64, 32, 16, 16)).astype(np.float32)
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
            res = compare(fns, repeats=args.repeats)
            nb = res["cpu"].median_ms
            row = [op, mode, f"{res['reference'].median_ms:.2f}", f"{nb:.2f}",
                   f"{res['reference'].median_ms / nb:.1f}x", f"{res['cpu'].first_ms:.0f}"]
            if torch is not None:
                row += [f"{res['torch'].median_ms:.2f}", f"{nb / res['torch'].median_ms:.2f}x"]
            rows.append(row)
            print(" | ".join(row), flush=True)
    header = ["op 2x2/2 on (64,32,32,32)", "pass", "reference ms", "cpu ms", "ref/cpu", "cpu first call ms"]
    if torch is not None:
        header += ["torch ms", "cpu/torch"]
    print()
    print(markdown_table(header, rows))
    print(f"\nfloat32, median of {args.repeats} alternated rounds; {load_note()}")


if __name__ == "__main__":
    main()
