"""Element-wise functions of one tensor, each with its derivative next to it.

Each op's backward is written with differentiable Tensor ops, so gradients of gradients
work. Where the derivative is cheapest in terms of the output y, the op saves y.
"""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..backend import array_module
from ..kernels._erf import erf_numba
from ..tensor import Tensor
from ._util import float_input, float_only
from .arithmetic import maximum, minimum, where

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2 = 1.0 / math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Exp(Function):
    """exp(x);  d/dx = exp(x) = y"""

    @staticmethod
    def forward(ctx, x):
        y = array_module(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


def exp(input):
    """e to the power of each element."""
    return Exp.apply(float_input(input))


class Log(Function):
    """log(x);  d/dx = 1/x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return array_module(x).log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


def log(input):
    """The natural logarithm of each element."""
    return Log.apply(float_input(input))


def log2(input):
    """The base-2 logarithm of each element."""
    return Log.apply(float_input(input)) * (1 / math.log(2))


def log10(input):
    """The base-10 logarithm of each element."""
    return Log.apply(float_input(input)) * (1 / math.log(10))


class Log1p(Function):
    """log(1 + x);  d/dx = 1/(1 + x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return array_module(x).log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x + 1)


def log1p(input):
    """log(1 + x) of each element, accurate for small x."""
    return Log1p.apply(float_input(input))


class Expm1(Function):
    """exp(x) - 1;  d/dx = exp(x) = y + 1"""

    @staticmethod
    def forward(ctx, x):
        y = array_module(x).expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y + 1)


def expm1(input):
    """exp(x) - 1 of each element, accurate for small x."""
    return Expm1.apply(float_input(input))


class Sqrt(Function):
    """sqrt(x);  d/dx = 1 / (2 sqrt(x)) = 0.5 / y"""

    @staticmethod
    def forward(ctx, x):
        y = array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * 0.5 / y


def sqrt(input):
    """The square root of each element."""
    return Sqrt.apply(float_input(input))


class Rsqrt(Function):
    """1/sqrt(x);  d/dx = -0.5 x^(-3/2) = -0.5 y^3"""

    @staticmethod
    def forward(ctx, x):
        y = 1 / array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * -0.5 * y * y * y


def rsqrt(input):
    """1 / sqrt(x) of each element."""
    return Rsqrt.apply(float_input(input))


class Abs(Function):
    """|x|;  d/dx = sign(x)  (0 at 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return array_module(x).abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sign()


def abs(input):  # noqa: A001 - PyTorch's name
    """The absolute value of each element."""
    return Abs.apply(input)


class Sin(Function):
    """sin(x);  d/dx = cos(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return array_module(x).sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


def sin(input):
    """The sine of each element."""
    return Sin.apply(float_input(input))


class Cos(Function):
    """cos(x);  d/dx = -sin(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return array_module(x).cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * x.sin()


def cos(input):
    """The cosine of each element."""
    return Cos.apply(float_input(input))


class Tan(Function):
    """tan(x);  d/dx = 1 + tan(x)^2 = 1 + y^2"""

    @staticmethod
    def forward(ctx, x):
        y = array_module(x).tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 + y * y)


def tan(input):
    """The tangent of each element."""
    return Tan.apply(float_input(input))


class Tanh(Function):
    """tanh(x);  d/dx = 1 - tanh(x)^2 = 1 - y^2"""

    @staticmethod
    def forward(ctx, x):
        y = array_module(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


def tanh(input):
    """The hyperbolic tangent of each element."""
    return Tanh.apply(float_input(input))


class Sigmoid(Function):
    """1 / (1 + exp(-x));  d/dx = y (1 - y)"""

    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
        e = xp.exp(-xp.abs(x))                      # never overflows
        y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


def sigmoid(input):
    """1 / (1 + exp(-x)) of each element, computed without overflow."""
    return Sigmoid.apply(float_input(input))


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
    """max(x, 0) of each element."""
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
    """x where x > 0, else negative_slope * x."""
    return LeakyReLU.apply(input, negative_slope)


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
    return ELU.apply(float_only("elu", input), alpha)


def _erf_array(x):
    xp = array_module(x)
    if xp.__name__ == "numpy":
        return erf_numba(x)
    from cupyx.scipy.special import erf  # noqa: PLC0415 - only on a GPU, where CuPy is installed
    return erf(x)


class Erf(Function):
    """erf(x);  d/dx = 2/sqrt(pi) exp(-x^2)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erf_array(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()


def erf(input):
    """The error function of each element (exact, not a polynomial fit)."""
    return Erf.apply(float_input(input))


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
    """GELU; ``approximate='none'`` is exact (erf), ``'tanh'`` the tanh approximation."""
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
    return Softplus.apply(float_only("softplus", input), beta, threshold)


class Clamp(Function):
    """min(max(x, lo), hi);  d/dx = 1 where lo <= x <= hi, else 0 (bounds are numbers)"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = array_module(x)
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        y = x
        if lo is not None:
            y = xp.maximum(y, xp.asarray(lo, dtype=x.dtype))
        if hi is not None:
            y = xp.minimum(y, xp.asarray(hi, dtype=x.dtype))
        return y

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        inside = x == x
        if ctx.lo is not None:
            inside = inside & (x >= ctx.lo)
        if ctx.hi is not None:
            inside = inside & (x <= ctx.hi)
        return g * inside.to(g.dtype), None, None


def clamp(input, min=None, max=None):  # noqa: A002 - PyTorch's names
    """Clamp to [min, max]; bounds may be numbers or tensors (tensor bounds use maximum/minimum)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if input.dtype.kind in "biu" and any(isinstance(b, float) for b in (min, max)):
        input = float_input(input)       # int_tensor.clamp(min=0.5) is a float tensor, as PyTorch
    return Clamp.apply(input, min, max)


clip = clamp


class Cast(Function):
    """x as another dtype;  d/dx = 1 (the gradient is cast back)"""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        if ctx.in_dtype.kind not in "fc":
            return None, None
        return Cast.apply(g, ctx.in_dtype), None


class Clone(Function):
    """a copy of x;  d/dx = 1"""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# ----------------------------------------------------------------------------- composites

def square(input):
    """x * x of each element."""
    return input * input


def reciprocal(input):
    """1 / x of each element."""
    return 1 / input


# ----------------------------------------------------------------------------- not differentiable
# Rounding and sign are piecewise constant (their derivative is zero almost everywhere) and the
# is* tests give booleans: they are computed on the array and give a tensor outside the graph.

def _no_grad_unary(name):
    def fn(input):
        x = input.data
        return Tensor(getattr(array_module(x), name)(x))
    fn.__name__ = name
    fn.__doc__ = f"{name}(x), element-wise; not differentiable."
    return fn


sign = _no_grad_unary("sign")
floor = _no_grad_unary("floor")
ceil = _no_grad_unary("ceil")
round = _no_grad_unary("round")  # noqa: A001
trunc = _no_grad_unary("trunc")
isnan = _no_grad_unary("isnan")
isinf = _no_grad_unary("isinf")
isfinite = _no_grad_unary("isfinite")

__all__ = ["exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "abs", "sin", "cos",
           "tan", "tanh", "sigmoid", "relu", "leaky_relu", "elu", "erf", "gelu", "softplus", "clamp",
           "clip", "square", "reciprocal", "sign", "floor", "ceil", "round", "trunc", "isnan",
           "isinf", "isfinite"]
