"""Tests here run CUDA kernels in Numba's simulator on tiny shapes. They need
NUMBA_ENABLE_CUDASIM=1 set before numba is imported, so tests/test_cuda_processes.py runs
this folder in its own pytest process."""
import os

import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
    pytest.skip("run through tests/test_cuda_processes.py (needs NUMBA_ENABLE_CUDASIM=1)",
                allow_module_level=True)
