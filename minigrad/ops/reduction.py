"""Reductions: sum, mean, max/min (values and indices), amax/amin, prod, var, std (and
var_mean/std_mean), logsumexp, softmax, norm, and ``sum_to_shape`` -- the one helper every broadcasting op uses
to bring a gradient back to its input's shape.
"""
from __future__ import annotations

import builtins
from collections import namedtuple

from .._spellings import numpy_spellings
import numpy as np

from .._checks import accumulate_dtype_arg, bool_arg, dtype_arg, errors_named, number_arg, tensor_arg
from .. import ops             # (this package, still loading: ops.shape is looked up when used, as
                               # shape.py imports this module; an import inside _expand_back would
                               # cost a trip through the import machinery on every backward)
from ..autograd.function import Function
from ..backend import array_module
from ..tensor import Tensor
from ._util import float_input, float_only, keepdim_with_dim, normalize_dim, normalize_dims, reduced_dims

max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


def _kept_shape(shape, dims):
    """``shape`` with the reduced ``dims`` set to 1 (the keepdim shape)."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _expand_back(g, shape, dims, keepdim):
    """Broadcast a reduced gradient back over the reduced dims. The shapes are right by
    construction, so the Functions are applied directly, without the argument checks of
    ``reshape``/``expand``; a 0-d gradient (of a full reduction) broadcasts as it is."""
    if not keepdim and g.ndim:
        g = ops.shape.Reshape.apply(g, _kept_shape(shape, dims))
    shape = tuple(shape)
    return ops.shape.Reshape.apply(g, shape) if g.data.shape == shape else ops.shape.Expand.apply(g, shape)


def sum_to_shape(g, shape):
    """Sum the gradient ``g`` of a broadcast result down to ``shape`` (the input's shape)."""
    shape = tuple(shape)
    have = g.data.shape
    if have == shape:
        return g
    lead = len(have) - len(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                       if s == 1 and have[lead + i] != 1)
    out = Sum.apply(g, dims, True) if dims else g
    return out.reshape(shape) if out.data.shape != shape else out


class Sum(Function):
    """sum over dims;  d/dx_i = 1 (the gradient is broadcast back)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if x.dtype.kind in "biu":       # bools and integers sum in int64, as PyTorch's (NumPy: uint64 for uint8)
            x = x.astype("int64", copy=False)
        return x.sum(axis=None if len(dims) == x.ndim else dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim), None, None


@numpy_spellings
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    """The sum over ``dim`` (all dims when None)."""
    tensor_arg("sum", "input", input)
    if dtype is not None:                    # summed in dtype, as PyTorch: the input is cast first
        dtype = accumulate_dtype_arg("sum", input, dtype)
        out = Sum.apply(input.to(dtype), reduced_dims(dim, input.ndim, "sum"), keepdim)
        return out if out.dtype == dtype else out.to(dtype)     # NumPy widens small integers
    return Sum.apply(input, reduced_dims(dim, input.ndim, "sum"), keepdim)


class Mean(Function):
    """mean over dims;  d/dx_i = 1/n"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.n = n
        return x.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.n, ctx.shape, ctx.dims, ctx.keepdim), None, None


@numpy_spellings
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean over ``dim`` (all dims when None); needs a floating point input."""
    tensor_arg("mean", "input", input)
    if dtype is not None:
        dtype = dtype_arg("mean", dtype)
        if dtype.kind not in "fc":
            raise RuntimeError(f"mean: dtype must be a floating point or complex dtype, got {dtype}")
    elif input.dtype.kind not in "fc":
        raise RuntimeError(f"mean: needs a floating point input, got {input.dtype}; "
                           "use .float() first or pass dtype=")
    x = input if dtype is None else input.to(dtype)
    return Mean.apply(x, reduced_dims(dim, input.ndim, "mean"), keepdim)


class Var(Function):
    """variance over dims with ``correction``, or its square root (``root``: std);
    d var/dx_i = 2 (x_i - mean) / (n - correction),  d std/dx_i = d var/dx_i / (2 std) (0 where std is 0)

    As PyTorch: a real input is summed in float64 and the root taken there before the result is
    rounded to the input's dtype (so the std of 1e30-sized float32 values is finite, though their
    variance overflows); the value divides by max(n - correction, 0) (inf, or NaN for a constant
    slice, when that is 0; NaN over no elements, whatever the correction); the gradient of a full
    reduction with no degrees of freedom is inf (NaN where x_i equals the mean), and the gradient
    over given dims divides by n - correction as it is.
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim, correction, all_dims, root=False):
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.shape, ctx.dims, ctx.keepdim, ctx.dof, ctx.all_dims = x.shape, dims, keepdim, n - correction, all_dims
        ctx.root = root
        xp = array_module(x)
        wide = x.astype("float64") if x.dtype.kind == "f" else x      # PyTorch's accumulator
        centred = wide - wide.mean(axis=dims, keepdims=True) if n else wide
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = (centred * centred).sum(axis=dims, keepdims=keepdim) / builtins.max(ctx.dof, 0)
            if not n:
                out = xp.full_like(out, np.nan)     # no mean: NaN, whatever the correction
            if root:
                out = xp.sqrt(out)
            out = out.astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out) if root else ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, g):
        x, *std = ctx.saved_tensors
        if ctx.root:            # d std = d var / (2 std), 0 where std is 0 (as PyTorch's std_backward)
            (std,) = std
            g = (g / (std * 2)).masked_fill(std == 0, 0.0)
        g = _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim)
        centred = x - Mean.apply(x, ctx.dims, True)
        if ctx.dof > 0 or not ctx.all_dims:
            scale = 2.0 / ctx.dof if ctx.dof != 0 else float("inf")
            return g * centred * scale, None, None, None, None, None
        inf = x.new_full(ctx.shape, float("inf")).masked_fill(centred == 0, float("nan"))
        return g * inf, None, None, None, None, None


def _var(name, input, dim, unbiased, keepdim, correction, root):
    if isinstance(dim, bool):                   # var(x, False): the old positional ``unbiased``
        dim, unbiased = None, dim
    if unbiased is not None:
        bool_arg(name, "unbiased", unbiased)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    else:
        correction = number_arg(name, "correction", correction)
    if input.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: needs a floating point input, got {input.dtype}")
    dims = reduced_dims(dim, input.ndim, name)
    every = dim is None or isinstance(dim, (tuple, list)) and len(dim) == 0
    return Var.apply(input, dims, keepdim, correction, every, root)


@numpy_spellings
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with ``correction`` (1 = Bessel's, the default; 0 = population).
    ``unbiased=False`` is the old spelling of ``correction=0``."""
    return _var("var", input, dim, unbiased, keepdim, correction, False)


@numpy_spellings
@errors_named("std")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The standard deviation: the square root of ``var``, taken before rounding to the input's
    dtype (as PyTorch)."""
    return _var("std", input, dim, unbiased, keepdim, correction, True)


@numpy_spellings
@errors_named("var_mean")
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim``, in one call (as ``var`` and ``mean``)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim, keepdim))


@numpy_spellings
@errors_named("std_mean")
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``, in one call (as ``std`` and ``mean``)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim, keepdim))


class AMax(Function):
    """max over dims;  the gradient is split evenly between tied maxima (as PyTorch's amax)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        y = x.max(axis=dims, keepdims=True) if largest else x.min(axis=dims, keepdims=True)
        ctx.save_for_backward(x, y)
        return y if keepdim else y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        hit = (x == y).to(g.dtype)
        share = hit / Sum.apply(hit, ctx.dims, True)
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim) * share, None, None, None


def _extremum_dims(op, input, dim):
    """The dims amax/amin reduce (all when ``dim`` is empty); none of them may be empty, as a
    maximum of nothing has no value."""
    dims = reduced_dims(dim, input.ndim, op)
    empty = [d for d in dims if input.shape[d] == 0]
    if empty:
        raise RuntimeError(f"{op}: cannot reduce over dim {empty[0]} of size 0 (input shape "
                           f"{tuple(input.shape)}); give a dim whose size is not 0")
    return dims


@numpy_spellings
def amax(input, dim=(), keepdim=False):
    """The maximum over ``dim`` (all dims when empty); tied maxima share the gradient."""
    return AMax.apply(input, _extremum_dims("amax", input, dim), keepdim, True)


@numpy_spellings
def amin(input, dim=(), keepdim=False):
    """The minimum over ``dim`` (all dims when empty); tied minima share the gradient."""
    return AMax.apply(input, _extremum_dims("amin", input, dim), keepdim, False)


class MaxDim(Function):
    """max along one dim with indices;  the gradient goes to the element the index points at"""

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest):
        xp = array_module(x)
        idx = xp.argmax(x, axis=dim) if largest else xp.argmin(x, axis=dim)
        idx = xp.expand_dims(idx, dim)
        values = xp.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        ctx.save_for_backward(idx)
        ctx.mark_non_differentiable(idx)
        return values, idx

    @staticmethod
    def backward(ctx, g, _g_idx):
        (idx,) = ctx.saved_tensors
        if not ctx.keepdim:
            g, idx = g.unsqueeze(ctx.dim), idx.unsqueeze(ctx.dim)
        return g.new_zeros(ctx.shape).scatter_add(ctx.dim, idx, g), None, None, None


def _max_min(input, dim, keepdim, largest, name):
    if isinstance(dim, Tensor):                 # torch.max(a, b) is the elementwise maximum
        return input.maximum(dim) if largest else input.minimum(dim)
    keepdim = keepdim_with_dim(name, dim, keepdim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}: cannot reduce an empty tensor")
        return AMax.apply(input, tuple(range(input.ndim)), False, largest)
    d = normalize_dim(dim, input.ndim, name)
    if input.ndim == 0:
        values = AMax.apply(input, (), keepdim, largest)
        return (max_result if largest else min_result)(values, Tensor(array_module(input.data).zeros((), "int64")))
    values, indices = MaxDim.apply(input, d, keepdim, largest)
    return (max_result if largest else min_result)(values, indices)


@numpy_spellings
def max(input, dim=None, keepdim=False):  # noqa: A001
    """Full max (ties share the gradient), or ``(values, indices)`` along ``dim``;
    ``max(a, b)`` with a tensor is the element-wise maximum."""
    return _max_min(input, dim, keepdim, True, "max")


@numpy_spellings
def min(input, dim=None, keepdim=False):  # noqa: A001
    """Full min, or ``(values, indices)`` along ``dim``; ``min(a, b)`` with a tensor is the element-wise minimum."""
    return _max_min(input, dim, keepdim, False, "min")


def _arg_extreme(input, dim, keepdim, largest, op):
    if tensor_arg(op, "input", input).dtype.kind == "b":
        raise RuntimeError(f"{op}: does not support bool input (as PyTorch's)")
    xp = array_module(input.data)
    find = xp.argmax if largest else xp.argmin
    if dim is None:                      # of the flattened tensor; keepdim keeps every dim, size 1
        flat = xp.asarray(find(input.data))
        return Tensor(flat.reshape((1,) * input.ndim) if keepdim else flat)
    return Tensor(find(input.data, axis=normalize_dim(dim, input.ndim, op), keepdims=keepdim))


@numpy_spellings
def argmax(input, dim=None, keepdim=False):
    """The index of the maximum (of the flattened tensor when ``dim`` is None)."""
    return _arg_extreme(input, dim, keepdim, True, "argmax")


@numpy_spellings
def argmin(input, dim=None, keepdim=False):
    """The index of the minimum (of the flattened tensor when ``dim`` is None)."""
    return _arg_extreme(input, dim, keepdim, False, "argmin")


class Prod(Function):
    """product over one dim (or all);  d/dx_i = prod_{j != i} x_j

    Without zeros this is prod(x) / x_i (differentiable again). With zeros the exact
    exclusive products are used, first order only.
    """

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        ctx.save_for_backward(x)
        if dim is None:                 # in x's dtype: NumPy widens small integers and bools to int64
            return x.prod(dtype=x.dtype)
        return x.prod(axis=dim, keepdims=keepdim, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        dims = tuple(range(len(ctx.shape))) if ctx.dim is None else (ctx.dim,)
        g = _expand_back(g, ctx.shape, dims, ctx.keepdim)
        if not bool((x.data == 0).any()):
            return g * (Prod.apply(x, ctx.dim, True) / x), None, None
        xp = array_module(x.data)
        flat = x.data.reshape(-1) if ctx.dim is None else xp.moveaxis(x.data, ctx.dim, -1)
        ones = xp.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
        left = xp.concatenate([ones, xp.cumprod(flat, axis=-1)[..., :-1]], axis=-1)
        right = xp.flip(xp.concatenate([ones, xp.cumprod(xp.flip(flat, -1), axis=-1)[..., :-1]], -1), -1)
        excl = left * right
        excl = excl.reshape(ctx.shape) if ctx.dim is None else xp.moveaxis(excl, -1, ctx.dim)
        return g * Tensor(excl), None, None


@numpy_spellings
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product over ``dim`` (all elements when None), in ``dtype`` if given; integer and
    bool tensors multiply in int64, as PyTorch."""
    tensor_arg("prod", "input", input)
    d = None if dim is None else normalize_dim(dim, input.ndim, "prod")
    if dtype is not None:
        input = input.to(accumulate_dtype_arg("prod", input, dtype))
    elif input.dtype.kind in "biu" and input.dtype != "int64":
        input = input.to("int64")
    if d is None and keepdim:               # every dim reduced, and kept (as sum's and mean's)
        return Prod.apply(input, None, False).reshape((1,) * input.ndim)
    return Prod.apply(input, d, keepdim)


def logsumexp_array(x, dims):
    """log(sum(exp(x))) over ``dims`` of an array, keeping the dims: the max is taken out first
    so that nothing overflows (an all -inf slice gives -inf, not nan)."""
    xp = array_module(x)
    axes = dims if isinstance(dims, tuple) else (dims,)
    if builtins.any(x.shape[d] == 0 for d in axes):   # an empty sum: log(0) = -inf, as PyTorch
        return xp.full(_kept_shape(x.shape, axes), -xp.inf, dtype=x.dtype)
    m = x.max(axis=dims, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    return xp.log(xp.exp(x - m).sum(axis=dims, keepdims=True)) + m


class LogSumExp(Function):
    """log(sum(exp(x))) over dims, computed stably;  d/dx = softmax(x) = exp(x - y)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        y = logsumexp_array(x, dims)
        if not keepdim:
            y = y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if not ctx.keepdim:
            y = y.reshape(_kept_shape(ctx.shape, ctx.dims))
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim) * (x - y).exp(), None, None


@numpy_spellings
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) over ``dim`` (an int or a tuple of ints, as PyTorch's: None is refused),
    computed without overflow; an integer or bool tensor in the default float dtype, as PyTorch."""
    tensor_arg("logsumexp", "input", input)
    if dim is None:
        raise TypeError("logsumexp: dim must be an int or a tuple of ints, got None")
    if isinstance(dim, (tuple, list)) and len(dim) == 0 and input.ndim:    # PyTorch's refuses it there
        raise RuntimeError(f"logsumexp: dim=() reduces no dim of an input of shape {tuple(input.shape)}; "
                           "name the dims")
    return LogSumExp.apply(float_input(input), normalize_dims(dim, input.ndim, "logsumexp"), keepdim)


class ShiftByMax(Function):
    """x minus its max along ``dim`` (0 where that max is -inf: an all -inf slice; a +inf max
    makes its whole slice NaN, as in PyTorch's softmax);  backward: the gradient
    as it is -- exact for what this feeds: softmax and log_softmax do not change when a constant
    is subtracted along ``dim``, so the gradient through the max is exactly zero."""

    @staticmethod
    def forward(ctx, x, dim):
        xp = array_module(x)
        m = x.max(axis=dim, keepdims=True)
        with np.errstate(invalid="ignore"):       # inf - inf
            return x - xp.where(m == -xp.inf, 0, m)

    @staticmethod
    def backward(ctx, g):
        return g, None


def _shifted(op, input, dim, dtype):
    """The input of softmax/log_softmax (cast to ``dtype``) minus its max along ``dim``:
    logsumexp(x - max) is near 0, where float32 still resolves the differences (x = -1e9 + d:
    logsumexp(x) = -1e9 + log(4) rounds to -1e9, and exp(x - it) would give 1 for every d)."""
    x = input if dtype is None else input.to(dtype)
    if x.dtype.kind not in "fc" and x.numel() > 0:      # an empty one of any dtype is returned, as PyTorch's
        raise RuntimeError(f"{op}: needs a floating point input, got {x.dtype} (pass dtype=)")
    d = normalize_dim(dim, x.ndim, op)
    if x.ndim == 0 or x.numel() == 0:
        return x, d
    return ShiftByMax.apply(x, d), d


@numpy_spellings
def softmax(input, dim, dtype=None):
    """exp(x) / sum(exp(x)) along dim, as exp(z - logsumexp(z)) with z = x - max(x): stable,
    and differentiable to any order because it is made of primitives. ``dim`` is required, as in
    ``torch.softmax``; ``F.softmax`` also takes PyTorch's deprecated ``dim=None``."""
    tensor_arg("softmax", "input", input)
    z, d = _shifted("softmax", input, dim, dtype)
    if z.numel() == 0 and z.dtype.kind not in "fc":
        return z.clone()
    return (z - logsumexp(z, d, keepdim=True)).exp()


@numpy_spellings
def log_softmax(input, dim, dtype=None):
    """z - logsumexp(z) along dim, z = x - max(x) (never takes the log of a rounded-to-zero
    probability). ``dim`` is required; ``F.log_softmax`` also takes ``dim=None``."""
    z, d = _shifted("log_softmax", input, dim, dtype)
    if z.numel() == 0 and z.dtype.kind not in "fc":
        return z.clone()
    return z - logsumexp(z, d, keepdim=True)


# ----------------------------------------------------------------------------- norms and logical tests

class Norm2(Function):
    """sqrt(sum x^2) over dims;  d/dx = x / norm, 0 where the norm is 0 (PyTorch's subgradient:
    a zero vector gets a zero gradient, not 0/0 = NaN)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = array_module(x)
        y = xp.asarray(xp.sqrt((x * x).sum(axis=dims, keepdims=True)), dtype=x.dtype)
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.save_for_backward(x, y)
        return y if keepdim else y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        g = _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim)
        zero = y == 0
        return x * (g / y.masked_fill(zero, 1.0)).masked_fill(zero, 0.0), None, None


class CountNonzero(Function):
    """The number of non-zero elements over dims (the 0-"norm"), in the input's dtype;  its
    derivative is 0 wherever it exists: no gradient reaches x (PyTorch's leaves x.grad None)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = array_module(x)
        y = xp.asarray((x != 0).sum(axis=dims, keepdims=True), dtype=x.dtype)
        return y if keepdim else y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))

    @staticmethod
    def backward(ctx, g):
        return None, None, None


class NuclearNorm(Function):
    """The sum of the singular values of each matrix spanned by the two ``dims``;  d/dA = U V^T
    (A = U diag(s) V^T, the thin SVD) -- at a repeated or zero singular value a subgradient, the
    one PyTorch's gradient gives (I for the zero matrix). Backward takes U V^T as a constant:
    first derivatives only."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = array_module(x)
        a = xp.moveaxis(x, dims, (-2, -1))
        if a.size:
            u, sv, vh = xp.linalg.svd(a, full_matrices=False)
            y, uvh = sv.sum(axis=-1).astype(x.dtype), (u @ vh).astype(x.dtype)
        else:
            y, uvh = xp.zeros(a.shape[:-2], dtype=x.dtype), xp.zeros_like(a)
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.uvh = xp.moveaxis(uvh, (-2, -1), dims)
        return xp.expand_dims(y, dims) if keepdim else y

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim) * Tensor(ctx.uvh), None, None


def _nuclear_norm(input, dim, keepdim):
    """norm(p='nuc'): over a 2-D input, or the two dims ``dim`` names (PyTorch's matrix_norm rules)."""
    if input.dtype == np.float16:
        raise RuntimeError("norm: p='nuc' does not support float16 (low precision), as PyTorch's matrix_norm")
    if dim is None:
        if input.ndim != 2:
            raise RuntimeError(f"norm: p='nuc' needs a 2-D input, or dim=(a, b) naming the matrix dims; got "
                               f"an input of shape {tuple(input.shape)}")
        dim = (0, 1)
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"norm: p='nuc' needs dim to be a 2-tuple, got {dim!r}")
    return NuclearNorm.apply(input, normalize_dims(dim, input.ndim, "norm"), keepdim)


@numpy_spellings
def norm(input, p="fro", dim=None, keepdim=False):
    """The p-norm (2 by default; 'fro' is 2 over all dims; inf / -inf for the max / min of |x|;
    0 counts the non-zero elements; 'nuc', the nuclear norm of a matrix: ``NuclearNorm``; None is 2)."""
    float_only("norm", input)
    if p is None:
        p = 2
    if isinstance(p, str) and p not in ("fro", "nuc") or not isinstance(p, (str, int, float)) or isinstance(p, bool):
        raise ValueError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    if p == "nuc":
        return _nuclear_norm(input, dim, bool_arg("norm", "keepdim", keepdim))
    dims = reduced_dims(dim, input.ndim, "norm")
    if p in ("fro", 2, 2.0):
        return Norm2.apply(input, dims, keepdim)
    if p == float("inf"):
        return amax(input.abs(), dims, keepdim)
    if p == -float("inf"):
        return amin(input.abs(), dims, keepdim)
    if p == 0:
        return CountNonzero.apply(input, dims, keepdim)
    if p == 1:
        return sum(input.abs(), dims, keepdim)
    return sum(input.abs() ** p, dims, keepdim) ** (1.0 / p)


def _truth_in(input, result):
    """all's and any's result: bool, but uint8 for a uint8 input, as PyTorch's."""
    return array_module(input.data).asarray(result, dtype=np.uint8 if input.dtype == np.uint8 else bool)


@numpy_spellings
def all(input, dim=None, keepdim=False):  # noqa: A001
    """True where every element (along ``dim``) is non-zero; not differentiable."""
    dims = normalize_dims(dim, tensor_arg("all", "input", input).ndim, "all")
    keepdim = bool_arg("all", "keepdim", keepdim)
    return Tensor(_truth_in(input, input.data.all(axis=dims, keepdims=keepdim)))


@numpy_spellings
def any(input, dim=None, keepdim=False):  # noqa: A001
    """True where some element (along ``dim``) is non-zero; not differentiable."""
    dims = normalize_dims(dim, tensor_arg("any", "input", input).ndim, "any")
    keepdim = bool_arg("any", "keepdim", keepdim)
    return Tensor(_truth_in(input, input.data.any(axis=dims, keepdims=keepdim)))


__all__ = ["sum", "mean", "var", "std", "var_mean", "std_mean", "amax", "amin", "max", "min",
           "argmax", "argmin", "prod", "logsumexp", "softmax", "log_softmax", "norm", "all", "any"]
