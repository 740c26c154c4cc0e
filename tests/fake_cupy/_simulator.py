"""Teach Numba's CUDA simulator the CUDA Array Interface, as real numba-cuda has it.

On a GPU, numba-cuda takes any object with ``__cuda_array_interface__`` (CuPy arrays) as a
kernel argument. The simulator (``NUMBA_ENABLE_CUDASIM=1``) only takes NumPy arrays. In the
simulator device memory *is* host memory, so the interface's pointer can be read as a NumPy
view -- built here from the interface dict alone (shape, typestr, strides, data), which also
checks that the fake publishes a usable interface.
"""
from __future__ import annotations

import ctypes

import numpy as np


def view_of_interface(obj):
    """A NumPy view of the memory that ``obj.__cuda_array_interface__`` describes."""
    cai = obj.__cuda_array_interface__
    dtype = np.dtype(cai["typestr"])
    shape = tuple(cai["shape"])
    strides = cai.get("strides")
    if strides is None:
        strides, step = [], dtype.itemsize
        for n in reversed(shape):
            strides.insert(0, step)
            step *= n
    strides = tuple(strides)
    if 0 in shape:
        return np.empty(shape, dtype)
    lo = sum(min(0, (n - 1) * s) for n, s in zip(shape, strides))
    hi = sum(max(0, (n - 1) * s) for n, s in zip(shape, strides)) + dtype.itemsize
    buf = (ctypes.c_char * (hi - lo)).from_address(cai["data"][0] + lo)
    return np.ndarray(shape, dtype, buffer=buf, offset=-lo, strides=strides)


def patch_simulator():
    """Make simulated kernel launches pass interface objects as NumPy views."""
    from numba.cuda.simulator import kernel

    cls = kernel.FakeCUDAKernel
    if getattr(cls, "_reads_cuda_array_interface", False):
        return
    launch = cls.__call__

    def __call__(self, *args):
        args = [view_of_interface(a) if hasattr(a, "__cuda_array_interface__")
                and not isinstance(a, np.ndarray) else a for a in args]
        return launch(self, *args)

    cls.__call__ = __call__
    cls._reads_cuda_array_interface = True
