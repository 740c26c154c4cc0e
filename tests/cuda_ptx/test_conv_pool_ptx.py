"""Every CUDA kernel of the conv and pooling families compiles to PTX for its float32 and
float64 signatures (typing errors the simulator cannot see); no GPU needed."""
import pytest

from minigrad.kernels import _cuda, im2col, pool

KERNELS = [(f, sig) for mod in (im2col, pool) for f, sigs in mod.cuda_signatures().items() for sig in sigs]


@pytest.mark.parametrize("fn, sig", KERNELS, ids=[f"{f.__name__}-{s.split('(')[1][:7]}" for f, s in KERNELS])
def test_kernel_compiles_to_ptx(fn, sig):
    cuda = _cuda.cuda_module(fn)
    ptx, _ = cuda.compile_ptx(fn, sig, cc=(8, 0))
    assert ".entry" in ptx or ".visible" in ptx
