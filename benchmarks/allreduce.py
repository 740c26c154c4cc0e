"""All-reduce bandwidth against message size, between ranks of this machine: minigrad's
``distributed.all_reduce`` (with its agreement check) and mpi4py's ``Allreduce`` underneath it,
alternated round by round, medians.

    python -m benchmarks.allreduce [--ranks 2] [--repeats 20] [--max-mb 64]
    mpiexec -n 2 python -m benchmarks.allreduce ...        (the same, started by hand)

Started on one process it launches itself with ``mpiexec -n RANKS``. Columns: the median time
of one all-reduce of a float32 array; algbw = bytes / time; busbw = algbw * 2(p-1)/p, the data
each rank moves in a ring all-reduce per second (comparable across rank counts, as NCCL's
tests report it).
"""
from __future__ import annotations

import argparse
import subprocess
import sys

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
from benchmarks._timing import compare, load_note, markdown_table


def _calls_per_sample(nbytes):
    """The same on every rank (the ranks call the collectives in lockstep): ~1 MB per sample."""
    return int(min(200, max(1, 2 ** 20 // max(nbytes, 1))))


def measure(max_mb, repeats):
    world = dist._world_or_raise("benchmarks.allreduce")
    p = world.size
    comm, in_place = world.mpi_comm, world.mpi.IN_PLACE
    rows = []
    n = 1
    while n * 4 <= max_mb * 2 ** 20:
        t = mg.zeros(n)
        raw = np.zeros(n, dtype=np.float32)

        def mpi4py_call():
            comm.Allreduce(in_place, raw)
        res = compare({"minigrad": lambda: dist.all_reduce(t), "mpi4py": mpi4py_call},
                      repeats=repeats, number=_calls_per_sample(4 * n), warmup=2)
        ms, raw_ms = res["minigrad"].median_ms, res["mpi4py"].median_ms
        algbw = 4 * n / (ms * 1e-3) / 1e9
        rows.append([_size(4 * n), f"{ms * 1e3:.1f}", f"{raw_ms * 1e3:.1f}", f"{ms / max(raw_ms, 1e-9):.2f}x",
                     f"{algbw:.3f}", f"{algbw * 2 * (p - 1) / p:.3f}"])
        n *= 4
    return rows


def _size(nbytes):
    for unit, size in (("MB", 2 ** 20), ("kB", 2 ** 10)):
        if nbytes >= size:
            return f"{nbytes / size:g} {unit}"
    return f"{nbytes} B"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.allreduce", description=__doc__.split("\n")[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--max-mb", type=float, default=64.0)
    args = parser.parse_args(argv)
    launched = dist._launcher_world_size()
    if launched == 1 and args.ranks > 1:
        mpiexec = dist.find_mpiexec()
        if mpiexec is None:
            print("benchmarks.allreduce: mpiexec not found; pip install \"minigrad[dist]\" "
                  "(mpi4py and MPICH)", file=sys.stderr)
            return 2
        rest = ["--repeats", str(args.repeats), "--max-mb", str(args.max_mb), "--ranks", str(args.ranks)]
        return subprocess.call([mpiexec, "-n", str(args.ranks), sys.executable, "-m", "benchmarks.allreduce", *rest])
    dist.init_process_group()
    try:
        if dist._world.mpi is None:
            print("benchmarks.allreduce: mpi4py cannot load MPI; pip install \"minigrad[dist]\"",
                  file=sys.stderr)
            return 2
        rows = measure(args.max_mb, args.repeats)
        if dist.get_rank() == 0:
            p = dist.get_world_size()
            print(f"all-reduce of float32 arrays, {p} ranks, median of {args.repeats} rounds "
                  f"(minigrad and mpi4py alternated)")
            print(markdown_table(["size", "minigrad us", "mpi4py us", "minigrad/mpi4py",
                                  "algbw GB/s", "busbw GB/s"], rows))
            print(load_note())
    finally:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
