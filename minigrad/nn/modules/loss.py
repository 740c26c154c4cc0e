"""Loss modules: each stores its options and calls the functional form in ``forward``.
Class weights (``weight``, ``pos_weight``) are buffers, as in PyTorch."""
from __future__ import annotations

from .. import functional as F
from ..functional._arguments import _legacy_reduction
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = _legacy_reduction(size_average, reduce, reduction)

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """The mean squared error: l_i = (input_i - target_i)^2, then reduced.

    Args: ``reduction`` ("mean" default, "sum" or "none"; the legacy ``size_average``/``reduce``
    map onto it). Input and target: the same shape; unlike PyTorch, which broadcasts them with a
    warning, a different shape raises ValueError.
    Output: a scalar, or the input's shape with "none"."""
    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """The mean absolute error: l_i = |input_i - target_i|, then reduced.

    Args: ``reduction`` ("mean", "sum" or "none"). Input and target: one shape. Output: a scalar,
    or the input's shape with "none"."""
    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """l_i = 0.5 * d^2 / beta if |d| < beta else |d| - 0.5 * beta, with d = input_i - target_i.

    Args: ``reduction`` ("mean"), ``beta`` (default 1.0; beta = 0 is L1Loss). Input and target:
    one shape. Output: a scalar, or the input's shape with "none"."""
    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """l_i = 0.5 * d^2 if |d| < delta else delta * (|d| - 0.5 * delta), with d = input_i - target_i
    (SmoothL1Loss times delta).

    Args: ``reduction`` ("mean"), ``delta`` (default 1.0). Input and target: one shape."""
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities: l_i = -w_i * (t_i * log(p_i) + (1 - t_i) * log(1 - p_i)),
    each log clamped to >= -100 as PyTorch.

    Args: ``weight`` (a tensor broadcast to the input, kept as a buffer), ``reduction`` ("mean").
    Input: probabilities in [0, 1], any shape; target: the same shape."""
    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross entropy in one stable step:
    l_i = -w_i * (pw * t_i * log(sigmoid(x_i)) + (1 - t_i) * log(1 - sigmoid(x_i))).

    Args: ``weight`` (broadcast to the input), ``pos_weight`` (a weight for positive examples per
    class, broadcast along the last dim), ``reduction`` ("mean"). Input: logits, any shape;
    target: the same shape, values in [0, 1]."""
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of log-probabilities: l_n = -w[y_n] * input[n, y_n]; "mean" divides by
    sum_n w[y_n].

    Args: ``weight`` (one weight per class, shape (C,)), ``ignore_index`` (-100: targets equal to it
    add nothing), ``reduction`` ("mean"). Input (N, C) or (N, C, d1, ...) or (C,); target class
    indices (N) or (N, d1, ...)."""
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """log_softmax over the class dim followed by NLLLoss: l_n = -w[y_n] * log(softmax(x_n)[y_n]).

    Args: ``weight`` ((C,)), ``ignore_index`` (-100), ``reduction`` ("mean"), ``label_smoothing``
    (0.0; the target mixed with a uniform distribution). Input logits (N, C), (N, C, d1, ...) or
    (C,); target class indices (N) / (N, d1, ...), or class probabilities of the input's shape."""
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence with ``input`` log-probabilities: l_i = t_i * (log(t_i) - input_i).

    Args: ``reduction`` ("mean" averages over every element, as PyTorch; "batchmean" divides the
    sum by the batch size, the true KL divergence; "sum", "none"), ``log_target`` (False: target is
    probabilities; True: target is log-probabilities). Input and target: one shape."""
    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
