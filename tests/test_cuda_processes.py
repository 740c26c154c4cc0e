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


# Each process takes 1-3 minutes on a quiet 2-core machine; a hang must fail here, not stall CI.
_TIMEOUT_S = 1200


def _run(args, simulate, fake_cupy=False, quiet=True):
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    env.pop("MINIGRAD_FAKE_CUPY", None)
    if simulate:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    if fake_cupy:
        env["MINIGRAD_FAKE_CUPY"] = "1"
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", *(["-q"] if quiet else []), "-p", "no:cacheprovider",
                               "-rs", *args], env=env, capture_output=True, text=True, cwd=HERE.parent,
                              timeout=_TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        pytest.fail(f"{' '.join(args)} ran past {_TIMEOUT_S} s (a test that hangs, or one too slow for the "
                    f"simulator):\n{out[-8000:]}")
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
    out = _run(["-m", "cuda", str(HERE)], simulate=True, fake_cupy=True, quiet=False)
    lines = out.splitlines()
    assert "NO REAL GPU RAN" in out                      # the header says what ran
    counts = _counts(lines[-1])
    print(f"cuda tests on the fake CuPy: {lines[-1]}")
    assert counts.get("passed", 0) > 0 and not counts.get("failed") and not counts.get("error")
    assert not [s for s in lines if s.startswith("SKIPPED") and "GPU" in s], "a cuda test skipped for want of a GPU"


@needs_numba_cuda
@pytest.mark.cudasim
def test_gpu_check_runs_end_to_end_on_the_fake_cupy(tmp_path):
    """``python -m benchmarks.gpu`` on tiny sizes, on the fake CuPy: the day it meets a GPU it
    must not die on a typo. The report says which device ran."""
    import json
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_ENABLE_CUDASIM", "MINIGRAD_FAKE_CUPY")}
    env["NUMBA_ENABLE_CUDASIM"] = "1"
    proc = subprocess.run([sys.executable, "-m", "tests.fake_cupy", "benchmarks.gpu", "--out", str(tmp_path),
                           "--tiny", "--repeats", "2", "--tests",
                           "tests/nn/test_device.py::test_tensor_conversions_on_the_device"],
                          env=env, capture_output=True, text=True, cwd=HERE.parent, timeout=_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "gpu.json").read_text())
    assert report["device"]["name"].startswith("fake CuPy device") and report["tiny"]
    assert report["tests"]["ok"] and report["tests"]["counts"]["passed"] == 1
    assert [r["case"] for r in report["benchmarks"]] == ["conv2d 3x3", "max_pool2d 2x2", "LSTM",
                                                         "attention causal", "MLP step (Adam)"]
    for row in report["benchmarks"]:
        assert "error" not in row and row["minigrad_ms"] > 0, row
        assert row["max_abs_diff_cpu"] < 1e-5, row
    table = (tmp_path / "gpu.md").read_text()
    assert "fake CuPy device" in table and "| LSTM |" in table and "1 passed" in table
    doctor = (tmp_path / "doctor.txt").read_text()
    assert "GPU usable: yes" in doctor and "+fake" in doctor
    assert "NO REAL GPU RAN" in (tmp_path / "tests.txt").read_text()
