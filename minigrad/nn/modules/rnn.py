"""Recurrent layers: RNN, LSTM, GRU (stacked, bidirectional) and the single-step cells.

Names, arguments, shapes, parameter names and initialisation are PyTorch's:

- input (L, N, H_in), or (N, L, H_in) with ``batch_first=True``, or unbatched (L, H_in);
- initial state h0 (num_layers * num_directions, N, H_out) (no N when unbatched), and for
  the LSTM (h0, c0); zeros when not given;
- output (L, N, num_directions * H_out) holding the last layer's h_t of every step, and the
  final states h_n (and c_n), laid out like h0;
- parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` and
  their ``_reverse`` twins, all initialised U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

The modules hold the parameters and PyTorch's layouts (batch_first, unbatched input, zero
initial states) and call ``F.lstm``, ``F.gru``, ``F.rnn`` (and ``F.lstm_cell`` ... for the
cells), where each layer-direction runs as one kernel Function over the whole sequence. The
weights are looked up by name at every call, so replacing ``layer.weight_ih_l0`` by a new
Parameter works.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import creation
from ..._checks import bool_arg, is_int, memory_bytes
from ...backend import get_default_dtype
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _size_arg(name, what, value, min_size):
    """A size argument: an int (not a bool, not a float), at least ``min_size``."""
    if not is_int(value):
        raise TypeError(f"{name}: {what} must be an int, got {value!r} ({type(value).__name__})")
    if value < min_size:
        raise ValueError(f"{name}: {what} must be a {'positive' if min_size else 'non-negative'} "
                         f"integer, got {value}")
    return int(value)


def _check_allocatable(name, numel, dtype, sizes):
    """Refuse, before building anything, parameters that could not be allocated (more bytes than
    the machine's memory): a typo such as num_layers=10**20 raises at once instead of looping."""
    try:
        itemsize = (get_default_dtype() if dtype is None else np.dtype(dtype)).itemsize
    except TypeError:
        itemsize = 1            # not a dtype: building the parameters refuses it
    limit = memory_bytes()
    if numel * itemsize > limit:
        raise RuntimeError(f"{name}: {sizes} needs {numel} parameters ({numel * itemsize} bytes), more "
                           f"than this machine's memory ({limit} bytes)")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, shape checks, the layer/direction loop."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        input_size = _size_arg(name, "input_size", input_size, 1)
        hidden_size = _size_arg(name, "hidden_size", hidden_size, 1)
        num_layers = _size_arg(name, "num_layers", num_layers, 1)
        bias, batch_first = bool_arg(name, "bias", bias), bool_arg(name, "batch_first", batch_first)
        bidirectional = bool_arg(name, "bidirectional", bidirectional)
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        per_bias = 2 * gate_size if bias else 0
        first = num_directions * (gate_size * (input_size + hidden_size) + per_bias)
        later = num_directions * (gate_size * (hidden_size * num_directions + hidden_size) + per_bias)
        _check_allocatable(name, first + (num_layers - 1) * later, dtype,
                           f"input_size={input_size}, hidden_size={hidden_size}, num_layers={num_layers}")
        if isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent layer, "
                          f"so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * num_directions
            for direction in range(num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for kind, shape in shapes:
                    setattr(self, kind + suffix, Parameter(creation.empty(*shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(kind + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))
        (a cell with hidden_size 0 has only empty parameters)."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self):
        """The parameters per layer-direction: [[w_ih, w_hh(, b_ih, b_hh)], ...]."""
        per = 4 if self.bias else 2
        ws = [getattr(self, n) for n in self._flat_weights_names]
        return [ws[i:i + per] for i in range(0, len(ws), per)]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        for key, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                             ("bidirectional", False)):
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        return s

    # -------------------------------------------------------------------------- forward
    def _nonlinearity(self):
        return "relu" if self.mode == "RNN_RELU" else "tanh"

    def _check_input(self, input):
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor "
                             f"of shape {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]} (input shape {tuple(input.shape)})")

    def _check_hidden(self, hx, expected, label):
        if not hasattr(hx, "shape") or not hasattr(hx, "requires_grad"):
            raise TypeError(f"{type(self).__name__}: the {label} state must be a Tensor, got {type(hx).__name__}")
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"{type(self).__name__}: Expected {label} size {expected}, got "
                               f"{tuple(hx.shape)}")

    def _run(self, input, states):
        """input (L, N, H_in); states: a tuple of (layers*dirs, N, H) tensors (1 or 2 of them).
        Returns the output (L, N, dirs*H) and the final states, laid out like ``states``."""
        params = [getattr(self, name) for name in self._flat_weights_names]
        args = (params, self.bias, self.num_layers, self.dropout, bool(self.training), bool(self.bidirectional), False)
        if self.mode == "LSTM":
            output, *finals = F.lstm(input, states, *args)
        elif self.mode == "GRU":
            output, *finals = F.gru(input, states[0], *args)
        else:
            output, *finals = F.rnn(input, states[0], *args, nonlinearity=self._nonlinearity())
        return output, tuple(finals)

    def forward(self, input, hx=None):
        """RNN, LSTM and GRU share this forward: layouts (batch_first, unbatched), default
        (zeros) and checked initial states; see each class for what ``hx`` and the result hold."""
        self._check_input(input)
        batched = input.ndim == 3
        if batched and self.batch_first:
            input = input.transpose(0, 1)
        if not batched:
            input = input.unsqueeze(1)
        n_states = 2 if self.mode == "LSTM" else 1
        num_directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * num_directions, input.shape[1], self.hidden_size)
        if hx is None:
            states = tuple(creation.zeros(*expected, dtype=input.dtype, device=input.device)
                           for _ in range(n_states))
        else:
            if n_states == 2 and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError(f"{type(self).__name__}: hx must be a tuple (h_0, c_0) of two Tensors, got "
                                f"{type(hx).__name__}" + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else ""))
            states = tuple(hx) if n_states == 2 else (hx,)
            labels = ("hidden", "cell") if n_states == 2 else ("hidden",)
            for s, label in zip(states, labels):
                self._check_hidden(s, expected if batched else (expected[0], expected[2]), label)
            if not batched:
                states = tuple(s.unsqueeze(1) for s in states)
        output, finals = self._run(input, states)
        if not batched:
            output = output.squeeze(1)
            finals = tuple(f.squeeze(1) for f in finals)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (finals if n_states == 2 else finals[0])


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``; ``forward(input, hx=None)``
    returns ``(output, h_n)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; expected 'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gate order (i, f, g, o); see kernels/lstm.py.

    ``forward(input, (h0, c0)=None)`` returns ``(output, (h_n, c_n))``. ``proj_size`` is not
    supported."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's gate order (r, z, n) with
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); see kernels/gru.py.
    ``forward(input, hx=None)`` returns ``(output, h_n)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

# ============================================================================== single-step cells


class RNNCellBase(Module):
    """What RNNCell, LSTMCell and GRUCell share: ``weight_ih`` (G*H, I), ``weight_hh``
    (G*H, H), ``bias_ih``, ``bias_hh`` (G*H,), all U(-1/sqrt(H), 1/sqrt(H)); input (N, I) or
    unbatched (I,); one step runs as the sequence Function with a single time step."""

    def __init__(self, mode, input_size, hidden_size, bias, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        input_size = _size_arg(name, "input_size", input_size, 0)
        hidden_size = _size_arg(name, "hidden_size", hidden_size, 0)
        bias = bool(bias)      # read by its truth, as PyTorch's cells read it (RNN, LSTM, GRU want a bool)
        G = _GATES[mode]
        _check_allocatable(name, G * hidden_size * (input_size + hidden_size + (2 if bias else 0)), dtype,
                           f"input_size={input_size}, hidden_size={hidden_size}")
        self.mode = mode
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(creation.empty(G * hidden_size, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(G * hidden_size, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(G * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(G * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters
    _nonlinearity = RNNBase._nonlinearity

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        return s

    def _step(self, input, states):
        """One step; ``states`` is a tuple of Tensors or None. Returns the new states."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead "
                             f"(shape {tuple(input.shape)})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[-1]}, "
                               f"expected {self.input_size} (input shape {tuple(input.shape)})")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        n_states = 2 if self.mode == "LSTM" else 1
        expected = (x.shape[0], self.hidden_size)
        if states is None:
            states = tuple(creation.zeros(*expected, dtype=x.dtype, device=x.device) for _ in range(n_states))
        else:
            for s, label in zip(states, ("hx", "cx")):
                want = expected if batched else expected[1:]
                if tuple(s.shape) != want:
                    raise RuntimeError(f"{name}: Expected {label} of shape {want}, got {tuple(s.shape)}")
            if not batched:
                states = tuple(s.unsqueeze(0) for s in states)
        weights = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if self.mode == "LSTM":
            new = F.lstm_cell(x, states, *weights)
        elif self.mode == "GRU":
            new = (F.gru_cell(x, states[0], *weights),)
        else:
            new = (F.rnn_cell(x, states[0], *weights, nonlinearity=self._nonlinearity()),)
        return new if batched else tuple(s.squeeze(0) for s in new)


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu); ``forward(input, hx=None)`` -> h'."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; expected 'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._step(input, None if hx is None else (hx,))[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c)=None)`` -> (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, None if hx is None else tuple(hx))


class GRUCell(RNNCellBase):
    """One GRU step; ``forward(input, hx=None)`` -> h'."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, None if hx is None else (hx,))[0]
