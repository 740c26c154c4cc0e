"""Tests here compile every CUDA kernel to PTX with ``numba.cuda.compile_ptx`` (typing errors
the simulator cannot see). They must not run in the simulator's process; they need
numba-cuda with NVVM (the ``cudasim`` extra) but no GPU."""
import os

import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    pytest.skip("compile_ptx cannot run in the simulator's process", allow_module_level=True)
