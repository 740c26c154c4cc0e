"""Exercise: softmax and cross-entropy, forward and backward.

Read: docs/READING.md, section 12 (The lessons: the classifier's loss).
Lesson: lessons/mlp.py (F.cross_entropy trains every classifier).

For logits z (N, C) and integer targets t (N,), with the mean over the batch:

    softmax(z)_ij = exp(z_ij - m_i) / sum_k exp(z_ik - m_i),   m_i = max_k z_ik  (no overflow)
    loss          = -1/N sum_i log softmax(z)_i,t_i
                  =  1/N sum_i (logsumexp(z_i) - z_i,t_i)
    dloss/dz      =  (softmax(z) - onehot(t)) / N

Write them on NumPy arrays; keep the dtype of z (the loss is a 0-d array of that dtype).
Check: minigrad exercise check cross_entropy
"""
import numpy as np


def softmax(z):
    """Softmax over the last dim, stable for large logits."""
    # YOUR CODE BEGINS
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
    # YOUR CODE ENDS


def cross_entropy(z, t):
    """Mean cross-entropy of logits z (N, C) against class indices t (N,)."""
    # YOUR CODE BEGINS
    m = z.max(axis=1, keepdims=True)
    logsumexp = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    return (logsumexp - z[np.arange(len(t)), t]).mean()
    # YOUR CODE ENDS


def cross_entropy_backward(z, t):
    """d cross_entropy(z, t) / dz."""
    # YOUR CODE BEGINS
    g = softmax(z)
    g[np.arange(len(t)), t] -= 1
    return g / len(t)
    # YOUR CODE ENDS
