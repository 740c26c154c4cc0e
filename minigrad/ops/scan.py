"""Scans (running reductions) along one dim: cumsum, cumprod, cummax/cummin, logcumsumexp.

Each output element i reduces the inputs 0..i. Their backward is a scan again, run the other
way (a *reversed* cumsum of the gradient: element i influenced every output j >= i). On a
0-d tensor every scan is the identity, as in PyTorch.

``scan_array`` is the one running-reduction helper: NumPy's ``ufunc.accumulate`` (one pass),
or for an array library without it, the log-step (Hillis-Steele) scan -- log2(n) vectorised
passes of ``op(y[k:], y[:-k])``.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._checks import accumulate_dtype_arg, int_arg, tensor_arg
from .._spellings import numpy_spellings
from ..autograd.function import Function
from ..backend import array_module, int64
from ..tensor import Tensor
from ._util import normalize_dim
from .arithmetic import where
from .indexing import Gather

cummax_result = namedtuple("cummax", ["values", "indices"])
cummin_result = namedtuple("cummin", ["values", "indices"])


def scan_array(x, op, dim):
    """The running ``op`` ('add', 'multiply', 'maximum', 'minimum', 'logaddexp') of an array along ``dim``."""
    xp = array_module(x)
    ufunc = getattr(xp, op)
    if xp is np:                            # in x's dtype: NumPy widens small integers to int64
        return ufunc.accumulate(x, axis=dim, dtype=x.dtype)
    y = xp.moveaxis(x, dim, -1).copy()
    k, n = 1, y.shape[-1]
    while k < n:
        y[..., k:] = ufunc(y[..., k:], y[..., :-k])
        k *= 2
    return xp.moveaxis(y, -1, dim)


def _reverse_cumsum(g, dim):
    """sum_{j >= i} g_j along ``dim``."""
    return g.flip(dim).cumsum(dim).flip(dim)


def _integer_to_int64(op, input, dtype):
    """PyTorch's rule for running sums and products: integers and bools accumulate in int64;
    a bool ``dtype`` is not implemented (as in PyTorch)."""
    tensor_arg(op, "input", input)
    if dtype is not None:
        dtype = accumulate_dtype_arg(op, input, dtype)
        if dtype.kind == "b":
            raise NotImplementedError(f"{op}: not implemented for dtype bool (as PyTorch)")
        return input.to(dtype)
    return input.to(int64) if input.dtype.kind in "biu" and input.dtype != int64 else input


class CumSum(Function):
    """running sum along dim;  d/dx_i = sum_{j >= i} g_j (a reversed cumsum of the gradient)"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            return x.copy()
        return array_module(x).cumsum(x, axis=dim, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0:
            return g, None
        return _reverse_cumsum(g, ctx.dim), None


@numpy_spellings
def cumsum(input, dim, *, dtype=None):
    """The running sum along ``dim``."""
    return CumSum.apply(_integer_to_int64("cumsum", input, dtype), normalize_dim(dim, input.ndim, "cumsum"))


class CumProd(Function):
    """running product along dim;  d/dx_i = sum_{j >= i} g_j y_j / x_i

    With zeros that division is replaced by the exact products: an element before the first
    zero of its row keeps the formula, the first zero gets sum_{j >= z} g_j y'_j (y' the running
    product with that zero set to 1), and every element after it gets 0.
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            y = x.copy()
        else:
            y = scan_array(x, "multiply", dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if x.ndim == 0:
            return g, None
        d = ctx.dim
        zero = x == 0
        if not bool(zero.data.any()):
            return _reverse_cumsum(g * y, d) / x, None
        zeros_so_far = zero.to(int64).cumsum(d)
        before = zeros_so_far == 0
        first_zero = zero & (zeros_so_far == 1)
        y_without_first_zero = where(first_zero, 1.0, x).cumprod(d)
        at_first_zero = _reverse_cumsum(g * y_without_first_zero, d)
        before_zero = _reverse_cumsum(g * y, d) / where(before, x, 1.0)
        return where(before, before_zero, where(first_zero, at_first_zero, 0.0)), None


@numpy_spellings
def cumprod(input, dim, *, dtype=None):
    """The running product along ``dim``."""
    return CumProd.apply(_integer_to_int64("cumprod", input, dtype), normalize_dim(dim, input.ndim, "cumprod"))


def _cum_extreme(input, dim, largest, op):
    """(running max or min, index of the element it came from -- the last one on ties, the
    first NaN once one is met); the values are a gather, so their gradient is a scatter."""
    tensor_arg(op, "input", input)
    if input.numel() == 0 and input.ndim > 0:
        int_arg(op, "dim", dim)        # PyTorch returns an empty result before it checks dim's range
        d = 0
    else:
        d = normalize_dim(dim, input.ndim, op)
    result = cummax_result if largest else cummin_result
    xp = array_module(input.data)
    if input.ndim == 0:
        return result(input.reshape(()), Tensor(xp.zeros((), "int64")))
    x = input.data
    values = scan_array(x, "maximum" if largest else "minimum", d)
    positions = xp.arange(x.shape[d]).reshape((-1,) + (1,) * (x.ndim - 1 - d))
    hit = (x == values) | (xp.isnan(x) if x.dtype.kind in "fc" else False)
    indices = scan_array(xp.where(hit, positions, 0), "maximum", d).astype("int64", copy=False)
    indices = Tensor(indices)
    return result(Gather.apply(input, d, indices), indices)


@numpy_spellings
def cummax(input, dim):
    """``(values, indices)``: the running maximum along ``dim`` and where each came from."""
    return _cum_extreme(input, dim, True, "cummax")


@numpy_spellings
def cummin(input, dim):
    """``(values, indices)``: the running minimum along ``dim`` and where each came from."""
    return _cum_extreme(input, dim, False, "cummin")


class LogCumSumExp(Function):
    """y_j = log sum_{i <= j} exp(x_i), computed stably;  d/dx_i = sum_{j >= i} g_j exp(x_i - y_j)

    The backward sums in log space too: exp(x_i + log sum_{j >= i} exp(log g_j - y_j)), for the
    positive and the negative part of g separately (so nothing overflows).
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = x.copy() if x.ndim == 0 else scan_array(x, "logaddexp", dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if x.ndim == 0:
            return g, None
        d = ctx.dim

        def part(gp):
            positive = gp > 0
            log_g = where(positive, where(positive, gp, 1.0).log() - y, float("-inf"))
            return (x + log_g.flip(d).logcumsumexp(d).flip(d)).exp()

        return part(g) - part(-g), None


@numpy_spellings
def logcumsumexp(input, dim):
    """log(cumsum(exp(x))) along ``dim``, computed without overflow."""
    tensor_arg("logcumsumexp", "input", input)
    if input.dtype.kind not in "fc":
        raise RuntimeError(f"logcumsumexp: expected a floating point input, got {input.dtype}")
    return LogCumSumExp.apply(input, normalize_dim(dim, input.ndim, "logcumsumexp"))


__all__ = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]
