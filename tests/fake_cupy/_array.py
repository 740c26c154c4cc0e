"""The fake device array and the fake ufunc: NumPy storage behind CuPy's conversion rules.

``ndarray`` wraps a NumPy array (it is not a subclass) and lets nothing convert silently:

- ``__array__`` raises CuPy's TypeError, so ``np.asarray(device_array)`` fails as on a GPU;
- functions, ufuncs and operators refuse host ``numpy.ndarray`` operands ("Unsupported type");
  ufuncs also refuse lists, as CuPy's do; Python and NumPy scalars are accepted;
- ``__setitem__`` refuses host value arrays (CuPy's basic indexing raises on them in
  ``fill``, its advanced indexing copies them host-to-device behind the caller's back);
  host *index* arrays and Python scalars are allowed, as in CuPy;
- reductions and 0-d results stay 0-d device arrays; ``.get()`` returns NumPy; there is no
  ``__index__`` (a device scalar is not a Python int);
- integer-array indices wrap around instead of raising (CuPy's documented out-of-bounds rule),
  and when such an index repeats in an assignment the first value wins, not NumPy's last;
- uninitialised memory (``empty``) holds NaN / the largest integer, not NumPy's usual zeros;
- ufunc methods exist only where CuPy has them: ``reduce`` for add/multiply, ``accumulate`` and
  ``reduceat`` for add, ``at`` for add/maximum/minimum and the bitwise ones;
- ``__cuda_array_interface__`` exposes the buffer (Numba's simulator reads it, see
  ``_simulator.py``).
"""
from __future__ import annotations

import weakref

import numpy as np

SCALAR_TYPES = (bool, int, float, complex, np.generic)


def unsupported(x):
    return TypeError(f"Unsupported type {type(x)}")


def implicit_conversion_error():
    return TypeError("Implicit conversion to a NumPy array is not allowed. "
                     "Please use `.get()` to construct a NumPy array explicitly.")


def check_dtype(dtype):
    """CuPy arrays hold numbers and booleans only."""
    if dtype is not None and np.dtype(dtype).kind not in "biufc":
        raise ValueError(f"Unsupported dtype {np.dtype(dtype)}")
    return dtype


def uninitialised(shape, dtype=float, order="C"):
    """What a fresh device allocation holds: garbage. NaN for floats, the largest value for
    integers, True for booleans (a freed block of the memory pool is handed out unchanged)."""
    check_dtype(dtype)
    a = np.empty(shape, dtype, order)
    kind = a.dtype.kind
    a.fill(np.nan if kind in "fc" else True if kind == "b" else np.iinfo(a.dtype).max)
    return a


def storage(x):
    """The NumPy storage behind a device operand (for the fake's own use); host arrays refused.
    Lists and tuples are walked (``concatenate([a, b])``); scalars pass through."""
    if type(x) is ndarray:
        return x._a
    if isinstance(x, np.ndarray):
        raise unsupported(x)
    if isinstance(x, (list, tuple)):
        return type(x)(storage(v) for v in x)
    return x


def ufunc_operand(x):
    """An operand of a ufunc: a device array or a scalar, nothing else (CuPy's rule)."""
    if type(x) is ndarray:
        return x._a
    if isinstance(x, SCALAR_TYPES) or x is None:
        return x
    raise unsupported(x)


def wrap(r):
    """NumPy results back onto the "device": arrays and NumPy scalars become device arrays
    (0-d for scalars, as CuPy's reductions return)."""
    if isinstance(r, np.ndarray):
        return ndarray._wrap(r)
    if isinstance(r, np.generic):
        return ndarray._wrap(np.asarray(r))
    if isinstance(r, tuple):
        return tuple(wrap(v) for v in r)
    if isinstance(r, list):
        return [wrap(v) for v in r]
    return r


def _out_kwargs(kwargs):
    out = kwargs.get("out")
    if out is not None:
        if type(out) is not ndarray:
            raise TypeError(f"out must be a cupy.ndarray, got {type(out)}")
        kwargs = dict(kwargs, out=out._a)
    return out, kwargs


# The ufunc methods CuPy has, and for which ufuncs (``outer`` works for all of them).
METHODS = {"reduce": {"add", "multiply"}, "accumulate": {"add"}, "reduceat": {"add"},
           "at": {"add", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"}}


class ufunc:
    """A CuPy ufunc: operands are device arrays or scalars; ``reduce``, ``accumulate``,
    ``reduceat`` and ``at`` exist only for the few ufuncs CuPy implements them for."""

    def __init__(self, np_ufunc):
        self._u = np_ufunc
        self.__name__ = self.name = np_ufunc.__name__
        self.nin, self.nout, self.nargs = np_ufunc.nin, np_ufunc.nout, np_ufunc.nargs

    def __repr__(self):
        return f"<ufunc '{self.name}'>"

    def __call__(self, *args, **kwargs):
        out, kwargs = _out_kwargs(kwargs)
        kwargs = {k: ufunc_operand(v) if k == "where" else v for k, v in kwargs.items()}
        check_dtype(kwargs.get("dtype"))
        r = self._u(*[ufunc_operand(a) for a in args], **kwargs)
        return out if out is not None else wrap(r)

    def _supports(self, method):
        if self.name not in METHODS[method]:
            raise NotImplementedError(f"{self.name}.{method} is not supported yet")

    def reduce(self, array, axis=0, dtype=None, out=None, keepdims=False):
        self._supports("reduce")
        r = self._u.reduce(ufunc_operand(array), axis=axis, dtype=dtype,
                           out=None if out is None else out._a, keepdims=keepdims)
        return out if out is not None else wrap(r)

    def accumulate(self, array, axis=0, dtype=None, out=None):
        self._supports("accumulate")
        r = self._u.accumulate(ufunc_operand(array), axis=axis, dtype=dtype,
                               out=None if out is None else out._a)
        return out if out is not None else wrap(r)

    def outer(self, A, B, **kwargs):
        return wrap(self._u.outer(ufunc_operand(A), ufunc_operand(B), **kwargs))

    def reduceat(self, array, indices, axis=0, dtype=None, out=None):
        self._supports("reduceat")
        r = self._u.reduceat(ufunc_operand(array), storage(indices), axis=axis, dtype=dtype,
                             out=None if out is None else out._a)
        return out if out is not None else wrap(r)

    def at(self, a, indices, b=None):
        self._supports("at")
        if type(a) is not ndarray:
            raise unsupported(a)
        idx = a._index(indices)
        if b is None:
            self._u.at(a._a, idx)
        else:
            self._u.at(a._a, idx, ufunc_operand(b))


class _Flags:
    """CuPy's ``ndarray.flags``: c_contiguous, f_contiguous, owndata (no ``writeable``)."""

    def __init__(self, a):
        self.c_contiguous = a.flags.c_contiguous
        self.f_contiguous = a.flags.f_contiguous
        self.owndata = a.flags.owndata

    def __getitem__(self, name):
        return {"C_CONTIGUOUS": self.c_contiguous, "F_CONTIGUOUS": self.f_contiguous,
                "OWNDATA": self.owndata}[name]


class _MemoryPointer:
    def __init__(self, a):
        self.ptr = a.ctypes.data
        from ._cuda import Device
        self.device = Device(0)


def _binary(name, reflected=False, inplace=False):
    u = getattr(np, name)

    def op(self, other):
        if isinstance(other, np.ndarray) or (isinstance(other, (list, tuple))):
            raise unsupported(other)
        if type(other) is not ndarray and not isinstance(other, SCALAR_TYPES):
            return NotImplemented
        o = other._a if type(other) is ndarray else other
        if inplace:
            u(self._a, o, out=self._a)
            return self
        return wrap(u(o, self._a) if reflected else u(self._a, o))
    return op


# id(NumPy array) -> the live fake array wrapping it, for arrays that own their memory (a live
# wrapper keeps its NumPy array alive, so the id cannot be reused while the entry exists)
_OWNERS = weakref.WeakValueDictionary()


class ndarray:
    """A device array. Construct it as CuPy's is: ``ndarray(shape, dtype)`` (uninitialised)."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        if memptr is not None or strides is not None:
            raise NotImplementedError("the fake cupy.ndarray takes no memptr/strides")
        self._a = uninitialised(shape, dtype, order)
        _OWNERS[id(self._a)] = self

    @classmethod
    def _wrap(cls, a):
        obj = cls.__new__(cls)
        obj._a = a
        if a.base is None:          # it owns its memory: views find it again as their .base
            _OWNERS[id(a)] = obj
        return obj

    # ------------------------------------------------------------------ attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    T = property(lambda self: ndarray._wrap(self._a.T))
    real = property(lambda self: ndarray._wrap(self._a.real))
    imag = property(lambda self: ndarray._wrap(self._a.imag))
    flags = property(lambda self: _Flags(self._a))
    data = property(lambda self: _MemoryPointer(self._a))
    device = property(lambda self: _MemoryPointer(self._a).device)

    @shape.setter
    def shape(self, value):
        self._a.shape = value

    @property
    def base(self):
        """The array owning the memory -- the same object each time, as CuPy's."""
        b = self._a.base
        if b is None:
            return None
        owner = _OWNERS.get(id(b))
        return owner if owner is not None and owner._a is b else ndarray._wrap(b)

    @property
    def __cuda_array_interface__(self):
        a = self._a
        return {"shape": a.shape, "typestr": a.dtype.str, "descr": [("", a.dtype.str)],
                "data": (a.ctypes.data if a.size else 0, False),
                "strides": None if a.flags.c_contiguous else a.strides,
                "version": 3, "stream": 1}

    # ------------------------------------------------------------------ conversion
    def __array__(self, *args, **kwargs):
        raise implicit_conversion_error()

    def get(self, stream=None, order="C", out=None, blocking=True):
        if out is not None:
            if not isinstance(out, np.ndarray):
                raise TypeError("Only numpy.ndarray can be obtained from cupy.ndarray")
            out[...] = self._a
            return out
        return np.array(self._a, order=order, copy=True)

    def set(self, arr, stream=None):
        if not isinstance(arr, np.ndarray):
            raise TypeError("Only numpy.ndarray can be set to cupy.ndarray")
        if arr.dtype != self.dtype:
            raise TypeError(f"{arr.dtype} array cannot be set to {self.dtype} array")
        if arr.shape != self.shape:
            raise ValueError(f"Shape mismatch. Old shape: {self.shape}, new shape: {arr.shape}")
        self._a[...] = arr

    def item(self, *args):
        return self._a.item(*args)

    def tolist(self):
        return self._a.tolist()

    def tobytes(self, order="C"):
        return self._a.tobytes(order)

    def __int__(self):
        return int(self._a)

    def __float__(self):
        return float(self._a)

    def __complex__(self):
        return complex(self._a)

    def __bool__(self):
        return bool(self._a)

    def __repr__(self):
        return repr(self._a)

    def __str__(self):
        return str(self._a)

    def __format__(self, spec):
        return format(self._a, spec)

    def __reduce__(self):
        from . import _functions
        return _functions.array, (self.get(),)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    __hash__ = None

    # ------------------------------------------------------------------ NumPy protocols
    def __array_ufunc__(self, np_ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            return NotImplemented
        from . import _functions
        cp_ufunc = getattr(_functions.MODULE, np_ufunc.__name__, None)
        if cp_ufunc is None:
            return NotImplemented
        if "out" in kwargs:
            (out,) = kwargs["out"]
            kwargs = dict(kwargs, out=out)
        return cp_ufunc(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from . import _functions
        module = _functions.MODULE
        for part in func.__module__.split(".")[1:]:
            module = getattr(module, part, None)
        cp_func = getattr(module, func.__name__, None)
        if cp_func is None or cp_func is func or not all(t in (ndarray, np.ndarray) for t in types):
            return NotImplemented
        return cp_func(*args, **kwargs)

    # ------------------------------------------------------------------ indexing
    def _index(self, key):
        """The NumPy key for ``key``: device and host index arrays become NumPy arrays, and
        integer arrays wrap around the axis they index (CuPy's out-of-bounds rule)."""
        items = list(key) if isinstance(key, tuple) else [key]
        for i, k in enumerate(items):
            if type(k) is ndarray:
                items[i] = k._a
            elif isinstance(k, list):
                items[i] = np.asarray(k)
        arrays = [k for k in items if isinstance(k, np.ndarray)]
        if not arrays:
            return tuple(items) if isinstance(key, tuple) else items[0]
        used = sum(k.ndim if (isinstance(k, np.ndarray) and k.dtype.kind == "b") else 0 if k is None or k is Ellipsis else 1
                   for k in items)
        axis = 0
        for i, k in enumerate(items):
            if k is None:
                continue
            if k is Ellipsis:
                axis += self.ndim - used
            elif isinstance(k, np.ndarray) and k.dtype.kind == "b":
                axis += k.ndim
            else:
                if isinstance(k, np.ndarray) and k.dtype.kind in "iu" and axis < self.ndim and self.shape[axis]:
                    items[i] = k % self.shape[axis]
                axis += 1
        return tuple(items) if isinstance(key, tuple) else items[0]

    def __getitem__(self, key):
        k = self._index(key)
        r = self._a[k]
        if isinstance(r, np.generic):          # all-integer key: a 0-d view, as CuPy returns
            ks = k if isinstance(k, tuple) else (k,)
            r = self._a[ks + (Ellipsis,)] if Ellipsis not in ks else np.asarray(r)
        return wrap(r)

    def __setitem__(self, key, value):
        if isinstance(value, np.ndarray) and value.ndim > 0 or isinstance(value, (list, tuple)):
            raise TypeError(f"cannot assign a host {type(value).__name__} into a device array "
                            "(CuPy refuses it for basic indexing and copies it host-to-device for "
                            "advanced indexing); move it with cupy.asarray first")
        v = value._a if type(value) is ndarray else value
        k = self._index(key)
        if isinstance(k, np.ndarray) and k.dtype.kind in "iu" and k.ndim == 1 and k.size > 1:
            target = self._a[k]                 # repeated indices: the first value wins
            v = np.broadcast_to(np.asarray(v, dtype=self.dtype), target.shape)
            self._a[k[::-1]] = v[::-1]
            return
        self._a[k] = v

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    # ------------------------------------------------------------------ methods
    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        check_dtype(dtype)
        r = self._a.astype(dtype, order=order, copy=copy)
        return self if r is self._a else ndarray._wrap(r)

    def copy(self, order="C"):
        return ndarray._wrap(self._a.copy(order))

    def view(self, dtype=None):
        return ndarray._wrap(self._a.view() if dtype is None else self._a.view(dtype))

    def fill(self, value):
        if isinstance(value, np.ndarray) and value.shape != ():
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        if type(value) is ndarray:
            if value.shape != ():
                raise ValueError("non-scalar cupy.ndarray cannot be used for fill")
            value = value._a
        self._a.fill(value)

    def take(self, indices, axis=None, out=None):
        from . import _functions
        return _functions.take(self, indices, axis, out)

    def sort(self, axis=-1, kind=None):
        self._a.sort(axis=axis)

    def dot(self, b, out=None):
        from . import _functions
        return _functions.dot(self, b, out)

    def scatter_add(self, slices, value):
        np.add.at(self._a, self._index(slices), ufunc_operand(value))

    def __matmul__(self, other):
        from . import _functions
        return _functions.matmul(self, other)

    def __rmatmul__(self, other):
        from . import _functions
        return _functions.matmul(other, self)

    def __neg__(self):
        return wrap(-self._a)

    def __pos__(self):
        return wrap(+self._a)

    def __abs__(self):
        return wrap(abs(self._a))

    def __invert__(self):
        return wrap(~self._a)


def _method(name):
    def m(self, *args, **kwargs):
        out, kwargs = _out_kwargs(kwargs)
        r = getattr(self._a, name)(*storage(args), **{k: storage(v) for k, v in kwargs.items()})
        return out if out is not None else wrap(r)
    m.__name__ = name
    return m


for _name in ("all any argmax argmin argpartition argsort clip compress conj conjugate cumprod "
              "cumsum diagonal flatten max mean min nonzero partition prod ravel repeat reshape "
              "round squeeze std sum swapaxes trace transpose var").split():
    setattr(ndarray, _name, _method(_name))

for _name, _op in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "true_divide"),
                   ("floordiv", "floor_divide"), ("mod", "remainder"), ("pow", "power"),
                   ("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                   ("lshift", "left_shift"), ("rshift", "right_shift")]:
    setattr(ndarray, f"__{_name}__", _binary(_op))
    setattr(ndarray, f"__r{_name}__", _binary(_op, reflected=True))
    setattr(ndarray, f"__i{_name}__", _binary(_op, inplace=True))
for _name, _op in [("eq", "equal"), ("ne", "not_equal"), ("lt", "less"), ("le", "less_equal"),
                   ("gt", "greater"), ("ge", "greater_equal")]:
    setattr(ndarray, f"__{_name}__", _binary(_op))
del _name, _op
