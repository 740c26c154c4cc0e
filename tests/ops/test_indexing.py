"""Indexing: __getitem__ (ints, slices, ellipsis, None, integer arrays, boolean masks, repeated
indices accumulate), gather, scatter_add, index_select, masked_fill, tril/triu, __setitem__."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck, separate_ties
from tests.strategies import broadcast_pair, make, seeds, shapes
from tests.torch_oracle import torch_check

KEYS = [
    (1,), (slice(None), 0), (Ellipsis, 1), (None, 0), (slice(1, None, 2),), (-1, slice(None, None, 2)),
    (np.array([0, 2, 0, 2]),), (np.array([[1, 1], [0, 2]]), slice(0, 2)), (slice(None), np.array([2, 2, 0])),
    (np.array([0, 2]), np.array([1, 1])),
]


@pytest.mark.parametrize("key", KEYS, ids=str)
def test_getitem_matches_numpy_and_gradchecks(key, device):
    x = make((3, 3, 2), 0, device)
    np.testing.assert_array_equal(x[key].detach().numpy(force=True), x.detach().numpy(force=True)[key])
    assert gradcheck(lambda t: t[key], (x,))
    assert gradgradcheck(lambda t: t[key] ** 2, (x,))


def test_repeated_indices_accumulate():
    x = mg.zeros(4, requires_grad=True)
    x[mg.tensor([0, 0, 3, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 0.0, 1.0]


def test_boolean_mask_indexing_and_tensor_keys(device):
    x = make((3, 4), 1, device)
    mask = x.detach() > 0
    np.testing.assert_array_equal(x[mask].detach().numpy(force=True), x.detach().numpy(force=True)[mask.numpy(force=True)])
    assert gradcheck(lambda t: t[mask], (x,))
    assert gradcheck(lambda t: t[mg.tensor([2, 0], device=device)], (x,))


def test_getitem_out_of_range_is_index_error_with_index_and_size():
    with pytest.raises(IndexError, match=r"getitem: index 5 is out of bounds for axis 0 with size 3"):
        mg.ones(3, 2)[5]


@given(shape=shapes(1, 3), seed=seeds, data=st.data())
def test_gather_and_scatter_add(shape, seed, data, device):
    x = make(shape, seed, device)
    dim = data.draw(st.integers(0, len(shape) - 1))
    rng = np.random.default_rng(seed)
    idx_shape = tuple(data.draw(st.integers(1, s)) if d != dim else data.draw(st.integers(1, 4)) for d, s in enumerate(shape))
    index = mg.tensor(rng.integers(0, shape[dim], idx_shape), device=device)
    expected = np.take_along_axis(x.detach().numpy(force=True)[tuple(slice(0, s) if d != dim else slice(None) for d, s in enumerate(idx_shape))],
                                  index.numpy(force=True), dim)
    np.testing.assert_array_equal(x.gather(dim, index).detach().numpy(force=True), expected)
    assert gradcheck(lambda t: t.gather(dim, index), (x,))
    src = make(idx_shape, seed + 1, device)
    ref = x.detach().numpy(force=True).copy()
    full_idx = list(np.indices(idx_shape))
    full_idx[dim] = index.numpy(force=True)
    np.add.at(ref, tuple(full_idx), src.detach().numpy(force=True))
    np.testing.assert_allclose(x.scatter_add(dim, index, src).detach().numpy(force=True), ref, rtol=1e-12)
    assert gradcheck(lambda t, s: t.scatter_add(dim, index, s), (x, src))
    assert gradgradcheck(lambda t: t.gather(dim, index) ** 2, (x,))


@given(shape=shapes(1, 3), seed=seeds, data=st.data())
def test_index_select(shape, seed, data, device):
    x = make(shape, seed, device)
    dim = data.draw(st.integers(0, len(shape) - 1))
    index = mg.tensor(np.random.default_rng(seed).integers(0, shape[dim], data.draw(st.integers(1, 5))), device=device)
    np.testing.assert_array_equal(x.index_select(dim, index).detach().numpy(force=True),
                                  np.take(x.detach().numpy(force=True), index.numpy(force=True), dim))
    assert gradcheck(lambda t: t.index_select(dim, index), (x,))
    assert gradgradcheck(lambda t: t.index_select(dim, index) ** 2, (x,))


def test_masked_fill_tril_triu(device):
    x = make((3, 4), 2, device)
    mask = mg.tensor(np.array([True, False, False, True]), device=device)
    y = x.masked_fill(mask, -5.0)
    assert np.all(y.detach().numpy(force=True)[:, [0, 3]] == -5.0)
    assert gradcheck(lambda t: t.masked_fill(mask, 0.0), (x,))
    assert gradcheck(lambda t: t.tril(), (x,)) and gradcheck(lambda t: t.triu(1), (x,))
    np.testing.assert_array_equal(x.tril(-1).detach().numpy(force=True), np.tril(x.detach().numpy(force=True), -1))
    with pytest.raises(RuntimeError, match=r"masked_fill: mask of shape \(3,\) does not broadcast"):
        x.masked_fill(mg.tensor([True, False, True]), 0.0)
    with pytest.raises(RuntimeError, match=r"masked_fill: value 1j cannot be converted to type float64 without overflow"):
        x.masked_fill(mask, 1j)
    assert x.float().masked_fill(mask, float("-inf")).numpy(force=True)[0, 0] == -np.inf


def test_index_errors_name_op_index_and_size():
    x = mg.ones(3, 2)
    with pytest.raises(RuntimeError, match="gather: index 3 is out of bounds for dimension 0 with size 3"):
        x.gather(0, mg.tensor([[3, 0]]))
    with pytest.raises(RuntimeError, match="index_select: index 2 is out of bounds for dimension 1"):
        x.index_select(1, mg.tensor([0, 2]))


def test_out_of_range_index_raises_pytorchs_error_type():
    """RuntimeError from gather, scatter*, index_select and index_add, IndexError from index_fill,
    index_copy and take, as PyTorch (gather and the scatters raised IndexError)."""
    torch = pytest.importorskip("torch")
    x = np.zeros((2, 3))
    i = np.array([[0, 5], [1, 2]])
    calls = {
        "gather": lambda m, t: t.gather(1, m.tensor(i)),
        "gather, negative": lambda m, t: t.gather(1, m.tensor(-i)),
        "scatter": lambda m, t: t.scatter(1, m.tensor(i), m.ones(2, 2, dtype=m.float64)),
        "scatter_add": lambda m, t: t.scatter_add(1, m.tensor(i), m.ones(2, 2, dtype=m.float64)),
        "scatter_reduce": lambda m, t: t.scatter_reduce(1, m.tensor(i), m.ones(2, 2, dtype=m.float64), "sum"),
        "index_select": lambda m, t: t.index_select(1, m.tensor([5])),
        "index_add": lambda m, t: t.index_add(1, m.tensor([5]), m.ones(2, 1, dtype=m.float64)),
        "index_fill": lambda m, t: t.index_fill(1, m.tensor([5]), 1.0),
        "index_copy": lambda m, t: t.index_copy(1, m.tensor([5]), m.ones(2, 1, dtype=m.float64)),
        "take": lambda m, t: t.take(m.tensor([6])),
    }
    for name, call in calls.items():
        with pytest.raises(Exception) as theirs:
            call(torch, torch.tensor(x))
        with pytest.raises(Exception) as ours:
            call(mg, mg.tensor(x))
        assert type(ours.value) is type(theirs.value), (name, ours.value, theirs.value)
        assert "out of bounds" in str(ours.value), name


def test_scatter_refuses_a_string_for_its_value_as_pytorch():
    pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    index = lambda m: m.zeros(2, 3, dtype=m.int64)      # noqa: E731
    raises_as_torch(lambda m: m.ones(2, 3).scatter(0, index(m), value="0.1"),
                    r"^scatter: src must be a Tensor and value a number, got '0.1' \(str\)$")
    raises_as_torch(lambda m: m.scatter(m.ones(2, 3), 0, index(m), value="0.1"), r"^scatter: .*got '0.1' \(str\)$")
    raises_as_torch(lambda m: m.ones(2, 3).scatter_(0, index(m), value=None, src=[1.0]), r"scatter_?: .*got \[1.0\] \(list\)$")
    assert mg.ones(2, 3).scatter(0, mg.zeros(2, 3, dtype=mg.int64), value=0.5).tolist() == [[0.5] * 3, [1.0] * 3]


def test_setitem_needs_no_grad():
    x = mg.zeros(3)
    x[1] = 5.0
    x[mg.tensor([0, 2])] = mg.tensor([1.0, 2.0])
    assert x.tolist() == [1.0, 5.0, 2.0]
    w = mg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w[0] = 1.0
    with mg.no_grad():
        w[0] = 1.0
    assert w.tolist()[0] == 1.0


# ----------------------------------------------------------------------------- scatter family,
# index ops, masked_select, take, nonzero: gradcheck on Hypothesis shapes, equal to PyTorch



@st.composite
def scatter_case(draw):
    """(input shape, dim, index array, src shape): index no larger than src, nor than the
    input off ``dim``; index values in range; sizes 0 and 1 included."""
    nd = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd)))
    dim = draw(st.integers(0, nd - 1))
    ishape = tuple(draw(st.integers(0, shape[d] if d != dim else 5)) for d in range(nd))
    sshape = tuple(s + draw(st.integers(0, 1)) for s in ishape)
    index = np.array(draw(st.lists(st.integers(0, shape[dim] - 1), min_size=int(np.prod(ishape)),
                                    max_size=int(np.prod(ishape)))), dtype=np.int64).reshape(ishape)
    return shape, dim, index, sshape


@given(case=scatter_case(), seed=seeds)
def test_scatter_add_and_scatter_reduce_sum_mean(case, seed):
    torch = pytest.importorskip("torch")
    shape, dim, index, sshape = case
    x, src = make(shape, seed), make(sshape, seed + 1)
    a, s = x.detach().numpy().copy(), src.detach().numpy().copy()
    idx = mg.tensor(index)
    assert gradcheck(lambda t, u: mg.scatter_add(t, dim, idx, u), (x, src))
    same = sshape == index.shape        # PyTorch's backward needs src shaped like index
    torch_check(lambda t, u: mg.scatter_add(t, dim, mg.tensor(index), u),
                lambda t, u: torch.scatter_add(t, dim, torch.tensor(index), u), [a, s], check_grad=same)
    for reduce in ("sum", "mean"):
        for include_self in (True, False):
            fn = lambda t, u: mg.scatter_reduce(t, dim, idx, u, reduce, include_self=include_self)  # noqa: E731
            assert gradcheck(fn, (x, src))
            assert gradgradcheck(fn, (x, src))
            torch_check(lambda t, u: t.scatter_reduce(dim, mg.tensor(index), u, reduce, include_self=include_self),
                        lambda t, u: t.scatter_reduce(dim, torch.tensor(index), u, reduce, include_self=include_self),
                        [a, s], check_grad=same)


@given(case=scatter_case(), seed=seeds)
def test_scatter_reduce_prod_amax_amin(case, seed):
    torch = pytest.importorskip("torch")
    shape, dim, index, sshape = case
    x, src = make(shape, seed, low=0.5, high=2.0), make(sshape, seed + 1, low=0.5, high=2.0)
    separate_ties(x)
    separate_ties(src, seed=seed)
    idx = mg.tensor(index)
    for reduce in ("prod", "amax", "amin"):
        for include_self in (True, False):
            fn = lambda t, u: mg.scatter_reduce(t, dim, idx, u, reduce, include_self=include_self)  # noqa: E731
            assert gradcheck(fn, (x, src))
            torch_check(lambda t, u: mg.scatter_reduce(t, dim, mg.tensor(index), u, reduce, include_self=include_self),
                        lambda t, u: torch.scatter_reduce(t, dim, torch.tensor(index), u, reduce, include_self=include_self),
                        [x.detach().numpy().copy(), src.detach().numpy().copy()], check_grad=sshape == index.shape)


def test_scatter_reduce_gradients_with_zeros_and_ties_match_pytorch():
    torch = pytest.importorskip("torch")
    index = np.array([0, 0, 1, 2, 2, 2])
    a = np.array([1.0, 2.0, 3.0])
    for reduce in ("prod", "amax", "amin"):
        for include_self in (True, False):
            for src in (np.array([2.0, 0.0, 4.0, 0.0, 5.0, 0.0]), np.array([2.0, 2.0, 4.0, 3.0, 3.0, 1.0]),
                        np.array([1.0, 1.0, 3.0, 3.0, 3.0, 3.0])):
                # PyTorch counts an excluded self that equals the result among the ties (so that
                # share of the gradient is lost); minigrad does not follow it
                y = torch.tensor(a).scatter_reduce(0, torch.tensor(index), torch.tensor(src), reduce,
                                                   include_self=include_self).numpy()
                quirk = reduce != "prod" and not include_self and any(a[p] == y[p] for p in set(index))
                torch_check(lambda t, u: t.scatter_reduce(0, mg.tensor(index), u, reduce, include_self=include_self),
                            lambda t, u: t.scatter_reduce(0, torch.tensor(index), u, reduce, include_self=include_self),
                            [a, src], check_grad=not quirk)


def test_scatter_reduce_ties_share_the_whole_gradient():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    src = mg.tensor([1.0, 1.0, 3.0, 3.0, 3.0, 1.0], requires_grad=True)
    y = x.scatter_reduce(0, mg.tensor([0, 0, 1, 2, 2, 2]), src, "amax", include_self=False)
    y.backward(mg.tensor([1.0, 2.0, 6.0]))
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert src.grad.tolist() == [0.5, 0.5, 2.0, 3.0, 3.0, 0.0]


def test_scatter_reduce_of_integers_matches_pytorch():
    torch = pytest.importorskip("torch")
    index = np.array([0, 0, 1])
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            torch_check(lambda t, u: t.scatter_reduce(0, mg.tensor(index), u, reduce, include_self=include_self),
                        lambda t, u: t.scatter_reduce(0, torch.tensor(index), u, reduce, include_self=include_self),
                        [np.array([1, 5, 7]), np.array([3, 4, -5])])


def test_the_segmented_scan_equals_ufunc_at():
    from minigrad.ops import indexing

    class NotNumpy:
        def __getattr__(self, name):
            return getattr(np, name)

    rng = np.random.default_rng(0)
    linear = rng.integers(0, 7, 40)
    values = rng.uniform(0.5, 2, 40)
    for op in ("multiply", "maximum", "minimum"):
        expected = np.ones(7) * 1.5
        getattr(np, op).at(expected, linear, values)
        real = indexing.array_module
        indexing.array_module = lambda a: NotNumpy()
        try:
            got = indexing._reduce_at(op, np.ones(7) * 1.5, linear, values)
        finally:
            indexing.array_module = real
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@given(case=scatter_case(), seed=seeds)
def test_scatter_with_a_tensor_and_with_a_value(case, seed):
    torch = pytest.importorskip("torch")
    shape, dim, index, sshape = case
    # PyTorch leaves the winner of repeated indices unspecified: keep them unique per slot
    flat_positions = set()
    unique = True
    for pos in np.ndindex(index.shape):
        key = tuple(index[pos] if d == dim else p for d, p in enumerate(pos))
        unique &= key not in flat_positions
        flat_positions.add(key)
    x, src = make(shape, seed), make(sshape, seed + 1)
    idx = mg.tensor(index)
    if unique:       # with repeats every src element gets gather(g), as in PyTorch: not a derivative
        assert gradcheck(lambda t, u: mg.scatter(t, dim, idx, u), (x, src))
        torch_check(lambda t, u: t.scatter(dim, mg.tensor(index), u), lambda t, u: t.scatter(dim, torch.tensor(index), u),
                    [x.detach().numpy().copy(), src.detach().numpy().copy()], check_grad=sshape == index.shape)
    torch_check(lambda t: t.scatter(dim, mg.tensor(index), 0.5), lambda t: t.scatter(dim, torch.tensor(index), 0.5),
                [x.detach().numpy().copy()])
    torch_check(lambda t, u: t.scatter(dim, mg.tensor(index), u, reduce="add"),
                lambda t, u: t.scatter(dim, torch.tensor(index), u, reduce="add"),
                [x.detach().numpy().copy(), src.detach().numpy().copy()], check_grad=False)


def test_scatter_errors_name_the_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"scatter: index shape \(3, 1\) does not fit input shape \(2, 2\)"):
        mg.scatter(mg.ones(2, 2), 1, mg.zeros(3, 1, dtype=mg.int64), mg.ones(3, 1))
    with pytest.raises(RuntimeError, match="scatter_reduce: index 5 is out of bounds for dimension 0 with size 2"):
        mg.scatter_reduce(mg.ones(2), 0, mg.tensor([5]), mg.ones(1), "sum")
    with pytest.raises(RuntimeError, match="scatter_reduce: reduce argument must be one of sum, prod, mean, amax, amin, got 'max'"):
        mg.scatter_reduce(mg.ones(2), 0, mg.tensor([0]), mg.ones(1), "max")
    with pytest.raises(RuntimeError, match="scatter: reduce argument must be either 'add' or 'multiply'"):
        mg.scatter(mg.ones(2), 0, mg.tensor([0]), mg.ones(1), reduce="sum")


@given(shape=shapes(1, 3, min_side=0), seed=seeds, data=st.data())
def test_index_add_fill_copy(shape, seed, data):
    torch = pytest.importorskip("torch")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    if n == 0:
        return
    k = data.draw(st.integers(0, n))
    index = np.array(data.draw(st.permutations(range(n)))[:k], dtype=np.int64)
    src_shape = tuple(k if d == dim % len(shape) else s for d, s in enumerate(shape))
    x, src = make(shape, seed), make(src_shape, seed + 1)
    a, s = x.detach().numpy().copy(), src.detach().numpy().copy()
    idx = mg.tensor(index)
    assert gradcheck(lambda t, u: mg.index_add(t, dim, idx, u, alpha=2.0), (x, src))
    torch_check(lambda t, u: t.index_add(dim, mg.tensor(index), u, alpha=2.0),
                lambda t, u: t.index_add(dim, torch.tensor(index), u, alpha=2.0), [a, s])
    torch_check(lambda t, u: t.index_copy(dim, mg.tensor(index), u),
                lambda t, u: t.index_copy(dim, torch.tensor(index), u), [a, s])
    torch_check(lambda t: t.index_fill(dim, mg.tensor(index), -1.5),
                lambda t: t.index_fill(dim, torch.tensor(index), -1.5), [a])


@given(shapes_=broadcast_pair(), seed=seeds)
def test_masked_select(shapes_, seed):
    torch = pytest.importorskip("torch")
    x = make(shapes_[0], seed)
    mask = np.random.default_rng(seed).uniform(size=shapes_[1]) > 0.5
    assert gradcheck(lambda t: mg.masked_select(t, mg.tensor(mask)), (x,))
    torch_check(lambda t: t.masked_select(mg.tensor(mask)), lambda t: t.masked_select(torch.tensor(mask)),
                [x.detach().numpy().copy()])


@given(shape=shapes(0, 3, min_side=0), seed=seeds)
def test_take_take_along_dim_nonzero(shape, seed):
    torch = pytest.importorskip("torch")
    x = make(shape, seed)
    a = x.detach().numpy().copy()
    n = max(a.size, 1)
    index = np.random.default_rng(seed).integers(-n, n, (2, 3)) if a.size else np.zeros((0,), np.int64)
    torch_check(lambda t: t.take(mg.tensor(index)), lambda t: t.take(torch.tensor(index)), [a])
    if shape:
        order = np.argsort(a, axis=-1)
        torch_check(lambda t: mg.take_along_dim(t, mg.tensor(order), -1),
                    lambda t: torch.take_along_dim(t, torch.tensor(order), -1), [a])
    torch_check(lambda t: mg.take_along_dim(t, mg.tensor(np.argsort(a.reshape(-1)))),
                lambda t: torch.take_along_dim(t, torch.tensor(np.argsort(a.reshape(-1)))), [a])
    mask = np.where(a > 0, a, 0.0)
    for as_tuple in (False, True):
        torch_check(lambda t: mg.nonzero(t, as_tuple=as_tuple), lambda t: torch.nonzero(t, as_tuple=as_tuple),
                    [mask], check_grad=False)
    torch_check(mg.argwhere, torch.argwhere, [mask], check_grad=False)
    torch_check(lambda t: mg.where(t > 0), lambda t: torch.where(t > 0), [mask], check_grad=False)
    torch_check(mg.count_nonzero, torch.count_nonzero, [mask], check_grad=False)


def test_take_counts_negative_indices_from_the_end_as_pytorch():
    x = mg.arange(6.0).reshape(2, 3).requires_grad_()
    y = x.take(mg.tensor([-1, 0, -6]))
    np.testing.assert_array_equal(y.numpy(force=True), [5.0, 0.0, 0.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    for bad in (-7, 6):
        with pytest.raises(IndexError, match=f"take: index {bad} is out of bounds for dimension 0 with size 6"):
            x.take(mg.tensor([bad]))


def test_take_along_dim_broadcasts_like_pytorch():
    torch = pytest.importorskip("torch")
    torch_check(lambda t: mg.take_along_dim(t, mg.tensor([[0], [2]]), 1),
                lambda t: torch.take_along_dim(t, torch.tensor([[0], [2]]), 1), [np.arange(6.0).reshape(1, 6)])


def test_in_place_scatter_and_index_add_methods_match_pytorch_on_a_non_leaf():
    """x.scatter_/scatter_add_/scatter_reduce_/index_add_ on a tensor inside the graph: values
    and the gradients of both the base and src equal PyTorch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x0, src0 = rng.standard_normal((3, 5)), rng.standard_normal((3, 4))
    idx = np.array([[0, 1, 2, 3], [4, 3, 2, 1], [1, 1, 0, 0]])
    row = np.array([2, 0, 2])
    calls = [("scatter_", (1, idx, "src"), {}), ("scatter_", (1, idx), {"value": 1.5}),
             ("scatter_add_", (1, idx, "src"), {}),
             ("scatter_reduce_", (1, idx, "src", "amax"), {"include_self": False}),
             ("index_add_", (0, row, "src5"), {"alpha": 2.0})]
    for name, args, kw in calls:
        results = []
        for lib, mk in ((mg, mg.tensor), (torch, torch.tensor)):
            x, src = mk(x0, requires_grad=True), mk(src0, requires_grad=True)
            src5 = mk(rng.standard_normal((3, 5)) if lib is mg else results[0][3], requires_grad=True)
            y = x * 2
            named = {"src": src, "src5": src5}
            a = [mk(v) if isinstance(v, np.ndarray) else named.get(v, v) for v in args]
            out = getattr(y, name)(*a, **kw)
            assert out is y
            (y * mk(np.arange(15.0).reshape(3, 5))).sum().backward()
            results.append((y.detach().numpy(), x.grad.numpy(), None if src.grad is None else src.grad.numpy(),
                            src5.detach().numpy(), None if src5.grad is None else src5.grad.numpy()))
        for a, b in zip(results[0][:3] + results[0][4:], results[1][:3] + results[1][4:]):
            assert (a is None) == (b is None), name
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=name)


def test_in_place_scatter_refuses_a_leaf_that_requires_grad():
    x = mg.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scatter_"):
        x.scatter_(1, mg.tensor([[0], [1]]), 1.0)


def test_masked_fill_and_fill_take_a_number_or_a_0d_tensor():
    x = mg.zeros(2, 2)
    mask = mg.tensor([[True, False], [False, True]])
    with pytest.raises(RuntimeError, match=r"^masked_fill: value must be a number or a 0-dimensional tensor, "
                                           r"got a tensor of shape \(2, 2\)"):
        mg.masked_fill(x, mask, mg.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"^masked_fill_: value must be a number"):
        x.masked_fill_(mask, mg.ones(1))
    with pytest.raises(RuntimeError, match=r"^fill_: the value must be a number or a 0-dimensional tensor"):
        x.fill_(mg.ones(1))
    assert x.masked_fill_(mask, mg.tensor(3.0)).tolist() == [[3.0, 0.0], [0.0, 3.0]]
    assert x.fill_(mg.tensor(2.0)).tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_a_zero_or_negative_slice_step_raises_value_error_as_pytorch():
    torch = pytest.importorskip("torch")
    for key in (slice(None, None, 0), slice(None, None, -1), (slice(None), slice(1, None, 0))):
        with pytest.raises(ValueError) as theirs:
            torch.zeros(4, 4)[key]
        with pytest.raises(ValueError, match="getitem: step must be greater than zero"):
            mg.zeros(4, 4)[key]
        assert theirs.type is ValueError


@pytest.mark.parametrize("op", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [(5,), "0", 1.0, True])
def test_tril_triu_take_an_int_diagonal(op, diagonal):
    with pytest.raises(TypeError, match=rf"{op}: diagonal must be an int, got"):
        getattr(mg, op)(mg.ones(2, 0), diagonal=diagonal)
    with pytest.raises(TypeError, match=rf"{op}: diagonal must be an int, got"):
        getattr(mg.ones(2, 3), op)(diagonal)


def test_scatter_add_needs_src_of_the_input_dtype():
    index = mg.zeros(3, 2, dtype=mg.int64)
    with pytest.raises(RuntimeError, match=r"^scatter_add: expected src \(uint8\) to have the input's dtype \(float32\)$"):
        mg.scatter_add(mg.zeros(3, 4), 1, index, mg.ones(3, 2, dtype=mg.uint8))
    with pytest.raises(TypeError, match=r"^scatter_add: src must be a Tensor, got float$"):
        mg.scatter_add(mg.zeros(3, 4), 1, index, 1.0)
    assert mg.scatter_add(mg.zeros(3, 4), 1, index, mg.ones(3, 2))[:, 0].tolist() == [2.0, 2.0, 2.0]


def test_index_put_takes_a_tuple_of_index_tensors():
    x = mg.zeros(2, 3)
    with pytest.raises(TypeError, match=r"^index_put: indices must be a tuple of Tensors, got Tensor$"):
        mg.index_put(x, mg.zeros(2, 3, dtype=mg.int64), mg.tensor(1.0))
    with pytest.raises(TypeError, match=r"^index_put: indices must be a tuple of Tensors, got tuple of int$"):
        mg.index_put(x, (0,), mg.tensor(1.0))
    out = mg.index_put(x, (mg.tensor([1]),), mg.tensor(5.0))
    assert out.tolist() == [[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]]
    x[mg.tensor([0])] = 2.0                      # x[key] = v still takes any key
    assert x[0].tolist() == [2.0, 2.0, 2.0]


def test_masked_fill_broadcasts_input_and_mask_as_pytorch():
    y = mg.masked_fill(mg.tensor(1.0), mg.tensor([[True, False]]), 0.5)
    assert y.shape == (1, 2) and y.tolist() == [[0.5, 1.0]]
    with pytest.raises(RuntimeError, match=r"^masked_fill_: output with shape \(\) doesn't match the broadcast shape"):
        mg.tensor(1.0).masked_fill_(mg.tensor([[True, False]]), 0.5)
    with pytest.raises(RuntimeError, match=r"^masked_fill: mask of shape \(3,\) does not broadcast with the input's"):
        mg.masked_fill(mg.ones(2), mg.ones(3, dtype=mg.bool), 0.0)


@pytest.mark.parametrize("as_tuple", [1, 0, None, "x", 1.5, float("nan")])
def test_nonzero_takes_only_a_bool_as_tuple(as_tuple):
    """As PyTorch: a TypeError naming nonzero and the value (an int or None was read by its truth)."""
    with pytest.raises(TypeError, match="nonzero: as_tuple must be a bool"):
        mg.nonzero(mg.ones(2, 3), as_tuple=as_tuple)
    with pytest.raises(TypeError, match="nonzero: as_tuple must be a bool"):
        mg.ones(2, 3).nonzero(as_tuple=as_tuple)


def test_nonzero_needs_a_tensor():
    with pytest.raises(TypeError, match="nonzero: input must be a Tensor, got list"):
        mg.nonzero([1, 0])


def test_index_dtypes_are_pytorchs():
    x = mg.ones(3, 4)
    with pytest.raises(RuntimeError, match="^take: index must be an int64 tensor, got int32"):
        mg.take(x, mg.tensor([0], dtype=mg.int32))
    with pytest.raises(RuntimeError, match="^index_select: index must be an int32 or int64 tensor, got uint8"):
        mg.index_select(x, 0, mg.tensor([0], dtype=mg.uint8))
    with pytest.raises(RuntimeError, match="^scatter_add: index must be an int32 or int64 tensor, got uint8"):
        mg.scatter_add(x, 1, mg.zeros(3, 2, dtype=mg.uint8), mg.ones(3, 2))
    with pytest.raises(RuntimeError, match="^index_copy: index must be an int64 tensor, got int32"):
        x.index_copy(0, mg.tensor([0], dtype=mg.int32), mg.ones(1, 4))
    assert mg.index_select(x, 0, mg.tensor([0, 2], dtype=mg.int32)).shape == (2, 4)
    assert x.index_add(0, mg.tensor([1], dtype=mg.int32), mg.ones(1, 4)).sum().item() == 16
    with pytest.raises(TypeError, match="^take: input must be a Tensor, got ndarray"):
        mg.take(np.ones(3), mg.tensor([0]))


def test_masked_fill_casts_the_value_to_the_input_dtype_as_pytorch():
    x, mask = mg.tensor(np.array([1, 2], np.int32)), mg.tensor([True, False])
    y = mg.masked_fill(x, mask, -2.7)
    assert y.dtype == mg.int32 and y.tolist() == [-2, 2]
    assert x.masked_fill(mask, mg.tensor(2.5)).tolist() == [2, 2]
    with pytest.raises(RuntimeError, match="^masked_fill: value 1e[+]30 cannot be converted to type int32 without overflow"):
        mg.masked_fill(x, mask, 1e30)
    assert mg.ones(2).masked_fill(mask, mg.tensor(np.float64(2.5))).dtype == mg.float32


def test_masked_fill_of_a_bool_tensor_stays_bool_as_pytorch():
    """A number into a bool tensor is its truth value (1e-5, -1e9 and NaN are True, 0.0 False);
    the result was float32."""
    torch = pytest.importorskip("torch")
    x, mask = np.array([True, False, True]), np.array([True, False, False])
    for value in (1e-5, -1e9, 0.0, 2, 0, True, float("nan")):
        ours = mg.tensor(x).masked_fill(mg.tensor(mask), value)
        theirs = torch.tensor(x).masked_fill(torch.tensor(mask), value)
        assert ours.dtype == mg.bool and ours.tolist() == theirs.tolist(), value
        y = mg.tensor(x)
        y.masked_fill_(mg.tensor(mask), value)
        assert y.dtype == mg.bool and y.tolist() == theirs.tolist(), value


def test_index_ops_of_a_0d_input_and_their_argument_types_as_pytorch():
    x = mg.tensor(2.5, requires_grad=True)
    y = mg.index_select(x, 0, mg.tensor(0))                # one element, as PyTorch takes a 0-d input
    y.backward()
    assert y.shape == () and y.item() == 2.5 and x.grad.item() == 1.0
    for call, error, message in [
            (lambda: mg.index_select(x, 0, mg.tensor(3)), RuntimeError, r"index_select: index 3 is out of bounds"),
            (lambda: mg.ones(2, 3).index_fill_(0, mg.tensor(1), mg.ones(2, 3)), RuntimeError,
             r"index_fill_: only supports a 0-dimensional value tensor, got a tensor of shape \(2, 3\)"),
            (lambda: mg.ones(3, 4).gather(1, np.zeros((3, 2), np.int64)), TypeError, r"gather: index must be a Tensor"),
            (lambda: mg.cummax(np.ones((2, 3), np.float32), 0), TypeError, r"cummax: input must be a Tensor")]:
        with pytest.raises(error, match=message):
            call()
