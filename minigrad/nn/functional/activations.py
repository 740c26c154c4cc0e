"""F.relu, F.gelu, F.softmax ...: the activations are the element-wise ops of ``minigrad.ops``
(their Functions, with forward and backward, are in ops/activation.py and ops/reduction.py);
``F`` re-exports them under PyTorch's names, with PyTorch's ``inplace`` argument where it has one."""
from ... import ops
from ...ops import gelu, log_softmax, sigmoid, softmax, softplus, tanh  # noqa: F401
from ...ops.activation import (activation, celu, glu, hardshrink, hardsigmoid, hardswish,  # noqa: F401
                               hardtanh, logsigmoid, mish, prelu, relu6, rrelu, selu, silu, softmin,
                               softshrink, softsign, tanhshrink, threshold)


def relu(input, inplace=False):
    """max(0, x) of each element; ``inplace``: written into ``input``."""
    return activation("relu", input, inplace, ops.relu)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x; ``inplace``: written into ``input``."""
    return activation("leaky_relu", input, inplace, ops.leaky_relu, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha * (exp(x) - 1); ``inplace``: written into ``input``."""
    return activation("elu", input, inplace, ops.elu, alpha)

__all__ = ["relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
           "celu", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "logsigmoid", "mish",
           "prelu", "relu6", "rrelu", "selu", "silu", "softmin", "softshrink", "softsign", "tanhshrink",
           "threshold"]
