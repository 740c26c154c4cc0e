"""F.conv1d, F.conv2d, F.conv_transpose2d: PyTorch's arguments, checked, then the kernels.

The arithmetic lives in ``minigrad.kernels.conv``; this file turns PyTorch's arguments
(int or tuple stride/padding/dilation, padding='same'/'valid', groups, output_padding,
unbatched 3-D input) into one geometry tuple and raises errors that name the op, the
shapes and the arguments when they do not fit together.
"""
from __future__ import annotations

from ..._checks import int_arg
from ...kernels.conv import Conv2d, ConvTranspose2d
from ...ops._util import same_dtype
from ._arguments import _batched, _pair, _single, _unbatched


def _check_common(op, input, weight, bias, stride, dilation, groups, c_in_weight_dim):
    if weight.ndim != 4:
        raise RuntimeError(f"{op}: expected a 4-D weight, got weight of shape {tuple(weight.shape)}")
    groups = int_arg(op, "groups", groups, min=1)
    if weight.shape[0] < 1:
        raise RuntimeError(f"{op}: expected weight to be at least 1 at dimension 0, got weight of "
                           f"shape {tuple(weight.shape)}")
    if groups < 1 or input.shape[1] % groups or weight.shape[0] % groups:
        raise RuntimeError(f"{op}: groups={groups} must divide both the input channels "
                           f"(input {tuple(input.shape)}) and the weight's dim 0 (weight {tuple(weight.shape)})")
    if min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"{op}: stride {stride} and dilation {dilation} must be positive")
    same_dtype(op, input, weight=weight, bias=bias)
    if bias is not None and tuple(bias.shape) != (c_in_weight_dim,):
        raise RuntimeError(f"{op}: bias of shape {tuple(bias.shape)} does not match "
                           f"{c_in_weight_dim} output channels (weight {tuple(weight.shape)}, groups={groups})")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of NCHW ``input`` with (C_out, C_in/groups, kH, kW)
    ``weight``; ``padding`` is an int, a pair, 'valid' (0) or 'same' (stride 1 only; an even
    effective kernel pads one more at the bottom/right, as PyTorch)."""
    op = "conv2d"
    input, unbatched = _batched(op, input, 2)
    stride, dilation = _pair(stride, "stride", op), _pair(dilation, "dilation", op)
    _check_common(op, input, weight, bias, stride, dilation, groups, weight.shape[0])
    kh, kw = weight.shape[2:]
    if input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} has {input.shape[1]} channels, "
                           f"but weight of shape {tuple(weight.shape)} with groups={groups} expects "
                           f"{weight.shape[1] * groups}")
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions "
                                   f"(stride={stride})")
            th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            pads = (th // 2, tw // 2, th - th // 2, tw - tw // 2)
        else:
            raise ValueError(f"{op}: padding must be an int, a pair, 'same' or 'valid', got {padding!r}")
    else:
        ph, pw = _pair(padding, "padding", op)
        if ph < 0 or pw < 0:
            raise RuntimeError(f"{op}: negative padding {padding!r} is not supported")
        pads = (ph, pw, ph, pw)
    H, W = input.shape[2:]
    if (H + pads[0] + pads[2] < dilation[0] * (kh - 1) + 1
            or W + pads[1] + pads[3] < dilation[1] * (kw - 1) + 1):
        raise RuntimeError(f"{op}: kernel size ({kh}, {kw}) with dilation {dilation} is larger than the "
                           f"padded input: input {tuple(input.shape)}, padding {padding!r}, weight "
                           f"{tuple(weight.shape)}")
    geom = (kh, kw, *stride, pads[0], pads[1], *dilation, groups, pads[2], pads[3])
    return _unbatched(unbatched, Conv2d.apply(input, weight, bias, geom))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C, L) ``input`` with (C_out, C_in/groups, k) ``weight``:
    a conv2d over a height-1 image."""
    op = "conv1d"
    input, unbatched = _batched(op, input, 1)
    if weight.ndim != 3:
        raise RuntimeError(f"{op}: expected a 3-D weight, got weight of shape {tuple(weight.shape)}")
    same_dtype(op, input, weight=weight, bias=bias)
    stride, dilation = (1, _single(stride, "stride", op)), (1, _single(dilation, "dilation", op))
    pad = padding if isinstance(padding, str) else (0, _single(padding, "padding", op))
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, stride, pad, dilation, groups)
    return _unbatched(unbatched, out.squeeze(2))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed convolution (the gradient of conv2d w.r.t. its input) of NCHW ``input`` with
    (C_in, C_out/groups, kH, kW) ``weight``. Output size:
    (H - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1."""
    op = "conv_transpose2d"
    input, unbatched = _batched(op, input, 2)
    stride, dilation = _pair(stride, "stride", op), _pair(dilation, "dilation", op)
    padding, outpad = _pair(padding, "padding", op), _pair(output_padding, "output_padding", op)
    _check_common(op, input, weight, bias, stride, dilation, groups, weight.shape[1] * groups)
    if input.shape[1] != weight.shape[0]:
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} has {input.shape[1]} channels, "
                           f"but weight of shape {tuple(weight.shape)} expects {weight.shape[0]}")
    if min(padding) < 0 or min(outpad) < 0:
        raise RuntimeError(f"{op}: negative padding {padding} or output_padding {outpad}")
    for a in range(2):
        if outpad[a] >= max(stride[a], dilation[a]):
            raise RuntimeError(f"{op}: output_padding {outpad} must be smaller than either stride "
                               f"{stride} or dilation {dilation}")
    kh, kw = weight.shape[2:]
    hw = tuple((input.shape[2 + a] - 1) * stride[a] - 2 * padding[a] + dilation[a] * ((kh, kw)[a] - 1)
               + outpad[a] + 1 for a in range(2))
    if min(hw) <= 0:
        raise RuntimeError(f"{op}: the output size {hw} is not positive: input {tuple(input.shape)}, "
                           f"weight {tuple(weight.shape)}, stride {stride}, padding {padding}, "
                           f"dilation {dilation}, output_padding {outpad}")
    geom = (kh, kw, *stride, *padding, *dilation, groups, padding[0] - outpad[0], padding[1] - outpad[1])
    return _unbatched(unbatched, ConvTranspose2d.apply(input, weight, bias, geom, hw))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 1-D convolution of (N, C_in, L) ``input`` with (C_in, C_out/groups, k)
    ``weight``: conv_transpose2d over a height-1 image. Output length:
    (L - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1."""
    op = "conv_transpose1d"
    input, unbatched = _batched(op, input, 1)
    if weight.ndim != 3:
        raise RuntimeError(f"{op}: expected a 3-D weight, got weight of shape {tuple(weight.shape)}")
    stride, dilation = (1, _single(stride, "stride", op)), (1, _single(dilation, "dilation", op))
    padding = (0, _single(padding, "padding", op))
    output_padding = (0, _single(output_padding, "output_padding", op))
    out = conv_transpose2d(input.unsqueeze(2), weight.unsqueeze(2), bias, stride, padding, output_padding,
                           groups, dilation)
    return _unbatched(unbatched, out.squeeze(2))


__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]
