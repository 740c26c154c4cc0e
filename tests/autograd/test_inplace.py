"""In-place ops inside the graph (autograd/inplace.py): PyTorch's rules, checked against PyTorch
on the same snippets, gradchecked (first and second order) through in-place-modified graphs,
and the version counter shared by every view."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck
from tests.strategies import seeds, shapes

torch = pytest.importorskip("torch")


def _values(out):
    if isinstance(out, (tuple, list)):
        return [_values(o) for o in out]
    if isinstance(out, (mg.Tensor, torch.Tensor)):
        return None if out is None else out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else out.detach().numpy()
    return out


def _run(example, lib):
    """``example(lib)`` with ``lib`` minigrad or torch: ("ok", values) or ("error", type, message)."""
    try:
        return ("ok", _values(example(lib)))
    except (RuntimeError, ValueError, IndexError, TypeError) as e:
        return ("error", type(e), str(e))


def _same_behaviour(example):
    ours, theirs = _run(example, mg), _run(example, torch)
    assert ours[0] == theirs[0], f"minigrad: {ours}, torch: {theirs}"
    if ours[0] == "error":
        assert ours[1] is theirs[1], f"minigrad raised {ours[1].__name__}, torch {theirs[1].__name__}"
        return ours[2]
    for a, b in zip(ours[1], theirs[1]):
        if isinstance(a, str):
            assert a == b
        else:
            np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-6, atol=1e-7)
    return None


def _x(lib, values=(0.5, -1.5, 2.0), requires_grad=True):
    return lib.tensor(list(values), dtype=lib.float64, requires_grad=requires_grad)


# ----------------------------------------------------------------------------- PyTorch's examples

def ex_add_on_non_leaf(lib):
    x = _x(lib)
    c = x * 2
    c += c + 1                       # the first example
    c.sum().backward()
    return c, x.grad


def ex_mul_needs_the_old_self(lib):
    x, w = _x(lib), _x(lib, (1.0, 2.0, -3.0))
    a = x * 1
    a.mul_(w)                        # d/dw needs x: PyTorch keeps the old value of a
    a.sum().backward()
    return a, x.grad, w.grad


def ex_relu_sigmoid_exp_tanh_inplace(lib):
    x = _x(lib)
    y = (x * 3).relu_()
    z = (x * 1).sigmoid_() + (x * 1).exp_() + (x * 1).tanh_() + y
    z.sum().backward()
    return z, x.grad


def ex_mask_multiply(lib):
    x = _x(lib)
    mask = x.detach() > 0
    h = x * 1
    h *= mask                        # x *= mask
    h.sum().backward()
    return h, x.grad


def ex_setitem_on_non_leaf(lib):
    x = _x(lib)
    y = x * 2
    y[0] = 5                         # the CopySlices example
    y.sum().backward()
    return y, x.grad


def ex_setitem_column_to_zero(lib):
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
    out = x.exp()
    out = out * 1
    out[:, 0] = 0                    # out[:, 0] = 0 on a non-leaf
    (out * out).sum().backward()
    return out, x.grad


def ex_inplace_through_a_view(lib):
    x = _x(lib)
    y = x * 2
    y[1:].mul_(3)
    (y * y).sum().backward()
    return y, x.grad


def ex_old_view_sees_the_new_history(lib):
    x = _x(lib)
    y = x * 2
    v = y[0:2]                       # made before the in-place op on its base
    y.mul_(3)
    v.sum().backward()
    return v, x.grad


def ex_consumer_recorded_before_keeps_the_old_value(lib):
    x = _x(lib)
    y = x * 2
    z = y + 1                        # uses y's value before mul_
    y.mul_(3)
    (z * y).sum().backward()
    return z, y, x.grad


def ex_setitem_with_a_tensor_that_requires_grad(lib):
    x = _x(lib)
    buf = lib.zeros(2, 3, dtype=lib.float64)
    buf[1] = x * x                   # a buffer that needs no grad gets a history
    (buf * 2).sum().backward()
    return buf, x.grad


def ex_setitem_advanced_index(lib):
    x = _x(lib)
    y = x * 1
    y[lib.tensor([0, 2])] = lib.tensor([7.0, 8.0], dtype=lib.float64)
    (y * x).sum().backward()
    return y, x.grad


def ex_zero_fill_copy(lib):
    x, w = _x(lib), _x(lib, (3.0, 4.0, 5.0))
    a, b, c = x * 2, x * 3, x * 4
    a.zero_()
    b.fill_(7.0)
    c.copy_(w * w)
    (a + b + c * x).sum().backward()
    return a, b, c, x.grad, w.grad


def ex_masked_fill_and_clamp(lib):
    x = _x(lib)
    y = x * 2
    y.masked_fill_(x.detach() < 0, 0.25)
    y.clamp_(min=-1.0, max=3.0)
    (y * y).sum().backward()
    return y, x.grad


def ex_add_sub_div_pow_alpha(lib):
    x, w = _x(lib), _x(lib, (1.0, 2.0, 4.0))
    y = x * 1
    y.add_(w, alpha=2).sub_(w * w, alpha=0.5).div_(w).pow_(2)
    y.sum().backward()
    return y, x.grad, w.grad


def ex_sigmoid_saved_output_then_changed(lib):
    x = _x(lib)
    y = x.sigmoid()                  # Sigmoid saves its output
    y.mul_(2)
    y.sum().backward()


def ex_relu_inplace_then_changed_again(lib):
    x = _x(lib)
    y = (x * 1).relu_()              # ReLU saved y at its new version
    y.add_(1)
    y.sum().backward()


def ex_exp_then_exp_inplace(lib):
    x = _x(lib)
    y = x.exp()
    y.exp_()                         # the first Exp saved y, now changed
    y.sum().backward()


def ex_leaf_add(lib):
    x = _x(lib)
    x.add_(1)


def ex_leaf_setitem(lib):
    x = _x(lib)
    x[0] = 1


def ex_view_of_leaf_mul(lib):
    x = _x(lib)
    x[1:].mul_(2)


def ex_leaf_under_no_grad(lib):
    x = _x(lib)
    with lib.no_grad():
        x.add_(1)
        x[0] = 10
    (x * x).sum().backward()
    return x, x.grad


def ex_detach_shares_the_version(lib):
    a = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    out = a.sigmoid()
    c = out.detach()
    c.zero_()                        # PyTorch's detach() documentation example
    out.sum().backward()


def ex_mul_by_itself(lib):
    x = _x(lib)
    a = x * 1
    a.mul_(a)                        # the argument is the changed tensor itself
    a.sum().backward()


def ex_int_mul_float(lib):
    lib.tensor([1, 2, 3]).mul_(1.5)


def ex_int_add_float(lib):
    lib.tensor([1, 2, 3]).add_(0.5)


def ex_int_div(lib):
    lib.tensor([1, 2, 3]).div_(2)


def ex_int_div_floor(lib):
    return lib.tensor([1, 2, 3]).div_(2, rounding_mode="floor")


def ex_bool_add(lib):
    lib.tensor([True, False]).add_(1)


def ex_float32_add_float64(lib):
    y = lib.tensor([1.0, 2.0]).add_(lib.tensor([0.5, 0.25], dtype=lib.float64))
    return y, str(y.dtype).split(".")[-1]


def ex_int_setitem_float(lib):
    y = lib.tensor([1, 2, 3])
    y[0] = 7.9                       # setitem casts, as copy_ does
    return y


def ex_broadcast_target(lib):
    lib.ones(3).add_(lib.ones(2, 3))


def ex_expanded_target(lib):
    lib.ones(1, 3).expand(2, 3).add_(1)


def ex_no_grad_view_then_inplace(lib):
    x = _x(lib)
    y = x * 2
    with lib.no_grad():
        v = y[0:2]
    v.mul_(2)


def ex_retain_grad_moves_with_inplace(lib):
    x = _x(lib)
    y = x * 2
    y.retain_grad()
    y.mul_(3)
    (y * y).sum().backward()
    return y.grad, x.grad


def ex_double_backward_through_inplace(lib):
    x = _x(lib)
    y = x * x
    y.mul_(x)                        # y = x^3 in place
    y[0] = y[0] * 2
    (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = lib.autograd.grad(g.sum(), x)
    return g, gg


EXAMPLES = [v for k, v in dict(globals()).items() if k.startswith("ex_")]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda f: f.__name__[3:])
def test_pytorch_examples_behave_the_same(example):
    """Each snippet runs on both libraries: the same values and gradients, or the same error type."""
    _same_behaviour(example)


def test_errors_name_the_op_and_the_versions():
    assert "mul_: result type float32 can't be cast to the desired output type int64" in _run(ex_int_mul_float, mg)[2]
    assert "div_: result type float32 can't be cast to the desired output type int64" in _run(ex_int_div, mg)[2]
    assert "add_: a leaf Variable that requires grad is being used in an in-place operation" in _run(ex_leaf_add, mg)[2]
    assert "__setitem__: a view of a leaf Variable that requires grad" in _run(ex_leaf_setitem, mg)[2]
    assert "mul_: a view of a leaf Variable that requires grad" in _run(ex_view_of_leaf_mul, mg)[2]
    assert ("Sigmoid: one of the tensors saved for backward (shape (3,), float64) was modified by an "
            "in-place operation: it is at version 1, the op saved version 0") in _run(ex_sigmoid_saved_output_then_changed, mg)[2]
    assert "it is at version 2, the op saved version 1" in _run(ex_relu_inplace_then_changed_again, mg)[2]
    assert "add_: output with shape (3,) doesn't match the broadcast shape (2, 3)" in _run(ex_broadcast_target, mg)[2]
    assert "more than one element of the written-to tensor" in _run(ex_expanded_target, mg)[2]
    assert "created in no_grad mode" in _run(ex_no_grad_view_then_inplace, mg)[2]


# ----------------------------------------------------------------------------- gradchecks

def _inplace_program(x, w):
    """A graph rewritten in place in every supported way."""
    y = x * w
    y += w                                  # add_ on a non-leaf
    y.mul_(x)                               # needs the old value of y
    y[..., 0] = y[..., 0] * 3               # setitem through a basic key
    if y.shape[-1] > 1:
        y[..., 1:].sub_(x[..., 1:] ** 2)    # in-place through a view
    z = y.tanh()
    z = z * 1
    z.sigmoid_()                            # saves its output, unchanged afterwards
    flat = (z * 1).reshape(-1)
    flat[0:1] = flat[0:1] * 2 + w.reshape(-1)[0:1]   # through a reshape view
    return flat


@given(shape=shapes(1, 3, min_side=1), seed=seeds)
def test_gradcheck_and_gradgradcheck_through_inplace_ops(shape, seed):
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal(shape), requires_grad=True)
    w = mg.tensor(rng.standard_normal(shape), requires_grad=True)
    assert gradcheck(_inplace_program, (x, w))
    assert gradgradcheck(_inplace_program, (x, w))


def test_inplace_program_matches_pytorch():
    rng = np.random.default_rng(0)
    xs, ws = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    x, w = mg.tensor(xs, requires_grad=True), mg.tensor(ws, requires_grad=True)
    tx, tw = torch.tensor(xs, requires_grad=True), torch.tensor(ws, requires_grad=True)
    z, tz = _inplace_program(x, w), _inplace_program(tx, tw)
    np.testing.assert_allclose(z.detach().numpy(), tz.detach().numpy(), rtol=1e-12)
    (z * z).sum().backward()
    (tz * tz).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("method,args", [
    ("exp_", ()), ("log_", ()), ("sqrt_", ()), ("rsqrt_", ()), ("abs_", ()), ("neg_", ()),
    ("reciprocal_", ()), ("square_", ()), ("sin_", ()), ("cos_", ()), ("tanh_", ()), ("sigmoid_", ()),
    ("relu_", ()), ("clamp_", (0.6, 1.5)), ("clip_", (None, 1.2)), ("add_", (2.0,)), ("sub_", (0.5,)),
    ("mul_", (3.0,)), ("div_", (4.0,)), ("pow_", (3,)), ("fill_", (1.5,)), ("zero_", ()),
])
def test_every_inplace_method_equals_its_out_of_place_op_and_pytorch(method, args):
    rng = np.random.default_rng(1)
    data = rng.uniform(0.5, 2.0, (3, 4))
    x, tx = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = getattr(x * 1, method)(*args), getattr(tx * 1, method)(*args)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    check = gradcheck if method in ("fill_", "zero_") else gradgradcheck     # a zero gradient
    assert check(lambda t: getattr(t * 1, method)(*args), (mg.tensor(data, requires_grad=True),))


# PyTorch 2.13 has no derivative for these in-place twins (backward raises); minigrad's is the
# out-of-place op's, checked by gradcheck
NO_TORCH_DERIVATIVE = {"asinh_", "acosh_", "atanh_", "floor_divide_", "sgn_"}


@pytest.mark.parametrize("method,args,low,high", [
    ("tan_", (), -1, 1), ("asin_", (), -0.9, 0.9), ("arcsin_", (), -0.9, 0.9), ("acos_", (), -0.9, 0.9),
    ("atan_", (), -2, 2), ("sinh_", (), -2, 2), ("cosh_", (), -2, 2), ("asinh_", (), -2, 2), ("acosh_", (), 1.2, 3),
    ("atanh_", (), -0.9, 0.9), ("exp2_", (), -2, 2), ("expm1_", (), -2, 2), ("log2_", (), 0.2, 3),
    ("log10_", (), 0.2, 3), ("log1p_", (), -0.5, 2), ("erf_", (), -2, 2), ("frac_", (), 0.1, 0.9),
    ("fix_", (), 0.1, 0.9), ("sgn_", (), 0.1, 2), ("negative_", (), -2, 2), ("absolute_", (), 0.1, 2),
    ("deg2rad_", (), -2, 2), ("rad2deg_", (), -2, 2), ("logit_", (0.01,), 0.1, 0.9),
    ("nan_to_num_", (0.0, 1.0), -2, 2), ("atan2_", ("T",), -2, 2), ("arctan2_", ("T",), -2, 2),
    ("copysign_", ("T",), 0.2, 2), ("hypot_", ("T",), -2, 2), ("fmod_", (0.7,), 0.1, 2),
    ("remainder_", (0.7,), 0.1, 2), ("xlogy_", ("T",), -2, 2), ("multiply_", ("T",), -2, 2),
    ("subtract_", ("T",), -2, 2), ("divide_", ("T",), -2, 2), ("true_divide_", ("T",), -2, 2),
    ("floor_divide_", (0.7,), 0.1, 2), ("clamp_min_", (0.3,), -2, 2), ("clamp_max_", (0.3,), -2, 2),
    ("cumsum_", (1,), -2, 2), ("cumprod_", (0,), 0.5, 2), ("tril_", (0,), -2, 2), ("triu_", (1,), -2, 2),
])
def test_inplace_math_twins_equal_pytorch_and_gradcheck(method, args, low, high):
    """The in-place forms of the math ops: values and gradients as PyTorch's (where PyTorch has a
    derivative), and gradcheck/gradgradcheck of minigrad's."""
    rng = np.random.default_rng(2)
    data, other = rng.uniform(low, high, (3, 4)), rng.uniform(0.5, 2.0, (4,))
    results = []
    for lib in (mg, torch):
        x = lib.tensor(data, requires_grad=True)
        y = getattr(x * 1, method)(*[lib.tensor(other) if a == "T" else a for a in args])
        results.append((x, y))
        if lib is torch and method in NO_TORCH_DERIVATIVE:
            break
        (y * y).sum().backward()
    (x, y), (tx, ty) = results
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    if method not in NO_TORCH_DERIVATIVE:
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    fn = lambda t: getattr(t * 1, method)(*[mg.tensor(other) if a == "T" else a for a in args])  # noqa: E731
    x = mg.tensor(data, requires_grad=True)
    assert gradcheck(fn, (x,))
    if method not in ("frac_", "fix_", "sgn_", "floor_divide_"):
        assert gradgradcheck(fn, (x,))


def ex_logical_twins_on_a_leaf_that_requires_grad(lib):
    x, y = _x(lib), _x(lib, (0.0, 1.0, 0.0))
    x.logical_and_(lib.tensor([1.0, 0.0, 2.0], dtype=lib.float64))
    y.logical_not_()
    y.logical_or_(lib.tensor([0.0, 0.0, 3.0], dtype=lib.float64))
    return x, y, [x.requires_grad, x.is_leaf, x.grad_fn is None, y.requires_grad, y.is_leaf]


def ex_logical_twin_keeps_a_non_leafs_history(lib):
    x = _x(lib)
    y = x * 2
    y.logical_not_()                 # not recorded: backward goes through the multiplication as it was
    (y * 3).sum().backward()
    return y, x.grad, [y.requires_grad, y.grad_fn is not None]


def ex_logical_twin_bumps_the_version(lib):
    x = _x(lib)
    y = x * 1
    z = y * y
    y.logical_not_()
    z.sum().backward()               # Mul saved y: its version changed
    return (x.grad,)


@pytest.mark.parametrize("example", [ex_logical_twins_on_a_leaf_that_requires_grad,
                                     ex_logical_twin_keeps_a_non_leafs_history, ex_logical_twin_bumps_the_version])
def test_logical_twins_are_not_recorded_as_in_pytorch(example):
    _same_behaviour(example)


def test_inplace_comparisons_logical_and_bitwise_twins_write_into_the_tensor():
    d, e = np.array([[-1.0, 0.0, 2.0]]), np.array([1.0, 0.0, 2.0])
    for method in ("eq_", "ne_", "lt_", "le_", "gt_", "ge_", "logical_and_", "logical_or_"):
        y, ty = getattr(mg.tensor(d), method)(mg.tensor(e)), getattr(torch.tensor(d), method)(torch.tensor(e))
        assert y.dtype == np.float64 and y.tolist() == ty.tolist(), method
    assert mg.tensor(d).logical_not_().tolist() == torch.tensor(d).logical_not_().tolist()
    x = mg.tensor(d * 1, requires_grad=True)
    y = x * 2
    y.eq_(mg.tensor(e))                                        # not differentiable: a zero gradient
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0]]
    for method, arg in [("bitwise_and_", 6), ("bitwise_or_", 6), ("bitwise_xor_", 6), ("bitwise_left_shift_", 2),
                        ("bitwise_right_shift_", 1), ("__imod__", 4), ("__ilshift__", 1), ("__irshift__", 2)]:
        x, tx = mg.tensor([5, -6, 7]), torch.tensor([5, -6, 7])
        alias, talias = x[:], tx[:]
        getattr(x, method)(arg)
        getattr(tx, method)(arg)
        assert alias.tolist() == talias.tolist(), method     # written into the memory, seen by a view
    x = mg.tensor([5, -6, 7])
    x.bitwise_not_()
    assert x.tolist() == [-6, 5, -8]
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    x.index_fill_(1, mg.tensor([0]), -1.0).index_copy_(0, mg.tensor([1]), mg.tensor([[9.0, 8.0]]))
    assert x.tolist() == [[-1.0, 2.0], [9.0, 8.0]]
    with pytest.raises(RuntimeError, match="asin_: a leaf Variable that requires grad"):
        mg.tensor([0.5], requires_grad=True).asin_()


def test_lerp_inplace_matches_pytorch():
    def run(lib):
        x, e = _x(lib), _x(lib, (4.0, 5.0, 6.0))
        y = x * 1
        y.lerp_(e, 0.25)
        (y * y).sum().backward()
        return y, x.grad, e.grad
    _same_behaviour(run)


def test_inplace_under_no_grad_leaves_the_history_alone():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    node = y.grad_fn
    with mg.no_grad():
        y.add_(1)
    assert y.grad_fn is node and y.tolist() == [4.0, 7.0]
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_a_leaf_that_needs_no_grad_becomes_a_non_leaf():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    a = mg.zeros(2)
    a.add_(w * w)
    assert a.requires_grad and not a.is_leaf
    a.sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_non_differentiable_inplace_ops_keep_the_tensor_in_the_graph_with_zero_gradient():
    x = mg.tensor([1.2, -2.7], requires_grad=True)
    y = x * 2
    y.floor_()
    assert y.requires_grad and y.tolist() == [2.0, -6.0]
    (y + x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_random_fills_and_bitwise_inplace():
    mg.manual_seed(0)
    t = mg.zeros(1000)
    t.uniform_(2.0, 3.0)
    assert 2.0 <= t.min().item() and t.max().item() < 3.0
    t.normal_(5.0, 0.1)
    assert abs(t.mean().item() - 5.0) < 0.02
    t.bernoulli_(0.25)
    assert set(np.unique(t.numpy())) <= {0.0, 1.0}
    b = mg.tensor([True, False, True])
    b &= mg.tensor([True, True, False])
    b |= mg.tensor([False, False, True])
    b ^= mg.tensor([True, False, False])
    assert b.tolist() == [False, False, True]
    i = mg.tensor([7, 8])
    i //= 2
    i **= 2
    assert i.tolist() == [9, 16] and i.dtype == mg.int64


# ----------------------------------------------------------------------------- views share the version

VIEWS = {
    "slice": lambda t: t[0:1],
    "step": lambda t: t[::2],
    "int": lambda t: t[0],
    "int-int": lambda t: t[1, 2],
    "ellipsis-none": lambda t: t[..., None, 1],
    "chunk": lambda t: t.chunk(2)[1],
    "split": lambda t: t.split([1, 3])[1],
    "unbind": lambda t: t.unbind(1)[2],
    "reshape": lambda t: t.reshape(2, 2, 5),
    "view": lambda t: t.view(-1),
    "transpose": lambda t: t.transpose(0, 1),
    "permute": lambda t: t.permute(1, 0),
    "T": lambda t: t.T,
    "squeeze-unsqueeze": lambda t: t.unsqueeze(0).squeeze(0),
    "flatten": lambda t: t.flatten(),
    "unflatten": lambda t: t.unflatten(1, (1, 5)),
    "expand-of-row": lambda t: t[0:1].expand(3, 5),
    "movedim": lambda t: t.movedim(0, 1),
    "detach": lambda t: t.detach(),
}


@pytest.mark.parametrize("name", VIEWS)
def test_every_view_shares_the_version_counter_and_changes_through_it_are_caught(name):
    x = mg.tensor(np.arange(20.0).reshape(4, 5), requires_grad=True)
    b = x * 1
    v = VIEWS[name](b)
    assert v._version is b._version and np.shares_memory(v.data, b.data)
    saved_base, saved_view = b * x, v * v          # Mul saves b, and the view
    with mg.no_grad():
        if name == "expand-of-row":     # one memory location seen many times: not writable
            b[0, 0] = 7.0
        else:
            v.mul_(2)                   # a change of b's memory through the view
    for out in (saved_base, saved_view) if name != "detach" else (saved_base,):
        with pytest.raises(RuntimeError, match="Mul: one of the tensors saved for backward"):
            out.sum().backward()


@pytest.mark.parametrize("name", [n for n in VIEWS if n != "detach"])
def test_inplace_through_every_view_rewrites_the_base_like_pytorch(name):
    """... or is refused as PyTorch refuses it (an expanded view; an output of split/chunk/unbind)."""
    data = np.arange(20.0).reshape(4, 5) / 7

    def run(lib):
        x = lib.tensor(data, requires_grad=True)
        b = x * 2
        v = VIEWS[name](b)
        v.mul_(3)
        (b * b).sum().backward()
        return b, x.grad

    _same_behaviour(run)


def test_view_of_a_non_contiguous_tensor_raises_as_pytorch():
    def run(lib):
        return lib.arange(6.0).reshape(2, 3).transpose(0, 1).view(6)

    message = _same_behaviour(run)
    assert "view: " in message and "reshape" in message
    t = mg.arange(6.0).reshape(2, 3).transpose(0, 1)
    assert t.reshape(6).tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]      # reshape copies


def test_negative_and_zero_slice_steps_are_refused_as_pytorch():
    for key in (slice(None, None, -1), slice(None, None, 0)):
        def run(lib, key=key):
            return lib.arange(5.0)[key]
        message = _same_behaviour(run)
        assert "step must be greater than zero" in message


def test_ints_next_to_advanced_indices_follow_pytorch():
    data = np.arange(2 * 5 * 6 * 5 * 3, dtype=np.float64).reshape(2, 5, 6, 5, 3)
    idx = np.array([[0, 1], [1, 0]])
    keys = [lambda lib, i: (1, slice(None), slice(0, 4, 2), i, slice(0, 2)),
            lambda lib, i: (slice(None), i, 0, i), lambda lib, i: (1, Ellipsis, i),
            lambda lib, i: (None, 1, i), lambda lib, i: (0, i, slice(None), i)]
    for key in keys:
        def run(lib, key=key):
            x = lib.tensor(data, requires_grad=True)
            y = x[key(lib, lib.tensor(idx))]
            (y * y).sum().backward()
            return y, x.grad
        _same_behaviour(run)
    x = mg.tensor(data)
    assert x[1, :, 0:4:2, mg.tensor(idx), 0:2].shape == (5, 2, 2, 2, 2)

    def put(lib):
        y = lib.zeros(2, 5, 6, dtype=lib.float64)
        y[1, :, lib.tensor([0, 3])] = lib.tensor([1.0, 2.0], dtype=lib.float64)
        return y
    _same_behaviour(put)


def test_int_index_of_a_vector_is_a_view():
    b = mg.arange(3.0)
    v = b[1]
    with mg.no_grad():
        b.mul_(10)
    assert v.item() == 10.0 and v._version is b._version


@pytest.mark.parametrize("name, args", [("exp_", ()), ("zero_", ()), ("div_", (2.0,)), ("sigmoid_", ()),
                                        ("normal_", ()), ("floor_", ())])
def test_in_place_ops_on_an_empty_tensor_are_no_ops_not_overlap_errors(name, args):
    # an empty tensor has no elements that could share memory, whatever its strides
    x = mg.Tensor(np.broadcast_to(np.zeros(3, np.float32), (0, 3)).copy())
    x0 = mg.Tensor(np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), (0, 3), (0, 0)))
    for t in (x, x0):
        out = getattr(t, name)(*args)
        assert out is t and out.shape == (0, 3)
    e = mg.zeros(3).expand(2, 3)
    with pytest.raises(RuntimeError, match=f"{name}: unsupported operation: more than one element"):
        getattr(e, name)(*args)


def test_an_in_place_method_names_itself_in_its_op_errors():
    x = mg.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"^addcmul_: operands could not be broadcast"):
        x.addcmul_(x, mg.ones(2, 2))
    with pytest.raises(TypeError, match=r"^lerp_: "):
        x.lerp_(None, 0.5)
    assert x.tolist() == [[1.0] * 3] * 2            # nothing written on failure
    with pytest.raises(RuntimeError, match=r"^mul_: result type float32 can't be cast to the desired output type int64$"):
        mg.tensor([1, 2]).mul_(1.5)


def test_a_view_written_in_place_gets_a_fresh_node_over_its_bases_new_history():
    # the written view's node is a copy over the base's CopySlices; the old node, which a graph
    # built before the write still uses, keeps sending its gradient to the previous history
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 2
    v = y[1:3]
    before = v * 1
    old = v.grad_fn
    v.mul_(3)
    assert type(v.grad_fn) is type(old) and v.grad_fn is not old
    assert v.grad_fn.inputs[0] == (y.grad_fn, 0) and type(y.grad_fn).__name__ == "CopySlices"
    assert old.inputs[0][0] is not y.grad_fn
    (v.sum() + before.sum()).backward()
    assert x.grad.tolist() == [0.0, 8.0, 8.0, 0.0]       # 3 * 2 through the write, 2 before it


def test_a_view_of_a_constant_written_with_a_gradient_requires_grad_at_once():
    # the view had no node to copy: its history is replayed from the base's new one
    w = mg.tensor([5.0, 6.0], requires_grad=True)
    y = mg.zeros(3)
    v = y[0:2]
    v.copy_(w)
    assert v.requires_grad and y.requires_grad
    (v * mg.tensor([1.0, 2.0])).sum().backward()
    assert w.grad.tolist() == [1.0, 2.0]
