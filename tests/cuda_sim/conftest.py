"""Tests here run the CUDA variants in Numba's simulator on tiny shapes, against the reference
variants (``VARIANTS["cuda"]`` vs ``VARIANTS["reference"]``, and the Functions under
``kernels.use("cuda")``). They need NUMBA_ENABLE_CUDASIM=1 set before numba is imported, so
tests/test_cuda_processes.py runs this folder in its own pytest process."""
import os

import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
    pytest.skip("run through tests/test_cuda_processes.py (needs NUMBA_ENABLE_CUDASIM=1)",
                allow_module_level=True)


@pytest.fixture(autouse=True, params=[1, 3], ids=["1 block", "3 blocks"])
def few_blocks(request):
    """Launch 1 or 3 blocks: every kernel must stride over the rest of its work."""
    from minigrad.kernels import _cuda
    old, _cuda.MAX_BLOCKS = _cuda.MAX_BLOCKS, request.param
    yield
    _cuda.MAX_BLOCKS = old
