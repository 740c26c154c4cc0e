"""LSTM forward+backward (float32): the NumPy reference, the Numba kernel, and PyTorch.

Cases: x (35, 32, 128) with hidden 256, and x (100, 16, 16) with hidden 64; one
``nn.LSTM`` layer, loss = output.sum(), forward and backward. Reported: median ms per
forward+backward, ratios, the first call apart (it loads Numba's on-disk cache), and Numba's
compilation time measured in a fresh process with an empty cache.

    python -m benchmarks.lstm --threads 1 2 [--repeats 20]

minigrad (Numba and BLAS) and PyTorch run on the same ``--threads`` count (default: all
cores); one markdown table per count goes to stdout. GFLOP/s counts the gate products only:
2 T N 4H (I + H) forward, three times that forward+backward.
"""
from __future__ import annotations

import argparse

import numpy as np

import minigrad as mg
from benchmarks._timing import (add_threads_argument, compare, gflops, limit_threads, load_note,
                               markdown_table, torch_or_none, variant_header, variant_row)
from minigrad import kernels, nn

CASES = [((35, 32, 128), 256), ((100, 16, 16), 64)]


def _minigrad_step(T, N, I, H, variant):
    mg.manual_seed(0)
    layer = nn.LSTM(I, H)
    x = mg.randn(T, N, I, requires_grad=True)

    def run():
        with kernels.use(variant):
            out, _ = layer(x)
            out.sum().backward()
    return run, layer


def _torch_step(torch, T, N, I, H, weights):
    layer = torch.nn.LSTM(I, H)
    with torch.no_grad():
        for name, p in layer.named_parameters():
            p.copy_(torch.from_numpy(weights[name]))
    x = torch.randn(T, N, I, requires_grad=True)

    def run():
        out, _ = layer(x)
        out.sum().backward()
    return run


_COLD = """
import time, minigrad as mg
from minigrad import nn
layer, x = nn.LSTM(16, 64), mg.randn(100, 16, 16, requires_grad=True)
def run():
    out, _ = layer(x)
    out.sum().backward()
t0 = time.perf_counter(); run(); t1 = time.perf_counter(); run(); t2 = time.perf_counter()
print((t1 - t0) * 1e3 - (t2 - t1) * 1e3)
"""


def cold_compile_ms():
    """Numba's compilation time for the LSTM kernels: first minus second call of a fresh
    process with an empty on-disk cache (what a user pays once per machine)."""
    import os
    import subprocess
    import sys
    import tempfile
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", _COLD], env=env, capture_output=True, text=True,
                             check=True)
    return float(out.stdout.strip().splitlines()[-1])


def table(threads, repeats, torch):
    limit_threads(threads, torch)
    rows = []
    for (T, N, I), H in CASES:
        fns = {}
        fns["reference"], _ = _minigrad_step(T, N, I, H, "reference")
        fns["cpu"], layer = _minigrad_step(T, N, I, H, "cpu")
        if torch is not None:
            weights = {n: p.data.astype(np.float32) for n, p in layer.named_parameters()}
            fns["torch"] = _torch_step(torch, T, N, I, H, weights)
        res = compare(fns, repeats=repeats)
        flop = 3 * 2.0 * T * N * 4 * H * (I + H)
        row = variant_row(f"x({T},{N},{I}) H={H}", res)
        row.insert(4, gflops(flop, res["cpu"].median_ms))
        if torch is not None:
            row.insert(7, gflops(flop, res["torch"].median_ms))
        rows.append(row)
    header = variant_header("case (fwd+bwd, float32)", "cpu first call ms (Numba start-up + cache load)",
                            torch is not None)
    header.insert(4, "cpu GFLOP/s")
    if torch is not None:
        header.insert(7, "torch GFLOP/s")
    return "\n".join([markdown_table(header, rows), "",
                      f"median of {repeats} alternated rounds; threads: {threads} (Numba, BLAS and "
                      f"PyTorch); {load_note()}"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_threads_argument(parser)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--no-compile-time", action="store_true",
                        help="skip the fresh-cache compilation measurement")
    args = parser.parse_args(argv)
    torch = torch_or_none()
    for n in args.threads:
        print(table(n, args.repeats, torch), end="\n\n", flush=True)
    if not args.no_compile_time:
        print(f"Numba compilation of the LSTM kernels (fresh cache, once per machine): "
              f"{cold_compile_ms():.0f} ms; the first call above loads them from the on-disk cache.")


if __name__ == "__main__":
    main()
