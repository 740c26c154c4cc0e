"""Small helpers shared by the op files: dims, and dtype promotion and agreement."""
from __future__ import annotations

import numpy as np

from .._checks import bool_arg, is_int
from ..backend import get_default_dtype


def shape_of(x):
    """Shape of an array operand, or None for a Python number."""
    return getattr(x, "shape", None)


def float16_with_float32_params(op, input, **params):
    """Whether ``input`` is float16 and every given parameter float32: the one mix PyTorch's
    normalization layers take (a float32 module on half activations; computed in float32, returned
    as float16). Any other disagreement is ``same_dtype``'s error."""
    given = [p for p in params.values() if p is not None]
    if input.dtype == np.float16 and given and all(p.dtype == np.float32 for p in given):
        return True
    same_dtype(op, input, **params)
    return False


def same_dtype(op, input, **params):
    """A layer's parameters and its input must share one dtype (PyTorch does not promote there):
    a float64 module called on float32 input raises instead of returning float64."""
    for name, p in params.items():
        if p is not None and p.dtype != input.dtype:
            raise RuntimeError(f"{op}: expected scalar type {p.dtype} but found {input.dtype}: the "
                               f"input is {input.dtype} and the {name} {p.dtype}; convert the input "
                               f"(x.to(mg.{p.dtype})) or the module (.to(mg.{input.dtype}))")


def normalize_dim(dim, ndim, op):
    """Turn a possibly negative dim into 0..ndim-1, with an error naming the op."""
    n = ndim or 1                       # a 0-d tensor accepts dim 0 and -1
    if type(dim) is int and -n <= dim < n:
        return dim % n                  # the common case, checked quickly
    if not is_int(dim):
        raise TypeError(f"{op}: dim must be an int, got {dim!r} ({type(dim).__name__})")
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim % n


def normalize_dims(dim, ndim, op):
    """``dim`` (None, int or sequence) as a sorted tuple of non-negative dims; None = all. A 0-d
    tensor accepts dim 0 and -1, as PyTorch, and has no dim to reduce: the result is ()."""
    if dim is None:
        return tuple(range(ndim))
    if is_int(dim):
        dim = (dim,)
    elif not isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r} ({type(dim).__name__})")
    out = [normalize_dim(d, ndim, op) for d in dim]
    if len(set(out)) != len(out):
        repeated = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"{op}: dim {repeated} appears multiple times in the list of dims {tuple(dim)}")
    return tuple(sorted(out)) if ndim else ()


def keepdim_with_dim(op, dim, keepdim):
    """``keepdim`` as a bool, which may be True only with a ``dim``: PyTorch's ``min``, ``max`` and
    ``median`` reduce every dim only in their overload without either, so ``min(x, keepdim=True)``
    is refused rather than silently giving a 0-d tensor."""
    keepdim = bool_arg(op, "keepdim", keepdim)
    if keepdim and dim is None:
        raise TypeError(f"{op}: keepdim=True needs a dim ({op}(input) reduces every dim to a 0-d tensor)")
    return keepdim


def reduced_dims(dim, ndim, op):
    """The dims a reduction (sum, mean, var, amax, norm, count_nonzero) reduces, as
    ``normalize_dims`` gives them -- but an empty tuple or list means every dim, as in PyTorch
    (``x.sum(dim=())`` is ``x.sum()``)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    return normalize_dims(dim, ndim, op)


def float_input(input):
    """``input`` for an op whose result is a float (exp, sin, sigmoid ...): an integer or bool
    tensor is cast to the default float dtype first, as PyTorch promotes it (never computed in
    float64, never truncated back to ints)."""
    dtype = getattr(input, "dtype", None)
    if dtype is not None and dtype.kind in "biu":
        return input.to(get_default_dtype())
    return input


def float_only(op, input):
    """``input``, which must be a floating point tensor (PyTorch has no integer kernel for
    ``op``)."""
    if input.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: needs a floating point input, got {input.dtype}")
    return input


def scalar_dtype(number, tensor):
    """The dtype a Python number takes next to ``tensor`` (PyTorch's rule for number-tensor ops:
    a float next to an integer or bool tensor is the default float dtype, an int next to a bool
    tensor int64, otherwise the tensor's dtype)."""
    if isinstance(number, float) and tensor.dtype.kind not in "fc":
        return get_default_dtype()
    if is_int(number) and tensor.dtype.kind == "b":
        return np.dtype("int64")
    return tensor.dtype


def wrap_int(number, dtype):
    """A Python int in the range of ``dtype`` (an integer dtype), wrapped around modulo 2**bits
    as PyTorch converts it (int32 tensor | 0xFFFFFFFF is | -1); ints beyond 64 bits are left
    to overflow."""
    bits = dtype.itemsize * 8
    if not -(1 << 63) <= number < (1 << 64):
        return number
    number &= (1 << bits) - 1
    if dtype.kind == "i" and number >= 1 << (bits - 1):
        number -= 1 << bits
    return number


def _wrapped(x, dtype):
    if dtype.kind in "iu" and isinstance(x, int) and not isinstance(x, bool):
        return wrap_int(x, dtype)
    return x


def joined_dtype(arrays):
    """The dtype of arrays joined by cat or stack, as PyTorch promotes them: the widest float
    when there is a float (int64 with float32 is float32, where NumPy says float64), else the
    integer (or bool) type that holds them all."""
    floats = [a.dtype for a in arrays if a.dtype.kind in "fc"]
    return np.result_type(*(floats or [a.dtype for a in arrays]))


def promote(a, b):
    """PyTorch's type promotion for a binary op on two arrays (or an array and a number).

    - a float tensor with an integer tensor or a Python int: the float dtype wins;
    - an integer tensor with a Python float: the default float dtype;
    - two float tensors: the wider one, except that a 0-d tensor does not widen a
      dimensioned one (float32 tensor * float64 0-d tensor stays float32);
    - an integer tensor with a Python int outside its range: the int wrapped around (``wrap_int``).
    """
    ta = getattr(a, "dtype", None)
    tb = getattr(b, "dtype", None)
    if ta is not None and tb is not None:
        if ta is tb or ta == tb:
            return a, b
        fa, fb = ta.kind == "f", tb.kind == "f"
        if fa and not fb:
            return a, b.astype(ta)
        if fb and not fa:
            return a.astype(tb), b
        if fa and fb:
            if a.ndim == 0 and b.ndim > 0:
                return a.astype(tb), b
            if b.ndim == 0 and a.ndim > 0:
                return a, b.astype(ta)
        dt = np.promote_types(ta, tb)
        return a.astype(dt, copy=False), b.astype(dt, copy=False)
    if ta is not None:                       # array op number
        if isinstance(b, float) and ta.kind in "biu":
            return a.astype(get_default_dtype()), b
        return a, _wrapped(b, ta)
    if tb is not None:
        if isinstance(a, float) and tb.kind in "biu":
            return a, b.astype(get_default_dtype())
        return _wrapped(a, tb), b
    return a, b
