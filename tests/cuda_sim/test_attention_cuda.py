"""The CUDA attention kernels in Numba's simulator (tiny shapes) equal the reference:
output, dq, dk, dv; masks, causal, L != S, more than one tile of queries and keys."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels import attention_cuda
from minigrad.kernels.attention import attention_reference, kernel_bias

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.mark.parametrize("L,S,causal,mask", [(3, 5, False, "bool"), (attention_cuda.TILE + 3, 4, True, "none"),
                                             (5, attention_cuda.TILE + 2, True, "float")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_kernels_equal_reference(L, S, causal, mask, dtype):
    rng = np.random.default_rng(0)
    B, E, Ev = 2, 3, 2
    q, k, v = (rng.standard_normal(s).astype(dtype) for s in ((B, L, E), (B, S, E), (B, S, Ev)))
    g = rng.standard_normal((B, L, Ev)).astype(dtype)
    m = None
    if mask == "bool":
        m = rng.random((L, S)) > 0.3
        m[:, 0] = True
    elif mask == "float":
        m = rng.standard_normal((B, 1, S)).astype(dtype)
    ts = [mg.tensor(a, requires_grad=True) for a in (q, k, v)]
    ref = attention_reference(*ts, None if m is None else mg.tensor(m), is_causal=causal, scale=0.6)
    ref.backward(mg.tensor(g))
    bias, bmap = kernel_bias(m, (B,), dtype, np)
    out, lse = attention_cuda.forward(q, k, v, bias, bmap, causal, 0.6)
    dq, dk, dv = attention_cuda.backward(q, k, v, out, lse, g, bias, bmap, causal, 0.6)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out, ref.data, rtol=tol * 10, atol=tol)
    for name, a, t in zip(("dq", "dk", "dv"), (dq, dk, dv), ts):
        np.testing.assert_allclose(a, t.grad.data, rtol=tol * 10, atol=tol, err_msg=name)


def test_cuda_fully_masked_row_is_nan():
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal(s) for s in ((1, 3, 2), (1, 4, 2), (1, 4, 2)))
    m = np.ones((3, 4), dtype=bool)
    m[1] = False
    bias, bmap = kernel_bias(m, (1,), np.float64, np)
    out, _ = attention_cuda.forward(q, k, v, bias, bmap, False, 0.5)
    assert np.isnan(out[0, 1]).all() and np.isfinite(out[0, [0, 2]]).all()
