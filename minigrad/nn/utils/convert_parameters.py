"""Flatten parameters into one vector and back (``torch.nn.utils`` names)."""
from __future__ import annotations

from ...autograd import grad_mode
from ...ops import cat
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-d Tensor (differentiable)."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    devices = {str(p.device) for p in params}
    if len(devices) > 1:
        raise RuntimeError(f"parameters_to_vector: parameters are on different devices {sorted(devices)}")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d ``vec`` into each parameter, in place."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-d, got shape {tuple(vec.shape)}")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise ValueError(f"vector_to_parameters: vec has {vec.numel()} elements but the "
                         f"parameters have {total}")
    start = 0
    with grad_mode.no_grad():
        for p in params:
            n = p.numel()
            p.data[...] = vec.data[start:start + n].reshape(p.shape)
            p._version.value += 1
            start += n
