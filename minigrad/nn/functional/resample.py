"""F.interpolate: 'nearest' and 'bilinear' resampling of NCHW images, PyTorch's rules exactly.

Resampling is separable, one axis after the other, and linear in the image:

- 'nearest' reads input row ``src = min(floor(dst * scale), in - 1)`` for output row ``dst``
  (PyTorch's rule, computed in float32 as PyTorch does; ``scale = 1/scale_factor`` when a
  scale factor is given, else in/out): an ``index_select`` per axis, whose backward (adding
  the gradient back at the indices) comes with it.
- 'bilinear' mixes two neighbouring rows, ``(1 - l) * x[i0] + l * x[i1]``: per axis two
  ``index_select`` and a weighted sum (not a dense interpolation matrix, whose zeros would
  multiply a NaN or an inf anywhere on the axis into the whole output row). No kernel of its
  own is needed on any device.

    align_corners=False:  src = max(scale * (dst + 0.5) - 0.5, 0)
    align_corners=True:   src = dst * (in - 1) / (out - 1)
"""
from __future__ import annotations

import math

import numpy as np

from ...backend import array_module
from ...ops import index_select
from ...tensor import Tensor


def _out_sizes(op, x, size, scale_factor):
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor (got size={size!r}, "
                         f"scale_factor={scale_factor!r})")
    if size is not None:
        out = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
        scales = (None, None)
    else:
        sf = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2
        if len(sf) != 2 or min(sf) <= 0:
            raise ValueError(f"{op}: scale_factor {scale_factor!r} must be one or two positive numbers")
        out = tuple(int(math.floor(float(x.shape[2 + a]) * sf[a])) for a in range(2))
        scales = sf
    if len(out) != 2 or min(out) < 1:
        raise ValueError(f"{op}: output size {out} must be two positive sizes (input {tuple(x.shape)}, "
                         f"size={size!r}, scale_factor={scale_factor!r})")
    return tuple(int(o) for o in out), scales


def _scale(in_size, out_size, scale_factor, dtype):
    """PyTorch's compute_scales_value: 1/scale_factor if given, else in/out (in ``dtype``)."""
    if scale_factor is not None and scale_factor > 0:
        return dtype.type(1.0 / scale_factor)
    return dtype.type(in_size) / dtype.type(out_size)


def nearest_indices(in_size, out_size, scale_factor=None):
    """Input index for each output index under PyTorch's 'nearest' rule."""
    dst = np.arange(out_size)
    if out_size == in_size:
        return dst
    if out_size == 2 * in_size:
        return dst >> 1
    scale = _scale(in_size, out_size, scale_factor, np.dtype(np.float32))
    return np.minimum(np.floor(dst.astype(np.float32) * scale).astype(np.int64), in_size - 1)


def linear_taps(in_size, out_size, align_corners, scale_factor, dtype):
    """For each output index of 1-D linear interpolation (PyTorch's source-index rule), the two
    input indices i0, i1 and the weight l of i1 (i0 gets 1 - l)."""
    t = np.dtype(dtype).type
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        scale = t(in_size - 1) / t(out_size - 1) if out_size > 1 else t(0)
        src = scale * dst
    else:
        scale = _scale(in_size, out_size, scale_factor, np.dtype(dtype))
        src = np.maximum(scale * (dst + t(0.5)) - t(0.5), t(0))
    i0 = src.astype(np.int64)
    i1 = i0 + (i0 < in_size - 1)
    lam1 = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    return i0, i1, lam1


def _linear_along(x, axis, taps, xp):
    """(1 - l) * x[i0] + l * x[i1] along ``axis`` (2 or 3) of an NCHW tensor."""
    i0, i1, lam1 = taps
    shape = (-1, 1) if axis == 2 else (-1,)
    w1 = Tensor(xp.asarray(lam1.reshape(shape)))
    w0 = Tensor(xp.asarray((1 - lam1).reshape(shape)))
    return index_select(x, axis, Tensor(xp.asarray(i0))) * w0 + index_select(x, axis, Tensor(xp.asarray(i1))) * w1


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample a 4-D NCHW ``input`` to ``size`` or by ``scale_factor`` ('nearest' or 'bilinear')."""
    op = "interpolate"
    if input.ndim != 4:
        raise NotImplementedError(f"{op}: only 4-D (N, C, H, W) input is supported, got shape "
                                  f"{tuple(input.shape)}")
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported; use 'nearest' or 'bilinear'")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    if mode == "nearest" and align_corners is not None:
        raise ValueError(f"{op}: align_corners may only be set with mode 'bilinear', got mode {mode!r}")
    out, scales = _out_sizes(op, input, size, scale_factor)
    if recompute_scale_factor:
        scales = (None, None)
    xp = array_module(input.data)
    H, W = input.shape[2:]
    if mode == "nearest":
        rows = Tensor(xp.asarray(nearest_indices(H, out[0], scales[0])))
        cols = Tensor(xp.asarray(nearest_indices(W, out[1], scales[1])))
        return index_select(index_select(input, 2, rows), 3, cols)
    dtype = input.dtype
    y = _linear_along(input, 2, linear_taps(H, out[0], bool(align_corners), scales[0], dtype), xp)
    return _linear_along(y, 3, linear_taps(W, out[1], bool(align_corners), scales[1], dtype), xp)


__all__ = ["interpolate"]
