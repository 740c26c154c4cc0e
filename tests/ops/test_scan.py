"""Scans along a dim: gradcheck over Hypothesis shapes (0-d, size-1, empty), equal to PyTorch
(values, indices, gradients, dtypes), cumprod's exact gradient with zeros, the log-step scan
that array libraries without ufunc.accumulate use."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck, separate_ties
from minigrad.ops.scan import scan_array
from tests.strategies import make, seeds, shapes
from tests.torch_oracle import torch_check

torch = pytest.importorskip("torch")


@st.composite
def shape_and_dim(draw):
    shape = draw(shapes(0, 3, min_side=0))
    n = max(len(shape), 1)
    return shape, draw(st.integers(-n, n - 1))


SCANS = {
    "cumsum": (mg.cumsum, torch.cumsum, True),
    "cumprod": (mg.cumprod, torch.cumprod, True),
    "logcumsumexp": (mg.logcumsumexp, torch.logcumsumexp, True),
    "cummax": (mg.cummax, torch.cummax, False),
    "cummin": (mg.cummin, torch.cummin, False),
}


@pytest.mark.parametrize("name", sorted(SCANS))
@given(sd=shape_and_dim(), seed=seeds)
def test_scan_gradcheck_and_equal_to_pytorch(name, sd, seed):
    fn, tfn, _ = SCANS[name]
    shape, dim = sd
    x = make(shape, seed, low=0.5, high=1.5) if name == "cumprod" else make(shape, seed)
    if name in ("cummax", "cummin"):
        separate_ties(x)
    assert gradcheck(lambda t: fn(t, dim)[0] if name in ("cummax", "cummin") else fn(t, dim), (x,))
    torch_check(lambda t: fn(t, dim), lambda t: tfn(t, dim), [x.detach().numpy().copy()])


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
@given(sd=shape_and_dim(), seed=seeds)
def test_scan_gradgradcheck(name, sd, seed):
    fn, _, _ = SCANS[name]
    shape, dim = sd
    assert gradgradcheck(lambda t: fn(t, dim), (make(shape, seed, low=0.5, high=1.5),))


@given(n=st.integers(1, 7), zeros=st.sets(st.integers(0, 6), max_size=3), seed=seeds)
def test_cumprod_gradient_with_zeros_is_exact(n, zeros, seed):
    x = make((2, n), seed)
    for z in zeros:
        if z < n:
            x.data[0, z] = 0.0
    torch_check(lambda t: mg.cumprod(t, 1), lambda t: torch.cumprod(t, 1), [x.detach().numpy().copy()])
    assert gradcheck(lambda t: mg.cumprod(t, 1), (x,))


def test_cummax_and_cummin_ties_and_nans_follow_pytorch():
    for values in ([1.0, 1.0, 0.0, 2.0, 2.0], [np.nan, 1.0, np.nan, 2.0], [3.0, np.nan, 1.0]):
        for fn, tfn in ((mg.cummax, torch.cummax), (mg.cummin, torch.cummin)):
            torch_check(lambda t: fn(t, 0), lambda t: tfn(t, 0), [np.array(values)], check_grad=False)
    torch_check(lambda t: mg.cummax(t, 1), lambda t: torch.cummax(t, 1), [np.array([[1, 3, 2], [4, 4, 5]])])



def test_cummax_and_cummin_of_an_empty_tensor_take_any_dim_as_pytorch():
    """PyTorch returns the empty result before it checks dim's range; dim must still be an int."""
    for op in ("cummax", "cummin"):
        for shape, dim in [((0, 2), 5), ((2, 0), -7), ((0,), 0)]:
            ours, theirs = getattr(mg.ones(*shape), op)(dim), getattr(torch.ones(*shape), op)(dim)
            assert tuple(ours.values.shape) == tuple(theirs.values.shape) == shape
            assert ours.indices.dtype == mg.int64
        with pytest.raises(IndexError, match=rf"^{op}: dimension out of range .*but got 5"):
            getattr(mg.ones(2, 2), op)(5)
        with pytest.raises(TypeError, match=rf"^{op}: dim must be an int, got 1.5"):
            getattr(mg.ones(0, 2), op)(1.5)


def test_logcumsumexp_is_stable_where_the_naive_formula_is_not():
    torch_check(lambda t: mg.logcumsumexp(t, 0), lambda t: torch.logcumsumexp(t, 0),
                [np.array([-1000.0, 0.0, 1000.0, -np.inf, 5.0])])


def test_integer_scans_accumulate_in_int64_and_take_dtype():
    for fn, tfn in ((mg.cumsum, torch.cumsum), (mg.cumprod, torch.cumprod)):
        torch_check(lambda t: fn(t, 0), lambda t: tfn(t, 0), [np.array([1, 2, 3], np.int32)])
        torch_check(lambda t: fn(t, 0), lambda t: tfn(t, 0), [np.array([True, False, True])])
        torch_check(lambda t: fn(t, 0, dtype=mg.float64), lambda t: tfn(t, 0, dtype=torch.float64),
                    [np.array([1, 2, 3], np.int32)])
    with pytest.raises(RuntimeError, match="logcumsumexp: expected a floating point input, got int64"):
        mg.logcumsumexp(mg.tensor([1, 2]), 0)
    with pytest.raises(IndexError, match=r"cumprod: dimension out of range.*got 2"):
        mg.cumprod(mg.ones(2, 2), 2)


@pytest.mark.parametrize("op", ["add", "multiply", "maximum", "minimum", "logaddexp"])
@given(shape=shapes(1, 3, min_side=0, max_side=9), seed=seeds, data=st.data())
def test_the_log_step_scan_equals_ufunc_accumulate(op, shape, seed, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    x = np.random.default_rng(seed).uniform(-2, 2, shape)

    class NotNumpy:
        """numpy, seen as another array library (no accumulate is taken)."""
        def __getattr__(self, name):
            return getattr(np, name)

    import minigrad.ops.scan as scan_module
    real = scan_module.array_module
    scan_module.array_module = lambda a: NotNumpy()
    try:
        logstep = scan_array(x, op, dim)
    finally:
        scan_module.array_module = real
    np.testing.assert_allclose(logstep, getattr(np, op).accumulate(x, axis=dim), rtol=1e-12, atol=1e-12)


def test_scans_on_the_device(device):
    x = make((3, 4), 0, device, 0.5, 1.5)
    for fn in (mg.cumsum, mg.cumprod, mg.logcumsumexp, lambda t, d: mg.cummax(t, d).values):
        y = fn(x, 1)
        y.sum().backward()
        assert y.device == x.device and x.grad.device == x.device
        x.grad = None


def test_cumsum_and_cumprod_keep_the_dtype_they_are_asked_for():
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for dtype in (mg.int32, mg.uint8, mg.int8):
        assert mg.cumsum(x, 1, dtype=dtype).dtype == dtype and x.cumprod(0, dtype=dtype).dtype == dtype
    assert x.cumsum(1, dtype=mg.int32).tolist() == [[1, 3, 6], [4, 9, 15]]
    assert mg.cumprod(mg.tensor(np.array([100, 3], np.uint8)), 0, dtype=mg.uint8).tolist() == [100, 44]  # 300 wraps
    assert mg.cumsum(mg.tensor(np.array([1, 2], np.int32)), 0).dtype == mg.int64   # no dtype: int64, as PyTorch
