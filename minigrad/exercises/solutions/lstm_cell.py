"""Exercise: one LSTM step, forward and backward.

Read: docs/READING.md, section 10 (LSTM), then minigrad/kernels/lstm.py (its docstring).
Lesson: lessons/lstm.py.

PyTorch's equations and gate order (i, f, g, o); x (N, I), h and c (N, H), w_ih (4H, I),
w_hh (4H, H), b_ih and b_hh (4H,):

    gates = x w_ih^T + b_ih + h w_hh^T + b_hh                       (N, 4H)
    i, f, g, o = sigmoid(gates[:, :H]), sigmoid(gates[:, H:2H]), tanh(gates[:, 2H:3H]), sigmoid(gates[:, 3H:])
    c' = f * c + i * g
    h' = o * tanh(c')

Backward, given dh = dL/dh' and dc_in = dL/dc' (from the next step):

    dc = dc_in + dh * o * (1 - tanh(c')^2)
    di = dc * g * i (1 - i)     df = dc * c * f (1 - f)     dg = dc * i (1 - g^2)
    do = dh * tanh(c') * o (1 - o)          dgates = [di, df, dg, do]
    dx = dgates w_ih    dh_prev = dgates w_hh    dc_prev = dc * f
    dw_ih = dgates^T x  dw_hh = dgates^T h       db_ih = db_hh = sum over n of dgates

`lstm_cell` returns (h', c', cache): put in the cache whatever the backward needs.
Write both on NumPy arrays; keep the dtype.
Check: minigrad exercise check lstm_cell
"""
import numpy as np


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """(h', c', cache) of one LSTM step."""
    # YOUR CODE BEGINS
    H = h.shape[1]
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    i, f = _sigmoid(gates[:, :H]), _sigmoid(gates[:, H:2 * H])
    g, o = np.tanh(gates[:, 2 * H:3 * H]), _sigmoid(gates[:, 3 * H:])
    c_new = f * c + i * g
    tc = np.tanh(c_new)
    return o * tc, c_new, (x, h, c, w_ih, w_hh, i, f, g, o, tc)
    # YOUR CODE ENDS


def lstm_cell_backward(dh, dc_in, cache):
    """(dx, dh_prev, dc_prev, dw_ih, dw_hh, db_ih, db_hh) of one LSTM step."""
    # YOUR CODE BEGINS
    x, h, c, w_ih, w_hh, i, f, g, o, tc = cache
    dc = dc_in + dh * o * (1 - tc * tc)
    dgates = np.concatenate([dc * g * i * (1 - i), dc * c * f * (1 - f),
                             dc * i * (1 - g * g), dh * tc * o * (1 - o)], axis=1)
    db = dgates.sum(axis=0)
    return dgates @ w_ih, dgates @ w_hh, dc * f, dgates.T @ x, dgates.T @ h, db, db.copy()
    # YOUR CODE ENDS
