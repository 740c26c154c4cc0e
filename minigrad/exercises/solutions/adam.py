"""Exercise: one step of Adam, with bias correction.

Read: docs/READING.md, section 12 (The lessons: the training loop's step), then
minigrad/optim/adam.py (the docstring of Adam holds the update).
Lesson: lessons/mlp.py (trained with optim.Adam).

At step t (counted from 1), for a parameter p with gradient g and running averages m, v
(both 0 before the first step):

    g     = g + weight_decay * p                    (L2 as Adam does it, not AdamW)
    m     = beta1 * m + (1 - beta1) * g
    v     = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)                      (bias correction: m and v start at 0)
    v_hat = v / (1 - beta2**t)
    p     = p - lr * m_hat / (sqrt(v_hat) + eps)

Write it on NumPy arrays and return the new (p, m, v); do not modify the arguments.
Check: minigrad exercise check adam
"""
import numpy as np


def adam_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """(p, m, v) after Adam's step number ``t`` (1, 2, ...)."""
    # YOUR CODE BEGINS
    beta1, beta2 = betas
    g = g + weight_decay * p
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    # YOUR CODE ENDS
