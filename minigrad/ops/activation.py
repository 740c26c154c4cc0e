"""Activation functions: ReLU and its relatives, the smooth ones (GELU, SiLU, Mish ...), the
hard (piecewise linear) ones, and those that act along a dimension (softmin, GLU).

Each is a Function with its derivative in one line of its docstring, or a short composite of
ops whose backward comes for free; ``nn.functional`` and the modules in ``nn.modules.activation``
call these. Boundaries follow PyTorch exactly: at a kink the gradient is the one PyTorch gives
(relu, hardtanh and relu6 give 0 at their corners, prelu gives the slope at 0).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._checks import bool_arg, errors_named, int_arg, is_number, number_arg, range_arg, scalar_arg, tensor_arg
from ..autograd.function import Function
from ..backend import array_module, seed_generators_of
from ..tensor import Tensor
from ._util import float_only, normalize_dim, same_dtype
from .arithmetic import where
from .reduction import softmax, sum_to_shape
from .unary import _erf_array, floating, sigmoid_array

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2 = 1.0 / math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def activation(op, input, inplace, fn, *args):
    """``fn(input, *args)``, or -- when ``inplace``, read by its truth as PyTorch reads it -- the
    same written into ``input`` (``F.relu6(x, inplace=True)``, ``nn.SiLU(inplace=True)``), by the
    mechanism and under the rules of every in-place op (autograd/inplace.py: refused on a leaf
    that requires grad, the version counter bumped, the history rebased)."""
    tensor_arg(op, "input", input)
    if inplace:
        return input._inplace(op + "_", fn, *args)
    return fn(input, *args)


class ReLU(Function):
    """max(x, 0);  d/dx = 1 if x > 0 else 0"""

    @staticmethod
    def forward(ctx, x):
        y = array_module(x).maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y > 0).to(g.dtype)


def relu(input):
    """max(x, 0) of each element (of a number tensor: a bool one is refused, as PyTorch refuses it)."""
    if tensor_arg("relu", "input", input).dtype.kind == "b":
        raise RuntimeError("relu: bool inputs are not supported")
    return ReLU.apply(input)


class LeakyReLU(Function):
    """x if x > 0 else slope * x;  d/dx = 1 if x > 0 else slope"""

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.slope = negative_slope
        ctx.save_for_backward(x)
        return array_module(x).where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * where(x > 0, 1.0, ctx.slope).to(g.dtype), None


def leaky_relu(input, negative_slope=0.01):
    """x where x > 0, else negative_slope * x (of a floating point input, as PyTorch's)."""
    float_only("leaky_relu", tensor_arg("leaky_relu", "input", input))
    return LeakyReLU.apply(input, scalar_arg("leaky_relu", "negative_slope", negative_slope, input.dtype))


class ELU(Function):
    """x if x > 0 else alpha (exp(x) - 1);  d/dx = 1 if x > 0 else alpha exp(x)"""

    @staticmethod
    def forward(ctx, x, alpha):
        xp = array_module(x)
        ctx.alpha = alpha
        ctx.save_for_backward(x)
        return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        pos = (x > 0).to(g.dtype)
        return g * (pos + (1 - pos) * ctx.alpha * x.clamp(max=0).exp()), None


def elu(input, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    tensor_arg("elu", "input", input)
    return ELU.apply(float_only("elu", input), number_arg("elu", "alpha", alpha))


class GELU(Function):
    """x Phi(x), Phi the normal CDF (exact, with erf) or its tanh approximation.

    exact: d/dx = Phi(x) + x phi(x),  phi(x) = exp(-x^2/2) / sqrt(2 pi)
    tanh:  y = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3);
           d/dx = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
    """

    @staticmethod
    def forward(ctx, x, approximate):
        xp = array_module(x)
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        if approximate == "tanh":
            return 0.5 * x * (1 + xp.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)))
        return 0.5 * x * (1 + _erf_array(x * INV_SQRT_2))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = (SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)).tanh()
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
        else:
            cdf = 0.5 * (1 + (x * INV_SQRT_2).erf())
            d = cdf + x * INV_SQRT_2PI * (-0.5 * x * x).exp()
        return g * d, None


def gelu(input, approximate="none"):
    """GELU; ``approximate='none'`` is exact (erf), ``'tanh'`` the tanh approximation.
    gelu(inf) is inf in every float dtype (PyTorch's float32 exact gelu gives NaN there, its
    float64 one inf: a difference kept on purpose)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(float_only("gelu", input), approximate)


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x where beta x > ``threshold``;
    d/dx = sigmoid(beta x), and 1 where beta x > threshold (the derivative of what forward returns)"""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = array_module(x)
        z = x * beta
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        soft = (xp.log1p(xp.exp(-xp.abs(z))) + xp.maximum(z, 0)) / beta
        return xp.where(z > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        z = x * ctx.beta
        return g * where(z > ctx.threshold, 1.0, z.sigmoid()), None, None


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    tensor_arg("softplus", "input", input)
    beta, threshold = number_arg("softplus", "beta", beta), number_arg("softplus", "threshold", threshold)
    return Softplus.apply(float_only("softplus", input), beta, threshold)


class SiLU(Function):
    """x sigmoid(x) (also called swish);  d/dx = s (1 + x (1 - s)),  s = sigmoid(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        x = floating(x)
        return x * sigmoid_array(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return g * s * (1 + x * (1 - s))


def silu(input, inplace=False):
    """x * sigmoid(x) of each element."""
    return activation("silu", input, inplace, SiLU.apply)


class Mish(Function):
    """x tanh(softplus(x));  d/dx = t + x sigmoid(x) (1 - t^2),  t = tanh(softplus(x))"""

    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
        ctx.save_for_backward(x)
        return x * xp.tanh(xp.logaddexp(x, 0).astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        t = Softplus.apply(x, 1.0, 20.0).tanh()
        return g * (t + x * x.sigmoid() * (1 - t * t))


def mish(input, inplace=False):
    """x * tanh(softplus(x)) of each element; a float input only, as PyTorch's."""
    return activation("mish", float_only("mish", tensor_arg("mish", "input", input)), inplace, Mish.apply)


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|));  d/dx = 1 - sigmoid(x) = sigmoid(-x)"""

    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
        ctx.save_for_backward(x)
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-x).sigmoid()


def logsigmoid(input):
    """log(sigmoid(x)) of each element, computed without overflow."""
    return LogSigmoid.apply(input)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants (alpha ~ 1.6733, scale ~ 1.0507);
    d/dx = scale if x > 0 else scale alpha exp(x)."""
    float_only("selu", tensor_arg("selu", "input", input))
    return activation("selu", input, inplace, lambda x: ELU.apply(x, SELU_ALPHA) * SELU_SCALE)


class CELU(Function):
    """x if x >= 0 else alpha (exp(x / alpha) - 1);  d/dx = 1 if x > 0 else exp(x / alpha).
    Any nonzero alpha, negative or infinite included, as PyTorch's kernel: NaN stays NaN with
    slope 1, and an infinite alpha gives NaN for x <= 0 (alpha / alpha)"""

    @staticmethod
    def forward(ctx, x, alpha):
        xp = array_module(x)
        ctx.alpha = alpha
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore", over="ignore"):
            negative = (alpha * xp.expm1(xp.minimum(x, 0) / alpha)).astype(x.dtype, copy=False)
        return xp.where(x < 0, negative, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        alpha = ctx.alpha
        scale = 1.0 if math.isfinite(alpha) else math.nan
        return g * where(x <= 0, (x.clamp(max=0) / alpha).exp() * scale, 1.0).to(g.dtype), None


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)) for alpha > 0 (see CELU for the others);
    d/dx = 1 if x >= 0 else exp(x / alpha)."""
    alpha = number_arg("celu", "alpha", alpha)
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError, alpha must not be 0")
    float_only("celu", tensor_arg("celu", "input", input))
    scalar_arg("celu", "alpha", alpha, input.dtype)
    scalar_arg("celu", "1 / alpha", 1 / alpha, input.dtype)        # PyTorch's kernel takes it too
    if alpha == 1.0:
        return activation("celu", input, inplace, ELU.apply, 1.0)
    return activation("celu", input, inplace, CELU.apply, alpha)


class Softsign(Function):
    """x / (1 + |x|);  d/dx = 1 / (1 + |x|)^2"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + array_module(x).abs(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        d = 1 + x.abs()
        return g / (d * d)


def softsign(input):
    """x / (1 + |x|) of each element; of an integer tensor it is PyTorch's ``x / (x.abs() + 1)``,
    in the default float dtype (``|x| + 1`` wraps around in the integer dtype, as PyTorch's)."""
    kind = tensor_arg("softsign", "input", input).dtype.kind
    if kind == "b":
        raise RuntimeError("softsign: bool inputs are not supported (PyTorch has no abs of bool)")
    if kind in "iu":
        return input / (input.abs() + 1)
    return Softsign.apply(input)


class Hardtanh(Function):
    """min(max(x, lo), hi);  d/dx = 1 if lo < x < hi else 0 (0 at the corners, as PyTorch)"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = array_module(x)
        ctx.lo, ctx.hi = lo, hi
        ctx.save_for_backward(x)
        return xp.minimum(xp.maximum(x, xp.asarray(lo, x.dtype)), xp.asarray(hi, x.dtype))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ((x > ctx.lo) & (x < ctx.hi)).to(g.dtype), None, None


def _hardtanh_input(op, input, min_val):
    """hardtanh's input as PyTorch's kernel takes it: no bool, and no unsigned one with a negative
    limit."""
    tensor_arg(op, "input", input)
    if input.dtype.kind == "b":
        raise RuntimeError(f"{op}: bool inputs are not supported (as PyTorch's hardtanh)")
    if input.dtype.kind == "u" and min_val < 0:
        raise RuntimeError(f"{op}: cannot do hardtanh on an unsigned type ({input.dtype}) with negative "
                           f"limits (min_val={min_val})")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]; the gradient is 0 at the corners."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    _hardtanh_input("hardtanh", input, min_val)
    return activation("hardtanh", input, inplace, Hardtanh.apply, min_val, max_val)


def relu6(input, inplace=False):
    """min(max(x, 0), 6) = hardtanh(x, 0, 6)."""
    _hardtanh_input("relu6", input, 0.0)
    return activation("relu6", input, inplace, Hardtanh.apply, 0.0, 6.0)


class Hardsigmoid(Function):
    """relu6(x + 3) / 6;  d/dx = 1/6 if -3 < x < 3 else 0"""

    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
        ctx.save_for_backward(x)
        return (xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ((x > -3) & (x < 3)).to(g.dtype) * (1 / 6)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6 of each element (a piecewise linear sigmoid)."""
    return activation("hardsigmoid", input, inplace, Hardsigmoid.apply)


class Hardswish(Function):
    """x relu6(x + 3) / 6;  d/dx = 0 if x <= -3, 1 if x >= 3, else x/3 + 1/2"""

    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
        ctx.save_for_backward(x)
        return (x * xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        inside = ((x > -3) & (x < 3)).to(g.dtype)
        return g * (inside * (x * (1 / 3) + 0.5) + (x >= 3).to(g.dtype))


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6 of each element (MobileNetV3's activation)."""
    return activation("hardswish", input, inplace, Hardswish.apply)


class Hardshrink(Function):
    """x where x is outside [-lambd, lambd], else 0;  d/dx = 1 outside, 0 inside -- a NaN
    (of x or of lambd) is outside, as PyTorch's comparisons make it"""

    @staticmethod
    def forward(ctx, x, lambd):
        xp = array_module(x)
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        return xp.where((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        inside = (x >= -ctx.lambd) & (x <= ctx.lambd)
        return g * (~inside).to(g.dtype), None


def hardshrink(input, lambd=0.5):
    """x where x is outside [-lambd, lambd], else 0 (NaN stays NaN)."""
    tensor_arg("hardshrink", "input", input)
    if not is_number(lambd):
        raise TypeError(f"hardshrink: lambd must be a number, got {lambd!r} ({type(lambd).__name__})")
    return Hardshrink.apply(input, float(lambd))


class Softshrink(Function):
    """x - lambd sign(x) where |x| > lambd (and NaN), else 0;  d/dx = 1 where |x| > lambd, else 0"""

    @staticmethod
    def forward(ctx, x, lambd):
        xp = array_module(x)
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        return xp.where(xp.abs(x) <= lambd, 0, x - lambd * xp.sign(x)).astype(x.dtype, copy=False)  # NaN stays

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() > ctx.lambd).to(g.dtype), None


def softshrink(input, lambd=0.5):
    """x shrunk towards 0 by lambd (0 inside [-lambd, lambd]); lambd in [0, the largest value of
    the input's dtype], as PyTorch's."""
    tensor_arg("softshrink", "input", input)
    lambd = number_arg("softshrink", "lambd", lambd)
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be {lambd}")
    if input.dtype.kind == "f" and lambd > np.finfo(input.dtype).max:
        raise RuntimeError(f"softshrink: lambda must be at most {np.finfo(input.dtype).max:g}, the largest "
                           f"{input.dtype}, but found to be {lambd}")
    return Softshrink.apply(input, lambd)


def tanhshrink(input):
    """x - tanh(x);  d/dx = tanh(x)^2. A bool input is refused, as PyTorch's bool subtraction."""
    if tensor_arg("tanhshrink", "input", input).dtype.kind == "b":
        raise RuntimeError("tanhshrink: a bool input is not supported (subtraction of bools, as PyTorch)")
    return input - input.tanh()


class Threshold(Function):
    """x where x > threshold, else value;  d/dx = 1 where x > threshold, else 0"""

    @staticmethod
    def forward(ctx, x, threshold, value):
        xp = array_module(x)
        ctx.threshold = threshold
        ctx.save_for_backward(x)
        return xp.where(x > threshold, x, xp.asarray(value, x.dtype))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > ctx.threshold).to(g.dtype), None, None


def _number(op, name, v):
    """A number argument, or a 0-d tensor holding one."""
    if isinstance(v, Tensor) and v.ndim == 0:
        v = v.item()
    if not is_number(v):
        got = f"a tensor of shape {tuple(v.shape)}" if isinstance(v, Tensor) else f"{v!r} ({type(v).__name__})"
        raise TypeError(f"{op}: {name} must be a number, got {got}")
    return v


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value (both numbers or 0-d tensors, as PyTorch's)."""
    threshold, value = [_number("threshold", name, v) for name, v in (("threshold", threshold), ("value", value))]
    return activation("threshold", input, inplace, Threshold.apply, threshold, value)


class PReLU(Function):
    """x if x > 0 else w x, w per channel (dim 1);
    d/dx = 1 if x > 0 else w,  d/dw = sum of x where x <= 0 (over all but the channel dim)"""

    @staticmethod
    def forward(ctx, x, w):
        ctx.w_shape = w.shape
        wb = _channel_view(w, x.ndim)
        ctx.save_for_backward(x, wb)
        return array_module(x).where(x > 0, x, wb * x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, wb = ctx.saved_tensors
        nx, nw = ctx.needs_input_grad
        pos = (x > 0).to(g.dtype)
        gx = g * (pos + (1 - pos) * wb) if nx else None
        gw = None
        if nw:
            gw = sum_to_shape(where(x > 0, 0.0, g * x), wb.shape).reshape(ctx.w_shape)   # no 0 * inf
        return gx, gw


def _channel_view(w, ndim):
    """The weight shaped to broadcast along dim 1 of an ``ndim``-d input (a 1-element weight as is)."""
    if w.size == 1 or ndim < 2:
        return w.reshape(())
    return w.reshape((1, w.size) + (1,) * (ndim - 2))


def prelu(input, weight):
    """x where x > 0, else weight * x; ``weight`` has one element or one per channel (dim 1)."""
    tensor_arg("prelu", "input", input)
    tensor_arg("prelu", "weight", weight)
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.ndim > 1 or weight.numel() not in (1, channels):
        raise RuntimeError(f"prelu: mismatch of parameter numbers and input channel size; found "
                           f"{weight.numel()} parameters (weight shape {tuple(weight.shape)}) and "
                           f"channel size {channels} (input shape {tuple(input.shape)})")
    same_dtype("prelu", input, weight=weight)
    return PReLU.apply(input, weight)


class RReLU(Function):
    """x if x >= 0 else a x, a ~ U(lower, upper) per element in training, (lower + upper) / 2 in eval;
    d/dx = 1 if x >= 0 else a"""

    @staticmethod
    def forward(ctx, x, slopes):
        ctx.save_for_backward(slopes)
        return array_module(x).where(x >= 0, x, x * slopes).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (slopes,) = ctx.saved_tensors
        return g * slopes, None


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: a random negative slope per element while training, the mean
    slope (lower + upper) / 2 otherwise."""
    tensor_arg("rrelu", "input", input)
    training = bool_arg("rrelu", "training", training)
    for name, bound in (("lower", lower), ("upper", upper)):
        if not math.isfinite(number_arg("rrelu", name, bound)):
            raise RuntimeError(f"rrelu: {name} bound must be finite, got {bound}")
    if training:
        lower, upper = range_arg("rrelu", "lower", lower, "upper", upper)
    elif lower > upper:
        raise RuntimeError(f"rrelu: expects lower <= upper, got lower={lower}, upper={upper}")
    xp = array_module(input.data)
    if training:
        rng = seed_generators_of(input.device, None, "rrelu")
        a = xp.asarray(rng.uniform(lower, upper, input.shape), dtype=input.dtype)
    else:
        a = xp.full(input.shape, (lower + upper) / 2, dtype=input.dtype)
    slopes = xp.where(input.data >= 0, xp.asarray(1, input.dtype), a)
    return activation("rrelu", input, inplace, RReLU.apply, slopes)


# ----------------------------------------------------------------------------- along a dimension

def implicit_softmax_dim(op, input, _stacklevel):
    """The dim that ``F.softmax``, ``F.log_softmax`` and ``F.softmin`` pick for ``dim=None``:
    PyTorch's deprecated rule (0 for a 0-, 1- or 3-d input, else 1), with its UserWarning, shown
    ``_stacklevel`` frames up as PyTorch counts them (3: the caller of the F function)."""
    tensor_arg(op, "input", input)
    int_arg(op, "_stacklevel", _stacklevel)
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include "
                  "dim=X as an argument.", UserWarning, stacklevel=_stacklevel + 1)   # + the errors_named wrapper
    return 0 if input.ndim in (0, 1, 3) else 1


@errors_named("softmin")
def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim`` (``dim=None``: see ``implicit_softmax_dim``)."""
    tensor_arg("softmin", "input", input)
    if dim is None:
        dim = implicit_softmax_dim("softmin", input, _stacklevel)
    return softmax(-input, normalize_dim(dim, input.ndim, "softmin"), dtype)


def glu(input, dim=-1):
    """The gated linear unit a * sigmoid(b), where a and b are the two halves of ``dim``;
    d/da = sigmoid(b), d/db = a sigmoid(b) (1 - sigmoid(b))."""
    if input.ndim == 0:
        raise RuntimeError("glu: does not support scalars (0-d tensors)")
    d = normalize_dim(dim, input.ndim, "glu")
    if input.shape[d] % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {d} is size "
                           f"{input.shape[d]} (input shape {tuple(input.shape)})")
    half = input.shape[d] // 2
    a, b = input.split([half, half], d)
    return a * b.sigmoid()


__all__ = ["relu", "leaky_relu", "elu", "gelu", "softplus", "selu", "celu", "prelu", "rrelu",
           "hardshrink", "threshold"]
