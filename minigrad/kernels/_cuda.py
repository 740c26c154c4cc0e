"""Launching Numba CUDA kernels, shared by the kernel families.

Kernels are written as plain Python functions (so ``numba.cuda.compile_ptx`` can check them
for their signatures without a GPU) and jitted on first use. Every kernel loops with a grid
stride, so any number of blocks computes the whole result: the simulator tests launch 1-4
blocks (``MAX_BLOCKS``), a real GPU as many as the work needs.

The kernels take whatever array the caller has: CuPy arrays on a GPU (through
``__cuda_array_interface__``), NumPy arrays in the simulator (``NUMBA_ENABLE_CUDASIM=1``).
"""
from __future__ import annotations

THREADS = 128
MAX_BLOCKS = 4096          # the simulator tests lower this to 1-4

_jitted = {}


def jit(pyfunc):
    """The ``numba.cuda.jit`` kernel of ``pyfunc``, compiled once per process."""
    k = _jitted.get(pyfunc)
    if k is None:
        k = _jitted[pyfunc] = cuda_module(pyfunc).jit(pyfunc)
    return k


def cuda_module(pyfunc):
    """``numba.cuda``, also bound as the global ``cuda`` of the kernel's module (the kernel
    files import it lazily: importing numba.cuda costs about a second)."""
    from numba import cuda
    pyfunc.__globals__["cuda"] = cuda
    return cuda


def launch(pyfunc, total, *args):
    """Run kernel ``pyfunc`` over ``total`` work items (grid-stride) on ``args``."""
    if total <= 0:
        return
    blocks = max(1, min(MAX_BLOCKS, (total + THREADS - 1) // THREADS))
    jit(pyfunc)[blocks, THREADS](*args)
