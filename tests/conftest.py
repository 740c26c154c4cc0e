import os

# The environment CI runs the tests in, set here (before NumPy and Numba are imported) so that a
# bare `python -m pytest` runs the same way; a value already set wins.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(_ROOT, ".numba_cache"))  # compile each kernel once
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")   # idle BLAS threads stop spinning on Numba's cores
os.environ.setdefault("MPLBACKEND", "Agg")              # figures to files, no display
os.environ.setdefault("HYPOTHESIS_PROFILE", "ci")

collect_ignore = ["cuda_sim", "cuda_ptx"]   # run in their own processes by test_cuda_processes.py

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
    pytest.param("cuda", marks=pytest.mark.skipif(
        not mg.cuda.is_available(), reason="no usable GPU: CuPy missing or no CUDA device answers")),
]


@pytest.fixture(params=DEVICES)
def device(request):
    """Run a test once per device; 'cuda' is skipped with a reason where no GPU is usable."""
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    mg.manual_seed(0)
    np.random.seed(0)
    yield
