"""Exercise: scaled dot-product attention with a causal mask.

Read: docs/READING.md, section 11 (Attention: softmax(q k^T / sqrt(d)) v).
Lesson: lessons/transformer.py.

For q (..., L, E), k (..., S, E) and v (..., S, Ev):

    scores = q k^T / sqrt(E)                                    (..., L, S)
    causal: query i may attend key j only when j <= i (aligned top-left when L != S):
            scores[..., i, j] = -inf where j > i
    out    = softmax(scores over the last dim) v                 (..., L, Ev)

Write it with minigrad Tensor ops (`k.transpose(-2, -1)`, `@`, `mg.ones(...).triu(...)`,
`masked_fill`, `.softmax(dim)` ...): the backward then comes from autograd, and the checker
compares your values and gradients with F.scaled_dot_product_attention.
Check: minigrad exercise check attention
"""
import math

import minigrad as mg


def attention(q, k, v, is_causal=False):
    """softmax(q k^T / sqrt(E) [+ causal mask]) v."""
    # YOUR CODE BEGINS
    L, S, E = q.shape[-2], k.shape[-2], q.shape[-1]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(E)
    if is_causal:
        above = mg.ones(L, S, dtype=mg.bool).triu(1)          # True where j > i
        scores = scores.masked_fill(above, float("-inf"))
    return scores.softmax(-1) @ v
    # YOUR CODE ENDS
