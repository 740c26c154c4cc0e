"""Every CUDA attention kernel compiles to PTX for float32 and float64 (cc 8.0, no GPU needed)."""
import pytest
from numba import boolean, cuda, float32, float64, int64, void

from minigrad.kernels.attention_cuda import kernel_sources


@pytest.mark.parametrize("dt", [float32, float64], ids=["float32", "float64"])
def test_attention_kernels_compile_to_ptx(dt):
    a3, a2 = dt[:, :, ::1], dt[:, ::1]
    sigs = {
        "forward": void(a3, a3, a3, a3, int64[::1], boolean, boolean, dt, a3, a2),
        "backward_dq": void(a3, a3, a3, a3, a2, a3, a3, int64[::1], boolean, boolean, dt, a3, a2),
        "backward_dkdv": void(a3, a3, a3, a2, a3, a2, a3, int64[::1], boolean, boolean, dt, a3, a3),
    }
    for name, fn in kernel_sources(dt).items():
        ptx, _ = cuda.compile_ptx(fn, sigs[name], cc=(8, 0))
        assert ".entry" in ptx and "shared" in ptx, name
