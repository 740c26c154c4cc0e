"""Scaled dot-product attention, forward+backward, float32: reference (NumPy, L x S scores)
vs the fused Numba kernel vs PyTorch (when installed), causal and not; then the peak extra
memory of one forward (no grad) measured in a fresh process per implementation.

    python -m benchmarks.attention --threads 1 2 [--repeats 15] [--no-memory]

minigrad (Numba and BLAS) and PyTorch run on the same ``--threads`` count (default: all
cores); one markdown table per count goes to stdout. GFLOP/s counts the two products
(4 N H L S E forward, half of it with a causal mask; forward+backward 3.5x the forward:
the backward recomputes the scores and makes four products).

Memory: tracemalloc sees NumPy's allocations; the Numba kernel's (and PyTorch's) are seen
as the growth of the process's resident high-water mark (VmHWM, reset before the call where
Linux allows it) -- the report gives both.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

import minigrad as mg
from benchmarks._timing import (add_threads_argument, compare, gflops, limit_threads, load_note,
                                markdown_table, torch_or_none)
from minigrad import kernels
from minigrad.nn.functional import scaled_dot_product_attention as sdpa

CASES = [((8, 4, 128, 32), False), ((8, 4, 128, 32), True), ((2, 4, 1024, 64), False), ((2, 4, 1024, 64), True)]
MEMORY_SHAPES = [(2, 4, 1024, 64), (2, 4, 4096, 64)]


def _fwd_bwd_minigrad(variant, arrays, grad, causal):
    q, k, v = (mg.tensor(a, requires_grad=True) for a in arrays)
    g = mg.tensor(grad)

    def run():
        with kernels.use(variant):
            for t in (q, k, v):
                t.grad = None
            sdpa(q, k, v, is_causal=causal).backward(g)
    return run


def _fwd_bwd_torch(torch, arrays, grad, causal):
    q, k, v = (torch.tensor(a, requires_grad=True) for a in arrays)
    g = torch.tensor(grad)

    def run():
        for t in (q, k, v):
            t.grad = None
        torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal).backward(g)
    return run


def time_cases(repeats, threads):
    torch = torch_or_none()
    limit_threads(threads, torch)
    rng = np.random.default_rng(0)
    rows = []
    for shape, causal in CASES:
        arrays = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
        grad = rng.standard_normal(shape).astype(np.float32)
        fns = {"reference": _fwd_bwd_minigrad("reference", arrays, grad, causal),
               "cpu": _fwd_bwd_minigrad("cpu", arrays, grad, causal)}
        if torch is not None:
            fns["torch"] = _fwd_bwd_torch(torch, arrays, grad, causal)
        res = compare(fns, repeats=repeats)
        N, H, L, E = shape
        flop = 3.5 * 4.0 * N * H * L * L * E * (0.5 if causal else 1.0)
        cpu = res["cpu"].median_ms
        row = [f"{shape} {'causal' if causal else 'full'}", f"{res['reference'].median_ms:.2f}", f"{cpu:.2f}",
               f"{res['reference'].median_ms / cpu:.2f}x", gflops(flop, cpu)]
        if torch is not None:
            row += [f"{res['torch'].median_ms:.2f}", f"{cpu / res['torch'].median_ms:.2f}x",
                    gflops(flop, res["torch"].median_ms)]
        row.append(f"{res['cpu'].first_ms:.0f}")
        rows.append(row)
    header = ["case (N, H, L, E)", "reference ms", "cpu ms", "reference/cpu", "cpu GFLOP/s"]
    if torch is not None:
        header += ["torch ms", "cpu/torch", "torch GFLOP/s"]
    header.append("cpu first call ms (compile or cache load)")
    return markdown_table(header, rows)


# ----------------------------------------------------------------------------- memory (child process)

def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")                       # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def _measure(impl, shape):
    """One forward (no grad) of ``impl`` at ``shape``; peak extra memory in MiB."""
    import tracemalloc
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
    if impl == "torch":
        import torch
        q, k, v = (torch.from_numpy(a) for a in arrays)
        small = [torch.from_numpy(a[:1, :1, :8].copy()) for a in arrays]

        def fwd(q, k, v):
            with torch.no_grad():
                return torch.nn.functional.scaled_dot_product_attention(q, k, v)
    else:
        q, k, v = (mg.tensor(a) for a in arrays)
        small = [mg.tensor(a[:1, :1, :8].copy()) for a in arrays]
        kernels.use("reference" if impl == "reference" else "cpu")

        def fwd(q, k, v):
            with mg.no_grad():
                return sdpa(q, k, v)
    fwd(*small)                                # compile / load caches on a tiny problem
    fresh = _reset_hwm()
    rss0 = _status_kib("VmRSS") if fresh else _status_kib("VmHWM")
    tracemalloc.start()
    out = fwd(q, k, v)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    hwm = _status_kib("VmHWM")
    del out
    return {"tracemalloc_mib": traced / 2**20, "rss_mib": (hwm - rss0) / 1024, "hwm_reset": fresh}


def memory_table():
    rows = []
    torch = torch_or_none()
    for shape in MEMORY_SHAPES:
        ls_mib = shape[0] * shape[1] * shape[2] * shape[2] * 4 / 2**20
        for impl in ("reference", "cpu") + (("torch",) if torch is not None else ()):
            if impl == "reference" and shape[2] > 1024:
                continue                       # several L x S float32 arrays: GiBs
            proc = subprocess.run([sys.executable, "-m", "benchmarks.attention", "--child", impl,
                                   ",".join(map(str, shape))], capture_output=True, text=True,
                                  env=dict(os.environ))
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-2000:])
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append([str(shape), impl, f"{r['tracemalloc_mib']:.1f}", f"{r['rss_mib']:.1f}",
                         f"{ls_mib:.0f}"])
    return markdown_table(["q, k, v shape", "impl", "tracemalloc peak MiB", "RSS high-water growth MiB",
                           "one N*H*L*S float32 array, MiB"], rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=15)
    add_threads_argument(p)
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(_measure(a.child[0], tuple(int(s) for s in a.child[1].split(",")))))
        return
    for n in a.threads:
        print(time_cases(a.repeats, n))
        print(f"\nforward+backward, float32, median of {a.repeats} alternated rounds; threads: {n} "
              f"(Numba, BLAS and PyTorch); {load_note()}\n", flush=True)
    if not a.no_memory:
        print(memory_table())
        print(f"\npeak extra memory of one forward (no grad), float32; {load_note()}")


if __name__ == "__main__":
    main()
