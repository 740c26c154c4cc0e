"""F.interpolate: 'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear',
'area' and 'lanczos' resampling of 3-D, 4-D and 5-D input, with or without antialiasing,
PyTorch's rules exactly.

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

- 'area' is adaptive average pooling to the output size (PyTorch's definition).
- ``antialias=True`` ('bilinear', 'bicubic'; 'lanczos' needs it) is Pillow's resampling filter:
  output ``i`` is centred on ``c = scale * (i + 0.5)`` in the input and mixes the inputs ``j``
  within ``support`` of it, weighted ``f((j + 0.5 - c) / max(scale, 1))`` and normalised to sum
  to 1. ``f`` is the triangle (bilinear), Keys' cubic with A = -0.5 (bicubic) or the Lanczos-3
  window ``sinc(x) sinc(x / 3)``; down-sampling stretches it over ``scale`` input pixels, so
  every input pixel counts (no aliasing). Still one weighted sum of taps per axis.
- uint8 images ('bilinear', 'bicubic') go through PyTorch's fixed-point path: per axis (the
  last first, an axis of unchanged size skipped), the float weights are scaled by ``2**p``
  (``p`` as large as the largest weight allows in int16) and rounded, the sum of integer
  products gets ``2**(p-1)`` added and is shifted right by ``p`` (rounding half up), then
  clamped to 0..255.
"""
from __future__ import annotations

import math

import numpy as np

from ...backend import array_module
from ...ops import index_select
from ...tensor import Tensor
from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d


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
        if len(sf) == n and any(isinstance(s, float) and math.isinf(s) for s in sf):
            raise RuntimeError(f"{op}: scale_factor {scale_factor!r} makes an output size that cannot be "
                               f"converted to int64 without overflow (input of shape {tuple(x.shape)})")
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
    weights (1 - l, l). An axis of unchanged size is copied, whatever the scale factor (PyTorch)."""
    if in_size == out_size:
        same = np.arange(out_size)
        return (same, same), (np.ones(out_size, dtype), np.zeros(out_size, dtype))
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


def _triangle(x):
    return np.maximum(1 - np.abs(x), 0)


def _keys_cubic(A):
    """Keys' cubic convolution kernel with coefficient ``A``."""
    def f(x):
        x = np.abs(x)
        near = ((A + 2) * x - (A + 3)) * x * x + 1
        far = ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
        return np.where(x < 1, near, np.where(x < 2, far, 0.0))
    return f


def _lanczos3(x):
    return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


# mode -> (taps of the plain filter, the antialiasing filter)
FILTERS = {"bilinear": (2, _triangle), "bicubic": (4, _keys_cubic(-0.5)), "lanczos": (6, _lanczos3)}


def _area_scale(in_size, out_size, align_corners, scale_factor):
    """PyTorch's area_pixel_compute_scale, in float64."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / scale_factor if scale_factor is not None and scale_factor > 0 else in_size / out_size


def antialias_taps(in_size, out_size, align_corners, scale_factor, mode):
    """For each output index, the input indices of Pillow's (and PyTorch's) antialiased filter
    and their weights (float64), as tap columns; a window narrower than the widest carries
    weight 0 on its spare taps (their index repeats the window's first)."""
    width, f = FILTERS[mode]
    scale = _area_scale(in_size, out_size, align_corners, scale_factor)
    support = width / 2 * scale if scale >= 1 else width / 2
    stretch = scale if scale >= 1 else 1.0
    n_taps = int(math.ceil(support)) * 2 + 1
    center = scale * (np.arange(out_size) + 0.5)
    first = np.maximum(np.trunc(center - support + 0.5).astype(np.int64), 0)
    count = np.clip(np.minimum(np.trunc(center + support + 0.5).astype(np.int64), in_size) - first, 0, n_taps)
    j = np.arange(n_taps)
    inside = j < count[:, None]
    w = np.where(inside, f((j + first[:, None] - center[:, None] + 0.5) / stretch), 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w)
    index = np.where(inside, first[:, None] + j, first[:, None])
    return tuple(index.T), tuple(w.T)


def _uint8_weights(in_size, out_size, align_corners, scale_factor, mode, antialias):
    """PyTorch's float64 weights for its uint8 path, as (out, taps) arrays of input indices and
    weights, and the largest weight it sees (which sets the fixed-point precision). Without
    antialiasing a tap outside the image adds its weight to the border pixel's."""
    if antialias:
        index, w = (np.stack(t, axis=1) for t in antialias_taps(in_size, out_size, align_corners,
                                                                scale_factor, mode))
        return index, w, w.max()
    width = FILTERS[mode][0]
    f = _keys_cubic(CUBIC_A) if mode == "bicubic" else _triangle
    scale = _area_scale(in_size, out_size, align_corners, scale_factor)
    dst = np.arange(out_size, dtype=np.float64)
    src = scale * dst if align_corners else scale * (dst + 0.5) - 0.5
    if mode == "bilinear" and not align_corners:
        src = np.maximum(src, 0)
    base = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), in_size - 1)
    lam = np.clip(src - base, 0, 1)
    first = base - width // 2 + 1
    lo = np.maximum(first, 0)
    rows = np.arange(out_size)
    w = np.zeros((out_size, width))
    w_max = 0.0
    for j in range(width):                       # PyTorch's order: its largest partial sum counts
        slot = np.clip(first + j, 0, in_size - 1) - lo
        w[rows, slot] += f(j + 1 - width // 2 - lam)
        w_max = max(w_max, w[rows, slot].max())
    return np.minimum(lo[:, None] + np.arange(width), in_size - 1), w, w_max


def fixed_point(w, w_max):
    """Weights as integers ``round(w * 2**p)`` and the precision ``p``: the largest p (at most
    22) with ``round(w_max * 2**(p+1)) < 2**15``, PyTorch's rule."""
    p = 0
    while p < 22 and int(0.5 + w_max * (1 << (p + 1))) < (1 << 15):
        p += 1
    v = w * (1 << p)
    return np.trunc(v + np.where(v < 0, -0.5, 0.5)).astype(np.int64), p


def _resample_uint8(x, axis, out_size, align_corners, scale_factor, mode, antialias):
    """One axis of PyTorch's uint8 resampling, on the array ``x``: integer weights, a sum of
    integer products, ``+ 2**(p-1)``, ``>> p``, clamped to 0..255."""
    xp = array_module(x)
    index, w, w_max = _uint8_weights(x.shape[axis], out_size, align_corners, scale_factor, mode, antialias)
    w, p = fixed_point(w, w_max)
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    acc = xp.full(x.shape[:axis] + (out_size,) + x.shape[axis + 1:], 1 << (p - 1), dtype=np.int64)
    for k in range(index.shape[1]):
        taken = xp.take(x, xp.asarray(index[:, k]), axis=axis).astype(np.int64)
        acc += taken * xp.asarray(w[:, k].reshape(shape))
    return xp.clip(acc >> p, 0, 255).astype(np.uint8)


def _mix_along(x, axis, taps, xp):
    """sum_k w_k * x[i_k] along ``axis``: one ``index_select`` and one product per tap."""
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    out = None
    for i, w in zip(*taps):
        term = index_select(x, axis, Tensor(xp.asarray(i))) * Tensor(xp.asarray(w.reshape(shape)))
        out = term if out is None else out + term
    return out


MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 1, "bilinear": 2,
         "bicubic": 2, "trilinear": 3, "lanczos": 2}
ANTIALIASED = ("bilinear", "bicubic", "lanczos")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, *spatial) ``input`` -- 1, 2 or 3 spatial dims -- to ``size`` or by
    ``scale_factor``: 'nearest', 'nearest-exact', 'area' (any rank), 'linear' (3-D input),
    'bilinear', 'bicubic', 'lanczos' (4-D), 'trilinear' (5-D). ``antialias=True`` (bilinear,
    bicubic; lanczos requires it) filters as Pillow does when down-sampling. uint8 images
    (nearest, nearest-exact, bilinear, bicubic, lanczos) give PyTorch's uint8 results bit for
    bit: its fixed-point arithmetic, axis by axis from the last."""
    op = "interpolate"
    if mode not in MODES:
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported; use one of "
                                  f"{', '.join(repr(m) for m in MODES)}")
    if MODES[mode] is None and align_corners is not None:
        raise ValueError(f"{op}: align_corners may only be set with the interpolating modes linear, "
                         f"bilinear, bicubic, trilinear and lanczos, got mode {mode!r}")
    if size is not None and recompute_scale_factor:
        raise ValueError(f"{op}: recompute_scale_factor is not meaningful with an explicit size")
    if antialias and not (mode in ANTIALIASED and input.ndim == 4):
        raise ValueError(f"{op}: antialias=True is restricted to the modes bilinear, bicubic and lanczos "
                         f"and needs 4-D input, got mode {mode!r} and input of shape {tuple(input.shape)}")
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"{op}: only 3-D, 4-D and 5-D input is supported, got shape "
                                  f"{tuple(input.shape)}")
    if MODES[mode] is not None and MODES[mode] != input.ndim - 2:
        raise NotImplementedError(f"{op}: got {input.ndim}-D input, but mode {mode!r} needs "
                                  f"{MODES[mode] + 2}-D input")
    if mode == "lanczos" and align_corners:
        raise ValueError(f"{op}: mode 'lanczos' does not support align_corners=True")
    if mode == "lanczos" and not antialias:
        raise ValueError(f"{op}: mode 'lanczos' requires antialias=True")
    out, scales = _out_sizes(op, input, size, scale_factor)
    n = input.ndim - 2
    if recompute_scale_factor or mode == "area":
        scales = (None,) * n
    if input.dtype.kind in "iub" and not (input.dtype == np.uint8 and mode not in ("area", "linear", "trilinear")):
        raise NotImplementedError(f"{op}: mode {mode!r} on {input.dtype} input is not supported "
                                  f"(PyTorch has none either)")
    if mode != "area" and input.shape[1] == 0:     # as PyTorch's upsampling kernels: only the batch may be 0
        raise RuntimeError(f"{op}: expected a non-empty {input.ndim}-D input (only the batch dim may be 0) "
                           f"for mode {mode!r}, got input of shape {tuple(input.shape)}")
    xp = array_module(input.data)
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[n - 1](input, out)
    if MODES[mode] is None:
        y = input
        for a in range(n):
            idx = nearest_indices(input.shape[2 + a], out[a], scales[a], exact=mode == "nearest-exact")
            y = index_select(y, 2 + a, Tensor(xp.asarray(idx)))
        return y
    align = bool(align_corners)
    axes = [a for a in reversed(range(n)) if not (antialias or input.dtype == np.uint8)
            or out[a] != input.shape[2 + a]]        # the last axis first; PyTorch skips same-size axes here
    if input.dtype == np.uint8:
        y = input.data
        for a in axes:
            y = _resample_uint8(y, 2 + a, out[a], align, scales[a], mode, antialias)
        return Tensor(xp.ascontiguousarray(y))
    y = input
    for a in axes:
        if antialias:
            index, w = antialias_taps(input.shape[2 + a], out[a], align, scales[a], mode)
            taps = index, tuple(c.astype(input.dtype) for c in w)
        else:
            taps = (cubic_taps if mode == "bicubic" else linear_taps)(input.shape[2 + a], out[a], align,
                                                                      scales[a], input.dtype)
        y = _mix_along(y, 2 + a, taps, xp)
    return y


__all__ = ["interpolate"]
