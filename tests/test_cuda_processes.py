"""Run the CUDA-simulator tests and the compile_ptx tests, each in its own pytest process."""
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).parent
needs_numba_cuda = pytest.mark.skipif(importlib.util.find_spec("numba_cuda") is None,
                                      reason="numba-cuda is not installed (pip install -e '.[cudasim]')")


def _run(folder, simulate):
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    if simulate:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE / folder)],
                          env=env, capture_output=True, text=True, cwd=HERE.parent)
    if proc.returncode not in (0, 5):        # 5: the folder holds no tests yet
        pytest.fail(f"{folder} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


@needs_numba_cuda
@pytest.mark.cudasim
def test_cuda_kernels_in_simulator():
    out = _run("cuda_sim", simulate=True)
    assert "failed" not in out.splitlines()[-1]


@needs_numba_cuda
@pytest.mark.cudasim
def test_cuda_kernels_compile_to_ptx():
    out = _run("cuda_ptx", simulate=False)
    assert "failed" not in out.splitlines()[-1]
