"""Run the CUDA-simulator tests, the compile_ptx tests and every cuda-parametrized test on the
fake CuPy, each in its own pytest process (the simulator and the fake must be switched on before
numba.cuda and CuPy are imported)."""
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).parent
needs_numba_cuda = pytest.mark.skipif(importlib.util.find_spec("numba_cuda") is None,
                                      reason="numba-cuda is not installed (pip install -e '.[cudasim]')")


def _run(args, simulate, fake_cupy=False):
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    env.pop("MINIGRAD_FAKE_CUPY", None)
    if simulate:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    if fake_cupy:
        env["MINIGRAD_FAKE_CUPY"] = "1"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *args],
                          env=env, capture_output=True, text=True, cwd=HERE.parent)
    if proc.returncode not in (0, 5):        # 5: no tests collected
        pytest.fail(f"{' '.join(args)} failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def _counts(summary_line):
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|error|deselected)", summary_line)}


@needs_numba_cuda
@pytest.mark.cudasim
def test_cuda_kernels_in_simulator():
    out = _run([str(HERE / "cuda_sim")], simulate=True)
    assert "failed" not in out.splitlines()[-1]


@needs_numba_cuda
@pytest.mark.cudasim
def test_cuda_kernels_compile_to_ptx():
    out = _run([str(HERE / "cuda_ptx")], simulate=False)
    assert "failed" not in out.splitlines()[-1]


@needs_numba_cuda
@pytest.mark.cudasim
def test_every_cuda_test_runs_on_the_fake_cupy():
    """Every test with a device='cuda' case, on the strict fake CuPy and the simulator: none may
    fail, and none may skip for want of a GPU."""
    out = _run(["-m", "cuda", str(HERE)], simulate=True, fake_cupy=True)
    lines = out.splitlines()
    assert "NO REAL GPU RAN" in out                      # the header says what ran
    counts = _counts(lines[-1])
    print(f"cuda tests on the fake CuPy: {lines[-1]}")
    assert counts.get("passed", 0) > 0 and not counts.get("failed") and not counts.get("error")
    assert not [s for s in lines if s.startswith("SKIPPED") and "GPU" in s], "a cuda test skipped for want of a GPU"
