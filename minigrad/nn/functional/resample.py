"""F.interpolate: 'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic' and 'trilinear'
resampling of 3-D, 4-D and 5-D input, PyTorch's rules exactly.

Resampling is separable, one axis after the other, and linear in the image:

- 'nearest' reads input row ``src = min(floor(dst * scale), in - 1)`` for output row ``dst``
  (PyTorch's rule, computed in float32 as PyTorch does; ``scale = 1/scale_factor`` when a
  scale factor is given, else in/out): an ``index_select`` per axis, whose backward (adding
  the gradient back at the indices) comes with it.
- 'nearest-exact' reads ``src = min(floor((dst + 0.5) * scale), in - 1)``, the input pixel
  whose centre is nearest.
- 'linear' / 'bilinear' / 'trilinear' mix two neighbouring rows, ``(1 - l) * x[i0] + l * x[i1]``,
  and 'bicubic' four, ``x[i-1..i+2]`` weighted by Keys' cubic convolution (A = -0.75; indices
  clamped to the image, the source index not clamped at 0): per axis one ``index_select``
  per tap and a weighted sum (not a dense interpolation matrix, whose zeros would
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
    n = x.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor (got size={size!r}, "
                         f"scale_factor={scale_factor!r})")
    if size is not None:
        out = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n
        scales = (None,) * n
    else:
        sf = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * n
        if len(sf) != n or min(sf) <= 0:
            raise ValueError(f"{op}: scale_factor {scale_factor!r} must be one or {n} positive numbers "
                             f"for input of shape {tuple(x.shape)}")
        out = tuple(int(math.floor(float(x.shape[2 + a]) * sf[a])) for a in range(n))
        scales = sf
    if len(out) != n or min(out) < 1:
        raise ValueError(f"{op}: output size {out} must be {n} positive sizes (input {tuple(x.shape)}, "
                         f"size={size!r}, scale_factor={scale_factor!r})")
    return tuple(int(o) for o in out), scales


def _scale(in_size, out_size, scale_factor, dtype):
    """PyTorch's compute_scales_value: 1/scale_factor if given, else in/out (in ``dtype``)."""
    if scale_factor is not None and scale_factor > 0:
        return dtype.type(1.0 / scale_factor)
    return dtype.type(in_size) / dtype.type(out_size)


def nearest_indices(in_size, out_size, scale_factor=None, exact=False):
    """Input index for each output index under PyTorch's 'nearest' rule (or 'nearest-exact':
    the pixel whose centre is nearest, ``floor((dst + 0.5) * scale)``)."""
    dst = np.arange(out_size)
    if not exact and out_size == in_size:
        return dst
    if not exact and out_size == 2 * in_size:
        return dst >> 1
    scale = _scale(in_size, out_size, scale_factor, np.dtype(np.float32))
    offset = np.float32(0.5 if exact else 0.0)
    return np.minimum(np.floor((dst.astype(np.float32) + offset) * scale).astype(np.int64), in_size - 1)


def _source(in_size, out_size, align_corners, scale_factor, dtype, cubic=False):
    """PyTorch's area_pixel_compute_source_index for every output index (``cubic``: not clamped at 0)."""
    t = np.dtype(dtype).type
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        scale = t(in_size - 1) / t(out_size - 1) if out_size > 1 else t(0)
        return scale * dst
    scale = _scale(in_size, out_size, scale_factor, np.dtype(dtype))
    src = scale * (dst + t(0.5)) - t(0.5)
    return src if cubic else np.maximum(src, t(0))


def linear_taps(in_size, out_size, align_corners, scale_factor, dtype):
    """For each output index of 1-D linear interpolation, the input indices (i0, i1) and their
    weights (1 - l, l)."""
    src = _source(in_size, out_size, align_corners, scale_factor, dtype)
    i0 = src.astype(np.int64)
    i1 = i0 + (i0 < in_size - 1)
    lam1 = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    return (i0, i1), (1 - lam1, lam1)


CUBIC_A = -0.75     # PyTorch's (and OpenCV's) cubic convolution coefficient


def cubic_taps(in_size, out_size, align_corners, scale_factor, dtype):
    """For each output index of 1-D cubic convolution (Keys, A = -0.75), the four input indices
    floor(src) - 1 .. floor(src) + 2 (clamped to the image) and their weights."""
    src = _source(in_size, out_size, align_corners, scale_factor, dtype, cubic=True)
    base = np.floor(src)
    t = (src - base).astype(dtype)
    A = np.dtype(dtype).type(CUBIC_A)
    near = lambda x: ((A + 2) * x - (A + 3)) * x * x + 1              # noqa: E731  |x| <= 1
    far = lambda x: ((A * x - 5 * A) * x + 8 * A) * x - 4 * A         # noqa: E731  1 < |x| < 2
    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    base = base.astype(np.int64)
    return tuple(np.clip(base + k, 0, in_size - 1) for k in (-1, 0, 1, 2)), weights


def _mix_along(x, axis, taps, xp):
    """sum_k w_k * x[i_k] along ``axis``: one ``index_select`` and one product per tap."""
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    out = None
    for i, w in zip(*taps):
        term = index_select(x, axis, Tensor(xp.asarray(i))) * Tensor(xp.asarray(w.reshape(shape)))
        out = term if out is None else out + term
    return out


MODES = {"nearest": None, "nearest-exact": None, "linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, *spatial) ``input`` -- 1, 2 or 3 spatial dims -- to ``size`` or by
    ``scale_factor``: 'nearest', 'nearest-exact' (any rank), 'linear' (3-D input), 'bilinear',
    'bicubic' (4-D), 'trilinear' (5-D). Integer (uint8) images are resampled in float64 and
    rounded half up, axis by axis from the last, as PyTorch's uint8 path."""
    op = "interpolate"
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"{op}: only 3-D, 4-D and 5-D input is supported, got shape "
                                  f"{tuple(input.shape)}")
    if mode not in MODES:
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported; use one of "
                                  f"{', '.join(repr(m) for m in MODES)}")
    if MODES[mode] is not None and MODES[mode] != input.ndim - 2:
        raise NotImplementedError(f"{op}: got {input.ndim}-D input, but mode {mode!r} needs "
                                  f"{MODES[mode] + 2}-D input")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    if MODES[mode] is None and align_corners is not None:
        raise ValueError(f"{op}: align_corners may only be set with the interpolating modes linear, "
                         f"bilinear, bicubic and trilinear, got mode {mode!r}")
    out, scales = _out_sizes(op, input, size, scale_factor)
    n = input.ndim - 2
    if recompute_scale_factor:
        scales = (None,) * n
    xp = array_module(input.data)
    if MODES[mode] is None:
        y = input
        for a in range(n):
            idx = nearest_indices(input.shape[2 + a], out[a], scales[a], exact=mode == "nearest-exact")
            y = index_select(y, 2 + a, Tensor(xp.asarray(idx)))
        return y
    integer = input.dtype.kind in "iu"
    if integer and mode != "bilinear":
        raise NotImplementedError(f"{op}: mode {mode!r} on {input.dtype} input is not supported "
                                  f"(PyTorch has none either but for bilinear)")
    dtype = np.dtype(np.float64) if integer else input.dtype
    taps = cubic_taps if mode == "bicubic" else linear_taps
    y = input.to(dtype) if integer else input
    for a in reversed(range(n)):                     # the last axis first, as PyTorch's uint8 path
        y = _mix_along(y, 2 + a, taps(input.shape[2 + a], out[a], bool(align_corners), scales[a], dtype), xp)
        if integer:
            info = np.iinfo(input.dtype)
            y = (y + 0.5).floor().clamp(info.min, info.max)
    return y.to(input.dtype) if integer else y


__all__ = ["interpolate"]
