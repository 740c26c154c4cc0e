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
    ty.backward(torch.tensor(np.random.default_rng(1).standard_normal(ty.shape)))
    y, idx, gx = res["reference"]
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y, ty.detach().numpy(), **TOL[cfg["dtype"]])
    np.testing.assert_allclose(gx, tx.grad.numpy(), **TOL[cfg["dtype"]])
    if idx is not None:
        np.testing.assert_array_equal(idx, tidx.numpy())


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
    (lambda: F.adaptive_avg_pool2d(mg.zeros(1, 1, 4, 4), (0, 2)), ["adaptive_avg_pool2d", "output_size"]),
])
def test_bad_input_names_op_and_shapes(call, words):
    with pytest.raises(RuntimeError) as e:
        call()
    for w in words:
        assert w in str(e.value)


def test_unsupported_dtype_names_variant():
    with pytest.raises(kernels.UnsupportedConfig, match="max_pool2d.*'cpu'.*float16"):
        F.max_pool2d(mg.zeros(1, 1, 2, 2, dtype=mg.float16), 2)
