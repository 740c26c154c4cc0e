"""F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d, F.adaptive_max_pool2d, their 1-D forms,
F.max_pool3d, F.avg_pool3d, F.adaptive_avg_pool3d, F.adaptive_max_pool3d and F.max_unpool1d/2d/3d.

PyTorch's arguments become a *window plan* per axis -- for every output index the first
input index inside the image, how many there are, and the step between them -- which the
kernels in ``minigrad.kernels.pool`` run. Output sizes and ceil_mode follow PyTorch:

    out = floor_or_ceil((size + 2*pad - dilation*(k - 1) - 1) / stride) + 1,
    and with ceil_mode the last window must start inside the image or its left padding.

The 1-D poolings run the 2-D kernels over a height-1 image. The 3-D ones are separable: two
passes of the 2-D kernels, first over (H, W) of each depth slice -- (N, C*D, H, W) -- then over
depth -- (N, C, D, OH*OW) with a (kd, 1) window. A max of maxes is the max (the first one in
(d, h, w) order wins a tie, as PyTorch); an average sums in both passes and divides once, by the
product of the per-axis window sizes (each clipped as in 2-D) or ``divisor_override``.
The adaptive average over (D, H, W) is separable the same way: its windows are products of
per-axis windows.
"""
from __future__ import annotations

import numpy as np

from ..._checks import bool_arg, errors_named, int_arg
from ...backend import array_module
from ...kernels import choose
from ...tensor import Tensor

from ...kernels.pool import AvgPool, MaxPool, MaxUnpool
from ._arguments import _batched, _ntuple, _pair, _single, _triple, _unbatched


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


def _pool_input(op, input, spatial_dims, nonempty):
    """``input`` with a batch dim (``_batched``), its dtype and device checked against the kernel
    variant up front: an unsupported one is refused in the name of the op called, not of the 2-D
    pooling that a 1-D, 3-D or adaptive one runs on."""
    x, added = _batched(op, input, spatial_dims, nonempty)
    choose(op, x.data)
    return x, added


def _kernel_plan(op, input, kernel_size, stride, padding, dilation, ceil_mode):
    ceil_mode = bool_arg(op, "ceil_mode", ceil_mode)
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
    x, unbatched = _pool_input("max_pool2d", input, 2, True)
    plan = _kernel_plan("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)[0]
    y, idx = _unbatched(unbatched, *MaxPool.apply(x, plan))
    return (y, idx) if return_indices else y


def _divisor_override(op, divisor_override):
    """None, or a non-zero int that fits in int64 (negative is allowed, as PyTorch allows it)."""
    if divisor_override is None:
        return None
    divisor = int_arg(op, "divisor_override", divisor_override)
    if not -2 ** 63 <= divisor < 2 ** 63:
        raise ValueError(f"{op}: divisor_override must fit in int64, got {divisor}")
    if divisor == 0:
        raise RuntimeError(f"{op}: divisor_override must be non-zero")
    return divisor


def _avg_pool(op, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    count_include_pad = bool_arg(op, "count_include_pad", count_include_pad)
    divisor_override = _divisor_override(op, divisor_override)
    plan, k, s, p = _kernel_plan(op, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
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
    x, unbatched = _pool_input("avg_pool2d", input, 2, True)
    return _unbatched(unbatched, _avg_pool("avg_pool2d", x, kernel_size, stride, padding, ceil_mode,
                                           count_include_pad, divisor_override))


def _adaptive_size(op, x, output_size, n=2):
    """``output_size`` -- an int, or ``n`` ints or None (None: the input's size) -- as ``n``
    non-negative ints; 0 gives an empty output, as PyTorch's."""
    if not isinstance(output_size, (tuple, list)):
        out = _ntuple(output_size, n, "output_size", op)
    elif len(output_size) != n:
        raise RuntimeError(f"{op}: output_size must have {n} entries, got {output_size!r} (input {tuple(x.shape)})")
    else:
        out = tuple(x.shape[2 + a] if v is None else _single(v, "output_size", op) for a, v in enumerate(output_size))
    if min(out) < 0:
        raise RuntimeError(f"{op}: output_size {output_size!r} must be non-negative sizes (input {tuple(x.shape)})")
    return out


def _adaptive_plan(out, x):
    hs, hc = _adaptive_axis(x.shape[2], out[0])
    ws, wc = _adaptive_axis(x.shape[3], out[1])
    return hs, hc, 1, ws, wc, 1


def _empty_pooled(x, out):
    """The empty (N, C, *out) result of an adaptive pooling to a 0 size, still on ``x``'s graph
    (its gradient is zero), and its empty int64 indices."""
    y = (x.sum(dim=(2, 3), keepdim=True) * 0).expand(*x.shape[:2], *out)
    return y, Tensor(array_module(x.data).zeros(tuple(y.shape), dtype=np.int64))


def _spatial_nonempty(op, input, spatial_dims, out):
    """PyTorch's check of an adaptive average pooling's input: the spatial dims must not be 0,
    the batch and the channels may -- unless every output size is 1, which PyTorch computes as
    a mean over the spatial dims (NaN over none)."""
    if all(o == 1 for o in out):
        return True
    for d in range(input.ndim - spatial_dims, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(f"{op}: expected input to have non-zero size for non-batch dimensions, "
                               f"but input has shape {tuple(input.shape)} with dimension {d} being empty")
    return False


def adaptive_avg_pool2d(input, output_size):
    """Average over PyTorch's adaptive windows; ``output_size`` 1 gives global average pooling.
    As PyTorch: the batch and the channels may be empty; so may the spatial dims for an output
    size of 1, whose mean over no pixels is NaN."""
    x, unbatched = _pool_input("adaptive_avg_pool2d", input, 2, False)
    out = _adaptive_size("adaptive_avg_pool2d", x, output_size)
    if _spatial_nonempty("adaptive_avg_pool2d", input, 2, out) and 0 in x.shape[2:]:
        return _unbatched(unbatched, x.mean(dim=(2, 3), keepdim=True))
    if 0 in out:
        return _unbatched(unbatched, _empty_pooled(x, out)[0])
    plan = _adaptive_plan(out, x)
    return _unbatched(unbatched, AvgPool.apply(x, plan, np.outer(plan[1], plan[4]).astype(np.float64)))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows; ``output_size`` 1 gives global max pooling."""
    x, unbatched = _pool_input("adaptive_max_pool2d", input, 2, "after_first")
    y, idx = _unbatched(unbatched, *_adaptive_max(x, _adaptive_size("adaptive_max_pool2d", x, output_size)))
    return (y, idx) if return_indices else y


def _adaptive_max(x, out):
    return _empty_pooled(x, out) if 0 in out else MaxPool.apply(x, _adaptive_plan(out, x))


def _as_1d(op, args):
    """A 1-D pooling's int-or-1-tuple arguments as (1, v) pairs: pooled as a height-1 image."""
    return [None if v is None else (1, _single(v, name, op)) for name, v in args]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each window of (N, C, L) input: max_pool2d over a height-1 image; indices are
    positions along L."""
    x, unbatched = _pool_input("max_pool1d", input, 1, True)
    k, s, p, d = _as_1d("max_pool1d", (("kernel_size", kernel_size), ("stride", stride),
                                       ("padding", padding), ("dilation", dilation)))
    y, idx = MaxPool.apply(x.unsqueeze(2), _kernel_plan("max_pool1d", x.unsqueeze(2), k, s, (0, p[1]), d,
                                                          ceil_mode)[0])
    y, idx = _unbatched(unbatched, y.squeeze(2), idx.squeeze(2))
    return (y, idx) if return_indices else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over each window of (N, C, L) input: avg_pool2d over a height-1 image."""
    x, unbatched = _pool_input("avg_pool1d", input, 1, True)
    k, s, p = _as_1d("avg_pool1d", (("kernel_size", kernel_size), ("stride", stride), ("padding", padding)))
    y = _avg_pool("avg_pool1d", x.unsqueeze(2), k, s, (0, p[1]), ceil_mode, count_include_pad, None)
    return _unbatched(unbatched, y.squeeze(2))


@errors_named("adaptive_avg_pool1d")
def adaptive_avg_pool1d(input, output_size):
    """Average over PyTorch's adaptive windows along L of (N, C, L) input; the batch and the
    channels may be empty, and so may L for an output size of 1 (a mean: NaN over nothing)."""
    x, unbatched = _pool_input("adaptive_avg_pool1d", input, 1, False)
    out = _single(output_size, "output_size", "adaptive_avg_pool1d")
    if _spatial_nonempty("adaptive_avg_pool1d", input, 1, (out,)) and x.shape[2] == 0:
        return _unbatched(unbatched, x.mean(dim=2, keepdim=True))
    return _unbatched(unbatched, adaptive_avg_pool2d(x.unsqueeze(2), (1, out)).squeeze(2))


@errors_named("adaptive_max_pool1d")
def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows along L of (N, C, L) input."""
    x, unbatched = _pool_input("adaptive_max_pool1d", input, 1, "after_first")
    out = _single(output_size, "output_size", "adaptive_max_pool1d")
    if out < 0:
        raise RuntimeError(f"adaptive_max_pool1d: output_size {out} must be non-negative (input {tuple(input.shape)})")
    y, idx = _adaptive_max(x.unsqueeze(2), (1, out))
    y, idx = _unbatched(unbatched, y.squeeze(2), idx.squeeze(2))
    return (y, idx) if return_indices else y


def _plan_3d(op, x, kernel_size, stride, padding, dilation, ceil_mode):
    """The two passes' plans of a 3-D pooling: over (H, W) of (N, C*D, H, W), then over depth
    of (N, C, D, OH*OW); and the per-axis window sizes for the average's divisor."""
    ceil_mode = bool_arg(op, "ceil_mode", ceil_mode)
    k = _triple(kernel_size, "kernel_size", op, one_element=True)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _triple(stride, "stride", op, one_element=True)
    p = _triple(padding, "padding", op, one_element=True)
    d = _triple(dilation, "dilation", op, one_element=True)
    if min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise RuntimeError(f"{op}: kernel_size {k}, stride {s} and dilation {d} must be positive")
    if min(p) < 0 or any(p[a] > k[a] // 2 for a in range(3)):
        raise RuntimeError(f"{op}: padding {p} should be non-negative and at most half of the "
                           f"kernel size {k}")
    size = x.shape[2:]
    out = tuple(pool_output_size(size[a], k[a], s[a], p[a], d[a], ceil_mode) for a in range(3))
    if min(out) < 1:
        raise RuntimeError(f"{op}: input of shape {tuple(x.shape)} is too small for kernel_size {k}, "
                           f"stride {s}, padding {p}, dilation {d}: the output size would be {out}")
    axes = [_kernel_axis(size[a], k[a], s[a], p[a], d[a], out[a]) for a in range(3)]
    L = out[1] * out[2]
    plan_hw = (*axes[1], d[1], *axes[2], d[2])
    plan_d = (*axes[0], d[0], tuple(range(L)), (1,) * L, 1)
    clipped = []                            # count_include_pad: windows clipped to the padded image
    for a in range(3):
        start = np.arange(out[a]) * s[a] - p[a]
        clipped.append(np.minimum(start + k[a], size[a] + p[a]) - start)
    return plan_hw, plan_d, out, [np.asarray(ax[1]) for ax in axes], clipped


def _separable(x, out):
    """(N, C, D, H, W) as the first pass's (N, C*D, H, W), and a function taking its (N, C*D,
    OH, OW) result to the second pass's (N, C, D, OH*OW)."""
    N, C, D, H, W = x.shape
    return x.reshape(N, C * D, H, W), lambda y: y.reshape(N, C, D, out[1] * out[2])


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each window of (N, C, D, H, W) input; ``return_indices`` also gives the argmax as
    d*H*W + h*W + w per (n, c) volume, as PyTorch."""
    op = "max_pool3d"
    x, unbatched = _pool_input(op, input, 3, True)
    plan_hw, plan_d, out, _, _ = _plan_3d(op, x, kernel_size, stride, padding, dilation, ceil_mode)
    first, second = _separable(x, out)
    y, idx = _max_of_maxes(x, out, first, second, plan_hw, plan_d)
    if not return_indices:
        return _unbatched(unbatched, y)
    return _unbatched(unbatched, y, idx)


def _max_of_maxes(x, out, first, second, plan_hw, plan_d):
    """The two max passes of a 3-D max pooling, and the argmax as d*H*W + h*W + w per (n, c)
    volume: the first pass's h*W + w read at the depth the second pass chose."""
    y1, i1 = MaxPool.apply(first, plan_hw)                       # per depth slice: h*W + w
    y, i2 = MaxPool.apply(second(y1), plan_d)                    # d*OH*OW + l
    xp = array_module(i2.data)
    N, C, D, H, W = x.shape
    L = out[1] * out[2]
    a, b = i2.data.reshape(N, C, out[0] * L), i1.data.reshape(N, C, D * L)
    hw = xp.take_along_axis(b, xp.maximum(a, 0), axis=2)
    idx = xp.where((a < 0) | (hw < 0), -1, (a // L) * (H * W) + hw).reshape(N, C, *out)
    return y.reshape(N, C, *out), Tensor(idx)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each window of (N, C, D, H, W) input; the divisor as avg_pool2d's, per axis."""
    op = "avg_pool3d"
    x, unbatched = _pool_input(op, input, 3, True)
    count_include_pad = bool_arg(op, "count_include_pad", count_include_pad)
    divisor_override = _divisor_override(op, divisor_override)
    plan_hw, plan_d, out, counts, clipped = _plan_3d(op, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        div = np.full(out, float(divisor_override))
    else:
        sizes = clipped if count_include_pad else counts
        div = np.einsum("i,j,k->ijk", *[np.asarray(v, dtype=np.float64) for v in sizes])
    first, second = _separable(x, out)
    sums = AvgPool.apply(first, plan_hw, np.ones(out[1:]))
    y = AvgPool.apply(second(sums), plan_d, div.reshape(out[0], out[1] * out[2]))
    return _unbatched(unbatched, y.reshape(*x.shape[:2], *out))


def _adaptive_plans_3d(x, out):
    """The per-axis adaptive windows, and the two passes' plans: over (H, W) of (N, C*D, H, W),
    then over depth of (N, C, D, OH*OW)."""
    axes = [_adaptive_axis(x.shape[2 + a], out[a]) for a in range(3)]
    L = out[1] * out[2]
    return axes, (*axes[1], 1, *axes[2], 1), (*axes[0], 1, tuple(range(L)), (1,) * L, 1)


def adaptive_avg_pool3d(input, output_size):
    """Average over PyTorch's adaptive windows of (N, C, D, H, W) or (C, D, H, W) input:
    ``output_size`` an int or a triple (None keeps that input size); two passes as avg_pool3d's,
    the window sums over (H, W) of each depth slice, then over depth, divided once by the
    product of the per-axis window sizes."""
    op = "adaptive_avg_pool3d"
    x, unbatched = _batched(op, input, 3, nonempty=True)
    out = _adaptive_size(op, x, output_size, 3)
    if 0 in out:
        return _unbatched(unbatched, (x.sum(dim=(2, 3, 4), keepdim=True) * 0).expand(*x.shape[:2], *out))
    choose(op, x.data)
    axes, plan_hw, plan_d = _adaptive_plans_3d(x, out)
    L = out[1] * out[2]
    div = np.einsum("i,j,k->ijk", *[np.asarray(ax[1], dtype=np.float64) for ax in axes])
    first, second = _separable(x, out)
    sums = AvgPool.apply(first, plan_hw, np.ones(out[1:]))
    y = AvgPool.apply(second(sums), plan_d, div.reshape(out[0], L))
    return _unbatched(unbatched, y.reshape(*x.shape[:2], *out))


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over PyTorch's adaptive windows of (N, C, D, H, W) or (C, D, H, W) input (the first
    maximum in (d, h, w) order wins a tie, as PyTorch); ``return_indices`` also gives the argmax
    as d*H*W + h*W + w per (n, c) volume."""
    op = "adaptive_max_pool3d"
    x, unbatched = _batched(op, input, 3, nonempty="after_first")
    out = _adaptive_size(op, x, output_size, 3)
    if 0 in out or x.numel() == 0:
        y = (x.sum(dim=(2, 3, 4), keepdim=True) * 0).expand(*x.shape[:2], *out)
        idx = Tensor(array_module(x.data).zeros(tuple(y.shape), dtype=np.int64))
    else:
        choose(op, x.data)
        _, plan_hw, plan_d = _adaptive_plans_3d(x, out)
        first, second = _separable(x, out)
        y, idx = _max_of_maxes(x, out, first, second, plan_hw, plan_d)
    return _unbatched(unbatched, y, idx) if return_indices else _unbatched(unbatched, y)


def _max_unpool(op, input, indices, kernel_size, stride, padding, output_size, n):
    """max_unpool1d/2d/3d: ``input`` put back at ``indices`` (flat per (n, c) plane or volume, as
    max_pool*d's ``return_indices`` gives them) of a zero output of size ``output_size``
    (default (in - 1)*stride - 2*padding + kernel_size per dim; the last n entries are used if it
    also names N and C). The 1-D and 3-D forms run the 2-D kernel: a row is a 1 x L plane, and a
    (D, H, W) volume flattened as D x (H*W) keeps every flat index."""
    x, unbatched = _batched(op, input, n)
    if input.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point input, got {input.dtype}")
    if indices.dtype != np.int64:
        raise RuntimeError(f"{op}: indices must be int64, got {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}: indices of shape {tuple(indices.shape)} must have the shape of the "
                           f"input {tuple(input.shape)}")
    if n == 1:                  # PyTorch's max_unpool1d reads the first entry of a longer stride or padding
        stride, padding = (v[:1] if isinstance(v, (tuple, list)) and len(v) > 1 else v for v in (stride, padding))
    k = _ntuple(kernel_size, n, "kernel_size", op)
    s = k if stride is None else _ntuple(stride, n, "stride", op)
    p = _ntuple(padding, n, "padding", op)
    if n == 3 and min(s) < 1:
        raise RuntimeError(f"{op}: strides must be greater than zero, got stride {s}")
    default = tuple((x.shape[2 + a] - 1) * s[a] - 2 * p[a] + k[a] for a in range(n))
    if output_size is None:
        size = default
    else:
        size = tuple(output_size)
        if len(size) == n + 2:
            size = size[2:]
        if len(size) != n:
            raise ValueError(f"{op}: output_size {tuple(output_size)} must have {n} or {n + 2} entries")
        size = tuple(int(v) for v in size)
        for a in range(n):
            if not default[a] - s[a] < size[a] < default[a] + s[a]:
                raise ValueError(f"{op}: invalid output_size {size} (dim {a} must be between "
                                 f"{default[a] - s[a] + 1} and {default[a] + s[a] - 1})")
    if min(size) < 0:
        raise RuntimeError(f"{op}: the output size {size} is negative (input {tuple(input.shape)}, "
                           f"kernel_size {k}, stride {s}, padding {p})")
    N, C = x.shape[:2]
    if min(size) == 0:                           # an empty output, as PyTorch's (no index can be placed)
        return _unbatched(unbatched, x.reshape(N, C, -1)[:, :, :0].reshape(N, C, *size))
    idx = indices.unsqueeze(0) if unbatched else indices
    volume = int(np.prod(size))
    if idx.numel():
        lo, hi = int(idx.data.min()), int(idx.data.max())
        if lo < 0 or hi >= volume:
            raise RuntimeError(f"{op}: found an invalid max index {lo if lo < 0 else hi} (the output "
                               f"{'planes' if n < 3 else 'volumes'} are of size {'x'.join(map(str, size))})")
    if n == 1:                                   # a row is a 1 x L plane
        planes, flat, plane = x.unsqueeze(2), idx.data[:, :, None, :], (1, size[0])
    elif n == 2:
        planes, flat, plane = x, idx.data, size
    else:                                        # a volume is a D x (H*W) plane: each flat index stays
        planes, flat = x.reshape(N, C, x.shape[2], -1), idx.data.reshape(N, C, x.shape[2], -1)
        plane = (size[0], size[1] * size[2])
    y = MaxUnpool.apply(planes, flat, plane)
    return _unbatched(unbatched, y.reshape(N, C, *size))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d over (N, C, L) input: see max_unpool2d."""
    return _max_unpool("max_unpool1d", input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d: ``input`` put back at the positions ``indices`` (from
    ``max_pool2d(..., return_indices=True)``, flat h*W + w per plane) of a zero image of size
    ``output_size`` (default (H - 1)*stride - 2*padding + kernel_size; the last two entries are
    used if it also names N and C)."""
    return _max_unpool("max_unpool2d", input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool3d over (N, C, D, H, W) input (indices d*H*W + h*W + w per
    volume): see max_unpool2d."""
    return _max_unpool("max_unpool3d", input, indices, kernel_size, stride, padding, output_size, 3)


__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d", "avg_pool3d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"]
