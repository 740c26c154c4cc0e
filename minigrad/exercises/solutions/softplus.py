"""Exercise: a new unary op as a Function -- softplus, its forward and its derivative.

Read: docs/READING.md, sections 2 (Function) and 3 (Unary ops: a derivative in one line).
Lesson: lessons/vae.py (binary cross-entropy with logits is written with softplus).

    softplus(x) = log(1 + exp(x))              d/dx softplus(x) = sigmoid(x) = 1 / (1 + exp(-x))

`forward(ctx, x)` gets a NumPy array and returns one; compute it without overflow for large x:
log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)). Save what backward needs with
`ctx.save_for_backward(...)`. `backward(ctx, grad)` gets minigrad Tensors (`ctx.saved_tensors`
gives the saved arrays back as Tensors) and returns the gradient w.r.t. x as a Tensor, written
with Tensor ops (`mg.sigmoid`, `*`, ...), so that it is itself differentiable.
Check: minigrad exercise check softplus
"""
import numpy as np

import minigrad as mg
from minigrad.autograd import Function


class Softplus(Function):
    """log(1 + exp(x));  d/dx = sigmoid(x)"""

    @staticmethod
    def forward(ctx, x):
        # YOUR CODE BEGINS
        ctx.save_for_backward(x)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
        # YOUR CODE ENDS

    @staticmethod
    def backward(ctx, grad):
        # YOUR CODE BEGINS
        (x,) = ctx.saved_tensors
        return grad * mg.sigmoid(x)
        # YOUR CODE ENDS


def softplus(x):
    """softplus of a Tensor, through the Function."""
    return Softplus.apply(x)
