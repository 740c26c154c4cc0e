"""Element-wise functions of one tensor, each with its derivative next to it.

Each op's backward is written with differentiable Tensor ops, so gradients of gradients
work. Where the derivative is cheapest in terms of the output y, the op saves y. Functions
with a float result (exp, sin, sqrt ...) compute an integer or bool input in the default
float dtype, as PyTorch does.
"""
from __future__ import annotations

import math

from .._checks import int_arg, number_arg, operand_arg, tensor_arg
from ..autograd.function import Function
from ..backend import array_module, get_default_dtype, int64
from ..kernels._erf import erf_numba
from ..tensor import Tensor
from ._util import float_input
from .arithmetic import maximum, minimum, where

LN2 = math.log(2.0)
LN10 = math.log(10.0)


def floating(x):
    """``x`` itself if it is a float array, else ``x`` in the default float dtype."""
    return x if x.dtype.kind in "fc" else x.astype(get_default_dtype())


class Exp(Function):
    """exp(x);  d/dx = exp(x) = y"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
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
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


def log(input):
    """The natural logarithm of each element."""
    return Log.apply(float_input(input))


class Log2(Function):
    """log2(x);  d/dx = 1 / (x ln 2)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).log2(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * LN2)


def log2(input):
    """The base-2 logarithm of each element."""
    return Log2.apply(input)


class Log10(Function):
    """log10(x);  d/dx = 1 / (x ln 10)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).log10(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * LN10)


def log10(input):
    """The base-10 logarithm of each element."""
    return Log10.apply(input)


class Exp2(Function):
    """2^x;  d/dx = 2^x ln 2 = y ln 2"""

    @staticmethod
    def forward(ctx, x):
        y = array_module(x).exp2(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * LN2


def exp2(input):
    """2 to the power of each element."""
    return Exp2.apply(input)


class Log1p(Function):
    """log(1 + x);  d/dx = 1/(1 + x)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
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
        x = floating(x)
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
        x = floating(x)
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
        x = floating(x)
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
        x = floating(x)
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
        x = floating(x)
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
        x = floating(x)
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


class Asin(Function):
    """arcsin(x);  d/dx = 1 / sqrt(1 - x^2)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).arcsin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (1 - x * x).rsqrt()


def asin(input):
    """The inverse sine of each element."""
    return Asin.apply(input)


class Acos(Function):
    """arccos(x);  d/dx = -1 / sqrt(1 - x^2)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).arccos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * (1 - x * x).rsqrt()


def acos(input):
    """The inverse cosine of each element."""
    return Acos.apply(input)


class Atan(Function):
    """arctan(x);  d/dx = 1 / (1 + x^2)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).arctan(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + x * x)


def atan(input):
    """The inverse tangent of each element."""
    return Atan.apply(input)


class Sinh(Function):
    """sinh(x);  d/dx = cosh(x)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).sinh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cosh()


def sinh(input):
    """The hyperbolic sine of each element."""
    return Sinh.apply(input)


class Cosh(Function):
    """cosh(x);  d/dx = sinh(x)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).cosh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sinh()


def cosh(input):
    """The hyperbolic cosine of each element."""
    return Cosh.apply(input)


class Asinh(Function):
    """arsinh(x);  d/dx = 1 / sqrt(x^2 + 1)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).arcsinh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x * x + 1).rsqrt()


def asinh(input):
    """The inverse hyperbolic sine of each element."""
    return Asinh.apply(input)


class Acosh(Function):
    """arcosh(x);  d/dx = 1 / sqrt(x^2 - 1)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).arccosh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x * x - 1).rsqrt()


def acosh(input):
    """The inverse hyperbolic cosine of each element (x >= 1)."""
    return Acosh.apply(input)


class Atanh(Function):
    """artanh(x);  d/dx = 1 / (1 - x^2)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return array_module(x).arctanh(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 - x * x)


def atanh(input):
    """The inverse hyperbolic tangent of each element (|x| < 1)."""
    return Atanh.apply(input)


class Tanh(Function):
    """tanh(x);  d/dx = 1 - tanh(x)^2 = 1 - y^2"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
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
        y = sigmoid_array(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


def sigmoid(input):
    """1 / (1 + exp(-x)) of each element, computed without overflow."""
    return Sigmoid.apply(float_input(input))


def sigmoid_array(x):
    """The sigmoid of a float array, without overflow: exp(-|x|) never overflows."""
    xp = array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _erf_array(x):
    xp = array_module(x)
    if xp.__name__ == "numpy":                  # float16 has no loop of its own: computed in float32
        return erf_numba(x).astype(x.dtype, copy=False)
    from cupyx.scipy.special import erf  # noqa: PLC0415 - only on a GPU, where CuPy is installed
    return erf(x)


class Erf(Function):
    """erf(x);  d/dx = 2/sqrt(pi) exp(-x^2)"""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return _erf_array(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()


def erf(input):
    """The error function of each element (exact, not a polynomial fit)."""
    return Erf.apply(float_input(input))


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
        raise RuntimeError("clamp: at least one of min and max must be given")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and isinstance(operand_arg("clamp", name, bound), complex):
            raise RuntimeError(f"clamp: {name} must be a real number, got {bound!r}")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min) if isinstance(min, Tensor) else clamp(out, min=min)
        if max is not None:
            out = minimum(out, max) if isinstance(max, Tensor) else clamp(out, max=max)
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


class Reciprocal(Function):
    """1/x;  d/dx = -1/x^2 = -y^2"""

    @staticmethod
    def forward(ctx, x):
        y = 1 / floating(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -g * y * y


def reciprocal(input):
    """1 / x of each element."""
    return Reciprocal.apply(input)


def square(input):
    """x * x of each element;  d/dx = 2x. A bool tensor squares in int64, as PyTorch's."""
    if tensor_arg("square", "input", input).dtype.kind == "b":
        input = input.to(int64)
    return input * input


def deg2rad(input):
    """Degrees to radians: x pi / 180."""
    return tensor_arg("deg2rad", "input", input) * (math.pi / 180)


def rad2deg(input):
    """Radians to degrees: x 180 / pi."""
    return tensor_arg("rad2deg", "input", input) * (180 / math.pi)


class Logit(Function):
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given;  d/dp = 1 / (p (1 - p)),
    outside [0, 1] NaN without eps (the log's argument is negative there), 0 outside the clamp
    with it -- PyTorch's values, which the composite log(p / (1 - p)) would not give"""

    @staticmethod
    def forward(ctx, x, eps):
        x = floating(x)
        ctx.eps = eps
        ctx.save_for_backward(x)
        xp = array_module(x)
        p = x if eps is None else xp.where(x < eps, eps, xp.where(x > 1 - eps, 1 - eps, x)).astype(x.dtype)
        return xp.log(p / (1 - p))          # (the bounds tested in PyTorch's order: eps > 0.5 gives eps)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        eps = ctx.eps
        slope = g / (x * (1 - x))
        if eps is None:
            return where((x < 0) | (x > 1), math.nan, slope), None
        return where((x < eps) | (x > 1 - eps), 0.0, slope), None


def logit(input, eps=None):
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when ``eps`` is given; see Logit for its
    gradient (PyTorch's: NaN outside [0, 1] without ``eps``). A negative ``eps`` clamps nothing:
    it is no ``eps``, as in PyTorch's kernels."""
    eps = None if eps is None else number_arg("logit", "eps", eps)
    return Logit.apply(input, None if eps is not None and eps < 0 else eps)


class NanToNum(Function):
    """NaN, +inf and -inf replaced by numbers;  d/dx = 1 where x is finite, 0 where replaced"""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        xp = array_module(x)
        ctx.save_for_backward(xp.isfinite(x))
        if x.dtype.kind != "f":
            return x.copy()
        info = xp.finfo(x.dtype)
        big = xp.asarray(info.max if posinf is None else posinf, dtype=x.dtype)
        small = xp.asarray(info.min if neginf is None else neginf, dtype=x.dtype)
        y = xp.where(xp.isnan(x), xp.asarray(nan, dtype=x.dtype), x)
        return xp.where(y == xp.inf, big, xp.where(y == -xp.inf, small, y))

    @staticmethod
    def backward(ctx, g):
        (finite,) = ctx.saved_tensors
        return g * finite.to(g.dtype), None, None, None


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN as ``nan``; +-inf as ``posinf``/``neginf`` (by default the dtype's largest and smallest)."""
    return NanToNum.apply(input, nan, posinf, neginf)


# ----------------------------------------------------------------------------- piecewise constant
# Sign and rounding are constant between their jumps: their derivative is 0 (almost everywhere),
# and PyTorch gives exactly that -- a zero gradient, not an error. frac = x - trunc(x) then has
# derivative 1.

class Rounding(Function):
    """sign, floor, ceil, round or trunc of x;  d/dx = 0"""

    @staticmethod
    def forward(ctx, x, name, decimals):
        xp = array_module(x)
        if name == "round":
            return xp.round(x, decimals)
        if x.dtype.kind in "iub" and (name != "sign" or x.dtype.kind == "b"):
            return x.copy()                 # the sign of a bool is itself, as PyTorch
        return getattr(xp, name)(x)

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(g.shape), None, None


class ComparedInPlace(Function):
    """a comparison's 0/1 result in the dtype of its first operand (lt_, eq_ ... write it in
    place);  d/dx = d/dother = 0 -- PyTorch's in-place comparisons are differentiable, with a zero
    derivative, so the result requires grad where an operand does"""

    @staticmethod
    def forward(ctx, x, other, result):
        ctx.shapes = x.shape, getattr(other, "shape", None)
        return result

    @staticmethod
    def backward(ctx, g):
        x_shape, other_shape = ctx.shapes
        return g.new_zeros(x_shape), None if other_shape is None else g.new_zeros(other_shape), None


def compared_in_place(input, compare, other):
    """``compare(input, other)`` as 0/1 in ``input``'s dtype, with a zero gradient
    (``ComparedInPlace``): the value lt_/le_/gt_/ge_/eq_/ne_ write into ``input``."""
    return ComparedInPlace.apply(input, other, compare(input, other).data.astype(input.dtype))


def sign(input):
    """-1, 0 or 1 for each element; its gradient is 0. NaN stays NaN, as in NumPy and the array
    API standard (PyTorch returns 0 for NaN, its open issue 41245: a deliberate difference)."""
    return Rounding.apply(input, "sign", 0)


sgn = sign


def floor(input):
    """Each element rounded down; its gradient is 0."""
    return Rounding.apply(input, "floor", 0)


def ceil(input):
    """Each element rounded up; its gradient is 0."""
    return Rounding.apply(input, "ceil", 0)


def round(input, *, decimals=0):  # noqa: A001 - PyTorch's name
    """Each element rounded to ``decimals`` decimals, halves to even; its gradient is 0."""
    return Rounding.apply(input, "round", int_arg("round", "decimals", decimals))


def trunc(input):
    """Each element rounded towards zero; its gradient is 0."""
    return Rounding.apply(input, "trunc", 0)


fix = trunc


def frac(input):
    """The fractional part x - trunc(x), with the sign of x;  d/dx = 1."""
    return input - trunc(input)


# ----------------------------------------------------------------------------- tests (bool results)

def _bool_unary(name):
    def fn(input):
        x = tensor_arg(name, "input", input).data
        return Tensor(getattr(array_module(x), name)(x))
    fn.__name__ = name
    fn.__doc__ = f"True where {name[2:]}; a bool tensor outside the graph."
    return fn


isnan = _bool_unary("isnan")
isinf = _bool_unary("isinf")
isfinite = _bool_unary("isfinite")
signbit = _bool_unary("signbit")


isposinf = _bool_unary("isposinf")
isposinf.__doc__ = "True where an element is +inf."
isneginf = _bool_unary("isneginf")
isneginf.__doc__ = "True where an element is -inf."


def isreal(input):
    """True for every element of a real tensor."""
    return Tensor(array_module(tensor_arg("isreal", "input", input).data).ones(input.shape, dtype=bool))


# PyTorch's NumPy-style aliases
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
absolute = abs

__all__ = ["exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "abs",
           "absolute", "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan",
           "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh",
           "sigmoid", "erf", "clamp", "clip", "square", "reciprocal", "deg2rad", "rad2deg", "logit",
           "nan_to_num", "sign", "sgn", "floor", "ceil", "round", "trunc", "fix", "frac", "isnan",
           "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit"]
