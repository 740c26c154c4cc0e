"""Activation modules: thin wrappers around the functional forms, with PyTorch's arguments.

``inplace=True`` writes the result into the input, as PyTorch's does (under the rules of every
in-place op: refused on a leaf that requires grad).
"""
from __future__ import annotations

import numbers

from ... import creation
from ..._checks import number_arg
from ...autograd.grad_mode import no_grad
from ...backend import get_default_dtype
from .. import functional as F
from ..parameter import Parameter
from .module import Module


class ReLU(Module):
    """max(0, x), elementwise. Args: ``inplace`` (write the result into the input). Input and
    output: any shape. The gradient at 0 is 0, as PyTorch."""
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x >= 0 else negative_slope * x, elementwise.

    Args: ``negative_slope`` (default 0.01), ``inplace`` (write the result into the input).
    Input and output: any shape."""
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x if x > 0 else alpha * (exp(x) - 1), elementwise.

    Args: ``alpha`` (default 1.0), ``inplace`` (write the result into the input).
    Input and output: any shape."""
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF: 0.5 * x * (1 + erf(x / sqrt(2))).

    Args: ``approximate`` ("none" default, or "tanh":
    0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))). Input and output: any shape."""
    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise; d/dx = sigmoid(x) * (1 - sigmoid(x)). Any shape."""
    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x), elementwise; d/dx = 1 - tanh(x)^2. Any shape."""
    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, elementwise; x itself where beta * x > threshold (for
    stability). Args: ``beta`` (default 1.0), ``threshold`` (default 20.0). Any shape."""
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


def _legacy_softmax_dim(ndim):
    """PyTorch's choice when Softmax(dim=None): 0 for 0-, 1- and 3-d inputs, else 1."""
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x_i) / sum_j exp(x_j) along ``dim``, computed after subtracting the maximum.

    Args: ``dim`` (the dimension whose entries sum to 1; None picks 0 for 0-, 1- and 3-d input and
    1 otherwise, PyTorch's legacy rule, without PyTorch's warning). Output: the input's shape."""
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim if self.dim is not None else _legacy_softmax_dim(input.ndim))

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, as x_i - logsumexp(x) (stable).

    Args: ``dim`` (None picks 0 for 0-, 1- and 3-d input and 1 otherwise, PyTorch's legacy rule).
    Output: the input's shape. Use with NLLLoss; CrossEntropyLoss combines the two."""
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim if self.dim is not None else _legacy_softmax_dim(input.ndim))

    def extra_repr(self):
        return f"dim={self.dim}"


class _Elementwise(Module):
    """An activation without parameters: ``forward`` applies ``self._fn`` (written into the input
    with ``inplace``, which the repr shows)."""
    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class SiLU(_Elementwise):
    """x * sigmoid(x)."""
    _fn = staticmethod(F.silu)


class Mish(_Elementwise):
    """x * tanh(softplus(x))."""
    _fn = staticmethod(F.mish)


class Hardswish(_Elementwise):
    """x * relu6(x + 3) / 6."""
    _fn = staticmethod(F.hardswish)


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6."""
    _fn = staticmethod(F.hardsigmoid)


class ReLU6(_Elementwise):
    """min(max(x, 0), 6)."""
    _fn = staticmethod(F.relu6)


class SELU(_Elementwise):
    """scale * elu(x, alpha), the self-normalising constants."""
    _fn = staticmethod(F.selu)


class LogSigmoid(Module):
    """log(sigmoid(x))."""

    def forward(self, input):
        return F.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, input):
        return F.tanhshrink(input)


class CELU(Module):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """x clamped to [min_val, max_val] (gradient 0 at the corners)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        for name, value in (("min_val", min_val), ("max_val", max_val)):
            if not isinstance(value, numbers.Real):
                raise TypeError(f"Hardtanh: {name} must be a number, got {value!r} ({type(value).__name__})")
        if max_val <= min_val:          # PyTorch's assertion (a NaN bound passes it)
            raise AssertionError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class Hardshrink(Module):
    """x where |x| > lambd, else 0."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Module):
    """x shrunk towards 0 by lambd."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class RReLU(Module):
    """Leaky ReLU with a random negative slope in [lower, upper] while training, the mean slope in eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class Softmin(Module):
    """softmax(-x) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim if self.dim is not None else _legacy_softmax_dim(input.ndim))

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax2d(Module):
    """softmax over the channels of each position: dim -3 of (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input, got shape {tuple(input.shape)}")
        return F.softmax(input, -3)


class GLU(Module):
    """a * sigmoid(b), a and b the halves of ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, else weight * x, with a learnable ``weight`` of ``num_parameters``
    slopes (1, or one per channel) initialised to ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.full((num_parameters,), number_arg("PReLU", "init", init), device=device,
                                              dtype=get_default_dtype() if dtype is None else dtype))   # an int init too

    def reset_parameters(self):
        with no_grad():
            self.weight.fill_(self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
