"""Pooling: every variant equals the reference (values, indices, gradients) over
Hypothesis-drawn windows, PyTorch agrees, gradcheck/gradgradcheck pass, errors name the op."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import kernels
from minigrad.autograd import gradcheck, gradgradcheck, separate_ties
from minigrad.nn import functional as F

VARIANTS = ["reference", "cpu"]
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


@st.composite
def pool_configs(draw):
    kind = draw(st.sampled_from(["max", "avg", "adaptive_max", "adaptive_avg"]))
    H, W = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    cfg = dict(kind=kind, shape=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), H, W),
               dtype=draw(st.sampled_from([np.float32, np.float64])))
    if kind.startswith("adaptive"):
        cfg["args"] = (draw(st.sampled_from([1, (draw(st.integers(1, 9)), draw(st.integers(1, 9))),
                                             (None, draw(st.integers(1, 4)))])),)
        cfg["kw"] = dict(return_indices=True) if kind == "adaptive_max" else {}
        return cfg
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if kind == "max" else (1, 1)
    s = draw(st.sampled_from([None, 1, 2, (1, 3), (2, 1)]))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    if H + 2 * p[0] < d[0] * (k[0] - 1) + 1 or W + 2 * p[1] < d[1] * (k[1] - 1) + 1:
        k, p, d = (1, 1), (0, 0), (1, 1)
    kw = dict(stride=s, padding=p, ceil_mode=draw(st.booleans()))
    if kind == "max":
        kw.update(dilation=d, return_indices=True)
    else:
        kw.update(count_include_pad=draw(st.booleans()),
                  divisor_override=draw(st.sampled_from([None, None, 3])))
    cfg["args"], cfg["kw"] = (k,), kw
    return cfg


def _fn(kind):
    return getattr(F, kind.replace("max", "max_pool2d").replace("avg", "avg_pool2d")
                   if not kind.startswith("adaptive") else kind + "_pool2d")


def _run(cfg, x0, g0=None):
    x = mg.tensor(x0, requires_grad=True)
    out = _fn(cfg["kind"])(x, *cfg["args"], **cfg["kw"])
    y, idx = out if isinstance(out, tuple) else (out, None)
    g0 = np.random.default_rng(1).standard_normal(y.shape).astype(y.dtype) if g0 is None else g0
    y.backward(mg.tensor(g0))
    return y.detach().numpy(), None if idx is None else idx.numpy(), x.grad.numpy()


@given(cfg=pool_configs(), seed=st.integers(0, 2**16))
def test_variants_equal_reference_and_pytorch(cfg, seed):
    x0 = np.random.default_rng(seed).standard_normal(cfg["shape"]).astype(cfg["dtype"])
    res = {}
    for v in VARIANTS:
        with kernels.use(v):
            res[v] = _run(cfg, x0)
    for got, want in zip(res["cpu"], res["reference"]):
        if want is not None:
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got, want, **TOL[cfg["dtype"]])
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x0.astype(np.float64), requires_grad=True)
    tout = getattr(torch.nn.functional, _fn(cfg["kind"]).__name__)(tx, *cfg["args"], **cfg["kw"])
    ty, tidx = tout if isinstance(tout, tuple) else (tout, None)
    y, idx, gx = res["reference"]
    # a max window wholly in the padding (the input is finite): -inf in both, but PyTorch 2.13's
    # index there points outside the window and gets its gradient; minigrad's is -1 and gets none
    empty = np.isneginf(y)
    g0 = np.random.default_rng(1).standard_normal(ty.shape)
    ty.backward(torch.tensor(np.where(empty, 0.0, g0)))
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y, ty.detach().numpy(), **TOL[cfg["dtype"]])
    np.testing.assert_allclose(gx, tx.grad.numpy(), **TOL[cfg["dtype"]])
    if idx is not None:
        np.testing.assert_array_equal(idx[~empty], tidx.numpy()[~empty])
        assert (idx[empty] == -1).all()


POOLS = [
    lambda x: F.max_pool2d(x, 3, 2, 1),
    lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 0), dilation=(2, 1), ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool2d(x, 2, divisor_override=3),
    lambda x: F.adaptive_max_pool2d(x, (2, 4)),
    lambda x: F.adaptive_avg_pool2d(x, (4, 3)),
    lambda x: F.adaptive_avg_pool2d(x, 1),
]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("pool", POOLS)
def test_gradcheck_and_gradgradcheck(pool, variant):
    x = separate_ties(mg.tensor(np.random.default_rng(0).standard_normal((2, 2, 5, 6)), requires_grad=True))
    with kernels.use(variant):
        assert gradcheck(pool, (x,))
        assert gradgradcheck(pool, (x,))


def test_max_pool_indices_and_unbatched():
    x = mg.tensor([[[1.0, 5.0, 2.0], [7.0, 3.0, 3.0], [0.0, 9.0, 9.0]]])
    y, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    assert y.tolist() == [[[7.0, 5.0], [9.0, 9.0]]]
    assert idx.tolist() == [[[3, 1], [7, 7]]]          # ties: the first in raster order
    g, = mg.autograd.grad(F.max_pool2d(x.requires_grad_(), 2, stride=1).sum(), x)
    assert g.tolist() == [[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]]


@pytest.mark.parametrize("call, words", [
    (lambda: F.max_pool2d(mg.zeros(1, 1, 2, 2), 3), ["max_pool2d", "(1, 1, 2, 2)", "too small"]),
    (lambda: F.max_pool2d(mg.zeros(1, 1, 4, 4), 2, padding=2), ["max_pool2d", "padding", "half"]),
    (lambda: F.avg_pool2d(mg.zeros(4, 4), 2), ["avg_pool2d", "(4, 4)"]),
    (lambda: F.adaptive_avg_pool2d(mg.zeros(1, 1, 4, 4), (-1, 2)), ["adaptive_avg_pool2d", "output_size", "(-1, 2)"]),
])
def test_bad_input_names_op_and_shapes(call, words):
    with pytest.raises(RuntimeError) as e:
        call()
    for w in words:
        assert w in str(e.value)


def test_unsupported_dtype_names_variant():
    with pytest.raises(kernels.UnsupportedConfig, match="max_pool2d.*'cpu'.*float16"):
        F.max_pool2d(mg.zeros(1, 1, 2, 2, dtype=mg.float16), 2)


# ---------------------------------------------------------------------------- edge cases, as PyTorch

@pytest.mark.parametrize("variant", VARIANTS)
def test_window_wholly_in_the_padding_gives_minus_inf_and_no_gradient(variant):
    """Rows -1 and 1 of a 1-row image: the window reads no pixel. Its index used to be -1,
    which sent its gradient to the image's last pixel."""
    x = mg.tensor(np.arange(3.0).reshape(1, 1, 1, 3), requires_grad=True)
    with kernels.use(variant):
        y = F.max_pool2d(x, 2, stride=1, padding=1, dilation=2)
        y.sum().backward()
    assert y.tolist() == [[[[-np.inf, -np.inf, -np.inf]]]]
    assert x.grad.tolist() == [[[[0.0, 0.0, 0.0]]]]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_inf_or_nan_pixel_reaches_only_its_own_windows(variant, bad):
    """The sums used to start from pixel (0, 0) * 0, which is NaN for inf or NaN there."""
    x0 = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    x0[0, 0, 0, 0] = bad
    x = mg.tensor(x0)
    with kernels.use(variant):
        outs = [F.avg_pool2d(x, 2).numpy(), F.adaptive_avg_pool2d(x, (2, 2)).numpy(), F.avg_pool2d(x, 1).numpy()]
    for out in outs:
        assert np.isfinite(out.ravel()[1:]).all()
        assert np.isnan(out.ravel()[0]) if bad != bad else out.ravel()[0] == np.inf
    np.testing.assert_allclose(outs[0].ravel()[1:], [5.5, 11.5, 13.5])
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(outs[1], torch.nn.functional.adaptive_avg_pool2d(torch.tensor(x0), (2, 2)).numpy())


@pytest.mark.parametrize("fn", [F.adaptive_max_pool2d, F.adaptive_avg_pool2d, F.max_pool2d, F.avg_pool2d])
@pytest.mark.parametrize("shape", [(1, 1, 0, 3), (2, 1, 3, 0), (1, 0, 3, 3), (0, 3)])
def test_empty_non_batch_dims_are_refused(fn, shape):
    """adaptive_max_pool2d's backward used to write outside an empty buffer (heap corruption).
    adaptive_avg_pool2d takes 0 channels, as PyTorch's forward does (its backward then refuses;
    minigrad's gives the empty gradient)."""
    x = mg.zeros(*shape, requires_grad=True)
    args = (2,) if "adaptive" in fn.__name__ else (1,)
    if fn is F.adaptive_avg_pool2d and shape == (1, 0, 3, 3):
        y = fn(x, *args)
        assert y.shape == (1, 0, 2, 2)
        y.sum().backward()
        assert x.grad.shape == shape
        return
    with pytest.raises(RuntimeError, match=rf"{fn.__name__}: expected (input to have non-zero size|a 3-D \(unbatched\) or 4-D)"):
        fn(x, *args)


def test_empty_batch_pools_to_an_empty_batch():
    x = mg.zeros(0, 2, 4, 4, requires_grad=True)
    y = F.max_pool2d(x, 2) + F.avg_pool2d(x, 2) + F.adaptive_max_pool2d(x, 2) + F.adaptive_avg_pool2d(x, 2)
    assert y.shape == (0, 2, 2, 2)
    y.sum().backward()
    assert x.grad.shape == (0, 2, 4, 4)


@pytest.mark.parametrize("variant", ["reference", "cpu"])
def test_kernels_touch_nothing_outside_an_empty_image(variant):
    """Below the front door: windows with no pixel on an image with no row give -inf, index -1,
    and scatter nothing (an index -1 into an empty buffer is what corrupted the heap)."""
    from minigrad.kernels import pool
    k = pool.VARIANTS[variant]
    plan = pool.PoolPlan.of(((0, 0), (0, 0), 1, (0, 1), (2, 1), 1), (0, 3))
    x = np.zeros((2, 1, 0, 3))
    y, idx = np.empty((2, 1, 2, 2)), np.empty((2, 1, 2, 2), np.int64)
    k.max_pool(x, plan, y, idx)
    assert (y == -np.inf).all() and (idx == -1).all()
    gx = np.zeros((2, 1, 0))
    k.scatter(np.ones((2, 1, 4)), idx.reshape(2, 1, 4), gx)
    back = np.empty((2, 1, 4))
    k.gather(gx, idx.reshape(2, 1, 4), back)
    assert (back == 0).all()
    with pytest.raises(ValueError, match="window plan reads rows outside an image of size \\(0, 3\\)"):
        pool.PoolPlan.of(((0,), (1,), 1, (0,), (1,), 1), (0, 3))
