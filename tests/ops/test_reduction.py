"""Reductions: values against NumPy, gradcheck over Hypothesis shapes and dims, ties,
second derivatives, and the named-tuple results of max/min."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck, separate_ties
from tests.strategies import make, seeds, shapes





@st.composite
def shape_and_dim(draw, min_dims=1):
    shape = draw(shapes(min_dims, 3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return shape, dim, draw(st.booleans())


REDUCE_ALL = {
    "sum": (lambda x: x.sum(), np.sum),
    "mean": (lambda x: x.mean(), np.mean),
    "prod": (lambda x: x.prod(), np.prod),
    "max": (lambda x: x.max(), np.max),
    "min": (lambda x: x.min(), np.min),
    "var": (lambda x: x.var(correction=0), lambda a: np.var(a)),
    "logsumexp": (lambda x: mg.logsumexp(x, tuple(range(x.ndim))), lambda a: np.log(np.exp(a).sum())),
    "norm": (lambda x: x.norm(), lambda a: np.sqrt((a * a).sum())),
}


@pytest.mark.parametrize("name", sorted(REDUCE_ALL))
@given(shape=shapes(min_dims=0), seed=seeds)
def test_full_reductions(name, shape, seed, device):
    fn, oracle = REDUCE_ALL[name]
    x = make(shape, seed, device, 0.3, 2.0)
    separate_ties(x)
    y = fn(x)
    assert y.shape == ()
    np.testing.assert_allclose(y.item(), oracle(x.detach().numpy(force=True)), rtol=1e-10)
    assert gradcheck(fn, (x,))


DIM_REDUCE = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), lambda a, d, k: a.sum(d, keepdims=k)),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), lambda a, d, k: a.mean(d, keepdims=k)),
    "prod": (lambda x, d, k: x.prod(d, keepdim=k), lambda a, d, k: a.prod(d, keepdims=k)),
    "max": (lambda x, d, k: x.max(d, keepdim=k).values, lambda a, d, k: a.max(d, keepdims=k)),
    "min": (lambda x, d, k: x.min(d, keepdim=k).values, lambda a, d, k: a.min(d, keepdims=k)),
    "amax": (lambda x, d, k: x.amax(d, keepdim=k), lambda a, d, k: a.max(d, keepdims=k)),
    "var": (lambda x, d, k: x.var(d, keepdim=k), lambda a, d, k: a.var(d, ddof=1, keepdims=k)),
    "std0": (lambda x, d, k: x.std(d, keepdim=k, correction=0), lambda a, d, k: a.std(d, keepdims=k)),
    "logsumexp": (lambda x, d, k: mg.logsumexp(x, d, keepdim=k), lambda a, d, k: np.log(np.exp(a).sum(d, keepdims=k))),
    "cumsum": (lambda x, d, k: mg.cumsum(x, d), lambda a, d, k: np.cumsum(a, d)),
    "softmax": (lambda x, d, k: mg.softmax(x, d), lambda a, d, k: np.exp(a) / np.exp(a).sum(d, keepdims=True)),
    "log_softmax": (lambda x, d, k: mg.log_softmax(x, d), lambda a, d, k: a - np.log(np.exp(a).sum(d, keepdims=True))),
}


@pytest.mark.parametrize("name", sorted(DIM_REDUCE))
@given(sdk=shape_and_dim(), seed=seeds)
def test_reductions_along_a_dim(name, sdk, seed, device):
    shape, dim, keepdim = sdk
    fn, oracle = DIM_REDUCE[name]
    x = make(shape, seed, device, 0.3, 2.0)
    separate_ties(x)
    if name in ("var", "std0") and shape[dim] == 1:
        return              # var: n - 1 = 0 gives NaN; std of one value: sqrt' at 0 is inf (as PyTorch)
    y = fn(x, dim, keepdim)
    np.testing.assert_allclose(y.detach().numpy(force=True), oracle(x.detach().numpy(force=True), dim, keepdim), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda t: fn(t, dim, keepdim), (x,))


@pytest.mark.parametrize("name", ["sum", "mean", "var", "logsumexp", "softmax", "prod"])
@given(sdk=shape_and_dim(), seed=seeds)
def test_reductions_gradgradcheck(name, sdk, seed, device):
    shape, dim, keepdim = sdk
    if name == "var" and shape[dim] == 1:
        return
    fn, _ = DIM_REDUCE[name]
    x = make(shape, seed, device, 0.3, 2.0)
    assert gradgradcheck(lambda t: fn(t, dim, keepdim), (x,))


def test_multi_dim_sum_and_mean():
    x = make((2, 3, 4), 0)
    assert gradcheck(lambda t: t.sum((0, 2)), (x,))
    assert gradcheck(lambda t: t.mean((-1, 0), keepdim=True), (x,))


def test_full_max_splits_the_gradient_between_ties():
    x = mg.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


def test_max_along_dim_gives_values_and_indices_named_tuple():
    x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.5]], requires_grad=True)
    out = x.max(1)
    assert out.values.tolist() == [5.0, 7.5] and out.indices.tolist() == [1, 2]
    values, indices = mg.min(x, dim=0, keepdim=True)
    assert values.tolist() == [[1.0, 0.0, 2.0]] and indices.tolist() == [[0, 1, 0]]
    assert not indices.requires_grad and indices.dtype == mg.int64
    out.values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0], [0, 0, 1]]


def test_prod_gradient_with_zeros_is_exact():
    x = mg.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0]], dtype=mg.float64, requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0]]


def test_var_and_std_corrections():
    a = np.arange(6.0).reshape(2, 3)
    x = mg.tensor(a)
    assert np.isclose(x.var().item(), a.var(ddof=1))
    assert np.isclose(x.var(unbiased=False).item(), a.var())
    assert np.isclose(x.std(0, correction=0).numpy(), a.std(0)).all()


def test_logsumexp_and_softmax_are_stable_for_large_inputs():
    x = mg.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    y = mg.log_softmax(x, 1)
    y[0, 0].backward()
    assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(x.grad.numpy()))
    assert mg.softmax(x, -1).detach().tolist() == [[1.0, 0.0, 0.0]]


def test_argmax_argmin_and_all_any():
    x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.5]])
    assert x.argmax().item() == 5 and x.argmax(1).tolist() == [1, 2] and x.argmin(0).tolist() == [0, 1, 0]
    assert (x > 0).any().item() and not (x > 0).all().item()


def test_reduction_dim_out_of_range_names_op():
    with pytest.raises(IndexError, match="sum: dimension out of range"):
        mg.ones(2, 3).sum(2)


def test_var_with_no_degrees_of_freedom_matches_pytorch():
    # correction >= N: the value is inf; over given dims the gradient divides by N - correction
    # as it is (finite for correction > N), over all dims it is inf (NaN where x equals the
    # mean), as PyTorch.
    x = mg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    v = x.var(dim=1, correction=5)
    v.sum().backward()
    assert v.tolist() == [float("inf")]
    assert x.grad.tolist() == [[1.0, 0.0, -1.0]]
    y = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y.var(correction=5).backward()
    g = y.grad.numpy()
    assert np.isinf(g[0]) and np.isnan(g[1]) and np.isinf(g[2])


def test_var_refuses_bad_correction_and_integer_input():
    with pytest.raises(TypeError, match="var: correction must be a number"):
        mg.ones(3).var(correction="1")
    with pytest.raises(ValueError, match="var: correction must not be NaN"):
        mg.ones(3).var(correction=float("nan"))
    with pytest.raises(RuntimeError, match="var: needs a floating point input"):
        mg.tensor([1, 2, 3]).var()


@pytest.mark.parametrize("call", [lambda x: x.sum(dim=(0, 0)), lambda x: x.mean(dim=(1, -1)),
                                  lambda x: x.flip((0, 0))])
def test_duplicate_dims_are_refused(call):
    with pytest.raises(RuntimeError, match="appears multiple times"):
        call(mg.ones(2, 3))


@pytest.mark.parametrize("dim", [1.5, "0", True, {0}])
def test_reduction_dim_of_wrong_type_names_op(dim):
    with pytest.raises(TypeError, match="sum: dim must be an int"):
        mg.ones(2, 3).sum(dim=dim)


def test_softmax_keeps_the_differences_of_large_logits():
    # a row of masked_fill(mask, -1e9): softmax is uniform (was [1, 1, 1, 1]: logsumexp = -1e9
    # + log 4 rounds to -1e9 in float32)
    same = mg.tensor([[-1e9] * 4])
    assert np.allclose(mg.softmax(same, -1).numpy(), 0.25)
    assert np.allclose(mg.log_softmax(same, -1).numpy(), np.log(0.25))
    # -1e6 + d (exact in float32): softmax(d), to float32 accuracy
    d = np.array([[0.0, 3.0, -2.0, 1.5]], dtype=np.float32)
    x = mg.tensor(d + np.float32(-1e6))
    want = np.exp(d - d.max()) / np.exp(d - d.max()).sum()
    assert np.allclose(mg.softmax(x, -1).numpy(), want, atol=1e-6)
    assert np.allclose(mg.log_softmax(x, -1).numpy(), np.log(want), atol=1e-5)


def test_softmax_gradient_is_unchanged_by_the_shift():
    x = mg.tensor([[1.0, 2.0, 0.5]], dtype=mg.float64, requires_grad=True)
    (mg.softmax(x, 1) * mg.tensor([[1.0, -2.0, 3.0]], dtype=mg.float64)).sum().backward()
    p = np.exp([1.0, 2.0, 0.5]) / np.exp([1.0, 2.0, 0.5]).sum()
    w = np.array([1.0, -2.0, 3.0])
    assert np.allclose(x.grad.numpy()[0], p * (w - (p * w).sum()))


def test_softmax_refuses_integer_input_and_handles_empty_dims():
    with pytest.raises(RuntimeError, match="softmax: needs a floating point input"):
        mg.softmax(mg.tensor([1, 2]), 0)
    assert mg.softmax(mg.tensor([1, 2]), 0, dtype=mg.float32).dtype == mg.float32
    assert tuple(mg.softmax(mg.ones(2, 0), -1).shape) == (2, 0)
    assert tuple(mg.log_softmax(mg.ones(0, 3), 0).shape) == (0, 3)
    assert mg.logsumexp(mg.ones(2, 0), 1).tolist() == [float("-inf")] * 2


def test_softmax_needs_a_dim_and_f_softmax_picks_pytorchs_implicit_one_with_its_warning():
    import minigrad.nn.functional as F
    x = mg.tensor(np.arange(24.0).reshape(2, 3, 4) / 7, dtype=mg.float32)
    for fn in (mg.softmax, mg.log_softmax, mg.Tensor.softmax, mg.Tensor.log_softmax):
        with pytest.raises(TypeError, match=rf"{fn.__name__}: dim must be an int, got None"):
            fn(x, None)
    for fn, name, shape, dim in ((F.softmax, "softmax", (2, 3, 4), 0), (F.log_softmax, "log_softmax", (2, 3), 1),
                                 (F.softmin, "softmin", (3,), 0), (F.softmax, "softmax", (2, 3, 4, 1), 1)):
        x = mg.tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 7)
        with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been deprecated") as seen:
            y = fn(x)
        assert seen[0].filename == __file__           # shown at the caller, as PyTorch's _stacklevel=3
        np.testing.assert_array_equal(y.numpy(), fn(x, dim).numpy())
    with pytest.raises(TypeError, match="softmax: _stacklevel must be an int, got 1.5"):
        F.softmax(x, None, _stacklevel=1.5)
    assert F.softmax(x, 0, _stacklevel=1.5).shape == x.shape      # read only for dim=None, as PyTorch


@given(data=st.data(), seed=seeds)
def test_nuclear_norm_gradchecks_and_matches_pytorch(data, seed):
    torch = pytest.importorskip("torch")
    shape = data.draw(shapes(2, 3, min_side=0))
    dim = None if len(shape) == 2 and data.draw(st.booleans()) else \
        tuple(data.draw(st.permutations(range(len(shape))))[:2])
    keepdim = data.draw(st.booleans())
    x = make(shape, seed)
    fn = lambda t: mg.norm(t, p="nuc", dim=dim, keepdim=keepdim)  # noqa: E731
    if x.numel():
        assert gradcheck(fn, (x,))
    t = torch.tensor(x.detach().numpy(), requires_grad=True)
    y, ty = fn(x), torch.norm(t, p="nuc", dim=dim, keepdim=keepdim)
    w = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    (y * mg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_nuclear_norm_of_the_zero_matrix_and_bad_arguments():
    x = mg.zeros(2, 2, requires_grad=True)
    x.norm("nuc").backward()
    assert x.grad.tolist() == [[1.0, 0.0], [0.0, 1.0]]         # U V^T of the zero matrix, as PyTorch's
    assert mg.ones(2, 3).norm("nuc").dtype == mg.float32
    with pytest.raises(RuntimeError, match=r"norm: p='nuc' needs a 2-D input, or dim=\(a, b\) .* shape \(3,\)"):
        mg.ones(3).norm("nuc")
    with pytest.raises(RuntimeError, match=r"norm: dim 1 appears multiple times"):
        mg.ones(2, 3, 4).norm("nuc", dim=(1, -2))
    with pytest.raises(RuntimeError, match=r"norm: p='nuc' does not support float16"):
        mg.ones(2, 2, dtype=mg.float16).norm("nuc")


def test_argmin_argmax_and_logsumexp_refuse_what_pytorch_refuses():
    b = mg.ones(2, 3, dtype=mg.bool)
    for op in ("argmin", "argmax"):
        with pytest.raises(RuntimeError, match=rf"^{op}: does not support bool input"):
            getattr(mg, op)(b)
        with pytest.raises(TypeError, match=rf"^{op}: input must be a Tensor, got ndarray"):
            getattr(mg, op)(np.ones(3))
    with pytest.raises(RuntimeError, match=r"^logsumexp: dim=\(\) reduces no dim of an input of shape \(2, 3\)"):
        mg.ones(2, 3).logsumexp(())
    assert mg.logsumexp(mg.tensor(0.5), ()).item() == 0.5


def test_norm_of_the_zero_vector_has_a_zero_gradient():
    x = mg.zeros(3, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    y = mg.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    y.norm(dim=1).sum().backward()
    assert np.allclose(y.grad.numpy(), [[0.6, 0.8], [0.0, 0.0]])


def test_norm_p0_is_in_the_graph_and_gives_no_gradient_as_pytorch():
    """The count of non-zero elements requires grad (it did not: a graph that used it lost track)
    and its backward leaves the input's gradient None, as PyTorch's; others' gradients pass by."""
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]], np.float32)
    for dim, keepdim in ((None, False), (1, False), (1, True), ((0, 1), True)):
        x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        ours, theirs = x.norm(0, dim, keepdim), t.norm(0, dim, keepdim)
        assert ours.requires_grad and theirs.requires_grad and ours.dtype == mg.float32
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
        ours.sum().backward()
        theirs.sum().backward()
        assert x.grad is None and t.grad is None
    x = mg.tensor(a, requires_grad=True)
    (x.norm(0) * x.sum()).backward()
    assert x.grad.tolist() == [[3.0] * 3] * 2


def test_norm_orders_as_pytorch():
    x = mg.tensor([[3.0, 0.0, -4.0]])
    assert x.norm(p=None).item() == 5.0 and mg.norm(x, None, 1).tolist() == [5.0]      # PyTorch's default
    assert x.norm(0).item() == 2.0 and x.norm(float("-inf")).item() == 0.0 and x.norm(float("inf")).item() == 4.0
    with pytest.raises(ValueError, match="norm: p must be"):
        x.norm("bogus")
    with pytest.raises(RuntimeError, match="norm: needs a floating point input"):
        mg.tensor([1, 2]).norm()


def test_keepdim_must_be_a_bool():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    for call in (lambda: x.amax(1, keepdim=1), lambda: mg.amin(x, 1, 1), lambda: x.min(1, keepdim=None),
                 lambda: mg.logsumexp(x, 1, 0.5), lambda: x.argmin(1, keepdims="yes"), lambda: x.sum(0, 1)):
        with pytest.raises(TypeError, match=r"(amax|amin|min|logsumexp|argmin|sum): keepdim must be a bool"):
            call()
    assert x.sum(1, True).shape == (2, 1) and x.amax(1, keepdims=np.bool_(True)).shape == (2, 1)


def test_var_family_checks_unbiased_and_names_itself():
    x = mg.tensor([1.0, 2.0, 4.0])
    with pytest.raises(TypeError, match=r"^var: unbiased must be a bool, got 0.5"):
        mg.var(x, 0, 0.5)
    with pytest.raises(TypeError, match=r"^std: unbiased must be a bool"):
        mg.std(x, 0, 1)
    with pytest.raises(TypeError, match=r"^std_mean: "):
        mg.std_mean(x, 0.5)
    assert mg.var(x, 0, False).item() == pytest.approx(14 / 9)
    assert mg.std(x, unbiased=True).item() == pytest.approx((7 / 3) ** 0.5)


@pytest.mark.parametrize("dim", [0, -1, (0,), (-1,)])
def test_reductions_and_softmax_along_dim_0_or_minus_1_of_a_0d_tensor(dim):
    """A 0-d tensor has dim 0 (and -1) as PyTorch: sum/mean/amax/logsumexp over it and
    softmax/log_softmax along it are defined (they raised IndexError), with PyTorch's values and
    gradients, keepdim included."""
    torch = pytest.importorskip("torch")
    from tests.torch_oracle import torch_check
    x = np.array(1.5)
    for name in ("sum", "mean", "amax", "amin", "logsumexp"):
        for keepdim in (False, True):
            torch_check(lambda t: getattr(t, name)(dim, keepdim=keepdim),
                        lambda t: getattr(t, name)(dim, keepdim=keepdim), [x])
    if not isinstance(dim, tuple):
        for name in ("softmax", "log_softmax"):
            torch_check(lambda t: getattr(mg.nn.functional, name)(t, dim=dim),
                        lambda t: getattr(torch.nn.functional, name)(t, dim=dim), [x])
            torch_check(lambda t: getattr(t, name)(dim), lambda t: getattr(t, name)(dim), [x])
    t = mg.tensor(1.5, dtype=mg.float64, requires_grad=True)
    assert gradgradcheck(lambda t: mg.nn.functional.log_softmax(t, dim=0) + t.logsumexp(-1) * t.sum(0), (t,))
    with pytest.raises(IndexError, match="dimension out of range"):
        t.sum(1)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.all(dim=3), IndexError, r"all: dimension out of range .* but got 3"),
    (lambda x: mg.any(x, dim=(-1, 1), keepdim=True), RuntimeError, r"any: dim 1 appears multiple times"),
    (lambda x: mg.any(x, keepdim=1), TypeError, r"any: keepdim must be a bool"),
    (lambda x: mg.ones(0, 3).amin(), RuntimeError,
     r"amin: cannot reduce over dim 0 of size 0 \(input shape \(0, 3\)\)"),
    (lambda x: mg.ones(0, 3).amax(0), RuntimeError, r"amax: cannot reduce over dim 0 of size 0"),
])
def test_reduction_arguments_are_checked_with_the_op_named(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.ones(2, 3))


def test_all_any_over_tuples_of_dims_and_amin_over_a_nonempty_dim_of_an_empty_tensor():
    x = mg.tensor([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    assert x.all(dim=(0, 1)).item() is False and x.any(dim=(-1,)).tolist() == [True, True]
    assert x.all(1, keepdim=True).tolist() == [[False], [True]]
    assert mg.tensor(2.0).all(0).item() is True
    assert mg.ones(0, 3).amin(1).shape == (0,)


def test_softmax_of_an_empty_input_is_empty_in_any_dtype_as_pytorch():
    for op in (mg.softmax, mg.log_softmax, mg.nn.functional.softmin):
        y = op(mg.ones(0, 3), dim=1, dtype=mg.uint8)
        assert y.shape == (0, 3) and y.dtype == mg.uint8
        y = op(mg.ones(2, 0, dtype=mg.int64), dim=0)
        assert y.shape == (2, 0) and y.dtype == mg.int64
        with pytest.raises(RuntimeError, match=r"^(softmax|log_softmax|softmin): needs a floating point input, got uint8"):
            op(mg.ones(2, 3), dim=1, dtype=mg.uint8)


def test_an_empty_dim_list_reduces_every_dim_as_pytorch():
    x = mg.tensor([[1.0, 2.0, 0.0], [4.0, 5.0, 6.0]])
    for fn in (mg.sum, mg.mean, mg.std, mg.var, mg.amax, mg.count_nonzero):
        assert fn(x, dim=()).shape == () and np.isclose(fn(x, dim=()).item(), fn(x).item())
    assert mg.sum(x, dim=[]).item() == 18.0 and mg.count_nonzero(x, dim=()).item() == 5


def test_prod_keepdim_without_dim_keeps_every_dim():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert mg.prod(x, keepdim=True).shape == (1, 1) and mg.prod(x, keepdim=True).item() == 24.0
    assert mg.sum(x, keepdim=True).shape == (1, 1)


def test_mean_dtype_must_be_floating_and_converts_an_integer_input():
    with pytest.raises(RuntimeError, match=r"^mean: dtype must be a floating point or complex dtype, got int64$"):
        mg.mean(mg.ones(2, 3), dtype=mg.int64)
    assert mg.mean(mg.tensor([1, 2]), dtype=mg.float32).item() == 1.5


def test_sum_and_prod_take_a_dtype_object_and_keep_it():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    for dtype in (mg.int32, mg.uint8, mg.bool_):
        assert mg.prod(x, dtype=dtype).dtype == dtype and mg.prod(x, 0, dtype=dtype).dtype == dtype
    assert mg.prod(x, dtype=mg.int32).item() == 24
    for op in (mg.sum, mg.prod):
        with pytest.raises(TypeError, match=rf"^{op.__name__}: dtype must be a dtype .*got the string 'float32'$"):
            op(x, dtype="float32")
    with pytest.raises(TypeError, match=r"^prod: input must be a Tensor, got int$"):
        mg.prod(2)


def test_sum_with_a_dtype_casts_the_input_first():
    x = mg.tensor([[200.7, 100.7]])
    assert mg.sum(x, dtype=mg.uint8).item() == 44 and mg.sum(x, dtype=mg.uint8).dtype == mg.uint8  # (200 + 100) % 256
    assert mg.sum(x, dtype=mg.int32).item() == 300
    assert mg.sum(mg.ones(2, dtype=mg.uint8)).dtype == mg.int64 and mg.sum(mg.ones(2, dtype=mg.int32)).dtype == mg.int64


def test_argmax_and_argmin_without_dim_keep_every_dim_with_keepdim():
    x = mg.tensor([[1.0, 3.0], [2.0, 0.0]])
    assert mg.argmax(x, keepdim=True).shape == (1, 1) and mg.argmax(x, keepdim=True).tolist() == [[1]]
    assert x.argmin(keepdim=True).tolist() == [[3]]
    assert mg.argmax(x).shape == ()


def test_logsumexp_of_integers_is_in_the_default_float_dtype():
    y = mg.logsumexp(mg.tensor([[1, 2], [3, 4]]), 1)
    assert y.dtype == mg.float32
    np.testing.assert_allclose(y.numpy(), np.log(np.exp([[1, 2], [3, 4]]).sum(1)), rtol=1e-6)


@pytest.mark.parametrize("op", ["min", "max", "median", "nanmedian"])
def test_keepdim_true_without_dim_is_refused_as_pytorch(op):
    x = mg.ones(2, 3)
    with pytest.raises(TypeError, match=rf"^{op}: keepdim=True needs a dim"):
        getattr(mg, op)(x, keepdim=True)
    with pytest.raises(TypeError, match=rf"^{op}: keepdim must be a bool, got 1 \(int\)"):
        getattr(x, op)(1, keepdim=1)
    assert getattr(mg, op)(x, keepdim=False).shape == () and getattr(x, op)(1, keepdim=True)[0].shape == (2, 1)


def test_logsumexp_needs_a_dim_as_pytorch():
    with pytest.raises(TypeError, match="^logsumexp: dim must be an int or a tuple of ints, got None"):
        mg.logsumexp(mg.ones(2, 3), None)


def test_softmax_and_log_softmax_of_a_slice_with_inf_are_nan_as_pytorchs():
    x = mg.tensor([[1.0, -float("inf"), 2.0], [float("inf"), 1.0, 0.0], [-float("inf")] * 3])
    p, logp = mg.softmax(x, -1).numpy(), mg.log_softmax(x, -1).numpy()
    np.testing.assert_allclose(p[0], [0.26894142, 0.0, 0.7310586], rtol=1e-6)
    assert np.isnan(p[1:]).all() and np.isnan(logp[1:]).all() and logp[0, 1] == -np.inf
    loss = mg.nn.functional.cross_entropy(x[:2], mg.tensor([0, 2]), reduction="none")
    assert np.isnan(loss.numpy()[1]) and np.isfinite(loss.numpy()[0])


def test_all_and_any_of_uint8_are_uint8_as_pytorchs():
    x = mg.tensor(np.array([[1, 0], [2, 3]], np.uint8))
    assert x.all().dtype == mg.uint8 and x.all().item() == 0
    assert mg.any(x, 1).dtype == mg.uint8 and mg.any(x, 1).tolist() == [1, 1]
    assert mg.all(mg.tensor([1, 2])).dtype == mg.bool


def test_var_and_std_over_no_elements_are_nan_whatever_the_correction():
    for correction in (-1, 0, 1):
        assert np.isnan(mg.zeros(0, 3).var(correction=correction).item())
        assert np.isnan(mg.zeros(0, 3).std(0, correction=correction).numpy()).all()


def test_float32_std_and_var_accumulate_in_float64_and_std_takes_the_root_there():
    """As PyTorch: the std of 1e30-sized float32 values is finite (their variance, 1e60, is not
    a float32: inf), and the std's gradient at a constant slice is 0 (it was 0 * inf = NaN)."""
    a = np.array([[1e30, -2e30, 3e30], [4e30, 5e30, -1e30]], np.float32)
    x = mg.tensor(a, requires_grad=True)
    s = x.std()
    assert s.dtype == mg.float32
    np.testing.assert_allclose(s.item(), np.std(a.astype(np.float64), ddof=1), rtol=1e-6)
    np.testing.assert_allclose(mg.std(x, 1).detach().numpy(), np.std(a.astype(np.float64), 1, ddof=1), rtol=1e-6)
    assert x.var().item() == np.inf
    s.backward()
    centred = a.astype(np.float64) - a.astype(np.float64).mean()
    np.testing.assert_allclose(x.grad.numpy(), centred / (5 * np.std(a.astype(np.float64), ddof=1)), rtol=1e-5)
    c = mg.zeros(2, 3, requires_grad=True)
    c.std(1).sum().backward()
    np.testing.assert_array_equal(c.grad.numpy(), np.zeros((2, 3)))
    small = mg.tensor([1.0, 1.0 + 2 ** -23, 1.0])      # float32 rounding of the mean would lose it
    np.testing.assert_allclose(small.var().item(), np.var([1.0, 1.0 + 2 ** -23, 1.0], ddof=1), rtol=1e-6)


def test_an_integer_dtype_for_a_sum_or_product_that_requires_grad_raises_as_pytorch():
    """Autograd cannot follow an integer or bool result: PyTorch refuses the dtype while grad
    mode is on and the input requires grad; without grad the result is cast."""
    pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    calls = {"sum": lambda x, d: x.sum(dtype=d), "sum": lambda x, d: x.sum(0, dtype=d),
             "prod": lambda x, d: x.prod(dtype=d), "cumsum": lambda x, d: x.cumsum(0, dtype=d),
             "cumprod": lambda x, d: x.cumprod(1, dtype=d)}
    for op, call in calls.items():
        for dtype in ("int32", "uint8"):
            raises_as_torch(lambda m: call(m.ones(2, 3, requires_grad=True), getattr(m, dtype)),
                            rf"^{op}: autograd does not support dtype {dtype} \(input requires grad\)")
        with mg.no_grad():
            assert call(mg.ones(2, 3, requires_grad=True), mg.int32).dtype == mg.int32
        assert call(mg.ones(2, 3), mg.int32).dtype == mg.int32
        assert call(mg.ones(2, 3, requires_grad=True), mg.float64).requires_grad
    raises_as_torch(lambda m: m.ones(2, 3, requires_grad=True).sum(dtype=m.bool), r"^sum: .*dtype bool")
    for op in ("cumsum", "cumprod"):
        raises_as_torch(lambda m: getattr(m.ones(3), op)(0, dtype=m.bool), rf"^{op}: not implemented for dtype bool")
