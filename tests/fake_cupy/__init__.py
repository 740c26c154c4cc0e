"""A strict, NumPy-backed stand-in for CuPy, so that ``device="cuda"`` runs on any machine.

Its job is to disagree with minigrad wherever a real GPU would. It is written from CuPy's
documented behaviour ("Differences between CuPy and NumPy", the conversion rules of
``cupy.ndarray``, ``cupy.ndarray.get``, ``cupyx.scatter_add``, ``cupy.random.Generator``): device
arrays wrap NumPy arrays but refuse implicit conversion to NumPy, refuse host arrays in device
arithmetic, return 0-d device arrays from reductions, wrap out-of-range integer indices, hand out
garbage from ``empty`` and offer only the routines and random methods CuPy has. See
``_array.py`` for the full list of rules.

Two ways to switch it on:

- ``MINIGRAD_FAKE_CUPY=1`` in the environment of a pytest run: ``tests/conftest.py`` calls
  ``install()`` before minigrad imports CuPy (tests/test_cuda_processes.py runs every
  cuda-parametrized test that way, with Numba's CUDA simulator for the kernels);
- ``python -m tests.fake_cupy MODULE [ARGS...]`` runs ``python -m MODULE ARGS...`` with the
  fake installed (and ``MINIGRAD_FAKE_CUPY=1`` exported to its child processes), e.g.
  ``python -m tests.fake_cupy minigrad.cli doctor``.

Nothing here is a GPU: the pytest header and ``minigrad doctor`` say so.
"""
from __future__ import annotations

import os
import sys
import types

ENV = "MINIGRAD_FAKE_CUPY"


def requested() -> bool:
    return os.environ.get(ENV) == "1"


class _MemoryPool:
    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_all_blocks(self):
        pass


_POOL = _MemoryPool()


def _random_module():
    from . import _random
    m = types.ModuleType("cupy.random")
    for name in ("Generator", "BitGenerator", "XORWOW", "MRG32k3a", "Philox4x3210", "default_rng",
                 "seed", "rand", "randn", "random", "random_sample", "randint", "normal", "uniform",
                 "standard_normal", "permutation", "shuffle", "choice"):
        setattr(m, name, getattr(_random, name))
    return m


def install():
    """Put the fake into ``sys.modules`` as ``cupy``, ``cupyx`` and their submodules (before
    anything imports CuPy); under ``NUMBA_ENABLE_CUDASIM=1`` also let the simulator take fake
    device arrays as kernel arguments. Idempotent."""
    from . import _cuda, _cupyx, _functions
    cupy = _functions.MODULE
    current = sys.modules.get("cupy")
    if current is not None and current is not cupy:
        raise RuntimeError("the fake CuPy must be installed before the real cupy is imported")
    if current is None:
        cupy.__file__ = os.path.join(os.path.dirname(__file__), "__init__.py")
        cupy.random = _random_module()
        cupy.cuda = _cuda.build()
        cupy.get_default_memory_pool = lambda: _POOL
        cupy.get_default_pinned_memory_pool = lambda: _POOL
        modules = {"cupy": cupy, "cupy.random": cupy.random, "cupy.cuda": cupy.cuda,
                   "cupy.cuda.runtime": cupy.cuda.runtime}
        modules.update(_cupyx.build())
        sys.modules.update(modules)
    os.environ[ENV] = "1"
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        from ._simulator import patch_simulator
        patch_simulator()
    return cupy
