"""Binary element-wise functions: gradcheck on broadcasting shapes (0-d, size-1 and empty dims
included), equal to PyTorch on the same inputs (values, gradients, dtypes); integer ops and
shifts; closeness tests."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck
from tests.strategies import broadcast_pair, make, seeds
from tests.torch_oracle import torch_check

torch = pytest.importorskip("torch")

# name -> (minigrad function, PyTorch function, range of a, range of b, smooth?)
BINARY = {
    "atan2": (mg.atan2, torch.atan2, (-2, 2), (0.3, 2), True),
    "hypot": (mg.hypot, torch.hypot, (-2, 2), (0.3, 2), True),
    "copysign": (mg.copysign, torch.copysign, (0.2, 2), (-2, 2), False),
    "logaddexp": (mg.logaddexp, torch.logaddexp, (-3, 3), (-3, 3), True),
    "logaddexp2": (mg.logaddexp2, torch.logaddexp2, (-3, 3), (-3, 3), True),
    "remainder": (mg.remainder, torch.remainder, (-5, 5), (0.7, 2.3), False),
    "fmod": (mg.fmod, torch.fmod, (-5, 5), (0.7, 2.3), False),
    "xlogy": (mg.xlogy, torch.xlogy, (-2, 2), (0.2, 3), True),
    "lerp": (lambda a, b: mg.lerp(a, b, 0.3), lambda a, b: torch.lerp(a, b, 0.3), (-2, 2), (-2, 2), True),
    "mod_operator": (lambda a, b: a % b, lambda a, b: a % b, (-5, 5), (-2.3, -0.7), False),
}


def _away_from_jumps(a, b, name):
    """remainder/fmod jump where a/b is an integer: keep finite differences off those points."""
    if name in ("remainder", "fmod", "mod_operator"):
        for _ in range(20):
            q = a.data / b.data
            near = np.abs(q - np.round(q)) < 1e-3
            if not near.any():
                return
            lead = near.ndim - a.ndim
            near = near.any(axis=tuple(range(lead))) if lead else near
            near = near.any(axis=tuple(i for i, s in enumerate(a.shape) if s == 1 and near.shape[i] != 1),
                            keepdims=True)
            a.data[...] = np.where(near, a.data + 0.0137, a.data)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=broadcast_pair(), seed=seeds)
def test_binary_gradcheck_and_equal_to_pytorch(name, shapes, seed):
    fn, tfn, ra, rb, _ = BINARY[name]
    a, b = make(shapes[0], seed, "cpu", *ra), make(shapes[1], seed + 1, "cpu", *rb)
    _away_from_jumps(a, b, name)
    assert gradcheck(fn, (a, b))
    torch_check(fn, tfn, [a.detach().numpy().copy(), b.detach().numpy().copy()])


@pytest.mark.parametrize("name", sorted(n for n, spec in BINARY.items() if spec[4]))
@given(shapes=broadcast_pair(max_dims=2), seed=seeds)
def test_smooth_binary_gradgradcheck(name, shapes, seed):
    fn, _, ra, rb, _ = BINARY[name]
    a, b = make(shapes[0], seed, "cpu", *ra), make(shapes[1], seed + 1, "cpu", *rb)
    assert gradgradcheck(fn, (a, b))


@given(shape=st.sampled_from([(), (3,), (2, 0), (2, 3)]), seed=seeds)
def test_lerp_with_a_tensor_weight(shape, seed):
    a, b, w = make(shape, seed), make(shape, seed + 1), make(shape, seed + 2, low=0, high=1)
    assert gradcheck(mg.lerp, (a, b, w))
    torch_check(mg.lerp, torch.lerp, [t.detach().numpy().copy() for t in (a, b, w)])


def test_shifts_of_a_bool_tensor_and_an_int_number_are_int64_as_pytorch():
    """PyTorch promotes a bool tensor with an int to int64 (the shift of 2 by a bool tensor was bool)."""
    for a, b in ((2, [True, False]), ([True, False], 1), ([5, -8], [1, 70]), (3, [1, 2])):
        for name in ("bitwise_right_shift", "bitwise_left_shift"):
            ours = getattr(mg, name)(mg.tensor(a) if isinstance(a, list) else a, mg.tensor(b) if isinstance(b, list) else b)
            theirs = getattr(torch, name)(torch.tensor(a) if isinstance(a, list) else a,
                                          torch.tensor(b) if isinstance(b, list) else b)
            assert str(ours.dtype) == "int64" == str(theirs.dtype)[6:] and ours.tolist() == theirs.tolist(), (name, a, b)
    assert mg.bitwise_right_shift(mg.tensor(np.array([5, -8], np.int8)), 1).dtype == mg.int8


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_remainder_and_fmod_of_infinite_and_zero_operands_give_pytorchs_gradients(name):
    """d/db = -div(a, b, rounding_mode): NaN where a is infinite for remainder (floor(inf / 2) was
    inf, the gradient -inf), as PyTorch's; remainder_ too."""
    inf, nan = float("inf"), float("nan")
    a = np.array([inf, -inf, 5.0, -5.0, 1.0, inf, 7.5, -7.5, 0.0, nan, 3.0])
    b = np.array([2.0, 3.0, inf, inf, 0.0, inf, 2.0, 2.0, -1.0, 1.0, -inf])
    for dtype in (np.float32, np.float64):
        torch_check(getattr(mg, name), getattr(torch, name), [a.astype(dtype), b.astype(dtype)])
    torch_check(lambda x, y: (x * 1).remainder_(y), lambda x, y: (x * 1).remainder_(y), [a, b])


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_integer_modulus_matches_pytorch_signs_and_dtypes(name):
    a = np.array([5, -5, 5, -5, 7], dtype=np.int32)
    b = np.array([3, 3, -3, -3, 2], dtype=np.int32)
    torch_check(getattr(mg, name), getattr(torch, name), [a, b])
    torch_check(getattr(mg, name), getattr(torch, name), [a, 2.5])
    torch_check(getattr(mg, name), getattr(torch, name), [a.astype(np.float32), b])
    with pytest.raises(RuntimeError, match=f"{name}: ZeroDivisionError"):
        getattr(mg, name)(mg.tensor([1, 2]), mg.tensor([1, 0]))


def test_modulus_operators_and_reflected_forms():
    a = mg.tensor([5.0, -5.0, 2.5], requires_grad=True)
    assert (a % 3).tolist() == [2.0, 1.0, 2.5]
    assert (7 % mg.tensor([3, -3, 4])).tolist() == [1, -2, 3]
    assert (7.5 % mg.tensor([2, 4])).dtype == mg.float32
    assert (mg.tensor([1.5], dtype=mg.float32) % mg.tensor([1], dtype=mg.int32)).dtype == mg.float32
    y = mg.tensor([3.0, 2.0], requires_grad=True)
    (mg.tensor([7.0, 7.0]) % y).sum().backward()
    assert y.grad.tolist() == [-2.0, -3.0]           # -floor(a / b)


def test_atan2_copysign_and_hypot_of_integers_and_at_the_origin():
    torch_check(mg.atan2, torch.atan2, [np.array([1, -2, 0]), np.array([3, 0, 0])])
    torch_check(mg.copysign, torch.copysign, [np.array([1, -2, 3]), np.array([-1, 1, 0])])
    torch_check(mg.atan2, torch.atan2, [np.zeros(2), np.zeros(2)])        # gradient 0 at the origin
    torch_check(mg.copysign, torch.copysign, [np.array([0.0, 1.0]), np.array([-1.0, -1.0])])
    with pytest.raises(RuntimeError, match="hypot: expected a floating point tensor, got dtypes int64"):
        mg.hypot(mg.tensor([1]), mg.tensor([2]))


def test_xlogy_is_zero_where_x_is_zero():
    torch_check(mg.xlogy, torch.xlogy, [np.array([0.0, 1.0, 0.0, 2.0]), np.array([0.0, 2.0, 3.0, 0.5])],
                [True, False])
    torch_check(lambda y: mg.xlogy(2, y), lambda y: torch.xlogy(2, y), [np.array([0.5, 4.0])])


def test_float_power_is_float64():
    torch_check(mg.float_power, torch.float_power, [np.array([1.0, 2.0], np.float32), np.array([2.0, 0.5], np.float32)])
    torch_check(lambda a: mg.float_power(a, 2), lambda a: torch.float_power(a, 2), [np.array([1, 3])])


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64])
def test_shifts_match_pytorch_including_shifts_past_the_width(dtype):
    a = np.array([1, 5, 100, 7, 3], dtype=dtype)
    if np.dtype(dtype).kind == "i":
        a[2] = -100
    s = np.array([0, 1, 3, 8, 70], dtype=dtype)
    for ours, theirs in [(mg.bitwise_left_shift, torch.bitwise_left_shift),
                         (mg.bitwise_right_shift, torch.bitwise_right_shift)]:
        torch_check(ours, theirs, [a, s], check_grad=False)
        torch_check(lambda x: ours(x, 2), lambda x: theirs(x, 2), [a], check_grad=False)
    x = mg.tensor([1, 2, -8])
    assert (x << 2).tolist() == [4, 8, -32] and (x >> 1).tolist() == [0, 1, -4]
    assert (2 << mg.tensor([1, 2])).tolist() == [4, 8] and (64 >> mg.tensor([1, 3])).tolist() == [32, 8]


def test_bitwise_ops_match_pytorch_and_refuse_floats():
    a, b = np.array([12, 10, -3]), np.array([10, 6, 5])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        torch_check(getattr(mg, name), getattr(torch, name), [a, b], check_grad=False)
    torch_check(mg.bitwise_not, torch.bitwise_not, [a], check_grad=False)
    torch_check(mg.bitwise_and, torch.bitwise_and, [np.array([True, False]), np.array([True, True])],
                check_grad=False)
    with pytest.raises(RuntimeError, match="bitwise_left_shift: only integer and bool tensors are supported, got float32"):
        mg.bitwise_left_shift(mg.ones(2), 1)


def test_bitwise_operators_take_ints_outside_the_dtype_and_refuse_floats():
    """int32 | 0xFFFFFFFF is int32 | -1 (NumPy raised OverflowError); & | ^ on floats raise as
    PyTorch (they were computed by NumPy without a check)."""
    x = np.array([1, 2, -5], dtype=np.int32)
    for number in (0xFFFFFFFF, 2**40, 0x7FFFFFFF, -1):
        for op in (lambda a: a | number, lambda a: a & number, lambda a: a ^ number,
                   lambda a: number | a, lambda a: number & a, lambda a: number ^ a):
            ours, theirs = op(mg.tensor(x)), op(torch.tensor(x))
            assert ours.dtype == mg.int32
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    mask = (mg.tensor([1, 2, 3]) > 1) & (mg.tensor([1, 2, 3]) < 3)
    assert mask.dtype == mg.bool and mask.tolist() == [False, True, False]
    for op in (lambda a: a & 1, lambda a: a | a, lambda a: 1 ^ a):
        with pytest.raises(RuntimeError, match="only integer and bool tensors are supported, got float32"):
            op(mg.ones(2))



def test_bitwise_ops_of_two_python_numbers_raise_type_error_as_pytorch():
    from tests.torch_oracle import raises_as_torch

    for op in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"):
        raises_as_torch(lambda m: getattr(m, op)(1, 2), rf"^{op}: expected a Tensor input or other, got int and int$")
    assert mg.bitwise_and(3, mg.tensor([1, 2])).tolist() == [1, 2]


def test_closeness_and_xlogy_refuse_arrays_and_numbers_pytorch_refuses():
    from tests.torch_oracle import raises_as_torch

    x = np.ones(2, np.float32)
    for op in ("isclose", "allclose"):
        raises_as_torch(lambda m: getattr(m, op)(m.ones(2), 1.0), rf"^{op}: other must be a Tensor, got float$")
        raises_as_torch(lambda m: getattr(m, op)(m.ones(2), x), rf"^{op}: other must be a Tensor, got ndarray$")
    raises_as_torch(lambda m: m.xlogy(m.ones(2), x), r"^xlogy: other must be a Tensor or a number, got ndarray$")
    raises_as_torch(lambda m: m.xlogy(x, m.ones(2)), r"^xlogy: input must be a Tensor or a number, got ndarray$")
    raises_as_torch(lambda m: m.xlogy(2.0, 3.0), r"^xlogy: other must be a Tensor, got float$")
    torch_check(lambda b: mg.xlogy(2.0, b), lambda b: torch.xlogy(2.0, b), [np.array([0.5, 3.0])])


def test_isclose_and_allclose_match_pytorch():
    a = np.array([1.0, np.nan, 1e-9, 100.0, np.inf])
    b = np.array([1.0 + 1e-9, np.nan, 0.0, 100.01, np.inf])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 1e-3, "atol": 0.0}):
        ours = mg.isclose(mg.tensor(a), mg.tensor(b), **kwargs)
        theirs = torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs)
        assert ours.tolist() == theirs.tolist() and ours.dtype == mg.bool
        assert mg.allclose(mg.tensor(a), mg.tensor(b), **kwargs) is bool(theirs.all())
    assert mg.tensor([1.0, 2.0]).isclose(mg.tensor([1.0, 2.5])).tolist() == [True, False]
    with pytest.raises(RuntimeError, match=r"isclose: input \(float32\) and other \(float64\) must have the same dtype"):
        mg.isclose(mg.ones(2), mg.ones(2, dtype=mg.float64))


def test_binary_ops_on_the_device(device):
    a = make((2, 3), 0, device, 0.5, 2)
    b = make((3,), 1, device, 0.5, 2)
    for fn in (mg.atan2, mg.hypot, mg.copysign, mg.logaddexp, mg.remainder, mg.fmod, mg.xlogy):
        y = fn(a, b)
        y.sum().backward()
        assert y.device == a.device and a.grad.device == a.device
        a.grad = b.grad = None


@pytest.mark.parametrize("op", ["isclose", "allclose"])
@pytest.mark.parametrize("kwargs, error, message", [
    (dict(atol="0.1"), TypeError, r"atol must be a number, got '0.1'"),
    (dict(atol=-1.0), ValueError, r"atol must be in \[0.0, inf\], got -1.0"),
    (dict(rtol=float("nan")), ValueError, r"rtol must not be NaN"),
    (dict(equal_nan=1), TypeError, r"equal_nan must be a bool"),
])
def test_isclose_and_allclose_check_their_tolerances(op, kwargs, error, message):
    with pytest.raises(error, match=f"{op}: {message}"):
        getattr(mg.ones(2, 3), op)(mg.ones(2, 3), **kwargs)


def test_isclose_of_shapes_that_do_not_broadcast_names_the_op():
    with pytest.raises(ValueError, match=r"isclose: operands could not be broadcast .*\(2,3\) \(0,3\)"):
        mg.ones(2, 3).isclose(mg.ones(0, 3))
    assert mg.ones(0, 3).isclose(mg.ones(1, 3)).shape == (0, 3)


def test_atan2_hypot_logaddexp_take_only_tensors():
    x = mg.ones(2, 3)
    for fn, name in ((mg.atan2, "atan2"), (mg.arctan2, "arctan2"), (mg.hypot, "hypot"), (mg.logaddexp, "logaddexp"),
                     (mg.logaddexp2, "logaddexp2")):
        with pytest.raises(TypeError, match=rf"^{name}: input must be a Tensor, got float$"):
            fn(1.5, x)
        with pytest.raises(TypeError, match=rf"^{name}: other must be a Tensor, got ndarray$"):
            fn(x, np.ones((2, 3), np.float32))


def test_hypot_promotes_an_integer_operand_next_to_a_float_one():
    assert mg.hypot(mg.tensor([3.0]), mg.tensor([4])).tolist() == [5.0]
    with pytest.raises(RuntimeError, match=r"^hypot: expected a floating point tensor, got dtypes int64, int64$"):
        mg.hypot(mg.tensor([3]), mg.tensor([4]))


def test_hypot_promotes_an_integer_operand_by_a_float_one_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).random((2, 3)).astype(np.float32)
    for other in (np.arange(6, dtype=np.int64).reshape(2, 3), np.ones((2, 3), bool), np.full((2, 3), 3, np.uint8)):
        ours = mg.hypot(mg.tensor(other), mg.tensor(a))
        theirs = torch.hypot(torch.tensor(other), torch.tensor(a))
        assert ours.dtype == mg.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"^hypot: expected a floating point tensor, got dtypes int64, int64$"):
        mg.hypot(mg.ones(2, dtype=mg.int64), mg.ones(2, dtype=mg.int64))


def test_lerp_and_its_in_place_twin_check_end_and_weight_as_pytorch():
    x = mg.ones(2, 3)
    with pytest.raises(RuntimeError, match="^lerp_: expected dtype float32 for end but got dtype float64"):
        x.lerp_(mg.ones(2, 3, dtype=mg.float64), 0.5)
    with pytest.raises(TypeError, match=r"^lerp_: weight must be a number, got 1j \(complex\)"):
        x.lerp_(x, 1j)
    with pytest.raises(TypeError, match="^lerp_: end must be a Tensor, got bool"):
        x.lerp_(True, 0.5)
    assert mg.zeros(2).lerp_(mg.ones(2), 0.25).tolist() == [0.25, 0.25]


def test_lerp_uses_pytorchs_two_forms_exact_at_weight_one_and_infinite_inputs():
    a, b = np.array([-np.inf, 1.0, 2.0], np.float32), np.array([1.0, 5.0, 3.0], np.float32)
    for w in (0.5, 0.25, 1.0, 0.9):
        torch_check(lambda x, y: mg.lerp(x, y, w), lambda x, y: torch.lerp(x, y, w), [a, b], check_grad=False)
    torch_check(mg.lerp, torch.lerp, [a[1:], b[1:], np.array([0.75, 0.25], np.float32)])
    assert mg.tensor([0.1]).lerp_(mg.tensor([0.3]), 1.0).tolist() == [np.float32(0.3)]


def test_binary_ops_take_a_tensor_or_a_number_not_an_array_as_pytorch():
    x, a = mg.ones(2, 3), np.ones((2, 3), np.float32)
    for call, op in [(lambda: mg.remainder(x, a), "remainder"), (lambda: x.remainder_(a), "remainder_"),
                     (lambda: mg.copysign(x, a), "copysign"), (lambda: x.copysign_(a), "copysign_"),
                     (lambda: mg.fmod(x, a), "fmod")]:
        with pytest.raises(TypeError, match=rf"^{op}: other must be a Tensor or a number, got ndarray$"):
            call()
    assert mg.remainder(5, mg.tensor([3])).tolist() == [2] and mg.fmod(x, 1.5).tolist() == x.tolist()
