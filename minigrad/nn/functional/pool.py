"""F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d, F.adaptive_max_pool2d and their 1-D forms.

PyTorch's arguments become a *window plan* per axis -- for every output index the first
input index inside the image, how many there are, and the step between them -- which the
kernels in ``minigrad.kernels.pool`` run. Output sizes and ceil_mode follow PyTorch:

    out = floor_or_ceil((size + 2*pad - dilation*(k - 1) - 1) / stride) + 1,
    and with ceil_mode the last window must start inside the image or its left padding.
"""
from __future__ import annotations

import numpy as np

from ...kernels.pool import AvgPool, MaxPool
from ._arguments import _batched, _pair, _single, _unbatched


def pool_output_size(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _kernel_axis(size, k, s, p, d, out):
    """Window plan of one axis: first valid input index, count of valid indices."""
    first = np.arange(out) * s - p
    t0 = np.maximum(0, -(first // d))                           # ceil(-first / d) for first < 0
    t1 = np.minimum(k, np.where(size - 1 - first >= 0, (size - 1 - first) // d + 1, 0))
    return tuple(int(v) for v in first + t0 * d), tuple(int(v) for v in np.maximum(t1 - t0, 0))


def _adaptive_axis(size, out):
    """Adaptive windows: [floor(i*size/out), ceil((i+1)*size/out))."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    return tuple(int(v) for v in start), tuple(int(v) for v in end - start)


def _kernel_plan(op, input, kernel_size, stride, padding, dilation, ceil_mode):
    k = _pair(kernel_size, "kernel_size", op, one_element=True)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _pair(stride, "stride", op, one_element=True)
    p = _pair(padding, "padding", op, one_element=True)
    d = _pair(dilation, "dilation", op, one_element=True)
    if min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise RuntimeError(f"{op}: kernel_size {k}, stride {s} and dilation {d} must be positive")
    if p[0] < 0 or p[1] < 0 or p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise RuntimeError(f"{op}: padding {p} should be non-negative and at most half of the "
                           f"kernel size {k}")
    H, W = input.shape[2:]
    oh = pool_output_size(H, k[0], s[0], p[0], d[0], ceil_mode)
    ow = pool_output_size(W, k[1], s[1], p[1], d[1], ceil_mode)
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} is too small for kernel_size {k}, "
                           f"stride {s}, padding {p}, dilation {d}: the output size would be ({oh}, {ow})")
    hs, hc = _kernel_axis(H, k[0], s[0], p[0], d[0], oh)
    ws, wc = _kernel_axis(W, k[1], s[1], p[1], d[1], ow)
    return (hs, hc, d[0], ws, wc, d[1]), k, s, p


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each window; ``return_indices`` also gives the argmax as h*W + w per plane."""
    x, unbatched = _batched("max_pool2d", input, 2, nonempty=True)
    plan = _kernel_plan("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)[0]
    y, idx = _unbatched(unbatched, *MaxPool.apply(x, plan))
    return (y, idx) if return_indices else y


def _avg_pool(op, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    plan, k, s, p = _kernel_plan(op, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor_override must be non-zero")
        div = np.full((len(plan[0]), len(plan[3])), float(divisor_override))
    elif count_include_pad:
        sizes = []
        for a, size in enumerate(x.shape[2:]):
            start = np.arange(len(plan[3 * a])) * s[a] - p[a]
            sizes.append(np.minimum(start + k[a], size + p[a]) - start)
        div = np.outer(sizes[0], sizes[1]).astype(np.float64)
    else:
        div = np.outer(plan[1], plan[4]).astype(np.float64)
    return AvgPool.apply(x, plan, div)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over each window. The divisor is the window's size clipped to the padded image
    (count_include_pad=True), or to the image (False), or ``divisor_override``."""
    x, unbatched = _batched("avg_pool2d", input, 2, nonempty=True)
    return _unbatched(unbatched, _avg_pool("avg_pool2d", x, kernel_size, stride, padding, ceil_mode,
                                           count_include_pad, divisor_override))


def _adaptive_plan(op, x, output_size):
    out = _pair(output_size, "output_size", op) if not isinstance(output_size, (tuple, list)) else tuple(
        x.shape[2 + a] if v is None else int(v) for a, v in enumerate(output_size))
    if len(out) != 2 or min(out) < 1:
        raise RuntimeError(f"{op}: output_size {output_size!r} must be one or two positive sizes "
                           f"(input {tuple(x.shape)})")
    hs, hc = _adaptive_axis(x.shape[2], out[0])
    ws, wc = _adaptive_axis(x.shape[3], out[1])
    return hs, hc, 1, ws, wc, 1


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive windows; ``output_size`` 1 gives global average pooling."""
    x, unbatched = _batched("adaptive_avg_pool2d", input, 2, nonempty=True)
    plan = _adaptive_plan("adaptive_avg_pool2d", x, output_size)
    return _unbatched(unbatched, AvgPool.apply(x, plan, np.outer(plan[1], plan[4]).astype(np.float64)))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows; ``output_size`` 1 gives global max pooling."""
    x, unbatched = _batched("adaptive_max_pool2d", input, 2, nonempty=True)
    y, idx = _unbatched(unbatched, *MaxPool.apply(x, _adaptive_plan("adaptive_max_pool2d", x, output_size)))
    return (y, idx) if return_indices else y


def _as_1d(op, args):
    """A 1-D pooling's int-or-1-tuple arguments as (1, v) pairs: pooled as a height-1 image."""
    return [None if v is None else (1, _single(v, name, op)) for name, v in args]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each window of (N, C, L) input: max_pool2d over a height-1 image; indices are
    positions along L."""
    x, unbatched = _batched("max_pool1d", input, 1, nonempty=True)
    k, s, p, d = _as_1d("max_pool1d", (("kernel_size", kernel_size), ("stride", stride),
                                       ("padding", padding), ("dilation", dilation)))
    y, idx = MaxPool.apply(x.unsqueeze(2), _kernel_plan("max_pool1d", x.unsqueeze(2), k, s, (0, p[1]), d,
                                                          ceil_mode)[0])
    y, idx = _unbatched(unbatched, y.squeeze(2), idx.squeeze(2))
    return (y, idx) if return_indices else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over each window of (N, C, L) input: avg_pool2d over a height-1 image."""
    x, unbatched = _batched("avg_pool1d", input, 1, nonempty=True)
    k, s, p = _as_1d("avg_pool1d", (("kernel_size", kernel_size), ("stride", stride), ("padding", padding)))
    y = _avg_pool("avg_pool1d", x.unsqueeze(2), k, s, (0, p[1]), ceil_mode, count_include_pad, None)
    return _unbatched(unbatched, y.squeeze(2))


def adaptive_avg_pool1d(input, output_size):
    """Average over PyTorch's adaptive windows along L of (N, C, L) input."""
    x, unbatched = _batched("adaptive_avg_pool1d", input, 1, nonempty=True)
    out = _single(output_size, "output_size", "adaptive_avg_pool1d")
    return _unbatched(unbatched, adaptive_avg_pool2d(x.unsqueeze(2), (1, out)).squeeze(2))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows along L of (N, C, L) input."""
    x, unbatched = _batched("adaptive_max_pool1d", input, 1, nonempty=True)
    out = _single(output_size, "output_size", "adaptive_max_pool1d")
    y, idx = adaptive_max_pool2d(x.unsqueeze(2), (1, out), return_indices=True)
    y, idx = _unbatched(unbatched, y.squeeze(2), idx.squeeze(2))
    return (y, idx) if return_indices else y


__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"]
