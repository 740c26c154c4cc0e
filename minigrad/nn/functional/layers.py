"""Stateless layers: linear, dropout, batch_norm, layer_norm, group_norm, embedding, one_hot,
normalize, cosine_similarity, pairwise_distance, pixel_shuffle, pixel_unshuffle. Re-exported by ``minigrad.nn.functional`` (use them as ``F.linear`` ...).

They are composites of primitive ops, so their backward comes from autograd (and works to
any order). The normalisations share one helper: subtract the mean over some dims and divide
by sqrt(biased variance + eps).
"""
from __future__ import annotations

import math

import numpy as np

from ... import backend
from ..._checks import bool_arg, errors_named, int_arg, number_arg, tensor_arg
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...ops import index_select, where
from ...ops._util import float16_with_float32_params, float_only, same_dtype
from ...tensor import Tensor


def _broadcasts_to(shape, target):
    """Whether a tensor of ``shape`` broadcasts to ``target`` (the output's shape, unchanged)."""
    try:
        return np.broadcast_shapes(tuple(shape), tuple(target)) == tuple(target)
    except ValueError:
        return False


def linear(input, weight, bias=None):
    """y = x W^T + b, with W of shape (out_features, in_features) and x of shape (*, in)."""
    tensor_arg("linear", "input", input)
    if tensor_arg("linear", "weight", weight).ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape {tuple(weight.shape)}")
    same_dtype("linear", input, weight=weight, bias=bias)
    if input.shape[-1:] != weight.shape[-1:]:
        raise RuntimeError(f"linear: input shape {tuple(input.shape)} does not match weight shape "
                           f"{tuple(weight.shape)} (the input's last dim must be {weight.shape[-1]})")
    if bias is not None and not _broadcasts_to(bias.shape, tuple(input.shape[:-1]) + (weight.shape[0],)):
        raise RuntimeError(f"linear: bias must have shape ({weight.shape[0]},) (or one that broadcasts to the "
                           f"output's, as PyTorch's addmm takes it) for weight shape {tuple(weight.shape)} and "
                           f"input shape {tuple(input.shape)}, got {tuple(bias.shape)}")
    for name, t in (("input", input), ("weight", weight), ("bias", bias)):
        if t is not None and t.dtype.kind not in "fc":
            raise RuntimeError(f"linear: {name} must be a floating point tensor, got {t.dtype}")
    out = input @ weight.T
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1^T W_o x2 + b_o, with W of shape (out, in1, in2) and inputs (*, in1), (*, in2):
    x1 times W (as an (in1, out * in2) matrix), then a product with x2 summed over in2."""
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        tensor_arg("bilinear", name, t)
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear: weight must be 3-D (out, in1, in2), got shape {tuple(weight.shape)}")
    same_dtype("bilinear", input1, input2=input2, weight=weight, bias=bias)
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2 or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear: input shapes {tuple(input1.shape)} and {tuple(input2.shape)} do not "
                           f"match weight shape {tuple(weight.shape)}")
    if bias is not None and tuple(bias.shape) != (out_f,):
        raise RuntimeError(f"bilinear: bias must have shape ({out_f},) for weight shape {tuple(weight.shape)}, "
                           f"got {tuple(bias.shape)}")
    t = input1 @ weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    out = (t.reshape(*input1.shape[:-1], out_f, in2) * input2.unsqueeze(-2)).sum(-1)
    if bias is None:
        return out
    with errors_named("bilinear"):
        return out + bias


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability p, scale the kept ones by 1/(1-p)
    so the expected value is unchanged; the identity when not ``training``. The mask comes
    from minigrad's seeded generator. (``inplace`` is accepted for PyTorch compatibility; the
    result is always a new tensor.) A training dropout of an integer or bool input is refused,
    as PyTorch refuses it (the scaled result is no integer)."""
    op = "dropout"
    tensor_arg(op, "input", input)
    p = number_arg(op, "p", p, min=0.0, max=1.0)
    training = bool_arg(op, "training", training)
    if not training or p == 0.0:
        return input
    if input.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating point input in training, got {input.dtype}")
    if p == 1.0:
        return input * 0.0
    rng = backend.seed_generators_of(input.device)
    keep = rng.random(input.shape) >= p
    scale = keep.astype(input.dtype) * (1.0 / (1.0 - p))
    return input * Tensor(scale)


def _normalize_composite(x, dims, eps):
    """(x - mean) / sqrt(var + eps) over ``dims`` (biased variance), from primitives: the
    readable definition, and the test oracle of the fused ``Normalize``."""
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    return centred * (var + eps).rsqrt()


def _moments_scaled(x, dims, eps):
    """The mean, biased variance and 1/sqrt(var + eps) of ``x / scale``, and ``scale``: a power of
    two near each group's largest magnitude where that is above 1 (else 1, and 1 where it is inf or
    NaN), so that squares of values beyond sqrt(float max) (about 1.8e19 in float32) do not
    overflow. The statistics of ``x`` are ``mean * scale``, ``var * scale**2`` and
    ``invstd / scale``."""
    xp = backend.array_module(x)
    with np.errstate(all="ignore"):
        big = xp.abs(x).max(axis=dims, keepdims=True)
        ok = xp.isfinite(big) & (big > 1)
        scale = xp.where(ok, xp.exp2(xp.floor(xp.log2(xp.where(ok, big, 1)))), 1).astype(x.dtype)
        scaled = x / scale
        mean = scaled.mean(axis=dims, keepdims=True)
        centred = scaled - mean
        var = (centred * centred).mean(axis=dims, keepdims=True)
        invstd = 1 / xp.sqrt(var + eps / (scale * scale))
    return centred, mean, var, invstd, scale


def _statistics(x, dims, eps):
    """xhat, mean, biased var and 1/sqrt(var + eps) of the array ``x`` over ``dims``, and the
    scale ``_moments_scaled`` used (None where the plain two-pass moments were finite)."""
    xp = backend.array_module(x)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = x.mean(axis=dims, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=dims, keepdims=True)
    if x.size == 0 or xp.isfinite(var).all():
        invstd = 1 / xp.sqrt(var + eps)
        return centred * invstd, mean, var, invstd, None
    # an overflow, or a NaN/inf in x (which stays NaN)
    centred, mean, var, invstd, scale = _moments_scaled(x, dims, eps)
    with np.errstate(over="ignore", under="ignore"):
        return centred * invstd, mean * scale, var * (scale * scale), invstd / scale, scale


class Normalize(Function):
    """xhat = (x - mean) / sqrt(var + eps) over dims (biased var), fused: one node instead of seven;
    d/dx: invstd * (g - mean(g) - xhat * mean(g * xhat)). Groups whose squares overflow (values
    beyond about 1.8e19 in float32) are normalised again after scaling them down
    (``_moments_scaled``): their xhat is the finite one that float64 gives, where PyTorch's float32
    layer_norm and group_norm give NaN and its batch_norm 0."""

    @staticmethod
    def forward(ctx, x, dims, eps):
        xhat, mean, var, invstd, ctx.scale = _statistics(x, dims, eps)
        ctx.dims, ctx.eps = dims, eps
        ctx.save_for_backward(x, xhat, invstd)
        ctx.mean, ctx.var = mean, var          # for the running statistics of batch_norm
        return xhat

    @staticmethod
    def backward(ctx, g):
        x, xhat, invstd = ctx.saved_tensors
        dims = ctx.dims
        if is_grad_enabled():      # create_graph: invstd as a function of x, for 2nd derivatives
            if ctx.scale is None:
                centred = x - x.mean(dims, keepdim=True)
                invstd = ((centred * centred).mean(dims, keepdim=True) + ctx.eps).rsqrt()
            else:                  # the same function, on x / scale (scale a constant)
                scale = Tensor(ctx.scale)
                scaled = x / scale
                centred = scaled - scaled.mean(dims, keepdim=True)
                invstd = ((centred * centred).mean(dims, keepdim=True) + ctx.eps / scale / scale).rsqrt() / scale
        gxhat = (g * xhat).mean(dims, keepdim=True)
        return invstd * (g - g.mean(dims, keepdim=True) - xhat * gxhat), None, None


def _normalize(x, dims, eps):
    """(x - mean) / sqrt(var + eps) over ``dims``; also returns the batch mean and biased var
    as arrays (batch_norm's running statistics need them)."""
    out = Normalize.apply(x, tuple(dims), eps)
    node = out.grad_fn
    if node is not None:
        return out, node.mean, node.var
    _, mean, var, _, _ = _statistics(x.data, tuple(dims), eps)
    return out, mean, var


def _channel_shape(input):
    """(1, C, 1, ...): the shape that broadcasts a per-channel vector over NC... input."""
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def _empty_normalized(input, weight, bias):
    """batch_norm of an empty input, as PyTorch's: the input's copy times ``weight[0]`` plus
    ``bias[0]`` -- an empty output of the input's shape whatever its channel count, the running
    statistics untouched, zero gradients for weight and bias (sums over no elements), and an
    IndexError for an empty weight or bias, whose first element PyTorch reads."""
    out = input.clone()
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        if p.ndim == 0 or p.shape[0] == 0:
            raise IndexError(f"batch_norm: index 0 out of range for the {name} of shape {tuple(p.shape)} "
                             f"(an empty input of shape {tuple(input.shape)} is scaled by weight[0] and "
                             f"shifted by bias[0])")
        out = out * p[0] if name == "weight" else out + p[0]
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    """Normalise each channel (dim 1) over the batch and spatial dims.

    training: use the batch's mean and biased variance, and update the running statistics
    in place: running = (1 - momentum) * running + momentum * batch, where running_var gets
    the unbiased batch variance (as PyTorch). Otherwise use the running statistics.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...), got {tuple(input.shape)}")
    training = bool_arg("batch_norm", "training", training)
    momentum, eps = number_arg("batch_norm", "momentum", momentum), number_arg("batch_norm", "eps", eps)
    if eps < 0 or training and eps == 0:
        raise ValueError(f"batch_norm: eps must be non-negative (and positive in training), got {eps}")
    if is_grad_enabled() and any(t is not None and t.requires_grad for t in (running_mean, running_var)):
        which = "running_mean" if running_mean is not None and running_mean.requires_grad else "running_var"
        raise RuntimeError(f"batch_norm: is not differentiable with respect to {which}, which must not "
                           "require grad (a buffer, updated in place)")
    if float16_with_float32_params("batch_norm", input, weight=weight, bias=bias, running_mean=running_mean,
                                   running_var=running_var):
        return batch_norm(input.float(), running_mean, running_var, weight, bias, training, momentum,
                          eps).to(input.dtype)
    n = math.prod((input.shape[0],) + tuple(input.shape[2:]))       # values per channel
    if training and n == 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                         f"got input size {tuple(input.shape)}")
    if input.numel() == 0:
        return _empty_normalized(input, weight, bias)
    shape = _channel_shape(input)
    if training:
        dims = (0,) + tuple(range(2, input.ndim))
        out, mean, var = _normalize(input, dims, eps)
        if running_mean is not None:
            with no_grad():
                m = momentum
                running_mean.mul_(1 - m).add_(Tensor(mean.reshape(-1) * m))
                running_var.mul_(1 - m).add_(Tensor(var.reshape(-1) * (m * n / (n - 1))))
    else:
        if running_mean is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not training")
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims of each sample."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if k == 0:
        raise RuntimeError("layer_norm: expected normalized_shape to have at least one element, got ()")
    eps = number_arg("layer_norm", "eps", eps)
    if float16_with_float32_params("layer_norm", input, weight=weight, bias=bias):
        return layer_norm(input.float(), normalized_shape, weight, bias, eps).to(input.dtype)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise RuntimeError(f"layer_norm: input shape {tuple(input.shape)} does not end with "
                           f"normalized_shape {normalized_shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"layer_norm: {name} must have shape normalized_shape {normalized_shape}, "
                               f"got {tuple(t.shape)}")
    out, _, _ = _normalize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Split the C channels into ``num_groups`` groups and normalise each group of each sample
    (over its channels and spatial positions); then a per-channel affine. Over an empty input the
    gradients of weight and bias are 0, sums over no elements (PyTorch's weight gradient is NaN
    there: a difference kept on purpose)."""
    num_groups = int_arg("group_norm", "num_groups", num_groups, min=1)
    eps = number_arg("group_norm", "eps", eps)
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(f"group_norm: expected an input of shape (N, C, ...) with C divisible "
                           f"by num_groups={num_groups}, got {tuple(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (input.shape[1],):
            raise RuntimeError(f"group_norm: {name} must have shape ({input.shape[1]},) for input "
                               f"{tuple(input.shape)}, got {tuple(t.shape)}")
    if float16_with_float32_params("group_norm", input, weight=weight, bias=bias):
        return group_norm(input.float(), num_groups, weight, bias, eps).to(input.dtype)
    n = input.shape[0]
    grouped = input.reshape(n, num_groups, input.shape[1] // num_groups * math.prod(input.shape[2:]))
    out, _, _ = _normalize(grouped, (2,), eps)
    out = out.reshape(input.shape)
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _check_indices(op, input, num):
    if input.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer tensor, got dtype {input.dtype}")
    if input.numel():
        lo, hi = int(input.data.min()), int(input.data.max())
        if lo < 0 or hi >= num:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{op}: index {bad} is out of range for {num} rows (valid: 0..{num - 1})")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer tensor ``input``: shape input.shape + (dim,).

    ``padding_idx``: positions holding it give no gradient to that row. ``max_norm``:
    the looked-up rows whose ``norm_type``-norm exceeds it are rescaled IN PLACE in
    ``weight`` first (as PyTorch). minigrad's gradients are dense: ``sparse=True`` and
    ``scale_grad_by_freq=True`` are refused.
    """
    if bool_arg("embedding", "sparse", sparse) or bool_arg("embedding", "scale_grad_by_freq", scale_grad_by_freq):
        raise NotImplementedError("embedding: sparse=True and scale_grad_by_freq=True are not supported "
                         "(minigrad has dense gradients only)")
    num = weight.shape[0]
    _check_indices("embedding", input, num)
    if padding_idx is not None:
        if not -num <= int_arg("embedding", "padding_idx", padding_idx) < num:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings {num}")
        padding_idx %= num
    if max_norm is not None:
        _renorm_rows(weight, input, number_arg("embedding", "max_norm", max_norm),
                     number_arg("embedding", "norm_type", norm_type))
    out = index_select(weight, 0, input.reshape(-1)).reshape(*input.shape, weight.shape[1])
    if padding_idx is not None and out.requires_grad:
        keep = Tensor((input.data != padding_idx)[..., None])
        out = where(keep, out, out.detach())      # same values; no gradient at padding positions
    return out


def _renorm_rows(weight, input, max_norm, norm_type):
    xp = backend.array_module(weight.data)
    rows = xp.unique(input.data)
    w = weight.data[rows]
    norms = (xp.abs(w) ** norm_type).sum(axis=1, keepdims=True) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    with no_grad():
        weight.data[rows] = (w * scale).astype(weight.dtype)
        weight._version.value += 1


def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape tensor.shape + (num_classes,) with a 1 at each index;
    ``num_classes=-1`` uses max(tensor) + 1."""
    if tensor.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expects an integer tensor, got dtype {tensor.dtype}")
    if tensor.dtype != backend.int64:
        raise RuntimeError(f"one_hot: is only applicable to an int64 index tensor, as PyTorch's, got {tensor.dtype}")
    xp = backend.array_module(tensor.data)
    if num_classes == -1:
        num_classes = int(tensor.data.max()) + 1 if tensor.numel() else 0
    _check_indices("one_hot", tensor, num_classes)
    out = xp.zeros(tensor.shape + (num_classes,), dtype=backend.int64)
    xp.put_along_axis(out, tensor.data[..., None].astype(backend.int64), 1, axis=-1)
    return Tensor(out)


@errors_named("normalize")
def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(||x||_p, eps) along ``dim``."""
    float_only("normalize", tensor_arg("normalize", "input", input))     # as PyTorch's vector_norm
    eps = number_arg("normalize", "eps", eps)
    if p == 2:    # sqrt(max(sum x^2, eps^2)): the same value, and a finite gradient at x = 0
        denom = (input * input).sum(dim, keepdim=True).clamp(min=eps * eps).sqrt()
    else:
        denom = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return input / denom


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / ||x1|| * x2 / ||x2||) along ``dim`` of the broadcast pair, each norm at least
    ``eps``. As PyTorch's, the floor at ``eps`` is outside the graph: the gradient is that of
    the plain norms."""
    op = "cosine_similarity"
    tensor_arg(op, "x1", x1)
    tensor_arg(op, "x2", x2)
    eps = number_arg(op, "eps", eps)
    product = x1 * x2
    if product.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected the common dtype of x1 ({x1.dtype}) and x2 ({x2.dtype}) to be "
                           f"floating point, got {product.dtype}")
    x1, x2 = x1.to(product.dtype).expand(*product.shape), x2.to(product.dtype).expand(*product.shape)
    n1, n2 = (t.norm(2, dim, keepdim=True) for t in (x1, x2))
    n1 = n1 + (n1.detach().clamp(min=eps) - n1.detach())
    n2 = n2 + (n2.detach().clamp(min=eps) - n2.detach())
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dim of the broadcast pair (PyTorch adds ``eps`` to the
    difference, so that the gradient at x1 == x2 is finite)."""
    op = "pairwise_distance"
    tensor_arg(op, "x1", x1)
    tensor_arg(op, "x2", x2)
    eps = number_arg(op, "eps", eps)
    return (x1 - x2 + eps).norm(p, max(x1.ndim, x2.ndim) - 1, keepdim=bool_arg(op, "keepdim", keepdim))


def _pixel_factor(op, input, factor, name):
    tensor_arg(op, "input", input)
    factor = int_arg(op, name, factor)
    if factor <= 0:
        raise RuntimeError(f"{op}: expects a positive {name}, but got {factor}")
    if input.ndim < 3:
        raise RuntimeError(f"{op}: expects input to have at least 3 dimensions, but got input of shape "
                           f"{tuple(input.shape)}")
    return factor


def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): each group of r*r channels becomes an r x r block of
    pixels (sub-pixel convolution's up-sampling); a reshape and a permute."""
    op = "pixel_shuffle"
    r = _pixel_factor(op, input, upscale_factor, "upscale_factor")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"{op}: the channel dimension {c} of the input of shape {tuple(input.shape)} "
                           f"must be divisible by upscale_factor**2 = {r * r}")
    n = len(batch)
    y = input.reshape(*batch, c // (r * r), r, r, h, w)
    y = y.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)          # (*, C, H, r, W, r)
    return y.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W): the inverse of pixel_shuffle."""
    op = "pixel_unshuffle"
    r = _pixel_factor(op, input, downscale_factor, "downscale_factor")
    *batch, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"{op}: the height {h} and width {w} of the input of shape {tuple(input.shape)} "
                           f"must be divisible by downscale_factor = {r}")
    n = len(batch)
    y = input.reshape(*batch, c, h // r, r, w // r, r)
    y = y.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)          # (*, C, r, r, H, W)
    return y.reshape(*batch, c * r * r, h // r, w // r)


__all__ = ["linear", "bilinear", "dropout", "batch_norm", "layer_norm", "group_norm", "embedding", "one_hot",
           "normalize", "cosine_similarity", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle"]
