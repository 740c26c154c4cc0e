"""Tests here compile every CUDA kernel to PTX with ``numba.cuda.compile_ptx`` (typing errors
the simulator cannot see). They must not run in the simulator's process; they need
numba-cuda with NVVM (the ``cudasim`` extra) but no GPU.

numba-cuda compiles a kernel's device functions for the *current* device's compute
capability, which needs a driver; without a GPU this folder names the target instead, the
same cc 8.0 the kernels are compiled for."""
import os
import types

import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    pytest.skip("compile_ptx cannot run in the simulator's process", allow_module_level=True)

CC = (8, 0)


@pytest.fixture(autouse=True, scope="session")
def target_compute_capability():
    import numba.cuda.dispatcher as dispatcher
    real = dispatcher.get_current_device
    try:
        real()
    except Exception:                  # no driver or no GPU: compile for CC
        dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=CC)
    yield
    dispatcher.get_current_device = real
