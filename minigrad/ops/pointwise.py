"""Element-wise functions of two tensors beyond the four operations: atan2, hypot, copysign,
logaddexp, fmod/remainder (``%``), lerp, xlogy, float_power; the integer-only bitwise ops and
shifts; and the closeness tests isclose/allclose.

Like the arithmetic ops they broadcast and promote dtypes as PyTorch does (``promote``), and
their backward brings each gradient back to its input's shape (``_grads``). A float-valued
function of integer tensors (atan2, hypot ...) computes in the default float dtype.
"""
from __future__ import annotations

import contextlib

from .._checks import bool_arg, errors_named, number_arg, operand_arg, tensor_arg
from ..autograd.function import Function
from ..backend import array_module, float64, get_default_dtype
from ..tensor import Tensor
from ._util import promote, scalar_dtype, shape_of
from .arithmetic import _grads, where


def _array_module(a, b):
    return array_module(a if hasattr(a, "dtype") else b)


def _floating_pair(a, b):
    """Promoted operands, in the default float dtype if neither is a float."""
    a, b = promote(a, b)
    kinds = [getattr(x, "dtype", None) for x in (a, b)]
    if not any(k is not None and k.kind in "fc" for k in kinds) and not any(isinstance(x, float) for x in (a, b)):
        dt = get_default_dtype()
        a, b = (x.astype(dt) if hasattr(x, "astype") else float(x) for x in (a, b))
    return a, b


class Atan2(Function):
    """atan2(a, b), the angle of the point (b, a);  d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)
    (0 at the origin, as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = _floating_pair(a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.save_for_backward(a, b)
        return _array_module(a, b).arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        r2 = a * a + b * b
        inv = where(r2 == 0, 0.0, 1 / where(r2 == 0, 1.0, r2))
        na, nb = ctx.needs_input_grad
        return _grads(ctx, g * b * inv if na else None, -g * a * inv if nb else None)


def _both_tensors(op, input, other):
    """``input`` and ``other``, which must both be Tensors (PyTorch's atan2, hypot and logaddexp
    take no number)."""
    return tensor_arg(op, "input", input), tensor_arg(op, "other", other)


def atan2(input, other):
    """The angle (in radians) of the point (other, input), in [-pi, pi]."""
    return Atan2.apply(*_both_tensors("atan2", input, other))


arctan2 = atan2


class Hypot(Function):
    """sqrt(a^2 + b^2);  d/da = a / y, d/db = b / y"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        y = _array_module(a, b).hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return _grads(ctx, g * a / y if na else None, g * b / y if nb else None)


def hypot(input, other):
    """sqrt(input^2 + other^2), computed without overflow."""
    _require_float("hypot", *_both_tensors("hypot", input, other))
    return Hypot.apply(input, other)


class Copysign(Function):
    """|a| with the sign of b;  d/da = y / a (0 where a = 0), d/db = 0"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = _floating_pair(a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        y = _array_module(a, b).copysign(a, b)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, y = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ratio = where(a == 0, 0.0, y / where(a == 0, 1.0, a))
        return _grads(ctx, g * ratio if na else None, g.new_zeros(g.shape) if nb else None)


def copysign(input, other):
    """The magnitude of ``input`` with the sign of ``other`` (element-wise; -0.0 counts as negative)."""
    return Copysign.apply(tensor_arg("copysign", "input", input), operand_arg("copysign", "other", other))


class LogAddExp(Function):
    """log(exp(a) + exp(b)), or with base 2;  d/da = exp(a - y), d/db = exp(b - y)  (2^(a - y) in base 2)"""

    @staticmethod
    def forward(ctx, a, b, base2):
        a, b = _floating_pair(a, b)
        ctx.shapes = (shape_of(a), shape_of(b), None)
        ctx.base2 = base2
        xp = _array_module(a, b)
        y = xp.logaddexp2(a, b) if base2 else xp.logaddexp(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        na, nb, _ = ctx.needs_input_grad
        e = (lambda t: (t * 0.6931471805599453).exp()) if ctx.base2 else (lambda t: t.exp())
        ga, gb = _grads(ctx, g * e(a - y) if na else None, g * e(b - y) if nb else None)
        return ga, gb, None


def logaddexp(input, other):
    """log(exp(input) + exp(other)), computed without overflow."""
    return LogAddExp.apply(*_both_tensors("logaddexp", input, other), False)


def logaddexp2(input, other):
    """log2(2^input + 2^other), computed without overflow."""
    return LogAddExp.apply(*_both_tensors("logaddexp2", input, other), True)


class Remainder(Function):
    """a - b * rounded(a / b), rounded = floor (remainder, Python's %) or trunc (fmod, C's);
    d/da = 1, d/db = -rounded(a / b), the rounded division ``div`` computes (NaN for an infinite a,
    as PyTorch's)"""

    @staticmethod
    def forward(ctx, a, b, truncate):
        a, b = promote(a, b)
        xp = _array_module(a, b)
        if not _is_float(a) and not _is_float(b) and _any_zero(b):
            raise RuntimeError(f"{'fmod' if truncate else 'remainder'}: ZeroDivisionError, "
                               "integer division by zero")
        ctx.shapes = (shape_of(a), shape_of(b), None)
        ctx.truncate = truncate
        ctx.save_for_backward(a, b)
        return xp.fmod(a, b) if truncate else xp.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb, _ = ctx.needs_input_grad
        gb = None
        if nb:
            gb = -g * a.div(b, rounding_mode="trunc" if ctx.truncate else "floor").detach()
        ga, gb = _grads(ctx, g if na else None, gb)
        return ga, gb, None


def _is_float(x):
    dt = getattr(x, "dtype", None)
    return isinstance(x, float) if dt is None else dt.kind in "fc"


def _any_zero(b):
    return bool((b == 0).any()) if hasattr(b, "dtype") else b == 0


def remainder(input, other):
    """Python's modulus: input - other * floor(input / other), with the sign of ``other``."""
    operand_arg("remainder", "input", input)
    operand_arg("remainder", "other", other)
    if not isinstance(input, Tensor):
        input = Tensor(array_module(tensor_arg("remainder", "other", other).data).asarray(
            input, dtype=scalar_dtype(input, other)))
    return Remainder.apply(input, other, False)


def fmod(input, other):
    """C's modulus: input - other * trunc(input / other), with the sign of ``input``."""
    return Remainder.apply(tensor_arg("fmod", "input", input), operand_arg("fmod", "other", other), True)


@errors_named("lerp")
def lerp(input, end, weight):
    """input + weight * (end - input);  d/dinput = 1 - weight, d/dend = weight, d/dweight = end - input."""
    tensor_arg("lerp", "input", input)
    tensor_arg("lerp", "end", end)
    if not isinstance(weight, Tensor):
        number_arg("lerp", "weight", weight)
    if isinstance(weight, Tensor) and weight.dtype != input.dtype:
        raise RuntimeError(f"lerp: expected dtype {input.dtype} for weight but got dtype {weight.dtype}")
    if end.dtype != input.dtype:
        raise RuntimeError(f"lerp: expected dtype {input.dtype} for end but got dtype {end.dtype}")
    # PyTorch's two forms: from input for a small weight, from end for a large one (exact at
    # weight 1, and no inf - inf for an infinite input at weight 0.5)
    if not isinstance(weight, Tensor):
        return input + weight * (end - input) if abs(weight) < 0.5 else end - (end - input) * (1 - weight)
    return where(weight.abs() < 0.5, input + weight * (end - input), end - (end - input) * (1 - weight))


class Xlogy(Function):
    """x log(y), 0 where x = 0;  d/dx = log(y) (0 where x = y = 0), d/dy = x / y"""

    @staticmethod
    def forward(ctx, x, y):
        x, y = _floating_pair(x, y)
        xp = _array_module(x, y)
        ctx.shapes = (shape_of(x), shape_of(y))
        ctx.save_for_backward(x, y)
        dt = x.dtype if hasattr(x, "dtype") else y.dtype
        with _quiet(xp):
            out = xp.where(x == 0, 0, x * xp.log(y))
        return xp.where(xp.isnan(y), y, out).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        both_zero = (x == 0) & (y == 0)
        gx = g * where(both_zero, 0.0, where(both_zero, 1.0, y).log()) if nx else None
        gy = g * x / y if ny else None
        return _grads(ctx, gx, gy)


def _quiet(xp):
    """NumPy's warnings for log(0) silenced (the masked values are replaced); CuPy warns not."""
    return xp.errstate(divide="ignore", invalid="ignore") if hasattr(xp, "errstate") else contextlib.nullcontext()


def xlogy(input, other):
    """input * log(other), and 0 where input is 0 (so 0 log 0 = 0)."""
    operand_arg("xlogy", "input", input)
    operand_arg("xlogy", "other", other)
    if not isinstance(input, Tensor):
        tensor_arg("xlogy", "other", other)
        input = Tensor(array_module(other.data).asarray(input, dtype=scalar_dtype(float(input), other)))
    return Xlogy.apply(input, other)


@errors_named("float_power")
def float_power(input, exponent):
    """input ** exponent computed in float64 (PyTorch's float_power)."""
    if not isinstance(input, Tensor):
        input = Tensor(array_module(exponent.data).asarray(input, float64))
    return input.to(float64) ** (exponent.to(float64) if isinstance(exponent, Tensor) else exponent)


def _require_float(op, *tensors):
    """A floating point result: at least one operand must be a float tensor (the other is promoted
    to it, as PyTorch promotes ``hypot(float_tensor, int_tensor)``)."""
    if not any(isinstance(t, Tensor) and t.dtype.kind in "fc" for t in tensors):
        dtypes = ", ".join(str(t.dtype) for t in tensors if isinstance(t, Tensor))
        raise RuntimeError(f"{op}: expected a floating point tensor, got dtypes {dtypes}")


# ----------------------------------------------------------------------------- integer ops
# Bitwise ops and shifts act on integer (and bool) tensors; they are not differentiable and
# give tensors outside the graph.

def _bits(op, name, input, other):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}: expected a Tensor input or other, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    a = input.data if isinstance(input, Tensor) else input
    b = other.data if isinstance(other, Tensor) else other
    for x in (a, b):
        dt = getattr(x, "dtype", None)
        if (dt is not None and dt.kind not in "biu") or isinstance(x, float):
            raise RuntimeError(f"{name}: only integer and bool tensors are supported, got "
                               f"{dt if dt is not None else type(x).__name__}")
    a, b = promote(a, b)
    return Tensor(_array_module(a, b).asarray(op(_array_module(a, b), a, b)))


def bitwise_and(input, other):
    """Element-wise AND of integer or bool tensors (``&``)."""
    return _bits(lambda xp, a, b: xp.bitwise_and(a, b), "bitwise_and", input, other)


def bitwise_or(input, other):
    """Element-wise OR of integer or bool tensors (``|``)."""
    return _bits(lambda xp, a, b: xp.bitwise_or(a, b), "bitwise_or", input, other)


def bitwise_xor(input, other):
    """Element-wise XOR of integer or bool tensors (``^``)."""
    return _bits(lambda xp, a, b: xp.bitwise_xor(a, b), "bitwise_xor", input, other)


def bitwise_not(input):
    """Element-wise NOT of an integer or bool tensor (``~``)."""
    tensor_arg("bitwise_not", "input", input)
    if input.dtype.kind not in "biu":
        raise RuntimeError(f"bitwise_not: only integer and bool tensors are supported, got {input.dtype}")
    return Tensor(array_module(input.data).invert(input.data))


def _shift(xp, a, b, left):
    """a << b or a >> b; a shift by the bit width or more gives 0 (or -1 for a negative a
    shifted right), as PyTorch, where NumPy's result would depend on the machine."""
    dt = a.dtype if hasattr(a, "dtype") else b.dtype
    number = b if hasattr(a, "dtype") else a
    if dt.kind == "b" and not hasattr(number, "dtype") and not isinstance(number, bool):
        dt = xp.dtype("int64")      # a bool tensor and an int number: int64, as PyTorch promotes them
    bits = dt.itemsize * 8
    b_arr = xp.asarray(b)
    too_far = (b_arr >= bits) | (b_arr < 0)
    safe = xp.where(too_far, 0, b_arr).astype(dt, copy=False)
    out = xp.left_shift(a, safe) if left else xp.right_shift(a, safe)
    if left:
        fill = xp.zeros((), dt)
    else:
        fill = xp.where(xp.asarray(a) < 0, xp.asarray(-1, dt), xp.asarray(0, dt)) if dt.kind == "i" else xp.zeros((), dt)
    return xp.where(too_far, fill, out).astype(dt, copy=False)


def bitwise_left_shift(input, other):
    """input << other, element-wise, for integer tensors."""
    return _bits(lambda xp, a, b: _shift(xp, a, b, True), "bitwise_left_shift", input, other)


def bitwise_right_shift(input, other):
    """input >> other, element-wise (arithmetic: the sign is kept), for integer tensors."""
    return _bits(lambda xp, a, b: _shift(xp, a, b, False), "bitwise_right_shift", input, other)


# ----------------------------------------------------------------------------- closeness

def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True where |input - other| <= atol + rtol * |other| (NaNs equal only with ``equal_nan``)."""
    return _isclose("isclose", input, other, rtol, atol, equal_nan)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element of ``input`` is close to ``other``'s (see isclose); a Python bool."""
    return bool(_isclose("allclose", input, other, rtol, atol, equal_nan).data.all())


def _isclose(op, input, other, rtol, atol, equal_nan):
    a = tensor_arg(op, "input", input).data
    b = tensor_arg(op, "other", other).data
    if isinstance(other, Tensor) and a.dtype != b.dtype:
        raise RuntimeError(f"{op}: input ({a.dtype}) and other ({b.dtype}) must have the same dtype")
    rtol, atol = number_arg(op, "rtol", rtol, min=0.0), number_arg(op, "atol", atol, min=0.0)
    equal_nan = bool_arg(op, "equal_nan", equal_nan)
    with errors_named(op):
        return Tensor(_array_module(a, b).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


__all__ = ["atan2", "arctan2", "hypot", "copysign", "logaddexp", "logaddexp2", "remainder", "fmod",
           "lerp", "xlogy", "float_power", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
           "bitwise_left_shift", "bitwise_right_shift", "isclose", "allclose"]
