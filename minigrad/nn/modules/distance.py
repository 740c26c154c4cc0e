"""CosineSimilarity and PairwiseDistance: F.cosine_similarity and F.pairwise_distance as
layers (PyTorch's arguments and defaults)."""
from __future__ import annotations

from .. import functional as F
from .module import Module


class CosineSimilarity(Module):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (default 1), each norm at
    least ``eps`` (1e-8). Input: two broadcastable tensors; output: their shape without ``dim``."""
    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The p-norm (default 2) of ``x1 - x2 + eps`` (eps 1e-6) along the last dim; ``keepdim``
    keeps that dim."""
    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
