"""Arithmetic: add, sub, mul, div, neg, pow, matmul, maximum, minimum, where.

Binary ops broadcast like NumPy; their backward reduces each gradient back to its input's
shape with ``sum_to_shape`` (the one helper for that, in reduction.py).
"""
from __future__ import annotations

import numbers

import numpy as np

from .._checks import number_arg, operand_arg, tensor_arg
from ..autograd.function import Function
from ..backend import array_module, get_default_dtype
from ..tensor import Tensor
from ._util import promote, scalar_dtype, shape_of
from .reduction import sum_to_shape


def _is_float(x):
    dt = getattr(x, "dtype", None)
    return isinstance(x, float) if dt is None else dt.kind in "fc"


def _grads(ctx, ga, gb):
    """Reduce the two gradients of a binary op to their inputs' shapes (None where unneeded)."""
    na, nb = ctx.needs_input_grad[:2]
    sa, sb = ctx.shapes[:2]
    return (sum_to_shape(ga, sa) if na else None,
            sum_to_shape(gb, sb) if nb else None)


class Add(Function):
    """a + b;  d/da = 1, d/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        return a + b

    @staticmethod
    def backward(ctx, g):
        return _grads(ctx, g, g)


_KINDS = "bifc"      # bool < integer < float < complex: the kind of a result is the highest


def _kind(x):
    """'b', 'i', 'f' or 'c': the kind of a tensor's dtype, or of a Python number."""
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return "i" if dt.kind == "u" else dt.kind
    if isinstance(x, (bool, np.bool_)):
        return "b"
    if isinstance(x, numbers.Integral):
        return "i"
    return "f" if isinstance(x, numbers.Real) else "c"


def _number_pair(input, other):
    """``input`` as a 0-d tensor where both operands are numbers -- PyTorch's overloads of add,
    sub, mul and div for two numbers (``mul(1.5, 1.5)`` is tensor(2.25)) -- in the dtype PyTorch
    gives a Python number (a NumPy scalar counts as one: float32, int64 or bool); else ``input``."""
    if isinstance(input, (numbers.Number, np.bool_)) and isinstance(other, (numbers.Number, np.bool_)):
        from ..creation import tensor
        return tensor(input.item() if isinstance(input, np.generic) else input)
    return input


def _alpha(op, input, other, alpha):
    """PyTorch's checks of add's and sub's operands and ``alpha``: tensors or numbers, and an
    ``alpha`` that is a number of a kind the result can hold (a bool only for a bool result, a
    float not for an integer one, a complex number only for a complex one)."""
    if type(alpha) is int and isinstance(input, Tensor) and isinstance(other, Tensor) and (
            op == "add" or "b" not in (input.dtype.kind, other.dtype.kind)):
        return                  # the common case: two tensors and an int alpha, which every result holds
    operand_arg(op, "input", input)
    operand_arg(op, "other", other)
    if not isinstance(alpha, (numbers.Number, np.bool_)):
        raise TypeError(f"{op}: alpha must be a number, got {alpha!r} ({type(alpha).__name__})")
    if op == "sub" and "b" in (_kind(input), _kind(other)):
        raise RuntimeError(f"sub: subtraction with a bool operand is not supported, got {_described(input)} - "
                           f"{_described(other)} (to invert a mask use ~ or logical_not())")
    result = max(_kind(input), _kind(other), key=_KINDS.index)
    need = _kind(alpha)
    if need == "b" and result != "b" or need in "fc" and _KINDS.index(need) > _KINDS.index(result):
        kinds = {"b": "a bool", "i": "an integer", "f": "a floating point number", "c": "a complex number"}
        results = {"b": "a bool", "i": "an integer", "f": "a floating point", "c": "a complex"}
        raise RuntimeError(f"{op}: alpha cannot be {kinds[need]} for {results[result]} result, got "
                           f"alpha={alpha!r} (operands {_described(input)} and {_described(other)})")


def _described(x):
    return str(x.dtype) if isinstance(x, Tensor) else type(x).__name__


def add(input, other, *, alpha=1):
    """input + alpha * other"""
    _alpha("add", input, other, alpha)
    input = _number_pair(input, other)
    return Add.apply(input, other if alpha == 1 else Mul.apply(other, alpha) if isinstance(other, Tensor) else other * alpha)


class Sub(Function):
    """a - b;  d/da = 1, d/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        return a - b

    @staticmethod
    def backward(ctx, g):
        return _grads(ctx, g, -g if ctx.needs_input_grad[1] else None)


def sub(input, other, *, alpha=1):
    """input - alpha * other"""
    _alpha("sub", input, other, alpha)
    input = _number_pair(input, other)
    return Sub.apply(input, other if alpha == 1 else Mul.apply(other, alpha) if isinstance(other, Tensor) else other * alpha)


subtract = sub


class Mul(Function):
    """a * b;  d/da = b, d/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(a if nb else None, b if na else None)    # only what is needed
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return _grads(ctx, g * b if na else None, g * a if nb else None)


def mul(input, other):
    """input * other, element-wise with broadcasting."""
    operand_arg("mul", "input", input)
    return Mul.apply(_number_pair(input, operand_arg("mul", "other", other)), other)


multiply = mul


class Div(Function):
    """a / b;  d/da = 1/b, d/db = -a/b^2"""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        if not _is_float(a) and not _is_float(b):      # true division of integers: a float result
            dt = get_default_dtype()
            a, b = (x.astype(dt) if hasattr(x, "astype") else float(x) for x in (a, b))
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = g / b if na else None
        gb = -g * a / (b * b) if nb else None
        return _grads(ctx, ga, gb)


class RoundedDiv(Function):
    """a / b rounded down ('floor') or toward zero ('trunc') in the promoted dtype (integers
    divide exactly, never through float64);  d/da = d/db = 0, as PyTorch (piecewise constant)"""

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        a, b = promote(a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        xp = array_module(a if hasattr(a, "dtype") else b)
        if not _is_float(a) and not _is_float(b):
            if bool((xp.asarray(b) == 0).any()):
                raise RuntimeError("div: ZeroDivisionError, integer division by zero")
            q = xp.floor_divide(a, b)
            if rounding_mode == "trunc":            # floor rounds down; trunc rounds toward zero
                q = q + ((xp.fmod(a, b) != 0) & ((xp.asarray(a) < 0) != (xp.asarray(b) < 0)))
            return xp.asarray(q)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.asarray(xp.floor_divide(a, b) if rounding_mode == "floor" else xp.trunc(a / b))

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad[:2]
        sa, sb = ctx.shapes
        return (g.new_zeros(sa) if na else None, g.new_zeros(sb) if nb else None, None)


def div(input, other, *, rounding_mode=None):
    """input / other; ``rounding_mode`` 'floor' or 'trunc' rounds the quotient (see RoundedDiv;
    its gradient is 0)."""
    operand_arg("div", "other", other)
    input = _number_pair(operand_arg("div", "input", input), other)
    if rounding_mode is None:
        return Div.apply(input, other)
    if not isinstance(rounding_mode, str) or rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    return RoundedDiv.apply(input, other, rounding_mode)


true_divide = divide = div


def _check_addc(op, input, tensor1, tensor2, value):
    """Three Tensors and a real number, as PyTorch's addcmul/addcdiv take."""
    for name, t in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
        tensor_arg(op, name, t)
    number_arg(op, "value", value)


def _in_result_dtype(input, tensor1, tensor2):
    """``tensor1`` and ``tensor2`` in the dtype of ``input`` where that is a wider float: PyTorch's
    fused addcmul/addcdiv compute in the result's dtype, so float16 operands added to float32 are
    not rounded to float16 first."""
    if not all(isinstance(t, Tensor) for t in (input, tensor1, tensor2)) or input.dtype.kind != "f":
        return tensor1, tensor2
    return tuple(t.to(input.dtype) if t.dtype.kind == "f" and t.dtype.itemsize < input.dtype.itemsize else t
                 for t in (tensor1, tensor2))


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2, in the result's dtype"""
    _check_addc("addcmul", input, tensor1, tensor2, value)
    tensor1, tensor2 = _in_result_dtype(input, tensor1, tensor2)
    return input + (tensor1 * tensor2 if value == 1 else value * tensor1 * tensor2)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2, in the result's dtype"""
    _check_addc("addcdiv", input, tensor1, tensor2, value)
    if tensor1.dtype.kind in "biu" and tensor2.dtype.kind in "biu":
        raise RuntimeError(f"addcdiv: integer division is not supported (tensor1 {tensor1.dtype}, tensor2 "
                           f"{tensor2.dtype}), as in PyTorch; use input + value * (tensor1 / tensor2) for a true "
                           f"division, or trunc() for the old integer one")
    tensor1, tensor2 = _in_result_dtype(input, tensor1, tensor2)
    return input + (tensor1 / tensor2 if value == 1 else value * tensor1 / tensor2)


class Neg(Function):
    """-x;  d/dx = -1"""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


def neg(input):
    """-input."""
    return Neg.apply(input)


negative = neg


class Pow(Function):
    """x ** e;  d/dx = e * x^(e-1) (0 where e == 0),  d/de = x^e * log(x) (0 where x == 0 and
    e >= 0)   (e a tensor or a number; the zeros are PyTorch's limits)"""

    @staticmethod
    def forward(ctx, x, e):
        x, e = promote(x, e)
        ctx.shapes = (shape_of(x), shape_of(e))
        y = _int_pow(x, e) if hasattr(e, "dtype") and not _is_float(x) and not _is_float(e) else _scalar_pow(x, e)
        ctx.save_for_backward(x, e, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, e, y = ctx.saved_tensors
        nx, ne = ctx.needs_input_grad
        gx = g * where(e == 0, 0.0, e * x ** (e - 1)) if nx else None   # x**0 is 1, also at x = 0
        ge = None
        if ne:
            # x^e * log(x): 0 at x == 0 for e >= 0 (the limit), -inf there for e < 0, as PyTorch
            zero = (x == 0) & (e >= 0)
            xs = where(zero, 1.0, x)
            ge = g * where(zero, 0.0, y * xs.log())
        return _grads(ctx, gx, ge)


def _scalar_pow(x, e):
    """x ** e, with a Python float e taken at PyTorch's precision: a double for a float32 tensor
    (its CPU kernel calls std::pow(float, double)), a float for float16 -- not rounded to x's
    dtype, as NumPy rounds it, where that would change the power: 1e-300 rounded to 0 and
    2.0000001 to 2 would give a negative base a number instead of NaN."""
    if isinstance(e, float) and x.dtype.kind == "f":
        wide = np.float64 if x.dtype.itemsize >= 4 else np.float32
        with np.errstate(over="ignore"):
            rounded = float(x.dtype.type(e))
        if rounded.is_integer() != float(wide(e)).is_integer():
            return (x.astype(wide) ** wide(e)).astype(x.dtype)
    return x ** e


def _int_pow(x, e):
    """x ** e for integer arrays, where NumPy refuses a negative e: as PyTorch, x ** -n is 1 for
    x = 1, +-1 for x = -1 (by the parity of n) and 0 otherwise (the integer part of 1 / x^n)."""
    xp = array_module(e)
    negative = e < 0
    if not bool(negative.any()):
        return x ** e
    y = x ** xp.where(negative, 0, e)
    one = x == 1
    minus_one = x == -1
    odd = (e % 2) != 0
    at_negative = xp.where(one | (minus_one & ~odd), 1, xp.where(minus_one, -1, 0)).astype(y.dtype)
    return xp.where(negative, at_negative, y)


def pow(input, exponent):
    """input ** exponent; either may be a number."""
    operand_arg("pow", "input", input)
    operand_arg("pow", "exponent", exponent)
    if not isinstance(input, Tensor):
        input = Tensor(array_module(exponent.data).asarray(input, dtype=scalar_dtype(input, exponent)))
    return Pow.apply(input, exponent)


class MatMul(Function):
    """a @ b (1-D, 2-D and batched with broadcast batch dims);  d/da = g @ b^T, d/db = a^T @ g"""

    @staticmethod
    def forward(ctx, a, b):
        if a.dtype != b.dtype:          # PyTorch promotes element-wise ops, never matrix products
            raise RuntimeError(f"matmul: expected both operands to have the same dtype, got {a.dtype} "
                               f"and {b.dtype}; convert one of them (x.to(dtype))")
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                               f"{tuple(a.shape)} and {tuple(b.shape)}")
        ka = a.shape[-1]
        kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if ka != kb:
            raise RuntimeError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                               f"multiplied ({ka} != {kb})")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:                 # dot product: g is a scalar
            return (g * b if na else None), (g * a if nb else None)
        # lift 1-D operands to matrices so one formula covers every case
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = g2.unsqueeze(-2)
        if b.ndim == 1:
            g2 = g2.unsqueeze(-1)
        ga = gb = None
        if na:
            ga = g2 @ b2.mT
            ga = sum_to_shape(ga, a2.shape)
            if a.ndim == 1:
                ga = ga.squeeze(0)
        if nb:
            gb = a2.mT @ g2
            gb = sum_to_shape(gb, b2.shape)
            if b.ndim == 1:
                gb = gb.squeeze(-1)
        return ga, gb


def matmul(input, other):
    """The matrix product of two tensors (1-D, 2-D or batched)."""
    return MatMul.apply(tensor_arg("matmul", "input", input), tensor_arg("matmul", "other", other))


class Maximum(Function):
    """max(a, b) elementwise;  the gradient goes to the larger input, split evenly on ties"""

    largest = True          # Minimum is this Function with largest = False

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b)
        ctx.shapes = (shape_of(a), shape_of(b))
        xp = array_module(a if hasattr(a, "dtype") else b)
        ctx.save_for_backward(a, b)
        return xp.maximum(a, b) if ctx.largest else xp.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a_wins = (a > b if ctx.largest else a < b).to(g.dtype) + (a == b).to(g.dtype) * 0.5
        na, nb = ctx.needs_input_grad
        return _grads(ctx, g * a_wins if na else None, g * (1 - a_wins) if nb else None)


def maximum(input, other):
    """The element-wise maximum of two tensors (ties share the gradient)."""
    return Maximum.apply(tensor_arg("maximum", "input", input), tensor_arg("maximum", "other", other))


class Minimum(Maximum):
    """min(a, b) elementwise;  the gradient goes to the smaller input, split evenly on ties"""

    largest = False


def minimum(input, other):
    """The element-wise minimum of two tensors (ties share the gradient)."""
    return Minimum.apply(tensor_arg("minimum", "input", input), tensor_arg("minimum", "other", other))


class Where(Function):
    """where(cond, a, b);  d/da = cond, d/db = not cond"""

    @staticmethod
    def forward(ctx, cond, a, b):
        a, b = promote(a, b)
        ctx.shapes = (None, shape_of(a), shape_of(b))
        xp = array_module(cond)
        ctx.save_for_backward(cond)
        out = xp.where(cond, a, b)
        return out

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        _, na, nb = ctx.needs_input_grad
        _, sa, sb = ctx.shapes
        ga = sum_to_shape(where(cond, g, 0.0), sa) if na else None
        gb = sum_to_shape(where(cond, 0.0, g), sb) if nb else None
        return None, ga, gb


def where(condition, input=None, other=None):
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (numbers allowed);
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        from .indexing import nonzero  # noqa: PLC0415 - indexing imports this module
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: expected both input and other, or neither")
    operand_arg("where", "condition", condition)
    if isinstance(condition, Tensor) and condition.dtype not in (np.bool_, np.uint8):
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {condition.dtype}")
    return Where.apply(condition, operand_arg("where", "input", input), operand_arg("where", "other", other))


__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "addcmul",
           "addcdiv", "neg",
           "negative", "pow", "matmul", "maximum", "minimum", "where"]
