"""Exercise: the backward of mul and div under broadcasting (sum_to_shape).

Read: docs/READING.md, section 4 (Broadcasting: one helper brings gradients home).
Lesson: lessons/mlp.py (every bias added to a batch is broadcast).

`a * b` with shapes (3, 1) and (4,) gives a (3, 4) result, so the gradient g arriving from
above is (3, 4) too -- but `a` needs a (3, 1) gradient and `b` a (4,) one. NumPy broadcasting
(1) prepends size-1 dims to the shorter shape, then (2) stretches every size-1 dim. Undo both:

    sum_to_shape(g, shape):  sum g over its leading g.ndim - len(shape) dims, then over every
                             dim i where shape[i] == 1 (keeping it), so the result has `shape`

    y = a * b:   dL/da = sum_to_shape(g * b, a.shape)        dL/db = sum_to_shape(g * a, b.shape)
    y = a / b:   dL/da = sum_to_shape(g / b, a.shape)        dL/db = sum_to_shape(-g * a / b**2, b.shape)

Write the three functions on NumPy arrays; keep the dtype of `g`.
Check: minigrad exercise check broadcasting
"""
import numpy as np


def sum_to_shape(g, shape):
    """Sum the gradient ``g`` of a broadcast result down to ``shape``."""
    # YOUR CODE BEGINS
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True)
    # YOUR CODE ENDS


def mul_backward(g, a, b):
    """(dL/da, dL/db) of y = a * b, given g = dL/dy."""
    # YOUR CODE BEGINS
    return sum_to_shape(g * b, a.shape), sum_to_shape(g * a, b.shape)
    # YOUR CODE ENDS


def div_backward(g, a, b):
    """(dL/da, dL/db) of y = a / b, given g = dL/dy."""
    # YOUR CODE BEGINS
    return sum_to_shape(g / b, a.shape), sum_to_shape(-g * a / (b * b), b.shape)
    # YOUR CODE ENDS
