"""Checking analytic gradients against central finite differences.

``gradcheck(fn, inputs)`` contracts the outputs with a *random* upstream gradient v (not
just a sum, which would hide errors that cancel), computes v^T J analytically with
``autograd.grad`` and numerically with (f(x + eps) - f(x - eps)) / 2 eps for every element
of every input that requires grad, and reports the worst mismatch: which input, which
element, analytic vs numeric. ``gradgradcheck`` does the same for the gradient itself.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import backend
from ..tensor import Tensor
from .engine import run_backward


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytic and numerical gradients disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _differentiable_outputs(outputs):
    return tuple(o for o in outputs if o.requires_grad and o.dtype.kind == "f")


def _contract(outputs, vs):
    """sum_k <v_k, out_k> as a Python float (float64)."""
    total = 0.0
    for o, v in zip(outputs, vs):
        total += float((backend.to_numpy(o.data).astype(np.float64) * v).sum())
    return total


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              seed=0, nondet_tol=0.0, return_error=False):
    """True if the gradients of ``func`` at ``inputs`` match finite differences.

    PyTorch's defaults (eps 1e-6, atol 1e-5, rtol 1e-3). Inputs should be float64; other
    float dtypes work with a warning (the tolerances are then too tight to mean much).
    With ``return_error=True`` a passing check returns, instead of True, the worst relative
    error over the inputs: max|analytic - numeric| / max(max|numeric|, atol) per input.
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck: no input requires grad")
    for i in diff_idx:
        if inputs[i].dtype != np.float64:
            warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}, not float64; the check "
                          "will likely fail for reasons of precision", stacklevel=2)

    outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    if not outputs:
        raise GradcheckError("gradcheck: the function returned no output that requires grad")
    rng = np.random.default_rng(seed)
    vs = [rng.standard_normal(o.shape) for o in outputs]
    grad_outputs = [Tensor(backend.to_device(v.astype(o.dtype), o.device)) for o, v in zip(outputs, vs)]
    analytic = run_backward(list(outputs), grad_outputs, retain_graph=False, create_graph=False,
                            inputs=[inputs[i] for i in diff_idx], allow_unused=True)

    worst = (0.0, None)
    for k, i in enumerate(diff_idx):
        x = inputs[i]
        a = np.zeros(x.shape) if analytic[k] is None else backend.to_numpy(analytic[k].data).astype(np.float64)
        num = np.zeros(x.shape)
        flat = x.data.reshape(-1)          # a view: perturbing it perturbs x
        values = backend.to_numpy(flat)    # read once: a device read per element is a sync each
        for j in range(flat.size):
            orig = values[j].item()
            flat[j] = orig + eps
            plus = _contract(_differentiable_outputs(_as_tuple(func(*inputs))), vs)
            flat[j] = orig - eps
            minus = _contract(_differentiable_outputs(_as_tuple(func(*inputs))), vs)
            flat[j] = orig
            num.reshape(-1)[j] = (plus - minus) / (2 * eps)
        bad = ~np.isclose(a, num, rtol=rtol, atol=atol)
        if a.size:
            err = float(np.abs(a - num).max() / max(float(np.abs(num).max()), atol))
            if err > worst[0]:
                worst = (err, i)
        if bad.any():
            j = int(np.argmax(np.where(bad, np.abs(a - num), -1)))
            pos = np.unravel_index(j, x.shape) if x.ndim else ()
            msg = (f"gradcheck: Jacobian mismatch for input {i} (shape {tuple(x.shape)}) at "
                   f"element {tuple(int(p) for p in pos)}: analytic {a.reshape(-1)[j]:.10g} vs numeric "
                   f"{num.reshape(-1)[j]:.10g} ({int(bad.sum())} of {bad.size} elements differ, "
                   f"atol={atol}, rtol={rtol})")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return worst[0] if return_error else True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """Check second derivatives: gradcheck of (inputs, v) -> v^T J, computed with
    ``create_graph=True``, with respect to both the inputs and v."""
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    rng = np.random.default_rng(seed + 1)
    if grad_outputs is None:
        grad_outputs = tuple(Tensor(backend.to_device(rng.standard_normal(o.shape).astype(o.dtype), o.device),
                                    requires_grad=True) for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    n = len(inputs)

    def first_grad(*args):
        xs, gs = args[:n], args[n:]
        outs = _differentiable_outputs(_as_tuple(func(*xs)))
        grads = run_backward(list(outs), list(gs), retain_graph=True, create_graph=True,
                             inputs=[xs[i] for i in diff_idx], allow_unused=True)
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return gradcheck(first_grad, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, seed=seed + 2)


# ----------------------------------------------------------------------------- test-input helpers

def nudge_from_kinks(x, kinks=(0.0,), margin=1e-2):
    """Move values closer than ``margin`` to a kink (relu/abs at 0, clamp bounds ...) away
    from it, so finite differences never straddle the kink. Works in place on the array of
    ``x`` (a Tensor or array, on any device) and returns ``x``."""
    arr = x.data if hasattr(x, "grad_fn") else x
    xp = backend.array_module(arr)
    for k in kinks:
        near = xp.abs(arr - k) < margin
        arr[near] = xp.where(arr[near] >= k, k + margin, k - margin)
    return x


def separate_ties(x, min_gap=1e-2, seed=0):
    """Make all values of ``x`` differ by at least ``min_gap`` (for max/min/sort), keeping
    their order; in place on the array of ``x`` (any device), returns ``x``.

    Ties are broken by a tiny noise drawn on the array's own device. In sorted order r, each
    value becomes max(r[j], r'[j-1] + min_gap); unrolled, r'[j] = j*gap + max_{i<=j}(r[i] - i*gap),
    a running maximum, computed by doubling (log2(n) whole-array steps: CuPy has no
    ``maximum.accumulate``), so no Python loop touches the elements."""
    arr = x.data if hasattr(x, "grad_fn") else x
    flat = arr.reshape(-1)
    if flat.size < 2:
        return x
    xp = backend.array_module(arr)
    rng = backend.Generator(backend.device_of(arr)).manual_seed(seed).rng
    order = xp.argsort(flat + rng.uniform(0, 1e-9, flat.shape))
    ranked = flat[order]
    steps = xp.arange(ranked.size, dtype=ranked.dtype) * min_gap
    shifted = ranked - steps
    running, k = shifted.copy(), 1
    while k < running.size:                          # running[j] = max(shifted[:j + 1])
        running[k:] = xp.maximum(running[k:], running[:-k])
        k *= 2
    flat[order] = xp.where(shifted >= running, ranked, running + steps)
    return x
