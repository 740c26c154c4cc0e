"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median/nanmedian, quantile; and
the index-valued searches searchsorted, bucketize, unique.

Every differentiable one finds its indices on the array (a stable argsort or an
argpartition), then reads the values with ``Gather`` -- so their gradient is gather's: the
upstream gradient scattered back to the elements that were picked. NaN sorts as the
largest value, as in PyTorch.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from .._checks import bool_arg, int_arg, is_number, tensor_arg
from .._spellings import numpy_spellings
from ..autograd.function import Function
from ..backend import array_module
from ..tensor import Tensor
from ._util import keepdim_with_dim, normalize_dim
from .indexing import Gather, take_along

sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
median_result = namedtuple("median", ["values", "indices"])
nanmedian_result = namedtuple("nanmedian", ["values", "indices"])


def _flags(op, **flags):
    """Each of PyTorch's bool switches (``descending``, ``largest`` ...) must be a bool."""
    for name, value in flags.items():
        bool_arg(op, name, value)


def sort_indices(x, dim, descending):
    """The stable argsort of an array along ``dim``; descending keeps equal elements in their
    original order too (the ascending sort of the reversed array, reversed back)."""
    if not descending:
        return _argsort(x, dim)
    flip = (slice(None),) * dim + (slice(None, None, -1),)     # a basic slice: cheaper than xp.flip
    return ((x.shape[dim] - 1) - _argsort(x[flip], dim))[flip]     # (on the contiguous result: cheaper)


def _argsort(x, dim):
    """The stable argsort along ``dim`` (for NumPy the method: ``numpy.argsort`` adds a Python layer)."""
    if type(x) is np.ndarray:
        return x.argsort(axis=dim, kind="stable")
    return array_module(x).argsort(x, axis=dim, kind="stable")


def _pick(input, dim, indices, keepdim=True):
    """The values of ``input`` at ``indices`` along ``dim`` (differentiable), and the indices as a tensor."""
    idx = Tensor._make(indices.astype("int64"), False, None, 0)   # a contiguous copy: faster to index with
    values = Gather.apply(input, dim, idx, distinct=True)      # no element is picked twice
    if not keepdim:
        values, idx = values.squeeze(dim), idx.squeeze(dim)
    return values, idx


@numpy_spellings
def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` sorted along ``dim`` (always stable: ``stable`` is accepted for PyTorch's signature)."""
    bool_arg("sort", "descending", descending)
    if stable is not None:                          # None: PyTorch's default
        bool_arg("sort", "stable", stable)
    d = normalize_dim(dim, tensor_arg("sort", "input", input).ndim, "sort")
    if input.ndim == 0:
        return sort_result(input.reshape(()), Tensor(array_module(input.data).zeros((), "int64")))
    return sort_result(*_pick(input, d, sort_indices(input.data, d, descending)))


@numpy_spellings
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (stable)."""
    _flags("argsort", descending=descending, stable=stable)        # no None, as PyTorch's argsort (sort takes it)
    d = normalize_dim(dim, input.ndim, "argsort")
    if input.ndim == 0:
        return Tensor(array_module(input.data).zeros((), "int64"))
    return Tensor(sort_indices(input.data, d, descending).astype("int64", copy=False))


def msort(input):
    """``input`` sorted along its first dim (the values of ``sort(input, 0)``)."""
    return sort(tensor_arg("msort", "input", input), 0).values


@numpy_spellings
def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, in the
    order of the stable sort: among equal values the lowest index comes first (PyTorch's order on
    dims of up to 3 elements; on longer dims it leaves the order of equal values unspecified).

    For k much smaller than the dim an argpartition (linear time) chooses the k elements
    (``_select``); only those are then sorted.
    """
    bool_arg("topk", "largest", largest)
    bool_arg("topk", "sorted", sorted)
    x = input.data
    d = normalize_dim(dim, x.ndim, "topk")
    k = int_arg("topk", "k", k)
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {d} of size {n} "
                           f"(input shape {tuple(x.shape)})")
    if x.ndim == 0:
        return topk_result(input.reshape(()), Tensor(array_module(x).zeros((), "int64")))
    if 0 < k and 8 * k < n:
        xp = array_module(x)
        chosen = _select(xp, x, k, d, largest)
        indices = take_along(xp, chosen, sort_indices(take_along(xp, x, chosen, d), d, largest), d)
    else:
        indices = sort_indices(x, d, largest)[(slice(None),) * d + (slice(0, k),)]
    return topk_result(*_pick(input, d, indices))


def _select(xp, x, k, d, largest):
    """The indices, ascending, of the ``k`` largest (smallest) elements along ``d``: the ones an
    argpartition puts beyond its k-th value -- or, where elements equal to the k-th value were left
    outside, every element beyond the k-th value and as many of the equal ones as are missing,
    lowest index first: the k that the stable sort puts first (NaN counts as the largest value)."""
    n = x.shape[d]
    at = n - k if largest else k - 1
    part = xp.argpartition(x, at, axis=d)
    lead = (slice(None),) * d
    chosen = part[lead + (slice(at, None) if largest else slice(0, k),)]
    kth = take_along(xp, x, part[lead + (slice(at, at + 1),)], d)
    equal = _equal(xp, x, kth)
    if (equal.sum(axis=d, keepdims=True) > _equal(xp, take_along(xp, x, chosen, d), kth).sum(axis=d, keepdims=True)).any():
        if x.dtype.kind == "f":
            nan, kth_nan = xp.isnan(x), xp.isnan(kth)
            beyond = (x > kth) | (nan & ~kth_nan) if largest else (x < kth) | (~nan & kth_nan)
        else:
            beyond = x > kth if largest else x < kth
        missing = k - beyond.sum(axis=d, keepdims=True)
        rows = xp.moveaxis(beyond | (equal & (xp.cumsum(equal, axis=d) <= missing)), d, -1)
        flat = xp.nonzero(rows.reshape(-1, n))[1].reshape(rows.shape[:-1] + (k,))
        return xp.moveaxis(flat, -1, d)
    return xp.sort(chosen, axis=d)


def _equal(xp, x, value):
    """Where ``x`` equals ``value`` (broadcast), a NaN counting as equal to a NaN."""
    if x.dtype.kind == "f" and xp.isnan(value).any():
        return (x == value) | (xp.isnan(x) & xp.isnan(value))
    return x == value


@numpy_spellings
def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the ``k``-th smallest element (k from 1) along ``dim``. Among
    tied values the index is the k-th of the stable sort; PyTorch specifies none (its CPU
    quickselect may name another of the equal elements)."""
    d = normalize_dim(dim, input.ndim, "kthvalue")
    k = int_arg("kthvalue", "k", k)
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue: selected number k ({k}) out of range for dimension {d} of "
                           f"size {n} (input shape {tuple(input.shape)})")
    if input.ndim == 0:
        return kthvalue_result(input.reshape(()), Tensor(array_module(input.data).zeros((), "int64")))
    order = sort_indices(input.data, d, False)
    at = tuple(slice(k - 1, k) if i == d else slice(None) for i in range(input.ndim))
    return kthvalue_result(*_pick(input, d, order[at], keepdim))


def _median(input, dim, keepdim, ignore_nan, op):
    """The lower median along ``dim``; a row with a NaN gives NaN (``median``) or the median
    of its other values (``nanmedian``)."""
    xp = array_module(tensor_arg(op, "input", input).data)
    keepdim = keepdim_with_dim(op, dim, keepdim)
    flat = dim is None
    d = 0 if flat else normalize_dim(dim, input.ndim, op)    # a 0-d input has dims 0 and -1
    x_t = input.reshape(-1) if flat else input
    if x_t.ndim == 0:
        x_t = x_t.reshape(1)
    n = x_t.shape[d]
    if n == 0 and flat and input.dtype.kind == "f":      # the median of nothing, as PyTorch: NaN
        return input.reshape(-1).sum() * float("nan")
    if n == 0:
        raise IndexError(f"{op}: cannot compute the median of an empty dimension "
                         f"(input shape {tuple(input.shape)})")
    x = x_t.data
    order = sort_indices(x, d, False)
    valid = (~xp.isnan(x)).sum(axis=d, keepdims=True) if x.dtype.kind in "fc" else xp.full(
        tuple(1 if i == d else s for i, s in enumerate(x.shape)), n)
    if ignore_nan:
        position = xp.maximum(valid - 1, 0) // 2
    else:
        position = xp.where(valid < n, valid, (n - 1) // 2)
    picked = xp.take_along_axis(order, position, axis=d)
    if flat:
        return EvenlyPicked.apply(input, x.reshape(-1)[picked.reshape(())])
    values, indices = _pick(x_t, d, picked, keepdim=keepdim)
    if input.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return (nanmedian_result if ignore_nan else median_result)(values, indices)


class EvenlyPicked(Function):
    """v, one of the elements of x (a whole-tensor median);  d/dx_i = 1/k for each of the k
    elements equal to v (each NaN, if v is NaN), 0 for the others -- PyTorch's even split"""

    @staticmethod
    def forward(ctx, x, v):
        xp = array_module(x)
        hit = (x == v) | (xp.isnan(x) & xp.isnan(v)) if x.dtype.kind == "f" else x == v
        ctx.save_for_backward(hit)
        return xp.asarray(v, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        (hit,) = ctx.saved_tensors
        share = hit.to(g.dtype)
        return g * share / share.sum(), None


@numpy_spellings
def median(input, dim=None, keepdim=False):
    """The lower median of all elements (a tensor), or ``(values, indices)`` along ``dim``;
    NaN if a NaN is among them."""
    return _median(input, dim, keepdim, False, "median")


@numpy_spellings
def nanmedian(input, dim=None, keepdim=False):
    """Like ``median``, ignoring NaNs (NaN only where every value is NaN)."""
    return _median(input, dim, keepdim, True, "nanmedian")


@numpy_spellings
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-quantiles (q in [0, 1], a number or a 1-D tensor that becomes the first dim)
    along ``dim``, interpolating between the two nearest sorted values as ``interpolation``
    says ('linear', 'lower', 'higher', 'nearest', 'midpoint'); differentiable through the
    sorted values and the interpolation weights."""
    if interpolation not in ("linear", "lower", "higher", "nearest", "midpoint"):
        raise ValueError(f"quantile: interpolation must be one of linear, lower, higher, midpoint "
                         f"or nearest, got {interpolation!r}")
    if input.dtype.kind not in "f":
        raise RuntimeError(f"quantile: input must be a float tensor, got {input.dtype}")
    if not isinstance(q, Tensor) and not is_number(q):
        raise TypeError(f"quantile: q must be a number or a Tensor, got {q!r} ({type(q).__name__})")
    xp = array_module(input.data)
    qs = q.data if isinstance(q, Tensor) else xp.asarray(q, dtype=input.dtype)
    if qs.ndim > 1 or bool(((qs < 0) | (qs > 1)).any()):
        raise RuntimeError(f"quantile: q must be a scalar or 1-D tensor with values in [0, 1], got {q}")
    x = input.reshape(-1) if dim is None else input
    x = x.reshape(1) if x.ndim == 0 else x
    d = 0 if dim is None or input.ndim == 0 else normalize_dim(dim, input.ndim, "quantile")
    n = x.shape[d]
    if n == 0:
        raise RuntimeError(f"quantile: input tensor must be non-empty (input shape {tuple(input.shape)})")
    s = sort(x, d).values.movedim(d, -1)                     # (..., n)
    pos = qs.reshape(-1) * (n - 1)
    lo = xp.floor(pos).astype("int64")
    hi = xp.minimum(lo + 1, n - 1)
    frac = (pos - lo).astype(input.dtype)
    if interpolation == "lower":
        hi, frac = lo, frac * 0
    elif interpolation == "higher":
        lo, frac = xp.ceil(pos).astype("int64"), frac * 0
    elif interpolation == "nearest":
        lo, frac = xp.round(pos).astype("int64"), frac * 0
    elif interpolation == "midpoint":
        frac = xp.where(frac > 0, 0.5, 0.0).astype(input.dtype)
    a, b = s[..., Tensor(lo)], s[..., Tensor(hi)]             # (..., nq)
    out = a + (b - a) * Tensor(frac)
    if bool(xp.isnan(s.data).any()):                         # a NaN in a row makes its quantiles NaN
        has_nan = Tensor(xp.isnan(s.data).any(axis=-1, keepdims=True))
        out = out.masked_fill(has_nan, float("nan"))
    out = out.movedim(-1, 0)                                 # (nq, ...)
    if keepdim:
        shape = tuple(1 for _ in input.shape) if dim is None else \
            tuple(1 if i == d else sz for i, sz in enumerate(input.shape))
        out = out.reshape((out.shape[0],) + shape)
    return out.reshape(out.shape[1:]) if qs.ndim == 0 else out


# ----------------------------------------------------------------------------- index-valued

def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of ``input`` would be inserted into ``sorted_sequence`` (along its last
    dim) to keep it sorted: the first such place, or the last with ``right=True``/``side='right'``.

    Each value is found by PyTorch's binary search (``binary_search``), so the answer is PyTorch's
    even where the sequence is not sorted or holds NaN.
    """
    _flags("searchsorted", out_int32=out_int32, right=right)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise RuntimeError("searchsorted: side='left' and right=True contradict each other")
        right = side == "right"
    if tensor_arg("searchsorted", "sorted_sequence", sorted_sequence).ndim == 0:
        raise RuntimeError("searchsorted: sorted_sequence must have at least one dim, got a 0-d tensor")
    tensor_arg("searchsorted", "sorter", sorter, optional=True)
    seq = sorted_sequence.data
    values = input.data if isinstance(input, Tensor) else array_module(seq).asarray(input, seq.dtype)
    xp = array_module(seq)
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter.data, axis=-1)
    if seq.ndim > 1 and (values.ndim != seq.ndim or values.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(f"searchsorted: the leading dims of sorted_sequence {tuple(seq.shape)} "
                           f"and input {tuple(values.shape)} must match")
    out = binary_search(seq, values, right)
    return Tensor(out.astype("int32" if out_int32 else "int64", copy=False))


def binary_search(seq, values, right):
    """For each value, PyTorch's binary search in ``seq`` along its last dim (a 1-D ``seq`` for
    every value; an N-D one row by row, ``values`` holding one row of values per row): [lo, hi)
    starts as [0, n) and halves, moving past mid while not seq[mid] >= value (not seq[mid] > value
    with ``right``). All values take their steps together, log2(n) steps in all."""
    xp = array_module(seq)
    n = seq.shape[-1]
    if seq.ndim <= 1:
        rows, vals = seq.reshape(1, n), values.reshape(1, values.size)
    else:
        rows = seq.reshape(math.prod(seq.shape[:-1]), n)
        vals = values.reshape(rows.shape[0], values.shape[-1])
    lo = xp.zeros(vals.shape, dtype="int64")
    hi = xp.full(vals.shape, n, dtype="int64")
    row = xp.arange(rows.shape[0])[:, None]
    active = lo < hi
    while active.any():
        mid = lo + (hi - lo) // 2
        at = rows[row, xp.minimum(mid, n - 1)]
        past = ~(at > vals) if right else ~(at >= vals)
        lo = xp.where(active & past, mid + 1, lo)
        hi = xp.where(active & ~past, mid, hi)
        active = lo < hi
    return lo.reshape(values.shape)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value: i with boundaries[i-1] < x <= boundaries[i] (``right=False``),
    or boundaries[i-1] <= x < boundaries[i] (``right=True``)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-D, got shape {tuple(boundaries.shape)}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


@numpy_spellings
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct elements (sorted), or distinct slices along ``dim``; with ``return_inverse``
    where each element went, with ``return_counts`` how often each occurs. Not differentiable:
    the result never requires grad (PyTorch's requires grad when ``input`` does, and its backward
    raises "the derivative for '_unique2' is not implemented")."""
    _flags("unique", sorted=sorted, return_inverse=return_inverse, return_counts=return_counts)
    xp = array_module(input.data)
    x = input.data
    axis = None if dim is None else normalize_dim(dim, input.ndim, "unique")
    out = xp.unique(x, return_inverse=True, return_counts=True, axis=axis)
    values, inverse, counts = out
    inverse = inverse.reshape(x.shape) if axis is None else inverse.reshape(-1)
    result = [Tensor(values)]
    if return_inverse:
        result.append(Tensor(inverse.astype("int64", copy=False)))
    if return_counts:
        result.append(Tensor(counts.astype("int64", copy=False)))
    return result[0] if len(result) == 1 else tuple(result)


__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "quantile",
           "searchsorted", "bucketize", "unique"]
