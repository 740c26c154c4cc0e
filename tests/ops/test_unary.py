"""Every element-wise op: forward against NumPy, gradcheck over Hypothesis shapes, and
gradgradcheck (second derivatives) for the smooth ones."""
import math

import numpy as np
import pytest
from hypothesis import given

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck, nudge_from_kinks
from tests.strategies import make, seeds, shapes

try:
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover
    _erf = np.vectorize(math.erf)

# name -> (minigrad function, NumPy oracle, input range, kinks to avoid, smooth?)
UNARY = {
    "exp": (mg.exp, np.exp, (-2, 2), (), True),
    "log": (mg.log, np.log, (0.2, 3), (), True),
    "log1p": (mg.log1p, np.log1p, (-0.8, 3), (), True),
    "expm1": (mg.expm1, np.expm1, (-2, 2), (), True),
    "sqrt": (mg.sqrt, np.sqrt, (0.2, 3), (), True),
    "rsqrt": (mg.rsqrt, lambda x: 1 / np.sqrt(x), (0.2, 3), (), True),
    "abs": (mg.abs, np.abs, (-2, 2), (0.0,), False),
    "sin": (mg.sin, np.sin, (-3, 3), (), True),
    "cos": (mg.cos, np.cos, (-3, 3), (), True),
    "tan": (mg.tan, np.tan, (-1.2, 1.2), (), True),
    "tanh": (mg.tanh, np.tanh, (-3, 3), (), True),
    "sigmoid": (mg.sigmoid, lambda x: 1 / (1 + np.exp(-x)), (-5, 5), (), True),
    "relu": (mg.relu, lambda x: np.maximum(x, 0), (-2, 2), (0.0,), False),
    "leaky_relu": (lambda x: mg.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x), (-2, 2), (0.0,), False),
    "elu": (lambda x: mg.elu(x, 1.3), lambda x: np.where(x > 0, x, 1.3 * np.expm1(x)), (-2, 2), (0.0,), False),
    "gelu": (mg.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))), (-3, 3), (), True),
    "gelu_tanh": (lambda x: mg.gelu(x, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))), (-3, 3), (), True),
    "softplus": (lambda x: mg.softplus(x, beta=2.0, threshold=5.0),
                 lambda x: np.where(2 * x > 5, x, np.log1p(np.exp(2 * x)) / 2), (-2, 2), (2.5,), False),
    "erf": (mg.erf, _erf, (-2, 2), (), True),
    "clamp": (lambda x: mg.clamp(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7), (-2, 2), (-0.5, 0.7), False),
    "square": (mg.square, np.square, (-2, 2), (), True),
    "reciprocal": (mg.reciprocal, lambda x: 1 / x, (0.3, 3), (), True),
    "log2": (mg.log2, np.log2, (0.3, 3), (), True),
    "log10": (mg.log10, np.log10, (0.3, 3), (), True),
    "exp2": (mg.exp2, np.exp2, (-2, 2), (), True),
    "asin": (mg.asin, np.arcsin, (-0.9, 0.9), (), True),
    "acos": (mg.acos, np.arccos, (-0.9, 0.9), (), True),
    "atan": (mg.atan, np.arctan, (-3, 3), (), True),
    "sinh": (mg.sinh, np.sinh, (-2, 2), (), True),
    "cosh": (mg.cosh, np.cosh, (-2, 2), (), True),
    "asinh": (mg.asinh, np.arcsinh, (-3, 3), (), True),
    "acosh": (mg.acosh, np.arccosh, (1.2, 3), (), True),
    "atanh": (mg.atanh, np.arctanh, (-0.9, 0.9), (), True),
    "frac": (mg.frac, lambda x: x - np.trunc(x), (-2.5, 2.5), (-2.0, -1.0, 0.0, 1.0, 2.0), False),
    "deg2rad": (mg.deg2rad, np.deg2rad, (-200, 200), (), True),
    "rad2deg": (mg.rad2deg, np.rad2deg, (-3, 3), (), True),
    "logit": (mg.logit, lambda x: np.log(x / (1 - x)), (0.1, 0.9), (), True),
    "nan_to_num": (mg.nan_to_num, np.nan_to_num, (-2, 2), (), True),
    "sign": (mg.sign, np.sign, (-2, 2), (0.0,), False),
    "floor": (mg.floor, np.floor, (-2.5, 2.5), (-2.0, -1.0, 0.0, 1.0, 2.0), False),
    "ceil": (mg.ceil, np.ceil, (-2.5, 2.5), (-2.0, -1.0, 0.0, 1.0, 2.0), False),
    "round": (mg.round, np.round, (-2.4, 2.4), (-1.5, -0.5, 0.5, 1.5), False),
    "trunc": (mg.trunc, np.trunc, (-2.5, 2.5), (-2.0, -1.0, 0.0, 1.0, 2.0), False),
}

# the PyTorch function of each entry, for the comparison on the same inputs
TORCH_NAMES = {"gelu_tanh": None, "leaky_relu": None, "elu": None, "gelu": None, "softplus": None,
               "clamp": None}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes(), seed=seeds)
def test_unary_forward_and_gradcheck(name, shape, seed, device):
    fn, oracle, (lo, hi), kinks, _ = UNARY[name]
    x = make(shape, seed, device, lo, hi)
    nudge_from_kinks(x, kinks, margin=1e-3)
    y = fn(x)
    assert y.shape == x.shape and y.dtype == x.dtype
    np.testing.assert_allclose(y.detach().numpy(force=True), oracle(x.detach().numpy(force=True)),
                               rtol=1e-10, atol=1e-12)
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize("name", sorted(n for n, spec in UNARY.items() if spec[4]))
@given(shape=shapes(max_dims=2, max_side=3), seed=seeds)
def test_unary_gradgradcheck(name, shape, seed, device):
    fn, _, (lo, hi), _, _ = UNARY[name]
    x = make(shape, seed, device, lo, hi)
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_float32_stays_float32(name):
    fn, _, (lo, hi), _, _ = UNARY[name]
    x = make((3, 2), 0, "cpu", lo, hi, dtype=np.float32)
    y = fn(x)
    y.sum().backward()
    assert y.dtype == mg.float32 and x.grad.dtype == mg.float32


def test_sigmoid_and_softplus_are_stable_at_extremes():
    x = mg.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    y = mg.sigmoid(x)
    assert np.all(np.isfinite(y.detach().numpy()))
    np.testing.assert_allclose(y.detach().numpy(), [0, 1.9287499e-22, 0.5, 1, 1], rtol=1e-5)
    s = mg.softplus(x)
    s.sum().backward()
    assert np.all(np.isfinite(s.detach().numpy())) and np.all(np.isfinite(x.grad.numpy()))


def test_relu_gradient_at_zero_is_zero_and_abs_gradient_at_zero_is_zero():
    x = mg.tensor([0.0, 0.0], requires_grad=True)
    (mg.relu(x) + mg.abs(x)).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_gelu_exact_matches_pytorch_values():
    # values of x * Phi(x): Phi(1) = 0.8413447460685429
    x = mg.tensor([1.0, -1.0, 0.0], dtype=mg.float64)
    np.testing.assert_allclose(mg.gelu(x).numpy(), [0.8413447460685429, -0.15865525393145707, 0.0], rtol=1e-14)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="gelu"):
        mg.gelu(mg.ones(2), approximate="fast")


def test_rounding_and_sign_have_zero_gradient_as_pytorch():
    for fn, expected in [(mg.floor, [-2, 0, 2]), (mg.ceil, [-1, 1, 3]), (mg.sign, [-1, 1, 1]),
                         (mg.round, [-2, 0, 3]), (mg.trunc, [-1, 0, 2])]:
        x = mg.tensor([-1.5, 0.2, 2.7], requires_grad=True)
        y = fn(x)
        assert y.tolist() == expected and y.requires_grad
        (y * mg.tensor([1.0, 2.0, 3.0])).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("name", sorted(set(UNARY) - set(TORCH_NAMES)))
@given(shape=shapes(min_side=0), seed=seeds)
def test_unary_equal_to_pytorch(name, shape, seed):
    torch = pytest.importorskip("torch")
    from tests.torch_oracle import torch_check
    fn, _, (lo, hi), kinks, _ = UNARY[name]
    x = make(shape, seed, "cpu", lo, hi)
    nudge_from_kinks(x, kinks, margin=1e-3)
    torch_check(fn, getattr(torch, name), [x.detach().numpy().copy()])


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "asin", "atan", "sinh", "exp2", "log10",
                                  "sigmoid", "reciprocal", "erf", "rsqrt", "tanh"])
def test_float_functions_of_integer_tensors_give_the_default_float_dtype(name):
    torch = pytest.importorskip("torch")
    x = mg.tensor([1, 2, 3], dtype=mg.int32)
    y = getattr(mg, name)(x)
    expected = getattr(torch, name)(torch.tensor([1, 2, 3], dtype=torch.int32))
    assert y.dtype == mg.float32 and str(expected.dtype) == "torch.float32"
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-6)


def test_rounding_keeps_integer_dtypes_and_round_takes_decimals():
    x = mg.tensor([-3, 0, 4], dtype=mg.int32)
    for fn in (mg.floor, mg.ceil, mg.trunc, mg.round, mg.sign):
        assert fn(x).dtype == mg.int32
    assert mg.sign(x).tolist() == [-1, 0, 1]
    np.testing.assert_allclose(mg.round(mg.tensor([1.2345, -2.5551], dtype=mg.float64), decimals=2).numpy(),
                               [1.23, -2.56])


def test_nan_to_num_replaces_and_gives_zero_gradient_there():
    x = mg.tensor([np.nan, np.inf, -np.inf, 1.5], dtype=mg.float64, requires_grad=True)
    y = mg.nan_to_num(x, nan=0.5, posinf=9.0, neginf=-9.0)
    y.sum().backward()
    assert y.tolist() == [0.5, 9.0, -9.0, 1.5] and x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]


def test_softplus_gradient_above_threshold_is_one():
    """Where beta * x > threshold softplus returns x, so its gradient there is 1."""
    x = mg.tensor([-3.0, 0.5, 2.6, 4.0], dtype=mg.float64, requires_grad=True)
    mg.softplus(x, beta=2.0, threshold=5.0).sum().backward()
    sig = 1 / (1 + np.exp(-2 * x.detach().numpy()))
    np.testing.assert_allclose(x.grad.numpy(), [sig[0], sig[1], 1.0, 1.0])
    assert gradcheck(lambda t: mg.softplus(t, 2.0, 5.0), (x,))


@pytest.mark.parametrize("name", ["exp", "log1p", "sin", "tanh", "sigmoid", "sqrt", "erf"])
def test_float_ops_promote_integer_input_to_the_default_dtype(name):
    y = getattr(mg, name)(mg.tensor([0, 1, 2]))
    assert y.dtype == mg.float32
    ref = {"exp": np.exp, "log1p": np.log1p, "sin": np.sin, "tanh": np.tanh, "sqrt": np.sqrt,
           "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "erf": np.vectorize(math.erf)}[name]
    assert np.allclose(y.numpy(), ref(np.array([0.0, 1.0, 2.0])), atol=1e-6)


def test_clamp_of_an_integer_tensor_with_a_float_bound_is_float():
    y = mg.tensor([0, 1, 2]).clamp(min=0.5)
    assert y.dtype == mg.float32 and y.tolist() == [0.5, 1.0, 2.0]
    assert mg.tensor([0, 1, 2]).clamp(min=1).tolist() == [1, 1, 2]


def test_clamp_without_a_bound_raises_runtime_error_as_pytorch():
    for call in (lambda: mg.zeros(3).clamp(), lambda: mg.clamp(mg.zeros(3)), lambda: mg.zeros(3).clip(),
                 lambda: mg.zeros(3).clamp(None, None)):
        with pytest.raises(RuntimeError, match="clamp: at least one of min and max must be given"):
            call()


@pytest.mark.parametrize("name", ["elu", "gelu", "softplus"])
def test_float_only_activations_refuse_integer_input(name):
    with pytest.raises(RuntimeError, match=f"{name}: needs a floating point input"):
        getattr(mg.nn.functional, name)(mg.tensor([1, 2]))


def test_round_wants_int_decimals():
    with pytest.raises(TypeError, match=r"^round: decimals must be an int, got True"):
        mg.tensor([1.25]).round(decimals=True)
    assert mg.tensor([1.25, 2.5]).round(decimals=1).tolist() == pytest.approx([1.2, 2.5])


def test_bool_tests_and_clamp_check_their_arguments():
    x = mg.ones(2, 3)
    for fn, name in ((mg.isneginf, "isneginf"), (mg.isposinf, "isposinf"), (mg.isnan, "isnan")):
        with pytest.raises(TypeError, match=rf"^{name}: input must be a Tensor, got ndarray$"):
            fn(np.ones(3))
    assert mg.isneginf(mg.tensor([1.0, -math.inf])).tolist() == [False, True]
    with pytest.raises(TypeError, match=r"^clamp: max must be a Tensor or a number, got str$"):
        x.clip(max="0.1")


def test_logit_of_a_negative_eps_is_logit_without_eps_as_pytorch():
    """A negative eps clamps nothing; the gradient outside [0, 1] is NaN (it was finite, 1/(p(1-p)))."""
    torch = pytest.importorskip("torch")
    from tests.torch_oracle import torch_check
    a = np.array([0.2, 1.0, 0.0, -0.1, 1.2, 0.05], np.float32)
    for eps in (-0.1, -float("inf")):
        torch_check(lambda t: t.logit(eps=eps), lambda t: t.logit(eps=eps), [a])


def test_logit_gradient_is_pytorchs_outside_the_unit_interval():
    x = mg.tensor([-0.5, 0.25, 1.5, 0.5], requires_grad=True)
    mg.logit(x).sum().backward()
    g = x.grad.numpy()
    assert np.isnan(g[[0, 2]]).all() and np.allclose(g[[1, 3]], [1 / (0.25 * 0.75), 4.0])
    x.grad = None
    mg.logit(x, eps=0.3).sum().backward()
    assert np.allclose(x.grad.numpy(), [0.0, 0.0, 0.0, 4.0])
    assert mg.logit(mg.tensor([0.5])).dtype == mg.float32 and mg.logit(mg.tensor([1])).dtype == mg.float32


def test_logit_clamps_in_pytorchs_order_and_clamp_refuses_complex_bounds():
    # eps > 0.5: lower bound first, as PyTorch (logit(0.2, eps=0.9) is logit(0.9))
    out = mg.logit(mg.tensor([0.2, 0.95]), eps=0.9).numpy()
    np.testing.assert_allclose(out, [math.log(9), -math.log(9)], rtol=1e-5)
    with pytest.raises(RuntimeError, match=r"^clamp: min must be a real number, got \(1\+2j\)$"):
        mg.ones(2).clamp(min=1 + 2j)


def test_the_sign_of_a_bool_is_itself_as_pytorch():
    x = mg.tensor([True, False])
    assert mg.sign(x).dtype == mg.bool and mg.sign(x).tolist() == [True, False] and mg.sgn(x).tolist() == [True, False]


def test_erf_of_float16_stays_float16():
    x = mg.tensor(np.array([0.5, -1.0, 2.0], np.float16))
    y = mg.erf(x)
    assert y.dtype == mg.float16
    np.testing.assert_allclose(y.numpy(), [0.5205, -0.8427, 0.9953], atol=1e-3)


def test_sign_of_nan_is_nan_as_numpy():
    y = mg.sign(mg.tensor([float("nan"), -2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(y.numpy(), np.sign(np.array([np.nan, -2.0, 0.0, 3.0], np.float32)))


def test_square_of_bools_is_int64_as_pytorch():
    y = mg.square(mg.tensor([True, False]))
    assert y.dtype == mg.int64 and y.tolist() == [1, 0]
