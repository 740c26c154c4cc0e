"""The kernels of the hot paths, one file per family: conv, pool, lstm, gru, rnn, attention.

Every family file reads in the same order:

1. the module docstring: the equations, and the Functions the family provides;
2. ``reference``: plain NumPy on arrays, written to be read -- the oracle of the tests and the
   text to read first (it runs on CuPy arrays too: it asks the data for its array module);
3. ``cpu``: Numba ``@njit`` kernels (parallel where it pays, measured) and their drivers;
4. ``cuda``: Numba CUDA kernels, launched only through ``_cuda.launch`` (one launch style: a
   1-D grid, every kernel striding over its work);
5. ``VARIANTS = {"reference": ..., "cpu": ..., "cuda": ...}``: one named tuple of the family's
   kernels per variant, with identical signatures (arrays in, arrays out), then
   ``PTX_SIGNATURES``: every CUDA kernel with its argument types, which the compile test reads;
6. the ``Function``s: forward on arrays through the variant ``choose`` picks, backward on
   Tensors;
7. ``composite``: the same computation in Tensor ops, only in the families that need it for
   gradients of gradients (lstm, gru, rnn, attention; conv's and pool's Functions are each
   other's adjoints, differentiable to any order without one).

Per-element math is written once, as a plain Python function, and compiled for both targets
(``njit(inline="always")`` for the CPU kernels, ``_cuda.device`` -- ``cuda.jit(device=True)``
-- for the CUDA kernels), so the CPU and CUDA step bodies cannot drift; the scalar helpers they
call (``sigmoid``, ``tanh``, ``fast_exp``) live in ``_math.py``. Geometry travels as named
tuples (``conv.ConvGeometry``, ``pool.PoolPlan``). The kernel layer takes and returns arrays
and builds no Tensors outside ``composite``; argument checking lives in ``nn.functional``.
Matrix products stay in BLAS/cuBLAS; Numba does the data movement and the fused element-wise
work around them. How the two share the cores is one rule, written in ``minigrad.threads``
(``run_cpu`` below is its Numba part).

One vocabulary names the variants everywhere -- in ``MINIGRAD_KERNELS``, ``use()``, the docs
and the tests:

* ``reference``: the NumPy text, on any device;
* ``cpu``: the Numba CPU kernels (the default for NumPy data);
* ``cuda``: the Numba CUDA kernels (the default for CuPy data; on NumPy data only inside
  Numba's CUDA simulator, ``NUMBA_ENABLE_CUDASIM=1``, which is how the tests run them);
* ``composite``: the Tensor-op version, in the families that have one; conv and pool then run
  their device's variant.

Unset (the default), each call runs its data's device variant: ``cpu`` or ``cuda``.
"""
from __future__ import annotations

import contextlib
import os

import numba

from ..backend import device_of

VOCABULARY = ("reference", "cpu", "cuda", "composite")
COMPILED_DTYPES = ("float32", "float64")


class UnsupportedConfig(NotImplementedError):
    """A kernel variant does not support this configuration (the message names both)."""


def _parse(choice, where):
    if choice in (None, ""):
        return None
    if choice not in VOCABULARY:
        raise ValueError(f"{where}: unknown kernel variant {choice!r}; expected one of "
                         f"{', '.join(VOCABULARY)} (or unset: the data's device decides)")
    return choice


_choice = _parse(os.environ.get("MINIGRAD_KERNELS"), "MINIGRAD_KERNELS")


def use(variant):
    """Force one kernel variant (``reference | cpu | cuda | composite``) for every family,
    or ``None`` for the default (the data's device decides). Also a context manager that
    restores the previous choice:

        with minigrad.kernels.use("reference"):
            y = F.conv2d(x, w)
    """
    global _choice
    prev, _choice = _choice, _parse(variant, "kernels.use")

    @contextlib.contextmanager
    def _restore():
        global _choice
        try:
            yield
        finally:
            _choice = prev
    return _restore()


def current():
    """The forced variant, or None when the data's device decides."""
    return _choice


def choose(op, x, has_composite=False):
    """The variant that runs ``op`` on array ``x``: the forced one (``use``,
    ``MINIGRAD_KERNELS``) or the device's. Raises ``UnsupportedConfig`` -- one message for
    every family -- when that variant cannot run ``x``."""
    device = device_of(x).type
    v = _choice or device
    if v == "composite" and not has_composite:
        v = device
    if v in ("cpu", "cuda") and v != device:
        from ._cuda import simulated  # noqa: PLC0415 - numba.cuda loads only when a cuda variant is asked for
        if not (v == "cuda" and simulated()):
            raise UnsupportedConfig(f"{op}: the {v!r} kernel variant cannot run on {device} data; "
                                    f"unset minigrad.kernels.use or pick 'reference'")
    if v in ("cpu", "cuda") and x.dtype.name not in COMPILED_DTYPES:
        raise UnsupportedConfig(f"{op}: the {v!r} kernel variant supports float32 and float64, "
                                f"not {x.dtype.name}; use minigrad.kernels.use('reference')")
    return v


def composite_backward(ctx, composite, inputs, grads, n_args):
    """Gradients through the composite, for a fused Function whose kernels cannot be
    differentiated (``create_graph=True``) or when the ``composite`` variant is forced:
    rebuild the forward from ``composite`` (Tensor ops) and differentiate it. Under
    ``create_graph`` it is built on the saved ``inputs`` themselves, so that the gradients
    carry a graph back to them; otherwise on detached copies (the traversal then stops at the
    inputs and leaves the outer graph alone). Returns ``n_args`` gradients (None where none is
    wanted; zeros where the output does not depend on an input)."""
    from ..autograd import grad, grad_mode  # noqa: PLC0415 - autograd imports the ops, which import this module
    create = grad_mode.is_grad_enabled()
    wanted = [i for i, need in enumerate(ctx.needs_input_grad[:len(inputs)]) if need]
    if not create:
        inputs = tuple(None if t is None else t.detach().requires_grad_(i in wanted)
                       for i, t in enumerate(inputs))
    with grad_mode.enable_grad():
        outs = composite(*inputs)
        outs = outs if isinstance(outs, tuple) else (outs,)
        pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad and g is not None]
        got = grad([o for o, _ in pairs], [inputs[i] for i in wanted], [g for _, g in pairs],
                   create_graph=create, allow_unused=True)
    result = [None] * n_args
    for i, g in zip(wanted, got):
        result[i] = g if g is not None else inputs[i] * 0
    return tuple(result)


PARALLEL_MIN_WORK = 1 << 18   # elements; below this one thread beats waking Numba's pool


def run_cpu(kernel, work, *args):
    """Call a Numba ``parallel=True`` kernel, on one thread when ``work`` (the number of
    elements it touches) is small: waking and joining Numba's thread pool then costs more than
    the split saves (measured on 2 cores: a (32,16,8,8) conv2d forward+backward took 2.2 ms of
    CPU on one thread, 23 ms on two)."""
    if work >= PARALLEL_MIN_WORK:
        return kernel(*args)
    prev = numba.get_num_threads()
    if prev == 1:
        return kernel(*args)
    numba.set_num_threads(1)
    try:
        return kernel(*args)
    finally:
        numba.set_num_threads(prev)
