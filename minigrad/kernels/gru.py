"""GRU over a whole sequence: three variants side by side, and the Function.

PyTorch's equations and gate order (r, z, n), one time step::

    gi = x_t W_ih^T + b_ih        gh = h_{t-1} W_hh^T + b_hh       (N, 3H) each
    r = sigmoid(gi_r + gh_r)      reset gate
    z = sigmoid(gi_z + gh_z)      update gate
    n = tanh(gi_n + r * gh_n)     candidate (the reset gate scales the hidden-side part only)
    h_t = (1 - z) * n + z * h_{t-1}

Backward through one step (dh = dy_t + the gradient coming back from step t+1)::

    dn = dh (1-z) (1-n^2)         dz = dh (h_{t-1} - n) z(1-z)      dr = dn gh_n r(1-r)
    input side:  dgi = [dr, dz, dn]         hidden side: dgh = [dr, dz, dn * r]
    dx_t = dgi W_ih     dh_{t-1} = dgh W_hh + dh * z
    dW_ih += dgi^T x_t  dW_hh += dgh^T h_{t-1}  db_ih += sum dgi  db_hh += sum dgh

Variants as in ``lstm.py``: ``reference`` (NumPy, step by step), ``cpu`` (one GEMM for the
input side of all steps, per step a recurrent GEMM and a fused Numba kernel, saving r, z, n
and gh_n; weight gradients as GEMMs after the loop), ``cuda`` (kernels in recurrent_cuda.py).
"""
from __future__ import annotations

from numba import njit

from ..backend import array_module
from ._recurrent import (RecurrentFunction, composite_sequence, input_projection, sigmoid_nb,
                         tanh_nb, time_steps, weight_grads)
from .lstm import _sigmoid

# ======================================================================== reference (NumPy)


def gru_forward_reference(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
    xp = array_module(x)
    T, N, _ = x.shape
    H = h0.shape[1]
    y = xp.empty((T, N, H), x.dtype)
    acts = xp.empty((T, N, 3 * H), x.dtype)       # r, z, n for backward
    ghn = xp.empty((T, N, H), x.dtype)            # gh_n = h W_hn^T + b_hn, for dr
    h = h0
    for t in time_steps(T, reverse):
        gi = x[t] @ w_ih.T + (0 if b_ih is None else b_ih)
        gh = h @ w_hh.T + (0 if b_hh is None else b_hh)
        r = _sigmoid(gi[:, :H] + gh[:, :H])
        z = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = xp.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h
        y[t] = h
        acts[t] = xp.concatenate([r, z, n], axis=1)
        ghn[t] = gh[:, 2 * H:]
    return (y, h.copy()), (acts, ghn)


def gru_backward_reference(grads, inputs, outputs, saved, reverse):
    dy, dh_n = grads
    x, h0, _, w_ih, w_hh, b_ih, b_hh = inputs
    y = outputs[0]
    acts, ghn = saved
    xp = array_module(x)
    T = x.shape[0]
    H = h0.shape[1]
    dx = xp.empty_like(x)
    dw_ih, dw_hh = xp.zeros_like(w_ih), xp.zeros_like(w_hh)
    db_ih, db_hh = xp.zeros(3 * H, x.dtype), xp.zeros(3 * H, x.dtype)
    dh = dh_n
    order = list(time_steps(T, reverse))
    for k in range(T - 1, -1, -1):
        t = order[k]
        h_prev = h0 if k == 0 else y[order[k - 1]]
        r, z, n = (acts[t][:, j * H:(j + 1) * H] for j in range(3))
        dh = dh + dy[t]
        dn = dh * (1 - z) * (1 - n ** 2)
        dz = dh * (h_prev - n) * z * (1 - z)
        dr = dn * ghn[t] * r * (1 - r)
        dgi = xp.concatenate([dr, dz, dn], axis=1)
        dgh = xp.concatenate([dr, dz, dn * r], axis=1)
        dx[t] = dgi @ w_ih
        dw_ih += dgi.T @ x[t]
        dw_hh += dgh.T @ h_prev
        db_ih += dgi.sum(0)
        db_hh += dgh.sum(0)
        dh = dgh @ w_hh + dh * z
    return (dx, dh, None, dw_ih, dw_hh,
            None if b_ih is None else db_ih, None if b_hh is None else db_hh)

# ======================================================================== cpu (Numba + BLAS)


@njit(cache=True)
def gru_cell_forward_cpu(xw, hw, b_hh, h_prev, acts, ghn, h):
    """Fused step: xw = x W_ih^T + b_ih, hw = h_prev W_hh^T (no bias); writes r, z, n into
    acts (N, 3H), gh_n (N, H) and the new h (N, H)."""
    N, H = h.shape
    for n_ in range(N):
        for j in range(H):
            r = sigmoid_nb(xw[n_, j] + hw[n_, j] + b_hh[j])
            z = sigmoid_nb(xw[n_, H + j] + hw[n_, H + j] + b_hh[H + j])
            hn = hw[n_, 2 * H + j] + b_hh[2 * H + j]
            n = tanh_nb(xw[n_, 2 * H + j] + r * hn)
            acts[n_, j], acts[n_, H + j], acts[n_, 2 * H + j] = r, z, n
            ghn[n_, j] = hn
            h[n_, j] = (1.0 - z) * n + z * h_prev[n_, j]


@njit(cache=True)
def gru_cell_backward_cpu(dy, dh_rec, h_prev, acts, ghn, dgi, dgh, dh_direct):
    """Fused step backward: dh = dy + dh_rec; writes dgi, dgh (N, 3H) and dh * z, the part
    of dh_{t-1} that skips the weights."""
    N, H = h_prev.shape
    for n_ in range(N):
        for j in range(H):
            r, z, n = acts[n_, j], acts[n_, H + j], acts[n_, 2 * H + j]
            dh = dy[n_, j] + dh_rec[n_, j]
            dn = dh * (1.0 - z) * (1.0 - n * n)
            dz = dh * (h_prev[n_, j] - n) * z * (1.0 - z)
            dr = dn * ghn[n_, j] * r * (1.0 - r)
            dgi[n_, j], dgi[n_, H + j], dgi[n_, 2 * H + j] = dr, dz, dn
            dgh[n_, j], dgh[n_, H + j], dgh[n_, 2 * H + j] = dr, dz, dn * r
            dh_direct[n_, j] = dh * z


def make_gru_fast(cell_forward, cell_backward):
    """The cpu/cuda driver around a pair of fused step kernels."""

    def forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        xp = array_module(x)
        T, N, _ = x.shape
        H = h0.shape[1]
        xw = input_projection(x, w_ih, b_ih, None)
        b = xp.zeros(3 * H, x.dtype) if b_hh is None else b_hh
        y = xp.empty((T, N, H), x.dtype)
        acts = xp.empty((T, N, 3 * H), x.dtype)
        ghn = xp.empty((T, N, H), x.dtype)
        hw = xp.empty((N, 3 * H), x.dtype)
        w_hh_t = w_hh.T
        h = h0
        for t in time_steps(T, reverse):
            xp.matmul(h, w_hh_t, out=hw)
            cell_forward(xw[t], hw, b, h, acts[t], ghn[t], y[t])
            h = y[t]
        return (y, h.copy()), (acts, ghn)

    def backward(grads, inputs, outputs, saved, reverse):
        dy, dh_n = grads
        x, h0, _, w_ih, w_hh, b_ih, b_hh = inputs
        y = outputs[0]
        acts, ghn = saved
        xp = array_module(x)
        T, N, _ = x.shape
        dgi, dgh = xp.empty_like(acts), xp.empty_like(acts)
        dh_rec = xp.array(dh_n, copy=True)
        dh_direct = xp.empty_like(dh_rec)
        order = list(time_steps(T, reverse))
        for k in range(T - 1, -1, -1):
            t = order[k]
            h_prev = h0 if k == 0 else y[order[k - 1]]
            cell_backward(dy[t], dh_rec, h_prev, acts[t], ghn[t], dgi[t], dgh[t], dh_direct)
            xp.matmul(dgh[t], w_hh, out=dh_rec)
            dh_rec += dh_direct
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(dgi, dgh, x, h0, y, reverse, w_ih, b_ih, b_hh)
        return dx, dh_rec, None, dw_ih, dw_hh, db_ih, db_hh

    return forward, backward


def _cuda_variant():
    from . import recurrent_cuda
    return make_gru_fast(recurrent_cuda.gru_cell_forward, recurrent_cuda.gru_cell_backward)

# ======================================================================== composite (Tensor ops)


def gru_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One differentiable GRU step on Tensors: returns (h,). Serves double backward."""
    from ..ops import sigmoid, tanh
    (h,) = state
    gi = x @ w_ih.T
    gh = h @ w_hh.T
    if b_ih is not None:
        gi = gi + b_ih
    if b_hh is not None:
        gh = gh + b_hh
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = sigmoid(i_r + h_r)
    z = sigmoid(i_z + h_z)
    n = tanh(i_n + r * h_n)
    return ((1 - z) * n + z * h,)


class GRUFunction(RecurrentFunction):
    """One GRU layer-direction over a sequence: ``(y, h_n)``; see ``_recurrent.py``."""

    name = "gru"
    gates = 3
    variants = {"reference": (gru_forward_reference, gru_backward_reference),
                "cpu": make_gru_fast(gru_cell_forward_cpu, gru_cell_backward_cpu),
                "cuda": _cuda_variant}

    @staticmethod
    def composite(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        return composite_sequence(gru_cell, x, h0, None, w_ih, w_hh, b_ih, b_hh, reverse)
