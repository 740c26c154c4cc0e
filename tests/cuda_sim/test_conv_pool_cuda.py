"""The CUDA variants of im2col/col2im (conv) and of the pooling kernels, run in Numba's
simulator on NumPy arrays with 1-4 blocks, against the reference variants."""
import numpy as np
import pytest

from minigrad.kernels import _cuda
from minigrad.kernels import conv as K
from minigrad.kernels import pool as P
from minigrad.nn.functional.pool import _adaptive_axis, _kernel_axis, pool_output_size


@pytest.fixture(autouse=True, params=[1, 3])
def few_blocks(request):
    old, _cuda.MAX_BLOCKS = _cuda.MAX_BLOCKS, request.param
    yield
    _cuda.MAX_BLOCKS = old


GEOMS = [  # x shape, w shape, geom (kh, kw, sh, sw, ph, pw, dh, dw, groups, ph_end, pw_end)
    ((2, 2, 4, 5), (3, 2, 2, 3), (2, 3, 1, 1, 0, 0, 1, 1, 1, 0, 0)),
    ((1, 4, 5, 4), (4, 2, 3, 2), (3, 2, 2, 1, 1, 0, 1, 2, 2, 1, 1)),
    ((2, 3, 4, 4), (3, 1, 2, 2), (2, 2, 1, 1, 0, 1, 1, 1, 3, 1, 0)),   # depthwise, asymmetric 'same'
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs, ws, geom", GEOMS)
def test_conv_cuda_equals_reference(xs, ws, geom, dtype):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    OH, OW = K.out_hw(xs[2:], geom)
    y = {v: K.conv2d_raw(x, w, geom, OH, OW, v) for v in ("reference", "cuda")}
    np.testing.assert_allclose(y["cuda"], y["reference"], rtol=1e-5)
    g = rng.standard_normal(y["reference"].shape).astype(dtype)
    gx = {v: K.conv_transpose2d_raw(g, w, geom, xs[2], xs[3], v) for v in ("reference", "cuda")}
    np.testing.assert_allclose(gx["cuda"], gx["reference"], rtol=1e-5, atol=1e-6)
    gw = {v: K.conv_weight_grad_raw(x, g, geom, ws, v) for v in ("reference", "cuda")}
    np.testing.assert_allclose(gw["cuda"], gw["reference"], rtol=1e-5, atol=1e-6)


def _plan(H, W, k, s, p, d, ceil):
    oh, ow = pool_output_size(H, k, s, p, d, ceil), pool_output_size(W, k, s, p, d, ceil)
    return (*_kernel_axis(H, k, s, p, d, oh), d, *_kernel_axis(W, k, s, p, d, ow), d)


PLANS = [_plan(5, 6, 2, 2, 0, 1, False), _plan(5, 6, 3, 2, 1, 1, True), _plan(5, 6, 2, 1, 1, 2, False),
         (*_adaptive_axis(5, 3), 1, *_adaptive_axis(6, 4), 1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("plan", PLANS)
def test_pool_cuda_equals_reference(plan, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 5, 6)).astype(dtype)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    (y_r, i_r), (y_c, i_c) = (P.max_pool_raw(x, plan, v) for v in ("reference", "cuda"))
    np.testing.assert_array_equal(i_c, i_r)
    np.testing.assert_array_equal(y_c, y_r)
    g = rng.standard_normal(y_r.shape).astype(dtype)
    np.testing.assert_allclose(P.scatter_raw(g, i_r, (5, 6), "cuda"), P.scatter_raw(g, i_r, (5, 6), "reference"),
                               rtol=tol)
    np.testing.assert_array_equal(P.gather_raw(x, i_r, "cuda"), P.gather_raw(x, i_r, "reference"))
    div = np.outer(plan[1], plan[4]).astype(np.float64) + 0.5
    np.testing.assert_allclose(P.avg_pool_raw(x, plan, div, "cuda"), P.avg_pool_raw(x, plan, div, "reference"),
                               rtol=tol)
    np.testing.assert_allclose(P.avg_adjoint_raw(g, plan, div, (5, 6), "cuda"),
                               P.avg_adjoint_raw(g, plan, div, (5, 6), "reference"), rtol=tol, atol=tol)
