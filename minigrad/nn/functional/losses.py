"""Loss functions, with PyTorch's signatures and ``reduction`` = 'none' | 'mean' | 'sum'.
Re-exported by ``minigrad.nn.functional`` (use them as ``F.cross_entropy`` ...).

All are composites of primitive ops (so their gradients come from autograd), except
binary_cross_entropy, whose PyTorch gradient formula (with its clamp) needs its own backward,
and cross_entropy with class indices, fused into one node for speed (the composite still
serves weights, label smoothing and probability targets).
The classification losses work in log space (log_softmax, softplus), so logits of
magnitude 1e4 give finite losses and gradients.
"""
from __future__ import annotations

import math

import warnings

import numpy as np

from ... import backend
from ..._checks import bool_arg, int_arg, number_arg, tensor_arg
from ...autograd.function import Function
from ...ops import gather, log_softmax, softmax, softplus, where
from ...ops.reduction import logsumexp_array
from ...tensor import Tensor
from ._arguments import _check_reduction, _legacy_reduction, _reduce


def _check_same_shape(op, input, target):
    tensor_arg(op, "input", input)
    tensor_arg(op, "target", target)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{op}: target shape {tuple(target.shape)} differs from input shape "
                         f"{tuple(input.shape)}; they must be equal")


def _check_broadcast(op, input, target):
    """``input`` and ``target`` broadcast together (the losses PyTorch lets broadcast silently)."""
    try:
        np.broadcast_shapes(tuple(tensor_arg(op, "input", input).shape), tuple(tensor_arg(op, "target", target).shape))
    except ValueError:
        raise RuntimeError(f"{op}: target shape {tuple(target.shape)} does not broadcast with input shape "
                           f"{tuple(input.shape)}") from None


def _check_regression_target(op, input, target):
    """The pointwise regression losses (mse, l1, smooth_l1, huber) broadcast a target of
    another shape, as PyTorch does, with its warning: that is rarely what was meant."""
    _check_broadcast(op, input, target)
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"{op}: using a target size {tuple(target.shape)} that is different to the input "
                      f"size {tuple(input.shape)}. This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """(x - y)^2"""
    _check_regression_target("mse_loss", input, target)
    d = input - target
    return _reduce("mse_loss", d * d, _legacy_reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """|x - y|"""
    _check_regression_target("l1_loss", input, target)
    if "b" in (input.dtype.kind, target.dtype.kind):
        raise RuntimeError(f"l1_loss: a bool input or target is not supported (subtraction of bools, as PyTorch), "
                           f"got {input.dtype} and {target.dtype}")
    return _reduce("l1_loss", (input - target).abs(), _legacy_reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta if d < beta else d - 0.5 beta, d = |x - y|  (l1 when beta = 0)."""
    _check_regression_target("smooth_l1_loss", input, target)
    beta = number_arg("smooth_l1_loss", "beta", beta, min=0.0)
    d = (input - target).abs()
    if beta == 0:
        loss = d
    else:
        q = d.clamp(max=beta)       # the square only where it is used: an inf d gives no 0 * inf
        loss = where(d < beta, 0.5 * q * q / beta, d - 0.5 * beta)
    return _reduce("smooth_l1_loss", loss, _legacy_reduction(size_average, reduce, reduction))


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 if d < delta else delta (d - 0.5 delta), d = |x - y|  (= delta * smooth_l1).
    The loss has the dtype input and target promote to, as mse_loss's (PyTorch's huber_loss
    keeps input's dtype: a float64 target does not widen a float32 loss there)."""
    _check_regression_target("huber_loss", input, target)
    if input.dtype.kind not in "fc":
        raise RuntimeError(f"huber_loss: result type float32 can't be cast to the input's type {input.dtype} "
                           "(PyTorch's huber_loss keeps the input's dtype)")
    delta = number_arg("huber_loss", "delta", delta, min=0.0, min_open=True)
    d = (input - target).abs()
    if math.isinf(delta):           # no linear part (its inf * 0 would make NaN gradients)
        return _reduce("huber_loss", 0.5 * d * d, reduction)
    q = d.clamp(max=delta)          # as smooth_l1_loss: the square only where it is used
    loss = where(d < delta, 0.5 * q * q, delta * (d - 0.5 * delta))
    return _reduce("huber_loss", loss, reduction)


class BinaryCrossEntropy(Function):
    """-(t log x + (1 - t) log(1 - x)), each log clamped at -100 (as PyTorch);
    d/dx = (x - t) / max(x (1 - x), 1e-12),  d/dt = log(1 - x) - log(x)  with the same clamped
    logs as the forward (PyTorch leaves them unclamped there: its d/dt is inf at x = 0 or 1)"""

    @staticmethod
    def forward(ctx, x, t):
        xp = backend.array_module(x)
        tiny = np.finfo(x.dtype).smallest_subnormal            # log(0) is never evaluated
        log_x = xp.maximum(xp.log(xp.maximum(x, tiny)), -100)
        log_1mx = xp.maximum(xp.log(xp.maximum(1 - x, tiny)), -100)
        ctx.save_for_backward(x, t)
        return -(t * log_x + (1 - t) * log_1mx)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad
        gx = g * (x - t) / (x * (1 - x)).clamp(min=1e-12) if nx else None
        gt = None
        if nt:
            tiny = float(np.finfo(x.dtype).smallest_subnormal)
            gt = g * ((1 - x).clamp(min=tiny).log().clamp(min=-100) - x.clamp(min=tiny).log().clamp(min=-100))
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Cross-entropy between probabilities ``input`` (in [0, 1]) and ``target``; ``weight``
    rescales each element (broadcast)."""
    _check_same_shape("binary_cross_entropy", input, target)
    tensor_arg("binary_cross_entropy", "weight", weight, optional=True)
    if target.dtype != input.dtype:
        raise RuntimeError(f"binary_cross_entropy: expected a target of the input's dtype {input.dtype}, "
                           f"got {target.dtype}")
    for name, t in (("input", input), ("target", target)):
        lo, hi = (float(t.data.min()), float(t.data.max())) if t.numel() else (0.0, 0.0)
        if not (lo >= 0 and hi <= 1):          # NaN fails too
            raise ValueError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1, got "
                             f"values in [{lo:g}, {hi:g}]" + (" (for logits use binary_cross_entropy_with_logits)"
                                                              if name == "input" else ""))
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce("binary_cross_entropy", loss, _legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(x), t), computed stably from the logits x:
    (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x);  softplus never overflows. The loss has
    the dtype input and target promote to (PyTorch's has target's dtype: float64 logits with a
    float32 target give a float32 loss there)."""
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    if target.dtype.kind not in "fc":
        raise RuntimeError(f"binary_cross_entropy_with_logits: the target must be a floating point tensor "
                           f"(probabilities), got {target.dtype}")
    tensor_arg("binary_cross_entropy_with_logits", "weight", weight, optional=True)
    tensor_arg("binary_cross_entropy_with_logits", "pos_weight", pos_weight, optional=True)
    log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * target
    loss = (1 - target) * input + log_weight * softplus(-input)
    if weight is not None:
        loss = loss * weight
    return _reduce("binary_cross_entropy_with_logits", loss, _legacy_reduction(size_average, reduce, reduction))


def _class_layout(op, input, target):
    """The class dim of ``input`` ((C,) unbatched, else (N, C, d1, ...)) after checking
    that the class-index ``target`` has the matching shape ((), or (N, d1, ...))."""
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    class_dim = 0 if input.ndim == 1 else 1
    expected = tuple(input.shape[:class_dim]) + tuple(input.shape[class_dim + 1:])
    if tuple(target.shape) != expected:
        error = ValueError if input.ndim == 1 else RuntimeError      # PyTorch's two types
        raise error(f"{op}: for input of shape {tuple(input.shape)} the class-index target "
                         f"must have shape {expected}, got target shape {tuple(target.shape)}")
    return class_dim


def _class_weight(op, weight, num_classes):
    if weight is not None and tuple(tensor_arg(op, "weight", weight).shape) != (num_classes,):
        raise RuntimeError(f"{op}: weight must have shape ({num_classes},) (one per class), "
                           f"got {tuple(weight.shape)}")                 # PyTorch's type


def _class_targets(op, input, target, ignore_index):
    """Check a class-index target against ``input`` (N, C, ...) and return
    ``(class_dim, safe, valid)``: the targets with ignored positions set to class 0, and the mask
    of the positions that count (arrays)."""
    class_dim = _class_layout(op, input, target)
    ignore_index = int_arg(op, "ignore_index", ignore_index)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index target must be an integer tensor, got dtype {target.dtype}")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"{op}: expected a class-index target of dtype int64 (or uint8), as PyTorch, "
                           f"got {target.dtype}")
    num_classes = input.shape[class_dim]
    t = target.data
    xp = backend.array_module(t)
    valid = t != ignore_index
    if valid.any():
        lo, hi = int(t[valid].min()), int(t[valid].max())
        if lo < 0 or hi >= num_classes:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{op}: target class index {bad} is out of range for {num_classes} "
                             f"classes (valid: 0..{num_classes - 1}, or ignore_index={ignore_index})")
    return class_dim, xp.where(valid, t, 0).astype(backend.int64, copy=False), valid


def _nll(op, logp, target, weight, ignore_index, reduction):
    class_dim, safe, valid = _class_targets(op, logp, target, ignore_index)
    _class_weight(op, weight, logp.shape[class_dim])
    xp = backend.array_module(safe)
    picked = gather(logp, class_dim, Tensor(xp.expand_dims(safe, class_dim))).squeeze(class_dim)
    w = valid.astype(logp.dtype) if weight is None else weight.data[safe] * valid
    w = Tensor(w.astype(logp.dtype, copy=False))
    loss = -picked * w
    if reduction == "mean":
        return _weighted_mean(loss.sum(), w.data)
    return _reduce(op, loss, reduction)


def _weighted_mean(total, weights):
    """``total`` / sum(``weights``) for a 'mean' over counted positions. When nothing counts
    (every target ignored) the value is NaN (0/0) and the gradient 0, as PyTorch: a step on it
    leaves the parameters as they are instead of turning them NaN."""
    xp = backend.array_module(weights)
    denom = xp.asarray(weights.sum(), dtype=weights.dtype)
    none = denom == 0
    safe = xp.where(none, xp.ones_like(denom), denom)
    return total / Tensor(safe) + Tensor(xp.where(none, xp.asarray(np.nan, denom.dtype), xp.zeros_like(denom)))


class CrossEntropyIndices(Function):
    """cross_entropy(x, class indices) without class weights or smoothing, as one node:
    loss_n = logsumexp(x_n) - x_n[t_n] (0 where t_n is ignored), then 'none', 'sum' or 'mean'
    over the counted positions;  d loss_n / d x_n = softmax(x_n) - onehot(t_n).

    The composite (log_softmax, gather, ...) is ten nodes forward and as many backward; this is
    the loss of every classifier, so it gets its own. The backward is written with Tensor ops
    (softmax recomputed from x), so it is differentiable again.
    """

    @staticmethod
    def forward(ctx, x, safe, valid, class_dim, reduction):
        xp = backend.array_module(x)
        index = xp.expand_dims(safe, class_dim)
        lse = logsumexp_array(x, class_dim)
        lse = xp.where(lse == xp.inf, xp.nan, lse)     # a +inf logit: a NaN row, as PyTorch's log_softmax
        loss = (lse - xp.take_along_axis(x, index, class_dim)).squeeze(class_dim) * valid
        onehot = xp.zeros_like(x)
        xp.put_along_axis(onehot, index, 1, class_dim)
        # per position, the factor its gradient gets: 1/count for 'mean', 0 where ignored; when
        # every target is ignored the loss is 0/0 = nan and the gradient 0, as PyTorch
        count = valid.sum(dtype=x.dtype) if reduction == "mean" else 1
        scale = valid.astype(x.dtype) / (count if count else 1)
        ctx.class_dim, ctx.reduction = class_dim, reduction
        ctx.onehot, ctx.scale = onehot, xp.expand_dims(scale, class_dim)
        ctx.save_for_backward(x)
        if reduction == "none":
            return loss
        with np.errstate(invalid="ignore"):
            return xp.asarray(loss.sum() / count, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.reduction == "none":
            g = g.unsqueeze(ctx.class_dim)
        grad = (softmax(x, ctx.class_dim) - Tensor(ctx.onehot)) * Tensor(ctx.scale)
        return grad * g, None, None, None, None


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-input[n, target[n]] * weight[target[n]] for log-probabilities ``input`` (N, C, ...);
    'mean' divides by the summed weights of the non-ignored targets."""
    tensor_arg("nll_loss", "input", input)
    tensor_arg("nll_loss", "target", target)
    return _nll("nll_loss", input, target, weight, ignore_index, _legacy_reduction(size_average, reduce, reduction))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits ``input`` ((C,), (N, C) or (N, C, d1, ...)) with either class
    indices (integer ``target``; nll_loss of log_softmax) or class probabilities (float
    ``target`` of the input's shape). ``label_smoothing`` eps mixes the target with the
    uniform distribution: (1 - eps) * target + eps / C."""
    op = "cross_entropy"
    tensor_arg(op, "input", input)
    tensor_arg(op, "target", target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    label_smoothing = number_arg(op, "label_smoothing", label_smoothing)
    if label_smoothing > 1.0:
        raise RuntimeError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    label_smoothing = max(label_smoothing, 0.0)         # PyTorch smooths only when it is positive
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    class_dim = 0 if input.ndim == 1 else 1
    num_classes = input.shape[class_dim]
    _class_weight(op, weight, num_classes)
    if weight is None and label_smoothing == 0 and target.dtype.kind in "iu":
        _check_reduction(op, reduction)
        class_dim, safe, valid = _class_targets(op, input, target, ignore_index)
        return CrossEntropyIndices.apply(input, safe, valid, class_dim, reduction)
    logp = log_softmax(input, class_dim)
    wshape = [1] * input.ndim
    wshape[class_dim] = num_classes
    if target.dtype.kind == "f":                    # class probabilities
        if ignore_index != -100:
            raise ValueError(f"{op}: ignore_index is not supported for floating point (probability) "
                             f"targets, got ignore_index={ignore_index}")
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"{op}: a probability target must have the input's shape "
                               f"{tuple(input.shape)}, got target shape {tuple(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / num_classes
        terms = logp * target if weight is None else logp * target * weight.reshape(wshape)
        return _reduce(op, -terms.sum(class_dim), reduction)
    nll = _nll(op, logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    # the uniform part: -sum_c w_c log p_c, zero at ignored positions (as PyTorch)
    valid = Tensor(target.data != ignore_index)
    smooth = -(logp if weight is None else logp * weight.reshape(wshape)).sum(class_dim)
    smooth = where(valid, smooth, 0.0)
    if reduction == "mean":
        xp = backend.array_module(target.data)
        if weight is None:
            denom = float(valid.data.sum())
        else:
            denom = float(weight.data[xp.where(valid.data, target.data, 0)][valid.data].sum())
        smooth = smooth.sum() / (denom or 1.0)     # nothing counted: nll is nan, the gradient 0
    else:
        smooth = _reduce(op, smooth, reduction)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / num_classes)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise, ``input`` holding log-probabilities:
    t (log t - x) (0 where t = 0, NaN where t < 0), or exp(t) (t - x) with ``log_target``.
    'batchmean' divides the sum by the batch size (the true KL divergence per sample);
    'mean' divides by the number of elements, as PyTorch does."""
    op = "kl_div"
    log_target = bool_arg(op, "log_target", log_target)
    _check_broadcast(op, input, target)
    if input.dtype.kind in "biu" or target.dtype.kind in "biu":
        raise RuntimeError(f"kl_div: integral inputs are not supported (as PyTorch), got input {input.dtype} and "
                           f"target {target.dtype}")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0               # t log t: 0 at 0 (with a zero gradient), NaN below, as PyTorch's
        below = where(target == 0, 0.0, target.detach() * float("nan"))
        xlogx = where(positive, target * where(positive, target, 1.0).log(), below)
        loss = xlogx - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(op, loss, reduction)


__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "kl_div"]
