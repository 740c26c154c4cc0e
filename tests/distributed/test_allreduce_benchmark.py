"""benchmarks.allreduce runs on 2 ranks (started by itself through mpiexec) and prints its table."""
import os
import subprocess
import sys

import pytest

from ._launch import ROOT, needs_mpi


@pytest.mark.slow
def test_allreduce_benchmark_prints_one_row_per_size():
    needs_mpi()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               MPIEXEC_TIMEOUT="300")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.allreduce", "--repeats", "2", "--max-mb", "0.001"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=360)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("all-reduce of float32 arrays, 2 ranks")
    assert lines[1] == "| size | minigrad us | mpi4py us | minigrad/mpi4py | algbw GB/s | busbw GB/s |"
    rows = [line.strip("| ").split(" | ") for line in lines[3:] if line.startswith("| ")]
    assert [r[0] for r in rows] == ["4 B", "16 B", "64 B", "256 B", "1 kB"]     # 1 MB * 0.001
    assert all(float(r[1]) > 0 and float(r[2]) > 0 for r in rows)
    assert f"{os.cpu_count()} cores, load average" in lines[-1]    # "CPU model, N cores, load average ..."
