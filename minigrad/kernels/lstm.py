"""LSTM over a whole sequence: three variants side by side, and the Function.

PyTorch's equations and gate order (i, f, g, o), one time step::

    gates = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh          (N, 4H)
    i = sigmoid(gates[:, 0H:1H])    input gate
    f = sigmoid(gates[:, 1H:2H])    forget gate
    g = tanh   (gates[:, 2H:3H])    candidate cell
    o = sigmoid(gates[:, 3H:4H])    output gate
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Backward through one step (dh = dy_t + the gradient coming back from step t+1)::

    dc = dc_next + dh * o * (1 - tanh(c_t)^2)
    di = dc * g * i(1-i)   df = dc * c_{t-1} * f(1-f)   dg = dc * i * (1-g^2)
    do = dh * tanh(c_t) * o(1-o)                    dc_{t-1} = dc * f
    dx_t = dgates W_ih      dh_{t-1} = dgates W_hh
    dW_ih += dgates^T x_t   dW_hh += dgates^T h_{t-1}   db += sum_n dgates

Variants:
- ``reference``: NumPy, the equations above, one step at a time. Read this first.
- ``cpu``: the input projection of ALL time steps as one GEMM before the loop; per step one
  recurrent GEMM (BLAS), vectorised NumPy exps, and a fused Numba kernel for the gate
  non-linearities and the cell update, which stores only what backward needs: the gate
  activations, the cell and tanh(cell). Backward runs the loop in reverse with a fused
  gate-backward kernel and one GEMM per step for dh; dx and the weight gradients are GEMMs
  over all steps after the loop.
- ``cuda``: the same driver with CuPy GEMMs and the kernels in ``recurrent_cuda.py``.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..backend import array_module
from ._recurrent import (RecurrentFunction, composite_sequence, input_projection, time_steps,
                         weight_grads)

# ======================================================================== reference (NumPy)


def _sigmoid(z):
    xp = array_module(z)
    return 0.5 * (1 + xp.tanh(0.5 * z))     # = 1 / (1 + exp(-z)), without overflow


def lstm_forward_reference(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
    xp = array_module(x)
    T, N, _ = x.shape
    H = h0.shape[1]
    y = xp.empty((T, N, H), x.dtype)
    cells = xp.empty((T, N, H), x.dtype)
    acts = xp.empty((T, N, 4 * H), x.dtype)       # i, f, g, o for backward
    h, c = h0, c0
    for t in time_steps(T, reverse):
        gates = x[t] @ w_ih.T + h @ w_hh.T
        if b_ih is not None:
            gates = gates + b_ih
        if b_hh is not None:
            gates = gates + b_hh
        i = _sigmoid(gates[:, 0 * H:1 * H])
        f = _sigmoid(gates[:, 1 * H:2 * H])
        g = xp.tanh(gates[:, 2 * H:3 * H])
        o = _sigmoid(gates[:, 3 * H:4 * H])
        c = f * c + i * g
        h = o * xp.tanh(c)
        y[t], cells[t] = h, c
        acts[t] = xp.concatenate([i, f, g, o], axis=1)
    return (y, h.copy(), c.copy()), (acts, cells)


def lstm_backward_reference(grads, inputs, outputs, saved, reverse):
    dy, dh_n, dc_n = grads
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = inputs
    y = outputs[0]
    acts, cells = saved
    xp = array_module(x)
    T = x.shape[0]
    H = h0.shape[1]
    dx = xp.empty_like(x)
    dw_ih, dw_hh = xp.zeros_like(w_ih), xp.zeros_like(w_hh)
    db = xp.zeros(4 * H, x.dtype)
    dh, dc = dh_n, dc_n
    order = list(time_steps(T, reverse))
    for k in range(T - 1, -1, -1):
        t = order[k]
        h_prev = h0 if k == 0 else y[order[k - 1]]
        c_prev = c0 if k == 0 else cells[order[k - 1]]
        i, f, g, o = (acts[t][:, j * H:(j + 1) * H] for j in range(4))
        tanh_c = xp.tanh(cells[t])
        dh = dh + dy[t]
        dc = dc + dh * o * (1 - tanh_c ** 2)
        dgates = xp.concatenate([dc * g * i * (1 - i),
                                 dc * c_prev * f * (1 - f),
                                 dc * i * (1 - g ** 2),
                                 dh * tanh_c * o * (1 - o)], axis=1)
        dc = dc * f
        dx[t] = dgates @ w_ih
        dw_ih += dgates.T @ x[t]
        dw_hh += dgates.T @ h_prev
        db += dgates.sum(0)
        dh = dgates @ w_hh
    return (dx, dh, dc, dw_ih, dw_hh,
            None if b_ih is None else db, None if b_hh is None else db.copy())

# ======================================================================== cpu (Numba + BLAS)


@njit(cache=True)
def lstm_cell_forward_cpu(e, c_prev, acts, c, tanh_c):
    """Fused step, first half, from the gates' exponentials (see ``make_lstm_fast``):
    e = exp(-z) for i, f, o, so that sigmoid(z) = 1 / (1 + e), and e = exp(-2z) for g, so
    that tanh(z) = 2 / (1 + e) - 1. Writes the activations (N, 4H), the new cell c, and -2c
    into ``tanh_c`` (NumPy's exp and ``lstm_hidden_cpu`` turn it into tanh(c))."""
    N, H = c.shape
    for n in range(N):
        for j in range(H):
            i = 1.0 / (1.0 + e[n, j])
            f = 1.0 / (1.0 + e[n, H + j])
            g = 2.0 / (1.0 + e[n, 2 * H + j]) - 1.0
            o = 1.0 / (1.0 + e[n, 3 * H + j])
            cj = f * c_prev[n, j] + i * g
            acts[n, j], acts[n, H + j], acts[n, 2 * H + j], acts[n, 3 * H + j] = i, f, g, o
            c[n, j] = cj
            tanh_c[n, j] = -2.0 * cj


@njit(cache=True)
def lstm_hidden_cpu(acts, tanh_c, h):
    """Fused step, second half: tanh_c holds exp(-2c) on entry and tanh(c) on exit;
    h = o * tanh(c)."""
    N, H = h.shape
    for n in range(N):
        for j in range(H):
            t = 2.0 / (1.0 + tanh_c[n, j]) - 1.0
            tanh_c[n, j] = t
            h[n, j] = acts[n, 3 * H + j] * t


@njit(cache=True)
def lstm_cell_backward_cpu(dy, dh_rec, dc, acts, tanh_c, c_prev, dgates):
    """Fused step backward: dh = dy + dh_rec; writes dgates (N, 4H) and overwrites dc
    (the gradient of c_t on entry) with the gradient of c_{t-1}."""
    N, H = tanh_c.shape
    for n in range(N):
        for j in range(H):
            i, f, g, o = acts[n, j], acts[n, H + j], acts[n, 2 * H + j], acts[n, 3 * H + j]
            tc = tanh_c[n, j]
            dh = dy[n, j] + dh_rec[n, j]
            dcj = dc[n, j] + dh * o * (1.0 - tc * tc)
            dgates[n, j] = dcj * g * i * (1.0 - i)
            dgates[n, H + j] = dcj * c_prev[n, j] * f * (1.0 - f)
            dgates[n, 2 * H + j] = dcj * i * (1.0 - g * g)
            dgates[n, 3 * H + j] = dh * tc * o * (1.0 - o)
            dc[n, j] = dcj * f


def _cpu_step(xw_t, hw, c_prev, acts, c, tanh_c, h):
    """One cpu forward step after the recurrent GEMM (hw = h W_hh^T, pre-scaled): the gate
    exponentials with one SIMD NumPy exp, the fused kernel, tanh(c) the same way."""
    np.add(hw, xw_t, out=hw)
    np.exp(hw, out=hw)
    lstm_cell_forward_cpu(hw, c_prev, acts, c, tanh_c)
    np.exp(tanh_c, out=tanh_c)
    lstm_hidden_cpu(acts, tanh_c, h)


def make_lstm_fast(step, cell_backward, exp_in_numpy):
    """The cpu/cuda driver around a fused forward step and a fused backward step.

    ``exp_in_numpy`` (the cpu variant): Numba's exp is scalar and libm's expf slow, NumPy's
    exp is SIMD-vectorised and several times faster. So the gate pre-activations z are
    scaled by s = -1 (i, f, o) or -2 (g) -- folded into the input projection and into a
    scaled copy of W_hh, exact since s is a power of two -- and NumPy's ``exp`` turns s*z
    into the exponentials the fused kernel needs (``_cpu_step``). Otherwise (cuda) the step
    kernel gets xw and hw and computes its own exponentials.
    Both save the gate activations, the cells and tanh(cells) for backward.
    """

    def forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        xp = array_module(x)
        T, N, _ = x.shape
        H = h0.shape[1]
        xw = input_projection(x, w_ih, b_ih, b_hh)
        y = xp.empty((T, N, H), x.dtype)
        cells = xp.empty((T, N, H), x.dtype)
        tanh_cells = xp.empty((T, N, H), x.dtype)
        acts = xp.empty((T, N, 4 * H), x.dtype)
        hw = xp.empty((N, 4 * H), x.dtype)
        if exp_in_numpy:
            scale = xp.full(4 * H, -1.0, x.dtype)
            scale[2 * H:3 * H] = -2.0
            xw *= scale
            w_hh_t = (w_hh * scale[:, None]).T
        else:
            w_hh_t = w_hh.T
        h, c = h0, c0
        with np.errstate(over="ignore"):        # exp(large) = inf is fine: 1 / (1 + inf) = 0
            for t in time_steps(T, reverse):
                xp.matmul(h, w_hh_t, out=hw)
                step(xw[t], hw, c, acts[t], cells[t], tanh_cells[t], y[t])
                h, c = y[t], cells[t]
        return (y, h.copy(), c.copy()), (acts, cells, tanh_cells)

    def backward(grads, inputs, outputs, saved, reverse):
        dy, dh_n, dc_n = grads
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = inputs
        y = outputs[0]
        acts, cells, tanh_cells = saved
        xp = array_module(x)
        T, N, _ = x.shape
        dgates = xp.empty_like(acts)
        dh_rec = xp.array(dh_n, copy=True)
        dc = xp.array(dc_n, copy=True)
        order = list(time_steps(T, reverse))
        for k in range(T - 1, -1, -1):
            t = order[k]
            c_prev = c0 if k == 0 else cells[order[k - 1]]
            cell_backward(dy[t], dh_rec, dc, acts[t], tanh_cells[t], c_prev, dgates[t])
            xp.matmul(dgates[t], w_hh, out=dh_rec)
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(dgates, dgates, x, h0, y, reverse, w_ih, b_ih, b_hh)
        return dx, dh_rec, dc, dw_ih, dw_hh, db_ih, db_hh

    return forward, backward


def _cuda_variant():
    from . import recurrent_cuda
    return make_lstm_fast(recurrent_cuda.lstm_cell_forward, recurrent_cuda.lstm_cell_backward, False)

# ======================================================================== composite (Tensor ops)


def lstm_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One differentiable LSTM step on Tensors: returns (h, c). Serves double backward."""
    from ..ops import sigmoid, tanh
    h, c = state
    gates = x @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        gates = gates + b_ih
    if b_hh is not None:
        gates = gates + b_hh
    i, f, g, o = gates.chunk(4, 1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


class LSTMFunction(RecurrentFunction):
    """One LSTM layer-direction over a sequence: ``(y, h_n, c_n)``; see ``_recurrent.py``."""

    name = "lstm"
    gates = 4
    variants = {"reference": (lstm_forward_reference, lstm_backward_reference),
                "cpu": make_lstm_fast(_cpu_step, lstm_cell_backward_cpu, True),
                "cuda": _cuda_variant}

    @staticmethod
    def composite(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        return composite_sequence(lstm_cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)
