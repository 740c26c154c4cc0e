"""Gradient clipping, as ``torch.nn.utils``: rescale by the total norm, or clamp each value."""
from __future__ import annotations

import math

import numpy as np

from ... import backend
from ..._checks import number_arg
from ...autograd import grad_mode
from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients in place so that their total norm is at most ``max_norm``.

    total = || (||g_1||, ..., ||g_n||) ||_p  — the p-norm of all gradients seen as one vector
    (``norm_type`` may be ``inf``: the largest absolute value). Each gradient is multiplied by
    ``min(1, max_norm / (total + 1e-6))``. Returns the total norm (before clipping) as a 0-d
    Tensor; raises if it is nan/inf and ``error_if_nonfinite``.
    """
    grads = _grads(parameters)
    norm_type = number_arg("clip_grad_norm_", "norm_type", norm_type)
    max_norm = number_arg("clip_grad_norm_", "max_norm", max_norm)
    if not grads:
        return Tensor(np.zeros((), dtype=backend.get_default_dtype()))
    xp = backend.array_module(grads[0].data)
    if norm_type == math.inf:
        norms = xp.stack([xp.abs(g.data).max() for g in grads])
        total = norms.max()
    elif norm_type == 0:            # the number of non-zero entries, as PyTorch
        total = xp.asarray(sum(int((g.data != 0).sum()) for g in grads), dtype=grads[0].data.dtype)
    else:
        norms = xp.stack([xp.sum(xp.abs(g.data) ** norm_type) ** (1.0 / norm_type) for g in grads])
        total = xp.sum(norms ** norm_type) ** (1.0 / norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} for gradients "
                           f"from `parameters` is non-finite ({float(total)}), so it cannot be "
                           "clipped. Pass error_if_nonfinite=False to clip anyway")
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    with grad_mode.no_grad():
        for g in grads:
            g.data *= g.data.dtype.type(coef)
            g._version.value += 1
    return Tensor(xp.asarray(total))


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient value into ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        xp = backend.array_module(g.data)
        xp.clip(g.data, -clip_value, clip_value, out=g.data)
        g._version.value += 1
