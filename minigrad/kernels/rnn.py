"""The plain (Elman) RNN over a whole sequence, tanh or relu: three variants and the Functions.

One time step, as PyTorch::

    h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),     act = tanh or relu

Backward (dh = dy_t + the gradient coming back from step t+1)::

    da = dh * (1 - h_t^2)   (tanh)      da = dh * [h_t > 0]   (relu)
    dx_t = da W_ih    dh_{t-1} = da W_hh    dW_ih += da^T x_t    dW_hh += da^T h_{t-1}

Only the outputs h_t are needed for backward: nothing else is saved. Variants as in
``lstm.py``: ``reference`` (NumPy, step by step), ``cpu`` (GEMMs + fused Numba step kernels),
``cuda`` (kernels in recurrent_cuda.py).
"""
from __future__ import annotations

from numba import njit

from ..backend import array_module
from ._recurrent import (RecurrentFunction, composite_sequence, input_projection, tanh_nb,
                         time_steps, weight_grads)

# ======================================================================== reference (NumPy)


def make_rnn_reference(relu):
    def forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        xp = array_module(x)
        T, N, _ = x.shape
        y = xp.empty((T, N, h0.shape[1]), x.dtype)
        h = h0
        for t in time_steps(T, reverse):
            a = x[t] @ w_ih.T + h @ w_hh.T
            if b_ih is not None:
                a = a + b_ih
            if b_hh is not None:
                a = a + b_hh
            h = xp.maximum(a, 0) if relu else xp.tanh(a)
            y[t] = h
        return (y, h.copy()), ()

    def backward(grads, inputs, outputs, saved, reverse):
        dy, dh_n = grads
        x, h0, _, w_ih, w_hh, b_ih, b_hh = inputs
        y = outputs[0]
        xp = array_module(x)
        T = x.shape[0]
        dx = xp.empty_like(x)
        dw_ih, dw_hh = xp.zeros_like(w_ih), xp.zeros_like(w_hh)
        db = xp.zeros(w_ih.shape[0], x.dtype)
        dh = dh_n
        order = list(time_steps(T, reverse))
        for k in range(T - 1, -1, -1):
            t = order[k]
            h_prev = h0 if k == 0 else y[order[k - 1]]
            dh = dh + dy[t]
            da = dh * (y[t] > 0) if relu else dh * (1 - y[t] ** 2)
            dx[t] = da @ w_ih
            dw_ih += da.T @ x[t]
            dw_hh += da.T @ h_prev
            db += da.sum(0)
            dh = da @ w_hh
        return (dx, dh, None, dw_ih, dw_hh,
                None if b_ih is None else db, None if b_hh is None else db.copy())

    return forward, backward

# ======================================================================== cpu (Numba + BLAS)


@njit(cache=True)
def rnn_cell_forward_cpu(xw, hw, h, relu):
    """Fused step: h = act(xw + hw), biases already in xw."""
    N, H = h.shape
    for n in range(N):
        for j in range(H):
            a = xw[n, j] + hw[n, j]
            h[n, j] = (a if a > 0 else 0.0) if relu else tanh_nb(a)


@njit(cache=True)
def rnn_cell_backward_cpu(dy, dh_rec, h, da, relu):
    """Fused step backward: da = (dy + dh_rec) * act'(a), written from the output h."""
    N, H = h.shape
    for n in range(N):
        for j in range(H):
            dh = dy[n, j] + dh_rec[n, j]
            hj = h[n, j]
            da[n, j] = (dh if hj > 0 else 0.0) if relu else dh * (1.0 - hj * hj)


def make_rnn_fast(cell_forward, cell_backward, relu):
    """The cpu/cuda driver around a pair of fused step kernels."""

    def forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        xp = array_module(x)
        T, N, _ = x.shape
        H = h0.shape[1]
        xw = input_projection(x, w_ih, b_ih, b_hh)
        y = xp.empty((T, N, H), x.dtype)
        hw = xp.empty((N, H), x.dtype)
        w_hh_t = w_hh.T
        h = h0
        for t in time_steps(T, reverse):
            xp.matmul(h, w_hh_t, out=hw)
            cell_forward(xw[t], hw, y[t], relu)
            h = y[t]
        return (y, h.copy()), ()

    def backward(grads, inputs, outputs, saved, reverse):
        dy, dh_n = grads
        x, h0, _, w_ih, w_hh, b_ih, b_hh = inputs
        y = outputs[0]
        xp = array_module(x)
        da = xp.empty_like(y)
        dh_rec = xp.array(dh_n, copy=True)
        for t in reversed(time_steps(x.shape[0], reverse)):
            cell_backward(dy[t], dh_rec, y[t], da[t], relu)
            xp.matmul(da[t], w_hh, out=dh_rec)
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(da, da, x, h0, y, reverse, w_ih, b_ih, b_hh)
        return dx, dh_rec, None, dw_ih, dw_hh, db_ih, db_hh

    return forward, backward


def _cuda_variant(relu):
    def build():
        from . import recurrent_cuda
        return make_rnn_fast(recurrent_cuda.rnn_cell_forward, recurrent_cuda.rnn_cell_backward, relu)
    return build

# ======================================================================== composite (Tensor ops)


def rnn_tanh_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One differentiable tanh-RNN step on Tensors: returns (h,)."""
    from ..ops import tanh
    return (tanh(_affine(x, state[0], w_ih, w_hh, b_ih, b_hh)),)


def rnn_relu_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One differentiable relu-RNN step on Tensors: returns (h,)."""
    from ..ops import relu
    return (relu(_affine(x, state[0], w_ih, w_hh, b_ih, b_hh)),)


def _affine(x, h, w_ih, w_hh, b_ih, b_hh):
    a = x @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        a = a + b_ih
    if b_hh is not None:
        a = a + b_hh
    return a


class RNNTanhFunction(RecurrentFunction):
    """One tanh-RNN layer-direction over a sequence: ``(y, h_n)``; see ``_recurrent.py``."""

    name = "rnn_tanh"
    gates = 1
    variants = {"reference": make_rnn_reference(False),
                "cpu": make_rnn_fast(rnn_cell_forward_cpu, rnn_cell_backward_cpu, False),
                "cuda": _cuda_variant(False)}

    @staticmethod
    def composite(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        return composite_sequence(rnn_tanh_cell, x, h0, None, w_ih, w_hh, b_ih, b_hh, reverse)


class RNNReluFunction(RecurrentFunction):
    """One relu-RNN layer-direction over a sequence: ``(y, h_n)``; see ``_recurrent.py``."""

    name = "rnn_relu"
    gates = 1
    variants = {"reference": make_rnn_reference(True),
                "cpu": make_rnn_fast(rnn_cell_forward_cpu, rnn_cell_backward_cpu, True),
                "cuda": _cuda_variant(True)}

    @staticmethod
    def composite(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        return composite_sequence(rnn_relu_cell, x, h0, None, w_ih, w_hh, b_ih, b_hh, reverse)
