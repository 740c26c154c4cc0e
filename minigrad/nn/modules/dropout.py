"""Dropout (inverted: active only in training mode)."""
from __future__ import annotations

from ..._checks import number_arg
from .. import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode and scale the rest by
    1/(1-p); the identity in eval mode."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p, self.inplace = number_arg("Dropout", "p", p, min=0.0, max=1.0), inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
