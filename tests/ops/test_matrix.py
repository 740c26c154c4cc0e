"""Matrix products and diagonals: gradcheck over Hypothesis sizes (0, 1, odd), equal to
PyTorch (values, gradients, dtypes, shapes), PyTorch's shape errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck
from tests.strategies import make, seeds, shapes
from tests.torch_oracle import torch_check

torch = pytest.importorskip("torch")
sizes = st.integers(0, 3)


def _check(fn, tfn, xs):
    assert gradcheck(fn, tuple(xs))
    torch_check(fn, tfn, [x.detach().numpy().copy() for x in xs])


@given(n=sizes, k=sizes, m=sizes, b=sizes, seed=seeds)
def test_products(n, k, m, b, seed):
    _check(mg.mm, torch.mm, [make((n, k), seed), make((k, m), seed + 1)])
    _check(mg.bmm, torch.bmm, [make((b, n, k), seed), make((b, k, m), seed + 1)])
    _check(mg.mv, torch.mv, [make((n, k), seed), make((k,), seed + 1)])
    _check(mg.dot, torch.dot, [make((k,), seed), make((k,), seed + 1)])
    _check(mg.outer, torch.outer, [make((n,), seed), make((m,), seed + 1)])
    _check(mg.inner, torch.inner, [make((n, k), seed), make((m, k), seed + 1)])
    _check(lambda i, x, y: mg.addmm(i, x, y, beta=0.5, alpha=2.0),
           lambda i, x, y: torch.addmm(i, x, y, beta=0.5, alpha=2.0), [make((m,), seed + 2), make((n, k), seed), make((k, m), seed + 1)])
    _check(mg.addmv, torch.addmv, [make((n,), seed + 2), make((n, k), seed), make((k,), seed + 1)])
    _check(mg.addr, torch.addr, [make((n, m), seed + 2), make((n,), seed), make((m,), seed + 1)])
    _check(lambda i, x, y: mg.baddbmm(i, x, y, alpha=0.5), lambda i, x, y: torch.baddbmm(i, x, y, alpha=0.5),
           [make((b, n, m), seed + 2), make((b, n, k), seed), make((b, k, m), seed + 1)])
    _check(mg.addbmm, torch.addbmm, [make((n, m), seed + 2), make((b, n, k), seed), make((b, k, m), seed + 1)])


def test_addmm_with_beta_zero_ignores_nan_in_the_input():
    torch_check(lambda i, x, y: mg.addmm(i, x, y, beta=0), lambda i, x, y: torch.addmm(i, x, y, beta=0),
                [np.full((2, 2), np.nan), np.ones((2, 3)), np.ones((3, 2))], [False, True, True])


@pytest.mark.parametrize("fn,shapes,message", [
    (mg.mm, [(2, 3), (4, 5)], r"mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (mg.mm, [(2, 3, 1), (3, 5)], r"mm: input must be a 2-D tensor, got shape \(2, 3, 1\)"),
    (mg.bmm, [(2, 3, 4), (3, 4, 5)], r"bmm: expected batch2 of shape \(2, 4, \*\), got \(3, 4, 5\)"),
    (mg.mv, [(2, 3), (4,)], r"mv: size mismatch, got input \(2, 3\) and vec \(4,\)"),
    (mg.dot, [(2,), (3,)], r"dot: inconsistent tensor size"),
    (mg.cross, [(2, 4), (2, 4)], r"cross: no dimension of size 3 in input \(2, 4\)"),
])
def test_product_errors_name_the_op_and_the_shapes(fn, shapes, message):
    with pytest.raises(RuntimeError, match=message):
        fn(*[mg.ones(s) for s in shapes])


@given(shape=shapes(1, 3, min_side=0), seed=seeds, data=st.data())
def test_cross_and_kron(shape, seed, data):
    shape = list(shape)
    d = data.draw(st.integers(0, len(shape) - 1))
    shape[d] = 3
    a, b = make(tuple(shape), seed), make(tuple(shape), seed + 1)
    _check(lambda x, y: mg.cross(x, y, d), lambda x, y: torch.linalg.cross(x, y, dim=d), [a, b])
    _check(mg.cross, lambda x, y: torch.cross(x, y, dim=next(i for i, s in enumerate(shape) if s == 3)), [a, b])
    _check(mg.kron, torch.kron, [make((2, 3), seed), make(tuple(s % 3 for s in shape[:2]), seed + 1)])



def test_kron_takes_only_tensors_as_pytorch():
    from tests.torch_oracle import raises_as_torch

    raises_as_torch(lambda m: m.kron(m.ones(2), np.ones(2)), r"^kron: other must be a Tensor, got ndarray$")
    raises_as_torch(lambda m: m.kron(m.ones(2), 2), r"^kron: other must be a Tensor, got int$")
    raises_as_torch(lambda m: m.kron([1.0], m.ones(2)), r"^kron: input must be a Tensor, got list$")


@given(shape=shapes(2, 4, min_side=0), seed=seeds, data=st.data())
def test_diagonal_and_diag_embed(shape, seed, data):
    nd = len(shape)
    d1, d2 = data.draw(st.lists(st.integers(-nd, nd - 1), min_size=2, max_size=2, unique_by=lambda v: v % nd))
    offset = data.draw(st.integers(-3, 3))
    x = make(shape, seed)
    _check(lambda t: mg.diagonal(t, offset, d1, d2), lambda t: torch.diagonal(t, offset, d1, d2), [x])
    assert gradgradcheck(lambda t: mg.diagonal(t, offset, d1, d2), (x,))
    y = make(shape[:-1], seed + 1)
    e1, e2 = data.draw(st.lists(st.integers(-nd, nd - 1), min_size=2, max_size=2, unique_by=lambda v: v % nd))
    _check(lambda t: mg.diag_embed(t, offset, e1, e2), lambda t: torch.diag_embed(t, offset, e1, e2), [y])


@given(n=sizes, m=sizes, offset=st.integers(-3, 3), seed=seeds)
def test_diag_and_trace(n, m, offset, seed):
    _check(lambda t: mg.diag(t, offset), lambda t: torch.diag(t, offset), [make((n,), seed)])
    _check(lambda t: mg.diag(t, offset), lambda t: torch.diag(t, offset), [make((n, m), seed)])
    _check(mg.trace, torch.trace, [make((n, m), seed)])


def test_diag_rejects_other_ranks_and_diagonal_equal_dims():
    with pytest.raises(RuntimeError, match=r"diag: expected a 1-D or 2-D tensor, got shape \(2, 2, 2\)"):
        mg.diag(mg.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="diagonal: dimensions dim1 and dim2 cannot be identical"):
        mg.diagonal(mg.ones(2, 2), 0, 1, -1)


def test_matrix_ops_on_the_device(device):
    a, b = make((3, 3), 0, device), make((3, 3), 1, device)
    for fn in (mg.mm, mg.cross, mg.kron, lambda x, y: mg.diag(x) + mg.diag_embed(y).sum(), lambda x, y: mg.trace(x)):
        y = fn(a, b)
        y.sum().backward()
        assert y.device == a.device and a.grad.device == a.device
        a.grad = b.grad = None


def test_composite_products_name_the_op_called():
    x = mg.ones(2, 3)
    cases = [(lambda: mg.addmm(x, x, x), r"^addmm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"),
             (lambda: x.addmv(x, x), r"^addmv: vec must be a 1-D tensor, got shape \(2, 3\)"),
             (lambda: mg.addr(x, x, x), r"^addr: input must be a 1-D tensor"),
             (lambda: mg.baddbmm(x, x, x), r"^baddbmm: batch1 must be a 3-D tensor"),
             (lambda: x.addbmm(x, x), r"^addbmm: batch1 must be a 3-D tensor"),
             (lambda: x.vdot(x), r"^vdot: input must be a 1-D tensor"),
             (lambda: mg.inner(mg.tensor([1, 2]), mg.ones(2)), r"^inner: ")]
    for call, message in cases:
        with pytest.raises(RuntimeError, match=message):
            call()
    assert mg.addmm(mg.zeros(2, 2), mg.ones(2, 3), mg.ones(3, 2), alpha=2).tolist() == [[6, 6], [6, 6]]


def test_matrix_ops_refuse_what_is_not_a_tensor():
    with pytest.raises(TypeError, match="^bmm: input must be a Tensor, got NoneType$"):
        mg.bmm(None, mg.ones(1, 2, 2))
    with pytest.raises(TypeError, match="^dot: other must be a Tensor, got list$"):
        mg.dot(mg.ones(2), [1.0, 2.0])


def test_diag_wants_an_int_diagonal():
    with pytest.raises(TypeError, match=r"^diag: diagonal must be an int, got True"):
        mg.diag(mg.ones(2, 2), True)
    assert mg.diag(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), 1).tolist() == [2.0]


def test_cross_needs_one_dtype_as_pytorch():
    x = mg.ones(2, 3)
    with pytest.raises(RuntimeError, match="^cross: expected other of the input's dtype float32, got float64"):
        mg.cross(x, x.double())
    with pytest.raises(RuntimeError, match="^cross: expected other of the input's dtype float32, got bool"):
        x.cross(x.bool())
