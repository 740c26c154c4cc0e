"""Forward+backward time of the nn layers and losses, minigrad vs PyTorch in one process:
the 784-300-100-10 MLP with cross_entropy (batch 64), BatchNorm1d, LayerNorm, and
cross_entropy alone; then the fused normalisation (``Normalize``, behind batch/layer/group
norm) against its composite oracle made of primitive ops.

    python -m benchmarks.nn_layers --threads 1 2 [--repeats 15]

minigrad (Numba and BLAS) and PyTorch run on the same ``--threads`` count (default: all
cores); the two tables per count go to stdout.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from benchmarks._timing import auto_number, compare, limit_threads, load_note, markdown_table, tables_main


def _cases(lib, nnmod, Fmod, x, feats, y):
    mlp = nnmod.Sequential(nnmod.Linear(784, 300), nnmod.ReLU(), nnmod.Linear(300, 100), nnmod.ReLU(),
                           nnmod.Linear(100, 10))
    bn, ln = nnmod.BatchNorm1d(300), nnmod.LayerNorm(300)
    logits = feats[:, :10].detach().requires_grad_()

    def step(f):
        def run():
            loss = f()
            loss.backward()
        return run
    return {
        "MLP 784-300-100-10 + cross_entropy": step(lambda: Fmod.cross_entropy(mlp(x), y)),
        "BatchNorm1d(300), train": step(lambda: bn(feats).sum()),
        "LayerNorm(300)": step(lambda: ln(feats).sum()),
        "cross_entropy (64, 10)": step(lambda: Fmod.cross_entropy(logits, y)),
    }


def _fused_vs_composite(rng, repeats):
    from minigrad.nn.functional.layers import Normalize, _normalize_composite
    rows = []
    for label, shape, dims in [("LayerNorm-like (64, 300) over dim 1", (64, 300), (1,)),
                               ("BatchNorm2d-like (32, 16, 14, 14) over (0, 2, 3)", (32, 16, 14, 14), (0, 2, 3))]:
        x = mg.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
        fns = {"fused": lambda: Normalize.apply(x, dims, 1e-5).sum().backward(),
               "composite": lambda: _normalize_composite(x, dims, 1e-5).sum().backward()}
        res = compare(fns, repeats=repeats, number=auto_number(fns["fused"]))
        f, c = res["fused"].median_ms, res["composite"].median_ms
        rows.append([label, f"{f:.3f}", f"{c:.3f}", f"{c / f:.2f}x"])
    return rows


def table(threads, repeats, torch):
    """The layer and normalisation tables on ``threads`` threads (minigrad and PyTorch alike)."""
    limit_threads(threads, torch)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 784)).astype(np.float32)
    feats = rng.standard_normal((64, 300)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    libs = {"minigrad": _cases("minigrad", nn, F, mg.tensor(x), mg.tensor(feats, requires_grad=True), mg.tensor(y))}
    if torch is not None:
        libs["torch"] = _cases("torch", torch.nn, torch.nn.functional, torch.tensor(x),
                               torch.tensor(feats, requires_grad=True), torch.tensor(y))
    rows = []
    for case in libs["minigrad"]:
        fns = {name: cases[case] for name, cases in libs.items()}
        number = auto_number(fns["minigrad"])
        res = compare(fns, repeats=repeats, number=number)
        ours = res["minigrad"].median_ms
        row = [case, f"{ours:.3f}"]
        if torch is not None:
            theirs = res["torch"].median_ms
            row += [f"{theirs:.3f}", f"{ours / theirs:.2f}x"]
        rows.append(row)
    header = ["forward+backward", "minigrad ms"] + (["torch ms", "minigrad / torch"] if torch is not None else [])
    return "\n".join([markdown_table(header, rows), "",
                      markdown_table(["normalisation forward+backward", "fused ms", "composite ms",
                                      "composite / fused"], _fused_vs_composite(rng, repeats)), "",
                      f"median of {repeats} alternated rounds; threads: {threads} (Numba, BLAS and PyTorch); "
                      f"{load_note()}"])


def main(argv=None):
    tables_main(__doc__, table, argv)


if __name__ == "__main__":
    main()
