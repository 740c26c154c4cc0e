"""Shape ops: reshape/view, permute, transpose, squeeze, unsqueeze, flatten, expand,
broadcast_to, cat/stack (and hstack, vstack ...), split, chunk, narrow, flip, rot90, roll, pad.

They move data around without arithmetic, so each backward is the inverse movement.
Ops marked ``is_view`` return NumPy views and share the input's version counter, so an
in-place change to either is seen by both.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .._spellings import numpy_spellings
from .._checks import errors_named, int_arg, ints_arg, is_int, scalar_arg, tensor_arg
from ..autograd.function import Function
from ..backend import array_module, device_of, to_device
from ..tensor import Tensor
from ._util import joined_dtype, normalize_dim, normalize_dims
from .indexing import index_select
from .reduction import sum_to_shape


def _infer_shape(shape, numel, op):
    if not all(is_int(s) for s in shape):
        raise TypeError(f"{op}: shape must be a tuple of ints, got {tuple(shape)!r}")
    shape = tuple(int(s) for s in shape)
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension {min(shape)} in shape {shape}")
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got shape {shape}")
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape {shape} is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    if math.prod(shape) != numel:
        raise RuntimeError(f"{op}: shape {shape} is invalid for input of size {numel}")
    return shape


def as_shape(shape):
    """The sizes of a method's ``*shape`` (``x.reshape(2, 3)`` or ``x.reshape((2, 3))``) as one tuple."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Reshape(Function):
    """a new shape, same elements;  backward: reshape the gradient back"""
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


def reshape(input, shape):
    """The elements of ``input`` in row-major order, in the shape ``shape``.

    Args: ``input`` (Tensor), ``shape`` (a tuple of ints; one size may be -1, inferred from the
    number of elements; ``x.reshape(2, 3)`` also takes the sizes one by one, ``reshape`` only the
    tuple, as in PyTorch). Returns a view where the memory allows it, else a copy.
    Backward: the gradient reshaped back to ``input.shape``."""
    tensor_arg("reshape", "input", input)
    return Reshape.apply(input, _infer_shape(_sequence_arg("reshape", "shape", shape), input.numel(), "reshape"))


def _sequence_arg(op, name, value):
    """``value``, the whole ``shape``/``dims`` argument of the function form (``reshape(x, (2, 3))``),
    which must be a tuple or a list: PyTorch's functions take no loose ints there."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{op}: {name} must be a tuple of ints, got {value!r} ({type(value).__name__})")
    return tuple(value)


def view(input, *shape):
    """The same memory seen in a new shape. As in PyTorch, a shape that the memory's layout
    cannot give without a copy (a dimension spanning two contiguous pieces, as after a
    transpose) is an error; ``reshape`` copies instead."""
    if not shape:
        raise TypeError("view: missing the shape (give () for a 0-d tensor)")
    out = Reshape.apply(input, _infer_shape(as_shape(shape), input.numel(), "view"))
    if out._view is None and input.numel() > 1:
        raise RuntimeError(f"view: size {tuple(out.shape)} is not compatible with the input "
                           f"tensor's size {tuple(input.shape)} and stride (at least one dimension "
                           "spans across two contiguous subspaces); use .reshape(...) instead")
    return out


@numpy_spellings
def squeeze(input, dim=None):
    """``input`` with its size-1 dimensions removed: all of them, or only those in ``dim``.

    Args: ``input``, ``dim`` (int, tuple of ints, or None for every size-1 dim; a listed dim whose
    size is not 1 is left alone, as PyTorch). Returns a view. NumPy's ``axis=`` is accepted too."""
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
    else:
        dims = normalize_dims(dim, input.ndim, "squeeze")
        shape = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    return Reshape.apply(input, shape)


@numpy_spellings
def unsqueeze(input, dim):
    """``input`` with a size-1 dimension inserted at position ``dim``.

    Args: ``input``, ``dim`` (int in [-input.ndim - 1, input.ndim]). Returns a view of shape
    input.shape[:dim] + (1,) + input.shape[dim:]."""
    d = normalize_dim(dim, input.ndim + 1, "unsqueeze")
    shape = input.shape[:d] + (1,) + input.shape[d:]
    return Reshape.apply(input, shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Dimensions ``start_dim`` through ``end_dim`` of ``input`` merged into one, of size the product
    of their sizes.

    Args: ``input``, ``start_dim`` (default 0), ``end_dim`` (default -1). A 0-d input becomes shape
    (1,). Returns a view where the memory allows it."""
    if input.ndim == 0:               # dims 0 and -1 only, as PyTorch's
        normalize_dim(start_dim, 0, "flatten"), normalize_dim(end_dim, 0, "flatten")
        return Reshape.apply(input, (1,))
    s = normalize_dim(start_dim, input.ndim, "flatten")
    e = normalize_dim(end_dim, input.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = input.shape[:s] + (math.prod(input.shape[s:e + 1]),) + input.shape[e + 1:]
    return Reshape.apply(input, shape)


@numpy_spellings
def unflatten(input, dim, sizes):
    """Dimension ``dim`` of ``input`` split into several of sizes ``sizes`` (the inverse of flatten).

    Args: ``input``, ``dim`` (int), ``sizes`` (tuple whose product is input.shape[dim]; one may be
    -1). Returns a view."""
    d = normalize_dim(dim, input.ndim, "unflatten")
    sizes = _infer_shape(sizes, input.shape[d], "unflatten")
    return Reshape.apply(input, input.shape[:d] + tuple(sizes) + input.shape[d + 1:])


class Permute(Function):
    """reorder dims;  backward: the inverse permutation"""
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return g.permute(*inverse), None


def permute(input, dims):
    """``input`` with its dimensions reordered: out.shape[i] = input.shape[dims[i]].

    Args: ``input``, ``dims`` (a permutation of 0..ndim-1, as a tuple; ``x.permute(1, 0)`` also
    takes them one by one, ``permute`` only the tuple, as in PyTorch). Returns a view.
    Backward: the gradient permuted by the inverse permutation."""
    dims = _sequence_arg("permute", "dims", dims)
    tensor_arg("permute", "input", input)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute: number of dims {len(dims)} does not match the tensor's "
                           f"{input.ndim} (shape {tuple(input.shape)})")
    nd = tuple(normalize_dim(d, input.ndim, "permute") for d in dims)
    if sorted(nd) != list(range(input.ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of 0..{input.ndim - 1}")
    return Permute.apply(input, nd)


def transpose(input, dim0, dim1):
    """``input`` with dimensions ``dim0`` and ``dim1`` swapped (swapaxes and swapdims are the same
    function).

    Args: ``input``, ``dim0``, ``dim1`` (ints, negative counts from the end). A 0-d or 1-d input is
    returned as it is. Returns a view."""
    n = input.ndim
    if n < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return Reshape.apply(input, input.shape)
    d0, d1 = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims))


swapaxes = swapdims = transpose


def movedim(input, source, destination):
    """``input`` with dimension(s) ``source`` moved to position(s) ``destination``; the other
    dimensions keep their order.

    Args: ``input``, ``source`` and ``destination`` (ints or equal-length sequences). Returns a view."""
    if isinstance(source, int):
        source, destination = [source], [destination]
    src = [normalize_dim(s, input.ndim, "movedim") for s in source]
    dst = [normalize_dim(d, input.ndim, "movedim") for d in destination]
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Permute.apply(input, tuple(order))


class Expand(Function):
    """broadcast to a larger shape (a view);  backward: sum_to_shape"""
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to_shape(g, ctx.in_shape), None


def expand(input, *sizes):
    """Broadcast to ``sizes``; -1 keeps a dim, new dims may be added in front."""
    sizes = ints_arg("expand", "sizes", as_shape(sizes))
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes {len(sizes)} must be >= the number of "
                           f"dims {input.ndim} (shape {tuple(input.shape)})")
    shape = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise RuntimeError(f"expand: -1 is not allowed for a new leading dim ({sizes})")
            s = input.shape[i - lead]
        elif i >= lead and input.shape[i - lead] not in (1, s):
            raise RuntimeError(f"expand: the expanded size {s} must match the existing size "
                               f"{input.shape[i - lead]} at non-singleton dimension {i}; target "
                               f"sizes {tuple(sizes)}, tensor shape {tuple(input.shape)}")
        shape.append(int(s))
    shape = tuple(shape)
    if shape == input.shape:
        return Reshape.apply(input, shape)
    return Expand.apply(input, shape)


def broadcast_to(input, shape):
    """``input`` broadcast to ``shape`` by NumPy's rules, without copying (the same as
    ``input.expand(*shape)``; -1 keeps a size).

    Returns a view; backward sums the gradient over the broadcast dimensions."""
    return expand(input, *shape)


def expand_as(input, other):
    """``input`` broadcast to the shape of the tensor ``other`` (``input.expand(*other.shape)``).

    Returns a view; backward sums the gradient over the broadcast dimensions."""
    tensor_arg("expand_as", "input", input)
    tensor_arg("expand_as", "other", other)
    return expand(input, *other.shape)


class Cat(Function):
    """join along dim;  backward: split the gradient at the same places"""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.sizes = [x.shape[dim] for x in xs]
        ctx.dim = dim
        return array_module(xs[0]).concatenate(xs, axis=dim, dtype=joined_dtype(xs))

    @staticmethod
    def backward(ctx, g):
        return Split.apply(g, ctx.sizes, ctx.dim)


def tensor_list(op, tensors):
    """``tensors`` -- a tuple or list of tensors -- as a list; one Tensor is refused, as PyTorch
    refuses it, rather than split into its rows."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: tensors must be a tuple or list of Tensors, got a Tensor")
    return list(tensors)


@numpy_spellings
def cat(tensors, dim=0):
    """The tensors joined along the existing dimension ``dim`` (concat and concatenate are the same
    function).

    Args: ``tensors`` (a non-empty sequence of tensors of equal shape except in ``dim``; a 0-d
    tensor raises, as in PyTorch; unlike PyTorch, an empty 1-d tensor of shape (0,) is not
    skipped beside tensors of more dimensions, it raises), ``dim`` (default 0; NumPy's ``axis=``
    works too). Returns a new tensor. Backward: the gradient split at the same places."""
    tensors = tensor_list("cat", tensors)
    if not tensors:
        raise RuntimeError("cat: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"cat: expected a sequence of Tensors, got {type(t).__name__} at position {i}")
        if t.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated")
    ref = tensors[0]
    d = normalize_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or any(a != b for j, (a, b) in enumerate(zip(t.shape, ref.shape)) if j != d):
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {d}; "
                               f"tensor 0 has shape {tuple(ref.shape)}, tensor {i} has shape {tuple(t.shape)}")
    return Cat.apply(*tensors, dim=d)


concat = concatenate = cat


class Stack(Function):
    """join along a new dim;  backward: the slices of the gradient along it"""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim, ctx.n = dim, len(xs)
        return array_module(xs[0]).stack(xs, axis=dim, dtype=joined_dtype(xs))

    @staticmethod
    def backward(ctx, g):
        return unbind(g, ctx.dim)


@numpy_spellings
def stack(tensors, dim=0):
    """The tensors joined along a new dimension ``dim``: out.select(dim, i) == tensors[i].

    Args: ``tensors`` (a non-empty sequence of tensors of one shape), ``dim`` (default 0, in
    [-ndim - 1, ndim]). Returns a new tensor with one more dimension."""
    tensors = tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got "
                               f"{tuple(tensors[0].shape)} at entry 0 and {tuple(t.shape)} at entry {i}")
    d = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return Stack.apply(*tensors, dim=d)


class Split(Function):
    """cut along dim into pieces of the given sizes;  backward: cat the gradients"""
    is_view = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        bounds, start = [], 0
        for s in sizes[:-1]:
            start += s
            bounds.append(start)
        return tuple(array_module(x).split(x, bounds, axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        return Cat.apply(*grads, dim=ctx.dim), None, None


@numpy_spellings
def split(tensor, split_size_or_sections, dim=0):
    """``tensor`` cut along ``dim`` into pieces of ``split_size_or_sections`` elements (the last one
    smaller if it does not divide), or into pieces of the listed sizes.

    Args: ``tensor``, ``split_size_or_sections`` (a positive int, or a list of sizes summing to
    tensor.shape[dim]), ``dim`` (default 0). Returns a tuple of views."""
    d = _dim_of_pieces("split", tensor, dim)
    n = tensor.shape[d]
    if is_int(split_size_or_sections):
        step = int(split_size_or_sections)
        if not -2 ** 63 <= step < 2 ** 63:
            raise ValueError(f"split: split_size must fit in int64, got {step}")
        if step <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = list(ints_arg("split", "split_size_or_sections", split_size_or_sections, min=0))
        if sum(sizes) != n:
            raise RuntimeError(f"split: sections {sizes} do not sum to the size {n} of dim {d}")
    if len(sizes) == 1:
        return (Reshape.apply(tensor, tensor.shape),)
    return Split.apply(tensor, sizes, d)


@numpy_spellings
def chunk(input, chunks, dim=0):
    """``input`` cut into at most ``chunks`` pieces of ceil(size / chunks) elements along ``dim``
    (the last smaller; fewer pieces where the size does not allow ``chunks``, as PyTorch; an
    empty dim gives ``chunks`` empty pieces, as PyTorch).

    Args: ``input``, ``chunks`` (int >= 1), ``dim`` (default 0). Returns a tuple of views."""
    d = _dim_of_pieces("chunk", input, dim)
    chunks = ints_arg("chunk", "chunks", int_arg("chunk", "chunks", chunks, min=1), 1)[0]     # within int64
    if input.shape[d] == 0:
        return split(input, [0] * chunks, d)
    size = -(-input.shape[d] // chunks)
    return split(input, max(size, 1), d)


@numpy_spellings
def unbind(input, dim=0):
    """The slices of ``input`` along ``dim``, each without that dimension (the inverse of stack).

    Args: ``input``, ``dim`` (default 0). Returns a tuple of input.shape[dim] views."""
    d = _dim_of_pieces("unbind", input, dim)
    if input.shape[d] == 0:
        return ()
    pieces = split(input, 1, d)
    return tuple(p.squeeze(d) for p in pieces)


def _dim_of_pieces(op, input, dim):
    """The dim split / chunk / unbind cut along: a 0-d tensor has none to cut."""
    tensor_arg(op, "input", input)
    if input.ndim == 0:
        raise RuntimeError(f"{op}: expects at least a 1-dimensional tensor, got a 0-d tensor")
    return normalize_dim(dim, input.ndim, op)


class Flip(Function):
    """reverse the order along dims;  backward: flip again"""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return array_module(x).flip(x, dims)

    @staticmethod
    def backward(ctx, g):
        return g.flip(ctx.dims), None


def flip(input, dims):
    """``input`` with the order of its elements reversed along each of ``dims``:
    out[..., i, ...] = input[..., n - 1 - i, ...].

    Args: ``input``, ``dims`` (a tuple of ints, as PyTorch's; the method takes ints too:
    ``x.flip(0)``). Backward: the gradient flipped again."""
    dims = ints_arg("flip", "dims", dims, sequence=True)
    return Flip.apply(input, normalize_dims(dims, input.ndim, "flip"))


class Roll(Function):
    """shift elements cyclically;  backward: roll back by -shifts"""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return array_module(x).roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        neg = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return roll(g, neg, ctx.dims), None, None


def roll(input, shifts, dims=None):
    """``input``'s elements shifted cyclically: out[(i + shift) % n] = input[i] along each dim.

    Args: ``input``, ``shifts`` (int or tuple), ``dims`` (int, tuple of the same length as
    ``shifts``, or None to roll the flattened tensor and restore its shape). Returns a copy.
    Backward: the gradient rolled by -shifts."""
    shifts = ints_arg("roll", "shifts", shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: without dims, shifts must be one shift (of the flattened tensor), "
                               f"got shifts {shifts}")
        return Roll.apply(input.flatten(), shifts[0], None).reshape(input.shape)
    dims = ints_arg("roll", "dims", dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dims must have the same length, got shifts {shifts} and "
                           f"dims {dims}")
    if input.numel() == 0:
        return input.clone()           # PyTorch returns an empty copy before it checks the dims' range
    dims = tuple(normalize_dim(d, input.ndim, "roll") for d in dims)
    return Roll.apply(input, shifts, dims)


class ConstantPad(Function):
    """pad with a constant;  backward: the gradient's centre (a slice)"""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        xp = array_module(x)
        return xp.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        key = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(ctx.widths))
        return g[key], None, None


def _pad_value(value, dtype):
    """pad's ``value`` as PyTorch takes it: a real number (a bool too; None is 0), read as a
    float, that fits ``dtype`` (``scalar_arg``: -1 is no uint8 here)."""
    if value is None:
        return 0.0
    if not isinstance(value, (numbers.Real, np.bool_)):
        raise TypeError(f"pad: value must be a real number, got {value!r} ({type(value).__name__})")
    return scalar_arg("pad", "value", float(value), dtype)


def pad(input, pad, mode="constant", value=0.0):
    """Pad the last dims: ``pad = (left, right, top, bottom, ...)`` from the last dim backwards.

    ``mode``: 'constant' (with ``value``), 'reflect' (mirror without repeating the edge),
    'replicate' (repeat the edge) or 'circular' (wrap around). reflect/replicate/circular are
    index_select with computed indices, so their backward (an index_add) comes for free. A
    negative width crops (PyTorch's rules: constant and circular crop first, then pad; reflect and
    replicate take the positions -left .. size + right of the uncropped input).
    """
    pad = ints_arg("pad", "pad", pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} must be even and cover at most "
                           f"{input.ndim} dims (shape {tuple(input.shape)})")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        sizes = [input.shape[d] + lo + hi for d, (lo, hi) in enumerate(widths)]
        padded = range(input.ndim - len(pad) // 2, input.ndim)
        for d in range(input.ndim):
            if sizes[d] < 0:
                raise RuntimeError(f"pad: padding {tuple(pad)} would make dim {d} of size {input.shape[d]} "
                                   f"negative (input shape {tuple(input.shape)})")
        if mode in ("reflect", "replicate") and all(sizes[d] == 0 for d in padded):     # PyTorch's rule
            raise RuntimeError(f"pad: padding {tuple(pad)} would leave nothing of the input of shape "
                               f"{tuple(input.shape)} in mode {mode!r}")
        if mode not in ("reflect", "replicate"):
            # a negative width crops: slice first, then pad with what is left (PyTorch's
            # constant and circular modes); reflect and replicate read positions -lo .. n + hi
            # of the whole input, as PyTorch's do
            crop = tuple(slice(-min(lo, 0), input.shape[d] + min(hi, 0)) for d, (lo, hi) in enumerate(widths))
            input = input[crop]
            widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    if mode == "constant":
        value = _pad_value(value, input.dtype)
        if all(lo == hi == 0 for lo, hi in widths):
            return Reshape.apply(input, input.shape)
        return ConstantPad.apply(input, tuple(widths), value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: unknown mode {mode!r}; use 'constant', 'reflect', 'replicate' or "
                                  f"'circular' (PyTorch raises NotImplementedError too)")
    xp = array_module(input.data)
    out = input
    for d, (lo, hi) in enumerate(widths):
        if lo == hi == 0:
            continue
        n = input.shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the size "
                               f"{n} of dim {d} (shape {tuple(input.shape)})")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError(f"pad: circular padding ({lo}, {hi}) wraps around dim {d} of size {n} more "
                               f"than once (shape {tuple(input.shape)})")
        pos = xp.arange(-lo, n + hi)
        if mode == "reflect":
            period = 2 * (n - 1) if n > 1 else 1
            pos = xp.abs(pos) % period
            pos = xp.where(pos >= n, period - pos, pos)
        elif mode == "replicate":
            pos = xp.clip(pos, 0, n - 1)
        else:
            pos = pos % n
        out = index_select(out, d, Tensor(pos))
    return out


@numpy_spellings
def narrow(input, dim, start, length):
    """The ``length`` entries from ``start`` along ``dim`` (start may be negative)."""
    d = normalize_dim(dim, tensor_arg("narrow", "input", input).ndim, "narrow")
    n = input.shape[d]
    if isinstance(start, Tensor) and start.ndim == 0 and start.dtype.kind in "iu":
        start = start.item()                 # PyTorch's overload with a 0-d integer tensor start
    start, length = int_arg("narrow", "start", start), int_arg("narrow", "length", length)
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds the size {n} of "
                         f"dimension {d} (shape {tuple(input.shape)})")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims`` (from the first dim towards the second)."""
    k, dims = ints_arg("rot90", "k", int_arg("rot90", "k", k), 1)[0], ints_arg("rot90", "dims", dims, sequence=True)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    d0, d1 = (normalize_dim(d, input.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: rotation dims must differ, got {tuple(dims)}")
    k %= 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return Reshape.apply(input, input.shape)


def t(input):
    """The transpose of a 2-D tensor (a 0-d or 1-D tensor as it is)."""
    if input.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but got shape {tuple(input.shape)}")
    return transpose(input, 0, -1) if input.ndim == 2 else Reshape.apply(input, input.shape)


def ravel(input):
    """The elements as a 1-D tensor."""
    return Reshape.apply(input, (input.numel(),))


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (0-d becomes shape (1,))."""
    out = tuple(t.reshape(1) if t.ndim == 0 else t for t in _tensors("atleast_1d", tensors))
    return out[0] if len(out) == 1 else out


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims (new leading dims of size 1)."""
    out = tuple(t.reshape((1,) * (2 - t.ndim) + tuple(t.shape)) if t.ndim < 2 else t
                for t in _tensors("atleast_2d", tensors))
    return out[0] if len(out) == 1 else out


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: (n,) -> (1, n, 1), (m, n) -> (m, n, 1), as NumPy."""
    def lift(t):
        if t.ndim == 0:
            return t.reshape(1, 1, 1)
        if t.ndim == 1:
            return t.reshape(1, t.shape[0], 1)
        return t.unsqueeze(-1) if t.ndim == 2 else t
    out = tuple(lift(t) for t in _tensors("atleast_3d", tensors))
    return out[0] if len(out) == 1 else out


def _tensors(op, tensors):
    """The tensors of ``f(a, b)`` or ``f([a, b])``, each checked to be a Tensor."""
    tensors = tuple(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    for t in tensors:
        tensor_arg(op, "each input", t)
    return tensors


@errors_named("hstack")
def hstack(tensors):
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    ts = [atleast_1d(t) for t in tensor_list("hstack", tensors)]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


@errors_named("vstack")
def vstack(tensors):
    """Concatenate along dim 0, after making every tensor at least 2-D."""
    return cat([atleast_2d(t) for t in tensor_list("vstack", tensors)], 0)


row_stack = vstack


@errors_named("dstack")
def dstack(tensors):
    """Concatenate along dim 2, after making every tensor at least 3-D."""
    return cat([atleast_3d(t) for t in tensor_list("dstack", tensors)], 2)


@errors_named("column_stack")
def column_stack(tensors):
    """Stack as columns: 0-d and 1-D tensors become (n, 1) columns, then concatenate along dim 1."""
    cols = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensor_list("column_stack", tensors)]
    return cat(cols, 1)


class ToDevice(Function):
    """x copied to another device;  backward: the gradient copied back"""

    @staticmethod
    def forward(ctx, x, device):
        ctx.src = device_of(x)
        return to_device(x, device)

    @staticmethod
    def backward(ctx, g):
        return ToDevice.apply(g, ctx.src), None


__all__ = ["reshape", "view", "squeeze", "unsqueeze", "flatten", "unflatten", "permute", "transpose",
           "swapaxes", "swapdims", "movedim", "expand", "broadcast_to", "expand_as", "cat",
           "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "split", "chunk", "unbind", "narrow", "flip", "rot90", "roll", "pad", "t", "ravel",
           "atleast_1d", "atleast_2d", "atleast_3d"]
