"""F.lstm / F.gru / F.rnn and the cells: the argument checks in front of the kernels (the
numbers are checked against PyTorch in tests/nn/modules/test_rnn.py, through the modules)."""
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def _params(cls, **kw):
    return list(cls(3, 4, **kw).parameters())


def test_stacked_layers_check_their_arguments():
    x, h = mg.ones(2, 1, 3), mg.zeros(1, 1, 4)
    p = _params(mg.nn.GRU)
    assert F.gru(x, h, p, True, 1, 0.0, False, False, False)[0].shape == (2, 1, 4)
    cases = [(TypeError, "^gru: params must be a list or tuple of Tensors, got int$", (x, h, 1, True, 1, 0.0, False, False, False)),
             (TypeError, "^gru: input must be a Tensor, got list$", ([1.0], h, p, True, 1, 0.0, False, False, False)),
             (TypeError, "^gru: each hidden state must be a Tensor, got int$", (x, 0, p, True, 1, 0.0, False, False, False)),
             (TypeError, "^gru: num_layers must be an int, got 1.0", (x, h, p, True, 1.0, 0.0, False, False, False)),
             (TypeError, "^gru: bidirectional must be a bool, got 1", (x, h, p, True, 1, 0.0, False, 1, False)),
             (TypeError, "^gru: dropout must be a number, got 'x'", (x, h, p, True, 1, "x", False, False, False))]
    for kind, message, args in cases:
        with pytest.raises(kind, match=message):
            F.gru(*args)
    with pytest.raises(TypeError, match=r"^lstm: hx must be a tuple \(h, c\) of two Tensors, got Tensor$"):
        F.lstm(x, h, _params(mg.nn.LSTM), True, 1, 0.0, False, False, False)


def test_cells_check_their_arguments():
    x, h = mg.ones(2, 3), mg.zeros(2, 4)
    w = _params(mg.nn.GRUCell)
    assert F.gru_cell(x, h, *w).shape == (2, 4)
    with pytest.raises(TypeError, match="^gru_cell: each weight must be a Tensor, got int$"):
        F.gru_cell(x, h, 1, 1)
    with pytest.raises(TypeError, match="^rnn_cell: input must be a Tensor, got int$"):
        F.rnn_cell(1, h, *_params(mg.nn.RNNCell))
    with pytest.raises(TypeError, match=r"^lstm_cell: hx must be a tuple \(h, c\) of two Tensors, got tuple of length 1$"):
        F.lstm_cell(x, (h,), *_params(mg.nn.LSTMCell))
