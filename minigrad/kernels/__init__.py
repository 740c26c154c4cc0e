"""Numba kernels for the hot paths, one file per family (conv, pool, lstm, attention).

Each family holds three variants side by side (see DESIGN.md):
``reference`` (plain NumPy, the oracle and the text to read first), ``cpu`` (Numba
``@njit``, the default on CPU) and ``cuda`` (Numba's CUDA target on CuPy arrays).

The variant follows the data's device; force one for comparison or debugging with the
environment variable ``MINIGRAD_KERNELS=reference|numba`` or ``minigrad.kernels.use(...)``.
"""
from __future__ import annotations

import contextlib
import os

from ..backend import device_of

VARIANTS = ("auto", "reference", "numba")
_choice = os.environ.get("MINIGRAD_KERNELS", "auto") or "auto"
if _choice not in VARIANTS:
    raise ValueError(f"MINIGRAD_KERNELS={_choice!r}: expected one of {', '.join(VARIANTS)}")


def use(variant: str):
    """Force kernel variants: 'reference' (NumPy everywhere), 'numba' (cpu/cuda by device)
    or 'auto' (the default, same as 'numba'). Also usable as a context manager."""
    global _choice
    if variant not in VARIANTS:
        raise ValueError(f"kernels.use: unknown variant {variant!r}; expected one of {', '.join(VARIANTS)}")
    prev, _choice = _choice, variant

    @contextlib.contextmanager
    def _restore():
        global _choice
        try:
            yield
        finally:
            _choice = prev
    return _restore()


def current() -> str:
    return _choice


def variant_for(x) -> str:
    """'reference', 'cpu' or 'cuda': which implementation runs for array ``x``."""
    if _choice == "reference":
        return "reference"
    return "cpu" if device_of(x).type == "cpu" else "cuda"


PARALLEL_MIN_WORK = 1 << 18   # elements; below this one thread beats waking Numba's pool


def run_cpu(kernel, work, *args):
    """Call a Numba ``parallel=True`` kernel, on one thread when ``work`` (the number of
    elements it touches) is small: waking and joining Numba's thread pool then costs more than
    the split saves (measured on 2 cores: a (32,16,8,8) conv2d forward+backward took 2.2 ms of
    CPU on one thread, 23 ms on two)."""
    if work >= PARALLEL_MIN_WORK:
        return kernel(*args)
    import numba
    prev = numba.get_num_threads()
    if prev == 1:
        return kernel(*args)
    numba.set_num_threads(1)
    try:
        return kernel(*args)
    finally:
        numba.set_num_threads(prev)


class UnsupportedConfig(NotImplementedError):
    """A kernel variant does not support this configuration (the message names both)."""
