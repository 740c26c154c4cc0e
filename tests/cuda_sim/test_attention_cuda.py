"""The cuda variant of attention equals the reference in the simulator: output, lse, dq, dk,
dv; masks, causal, L != S, more than one tile; fully masked rows and NaN as the reference."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels
from minigrad.kernels import attention
from minigrad.kernels.attention import TILE, kernel_bias
from minigrad.nn.functional import scaled_dot_product_attention as sdpa


def _compare(q, k, v, g, m, causal, scale, tol):
    bias, bmap = kernel_bias(m, (q.shape[0],), q.dtype, np)
    ref, cu = attention.VARIANTS["reference"], attention.VARIANTS["cuda"]
    out_r, lse_r = ref.forward(q, k, v, bias, bmap, causal, scale)
    out_c, lse_c = cu.forward(q, k, v, bias, bmap, causal, scale)
    back_r = ref.backward(q, k, v, out_r, lse_r, g, bias, bmap, causal, scale)
    back_c = cu.backward(q, k, v, out_c, lse_c, g, bias, bmap, causal, scale)
    for name, r, c in zip(("out", "lse", "dq", "dk", "dv"), (out_r, lse_r) + back_r, (out_c, lse_c) + back_c):
        assert c.dtype == q.dtype
        np.testing.assert_allclose(c, r, rtol=tol * 10, atol=tol, err_msg=name)


@pytest.mark.parametrize("L,S,causal,mask", [(3, 5, False, "bool"), (TILE + 3, 4, True, "none"),
                                             (5, TILE + 2, True, "float"), (4, 6, False, "dead row")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_equals_reference(L, S, causal, mask, dtype):
    rng = np.random.default_rng(0)
    B, E, Ev = 2, 3, 2
    q, k, v = (rng.standard_normal(s).astype(dtype) for s in ((B, L, E), (B, S, E), (B, S, Ev)))
    g = rng.standard_normal((B, L, Ev)).astype(dtype)
    m = None
    if mask in ("bool", "dead row"):
        m = rng.random((L, S)) > 0.3
        m[:, 0] = mask == "bool"                 # "dead row": row 1 may attend nothing
        m[1] = mask == "bool"
    elif mask == "float":
        m = rng.standard_normal((B, 1, S)).astype(dtype)
    _compare(q, k, v, g, m, causal, 0.6, 1e-10 if dtype == np.float64 else 1e-5)


def test_nan_in_k_reaches_every_output_as_the_reference():
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal(s) for s in ((1, 3, 2), (1, 4, 2), (1, 4, 2)))
    k[0, 2, 1] = np.nan
    bias, bmap = kernel_bias(None, (1,), np.float64, np)
    out, _ = attention.VARIANTS["cuda"].forward(q, k, v, bias, bmap, False, 0.5)
    assert np.isnan(out).all()


def test_function_under_use_cuda_equals_reference():
    rng = np.random.default_rng(2)
    arrs = [rng.standard_normal(s) for s in ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 3))]
    res = {}
    for variant in ("reference", "cuda"):
        ts = [mg.tensor(a, requires_grad=True) for a in arrs]
        with kernels.use(variant):
            out = sdpa(*ts, is_causal=True)
            out.backward(mg.tensor(np.ones(out.shape)))
        res[variant] = [out.detach().numpy()] + [t.grad.numpy() for t in ts]
    for r, c in zip(res["reference"], res["cuda"]):
        np.testing.assert_allclose(c, r, rtol=1e-10, atol=1e-12)
