"""F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, and im2col as ops (F.unfold, F.fold): PyTorch's
arguments, checked, then the kernels.

The 1-D forms are the 2-D ones over a height-1 image. The 3-D forms are 2-D ones too: the
depth windows are unfolded into channels -- im2col along depth only, ``Unfold`` with a (kd, 1)
kernel over (D, H*W) -- so that

    conv3d(x, w)[n, :, od] = conv2d(depth_cols(x)[n, od], w.reshape(O, C/groups*kd, kh, kw)),

one conv2d over a batch of N*OD images with C*kd channels (channel c*kd + i holds input depth
od*sd - pd + i*dd); conv_transpose3d is its adjoint: conv_transpose2d, then ``Fold`` along depth.

The arithmetic lives in ``minigrad.kernels.conv``; this file turns PyTorch's arguments
(int or tuple stride/padding/dilation, padding='same'/'valid', groups, output_padding,
unbatched 3-D input) into one geometry tuple and raises errors that name the op, the
shapes and the arguments when they do not fit together.
"""
from __future__ import annotations

from ... import backend
from ..._checks import errors_named, int_arg, tensor_arg
from ...kernels import choose
from ...kernels.conv import Conv2d, ConvTranspose2d, ConvGeometry, Fold, Unfold
from ...ops import pad
from ...ops._util import same_dtype
from ._arguments import _batched, _pair, _single, _triple, _unbatched


def _check_common(op, input, weight, bias, stride, dilation, groups, c_in_weight_dim, spatial=2,
                  transposed=False, unbatched=False):
    """What every convolution checks, on the shapes the user passed: the weight's rank and
    sizes, groups, stride and dilation, the dtypes, the bias, and the input channels against
    the weight (dim 1 * groups, or dim 0 when ``transposed``); an input empty along a spatial
    dim is refused, as PyTorch refuses it (only the batch or the channels may be empty).
    ``input`` has its batch dim; messages show its shape as the user passed it (``unbatched``:
    without the batch dim ``_batched`` added)."""
    shape = tuple(input.shape[1:] if unbatched else input.shape)
    tensor_arg(op, "weight", weight)
    if bias is not None:
        tensor_arg(op, "bias", bias)
    if weight.ndim != spatial + 2:
        raise RuntimeError(f"{op}: expected a {spatial + 2}-D weight, got weight of shape {tuple(weight.shape)}")
    groups = int_arg(op, "groups", groups, min=1)
    if weight.shape[0] < 1:
        raise RuntimeError(f"{op}: expected weight to be at least 1 at dimension 0, got weight of "
                           f"shape {tuple(weight.shape)}")
    if min(weight.shape[2:]) < 1 or transposed and weight.shape[1] < 1:
        raise RuntimeError(f"{op}: weight of shape {tuple(weight.shape)} is empty")
    if groups < 1 or input.shape[1] % groups or weight.shape[0] % groups:
        raise RuntimeError(f"{op}: groups={groups} must divide both the input channels "
                           f"(input {shape}) and the weight's dim 0 (weight {tuple(weight.shape)})")
    if min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"{op}: stride {stride} and dilation {dilation} must be positive")
    same_dtype(op, input, weight=weight, bias=bias)
    if bias is not None and tuple(bias.shape) != (c_in_weight_dim,):
        raise RuntimeError(f"{op}: bias of shape {tuple(bias.shape)} does not match "
                           f"{c_in_weight_dim} output channels (weight {tuple(weight.shape)}, groups={groups})")
    expects = weight.shape[0] if transposed else weight.shape[1] * groups
    if input.shape[1] != expects:
        raise RuntimeError(f"{op}: input of shape {shape} has {input.shape[1]} channels, "
                           f"but weight of shape {tuple(weight.shape)}"
                           f"{'' if transposed else f' with groups={groups}'} expects {expects}")
    if 0 in input.shape[2:] and input.shape[0] and input.shape[1]:
        raise RuntimeError(f"{op}: only zero batch or zero channel inputs are supported, but got "
                           f"input of shape {shape}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of NCHW ``input`` with (C_out, C_in/groups, kH, kW)
    ``weight``; ``padding`` is an int, a pair, 'valid' (0) or 'same' (stride 1 only; an even
    effective kernel pads one more at the bottom/right, as PyTorch)."""
    op = "conv2d"
    input, unbatched = _batched(op, input, 2)
    stride, dilation = _pair(stride, "stride", op, True), _pair(dilation, "dilation", op, True)
    _check_common(op, input, weight, bias, stride, dilation, groups, tensor_arg(op, "weight", weight).shape[0],
                  unbatched=unbatched)
    kh, kw = weight.shape[2:]
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
        ph, pw = _pair(padding, "padding", op, True)
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


@errors_named("conv1d")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C, L) ``input`` with (C_out, C_in/groups, k) ``weight``:
    a conv2d over a height-1 image."""
    op = "conv1d"
    input, unbatched = _batched(op, input, 1)
    stride, dilation = _single(stride, "stride", op), _single(dilation, "dilation", op)
    _check_common(op, input, weight, bias, (stride,), (dilation,), groups,
                  tensor_arg(op, "weight", weight).shape[0], spatial=1, unbatched=unbatched)
    pad = padding if isinstance(padding, str) else (0, _single(padding, "padding", op))
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, stride), pad, (1, dilation), groups)
    return _unbatched(unbatched, out.squeeze(2))


def _refuse_unbatched_empty(op, unbatched, size):
    """PyTorch gives an empty output for an output size of 0 only to a batched input."""
    if unbatched:
        raise RuntimeError(f"{op}: the output size {tuple(size)} is too small for an unbatched input "
                           f"(a batched input gets an empty output)")


def _empty_output(shape, *tensors):
    """The empty result of a transposed convolution whose output size is 0 along some dim (PyTorch
    returns one), still in the graph of ``tensors`` (None skipped): their gradients are zeros."""
    pieces = [t.reshape(-1)[:0] for t in tensors if t is not None]
    out = pieces[0]
    for piece in pieces[1:]:
        out = out + piece
    return out.reshape(shape)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed convolution (the gradient of conv2d w.r.t. its input) of NCHW ``input`` with
    (C_in, C_out/groups, kH, kW) ``weight``. Output size:
    (H - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1."""
    op = "conv_transpose2d"
    input, unbatched = _batched(op, input, 2)
    stride, dilation = _pair(stride, "stride", op, True), _pair(dilation, "dilation", op, True)
    padding, outpad = _pair(padding, "padding", op, True), _pair(output_padding, "output_padding", op, True)
    _check_common(op, input, weight, bias, stride, dilation, groups,
                  tensor_arg(op, "weight", weight).shape[1] * groups, transposed=True, unbatched=unbatched)
    if min(padding) < 0 or min(outpad) < 0:
        raise RuntimeError(f"{op}: negative padding {padding} or output_padding {outpad}")
    for a in range(2):
        if outpad[a] >= max(stride[a], dilation[a]):
            raise RuntimeError(f"{op}: output_padding {outpad} must be smaller than either stride "
                               f"{stride} or dilation {dilation}")
    kh, kw = weight.shape[2:]
    hw = tuple((input.shape[2 + a] - 1) * stride[a] - 2 * padding[a] + dilation[a] * ((kh, kw)[a] - 1)
               + outpad[a] + 1 for a in range(2))
    if min(hw) < 0:
        raise RuntimeError(f"{op}: the output size {hw} is negative: input {tuple(input.shape)}, "
                           f"weight {tuple(weight.shape)}, stride {stride}, padding {padding}, "
                           f"dilation {dilation}, output_padding {outpad}")
    if min(hw) == 0:
        _refuse_unbatched_empty(op, unbatched, hw)
        return _unbatched(unbatched, _empty_output((input.shape[0], weight.shape[1] * groups, *hw),
                                                   input, weight, bias))
    geom = (kh, kw, *stride, *padding, *dilation, groups, padding[0] - outpad[0], padding[1] - outpad[1])
    return _unbatched(unbatched, ConvTranspose2d.apply(input, weight, bias, geom, hw))


@errors_named("conv_transpose1d")
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 1-D convolution of (N, C_in, L) ``input`` with (C_in, C_out/groups, k)
    ``weight``: conv_transpose2d over a height-1 image. Output length:
    (L - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1."""
    op = "conv_transpose1d"
    input, unbatched = _batched(op, input, 1)
    stride, dilation = _single(stride, "stride", op), _single(dilation, "dilation", op)
    _check_common(op, input, weight, bias, (stride,), (dilation,), groups,
                  tensor_arg(op, "weight", weight).shape[1] * groups, spatial=1, transposed=True,
                  unbatched=unbatched)
    padding = (0, _single(padding, "padding", op))
    output_padding = (0, _single(output_padding, "output_padding", op))
    length = (input.shape[2] - 1) * stride - 2 * padding[1] + dilation * (weight.shape[2] - 1) + output_padding[1] + 1
    if length == 0:
        _refuse_unbatched_empty(op, unbatched, (length,))
    out = conv_transpose2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, stride), padding,
                           output_padding, groups, (1, dilation))
    return _unbatched(unbatched, out.squeeze(2))


def _depth_geometry(kd, sd, pd, dd):
    """The geometry of im2col along depth alone, over an image of size (D, H*W)."""
    return ConvGeometry(kd, 1, sd, 1, pd, 0, dd, 1, 1, pd, 0)


@errors_named("conv3d")
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation) of (N, C, D, H, W) ``input`` with (C_out, C_in/groups,
    kD, kH, kW) ``weight``; ``padding`` an int, a triple, 'valid' or 'same' (stride 1 only; an even
    effective kernel pads one more at the end, as PyTorch). Built on conv2d, see the module
    docstring: the depth windows become channels."""
    op = "conv3d"
    x, unbatched = _batched(op, input, 3)
    choose(op, x.data)
    stride, dilation = _triple(stride, "stride", op, True), _triple(dilation, "dilation", op, True)
    _check_common(op, x, weight, bias, stride, dilation, groups, tensor_arg(op, "weight", weight).shape[0],
                  spatial=3, unbatched=unbatched)
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{op}: padding must be an int, a triple, 'same' or 'valid', got {padding!r}")
        if padding == "same" and stride != (1, 1, 1):
            raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions "
                               f"(stride={stride})")
        total = [dilation[a] * (k[a] - 1) if padding == "same" else 0 for a in range(3)]
        if any(t % 2 for t in total):                    # the odd one out goes at the end
            x = pad(x, [w for a in (2, 1, 0) for w in (total[a] // 2, total[a] - total[a] // 2)])
            total = [0, 0, 0]
        pads = tuple(t // 2 for t in total)
    else:
        pads = _triple(padding, "padding", op, True)
        if min(pads) < 0:
            raise RuntimeError(f"{op}: negative padding {padding!r} is not supported")
    size = x.shape[2:]
    if any(size[a] + 2 * pads[a] < dilation[a] * (k[a] - 1) + 1 for a in range(3)):
        raise RuntimeError(f"{op}: kernel size {k} with dilation {dilation} is larger than the padded "
                           f"input: input {tuple(input.shape)}, padding {padding!r}, weight {tuple(weight.shape)}")
    N, C, D, H, W = x.shape
    O = weight.shape[0]
    depth = _depth_geometry(k[0], stride[0], pads[0], dilation[0])
    OD = depth.out_hw((D, H * W))[0]
    cols = Unfold.apply(x.reshape(N, C, D, H * W), depth)                 # (N, C*kd, OD*H*W)
    images = cols.reshape(N, C * k[0], OD, H, W).permute(0, 2, 1, 3, 4).reshape(N * OD, C * k[0], H, W)
    y = conv2d(images, weight.reshape(O, weight.shape[1] * k[0], k[1], k[2]), None, stride[1:],
               pads[1:], dilation[1:], groups)
    y = y.reshape(N, OD, O, y.shape[2], y.shape[3]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        y = y + bias.reshape(1, O, 1, 1, 1)
    return _unbatched(unbatched, y)


@errors_named("conv_transpose3d")
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 3-D convolution (the gradient of conv3d w.r.t. its input) of (N, C_in, D, H, W)
    ``input`` with (C_in, C_out/groups, kD, kH, kW) ``weight``. Output size per dim:
    (in - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1. Built as conv3d's
    adjoint: conv_transpose2d per input depth, then the depth windows folded back (``Fold``)."""
    op = "conv_transpose3d"
    y, unbatched = _batched(op, input, 3)
    choose(op, y.data)
    stride, dilation = _triple(stride, "stride", op, True), _triple(dilation, "dilation", op, True)
    padding = _triple(padding, "padding", op, True)
    outpad = _triple(output_padding, "output_padding", op, True)
    _check_common(op, y, weight, bias, stride, dilation, groups, tensor_arg(op, "weight", weight).shape[1] * groups,
                  spatial=3, transposed=True, unbatched=unbatched)
    if min(padding) < 0 or min(outpad) < 0:
        raise RuntimeError(f"{op}: negative padding {padding} or output_padding {outpad}")
    if any(outpad[a] >= max(stride[a], dilation[a]) for a in range(3)):
        raise RuntimeError(f"{op}: output_padding {outpad} must be smaller than either stride "
                           f"{stride} or dilation {dilation}")
    k = tuple(weight.shape[2:])
    out = tuple((y.shape[2 + a] - 1) * stride[a] - 2 * padding[a] + dilation[a] * (k[a] - 1)
                + outpad[a] + 1 for a in range(3))
    if min(out) < 0:
        raise RuntimeError(f"{op}: the output size {out} is negative: input {tuple(input.shape)}, "
                           f"weight {tuple(weight.shape)}, stride {stride}, padding {padding}, "
                           f"dilation {dilation}, output_padding {outpad}")
    if min(out) == 0:
        _refuse_unbatched_empty(op, unbatched, out)
        return _unbatched(unbatched, _empty_output((y.shape[0], weight.shape[1] * groups, *out), y, weight, bias))
    N, Ci, D, H, W = y.shape
    Co = weight.shape[1] * groups
    images = y.permute(0, 2, 1, 3, 4).reshape(N * D, Ci, H, W)
    cols = conv_transpose2d(images, weight.reshape(Ci, weight.shape[1] * k[0], k[1], k[2]), None,
                            stride[1:], padding[1:], outpad[1:], groups, dilation[1:])
    OH, OW = cols.shape[2:]
    cols = cols.reshape(N, D, Co * k[0], OH * OW).permute(0, 2, 1, 3)      # (N, Co*kd, D, OH*OW)
    depth = _depth_geometry(k[0], stride[0], padding[0], dilation[0])
    blocks = depth.out_hw((out[0], OH * OW))[0]
    if blocks > D:                              # output_padding >= stride: blocks past the input read zeros
        cols = pad(cols, (0, 0, 0, blocks - D))
    x = Fold.apply(cols.reshape(N, Co * k[0], blocks * OH * OW), depth, (out[0], OH * OW))
    x = x.reshape(N, Co, out[0], OH, OW)
    if bias is not None:
        x = x + bias.reshape(1, Co, 1, 1, 1)
    return _unbatched(unbatched, x)


def _block_arguments(op, input, spatial_dims, kernel_size, dilation, padding, stride):
    """F.unfold's and F.fold's shared preamble: ``input`` -- a float or bool tensor of ``spatial_dims``
    + 2 dims, or one fewer (unbatched), empty only along the batch -- with a batch dim and
    whether it was added, and the four block arguments as the geometry of a one-group
    convolution."""
    x, unbatched = _batched(op, input, spatial_dims, nonempty=True)
    if x.dtype.kind not in "fb":
        raise RuntimeError(f"{op}: expected a floating-point or bool input, got {x.dtype}")
    k, d = _pair(kernel_size, "kernel_size", op), _pair(dilation, "dilation", op)
    p, s = _pair(padding, "padding", op), _pair(stride, "stride", op)
    for name, v in (("kernel_size", k), ("dilation", d), ("stride", s)):
        if min(v) < 1:
            raise RuntimeError(f"{op}: {name} should be greater than zero, got {name}={v}")
    if min(p) < 0:
        raise RuntimeError(f"{op}: padding should be non-negative, got padding={p}")
    return x, unbatched, ConvGeometry(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], 1, p[0], p[1])


def _on_floats(apply, x, *args):
    """``apply`` on ``x``; a bool ``x`` goes through float32 and back, as PyTorch's fold and
    unfold take bools too (the sum of overlapping blocks then is their logical or)."""
    if x.dtype.kind != "b":
        return apply(x, *args)
    return apply(x.to(backend.float32), *args) != 0


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: every sliding block of (N, C, H, W) ``input`` as a column of a (N, C*kh*kw, L)
    tensor (L blocks, row index (c*kh + i)*kw + j); a (C, H, W) input gives (C*kh*kw, L).
    Linear in the input; its adjoint is ``fold``."""
    op = "unfold"
    x, unbatched, geom = _block_arguments(op, input, 2, kernel_size, dilation, padding, stride)
    blocks = geom.out_hw(x.shape[2:])
    if min(blocks) < 1:
        raise RuntimeError(f"{op}: input of spatial size {tuple(x.shape[2:])} with kernel_size="
                           f"{geom[:2]}, dilation={geom[6:8]}, padding={geom[4:6]} has {blocks} sliding "
                           f"blocks, but each must be at least one")
    return _unbatched(unbatched, _on_floats(Unfold.apply, x, geom))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im: (N, C*kh*kw, L) columns summed back onto a (N, C, *output_size) image, each entry
    added onto the pixel it stands for (overlapping blocks add up); a 2-D input gives (C, H, W).
    Linear in the input; its adjoint is ``unfold``."""
    op = "fold"
    x, unbatched, geom = _block_arguments(op, input, 1, kernel_size, dilation, padding, stride)
    hw = _pair(output_size, "output_size", op)
    if x.shape[1] % (geom.kh * geom.kw):
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)}: its channel dim "
                           f"{x.shape[1]} is not divisible by the product of kernel_size {geom[:2]}")
    blocks = geom.out_hw(hw)
    if min(blocks) < 1 or blocks[0] * blocks[1] != x.shape[2]:
        raise RuntimeError(f"{op}: output_size={hw}, kernel_size={geom[:2]}, dilation={geom[6:8]}, "
                           f"padding={geom[4:6]}, stride={geom[2:4]} give {blocks[0]} * {blocks[1]} "
                           f"sliding blocks, but input of shape {tuple(input.shape)} has {x.shape[2]}")
    return _unbatched(unbatched, _on_floats(Fold.apply, x, geom, hw))


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "fold", "unfold"]
