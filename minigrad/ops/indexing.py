"""Indexing: ``x[key]``, gather, scatter_add, index_select, masked_fill, tril, triu.

Reading at indices and adding at indices are each other's backward:
``x[key]`` <-> ``IndexScatter`` (add into zeros at key), gather <-> scatter_add,
index_select <-> index_add. Repeated indices accumulate, through one helper
(``_add_at``) that works the same on NumPy and CuPy and for every float dtype.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..backend import array_module, to_numpy
from ..tensor import Tensor
from ._util import normalize_dim
from .arithmetic import where


def _add_at(shape, dtype, xp, linear, values):
    """zeros(shape) with ``values`` added at flat positions ``linear`` (repeats accumulate)."""
    size = 1
    for s in shape:
        size *= s
    summed = xp.bincount(linear.ravel(), weights=values.ravel().astype("float64"), minlength=size)
    return summed.astype(dtype, copy=False).reshape(shape)


def _is_basic(key):
    """Only ints, slices, None and Ellipsis: the result is a view, no index repeats."""
    items = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in items)


def _check_index(op, index, dim_size):
    xp = array_module(index)
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: index must be an integer tensor, got {index.dtype}")
    if index.size and (int(xp.min(index)) < 0 or int(xp.max(index)) >= dim_size):
        bad = int(xp.max(index)) if int(xp.max(index)) >= dim_size else int(xp.min(index))
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension with size {dim_size}")


def check_key_bounds(op, shape, key):
    """IndexError for an integer index array (or list) in ``key`` that points outside its axis.
    NumPy raises on its own, but CuPy silently wraps such indices around, so the check is made
    for every device: one min/max per index array, read back to the host in one transfer."""
    items = key if isinstance(key, tuple) else (key,)

    def n_axes(k):
        if k is None:
            return 0
        return k.ndim if getattr(k, "dtype", None) is not None and k.dtype.kind == "b" else 1
    used = sum(n_axes(k) for k in items if k is not Ellipsis)
    axis = 0
    for k in items:
        if k is Ellipsis:
            axis += len(shape) - used
            continue
        if isinstance(k, list):
            k = np.asarray(k)
        if getattr(k, "dtype", None) is not None and k.dtype.kind in "iu" and k.size and axis < len(shape):
            xp = array_module(k)
            lo, hi = (int(v) for v in to_numpy(xp.stack([k.min(), k.max()])))
            n = shape[axis]
            if hi >= n or lo < -n:
                raise IndexError(f"{op}: index {hi if hi >= n else lo} is out of bounds for axis {axis} "
                                 f"with size {n} (tensor shape {tuple(shape)})")
        axis += n_axes(k)


def _unwrap_key(key):
    """Tensors inside an index become arrays; lists of ints become integer arrays."""
    if isinstance(key, tuple):
        return tuple([k.data if isinstance(k, Tensor) else k for k in key])
    return key.data if isinstance(key, Tensor) else key


class GetItem(Function):
    """x[key];  backward: the gradient added into zeros at key (IndexScatter)"""

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        check_key_bounds("getitem", x.shape, key)
        try:
            return x[key]
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor shape {tuple(x.shape)}, index {key!r})") from None

    @staticmethod
    def backward(ctx, g):
        return IndexScatter.apply(g, ctx.shape, ctx.key), None


def getitem(input, key):
    """``input[key]``: basic and advanced indexing, differentiable."""
    return GetItem.apply(input, _unwrap_key(key))


class IndexScatter(Function):
    """zeros(shape) with g added at key;  backward: the gradient read at key"""

    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        xp = array_module(g)
        if _is_basic(key):
            out = xp.zeros(shape, dtype=g.dtype)
            out[key] = g
            return out
        size = 1
        for s in shape:
            size *= s
        linear = xp.arange(size).reshape(shape)[key]
        return _add_at(shape, g.dtype, xp, linear, xp.broadcast_to(g, linear.shape))

    @staticmethod
    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.key), None, None


def _along_dim_linear(xp, shape, dim, index):
    """Flat positions in an array of ``shape`` of the elements picked by ``index`` along ``dim``."""
    nd = index.ndim
    coords = [xp.arange(n).reshape((1,) * d + (n,) + (1,) * (nd - d - 1)) for d, n in enumerate(index.shape)]
    coords[dim] = index
    return xp.ravel_multi_index(tuple(xp.broadcast_arrays(*coords)), shape)


class Gather(Function):
    """out[i][j] = x[index[i][j]][j] (dim 0);  backward: scatter_add of the gradient"""

    @staticmethod
    def forward(ctx, x, dim, index):
        xp = array_module(x)
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        sub = x[tuple(slice(None) if d == dim else slice(0, index.shape[d]) for d in range(x.ndim))]
        return xp.take_along_axis(sub, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        return scatter_add(g.new_zeros(ctx.shape), ctx.dim, index, g), None, None


def gather(input, dim, index):
    """Pick, along ``dim``, the elements at ``index`` (``out[i][j] = input[index[i][j]][j]`` for dim 0)."""
    d = normalize_dim(dim, input.ndim, "gather")
    _check_index("gather", index.data, input.shape[d])
    if index.ndim != input.ndim or any(index.shape[i] > input.shape[i] for i in range(input.ndim) if i != d):
        raise RuntimeError(f"gather: index shape {tuple(index.shape)} does not fit input shape "
                           f"{tuple(input.shape)} along dims other than {d}")
    return Gather.apply(input, d, index)


class ScatterAdd(Function):
    """out = x; out[index[i][j]][j] += src[i][j] (dim 0);  d/dx = 1, d/dsrc = gather(g)"""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        xp = array_module(x)
        ctx.dim = dim
        ctx.save_for_backward(index)
        src = src[tuple(slice(0, s) for s in index.shape)]
        linear = _along_dim_linear(xp, x.shape, dim, index)
        return x + _add_at(x.shape, x.dtype, xp, linear, src)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        _, _, _, nsrc = ctx.needs_input_grad
        gsrc = gather(g, ctx.dim, index) if nsrc else None
        return g, None, None, gsrc


def scatter_add(input, dim, index, src):
    """``input`` with each ``src`` element added at its ``index`` along ``dim`` (repeats add up)."""
    d = normalize_dim(dim, input.ndim, "scatter_add")
    _check_index("scatter_add", index.data, input.shape[d])
    if index.ndim != input.ndim or any(index.shape[i] > src.shape[i] for i in range(index.ndim)) or \
            any(index.shape[i] > input.shape[i] for i in range(input.ndim) if i != d):
        raise RuntimeError(f"scatter_add: index shape {tuple(index.shape)} does not fit input shape "
                           f"{tuple(input.shape)} and src shape {tuple(src.shape)}")
    return ScatterAdd.apply(input, d, index, src)


class IndexSelect(Function):
    """pick entries ``index`` along dim;  backward: add the gradient back at those entries"""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return array_module(x).take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        return IndexAdd.apply(g, ctx.shape, ctx.dim, index), None, None


def index_select(input, dim, index):
    """The entries ``index`` (a 1-D integer tensor) of ``input`` along ``dim``."""
    d = normalize_dim(dim, input.ndim, "index_select")
    if index.ndim > 1:
        raise RuntimeError(f"index_select: index must be 0-d or 1-d, got shape {tuple(index.shape)}")
    _check_index("index_select", index.data, input.shape[d])
    return IndexSelect.apply(input, d, index.reshape(-1))


class IndexAdd(Function):
    """zeros(shape) with the slices of g added at ``index`` along dim;  backward: index_select"""

    @staticmethod
    def forward(ctx, g, shape, dim, index):
        xp = array_module(g)
        ctx.dim = dim
        ctx.save_for_backward(index)
        moved = xp.moveaxis(g, dim, 0)
        inner = math.prod(moved.shape[1:])                  # explicit: -1 fails for 0 indices
        rows = moved.reshape(len(index), inner)
        linear = index.reshape(-1, 1) * inner + xp.arange(inner)
        moved_shape = (shape[dim],) + tuple(s for d, s in enumerate(shape) if d != dim)
        out = _add_at(moved_shape, g.dtype, xp, linear, rows)
        return xp.moveaxis(out, 0, dim)

    @staticmethod
    def backward(ctx, gg):
        (index,) = ctx.saved_tensors
        return IndexSelect.apply(gg, ctx.dim, index), None, None, None


class Triangle(Function):
    """keep the lower (tril) or upper (triu) triangle;  backward: the same triangle of g"""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        xp = array_module(x)
        return xp.triu(x, diagonal) if upper else xp.tril(x, diagonal)

    @staticmethod
    def backward(ctx, g):
        return Triangle.apply(g, ctx.diagonal, ctx.upper), None, None


def tril(input, diagonal=0):
    """The lower triangle (at and below ``diagonal``) of the last two dims, zeros elsewhere."""
    if input.ndim < 2:
        raise RuntimeError(f"tril: input needs at least 2 dims, got shape {tuple(input.shape)}")
    return Triangle.apply(input, diagonal, False)


def triu(input, diagonal=0):
    """The upper triangle (at and above ``diagonal``) of the last two dims, zeros elsewhere."""
    if input.ndim < 2:
        raise RuntimeError(f"triu: input needs at least 2 dims, got shape {tuple(input.shape)}")
    return Triangle.apply(input, diagonal, True)


# ----------------------------------------------------------------------------- composites

def masked_fill(input, mask, value):
    """``value`` where ``mask`` is True, else ``input`` (mask broadcasts to input)."""
    if mask.dtype.kind != "b":
        raise RuntimeError(f"masked_fill: mask must be a bool tensor, got {mask.dtype}")
    try:
        shape = np.broadcast_shapes(tuple(mask.shape), tuple(input.shape))
    except ValueError:
        shape = None
    if shape != tuple(input.shape):
        raise RuntimeError(f"masked_fill: mask of shape {tuple(mask.shape)} does not broadcast to "
                           f"the input's shape {tuple(input.shape)}")
    return where(mask, value, input)


__all__ = ["gather", "scatter_add", "index_select", "masked_fill", "tril", "triu"]
