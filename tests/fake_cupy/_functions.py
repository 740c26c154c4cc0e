"""The ``cupy`` namespace of the fake: the routines CuPy has, and only those.

Every routine takes device arrays; a host ``numpy.ndarray`` among its array arguments raises
``TypeError: Unsupported type`` as in CuPy. The exceptions are the ones CuPy makes:
``array``/``asarray``/``asanyarray`` copy host data to the device, ``asnumpy`` copies it back.
A NumPy routine CuPy lacks (``errstate``, ``seterr``, ``add.at`` on host arrays ...) is simply
absent, so code that reaches for it fails here as it would on a GPU.
"""
from __future__ import annotations

import types

import numpy as np

from ._array import (check_dtype, ndarray, storage, ufunc, ufunc_operand, uninitialised,
                     unsupported, wrap)

UFUNCS = """absolute add arccos arccosh arcsin arcsinh arctan arctan2 arctanh bitwise_and
bitwise_or bitwise_xor cbrt ceil conj conjugate copysign cos cosh deg2rad degrees divide
equal exp exp2 expm1 fabs float_power floor floor_divide fmax fmin fmod frexp greater
greater_equal heaviside hypot invert isfinite isinf isnan ldexp left_shift less less_equal
log log10 log1p log2 logaddexp logaddexp2 logical_and logical_not logical_or logical_xor
maximum minimum modf multiply negative nextafter not_equal positive power rad2deg radians
reciprocal remainder right_shift rint sign signbit sin sinh sqrt square subtract tan tanh
true_divide trunc""".split()
UFUNC_ALIASES = {"abs": "absolute", "mod": "remainder", "bitwise_not": "invert"}

FUNCTIONS = """all allclose amax amin any append argmax argmin argpartition argsort argwhere
around array_equal array_split atleast_1d atleast_2d atleast_3d average bincount
broadcast_arrays broadcast_to clip column_stack concatenate copy copyto count_nonzero
cumprod cumsum diag diagflat diagonal diff digitize dot dsplit dstack einsum expand_dims
extract fix flatnonzero flip fliplr flipud histogram hsplit hstack inner isclose kron lexsort
matmul max mean median min moveaxis nanargmax nanargmin nancumsum nanmax nanmean nanmin
nanprod nanstd nansum nanvar nonzero outer pad partition percentile prod ptp quantile ravel
repeat reshape resize roll rollaxis rot90 round searchsorted select sort split squeeze stack
std sum swapaxes tensordot tile trace transpose tril triu unique unravel_index var vdot
vsplit vstack where""".split()

CREATION = """arange empty_like eye full full_like identity linspace logspace meshgrid ones
ones_like tri zeros zeros_like""".split()

FROM_NUMPY = """bool_ int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64
complex64 complex128 intp uintp dtype finfo iinfo promote_types can_cast issubdtype
result_type min_scalar_type isscalar newaxis inf nan pi e floating integer
signedinteger unsignedinteger number inexact complexfloating generic""".split()


def _routine(name, np_func):
    def f(*args, **kwargs):
        check_dtype(kwargs.get("dtype"))
        out = kwargs.get("out")
        kwargs = {k: storage(v) for k, v in kwargs.items()}
        r = np_func(*storage(args), **kwargs)
        return out if type(out) is ndarray else wrap(r)
    f.__name__ = name
    return f


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0):
    """Host data (NumPy arrays, lists, scalars) is copied to the device; so is a device array."""
    check_dtype(dtype)
    a = np.array(storage(obj) if type(obj) is ndarray or isinstance(obj, (list, tuple)) else obj,
                 dtype=dtype, copy=True, order=order, ndmin=ndmin)
    check_dtype(a.dtype)
    return ndarray._wrap(a)


def asarray(a, dtype=None, order=None, *, blocking=False):
    if type(a) is ndarray:
        return a if dtype is None or np.dtype(dtype) == a.dtype else a.astype(dtype)
    return array(a, dtype=dtype, order=order or "K")


asanyarray = asarray


def ascontiguousarray(a, dtype=None):
    if type(a) is not ndarray:
        raise unsupported(a)
    return wrap(np.ascontiguousarray(a._a, dtype=check_dtype(dtype)))


def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    if type(a) is ndarray:
        return a.get(stream=stream, order=order, out=out)
    return np.asarray(a, order=order)


def empty(shape, dtype=float, order="C"):
    return ndarray._wrap(uninitialised(shape, dtype, order))


def empty_like(prototype, dtype=None, order="K", subok=None, shape=None):
    if type(prototype) is not ndarray:
        raise unsupported(prototype)
    a = np.empty_like(prototype._a, dtype=check_dtype(dtype), order=order, shape=shape)
    return ndarray._wrap(uninitialised(a.shape, a.dtype))


def _wrapped_index(a, indices, axis):
    n = a.size if axis is None else a.shape[axis]
    idx = indices._a if type(indices) is ndarray else np.asarray(indices)   # host indices: copied
    return idx % n if n and idx.dtype.kind in "iu" else idx


def take(a, indices, axis=None, out=None, mode=None):
    """Out-of-range indices wrap around (CuPy's rule), they never raise."""
    r = np.take(a._a, _wrapped_index(a, indices, axis), axis=axis)
    if out is not None:
        out._a[...] = r
        return out
    return wrap(r)


def take_along_axis(arr, indices, axis):
    if type(arr) is not ndarray or type(indices) is not ndarray:
        raise unsupported(indices if type(arr) is ndarray else arr)
    return wrap(np.take_along_axis(arr._a, _wrapped_index(arr, indices, axis), axis))


def put_along_axis(arr, indices, values, axis):
    if type(arr) is not ndarray or type(indices) is not ndarray:
        raise unsupported(indices if type(arr) is ndarray else arr)
    np.put_along_axis(arr._a, _wrapped_index(arr, indices, axis), storage(values), axis)


def ravel_multi_index(multi_index, dims, mode="wrap", order="C"):
    """CuPy's default mode is 'wrap' (NumPy's is 'raise')."""
    return wrap(np.ravel_multi_index(storage(multi_index), dims, mode=mode, order=order))


def get_array_module(*args):
    return MODULE if any(type(a) is ndarray for a in args) else np


def is_available():
    return True


def _build():
    m = types.ModuleType("cupy", "A strict NumPy-backed stand-in for CuPy (tests only).")
    for name in UFUNCS:
        setattr(m, name, ufunc(getattr(np, name)))
    for alias, name in UFUNC_ALIASES.items():
        setattr(m, alias, getattr(m, name))
    for name in FUNCTIONS + CREATION:
        setattr(m, name, _routine(name, getattr(np, name)))
    for name in FROM_NUMPY:
        setattr(m, name, getattr(np, name))
    m.amax, m.amin = m.max, m.min
    for f in (array, asarray, asanyarray, ascontiguousarray, asnumpy, empty, empty_like, take,
              take_along_axis, put_along_axis, ravel_multi_index, get_array_module, is_available):
        setattr(m, f.__name__, f)
    m.asanyarray = asanyarray
    m.ndarray, m.ufunc = ndarray, ufunc
    m.__version__ = "13.6.0+fake"
    return m


MODULE = _build()
take = MODULE.take
dot = MODULE.dot
matmul = MODULE.matmul
__all__ = ["MODULE", "ufunc_operand"]
