"""Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d, MaxUnpool1d/2d/3d
(PyTorch's arguments and defaults; ``stride`` defaults to ``kernel_size``)."""
from __future__ import annotations

from .. import functional as F
from ..functional._arguments import _ntuple
from .module import Module


class MaxPool2d(Module):
    """2-D max pooling over (N, C, H, W) or (C, H, W) input:
    out[n, c, i, j] = max over the kernel window at (i * stride - padding, j * stride - padding).

    Args: ``kernel_size``, ``stride`` (default ``kernel_size``), ``padding`` (0; padded cells are
    -inf), ``dilation`` (1), each an int or a pair; ``return_indices`` (also return the flat
    index of each maximum in its H*W plane, for MaxUnpool2d), ``ceil_mode`` (round the output size
    up). Output: (N, C, H_out, W_out) with H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1."""
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """2-D average pooling over (N, C, H, W) or (C, H, W) input: out = the mean of each kernel window.

    Args: ``kernel_size``, ``stride`` (default ``kernel_size``), ``padding`` (0), each an int or a
    pair; ``ceil_mode`` (False), ``count_include_pad`` (True: padded zeros count in the divisor),
    ``divisor_override`` (a fixed divisor instead of the window size).
    Output: (N, C, H_out, W_out) with H_out = floor((H + 2p - k) / s) + 1."""
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """2-D average pooling to a fixed output size: window i spans rows floor(i * H / H_out) to
    ceil((i + 1) * H / H_out) (and the same for columns), so windows may overlap.

    Args: ``output_size`` (an int or an (H_out, W_out) pair; None keeps that input size).
    Input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out)."""
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """3-D average pooling to a fixed output size, with per-axis windows as AdaptiveAvgPool2d's.

    Args: ``output_size`` (an int or a (D_out, H_out, W_out) triple; None keeps that input size).
    Input (N, C, D, H, W) or (C, D, H, W); output (N, C, D_out, H_out, W_out)."""
    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool2d(Module):
    """2-D max pooling to a fixed output size, with the windows of AdaptiveAvgPool2d.

    Args: ``output_size`` (an int or a pair; None keeps that size), ``return_indices`` (False;
    True also returns the flat index of each maximum in its H*W plane).
    Input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out)."""
    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"



class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """3-D max pooling to a fixed output size, with the windows of AdaptiveAvgPool3d.

    Args: ``output_size`` (an int or a triple; None keeps that size), ``return_indices`` (False;
    True also returns the flat index of each maximum in its D*H*W volume)."""
    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)

class MaxPool1d(MaxPool2d):
    """Max pooling over (N, C, L) input; the arguments of MaxPool2d, each one int."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__(kernel_size, stride, padding, dilation, return_indices, ceil_mode)

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(AvgPool2d):
    """Average pooling over (N, C, L) input; the arguments of AvgPool2d but divisor_override."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """1-D average pooling to a fixed length: window i spans floor(i * L / L_out) to
    ceil((i + 1) * L / L_out). Args: ``output_size`` (int). Input (N, C, L) or (C, L);
    output (N, C, L_out)."""
    def __init__(self, output_size):
        super().__init__(output_size)

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """1-D max pooling to a fixed length, with the windows of AdaptiveAvgPool1d.

    Args: ``output_size`` (int), ``return_indices`` (False). Input (N, C, L) or (C, L); output
    (N, C, L_out)."""
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size, return_indices)

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class MaxUnpool2d(Module):
    """The partial inverse of MaxPool2d: ``forward(input, indices, output_size=None)`` puts each
    value back at its index of a zero image."""

    dims = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        n, name = self.dims, type(self).__name__        # tuples, as PyTorch's unpooling layers keep them
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size", name)
        self.stride = _ntuple(kernel_size if stride is None else stride, n, "stride", name)
        self.padding = _ntuple(padding, n, "padding", name)

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    """The partial inverse of MaxPool1d (int arguments); see MaxUnpool2d."""
    dims = 1

    def forward(self, input, indices, output_size=None):
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(MaxUnpool2d):
    """The partial inverse of MaxPool3d (int or triple arguments); see MaxUnpool2d."""
    dims = 3

    def forward(self, input, indices, output_size=None):
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxPool3d(MaxPool2d):
    """Max pooling over (N, C, D, H, W) input; the arguments of MaxPool2d, int or triple."""

    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(AvgPool2d):
    """Average pooling over (N, C, D, H, W) input; the arguments of AvgPool2d, int or triple."""

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)
