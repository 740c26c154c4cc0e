"""Activations: gradcheck over Hypothesis shapes (0-d, size-1 and empty dims included), equal
to PyTorch's functional forms on the same inputs (values, gradients, dtypes), second
derivatives for the smooth ones, PyTorch's gradient at every corner."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck, gradgradcheck, nudge_from_kinks
from minigrad.ops import activation as A
from tests.strategies import make, seeds, shapes
from tests.torch_oracle import torch_check

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# name -> (minigrad function, PyTorch function, input range, kinks, smooth?)
ACTIVATIONS = {
    "silu": (A.silu, TF.silu, (-4, 4), (), True),
    "mish": (A.mish, TF.mish, (-4, 4), (), True),
    "logsigmoid": (A.logsigmoid, TF.logsigmoid, (-6, 6), (), True),
    "selu": (A.selu, TF.selu, (-3, 3), (0.0,), False),
    "celu": (lambda x: A.celu(x, 0.7), lambda x: TF.celu(x, 0.7), (-3, 3), (0.0,), False),
    "celu_1": (A.celu, TF.celu, (-3, 3), (0.0,), False),
    "softsign": (A.softsign, TF.softsign, (-3, 3), (0.0,), False),
    "hardtanh": (lambda x: A.hardtanh(x, -0.5, 1.5), lambda x: TF.hardtanh(x, -0.5, 1.5), (-3, 3), (-0.5, 1.5), False),
    "relu6": (A.relu6, TF.relu6, (-2, 8), (0.0, 6.0), False),
    "hardsigmoid": (A.hardsigmoid, TF.hardsigmoid, (-5, 5), (-3.0, 3.0), False),
    "hardswish": (A.hardswish, TF.hardswish, (-5, 5), (-3.0, 3.0), False),
    "hardshrink": (lambda x: A.hardshrink(x, 0.3), lambda x: TF.hardshrink(x, 0.3), (-2, 2), (-0.3, 0.3), False),
    "softshrink": (lambda x: A.softshrink(x, 0.3), lambda x: TF.softshrink(x, 0.3), (-2, 2), (-0.3, 0.3), False),
    "tanhshrink": (A.tanhshrink, TF.tanhshrink, (-2, 2), (), True),
    "threshold": (lambda x: A.threshold(x, 0.2, -1.0), lambda x: TF.threshold(x, 0.2, -1.0), (-2, 2), (0.2,), False),
    "rrelu_eval": (lambda x: A.rrelu(x, 0.1, 0.3), lambda x: TF.rrelu(x, 0.1, 0.3), (-2, 2), (0.0,), False),
    "relu": (A.relu, TF.relu, (-2, 2), (0.0,), False),
    "elu": (A.elu, TF.elu, (-2, 2), (0.0,), False),
    "gelu": (A.gelu, TF.gelu, (-3, 3), (), True),
    "softplus": (A.softplus, TF.softplus, (-3, 3), (), True),
    "leaky_relu": (A.leaky_relu, TF.leaky_relu, (-2, 2), (0.0,), False),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(shape=shapes(min_side=0), seed=seeds)
def test_activation_gradcheck_and_equal_to_pytorch(name, shape, seed):
    fn, tfn, (lo, hi), kinks, _ = ACTIVATIONS[name]
    x = make(shape, seed, "cpu", lo, hi)
    nudge_from_kinks(x, kinks, margin=1e-3)
    assert gradcheck(fn, (x,))
    torch_check(fn, tfn, [x.detach().numpy().copy()])


@pytest.mark.parametrize("name", sorted(n for n, spec in ACTIVATIONS.items() if spec[4]))
@given(shape=shapes(max_dims=2, max_side=3), seed=seeds)
def test_smooth_activation_gradgradcheck(name, shape, seed):
    fn, _, (lo, hi), _, _ = ACTIVATIONS[name]
    assert gradgradcheck(fn, (make(shape, seed, "cpu", lo, hi),))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_keeps_float32_and_device_of_the_input(name, device):
    fn, tfn, (lo, hi), _, _ = ACTIVATIONS[name]
    x = make((3, 4), 1, device, lo, hi, dtype=np.float32)
    y = fn(x)
    y.sum().backward()
    assert y.dtype == mg.float32 and x.grad.dtype == mg.float32 and y.device == x.device
    expected = tfn(torch.tensor(x.detach().numpy(force=True)))
    np.testing.assert_allclose(y.detach().numpy(force=True), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_gradients_at_the_corners_are_pytorchs():
    corners = np.array([-3.0, 3.0, -1.0, 1.0, 0.0, 6.0, -0.5, 0.5])
    for fn, tfn in [(A.hardtanh, TF.hardtanh), (A.relu6, TF.relu6), (A.hardsigmoid, TF.hardsigmoid),
                    (A.hardswish, TF.hardswish), (A.relu, TF.relu), (A.softsign, TF.softsign),
                    (A.hardshrink, TF.hardshrink), (A.softshrink, TF.softshrink),
                    (lambda x: A.threshold(x, 1.0, 2.0), lambda x: TF.threshold(x, 1.0, 2.0))]:
        torch_check(fn, tfn, [corners])


def test_logsigmoid_silu_and_mish_are_finite_at_extremes():
    x = mg.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    for fn in (A.logsigmoid, A.silu, A.mish):
        y = fn(x)
        y.sum().backward()
        assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(x.grad.numpy()))
        x.grad = None
    np.testing.assert_allclose(A.logsigmoid(x).detach().numpy(), [-1e4, -50.0, -np.log(2), 0.0, 0.0], atol=1e-6)


@given(shape=shapes(min_dims=2, max_dims=4, min_side=0), seed=seeds, per_channel=st.booleans())
def test_prelu_gradcheck_and_equal_to_pytorch(shape, seed, per_channel):
    x = make(shape, seed)
    nudge_from_kinks(x, (0.0,), 1e-3)
    w = make((shape[1] if per_channel else 1,), seed + 1, low=0.05, high=0.5)
    assert gradcheck(A.prelu, (x, w))
    torch_check(A.prelu, TF.prelu, [x.detach().numpy().copy(), w.detach().numpy().copy()])


def test_prelu_on_1d_and_0d_input_takes_a_single_weight():
    torch_check(A.prelu, TF.prelu, [np.array([-1.0, 2.0, -3.0]), np.array([0.25])])
    torch_check(A.prelu, TF.prelu, [np.array(-2.0), np.array([0.25])])
    with pytest.raises(RuntimeError, match=r"prelu: .*3 parameters.*channel size 1"):
        A.prelu(mg.ones(3), mg.ones(3))
    with pytest.raises(RuntimeError, match=r"prelu: .*2 parameters.*channel size 3 \(input shape \(2, 3\)\)"):
        A.prelu(mg.ones(2, 3), mg.ones(2))


@given(shape=shapes(min_dims=1, max_dims=3, min_side=0), seed=seeds, data=st.data())
def test_softmin_and_glu_along_a_dim(shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = make(shape, seed)
    assert gradcheck(lambda t: A.softmin(t, dim), (x,))
    torch_check(lambda t: A.softmin(t, dim), lambda t: TF.softmin(t, dim), [x.detach().numpy().copy()])
    even = list(shape)
    even[dim] *= 2
    xe = make(tuple(even), seed + 1)
    assert gradcheck(lambda t: A.glu(t, dim), (xe,))
    torch_check(lambda t: A.glu(t, dim), lambda t: TF.glu(t, dim), [xe.detach().numpy().copy()])


def test_glu_rejects_an_odd_dimension_and_a_scalar():
    with pytest.raises(RuntimeError, match=r"glu: halving dimension must be even, but dimension 1 is size 3"):
        A.glu(mg.ones(2, 3), 1)
    with pytest.raises(RuntimeError, match="glu: does not support scalars"):
        A.glu(mg.tensor(1.0))


def test_hardtanh_and_softshrink_reject_bad_bounds():
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(2\) cannot be greater than max_val \(1\)"):
        A.hardtanh(mg.ones(2), 2, 1)
    with pytest.raises(RuntimeError, match=r"softshrink: lambda must be greater or equal to 0, but found to be -1"):
        A.softshrink(mg.ones(2), -1)


def test_softshrink_lambda_must_be_a_number_within_the_dtypes_range():
    with pytest.raises(RuntimeError, match=r"^softshrink: lambda must be at most 3.40282e\+38, the largest float32, "
                                           r"but found to be inf"):
        A.softshrink(mg.ones(2), float("inf"))
    assert A.softshrink(mg.ones(2, dtype=mg.float64), 1e300).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="^softshrink: lambd must not be NaN"):
        A.softshrink(mg.ones(2), float("nan"))
    with pytest.raises(TypeError, match="^softshrink: lambd must be a number, got '0.5'"):
        A.softshrink(mg.ones(2), "0.5")


def test_rrelu_in_training_draws_slopes_in_range_and_backprops_them():
    mg.manual_seed(3)
    x = mg.tensor(-np.ones(1000), requires_grad=True)
    y = A.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    slopes = -y.detach().numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and slopes.std() > 0.03
    np.testing.assert_allclose(x.grad.numpy(), slopes)


def test_threshold_takes_numbers():
    x = mg.tensor([0.5, 2.0])
    with pytest.raises(TypeError, match=r"^threshold: value must be a number, got a tensor of shape \(2,\)$"):
        mg.nn.functional.threshold(x, 1.0, mg.zeros(2))
    assert mg.threshold(x, 1, mg.tensor(-3.0)).tolist() == [-3.0, 2.0]       # a 0-d tensor is a number
    with pytest.raises(TypeError, match=r"^threshold: threshold must be a number, got '1' \(str\)$"):
        mg.threshold(x, "1", 0.0)
    assert mg.nn.functional.threshold(x, 1.0, -1.0).tolist() == [-1.0, 2.0]


def test_rrelu_checks_its_bounds():
    F = mg.nn.functional
    x = -mg.ones(2)
    with pytest.raises(RuntimeError, match=r"^rrelu: expects lower <= upper, got lower=0.5, upper=0.1$"):
        F.rrelu(x, 0.5, 0.1, training=False)
    with pytest.raises(RuntimeError, match=r"^RReLU: upper - lower must be finite"):
        mg.nn.RReLU(-1e308, 1e308).train()(x)
    assert F.rrelu(x, -1e30, 1e30, training=False).tolist() == [0.0, 0.0]     # PyTorch's eval answer
    assert F.rrelu(x, 0.25, 0.25, training=True).tolist() == [-0.25, -0.25]
    for lower, upper in ((float("nan"), 0.3), (-float("inf"), 0.3), (0.1, float("inf"))):
        bad = "lower" if lower != 0.1 else "upper"
        with pytest.raises((RuntimeError, ValueError), match=rf"^rrelu: {bad} (bound )?must"):
            F.rrelu(x, lower, upper)
    with pytest.raises(TypeError, match=r"^rrelu: training must be a bool, got 1 \(int\)"):
        F.rrelu(x, training=1)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: mg.elu(x, alpha=None), TypeError, r"elu: alpha must be a number, got None"),
    (lambda x: mg.nn.functional.softplus(x, beta=None), TypeError, r"softplus: beta must be a number, got None"),
    (lambda x: mg.softplus(x, threshold="0.1"), TypeError, r"softplus: threshold must be a number, got '0.1'"),
    (lambda x: mg.nn.functional.softmin(x, dim=(0, 0)), TypeError, r"softmin: dim must be an int, got \(0, 0\)"),
    (lambda x: mg.nn.CELU(alpha=(0.5, 0.5))(x), TypeError, r"CELU: alpha must be a number, got \(0.5, 0.5\)"),
    (lambda x: mg.isfinite("x"), TypeError, r"isfinite: input must be a Tensor, got str"),
    (lambda x: mg.nn.functional.softmin(x, dtype=mg.int64), RuntimeError, r"softmin: needs a floating point"),
    (lambda x: mg.nn.functional.tanhshrink(x > 0), RuntimeError, r"tanhshrink: a bool input is not supported"),
    (lambda x: mg.nn.ReLU6()(x > 0), RuntimeError, r"ReLU6: bool inputs are not supported"),
    (lambda x: mg.nn.functional.hardtanh(x.to(mg.uint8)), RuntimeError,
     r"hardtanh: cannot do hardtanh on an unsigned type \(uint8\) with negative limits"),
    (lambda x: mg.nn.functional.hardtanh_(x.to(mg.uint8)), RuntimeError, r"hardtanh_: cannot do hardtanh on an unsigned"),
    (lambda x: mg.nn.functional.threshold_(x, 1, True), TypeError, r"threshold_?: value must be a number, got True \(bool\)"),
])
def test_activation_arguments_are_checked_with_the_op_named(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.ones(2, 3))


@pytest.mark.parametrize("name, args", [("relu", ()), ("relu6", ()), ("silu", ()), ("elu", (1.0,)),
                                        ("leaky_relu", (0.1,)), ("hardtanh", (-0.5, 0.5)), ("selu", ()),
                                        ("celu", (2.0,)), ("mish", ()), ("hardswish", ()), ("hardsigmoid", ()),
                                        ("threshold", (0.1, 5.0))])
def test_inplace_activations_write_into_their_input(name, args):
    import minigrad.nn.functional as F
    base = mg.tensor([[-2.0, -0.25, 0.0], [0.5, 1.0, 7.0]], requires_grad=True)
    expected = getattr(F, name)(base * 1, *args)
    x = base * 1
    for inplace in (True, 0.5):                 # read by its truth, as PyTorch reads it
        x = base * 1
        out = getattr(F, name)(x, *args, inplace=inplace)
        assert out is x and np.allclose(x.detach().numpy(), expected.detach().numpy())
    out.sum().backward()
    g = base.grad.numpy()
    base.grad = None
    expected.sum().backward()
    np.testing.assert_allclose(g, base.grad.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match=rf"^{name}: a leaf Variable that requires grad"):
        getattr(F, name)(base, *args, inplace=True)     # a leaf that requires grad, as PyTorch



@pytest.mark.parametrize("name, args", [("relu_", ()), ("leaky_relu_", (0.2,)), ("elu_", (0.5,)), ("celu_", (0.7,)),
                                        ("selu_", ()), ("hardtanh_", (-0.5, 1.5)), ("rrelu_", (0.1, 0.3, False)),
                                        ("threshold_", (0.5, -1.0))])
def test_functional_inplace_forms_match_pytorch(name, args):
    """F.relu_ and its kin: PyTorch's in-place functionals, written into their input."""
    import minigrad.nn.functional as F
    data = np.random.default_rng(0).uniform(-3, 3, (3, 4))
    results = []
    for lib, functional in ((mg, F), (torch, TF)):
        x = lib.tensor(data, requires_grad=True)
        y = x * 1
        assert getattr(functional, name)(y, *args) is y
        (y * y).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    # PyTorch's celu_ backward works from the result with 1/alpha rounded to float32 (its own
    # out-of-place gradient differs by 1e-8 relative)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-7 if name == "celu_" else 1e-12)
    with pytest.raises(RuntimeError, match=rf"^{name}: a leaf Variable that requires grad"):
        getattr(F, name)(mg.tensor(data, requires_grad=True), *args)

def test_leaky_relu_needs_a_floating_point_input():
    with pytest.raises(RuntimeError, match=r"^leaky_relu: needs a floating point input, got int64$"):
        mg.nn.functional.leaky_relu(mg.ones(2, dtype=mg.int64))
    assert mg.nn.functional.leaky_relu(mg.tensor([-1.0])).item() == pytest.approx(-0.01)


def test_scalar_arguments_must_fit_the_inputs_dtype_as_pytorchs():
    import minigrad.nn.functional as F
    x = mg.ones(2, 3)
    for call, message in [(lambda: F.leaky_relu(x, 1 + 2j), r"leaky_relu: negative_slope \(1\+2j\) cannot be converted"),
                          (lambda: mg.nn.LeakyReLU(1e39)(x), r"LeakyReLU: negative_slope 1e\+39 cannot be converted"),
                          (lambda: F.celu(x, alpha=1e-300), r"celu: 1 / alpha .* cannot be converted to type float32"),
                          (lambda: F.celu_(x, alpha=1e-40), r"celu_?: 1 / alpha .* cannot be converted"),
                          (lambda: F.celu(x, alpha=1e39), r"celu: alpha 1e\+39 cannot be converted")]:
        with pytest.raises(RuntimeError, match=message):
            call()
    assert F.celu(-x.double(), alpha=1e-300).tolist()[0][0] == pytest.approx(-1e-300)     # fits float64, as PyTorch
    assert F.leaky_relu(-x, 1e-300).tolist()[0][0] == 0.0                                  # underflow is fine


def test_leaky_relu_refuses_a_slope_that_is_no_number_on_an_empty_input_too():
    """An empty input used to take negative_slope=None (object dtype out of place, nothing to
    compute in place); PyTorch refuses it whatever the input."""
    import minigrad.nn.functional as F
    for op in (F.leaky_relu, F.leaky_relu_):
        with pytest.raises(TypeError, match=rf"^{op.__name__}: negative_slope must be a number, got None"):
            op(mg.ones(0, 3), None)


def test_activations_name_themselves_for_a_non_tensor_input():
    import minigrad.nn.functional as F
    for name in ("relu6", "silu", "hardtanh", "relu"):
        with pytest.raises(TypeError, match=rf"^{name}: input must be a Tensor, got list$"):
            getattr(F, name)([1.0, 2.0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("alpha", [-0.5, 2.0, float("inf"), float("-inf")])
def test_celu_takes_pytorchs_values_for_any_nonzero_alpha(alpha):
    """A negative alpha gave alpha elu(x / alpha), wrong for x > 0 (0.275 for 0.4), an infinite
    one NaN everywhere; NaN inputs keep slope 1 as PyTorch's kernel gives."""
    x = np.array([-2.0, -0.3, 0.0, 0.4, 1.5, np.nan], dtype=np.float32)
    m, t = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = A.celu(m, alpha), TF.celu(t, alpha)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["celu", "selu"])
def test_celu_and_selu_need_a_floating_point_input(name):
    with pytest.raises(RuntimeError, match=f"{name}: needs a floating point input, got int64"):
        getattr(A, name)(mg.tensor([1, -2]))


@pytest.mark.parametrize("lambd", [float("nan"), -1.0, 0.5])
def test_hardshrink_keeps_nan_and_a_nan_lambd_shrinks_nothing(lambd):
    """PyTorch zeroes x only where -lambd <= x <= lambd: a NaN input stays NaN (it became 0) and
    a NaN lambd keeps every element (everything became 0)."""
    x = np.array([-2.0, -0.3, 0.0, 0.4, 1.5, np.nan], dtype=np.float32)
    m, t = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = A.hardshrink(m, lambd), TF.hardshrink(t, lambd)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("lambd", [1j, "x", None, True])
def test_hardshrink_takes_a_real_number_lambd(lambd):
    """A complex lambd was compared as its real part, a string or None failed inside NumPy."""
    with pytest.raises(TypeError, match="hardshrink: lambd must be a number, got"):
        A.hardshrink(mg.ones(2, 3), lambd)


def test_gelu_of_float16_stays_float16():
    x = np.array([0.5, -1.0, 2.0], np.float16)
    torch_check(A.gelu, TF.gelu, [x], atol=2e-3, rtol=2e-3)
    assert A.gelu(mg.tensor(x)).dtype == mg.float16


def test_softsign_of_integers_is_pytorchs_x_over_abs_x_plus_1():
    x = np.array([[1, -2], [3, 0]], np.int64)
    y = A.softsign(mg.tensor(x))
    assert y.dtype == mg.float32
    torch_check(A.softsign, TF.softsign, [x])
    torch_check(A.softsign, TF.softsign, [np.array([255, 3, 0], np.uint8)])    # 255 + 1 wraps to 0: inf
    with pytest.raises(RuntimeError, match="^softsign: bool inputs are not supported"):
        A.softsign(mg.tensor([True, False]))


def test_relu_and_square_refuse_what_pytorch_refuses():
    with pytest.raises(RuntimeError, match="^relu: bool inputs are not supported"):
        mg.relu(mg.ones(2, dtype=mg.bool))
    with pytest.raises(RuntimeError, match="^ReLU: bool inputs are not supported"):
        mg.nn.ReLU()(mg.ones(2, dtype=mg.bool))
    with pytest.raises(TypeError, match="^square: input must be a Tensor, got float"):
        mg.square(1.5)
    assert mg.relu(mg.tensor([-1, 2])).tolist() == [0, 2]


def test_prelu_weight_gradient_ignores_positive_infinities_and_softshrink_keeps_nan():
    x = np.array([[np.inf, -2.0], [1.0, -1.0]], np.float32)
    torch_check(lambda a, w: A.prelu(a, w), TF.prelu, [x, np.array([0.25], np.float32)], atol=1e-6)
    y = A.softshrink(mg.tensor([np.nan, 0.2, -3.0]))
    assert np.isnan(y.numpy()[0]) and y.tolist()[1:] == [0.0, -2.5]


def test_mish_refuses_an_integer_input_as_pytorch():
    with pytest.raises(RuntimeError, match="^mish: needs a floating point input, got int64"):
        A.mish(mg.tensor([1, 2]))
