"""Ops that replicate elements: repeat and tile (whole copies), repeat_interleave (each
element several times), meshgrid and cartesian_prod (coordinate grids), and the sliding
windows of ``Tensor.unfold``.

Each is a copy of selected elements, so each backward adds the gradient of every copy back
onto its source: ``Repeat`` sums the tiles; the others are ``index_select`` or ``expand``
underneath, whose backward (index_add, sum) does exactly that.
"""
from __future__ import annotations

from .._checks import errors_named, int_arg, ints_arg, memory_bytes, tensor_arg
from .._spellings import numpy_spellings
from ..autograd.function import Function
from ..backend import array_module
from ..tensor import Tensor
from ._util import normalize_dim
from .indexing import IndexSelect
from .shape import as_shape, stack


class Repeat(Function):
    """tile the tensor ``reps`` times per dim;  backward: sum the tiles"""

    @staticmethod
    def forward(ctx, x, reps):
        ctx.in_shape = x.shape
        ctx.reps = reps
        return array_module(x).tile(x, reps)

    @staticmethod
    def backward(ctx, g):
        lead = len(ctx.reps) - len(ctx.in_shape)
        shape = (1,) * lead + tuple(ctx.in_shape)
        split = []
        for r, s in zip(ctx.reps, shape):
            split += [r, s]
        summed = g.reshape(split).sum(tuple(range(0, 2 * len(shape), 2)))
        return summed.reshape(ctx.in_shape), None


def repeat(input, *sizes):
    """``input`` tiled ``sizes[i]`` times along each dimension i (a copy, like np.tile);
    out.shape[i] = input.shape[i] * sizes[i].

    Args: ``input``, ``*sizes`` (ints or one tuple, at least input.ndim of them; extra leading
    ones add dimensions). Differs from np.repeat: use repeat_interleave for that.
    Backward: the gradient summed over the copies."""
    tensor_arg("repeat", "input", input)
    sizes = ints_arg("repeat", "sizes", as_shape(sizes), min=0)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"repeat: number of repeat dims {len(sizes)} can not be smaller than "
                           f"the number of tensor dims {input.ndim}")
    return Repeat.apply(input, sizes)


def tile(input, dims):
    """``input`` repeated ``dims`` times along each dim (missing leading dims count as 1)."""
    dims = ints_arg("tile", "dims", dims, sequence=True)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return Repeat.apply(input, dims)


@numpy_spellings
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times in place, next to itself;
    ``repeats`` is a number or one count per element. With ``dim=None`` the input is flattened
    first. ``repeat_interleave(counts)`` alone gives 0, 1, ... each repeated by its count."""
    tensor_arg("repeat_interleave", "input", input)
    if repeats is None:                              # torch.repeat_interleave(repeats)
        counts = input
        xp = array_module(counts.data)
        if counts.ndim > 1 or counts.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: repeats must be a 0-d or 1-d integer tensor, got "
                               f"shape {tuple(counts.shape)} and dtype {counts.dtype}")
        return Tensor(xp.repeat(xp.arange(counts.numel()), counts.data.reshape(-1)))
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else normalize_dim(dim, input.ndim, "repeat_interleave")
    if x.ndim == 0:
        x = x.reshape(1)
    xp = array_module(x.data)
    n = x.shape[d]
    counts = repeats.data.reshape(-1) if isinstance(repeats, Tensor) else \
        xp.asarray(ints_arg("repeat_interleave", "repeats", int_arg("repeat_interleave", "repeats", repeats), 1))
    if counts.size not in (1, n):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim {d}, "
                           f"got {counts.size} repeats for size {n} (input shape {tuple(input.shape)})")
    if counts.size and int(counts.min()) < 0:
        raise RuntimeError(f"repeat_interleave: repeats can not be negative, got {counts.tolist()}")
    total = int(counts.sum()) if counts.size == n else n * int(counts[0])
    if total * max(1, x.numel() // max(n, 1)) * x.data.itemsize > memory_bytes():
        raise RuntimeError(f"repeat_interleave: {total} slices of shape {tuple(x.shape[:d] + x.shape[d + 1:])} "
                           f"need more memory than this machine has (repeats={repeats!r})")
    index = xp.repeat(xp.arange(n), counts if counts.size == n else int(counts[0]))
    if output_size is not None and index.size != output_size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the total "
                           f"of repeats {index.size}")
    return IndexSelect.apply(x, d, index)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: output i holds tensor i's values along dim i, copied along the others.
    ``indexing='ij'`` (PyTorch's default) or ``'xy'`` (the first two dims swapped, as NumPy's
    and MATLAB's default)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid: expects a non-empty list of tensors")
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid: indexing must be one of 'xy' or 'ij', got {indexing!r}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expects 0-D or 1-D tensors, got shape {tuple(t.shape)}")
    flat = [t.reshape(-1) for t in tensors]
    shape = [t.shape[0] for t in flat]
    order = list(range(len(flat)))
    if indexing == "xy" and len(flat) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
        order[0], order[1] = 1, 0
    grids = []
    for t, at in zip(flat, order):
        view = [1] * len(flat)
        view[at] = -1
        grids.append(t.reshape(view).expand(*shape))
    return tuple(grids)


@errors_named("cartesian_prod")
def cartesian_prod(*tensors):
    """Every combination of the 1-D tensors' elements, one per row (itertools.product order)."""
    for i, t in enumerate(tensors):
        if tensor_arg("cartesian_prod", f"tensors[{i}]", t).ndim != 1:
            raise RuntimeError(f"cartesian_prod: expects 1-D tensors, got tensors[{i}] of shape {tuple(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], dim=1)


def unfold(input, dimension, size, step):
    """The windows of ``size`` elements, every ``step``, along ``dimension``: that dim becomes
    the number of windows and a new last dim of ``size`` holds each window. (A copy: PyTorch
    returns a strided view.)"""
    d = normalize_dim(dimension, tensor_arg("unfold", "input", input).ndim, "unfold")
    size, step = int_arg("unfold", "size", size), int_arg("unfold", "step", step)
    n = input.shape[d] if input.ndim else 1
    if size > n or size < 0:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    x = input.reshape(1) if input.ndim == 0 else input
    xp = array_module(x.data)
    windows = (n - size) // step + 1
    index = (xp.arange(windows) * step)[:, None] + xp.arange(size)[None, :]
    picked = IndexSelect.apply(x, d, index.reshape(-1))
    out = picked.unflatten(d, (windows, size)).movedim(d + 1, -1)
    return out.reshape(size) if input.ndim == 0 else out


__all__ = ["repeat", "tile", "repeat_interleave", "meshgrid", "cartesian_prod"]
