"""``cupyx``: ``scatter_add`` / ``scatter_max`` / ``scatter_min`` and ``cupyx.scipy.special``.

``scatter_add`` accumulates repeated indices (NumPy's ``add.at``) and, like CuPy's atomics, only
for int32, uint32, uint64, float16, float32 and float64 -- not int64. Its value must already be
on the device.
"""
from __future__ import annotations

import math
import types

import numpy as np

from ._array import ndarray, ufunc, ufunc_operand, unsupported, wrap

_ATOMIC_ADD = {np.dtype(t) for t in ("int32", "uint32", "uint64", "float16", "float32", "float64")}
_ATOMIC_MINMAX = _ATOMIC_ADD - {np.dtype("float16")}


def _scatter(op, allowed, a, slices, value):
    if type(a) is not ndarray:
        raise unsupported(a)
    if a.dtype not in allowed:
        raise TypeError(f"scatter_{op.__name__} only supports "
                        f"{', '.join(sorted(str(t) for t in allowed))} as data type, got {a.dtype}")
    op.at(a._a, a._index(slices), ufunc_operand(value))


def scatter_add(a, slices, value):
    _scatter(np.add, _ATOMIC_ADD, a, slices, value)


def scatter_max(a, slices, value):
    _scatter(np.maximum, _ATOMIC_MINMAX, a, slices, value)


def scatter_min(a, slices, value):
    _scatter(np.minimum, _ATOMIC_MINMAX, a, slices, value)


def _special(name):
    """A device ufunc of one argument: SciPy's when installed, else ``math``'s element by element."""
    try:
        import scipy.special
        return ufunc(getattr(scipy.special, name))
    except ImportError:
        scalar = np.vectorize(getattr(math, name), otypes=[np.float64])

        def f(x):
            x = ufunc_operand(x)
            return wrap(scalar(x).astype(np.result_type(x, np.float16)))
        f.__name__ = name
        return f


def build():
    cupyx = types.ModuleType("cupyx")
    cupyx.scatter_add, cupyx.scatter_max, cupyx.scatter_min = scatter_add, scatter_max, scatter_min
    scipy = types.ModuleType("cupyx.scipy")
    special = types.ModuleType("cupyx.scipy.special")
    special.erf, special.erfc = _special("erf"), _special("erfc")
    scipy.special = special
    cupyx.scipy = scipy
    return {"cupyx": cupyx, "cupyx.scipy": scipy, "cupyx.scipy.special": special}
