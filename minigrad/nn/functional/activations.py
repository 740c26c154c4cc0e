"""F.relu, F.gelu, F.softmax ...: the activations are the element-wise ops of ``minigrad.ops``
(their Functions, with forward and backward, are in ops/activation.py and ops/reduction.py);
``F`` re-exports them under PyTorch's names, with PyTorch's ``inplace`` argument where it has one."""
from ... import ops
from ...ops import gelu, sigmoid, softplus, tanh  # noqa: F401
from ...ops.activation import (activation, celu, glu, hardshrink, hardsigmoid, hardswish,  # noqa: F401
                               hardtanh, implicit_softmax_dim, logsigmoid, mish, prelu, relu6, rrelu, selu,
                               silu, softmin, softshrink, softsign, tanhshrink, threshold)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``: ``minigrad.softmax``, with PyTorch's deprecated
    ``dim=None`` too (``implicit_softmax_dim``: 0 for a 0-, 1- or 3-d input, else 1, and a warning)."""
    if dim is None:
        dim = implicit_softmax_dim("softmax", input, _stacklevel)
    return ops.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along ``dim``: ``minigrad.log_softmax``, with ``dim=None`` as F.softmax."""
    if dim is None:
        dim = implicit_softmax_dim("log_softmax", input, _stacklevel)
    return ops.log_softmax(input, dim, dtype)


def relu(input, inplace=False):
    """max(0, x) of each element; ``inplace``: written into ``input``."""
    return activation("relu", input, inplace, ops.relu)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x; ``inplace``: written into ``input``."""
    return activation("leaky_relu", input, inplace, ops.leaky_relu, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha * (exp(x) - 1); ``inplace``: written into ``input``."""
    return activation("elu", input, inplace, ops.elu, alpha)


def relu_(input):
    """relu written into ``input`` (``relu(input, inplace=True)``)."""
    return relu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu written into ``input``."""
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha=1.0):
    """elu written into ``input``."""
    return elu(input, alpha, inplace=True)


def celu_(input, alpha=1.0):
    """celu written into ``input``."""
    return celu(input, alpha, inplace=True)


def selu_(input):
    """selu written into ``input``."""
    return selu(input, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """hardtanh written into ``input``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """rrelu written into ``input``."""
    return rrelu(input, lower, upper, training, inplace=True)


def threshold_(input, threshold, value):
    """threshold written into ``input``."""
    return ops.activation.threshold(input, threshold, value, inplace=True)


__all__ = ["relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
           "celu", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "logsigmoid", "mish",
           "prelu", "relu6", "rrelu", "selu", "silu", "softmin", "softshrink", "softsign", "tanhshrink",
           "threshold", "relu_", "leaky_relu_", "elu_", "celu_", "selu_", "hardtanh_", "rrelu_", "threshold_"]
