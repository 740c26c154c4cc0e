"""F.relu, F.gelu, F.softmax ...: the activations are the element-wise ops of ``minigrad.ops``
(their Functions, with forward and backward, are in ops/unary.py and ops/reduction.py);
``F`` re-exports them under PyTorch's names."""
from ...ops import (elu, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus,  # noqa: F401
                    tanh)
from ...ops.activation import (celu, glu, hardshrink, hardsigmoid, hardswish, hardtanh,  # noqa: F401
                               logsigmoid, mish, prelu, relu6, rrelu, selu, silu, softmin,
                               softshrink, softsign, tanhshrink, threshold)

__all__ = ["relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
           "celu", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "logsigmoid", "mish",
           "prelu", "relu6", "rrelu", "selu", "silu", "softmin", "softshrink", "softsign", "tanhshrink",
           "threshold"]
