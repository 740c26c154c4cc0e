"""Launching Numba CUDA kernels: the one helper every family uses.

A family writes its CUDA kernels as plain Python functions (so that ``compile_ptx`` can check
them for the family's ``PTX_SIGNATURES`` without a GPU); ``launch`` jits one on first use.
numba.cuda is imported only then (importing it costs about a second), and bound as the global
``cuda`` of the kernel's module.

One launch style: a 1-D grid of ``block``-thread blocks (``THREADS`` unless a tiled kernel asks
for its tile size), never more than ``MAX_BLOCKS`` blocks, and every kernel strides over its
work, so that any number of blocks computes the whole result (the simulator tests launch 1-3):

    for t in range(cuda.grid(1), n, cuda.gridsize(1)):                    # a thread per element
    for tile in range(cuda.blockIdx.x, n_tiles, cuda.gridDim.x):          # a block per tile

Per-element math shared with the CPU: a family writes it once as a plain Python function
``f`` and compiles it twice, ``njit(inline="always")(f)`` for the CPU and ``device(f)`` here,
which becomes ``cuda.jit(device=True)(f)`` when the first kernel of that module is jitted.

The kernels take whatever array the caller has: CuPy arrays on a GPU (through
``__cuda_array_interface__``), NumPy arrays in the simulator (``NUMBA_ENABLE_CUDASIM=1``).
"""
from __future__ import annotations

import os

THREADS = 128
MAX_BLOCKS = 4096          # the simulator tests lower this to 1-3

_jitted = {}


class Device:
    """``cuda.jit(device=True)(fn)``, compiled when a kernel of the module first needs it."""

    def __init__(self, fn):
        self.fn = fn

    def __repr__(self):
        return f"Device({self.fn.__name__})"


def device(fn) -> Device:
    """The CUDA twin of the per-element function ``fn`` (see the module docstring)."""
    return Device(fn)


def simulated() -> bool:
    """True when Numba's CUDA simulator runs the kernels (on NumPy arrays, on the CPU)."""
    return os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


def bind(pyfunc):
    """Import numba.cuda and make ``pyfunc``'s module ready to compile: its global ``cuda``,
    its ``Device`` twins jitted, the shared scalar math given its CUDA implementation."""
    from numba import cuda  # noqa: PLC0415 - numba.cuda loads only when a cuda kernel is built
    from . import _math  # noqa: PLC0415 - compiled for CUDA only here
    if not simulated():
        _math.register_cuda()
    g = pyfunc.__globals__
    g["cuda"] = cuda
    for name, value in list(g.items()):
        if isinstance(value, Device):
            g[name] = cuda.jit(device=True)(value.fn)
    return cuda


def jit(pyfunc):
    """The ``numba.cuda.jit`` kernel of ``pyfunc``, compiled once per process."""
    k = _jitted.get(pyfunc)
    if k is None:
        k = _jitted[pyfunc] = bind(pyfunc).jit(pyfunc)
    return k


def launch(pyfunc, work, *args, block=THREADS):
    """Run kernel ``pyfunc`` on ``args`` with enough ``block``-thread blocks for ``work``
    threads (at most MAX_BLOCKS; the kernel strides over the rest)."""
    if work <= 0:
        return
    blocks = max(1, min(MAX_BLOCKS, (work + block - 1) // block))
    jit(pyfunc)[blocks, block](*args)


def compile_ptx(pyfunc, signature, cc=(8, 0)):
    """PTX of kernel ``pyfunc`` for ``signature`` (a string such as ``"void(float32[::1])"``)."""
    return bind(pyfunc).compile_ptx(pyfunc, signature, cc=cc)
