"""Upsample: F.interpolate as a layer (PyTorch's arguments and defaults)."""
from __future__ import annotations

from .. import functional as F
from .module import Module


class Upsample(Module):
    """Resizes (N, C, L), (N, C, H, W) or (N, C, D, H, W) input with F.interpolate.

    Args: ``size`` (the output's spatial size) or ``scale_factor`` (one of the two), ``mode``
    ("nearest" default, "nearest-exact", "area", "linear", "bilinear", "bicubic", "trilinear"),
    ``align_corners`` (for the linear modes), ``recompute_scale_factor``. Output: (N, C, *size)."""
    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) else scale_factor
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        what = f"scale_factor={self.scale_factor}" if self.scale_factor is not None else f"size={self.size}"
        return f"{what}, mode={self.mode!r}"
