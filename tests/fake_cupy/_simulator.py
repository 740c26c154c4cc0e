"""Teach Numba's CUDA simulator the CUDA Array Interface, as real numba-cuda has it.

On a GPU, numba-cuda takes any object with ``__cuda_array_interface__`` (CuPy arrays) as a
kernel argument: a view of device memory, never copied, any strides. The simulator
(``NUMBA_ENABLE_CUDASIM=1``) takes NumPy arrays and "transfers" them (contiguous only). In the
simulator device memory *is* host memory, so the interface's pointer can be read as a NumPy
view -- built here from the interface dict alone (shape, typestr, strides, data), which also
checks that the fake publishes a usable interface -- and handed to the kernel as the
simulator's own device array, so nothing is transferred, as on a GPU.
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
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

    cls = kernel.FakeCUDAKernel
    if getattr(cls, "_reads_cuda_array_interface", False):
        return
    launch = cls.__call__

    def device_view(a):     # the class, not the instance: the simulator's own arrays answer
        if isinstance(a, np.ndarray) or not hasattr(type(a), "__cuda_array_interface__"):
            return a
        view = view_of_interface(a)
        return FakeCUDAArray(view) if view.ndim else view

    def __call__(self, *args):
        if self._device:                     # a device function called from a kernel
            return launch(self, *args)
        return launch(self, *[device_view(a) for a in args])

    cls.__call__ = __call__
    cls._reads_cuda_array_interface = True
