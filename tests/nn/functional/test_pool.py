"""nn/functional/pool.py: max_unpool2d, the 3-D and the 1-D poolings.

Against PyTorch (values, gradients, dtypes, shapes, indices), gradcheck and gradgradcheck in
float64 (over Hypothesis shapes, size-1 dims included), unbatched input, and bad input."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck
from tests.torch_oracle import torch_check

small = st.integers(1, 3)
seeds = st.integers(0, 2 ** 16)


@given(n=st.integers(0, 2), c=small, hw=st.tuples(small, small), k=st.tuples(small, small), seed=seeds)
def test_gradcheck_max_unpool2d(n, c, hw, k, seed):
    """Indices of non-overlapping windows (stride = kernel): each output pixel gets one value."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, hw[0] * k[0], hw[1] * k[1]))
    y, idx = F.max_pool2d(mg.tensor(x), k, return_indices=True)
    v = mg.tensor(y.data, requires_grad=True)
    out = F.max_unpool2d(v, idx, k)
    assert out.shape == x.shape
    np.testing.assert_array_equal(out.data, np.where(x == np.repeat(np.repeat(y.data, k[0], 2), k[1], 3), x, 0))
    assert gradcheck(lambda v: F.max_unpool2d(v, idx, k), [v])
    assert gradgradcheck(lambda v: F.max_unpool2d(v, idx, k), [v])


UNPOOL = [((2, 3, 5, 6), dict(kernel_size=2), None),
          ((2, 3, 5, 6), dict(kernel_size=3, stride=2, padding=1), (5, 6)),
          ((1, 7, 7), dict(kernel_size=3, stride=1, padding=1), None),       # overlapping windows, unbatched
          ((2, 1, 5, 5), dict(kernel_size=2, stride=2), (2, 1, 5, 5)),
          ((0, 2, 4, 4), dict(kernel_size=2), None)]


@pytest.mark.parametrize("shape,kw,output_size", UNPOOL)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_unpool2d_matches_pytorch(shape, kw, output_size, dtype):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    y, idx = F.max_pool2d(mg.tensor(a), return_indices=True, **kw)
    ty, tidx = torch.nn.functional.max_pool2d(torch.tensor(a), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    v, tv = mg.tensor(y.data, requires_grad=True), ty.clone().requires_grad_()
    out = F.max_unpool2d(v, idx, output_size=output_size, **kw)
    tout = torch.nn.functional.max_unpool2d(tv, tidx, output_size=output_size, **kw)
    assert out.shape == tuple(tout.shape) and out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(dtype)
    out.backward(mg.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_array_equal(v.grad.data, tv.grad.numpy())
    m, tm = nn.MaxUnpool2d(**kw), torch.nn.MaxUnpool2d(**kw)
    np.testing.assert_array_equal(m(y, idx, output_size).data, tm(ty, tidx, output_size).numpy())


def test_max_unpool2d_errors_name_the_op_and_values():
    x, idx = mg.ones(1, 1, 2, 2), mg.tensor([[[[0, 1], [2, 3]]]])
    with pytest.raises(RuntimeError, match="max_unpool2d: found an invalid max index 99 .* 4x4"):
        F.max_unpool2d(x, mg.tensor([[[[0, 1], [2, 99]]]]), 2)
    with pytest.raises(RuntimeError, match="max_unpool2d: found an invalid max index -1"):
        F.max_unpool2d(x, mg.tensor([[[[0, 1], [2, -1]]]]), 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: invalid output_size \(6, 6\) \(dim 0 must be between 3 and 5\)"):
        F.max_unpool2d(x, idx, 2, output_size=(6, 6))
    with pytest.raises(ValueError, match=r"max_unpool2d: output_size \(4,\) must have 2 or 4 entries"):
        F.max_unpool2d(x, idx, 2, output_size=(4,))
    with pytest.raises(RuntimeError, match="max_unpool2d: indices must be int64, got int32"):
        F.max_unpool2d(x, idx.int(), 2)
    with pytest.raises(RuntimeError, match=r"max_unpool2d: indices of shape \(1, 1, 1, 2\) must have the shape"):
        F.max_unpool2d(x, mg.tensor([[[[0, 1]]]]), 2)
    with pytest.raises(RuntimeError, match="max_unpool2d: expected a floating-point input, got int64"):
        F.max_unpool2d(x.long(), idx, 2)
    with pytest.raises(RuntimeError, match=r"max_unpool2d: expected a 3-D .* shape \(2, 2\)"):
        F.max_unpool2d(mg.ones(2, 2), mg.tensor([[0, 1], [2, 3]]), 2)



UNPOOL_1D_3D = [(1, (2, 3, 9), dict(kernel_size=2), None),
                (1, (3, 8), dict(kernel_size=3, stride=2, padding=1), (8,)),              # unbatched
                (1, (0, 2, 6), dict(kernel_size=2), None),
                (3, (2, 2, 4, 4, 6), dict(kernel_size=2), None),
                (3, (2, 4, 5, 4), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0)), (4, 5, 4)),
                (3, (1, 2, 3, 3, 3), dict(kernel_size=3, stride=1, padding=1), (1, 2, 3, 3, 3))]


@pytest.mark.parametrize("n,shape,kw,output_size", UNPOOL_1D_3D)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_unpool1d_and_3d_match_pytorch(n, shape, kw, output_size, dtype):
    """The 2-D kernel over a 1 x L plane, or over a D x (H*W) plane: every flat index stays."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    y, idx = getattr(F, f"max_pool{n}d")(mg.tensor(a), return_indices=True, **kw)
    ty, tidx = getattr(torch.nn.functional, f"max_pool{n}d")(torch.tensor(a), return_indices=True, **kw)
    v, tv = mg.tensor(y.data, requires_grad=True), ty.clone().requires_grad_()
    out = getattr(F, f"max_unpool{n}d")(v, idx, output_size=output_size, **kw)
    tout = getattr(torch.nn.functional, f"max_unpool{n}d")(tv, tidx, output_size=output_size, **kw)
    assert out.shape == tuple(tout.shape) and out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(dtype)
    out.backward(mg.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_array_equal(v.grad.data, tv.grad.numpy())
    m, tm = getattr(nn, f"MaxUnpool{n}d")(**kw), getattr(torch.nn, f"MaxUnpool{n}d")(**kw)
    assert repr(m) == repr(tm)
    np.testing.assert_array_equal(m(y, idx, output_size).data, tm(ty, tidx, output_size).numpy())
    if a.size and dtype == "float64":
        planes = idx.data.reshape(int(np.prod(idx.shape[:-n])), -1)
        if all(len(set(r)) == len(r) for r in planes.tolist()):         # no two values on one spot
            assert gradcheck(lambda t: getattr(F, f"max_unpool{n}d")(t, idx, output_size=output_size, **kw), [v])


def test_max_unpool1d_and_3d_errors_name_the_op_and_values():
    with pytest.raises(RuntimeError, match="max_unpool1d: found an invalid max index 99 .* of size 4"):
        F.max_unpool1d(mg.ones(1, 1, 2), mg.tensor([[[0, 99]]]), 2)
    with pytest.raises(RuntimeError, match="max_unpool3d: found an invalid max index 64 .* volumes are of size 4x4x4"):
        F.max_unpool3d(mg.ones(1, 1, 2, 2, 2), mg.full((1, 1, 2, 2, 2), 64), 2)
    with pytest.raises(ValueError, match=r"max_unpool3d: output_size \(4, 4\) must have 3 or 5 entries"):
        F.max_unpool3d(mg.ones(1, 1, 2, 2, 2), mg.zeros(1, 1, 2, 2, 2, dtype=mg.int64), 2, output_size=(4, 4))

# ---------------------------------------------------------------- max_pool3d, avg_pool3d

@st.composite
def pool3d_case(draw):
    k = tuple(draw(st.integers(1, 2)) for _ in range(3))
    s = tuple(draw(st.integers(1, 2)) for _ in range(3))
    p = tuple(draw(st.integers(0, k[a] // 2)) for a in range(3))
    size = tuple(draw(st.integers(max(1, k[a] - 2 * p[a]), 3)) for a in range(3))
    return (draw(st.integers(0, 2)), draw(small)) + size, dict(kernel_size=k, stride=s, padding=p,
                                                                ceil_mode=draw(st.booleans()))


@given(case=pool3d_case(), seed=seeds, cip=st.booleans())
def test_gradcheck_pool3d(case, seed, cip):
    shape, kw = case
    # distinct values: a max of ties has no derivative
    x = mg.tensor(np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) / 7.0, requires_grad=True)
    assert gradcheck(lambda x: F.max_pool3d(x, **kw), [x])
    assert gradcheck(lambda x: F.avg_pool3d(x, count_include_pad=cip, **kw), [x])
    assert gradgradcheck(lambda x: F.avg_pool3d(x, count_include_pad=cip, **kw), [x])


POOL3D = [("max_pool3d", (2, 3, 5, 6, 7), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0),
                                                dilation=(2, 1, 1), ceil_mode=True)),
          ("max_pool3d", (2, 3, 4, 4, 4), dict(kernel_size=2)),
          ("max_pool3d", (3, 1, 1, 1), dict(kernel_size=1)),                          # unbatched
          ("max_pool3d", (0, 2, 3, 3, 3), dict(kernel_size=2, stride=1)),
          ("avg_pool3d", (2, 3, 5, 6, 7), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0),
                                                ceil_mode=True)),
          ("avg_pool3d", (2, 3, 5, 6, 7), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0),
                                                ceil_mode=True, count_include_pad=False)),
          ("avg_pool3d", (2, 3, 5, 6, 7), dict(kernel_size=3, stride=2, padding=1, divisor_override=5)),
          ("avg_pool3d", (3, 2, 2, 2), dict(kernel_size=2))]


@pytest.mark.parametrize("name,shape,kw", POOL3D)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pool3d_matches_pytorch(name, shape, kw, dtype):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    if name == "max_pool3d":
        (y, idx), (ty, tidx) = F.max_pool3d(x, return_indices=True, **kw), \
            torch.nn.functional.max_pool3d(t, return_indices=True, **kw)
        np.testing.assert_array_equal(idx.data, tidx.numpy())
        assert idx.dtype == np.int64
    else:
        y, ty = getattr(F, name)(x, **kw), getattr(torch.nn.functional, name)(t, **kw)
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(dtype)
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **tol)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(dtype)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), **tol)


def test_max_pool3d_ties_and_indices_follow_pytorch():
    """The first maximum in (d, h, w) order wins, across both passes."""
    torch = pytest.importorskip("torch")
    a = np.zeros((1, 1, 2, 2, 2))
    a[0, 0, 1, 0, 0] = a[0, 0, 0, 1, 1] = 1
    for x in (a, np.ones((1, 1, 3, 3, 3)), np.round(np.random.default_rng(2).standard_normal((2, 2, 4, 5, 3)))):
        _, idx = F.max_pool3d(mg.tensor(x), 2, 1, return_indices=True)
        _, tidx = torch.nn.functional.max_pool3d(torch.tensor(x), 2, 1, return_indices=True)
        np.testing.assert_array_equal(idx.data, tidx.numpy())


def test_pool3d_errors_name_the_op_and_values():
    with pytest.raises(RuntimeError, match=r"max_pool3d: input of shape \(1, 1, 1, 3, 3\) is too small"):
        F.max_pool3d(mg.ones(1, 1, 1, 3, 3), 2)
    with pytest.raises(RuntimeError, match=r"avg_pool3d: padding \(2, 2, 2\) should be non-negative and at most half"):
        F.avg_pool3d(mg.ones(1, 1, 4, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match=r"max_pool3d: expected a 4-D \(unbatched\) or 5-D .* \(4, 4\)"):
        F.max_pool3d(mg.ones(4, 4), 2)
    with pytest.raises(RuntimeError, match="avg_pool3d: divisor_override must be non-zero"):
        F.avg_pool3d(mg.ones(1, 1, 2, 2, 2), 2, divisor_override=0)
    with pytest.raises(ValueError, match="max_pool3d: kernel_size must be an int, a 1-tuple or a tuple of 3 ints"):
        F.max_pool3d(mg.ones(1, 1, 2, 2, 2), (2, 2))


# ---------------------------------------------------------------- the 1-D poolings

POOL1D = [("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
          ("max_pool1d", (2, 3, 9), dict(kernel_size=2, dilation=2, ceil_mode=True)),
          ("max_pool1d", (3, 1), dict(kernel_size=1)),                                # unbatched
          ("avg_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
          ("avg_pool1d", (2, 3, 8), dict(kernel_size=3, ceil_mode=True)),
          ("adaptive_avg_pool1d", (2, 3, 10), dict(output_size=4)),
          ("adaptive_max_pool1d", (2, 3, 10), dict(output_size=3))]


@pytest.mark.parametrize("name,shape,kw", POOL1D)
def test_pool1d_matches_pytorch_and_gradcheck(name, shape, kw):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    torch_check(lambda t: getattr(F, name)(t, **kw), lambda t: getattr(torch.nn.functional, name)(t, **kw), [x],
                rtol=1e-12, atol=1e-12)
    t = mg.tensor(x, requires_grad=True)
    assert gradcheck(lambda t: getattr(F, name)(t, **kw), [t])
    if "avg" in name:
        assert gradgradcheck(lambda t: getattr(F, name)(t, **kw), [t])


def test_max_pool1d_indices_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 3, 11)).astype(np.float32)
    _, i = F.max_pool1d(mg.tensor(x), 3, 2, return_indices=True)
    _, ti = torch.nn.functional.max_pool1d(torch.tensor(x), 3, 2, return_indices=True)
    np.testing.assert_array_equal(i.data, ti.numpy())


def test_pool1d_unbatched_input_and_errors():
    x = mg.tensor(np.arange(8.0).reshape(2, 4))
    np.testing.assert_array_equal(F.max_pool1d(x, 2).data, [[1, 3], [5, 7]])
    np.testing.assert_array_equal(F.avg_pool1d(x, 2).data, [[0.5, 2.5], [4.5, 6.5]])
    with pytest.raises(RuntimeError, match="max_pool1d"):
        F.max_pool1d(mg.ones(1, 2, 3), 5)


def test_adaptive_max_pooling_lets_the_first_dim_be_empty_as_pytorch():
    for x, out in ((mg.ones(0, 3), (0, 1)), (mg.ones(0, 2, 3), (0, 2, 1))):
        y, idx = F.adaptive_max_pool1d(x, 1, return_indices=True)
        assert y.shape == out and idx.shape == out and idx.dtype == mg.int64
    assert F.adaptive_max_pool2d(mg.ones(0, 3, 3), 2).shape == (0, 2, 2)
    with pytest.raises(RuntimeError, match=r"adaptive_max_pool1d: expected input to have non-zero size .* "
                                           r"shape \(2, 0, 3\) with dimension 1 being empty"):
        F.adaptive_max_pool1d(mg.ones(2, 0, 3), 1)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_adaptive_avg_pooling_lets_the_batch_and_channels_be_empty_and_a_size_1_pool_none_as_pytorch():
    """As PyTorch: only the spatial dims must be non-empty, and not even those for an output size
    of 1, a mean (NaN over no elements); were refused."""
    for op, shape, size, out in [("adaptive_avg_pool1d", (0, 3), 2, (0, 2)), ("adaptive_avg_pool1d", (1, 0, 3), 2, (1, 0, 2)),
                                 ("adaptive_avg_pool2d", (2, 0, 6, 6), (2, 3), (2, 0, 2, 3)),
                                 ("adaptive_avg_pool2d", (0, 6, 6), 2, (0, 2, 2))]:
        x = mg.ones(*shape, requires_grad=True)
        y = getattr(F, op)(x, size)
        assert y.shape == out, op
        y.sum().backward()
        assert x.grad.shape == shape
    assert nn.AdaptiveAvgPool2d((2, 3))(mg.ones(2, 0, 6, 6)).shape == (2, 0, 2, 3)
    for op, shape, out in [("adaptive_avg_pool1d", (2, 0), (2, 1)), ("adaptive_avg_pool2d", (2, 3, 0, 6), (2, 3, 1, 1))]:
        x = mg.ones(*shape, requires_grad=True)
        y = getattr(F, op)(x, 1)
        assert y.shape == out and np.isnan(y.detach().numpy()).all(), op
        y.sum().backward()
        assert x.grad.shape == shape
    with pytest.raises(RuntimeError, match=r"^adaptive_avg_pool1d: expected input to have non-zero size .* "
                                           r"shape \(2, 0\) with dimension 1 being empty"):
        F.adaptive_avg_pool1d(mg.ones(2, 0), 2)
    with pytest.raises(RuntimeError, match=r"^adaptive_avg_pool2d: .* shape \(2, 3, 0, 6\) with dimension 2"):
        F.adaptive_avg_pool2d(mg.ones(2, 3, 0, 6), (None, 1))


def test_adaptive_pooling_to_a_zero_size_is_empty_and_a_bool_size_is_refused():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    for op, size in [("adaptive_avg_pool2d", 0), ("adaptive_max_pool2d", (0, 2)), ("adaptive_avg_pool2d", (None, 0)),
                     ("adaptive_avg_pool1d", 0), ("adaptive_max_pool1d", 0)]:
        data = x[:, :, 0] if op.endswith("1d") else x
        t = mg.tensor(data, requires_grad=True)
        y = getattr(F, op)(t, size)
        assert y.shape == getattr(torch.nn.functional, op)(torch.tensor(data), size).shape and y.requires_grad, op
        y.sum().backward()
        assert t.grad.shape == t.shape and not t.grad.numpy().any()
    y, idx = F.adaptive_max_pool1d(mg.tensor(x[:, :, 0]), 0, return_indices=True)
    assert idx.shape == (2, 3, 0) and idx.dtype == mg.int64
    for op, size in [("adaptive_max_pool2d", (True, 2)), ("adaptive_avg_pool2d", (2, 1.5)), ("adaptive_max_pool1d", True)]:
        with pytest.raises(TypeError, match=rf"^{op}: output_size must be an int"):
            getattr(F, op)(mg.ones(2, 3, 5, 5) if op.endswith("2d") else mg.ones(2, 3, 5), size)
    with pytest.raises(RuntimeError, match=r"^adaptive_avg_pool1d: output_size \(1, -1\) must be non-negative"):
        F.adaptive_avg_pool1d(mg.ones(2, 3, 5), -1)


@given(n=st.integers(0, 2), size=st.tuples(small, st.integers(1, 5), st.integers(1, 5)),
       out=st.tuples(st.integers(1, 4), st.integers(1, 4), st.one_of(st.none(), st.integers(1, 4))),
       dtype=st.sampled_from(["float32", "float64"]))
def test_adaptive_avg_pool3d_matches_pytorch(n, size, out, dtype):
    """Values, gradients, dtype and shape equal PyTorch's; windows may overlap, None keeps a size."""
    pytest.importorskip("torch")
    import torch
    a = np.random.default_rng(0).standard_normal((n, 2) + size).astype(dtype)
    tol = dict(atol=1e-6, rtol=1e-5) if dtype == "float32" else {}
    torch_check(lambda x: F.adaptive_avg_pool3d(x, out), lambda x: torch.nn.functional.adaptive_avg_pool3d(x, out),
                [a], **tol)
    torch_check(lambda x: nn.AdaptiveAvgPool3d(out)(x), lambda x: torch.nn.AdaptiveAvgPool3d(out)(x), [a[0] if n else
                np.ones((2,) + size, dtype)], **tol)


@given(size=st.tuples(small, small, small), out=st.tuples(small, small, small), seed=seeds)
def test_gradcheck_adaptive_avg_pool3d(size, out, seed):
    x = mg.tensor(np.random.default_rng(seed).standard_normal((1, 2) + size), requires_grad=True)
    assert gradcheck(lambda x: F.adaptive_avg_pool3d(x, out), [x])
    assert gradgradcheck(lambda x: F.adaptive_avg_pool3d(x, out) ** 2, [x])


def test_adaptive_avg_pool3d_by_hand_and_errors():
    x = mg.arange(8.0).reshape(1, 1, 2, 2, 2)
    assert F.adaptive_avg_pool3d(x, 1).item() == 3.5
    np.testing.assert_array_equal(F.adaptive_avg_pool3d(x, (2, 1, 1)).numpy().ravel(), [1.5, 5.5])
    assert F.adaptive_avg_pool3d(x, (0, 1, 1)).shape == (1, 1, 0, 1, 1)
    with pytest.raises(RuntimeError, match=r"adaptive_avg_pool3d: output_size must have 3 entries, got \(1, 1\)"):
        F.adaptive_avg_pool3d(x, (1, 1))
    with pytest.raises(RuntimeError, match=r"adaptive_avg_pool3d: expected a 4-D \(unbatched\) or 5-D"):
        F.adaptive_avg_pool3d(mg.ones(2, 3), 1)


@pytest.mark.parametrize("op,shape,kw,error,message", [
    ("avg_pool2d", (1, 1, 4, 4), dict(ceil_mode=1), TypeError, r"ceil_mode must be a bool, got 1 \(int\)"),
    ("max_pool2d", (1, 1, 4, 4), dict(ceil_mode=None), TypeError, "ceil_mode must be a bool, got None"),
    ("avg_pool1d", (1, 4, 4), dict(count_include_pad=0), TypeError, "count_include_pad must be a bool, got 0"),
    ("max_pool1d", (1, 4, 4), dict(ceil_mode=2), TypeError, "ceil_mode must be a bool, got 2"),
    ("avg_pool3d", (1, 1, 4, 4, 4), dict(ceil_mode="yes"), TypeError, "ceil_mode must be a bool, got 'yes'"),
    ("avg_pool3d", (1, 1, 4, 4, 4), dict(count_include_pad=None), TypeError, "count_include_pad must be a bool"),
    ("avg_pool2d", (1, 1, 4, 4), dict(divisor_override=2.0), TypeError, r"divisor_override must be an int, got 2.0"),
    ("avg_pool2d", (1, 1, 4, 4), dict(divisor_override=True), TypeError, "divisor_override must be an int, got True"),
    ("avg_pool3d", (1, 1, 4, 4, 4), dict(divisor_override=1.5), TypeError, "divisor_override must be an int, got 1.5"),
    ("avg_pool2d", (1, 1, 4, 4), dict(divisor_override=0), RuntimeError, "divisor_override must be non-zero")])
def test_pool_flags_are_bools_and_divisor_override_an_int_as_pytorchs(op, shape, kw, error, message):
    with pytest.raises(error, match=rf"^{op}: {message}"):
        getattr(F, op)(mg.ones(*shape), 2, **kw)


def test_avg_pool_takes_a_negative_divisor_override_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_allclose(F.avg_pool2d(mg.tensor(x), 2, divisor_override=-2).numpy(),
                               torch.nn.functional.avg_pool2d(torch.tensor(x), 2, divisor_override=-2).numpy())
    with pytest.raises(TypeError, match=r"^AvgPool2d: ceil_mode must be a bool, got None"):
        nn.AvgPool2d(2, ceil_mode=None)(mg.ones(1, 1, 4, 4))


def test_avg_pool_divisor_override_must_fit_in_int64_as_pytorch():
    pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    for divisor in (2 ** 63, -2 ** 63 - 1, -10 ** 20):
        raises_as_torch(lambda m: m.nn.functional.avg_pool2d(m.ones(1, 1, 4, 4), 2, divisor_override=divisor),
                        rf"^avg_pool2d: divisor_override must fit in int64, got {divisor}$")
        raises_as_torch(lambda m: m.nn.AvgPool3d(2, divisor_override=divisor)(m.ones(1, 1, 2, 2, 2)),
                        rf"divisor_override must fit in int64, got {divisor}$")
    assert F.avg_pool2d(mg.ones(1, 1, 2, 2), 2, divisor_override=2 ** 62).item() == 4 / 2 ** 62


def test_max_unpool_reads_pytorchs_arguments_and_gives_an_empty_output_of_size_0():
    """max_unpool1d reads the first entry of a longer stride or padding, as PyTorch's; an output
    of size 0 along a dim is an empty tensor (no index is placed); a 3-D stride must be positive."""
    torch = pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    x = np.arange(6.0).reshape(2, 3)
    i = np.array([[0, 2, 4], [1, 3, 5]])
    for kw in [dict(padding=(0, 1)), dict(padding=(0, 1, 2)), dict(stride=(2, 7)), dict(kernel_size=0)]:
        args = dict(kernel_size=2)
        args.update(kw)
        ours = F.max_unpool1d(mg.tensor(x), mg.tensor(i), **args)
        theirs = torch.nn.functional.max_unpool1d(torch.tensor(x), torch.tensor(i), **args)
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.tolist() == theirs.tolist(), kw
    raises_as_torch(lambda m: m.nn.functional.max_unpool1d(m.tensor(x), m.tensor(i), 2, padding=(1, 0)),
                    r"^max_unpool1d: found an invalid max index 5")
    image, where = np.ones((1, 1, 2, 2)), np.array([[[[0, 3], [8, 15]]]])
    for k in [(0, 2), (2, 0)]:
        ours = F.max_unpool2d(mg.tensor(image, requires_grad=True), mg.tensor(where), k)
        assert tuple(ours.shape) == tuple(torch.nn.functional.max_unpool2d(torch.tensor(image), torch.tensor(where), k).shape)
        assert ours.requires_grad
    raises_as_torch(lambda m: m.nn.functional.max_unpool3d(m.ones(1, 1, 2, 2, 2), m.zeros(1, 1, 2, 2, 2, dtype=m.int64),
                                                           (0, 2, 2)),
                    r"^max_unpool3d: strides must be greater than zero, got stride \(0, 2, 2\)")


@pytest.mark.parametrize("op,shape", [("adaptive_avg_pool1d", (2, 3)), ("adaptive_max_pool1d", (2, 3)),
                                      ("adaptive_avg_pool2d", (1, 2, 3, 3)), ("avg_pool1d", (2, 3))])
def test_a_dtype_the_kernels_lack_is_refused_in_the_name_of_the_op_called(op, shape):
    with pytest.raises(NotImplementedError, match=rf"^{op}: the 'cpu' kernel variant supports float32 and float64, "
                                                  r"not int32"):
        getattr(F, op)(mg.ones(*shape, dtype=mg.int32), 1)


@given(n=st.integers(0, 2), size=st.tuples(small, st.integers(1, 5), st.integers(1, 5)),
       out=st.tuples(st.integers(1, 4), st.integers(1, 4), st.one_of(st.none(), st.integers(1, 4))),
       dtype=st.sampled_from(["float32", "float64"]), seed=seeds)
def test_adaptive_max_pool3d_matches_pytorch_and_gradchecks(n, size, out, dtype, seed):
    """Values, indices (d*H*W + h*W + w), gradients, dtype and shape equal PyTorch's; distinct
    values, as a max of ties has no derivative."""
    torch = pytest.importorskip("torch")
    shape = (n, 2) + size
    a = (np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 7.0).astype(dtype)
    tol = dict(atol=1e-6, rtol=1e-5) if dtype == "float32" else {}
    torch_check(lambda x: F.adaptive_max_pool3d(x, out, return_indices=True),
                lambda x: torch.nn.functional.adaptive_max_pool3d(x, out, return_indices=True), [a], check_grad=n > 0, **tol)
    torch_check(lambda x: nn.AdaptiveMaxPool3d(out)(x), lambda x: torch.nn.AdaptiveMaxPool3d(out)(x),
                [a[0] if n else np.ones((2,) + size, dtype)], **tol)
    if n and dtype == "float64":
        assert gradcheck(lambda x: F.adaptive_max_pool3d(x, out), [mg.tensor(a, requires_grad=True)])


def test_adaptive_max_pool3d_ties_nan_and_errors_follow_pytorch():
    torch = pytest.importorskip("torch")
    a = np.ones((1, 1, 3, 3, 3))
    a[0, 0, 1, 2, 0] = np.nan
    for data in (np.zeros((1, 1, 2, 2, 2)), a):               # the first maximum in (d, h, w) order; NaN wins
        y, idx = F.adaptive_max_pool3d(mg.tensor(data), 2, return_indices=True)
        ty, tidx = torch.nn.functional.adaptive_max_pool3d(torch.tensor(data), 2, return_indices=True)
        np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert F.adaptive_max_pool3d(mg.ones(2, 2, 3, 3, 3), (0, 1, 1)).shape == (2, 2, 0, 1, 1)
    with pytest.raises(RuntimeError, match=r"adaptive_max_pool3d: expected input to have non-zero size .* dimension 1"):
        F.adaptive_max_pool3d(mg.ones(2, 0, 3, 3, 3), 2)
