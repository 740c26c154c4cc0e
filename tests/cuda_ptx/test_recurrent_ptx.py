"""Every recurrent CUDA kernel compiles to PTX (cc 8.0) for float32 and float64."""
import pytest

numba = pytest.importorskip("numba")
from numba import cuda, types  # noqa: E402

from minigrad.kernels.recurrent_cuda import KERNELS  # noqa: E402


@pytest.mark.parametrize("dtype", [types.float32, types.float64], ids=str)
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernel_compiles_to_ptx(name, dtype):
    body, kinds = KERNELS[name]
    sig = tuple(types.boolean if k == "b" else types.Array(dtype, k, "A") for k in kinds)
    ptx, resty = cuda.compile_ptx(body, sig, cc=(8, 0))
    assert resty == types.void
    assert ".visible .entry" in ptx and "sm_80" in ptx
