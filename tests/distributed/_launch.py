"""Start a worker program on P ranks with mpiexec, in its own process group, with a timeout."""
from __future__ import annotations

import functools
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from minigrad.distributed import find_mpiexec

ROOT = pathlib.Path(__file__).resolve().parents[2]
TIMEOUT = 240          # seconds for one mpiexec run; the programs take a few seconds


@functools.lru_cache(maxsize=1)
def mpi_problem():
    """Why multi-rank tests cannot run here (None if they can)."""
    if find_mpiexec() is None:
        return "no mpiexec found (pip install -e '.[dist]' installs MPICH's)"
    probe = subprocess.run([sys.executable, "-c", "from mpi4py import MPI; print(MPI.Get_library_version())"],
                           capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return f"mpi4py cannot load an MPI library: {last} (pip install -e '.[dist]')"
    return None


def needs_mpi():
    problem = mpi_problem()
    if problem is not None:
        pytest.skip(problem)


class Result:
    def __init__(self, returncode, output, seconds, out):
        self.returncode, self.output, self.seconds, self.out = returncode, output, seconds, out

    def rank(self, r):
        with np.load(self.out / f"rank{r}.npz") as f:
            return {k: f[k] for k in f.files}


def run_ranks(n, program, out, timeout=TIMEOUT, expect_success=True, env=None):
    """``mpiexec -n n python -m tests.distributed.workers program out`` (``env``: more
    environment variables); fails the test on a timeout (a hang) after killing every process
    it started."""
    needs_mpi()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               MPIEXEC_TIMEOUT=str(timeout), OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1",
               OMP_NUM_THREADS="1", **(env or {}))
    cmd = [find_mpiexec(), "-n", str(n), sys.executable, "-m", "tests.distributed.workers", program, str(out)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        pytest.fail(f"mpiexec -n {n} {program} did not finish within {timeout + 30} s (a hang):\n{output[-4000:]}")
    seconds = time.monotonic() - start
    if expect_success and proc.returncode != 0:
        pytest.fail(f"mpiexec -n {n} {program} failed with status {proc.returncode}:\n{output[-6000:]}")
    return Result(proc.returncode, output, seconds, pathlib.Path(out))
