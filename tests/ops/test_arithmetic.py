"""Binary ops with broadcasting, pow, matmul, maximum/minimum, where: values, gradcheck over
Hypothesis shapes, gradgradcheck, dtype promotion and shape errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck, separate_ties
from tests.strategies import broadcast_pair, make, seeds

BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a ** b, np.power),
    "maximum": (mg.maximum, np.maximum),
    "minimum": (mg.minimum, np.minimum),
}


def _operands(name, pair, seed, device):
    a = make(pair[0], seed, device, 0.5, 2.0) if name == "pow" else make(pair[0], seed, device)
    b = make(pair[1], seed + 1, device)
    if name == "div":
        b = make(pair[1], seed + 1, device, 0.5, 2.0)
    return a, b


@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=broadcast_pair(), seed=seeds)
def test_binary_broadcast_forward_and_gradcheck(name, pair, seed, device):
    fn, oracle = BINARY[name]
    a, b = _operands(name, pair, seed, device)     # random floats: ties (kinks) have probability 0
    y = fn(a, b)
    expected = oracle(a.detach().numpy(force=True), b.detach().numpy(force=True))
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.detach().numpy(force=True), expected, rtol=1e-12)
    assert gradcheck(fn, (a, b))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
@given(pair=broadcast_pair(max_dims=2), seed=seeds)
def test_binary_gradgradcheck(name, pair, seed, device):
    fn, _ = BINARY[name]
    a, b = _operands(name, pair, seed, device)
    assert gradgradcheck(fn, (a, b))


@pytest.mark.parametrize("scalar", [2, 0.5, -1.5])
def test_scalar_operands_both_sides(scalar):
    x = make((2, 3), 0, low=0.5, high=2.0)
    for fn in [lambda t: t + scalar, lambda t: scalar + t, lambda t: t - scalar, lambda t: scalar - t,
               lambda t: t * scalar, lambda t: scalar * t, lambda t: t / scalar, lambda t: scalar / t,
               lambda t: t ** scalar, lambda t: abs(scalar) ** t]:
        assert gradcheck(fn, (x,))


def test_equal_values_split_the_gradient_of_maximum():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([1.0, 3.0], requires_grad=True)
    mg.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0] and b.grad.tolist() == [0.5, 1.0]


@given(seed=seeds, batch=st.sampled_from([(), (1,), (3,), (2, 1)]), other_batch=st.sampled_from([(), (1,), (3,)]),
       n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4))
def test_matmul_batched_broadcast_gradcheck(seed, batch, other_batch, n, k, m, device):
    a = make(batch + (n, k), seed, device)
    b = make(other_batch + (k, m), seed + 1, device)
    y = a @ b
    np.testing.assert_allclose(y.detach().numpy(force=True),
                               a.detach().numpy(force=True) @ b.detach().numpy(force=True), rtol=1e-12)
    assert gradcheck(mg.matmul, (a, b))
    assert gradgradcheck(mg.matmul, (a, b))


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((4, 2, 3), (3,)), ((3,), (4, 3, 2))])
def test_matmul_with_vectors(sa, sb):
    a, b = make(sa, 1), make(sb, 2)
    np.testing.assert_allclose((a @ b).detach().numpy(), a.detach().numpy() @ b.detach().numpy(), rtol=1e-12)
    assert gradcheck(mg.matmul, (a, b))


def test_matmul_shape_mismatch_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        mg.ones(2, 3) @ mg.ones(4, 5)



def test_mul_refuses_an_array_for_either_operand_as_pytorch():
    pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    x = np.ones(2, np.float32)
    raises_as_torch(lambda m: m.mul(x, m.ones(2)), r"^mul: input must be a Tensor or a number, got ndarray$")
    raises_as_torch(lambda m: m.mul(m.ones(2), x), r"^mul: other must be a Tensor or a number, got ndarray$")
    assert mg.mul(mg.ones(2), 3).tolist() == [3.0, 3.0]


def test_add_sub_mul_div_of_two_numbers_give_a_0d_tensor_as_pytorch():
    """PyTorch's overloads for two numbers (mg.mul(1.5, 1.5) was a TypeError): a 0-d tensor of
    the dtype the numbers promote to, a NumPy scalar read as a Python number."""
    torch = pytest.importorskip("torch")
    calls = [("mul", 1.5, 1.5, {}), ("multiply", 2, 3, {}), ("mul", True, 2, {}), ("mul", True, True, {}),
             ("add", 2, 1.5, {}), ("add", 2, 3, {"alpha": 2}), ("subtract", 2.5, 1, {"alpha": 2}),
             ("div", 2, 3, {}), ("divide", 7, 2, {"rounding_mode": "floor"}), ("true_divide", True, 2, {}),
             ("mul", np.float64(1.5), 2, {}), ("add", np.int32(2), 3, {})]
    for name, a, b, kwargs in calls:
        ours, theirs = getattr(mg, name)(a, b, **kwargs), getattr(torch, name)(a, b, **kwargs)
        assert ours.shape == () and str(ours.dtype) == str(theirs.dtype).replace("torch.", "") and \
            ours.item() == pytest.approx(theirs.item()), (name, a, b, kwargs)
    with pytest.raises(TypeError, match=r"^mul: other must be a Tensor or a number, got str"):
        mg.mul(1.5, "a")


def test_addcdiv_of_two_integer_tensors_raises_as_pytorch():
    torch = pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    for input_dtype, t1, t2 in [("float32", "int64", "int64"), ("float32", "bool", "bool"), ("int64", "int64", "int32")]:
        raises_as_torch(lambda m: m.addcdiv(m.ones(2, dtype=getattr(m, input_dtype)), m.ones(2, dtype=getattr(m, t1)),
                                            m.ones(2, dtype=getattr(m, t2))),
                        rf"^addcdiv: integer division is not supported \(tensor1 {t1}, tensor2 {t2}\)")
    raises_as_torch(lambda m: m.ones(2).addcdiv_(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64)),
                    r"^addcdiv_: integer division is not supported")
    a = np.array([1.0, 2.0], np.float32)
    for t1, t2 in [(np.array([3, 4]), a), (a, np.array([3, 4]))]:
        assert mg.addcdiv(mg.tensor(a), mg.tensor(t1), mg.tensor(t2)).tolist() == \
            torch.addcdiv(torch.tensor(a), torch.tensor(t1), torch.tensor(t2)).tolist()


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"add.*\(2, 3\).*\(4,\)"):
        mg.ones(2, 3) + mg.ones(4)
    with pytest.raises(RuntimeError, match=r"mul.*\(2, 3\).*\(2,\)"):
        mg.ones(2, 3) * mg.ones(2)


@given(seed=seeds, pair=broadcast_pair())
def test_where_gradcheck(seed, pair, device):
    a, b = make(pair[0], seed, device), make(pair[1], seed + 1, device)
    cond = mg.tensor(np.random.default_rng(seed).random(np.broadcast_shapes(*pair)) > 0.5, device=device)
    assert gradcheck(lambda a, b: mg.where(cond, a, b), (a, b))


def test_dtype_promotion_follows_pytorch():
    f32 = mg.ones(2)
    f64 = mg.ones(2, dtype=mg.float64)
    i64 = mg.tensor([1, 2])
    assert (f32 * 2.5).dtype == mg.float32           # a Python float keeps float32
    assert (f32 * 2).dtype == mg.float32
    assert (f32 + f64).dtype == mg.float64
    assert (f32 + i64).dtype == mg.float32           # NumPy alone would give float64
    assert (i64 * 2.5).dtype == mg.float32           # int tensor * float -> default dtype
    assert (i64 / i64).dtype == mg.float32           # true division of ints
    assert (i64 + 1).dtype == mg.int64
    assert (f32 * mg.tensor(2.0, dtype=mg.float64)).dtype == mg.float32   # 0-d doesn't widen


def test_gradients_keep_the_input_dtype():
    a = mg.ones(3, requires_grad=True)                           # float32
    b = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)     # 0-d float64
    (a * b).sum().backward()
    assert a.grad.dtype == mg.float32 and b.grad.dtype == mg.float64
    assert b.grad.item() == 3.0


def test_max_tie_helper_makes_values_distinct():
    x = mg.tensor([1.0, 1.0, 1.0, 0.5])
    separate_ties(x, min_gap=0.1)
    assert len(set(x.tolist())) == 4


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_pow_gradients_at_zero_are_pytorchs():
    """x**0.0 and x**y at x = y = 0 have gradient 0 (was nan); d(0**y)/dy is -inf for y < 0
    (was 0) and 0 for y >= 0."""
    torch = pytest.importorskip("torch")
    xs, ys = np.array([0.0, 0.0, 0.0, 2.0, 0.0]), np.array([0.0, -1.0, 1.5, 0.0, 2.0])
    x, y = mg.tensor(xs, requires_grad=True), mg.tensor(ys, requires_grad=True)
    tx, ty = torch.tensor(xs, requires_grad=True), torch.tensor(ys, requires_grad=True)
    (x ** y).sum().backward()
    (tx ** ty).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(y.grad.numpy(), ty.grad.numpy())
    assert y.grad.numpy()[1] == -np.inf
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    (x ** 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    e = mg.tensor([-1.0, 0.5], dtype=mg.float64, requires_grad=True)
    assert gradgradcheck(lambda e: 0.5 ** e, (e,))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_pow_takes_a_float_exponent_at_pytorchs_precision():
    """A float32 tensor's Python float exponent is a double, a float16's a float, as PyTorch's CPU
    kernel takes it: 1e-300 and 2.0000001 round to the integers 0 and 2 in float32, which gave a
    negative base 1 and 4 (PyTorch: NaN); in float16, 2.001 rounds to 2 but not in float32."""
    base = [-2.0, -0.5, 0.0, 0.5, 2.0]
    for e, want in ((1e-300, [np.nan, np.nan, 0.0, 1.0, 1.0]),
                    (2.0000001, [np.nan, np.nan, 0.0, 0.25, 4.0])):
        y = mg.tensor(base) ** e
        assert y.dtype == mg.float32
        np.testing.assert_allclose(y.numpy(), want, rtol=1e-6)
        x = mg.tensor(base)
        x.pow_(e)
        np.testing.assert_allclose(x.numpy(), want, rtol=1e-6)
    half = mg.tensor(base, dtype=mg.float16)
    np.testing.assert_array_equal((half ** 1e-300).numpy(), [1.0] * 5)
    y = half ** 2.001
    assert y.dtype == mg.float16 and np.isnan(y.numpy()[:2]).all()


# ----------------------------------------------------------------------------- div with rounding_mode,
# integer pow, Python ints out of an integer dtype's range: PyTorch's values and dtypes

def _pair(t, torch):
    """A minigrad tensor and a torch tensor holding the same values."""
    return mg.tensor(t.copy()), torch.tensor(t.copy())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode_matches_pytorch_values_and_dtypes(mode):
    """int32 / float32 rounds in float32 (it was float64); integers divide exactly in their own
    dtype, uint64 beyond 2**53 included (it went through float64)."""
    torch = pytest.importorskip("torch")
    ints = np.array([7, -7, 6, -6, 0, 1], dtype=np.int32)
    others = [np.array([2.0, 2.0, -4.0, -4.0, 3.0, 0.1], dtype=np.float32),
              np.array([2, 2, -4, -4, 3, -1], dtype=np.int32),
              np.array([2, 2, -4, -4, 3, -1], dtype=np.int64),
              np.array([2.5, -2.5, 0.0, 1.0, 3.0, 0.1], dtype=np.float64)]
    for b in others:
        for x, y in [(ints, b), (b, ints)]:
            if y.dtype.kind in "iu" and (y == 0).any():
                continue
            (ma, ta), (mb, tb) = _pair(x, torch), _pair(y, torch)
            ours, theirs = ma.div(mb, rounding_mode=mode), ta.div(tb, rounding_mode=mode)
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (x.dtype, y.dtype)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for number in (2, -2, 2.5, -0.1):
        ma, ta = _pair(ints, torch)
        ours, theirs = ma.div(number, rounding_mode=mode), ta.div(number, rounding_mode=mode)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    big = np.array([2**63 + 5, 2**64 - 3, 12345678901234567], dtype=np.uint64)
    q = mg.tensor(big).div(mg.tensor(np.array([3, 7, 11], dtype=np.uint64)), rounding_mode=mode)
    assert q.dtype == np.uint64
    assert q.tolist() == [int(v) // d for v, d in zip(big.tolist(), [3, 7, 11])]
    assert (mg.tensor(big) // 3).tolist() == [int(v) // 3 for v in big.tolist()]


def test_div_rounding_mode_zero_0d_and_errors():
    q = mg.div(mg.tensor(7), mg.tensor(-2), rounding_mode="trunc")
    assert q.shape == () and q.item() == -3 and isinstance(q.data, np.ndarray)
    assert mg.div(mg.tensor(7), -2, rounding_mode="floor").item() == -4
    assert (7 // mg.tensor([2, -2])).tolist() == [3, -4]
    with pytest.raises(RuntimeError, match="div: ZeroDivisionError"):
        mg.tensor([1, 2]).div(mg.tensor([1, 0]), rounding_mode="floor")
    with pytest.raises(RuntimeError, match="rounding_mode must be None, 'trunc' or 'floor', got 'round'"):
        mg.ones(2).div(mg.ones(2), rounding_mode="round")


@pytest.mark.parametrize("call", [lambda a, b: a.div(b, rounding_mode="floor"),
                                  lambda a, b: mg.div(a, b, rounding_mode="trunc"),
                                  lambda a, b: a.floor_divide(b), lambda a, b: a // b])
def test_rounded_division_is_differentiable_with_a_zero_gradient(call):
    """As PyTorch: the rounded quotient requires grad when an input does (it was a detached
    tensor), and its gradient is 0 for both operands, reduced to their shapes."""
    a = mg.tensor([[1.5, -2.5, 7.0]], requires_grad=True)
    b = mg.tensor([[2.0], [-3.0]], requires_grad=True)
    q = call(a, b)
    assert q.requires_grad and q.tolist() == call(a.detach(), b.detach()).tolist()
    q.sum().backward()
    assert a.grad.shape == (1, 3) and b.grad.shape == (2, 1)
    assert a.grad.tolist() == [[0.0] * 3] and b.grad.tolist() == [[0.0], [0.0]]
    assert not call(a.detach(), 2.0).requires_grad


def test_integer_pow_with_negative_exponents_is_pytorchs():
    """0.7 ** int_tensor is float32 (0.7 was cast to the int dtype, then NumPy refused the negative
    powers); an integer base to a negative integer tensor power is 1, +-1 or 0, as PyTorch."""
    torch = pytest.importorskip("torch")
    e = np.array([-3, -2, -1, 0, 1, 2])
    me, te = mg.tensor(e), torch.tensor(e)
    for base in (0, 1, -1, 2, -2, 0.7, True):
        for ours, theirs in [(base ** me, base ** te), (mg.pow(base, me), torch.pow(base, te))]:
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), base
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
        if not isinstance(base, float):
            ours, theirs = mg.tensor([base] * 6) ** me, torch.tensor([base] * 6) ** te
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert (2 ** mg.tensor([True, False])).tolist() == [2, 1]
    assert (mg.tensor(0.7, dtype=mg.float64) ** me).dtype == mg.float64
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        mg.tensor([2]) ** -1


def test_python_ints_wrap_around_an_integer_dtype_as_pytorch():
    """int32 + 0xFFFFFFFF is int32 - 1 (NumPy raised OverflowError)."""
    torch = pytest.importorskip("torch")
    for dtype in ("int8", "uint8", "int32", "int64"):
        x = np.array([1, 2, 100], dtype=dtype)
        for number in (0xFFFFFFFF, 300, -1, 2**40, 2**63, 2**64 - 1):
            ma, ta = _pair(x, torch)
            for op in (lambda a: a + number, lambda a: number - a, lambda a: a * number):
                ours, theirs = op(ma), op(ta)
                assert ours.dtype == ma.dtype
                np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_add_sub_check_alpha_and_operands_as_pytorch():
    x, i = mg.ones(2, 3), mg.ones(2, 3, dtype=mg.int64)
    with pytest.raises(RuntimeError, match=r"^add: alpha cannot be a bool for a floating point result, got alpha=True"):
        mg.add(x, x, alpha=True)
    with pytest.raises(RuntimeError, match=r"^sub: alpha cannot be a complex number for a floating point result"):
        mg.sub(x, x, alpha=1 + 2j)
    with pytest.raises(RuntimeError, match=r"^add: alpha cannot be a floating point number for an integer result"):
        mg.add(i, i, alpha=1.5)
    with pytest.raises(TypeError, match=r"^add: alpha must be a number, got '2' \(str\)$"):
        mg.add(x, x, alpha="2")
    with pytest.raises(TypeError, match=r"^add: other must be a Tensor or a number, got ndarray$"):
        x.add(np.ones((2, 3), np.float32))
    assert mg.add(x.bool(), x.bool(), alpha=True).dtype == mg.bool_
    np.testing.assert_allclose(mg.add(x, x, alpha=2.5).numpy(), 3.5)
    np.testing.assert_allclose(mg.sub(1, x).numpy(), 0.0)
    assert (x + np.ones((2, 3), np.float32)).shape == (2, 3)      # the operator goes through NumPy, as PyTorch's


def test_where_and_pow_take_tensors_or_numbers():
    x = mg.ones(2, 3)
    with pytest.raises(TypeError, match=r"^where: condition must be a Tensor or a number, got ndarray$"):
        mg.where(np.ones((2, 3), bool), x, x)
    with pytest.raises(TypeError, match=r"^where: condition must be a Tensor, got ndarray$"):
        x.where(np.ones((2, 3), bool), x)
    with pytest.raises(TypeError, match=r"^where: condition must be a Tensor, got float$"):     # as PyTorch's
        x.where(1.5, x)
    with pytest.raises(TypeError, match=r"^where: other must be a Tensor or a number, got ndarray$"):
        mg.where(x > 0, x, np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match=r"^pow: exponent must be a Tensor or a number, got tuple$"):
        x.pow((0.5, 0.5))
    assert mg.where(x > 0, 1.0, x).shape == (2, 3)


def test_sub_refuses_bools_and_where_needs_a_bool_condition_as_pytorch():
    x, mask = mg.ones(2, 3), mg.ones(2, 3, dtype=mg.bool_)
    for a, b in ((x, mask), (mask, x), (mask, mask), (x, True)):
        with pytest.raises(RuntimeError, match=r"^sub: subtraction with a bool operand is not supported"):
            mg.sub(a, b)
    with pytest.raises(RuntimeError, match=r"^where: expected condition to be a bool tensor, got float32$"):
        mg.where(x, x, x)
    assert mg.where(mask, x, 0.0).tolist() == x.tolist()


def test_addcmul_and_addcdiv_of_float16_operands_into_float32_round_only_once():
    a = np.array([1.0009766, 3.0], np.float16)       # a * a is not a float16
    out = mg.zeros(2).addcmul_(mg.tensor(a), mg.tensor(a))
    np.testing.assert_array_equal(out.numpy(), a.astype(np.float32) ** 2)
    out = mg.addcdiv(mg.zeros(2), mg.tensor(a), mg.tensor(np.array([3.0, 7.0], np.float16)))
    np.testing.assert_allclose(out.numpy(), a.astype(np.float32) / [3.0, 7.0], rtol=1e-7)
    assert out.dtype == mg.float32


@pytest.mark.parametrize("call,message", [
    (lambda x: mg.mul(x, np.ones((2, 3))), "^mul: other must be a Tensor or a number, got ndarray"),
    (lambda x: mg.div(x, None), "^div: other must be a Tensor or a number, got NoneType"),
    (lambda x: mg.maximum(x, 1.5), "^maximum: other must be a Tensor, got float"),
    (lambda x: x.minimum(True), "^minimum: other must be a Tensor, got bool"),
    (lambda x: mg.matmul(x, np.ones((3, 2))), "^matmul: other must be a Tensor, got ndarray"),
    (lambda x: mg.addcdiv(x, x, True), "^addcdiv: tensor2 must be a Tensor, got bool"),
    (lambda x: mg.addcmul(1.5, x, x), "^addcmul: input must be a Tensor, got float"),
    (lambda x: mg.addcmul(x, x, x, value=1j), r"^addcmul: value must be a number, got 1j \(complex\)"),
    (lambda x: x.addcmul_(x, np.ones((2, 3))), "^addcmul_: tensor2 must be a Tensor, got ndarray"),
    (lambda x: mg.lerp(x, np.ones((2, 3)), 0.5), "^lerp: end must be a Tensor, got ndarray"),
    (lambda x: mg.deg2rad(2), "^deg2rad: input must be a Tensor, got int"),
    (lambda x: mg.rad2deg(1.5), "^rad2deg: input must be a Tensor, got float"),
    (lambda x: mg.copysign(True, x), "^copysign: input must be a Tensor, got bool"),
    (lambda x: mg.isreal(np.ones(2)), "^isreal: input must be a Tensor, got ndarray"),
    (lambda x: mg.gather(np.ones((2, 3)), 1, mg.zeros(2, 1, dtype=mg.int64)), "^gather: input must be a Tensor")])
def test_ops_take_the_operands_pytorch_takes(call, message):
    with pytest.raises(TypeError, match=message):
        call(mg.ones(2, 3))


def test_clamp_mixes_a_tensor_bound_with_a_number_bound():
    x = mg.tensor([-2.0, 0.5, 3.0])
    assert x.clamp(min=mg.zeros(3), max=1.0).tolist() == [0.0, 0.5, 1.0]
    assert x.clamp(min=-1.0, max=mg.ones(3)).tolist() == [-1.0, 0.5, 1.0]
    assert (mg.ones(2) * 2).tolist() == mg.mul(mg.ones(2), 2).tolist() == [2.0, 2.0]
