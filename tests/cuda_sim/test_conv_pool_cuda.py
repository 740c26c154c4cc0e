"""The cuda variants of the conv and pool families equal their references in the simulator."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels
from minigrad.kernels import conv, pool
from minigrad.kernels.conv import ConvGeometry
from minigrad.nn import functional as F

GEOMS = [  # x shape, w shape, geometry
    ((2, 2, 4, 5), (3, 2, 2, 3), ConvGeometry(2, 3, 1, 1, 0, 0, 1, 1, 1, 0, 0)),
    ((1, 4, 5, 4), (4, 2, 3, 2), ConvGeometry(3, 2, 2, 1, 1, 0, 1, 2, 2, 1, 1)),
    ((2, 3, 4, 4), (3, 1, 2, 2), ConvGeometry(2, 2, 1, 1, 0, 1, 1, 1, 3, 1, 0)),   # depthwise, asymmetric 'same'
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs, ws, geom", GEOMS)
def test_conv_cuda_equals_reference(xs, ws, geom, dtype):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    ref, cu = conv.VARIANTS["reference"], conv.VARIANTS["cuda"]
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    y = ref.conv2d(x, w, geom)
    np.testing.assert_allclose(cu.conv2d(x, w, geom), y, **tol)
    g = rng.standard_normal(y.shape).astype(dtype)
    np.testing.assert_allclose(cu.conv_transpose2d(g, w, geom, xs[2:]), ref.conv_transpose2d(g, w, geom, xs[2:]), **tol)
    np.testing.assert_allclose(cu.weight_grad(x, g, geom, ws), ref.weight_grad(x, g, geom, ws), **tol)
    for got, want in zip(cu.grads(g, x, w, geom), ref.grads(g, x, w, geom)):
        np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("xs, ws, geom", GEOMS)
def test_unfold_fold_cuda_equal_reference(xs, ws, geom, dtype):
    geom = geom._replace(groups=1)
    x = np.random.default_rng(1).standard_normal(xs).astype(dtype)
    ref, cu = conv.VARIANTS["reference"], conv.VARIANTS["cuda"]
    cols = ref.unfold(x, geom)
    np.testing.assert_array_equal(cu.unfold(x, geom), cols)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cu.fold(cols, geom, xs[2:]), ref.fold(cols, geom, xs[2:]), **tol)


def _plans():
    from minigrad.nn.functional.pool import _adaptive_axis, _kernel_axis, pool_output_size

    def plan(H, W, k, s, p, d, ceil):
        oh, ow = pool_output_size(H, k, s, p, d, ceil), pool_output_size(W, k, s, p, d, ceil)
        return pool.PoolPlan.of((*_kernel_axis(H, k, s, p, d, oh), d, *_kernel_axis(W, k, s, p, d, ow), d), (H, W))
    return [plan(5, 6, 2, 2, 0, 1, False), plan(5, 6, 3, 2, 1, 1, True), plan(5, 6, 2, 1, 1, 2, False),
            pool.PoolPlan.of((*_adaptive_axis(5, 3), 1, *_adaptive_axis(6, 4), 1), (5, 6)),
            pool.PoolPlan.of(((-1, 1), (0, 1), 2, (0, 3), (2, 2), 1), (5, 6))]     # an empty window (in the padding)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("plan", _plans(), ids=lambda p: f"plan{len(p.hs)}x{len(p.ws)}")
def test_pool_cuda_equals_reference(plan, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 5, 6)).astype(dtype)
    x[0, 0, 0, 0] = np.inf                 # an inf pixel poisons only its own windows
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    ref, cu = pool.VARIANTS["reference"], pool.VARIANTS["cuda"]
    OH, OW = plan.out_hw
    out = {}
    for name, k in (("reference", ref), ("cuda", cu)):
        y, idx = np.empty((2, 2, OH, OW), dtype), np.empty((2, 2, OH, OW), np.int64)
        k.max_pool(x, plan, y, idx)
        g = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
        gx = np.zeros((2, 2, 30), dtype)
        k.scatter(g.reshape(2, 2, -1), idx.reshape(2, 2, -1), gx)
        back = np.empty((2, 2, OH * OW), dtype)
        k.gather(x.reshape(2, 2, -1), idx.reshape(2, 2, -1), back)
        div = (np.outer(plan.hc, plan.wc) + 0.5).astype(dtype)
        a = np.empty((2, 2, OH, OW), dtype)
        k.avg_pool(x, plan, div, a)
        ga = np.zeros((2, 2, 5, 6), dtype)
        k.avg_adjoint(g, plan, div, ga)
        out[name] = (y, idx, gx, back, a, ga)
    for r, c in zip(out["reference"], out["cuda"]):
        np.testing.assert_allclose(c, r, **tol)


def test_functions_under_use_cuda_equal_reference():
    rng = np.random.default_rng(2)
    x0, w0 = rng.standard_normal((2, 4, 5, 5)), rng.standard_normal((6, 2, 3, 3))
    grads = {}
    for variant in ("reference", "cuda"):
        x, w = mg.tensor(x0, requires_grad=True), mg.tensor(w0, requires_grad=True)
        with kernels.use(variant):
            y = F.max_pool2d(F.conv2d(x, w, padding=1, groups=2), 2, ceil_mode=True)
            y = F.avg_pool2d(y, 2, padding=1) + F.adaptive_max_pool2d(y, 2)
            y.backward(mg.tensor(np.ones(y.shape)))
        grads[variant] = (y.detach().numpy(), x.grad.numpy(), w.grad.numpy())
    for r, c in zip(grads["reference"], grads["cuda"]):
        np.testing.assert_allclose(c, r, rtol=1e-12, atol=1e-12)
