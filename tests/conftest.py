import os

# The environment CI runs the tests in, set here (before NumPy and Numba are imported) so that a
# bare `python -m pytest` runs the same way; a value already set wins.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(_ROOT, ".numba_cache"))  # compile each kernel once
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")   # idle BLAS threads stop spinning on Numba's cores
os.environ.setdefault("MPLBACKEND", "Agg")              # figures to files, no display
os.environ.setdefault("HYPOTHESIS_PROFILE", "ci")

collect_ignore = ["cuda_sim", "cuda_ptx"]   # run in their own processes by test_cuda_processes.py

if os.environ.get("MINIGRAD_FAKE_CUPY") == "1":     # before anything imports CuPy
    from tests.fake_cupy import install
    install()

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

import minigrad as mg  # noqa: E402

settings.register_profile("ci", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("dev", max_examples=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=[pytest.mark.cuda, pytest.mark.skipif(
        not mg.cuda.is_available(),
        reason=f"no usable GPU ({mg.backend.cuda_unavailable_reason()}); the cuda tests run on the "
               "fake CuPy in tests/test_cuda_processes.py")]),
]


@pytest.fixture(params=DEVICES)
def device(request):
    """Run a test once per device. 'cuda' runs on a real GPU, or on the fake CuPy
    (MINIGRAD_FAKE_CUPY=1), and is skipped with the reason elsewhere."""
    return request.param


@pytest.fixture(params=DEVICES[1:])
def cuda_device(request):
    """The 'cuda' case alone, for checks whose cpu case is tested elsewhere."""
    return request.param


def pytest_report_header(config):
    if os.environ.get("MINIGRAD_FAKE_CUPY") == "1":
        sim = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
        return ("minigrad cuda: FAKE CuPy (tests/fake_cupy: NumPy arrays behind CuPy's conversion "
                "rules)" + (" + Numba's CUDA simulator" if sim else "") +
                " -- NO REAL GPU RAN; this checks host/device discipline, not GPU numerics or speed")
    if mg.cuda.is_available():
        return f"minigrad cuda: real GPU: {mg.backend.cuda_device_name()}"
    return (f"minigrad cuda: no usable GPU ({mg.backend.cuda_unavailable_reason()}); cuda-parametrized "
            "tests skip here and run on the fake CuPy (tests/test_cuda_processes.py)")


@pytest.fixture(autouse=True)
def _seed():
    mg.manual_seed(0)
    np.random.seed(0)
    yield
