"""repeat, tile, repeat_interleave, meshgrid, cartesian_prod and Tensor.unfold: gradcheck over
Hypothesis shapes (0-d, size-1, empty), equal to PyTorch."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck
from tests.strategies import make, seeds, shapes
from tests.torch_oracle import torch_check

torch = pytest.importorskip("torch")


def _check(fn, tfn, xs, **kw):
    assert gradcheck(fn, tuple(xs))
    torch_check(fn, tfn, [x.detach().numpy().copy() for x in xs], **kw)


@given(shape=shapes(0, 3, min_side=0), seed=seeds, data=st.data())
def test_tile_and_repeat(shape, seed, data):
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=0, max_size=4)))
    x = make(shape, seed)
    _check(lambda t: mg.tile(t, reps), lambda t: torch.tile(t, reps), [x])
    _check(lambda t: t.tile(*reps) if reps else t.tile(()), lambda t: t.tile(*reps) if reps else t.tile(()), [x])
    full = (1,) * (len(shape) - len(reps)) + reps
    if full:
        _check(lambda t: t.repeat(*full), lambda t: t.repeat(*full), [x])


@given(shape=shapes(0, 3, min_side=0), seed=seeds, data=st.data())
def test_repeat_interleave(shape, seed, data):
    x = make(shape, seed)
    r = data.draw(st.integers(0, 3))
    _check(lambda t: mg.repeat_interleave(t, r), lambda t: torch.repeat_interleave(t, r), [x])
    if shape:
        dim = data.draw(st.integers(-len(shape), len(shape) - 1))
        counts = np.array(data.draw(st.lists(st.integers(0, 3), min_size=shape[dim], max_size=shape[dim])), dtype=np.int64)
        _check(lambda t: t.repeat_interleave(mg.tensor(counts), dim),
               lambda t: t.repeat_interleave(torch.tensor(counts), dim), [x])
        _check(lambda t: t.repeat_interleave(r, dim=dim), lambda t: t.repeat_interleave(r, dim=dim), [x])


def test_repeat_interleave_of_counts_alone_and_errors():
    torch_check(mg.repeat_interleave, torch.repeat_interleave, [np.array([2, 0, 3])])
    with pytest.raises(RuntimeError, match=r"repeat_interleave: repeats must have the same size as input along dim 0"):
        mg.repeat_interleave(mg.ones(3), mg.tensor([1, 2]), 0)
    with pytest.raises(RuntimeError, match="repeat_interleave: repeats can not be negative"):
        mg.repeat_interleave(mg.ones(2), mg.tensor([1, -1]), 0)
    with pytest.raises(ValueError, match="repeat_interleave: repeats must fit in int64, got 100000000000000000000"):
        mg.ones(2, 3).repeat_interleave(10 ** 20)
    with pytest.raises(RuntimeError, match=rf"repeat_interleave: .* more memory than this machine has \(repeats={2 ** 62}\)"):
        mg.ones(2, 3).repeat_interleave(2 ** 62, dim=0)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@given(sizes=st.lists(st.integers(0, 3), min_size=1, max_size=3), seed=seeds)
def test_meshgrid_and_cartesian_prod(indexing, sizes, seed):
    xs = [make((n,), seed + i) for i, n in enumerate(sizes)]
    _check(lambda *t: mg.meshgrid(*t, indexing=indexing), lambda *t: torch.meshgrid(*t, indexing=indexing), xs)
    _check(lambda *t: mg.meshgrid(list(t), indexing=indexing), lambda *t: torch.meshgrid(list(t), indexing=indexing), xs)
    _check(mg.cartesian_prod, torch.cartesian_prod, xs)


def test_meshgrid_rejects_bad_indexing_and_2d_tensors():
    with pytest.raises(RuntimeError, match="meshgrid: indexing must be one of 'xy' or 'ij', got 'ab'"):
        mg.meshgrid(mg.ones(2), indexing="ab")
    with pytest.raises(RuntimeError, match=r"meshgrid: expects 0-D or 1-D tensors, got shape \(2, 2\)"):
        mg.meshgrid(mg.ones(2, 2))


@given(shape=shapes(0, 3, min_side=0, max_side=6), seed=seeds, data=st.data())
def test_tensor_unfold_windows(shape, seed, data):
    x = make(shape, seed)
    n = max(len(shape), 1)
    dim = data.draw(st.integers(-n, n - 1))
    length = shape[dim] if shape else 1
    size = data.draw(st.integers(0, length))
    step = data.draw(st.integers(1, 3))
    _check(lambda t: t.unfold(dim, size, step), lambda t: t.unfold(dim, size, step), [x])


def test_unfold_errors_name_the_op_and_sizes():
    with pytest.raises(RuntimeError, match="unfold: maximum size for tensor at dimension 0 is 3 but size is 4"):
        mg.ones(3).unfold(0, 4, 1)
    with pytest.raises(RuntimeError, match="unfold: step is 0 but must be > 0"):
        mg.ones(3).unfold(0, 2, 0)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: mg.repeat(1.5, 2, 3), TypeError, r"repeat: input must be a Tensor, got float"),
    (lambda x: x.repeat(2, 1.5), TypeError, r"repeat: sizes must be an int or a tuple of ints"),
    (lambda x: mg.repeat_interleave(x, repeats=float("nan")), TypeError,
     r"repeat_interleave: repeats must be an int, got nan"),
    (lambda x: mg.repeat_interleave(1.5, repeats=True), TypeError, r"repeat_interleave: input must be a Tensor"),
    (lambda x: mg.cartesian_prod(None, x), TypeError, r"cartesian_prod: tensors\[0\] must be a Tensor, got NoneType"),
    (lambda x: x.unfold(1, (3, 2), 1), TypeError, r"unfold: size must be an int, got \(3, 2\) \(tuple\)"),
    (lambda x: x.unfold(1, 2, 2.0), TypeError, r"unfold: step must be an int, got 2.0 \(float\)"),
])
def test_replicate_arguments_are_checked_with_the_op_named(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.ones(2, 3))
