"""Time per training step of the 784-300-100-10 ReLU MLP on a batch of 64: forward,
cross-entropy, backward, Adam step — minigrad and PyTorch (when installed) in one process,
alternating, medians and the ratio.

    python -m benchmarks.mlp_step --threads 1 2 [--repeats 30]

Both libraries start from the same weights and see the same batch. minigrad (Numba and BLAS,
through threadpoolctl when installed; otherwise set OPENBLAS_NUM_THREADS before starting) and
PyTorch run on the same ``--threads`` count (default: all cores); one markdown table per count
goes to stdout.
"""
from __future__ import annotations

import argparse

import numpy as np

import minigrad as mg
from benchmarks._timing import (add_threads_argument, compare, limit_threads, load_note, markdown_table,
                               torch_or_none)
from minigrad import nn, optim
from minigrad.nn import functional as F

SIZES = (784, 300, 100, 10)
BATCH = 64


def make_minigrad(weights, x, y):
    layers = []
    for i, (w, b) in enumerate(weights):
        lin = nn.Linear(w.shape[1], w.shape[0])
        lin.weight.data[...] = w
        lin.bias.data[...] = b
        layers += [lin, nn.ReLU()] if i < len(weights) - 1 else [lin]
    model = nn.Sequential(*layers)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = mg.tensor(x), mg.tensor(y)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss
    return model, step


def make_torch(torch, weights, x, y):
    layers = []
    for i, (w, b) in enumerate(weights):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, torch.nn.ReLU()] if i < len(weights) - 1 else [lin]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss
    return model, step


def table(threads, repeats, torch, batch=BATCH):
    """One training step of the MLP on ``threads`` threads (minigrad and PyTorch alike), as markdown."""
    rng = np.random.default_rng(0)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                        rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    x = rng.standard_normal((batch, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], batch).astype(np.int64)

    blas = limit_threads(threads, torch)
    fns = {}
    _, fns["minigrad"] = make_minigrad(weights, x, y)
    if torch is not None:
        _, fns["torch"] = make_torch(torch, weights, x, y)
        # same weights, same batch: the first losses must agree before timing means anything
        a, b = float(make_minigrad(weights, x, y)[1]().item()), float(make_torch(torch, weights, x, y)[1]().item())
        if abs(a - b) > 1e-4 * max(1.0, abs(b)):
            raise RuntimeError(f"mlp_step: the first losses differ (minigrad {a}, torch {b})")
    res = compare(fns, repeats=repeats, number=5)
    base = res["torch"].median_ms if "torch" in res else None
    rows = [[name, f"{t.median_ms:.3f}", f"{t.min_ms:.3f}", f"{t.median_ms / base:.2f}x" if base else "-"]
            for name, t in res.items()]
    return "\n".join([f"MLP {'-'.join(map(str, SIZES))} ReLU, batch {batch}: one training step "
                      "(forward, cross-entropy, backward, Adam)",
                      markdown_table(["implementation", "median ms", "min ms", "vs torch"], rows), "",
                      f"median of {repeats} alternated rounds; threads: {threads} (Numba, BLAS"
                      f"{'' if blas else ' (not set: threadpoolctl missing)'} and PyTorch); {load_note()}"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    add_threads_argument(parser)
    args = parser.parse_args(argv)
    torch = torch_or_none()
    for n in args.threads:
        print(table(n, args.repeats, torch), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
