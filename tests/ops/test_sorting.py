"""Sorting and selection: gradcheck over Hypothesis shapes (0-d, size-1, empty), equal to
PyTorch (values, indices, gradients, dtypes); NaN ordering; the index-valued searches."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck, separate_ties
from tests.strategies import make, seeds, shapes
from tests.torch_oracle import torch_check

torch = pytest.importorskip("torch")


@st.composite
def shape_and_dim(draw, min_side=0):
    shape = draw(shapes(0, 3, min_side=min_side, max_side=6))
    n = max(len(shape), 1)
    return shape, draw(st.integers(-n, n - 1))


@given(sd=shape_and_dim(), seed=seeds, descending=st.booleans())
def test_sort_and_argsort(sd, seed, descending):
    shape, dim = sd
    x = separate_ties(make(shape, seed))
    assert gradcheck(lambda t: mg.sort(t, dim, descending).values, (x,))
    a = x.detach().numpy().copy()
    torch_check(lambda t: mg.sort(t, dim, descending), lambda t: torch.sort(t, dim=dim, descending=descending), [a])
    torch_check(lambda t: mg.argsort(t, dim, descending), lambda t: torch.argsort(t, dim=dim, descending=descending), [a])
    torch_check(lambda t: t.sort(dim=dim, descending=descending, stable=True),
                lambda t: t.sort(dim=dim, descending=descending, stable=True), [a])


def test_sort_is_stable_with_ties_both_ways_and_puts_nan_last_ascending():
    a = np.array([2.0, 1.0, 2.0, np.nan, 1.0, 2.0])
    for descending in (False, True):
        torch_check(lambda t: mg.sort(t, descending=descending),
                    lambda t: torch.sort(t, descending=descending, stable=True), [a], check_grad=False)
    torch_check(mg.msort, torch.msort, [np.array([[3.0, 1.0], [1.0, 2.0], [2.0, 0.0]])])


@given(sd=shape_and_dim(min_side=1), seed=seeds, largest=st.booleans(), data=st.data())
def test_topk(sd, seed, largest, data):
    shape, dim = sd
    n = shape[dim] if shape else 1
    k = data.draw(st.integers(0, n))
    x = separate_ties(make(shape, seed))
    assert gradcheck(lambda t: mg.topk(t, k, dim, largest).values, (x,)) if k else True
    torch_check(lambda t: mg.topk(t, k, dim, largest), lambda t: torch.topk(t, k, dim, largest), [x.detach().numpy().copy()])


@given(sd=shape_and_dim(min_side=1), seed=seeds, largest=st.booleans(), data=st.data())
def test_sort_and_topk_second_order(sd, seed, largest, data):
    """Their backward writes the gradient at the picked (distinct) positions and its own backward
    reads it back there: second-order gradients through both, against finite differences."""
    shape, dim = sd
    n = shape[dim] if shape else 1
    k = data.draw(st.integers(1, n))
    x = separate_ties(make(shape, seed))
    assert gradgradcheck(lambda t: mg.sort(t, dim, largest).values * t, (x,))
    assert gradgradcheck(lambda t: mg.topk(t, k, dim, largest).values ** 2, (x,))


def test_sort_backward_equals_gather_backward():
    """The distinct-index backward of sort equals the general one (scatter_add into zeros)."""
    a = np.random.default_rng(1).standard_normal((3, 5))
    x, y = mg.tensor(a, requires_grad=True), mg.tensor(a, requires_grad=True)
    w = mg.tensor(np.random.default_rng(2).standard_normal((3, 5)))
    values, indices = mg.sort(x, 1, descending=True)
    (values * w).sum().backward()
    (mg.gather(y, 1, indices) * w).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.grad.numpy())


@pytest.mark.parametrize("largest", [True, False])
def test_topk_of_a_long_row_takes_the_partition_path(largest):
    a = np.random.default_rng(0).permutation(1000).astype(np.float64).reshape(2, 500)
    a[0, 7] = np.nan
    torch_check(lambda t: mg.topk(t, 5, 1, largest), lambda t: torch.topk(t, 5, 1, largest), [a])


@pytest.mark.parametrize("largest", [True, False])
def test_topk_of_tied_values_on_a_short_dim_gives_pytorchs_indices(largest):
    """On dims of up to 3 elements PyTorch's topk names tied elements lowest index first."""
    rows = np.array([[3, 1, 3], [1, 1, 1], [2, 2, 0], [0, 5, 5]])
    for dtype in ("float32", "int64", "uint8"):
        a = rows.astype(dtype)
        for k in (1, 2, 3):
            torch_check(lambda t: mg.topk(t, k, 1, largest), lambda t: torch.topk(t, k, 1, largest), [a])
            torch_check(lambda t: mg.topk(t, k, 0, largest), lambda t: torch.topk(t, k, 0, largest), [a[:3]])


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("n, k", [(40, 3), (40, 4), (200, 20), (12, 1), (10, 6)])
def test_topk_of_tied_values_is_the_stable_sorts_first_k(largest, n, k):
    """Long dims (the argpartition path where 8 k < n): among elements equal to the k-th value the
    lowest indices are chosen, and the chosen ones are in the stable sort's order (NaN largest)."""
    rng = np.random.default_rng(n + k)
    a = rng.integers(0, 3, (3, n)).astype(np.float32)
    a[2, rng.random(n) < 0.3] = np.nan
    for x in (a, a.T.copy()):
        d = 1 if x is a else 0
        values, indices = mg.topk(mg.tensor(x), k, d, largest)
        ordered = torch.sort(torch.from_numpy(x), stable=True, dim=d, descending=largest)
        np.testing.assert_array_equal(values.numpy(), ordered.values.narrow(d, 0, k).numpy())
        np.testing.assert_array_equal(indices.numpy(), ordered.indices.narrow(d, 0, k).numpy())


def test_topk_k_out_of_range_names_the_op_and_sizes():
    with pytest.raises(RuntimeError, match=r"topk: k \(4\) is out of range for dimension 0 of size 3"):
        mg.topk(mg.ones(3), 4)


@given(sd=shape_and_dim(min_side=1), seed=seeds, keepdim=st.booleans(), data=st.data())
def test_kthvalue_and_median(sd, seed, keepdim, data):
    shape, dim = sd
    n = shape[dim] if shape else 1
    k = data.draw(st.integers(1, n))
    x = separate_ties(make(shape, seed))
    a = x.detach().numpy().copy()
    assert gradcheck(lambda t: mg.kthvalue(t, k, dim, keepdim).values, (x,))
    torch_check(lambda t: mg.kthvalue(t, k, dim, keepdim), lambda t: torch.kthvalue(t, k, dim, keepdim), [a])
    torch_check(lambda t: mg.median(t, dim, keepdim), lambda t: torch.median(t, dim, keepdim), [a])
    torch_check(mg.median, torch.median, [a])
    assert gradcheck(lambda t: mg.median(t, dim, keepdim).values, (x,))


def test_median_and_nanmedian_with_nans_follow_pytorch():
    a = np.array([[3.0, np.nan, 1.0, 2.0], [2.0, 5.0, 4.0, 1.0], [np.nan, 2.0, np.nan, 1.0]])
    for ours, theirs in ((mg.median, torch.median), (mg.nanmedian, torch.nanmedian)):
        torch_check(lambda t: ours(t, 1), lambda t: theirs(t, 1), [a])
        torch_check(ours, theirs, [a])
    all_nan = mg.tensor([[np.nan, np.nan, np.nan]], requires_grad=True)
    values, _ = mg.nanmedian(all_nan, 1)          # (PyTorch's index here depends on its sort)
    assert np.isnan(values.item())
    torch_check(mg.nanmedian, torch.nanmedian, [np.full((2, 3), np.nan)])
    with pytest.raises(RuntimeError, match=r"kthvalue: selected number k \(0\) out of range"):
        mg.kthvalue(mg.ones(3), 0)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "nearest", "midpoint"])
@given(sd=shape_and_dim(min_side=1), seed=seeds, keepdim=st.booleans())
def test_quantile(interpolation, sd, seed, keepdim):
    shape, dim = sd
    x = separate_ties(make(shape, seed))
    q = np.array([0.0, 0.3, 0.5, 1.0])
    a = x.detach().numpy().copy()
    fn = lambda t, qq: mg.quantile(t, qq, dim, keepdim, interpolation=interpolation)  # noqa: E731
    tfn = lambda t, qq: torch.quantile(t, qq, dim, keepdim, interpolation=interpolation)  # noqa: E731
    torch_check(fn, tfn, [a, q], [True, False])
    torch_check(lambda t: mg.quantile(t, 0.25, None, interpolation=interpolation),
                lambda t: torch.quantile(t, 0.25, None, interpolation=interpolation), [a])
    assert gradcheck(lambda t: fn(t, mg.tensor(q)), (x,))


def test_searchsorted_and_bucketize_match_pytorch():
    seq = np.array([1.0, 3.0, 3.0, 5.0, 7.0])
    values = np.array([[0.0, 3.0, 4.0], [7.0, 8.0, 5.0]])
    for right in (False, True):
        torch_check(lambda s, v: mg.searchsorted(s, v, right=right),
                    lambda s, v: torch.searchsorted(s, v, right=right), [seq, values], check_grad=False)
        torch_check(lambda v, b: mg.bucketize(v, b, right=right),
                    lambda v, b: torch.bucketize(v, b, right=right), [values, seq], check_grad=False)
    rows = np.array([[1, 3, 5], [2, 4, 6]])
    torch_check(lambda s, v: mg.searchsorted(s, v, side="right"), lambda s, v: torch.searchsorted(s, v, side="right"),
                [rows, np.array([[3, 6], [1, 4]])], check_grad=False)
    torch_check(lambda s, v: mg.searchsorted(s, v, out_int32=True), lambda s, v: torch.searchsorted(s, v, out_int32=True),
                [seq, values], check_grad=False)
    with pytest.raises(RuntimeError, match="searchsorted: the leading dims"):
        mg.searchsorted(mg.tensor(rows), mg.tensor([[1, 2]] * 3))


def test_unique_matches_pytorch():
    a = np.array([[3, 1, 2], [1, 2, 3], [3, 1, 2]])
    torch_check(mg.unique, torch.unique, [a], check_grad=False)
    torch_check(lambda t: mg.unique(t, return_inverse=True, return_counts=True),
                lambda t: torch.unique(t, return_inverse=True, return_counts=True), [a], check_grad=False)
    torch_check(lambda t: mg.unique(t, dim=0, return_inverse=True, return_counts=True),
                lambda t: torch.unique(t, dim=0, return_inverse=True, return_counts=True), [a], check_grad=False)


def test_sorting_on_the_device(device):
    x = separate_ties(make((3, 20), 0, device))
    for fn in (lambda t: t.sort(1).values, lambda t: t.topk(2, 1).values, lambda t: t.median(1).values,
               lambda t: t.kthvalue(2, 1).values, lambda t: mg.quantile(t, 0.3, 1)):
        y = fn(x)
        y.sum().backward()
        assert y.device == x.device and x.grad.device == x.device
        x.grad = None
    assert mg.argsort(x, 1).device == x.device


def test_sorting_switches_must_be_bools():
    x = mg.tensor([3.0, 1.0, 2.0])
    for call, message in [(lambda: mg.sort(x, descending=1), "sort: descending must be a bool, got 1"),
                          (lambda: x.argsort(stable=1), "argsort: stable must be a bool, got 1"),
                          (lambda: mg.topk(x, 2, largest=0), "topk: largest must be a bool, got 0"),
                          (lambda: mg.unique(x, return_counts=1), "unique: return_counts must be a bool, got 1"),
                          (lambda: x.unique(return_inverse="yes"), "unique: return_inverse must be a bool"),
                          (lambda: mg.quantile(x, "0.1"), "quantile: q must be a number or a Tensor, got '0.1'"),
                          (lambda: mg.quantile(x, [0.5]), r"quantile: q must be a number or a Tensor, got \[0.5\]")]:
        with pytest.raises(TypeError, match=message):
            call()
    assert mg.sort(x, descending=True).values.tolist() == [3.0, 2.0, 1.0]
    assert mg.topk(x, 2, largest=False).values.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("call, message", [
    (lambda x: x.kthvalue(1.5), r"kthvalue: k must be an int, got 1.5 \(float\)"),
    (lambda x: mg.topk(x, (1, 1)), r"topk: k must be an int, got \(1, 1\) \(tuple\)"),
])
def test_topk_and_kthvalue_take_an_int_k(call, message):
    with pytest.raises(TypeError, match=message):
        call(mg.ones(2, 3).transpose(0, 1))


def test_msort_and_median_check_input_and_dim():
    with pytest.raises(TypeError, match=r"^msort: input must be a Tensor, got ndarray$"):
        mg.msort(np.ones((2, 3)))
    with pytest.raises(IndexError, match=r"^median: dimension out of range \(expected to be in range of \[-1, 0\], "
                                         r"but got -3\)$"):
        mg.median(mg.tensor(1.0), dim=-3)
    assert mg.median(mg.tensor(1.0), dim=-1).values.item() == 1.0


def test_searchsorted_is_pytorchs_binary_search_even_when_unsorted():
    seq = mg.tensor([[0.3, -1.0, 2.0], [1.0, float("nan"), 0.0]])
    values = mg.tensor([[0.5, -2.0, 1.0], [0.5, 2.0, float("nan")]])
    # PyTorch 2.13's answers (a binary search over [0, 3): the first step looks at the middle element)
    assert mg.searchsorted(seq, values).tolist() == [[2, 0, 2], [3, 3, 3]]
    assert mg.searchsorted(seq, values, right=True).tolist() == [[2, 0, 2], [3, 3, 3]]
    assert mg.searchsorted(mg.tensor([1.0, 2.0, 3.0]), 2.0, right=True).item() == 2


def test_searchsorted_flags_are_bools():
    seq = mg.tensor([1.0, 2.0, 3.0])
    for name in ("right", "out_int32"):
        with pytest.raises(TypeError, match=rf"^searchsorted: {name} must be a bool, got 1 \(int\)$"):
            mg.searchsorted(seq, seq, **{name: 1})


def test_searchsorted_checks_its_tensors_and_sort_takes_stable_none():
    seq = mg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"^searchsorted: sorter must be a Tensor, got int$"):
        mg.searchsorted(seq, seq, sorter=0)
    with pytest.raises(RuntimeError, match=r"^searchsorted: sorted_sequence must have at least one dim"):
        mg.searchsorted(mg.tensor(1.0), seq)
    assert mg.sort(mg.tensor([2.0, 1.0]), stable=None).values.tolist() == [1.0, 2.0]


def test_median_of_nothing_is_nan_and_sort_takes_stable_none_as_pytorch():
    x = mg.ones(0, 3, requires_grad=True)
    for op in (mg.median, mg.nanmedian):
        m = op(x)
        assert m.shape == () and np.isnan(m.item()) and m.requires_grad
    with pytest.raises(IndexError, match=r"^median: cannot compute the median of an empty dimension"):
        mg.median(x, dim=0)
    assert mg.sort(mg.tensor([2.0, 1.0]), stable=None).values.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match=r"^argsort: stable must be a bool, got None"):     # PyTorch's argsort
        mg.argsort(mg.tensor([2.0, 1.0]), stable=None)                                    # refuses it
