"""Indexing: __getitem__ (ints, slices, ellipsis, None, integer arrays, boolean masks, repeated
indices accumulate), gather, scatter_add, index_select, masked_fill, tril/triu, __setitem__."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck
from tests.strategies import make, seeds, shapes

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


def test_index_errors_name_op_index_and_size():
    x = mg.ones(3, 2)
    with pytest.raises(IndexError, match="gather: index 3 is out of bounds for dimension with size 3"):
        x.gather(0, mg.tensor([[3, 0]]))
    with pytest.raises(IndexError, match="index_select: index 2 is out of bounds"):
        x.index_select(1, mg.tensor([0, 2]))


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
