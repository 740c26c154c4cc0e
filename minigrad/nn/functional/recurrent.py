"""F.lstm, F.gru, F.rnn and the one-step cells: the front door of the recurrent layers.

``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` call ``lstm``/``gru``/``rnn`` with their flat list of
weights, as PyTorch's modules call ``torch.lstm`` ...; the cells ``nn.LSTMCell`` ... call
``lstm_cell``/``gru_cell``/``rnn_cell``. Shapes are PyTorch's:

- input (L, N, H_in), or (N, L, H_in) with ``batch_first``;
- states (num_layers * num_directions, N, H): h for all three, and c for the LSTM;
- ``params``: per layer, per direction, ``[weight_ih, weight_hh, bias_ih, bias_hh]`` (no
  biases if not ``has_biases``), with the G*H rows of the G gates stacked: the LSTM's
  (i, f, g, o), the GRU's (r, z, n), one for the plain RNN.

Each layer-direction runs as ONE Function over the whole sequence (``minigrad.kernels.lstm``,
``gru``, ``rnn``), so the fused Numba/CUDA kernels do the time loop; the kernel Function checks
that the weights fit the input and the states.
"""
from __future__ import annotations

from ..._checks import bool_arg, int_arg, number_arg, tensor_arg
from ...kernels.gru import GRUFunction
from ...kernels.lstm import LSTMFunction
from ...kernels.rnn import RNNReluFunction, RNNTanhFunction
from ...ops import cat, stack
from .layers import dropout as _dropout

def _rnn_function(op, nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{op}: unknown nonlinearity {nonlinearity!r}; expected 'tanh' or 'relu'")
    return RNNTanhFunction if nonlinearity == "tanh" else RNNReluFunction


def _stacked(op, fn, input, states, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """The layer/direction loop shared by lstm, gru and rnn: each layer reads the previous
    layer's output (both directions concatenated), with dropout between layers when training.
    Returns the last layer's output and the final states, laid out like ``states``."""
    _tensors(op, input, states, params)
    num_layers = int_arg(op, "num_layers", num_layers, min=1)
    dropout = number_arg(op, "dropout", dropout)
    for name, flag in (("has_biases", has_biases), ("train", train), ("bidirectional", bidirectional),
                       ("batch_first", batch_first)):
        bool_arg(op, name, flag)
    num_directions = 2 if bidirectional else 1
    per = 4 if has_biases else 2
    if len(params) != num_layers * num_directions * per:
        raise RuntimeError(f"{op}: expected {num_layers * num_directions * per} weights ({num_layers} "
                           f"layers x {num_directions} directions x {per}), got {len(params)}")
    if input.ndim != 3:
        raise RuntimeError(f"{op}: expected a 3-D input (seq, batch, feature), got shape {tuple(input.shape)}")
    if not 0 <= dropout <= 1:
        raise ValueError(f"{op}: dropout must be in [0, 1], got {dropout!r}")
    x = input.transpose(0, 1) if batch_first else input
    hidden = params[1].shape[1]
    expected = (num_layers * num_directions, x.shape[1], hidden)
    for s in states:
        if tuple(s.shape) != expected:
            raise RuntimeError(f"{op}: expected states of shape {expected} (layers * directions, batch, "
                               f"hidden_size), got {tuple(s.shape)}")
    finals = [[] for _ in states]
    for layer in range(num_layers):
        outs = []
        for direction in range(num_directions):
            k = layer * num_directions + direction
            w = list(params[k * per:(k + 1) * per]) + [None, None] * (not has_biases)
            c0 = states[1][k] if len(states) == 2 else None
            y, *last = fn.apply(x, states[0][k], c0, *w, reverse=direction == 1)
            outs.append(y)
            for f, s in zip(finals, last):
                f.append(s)
        x = outs[0] if num_directions == 1 else cat(outs, 2)
        if dropout > 0 and train and layer < num_layers - 1:
            x = _dropout(x, dropout, True)
    output = x.transpose(0, 1) if batch_first else x
    return (output,) + tuple(stack(f, 0) for f in finals)


def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """The stacked LSTM of ``nn.LSTM``; ``hx = (h0, c0)``. Returns ``(output, h_n, c_n)``."""
    _pair_of_states("lstm", hx)
    return _stacked("lstm", LSTMFunction, input, tuple(hx), params, has_biases, num_layers, dropout,
                    train, bidirectional, batch_first)


def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """The stacked GRU of ``nn.GRU``; ``hx`` is h0. Returns ``(output, h_n)``."""
    return _stacked("gru", GRUFunction, input, (hx,), params, has_biases, num_layers, dropout,
                    train, bidirectional, batch_first)


def rnn(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first,
        nonlinearity="tanh"):
    """The stacked Elman RNN of ``nn.RNN`` (PyTorch's ``rnn_tanh``/``rnn_relu``, chosen by
    ``nonlinearity``); ``hx`` is h0. Returns ``(output, h_n)``."""
    fn = _rnn_function("rnn", nonlinearity)
    return _stacked("rnn", fn, input, (hx,), params, has_biases, num_layers, dropout, train,
                    bidirectional, batch_first)


def _tensors(op, input, states, params):
    """``input``, every state and every weight must be a Tensor (a bias may be None)."""
    tensor_arg(op, "input", input)
    for s in states:
        tensor_arg(op, "each hidden state", s)
    if not isinstance(params, (list, tuple)):
        raise TypeError(f"{op}: params must be a list or tuple of Tensors, got {type(params).__name__}")
    for p in params:
        tensor_arg(op, "each weight", p)


def _pair_of_states(op, hx):
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"{op}: hx must be a tuple (h, c) of two Tensors, got {type(hx).__name__}"
                        + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else ""))


def _cell(op, fn, input, states, w_ih, w_hh, b_ih, b_hh):
    """One step: the sequence Function over a single time step."""
    _tensors(op, input, states, [w for w in (w_ih, w_hh, b_ih, b_hh) if w is not None])
    if input.ndim != 2:
        raise RuntimeError(f"{op}: expected a 2-D input (batch, input_size), got shape {tuple(input.shape)}")
    c0 = states[1] if len(states) == 2 else None
    _, *new = fn.apply(input.unsqueeze(0), states[0], c0, w_ih, w_hh, b_ih, b_hh)
    return new


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step of ``nn.LSTMCell``: input (N, I), ``hx = (h, c)`` each (N, H). Returns ``(h', c')``."""
    _pair_of_states("lstm_cell", hx)
    return tuple(_cell("lstm_cell", LSTMFunction, input, tuple(hx), w_ih, w_hh, b_ih, b_hh))


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step of ``nn.GRUCell``: input (N, I), hx (N, H). Returns h'."""
    return _cell("gru_cell", GRUFunction, input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


def rnn_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One Elman RNN step of ``nn.RNNCell`` (PyTorch's ``rnn_tanh_cell``/``rnn_relu_cell``):
    input (N, I), hx (N, H). Returns h'."""
    fn = _rnn_function("rnn_cell", nonlinearity)
    return _cell("rnn_cell", fn, input, (hx,), w_ih, w_hh, b_ih, b_hh)[0]


__all__ = ["lstm", "gru", "rnn", "lstm_cell", "gru_cell", "rnn_cell"]
