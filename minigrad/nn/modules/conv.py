"""Conv1d/2d/3d, ConvTranspose1d/2d/3d: PyTorch's constructors, parameter names and default init.

Default initialisation (PyTorch's): weight ~ kaiming_uniform_(a=sqrt(5)), i.e.
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.shape[1] * prod(kernel_size), and
bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""
from __future__ import annotations

import math

from ... import creation
from ..._checks import errors_named, int_arg
from .. import functional as F
from .. import init
from ..functional._arguments import _ntuple
from ..parameter import Parameter
from .module import Module


class _ConvNd(Module):
    """What the convolutions share: checked arguments, ``weight`` and ``bias``, PyTorch's init.
    ``_n`` is the number of spatial dims; a ``transposed`` convolution's weight is (in, out/groups, ...)."""

    _n = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        n = self._n
        in_channels = int_arg(name, "in_channels", in_channels, min=0)
        out_channels = int_arg(name, "out_channels", out_channels, min=0)
        groups = int_arg(name, "groups", groups)
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"must be divisible by groups ({groups})")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{name}: padding_mode must be 'zeros', 'reflect', 'replicate' or "
                             f"'circular', got {padding_mode!r}")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, n, "stride", name, True)):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size", name)
        # stride, padding, dilation (and output_padding): a 1-element sequence is repeated, as PyTorch's
        # functional forms take it; kernel_size is not (PyTorch's modules build a wrong weight from it)
        self.stride = _ntuple(stride, n, "stride", name, True)
        self.dilation = _ntuple(dilation, n, "dilation", name, True)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n, "padding", name, True)
        self.output_padding = (0,) * n
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        with errors_named(name):
            self.weight = Parameter(creation.empty(*shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
            self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _pad_input(self, input):
        """For padding_mode other than 'zeros': pad explicitly, then convolve unpadded."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "valid":
            return input, 0
        if self.padding == "same":
            total = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            widths = [(t // 2, t - t // 2) for t in total]
        else:
            widths = [(p, p) for p in self.padding]
        flat = [w for pair in reversed(widths) for w in pair]
        return F.pad(input, flat, mode=self.padding_mode), 0

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution over NCHW input; ``weight`` (out, in/groups, kH, kW), ``bias`` (out,).
    ``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode='zeros')``."""

    def forward(self, input):
        x, padding = self._pad_input(input)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) input; ``weight`` (out, in/groups, k), ``bias`` (out,);
    the arguments of Conv2d."""

    _n = 1

    def forward(self, input):
        x, padding = self._pad_input(input)
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv3d(_ConvNd):
    """3-D convolution over (N, C, D, H, W) input; ``weight`` (out, in/groups, kD, kH, kW),
    ``bias`` (out,); the arguments of Conv2d."""

    _n = 3

    def forward(self, input):
        x, padding = self._pad_input(input)
        return F.conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution; ``weight`` (in, out/groups, kH, kW), ``bias`` (out,).
    ``forward(input, output_size=None)``: an explicit output size picks the output_padding."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a tuple, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, device, dtype)
        self.output_padding = _ntuple(output_padding, self._n, "output_padding", name, True)

    def _functional(self):
        return F.conv_transpose2d

    def forward(self, input, output_size=None):
        output_padding, n = self.output_padding, self._n
        if output_size is not None:
            if not isinstance(output_size, (tuple, list)):
                raise TypeError(f"{type(self).__name__}: output_size must be a tuple or list of sizes, "
                                f"got {output_size!r}")
            want = tuple(output_size)[-n:]
            base = [(input.shape[-n + a] - 1) * self.stride[a] - 2 * self.padding[a]
                    + self.dilation[a] * (self.kernel_size[a] - 1) + 1 for a in range(n)]
            output_padding = tuple(w - b for w, b in zip(want, base))
            if any(not 0 <= op < max(s, d) for op, s, d in zip(output_padding, self.stride, self.dilation)):
                raise ValueError(f"{type(self).__name__}: requested output_size {tuple(output_size)} is not "
                                 f"reachable from input {tuple(input.shape)} (sizes {base} to "
                                 f"{[b + max(s, d) - 1 for b, s, d in zip(base, self.stride, self.dilation)]})")
        return self._functional()(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)


class ConvTranspose1d(ConvTranspose2d):
    """Transposed 1-D convolution over (N, C, L) input; ``weight`` (in, out/groups, k); the
    arguments of ConvTranspose2d."""

    _n = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, device, dtype)

    def _functional(self):
        return F.conv_transpose1d


class ConvTranspose3d(ConvTranspose2d):
    """Transposed 3-D convolution over (N, C, D, H, W) input; ``weight`` (in, out/groups, kD, kH,
    kW); the arguments of ConvTranspose2d."""

    _n = 3

    def _functional(self):
        return F.conv_transpose3d
