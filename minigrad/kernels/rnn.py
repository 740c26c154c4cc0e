"""The plain (Elman) RNN over a whole sequence, tanh or relu: three variants, the Functions, the composite.

One time step, as PyTorch::

    h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),     act = tanh or relu

Backward (dh = dy_t + the gradient coming back from step t+1)::

    da = dh * (1 - h_t^2)   (tanh)      da = dh * [h_t > 0]   (relu)
    dx_t = da W_ih    dh_{t-1} = da W_hh    dW_ih += da^T x_t    dW_hh += da^T h_{t-1}

Only the states h_t are needed for backward: the fused variants keep h0 and every h_t in one
(T+1, N, H) buffer, of which the output and the states the steps read are two views. Variants as in
``lstm.py``: ``reference`` (NumPy, step by step), ``cpu`` (GEMMs + fused Numba step kernels),
``cuda`` (the same driver, CuPy GEMMs, CUDA step kernels); one unit of one step
(``rnn_unit``, ``rnn_unit_grad``) is written once and compiled for both targets.
"""
from __future__ import annotations

import functools

from numba import njit

from .. import ops
from ..backend import array_module
from . import _cuda
from ._math import ONE, ZERO, tanh
from ._recurrent import (RecurrentFunction, RecurrentKernels, batch_slices, input_projection, state_sequence,
                         step_products, steps_back, time_steps, weight_grads, whole_batch)

cuda = None   # numba.cuda, bound by _cuda on first CUDA use

# ======================================================================== reference (NumPy)


def rnn_forward_reference(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, *, relu):
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


def rnn_backward_reference(grads, inputs, outputs, saved, reverse, *, relu):
    dy, dh_n = grads
    x, h0, _, w_ih, w_hh, b_ih, b_hh = inputs
    y = outputs[0]
    xp = array_module(x)
    T = x.shape[0]
    dx = xp.empty_like(x)
    dw_ih, dw_hh = xp.zeros_like(w_ih), xp.zeros_like(w_hh)
    db = xp.zeros(w_ih.shape[0], x.dtype)
    dh = dh_n
    for t, tp in steps_back(T, reverse):
        h_prev = h0 if tp is None else y[tp]
        dh = dh + dy[t]
        da = dh * (y[t] > 0) if relu else dh * (1 - y[t] ** 2)
        dx[t] = da @ w_ih
        dw_ih += da.T @ x[t]
        dw_hh += da.T @ h_prev
        db += da.sum(0)
        dh = da @ w_hh
    return (dx, dh, None, dw_ih, dw_hh,
            None if b_ih is None else db, None if b_hh is None else db.copy())

# ======================================================================== one unit of one step, for both targets


def rnn_unit(a, relu):
    """h = act(a), the pre-activation a = x W_ih^T + b_ih + h W_hh^T + b_hh."""
    return (a if a > ZERO else ZERO) if relu else tanh(a)


def rnn_unit_grad(dh, h, relu):
    """da = dh * act'(a), written from the output h."""
    return (dh if h > ZERO else ZERO) if relu else dh * (ONE - h * h)


rnn_unit_cpu = njit(inline="always", cache=True)(rnn_unit)
rnn_unit_grad_cpu = njit(inline="always", cache=True)(rnn_unit_grad)
rnn_unit_cuda = _cuda.device(rnn_unit)
rnn_unit_grad_cuda = _cuda.device(rnn_unit_grad)

# ======================================================================== cpu (Numba + BLAS)


@njit(cache=True, error_model="numpy", nogil=True)
def rnn_cell_forward_cpu(xw, hw, h, relu):
    """One step after the recurrent GEMM: h = act(xw + hw), the biases already in xw."""
    N, H = h.shape
    for n in range(N):
        x, g, hn = xw[n], hw[n], h[n]
        for j in range(H):
            hn[j] = rnn_unit_cpu(x[j] + g[j], relu)


@njit(cache=True, error_model="numpy", nogil=True)
def rnn_cell_backward_cpu(dy, dh_rec, h, da, relu):
    """One step backward: da = (dy + dh_rec) * act'(a)."""
    N, H = h.shape
    for n in range(N):
        dyn, dhn, hn, dan = dy[n], dh_rec[n], h[n], da[n]
        for j in range(H):
            dan[j] = rnn_unit_grad_cpu(dyn[j] + dhn[j], hn[j], relu)


def rnn_forward_fused(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, *, cell, slices, relu):
    """The cpu/cuda forward: one GEMM for the input side of all steps, then per step the
    recurrent GEMM and the fused ``cell`` kernel."""
    xp = array_module(x)
    T, N, _ = x.shape
    H = h0.shape[1]
    xw = input_projection(x, w_ih, b_ih, b_hh)
    h_prev, y = state_sequence(h0, T, reverse)
    hw = xp.empty((N, H), x.dtype)
    w_hh_t = w_hh.T

    def run(lo, hi):
        rows = slice(lo, hi)
        with step_products(x):
            for t in time_steps(T, reverse):
                xp.matmul(h_prev[t, rows], w_hh_t, out=hw[rows])
                cell(xw[t, rows], hw[rows], y[t, rows], relu)
    slices(run, y, w_hh)
    return (y, y[0 if reverse else T - 1].copy()), (h_prev,)


def rnn_backward_fused(grads, inputs, outputs, saved, reverse, *, cell_grad, slices, relu):
    dy, dh_n = grads
    x, h0, _, w_ih, w_hh, b_ih, b_hh = inputs
    y = outputs[0]
    h_prev, = saved
    xp = array_module(x)
    da = xp.empty_like(y)
    dh_rec = xp.array(dh_n, copy=True)

    def run(lo, hi):
        rows = slice(lo, hi)
        with step_products(x):
            for t in reversed(time_steps(x.shape[0], reverse)):
                cell_grad(dy[t, rows], dh_rec[rows], y[t, rows], da[t, rows], relu)
                xp.matmul(da[t, rows], w_hh, out=dh_rec[rows])
    slices(run, y, w_hh)
    dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(da, da, x, h_prev, w_ih, b_ih, b_hh)
    return dx, dh_rec, None, dw_ih, dw_hh, db_ih, db_hh

# ======================================================================== cuda (Numba CUDA)


def _rnn_cell_forward_cuda(xw, hw, h, relu):
    H = h.shape[1]
    for t in range(cuda.grid(1), h.size, cuda.gridsize(1)):
        n, j = t // H, t % H
        h[n, j] = rnn_unit_cuda(xw[n, j] + hw[n, j], relu)


def _rnn_cell_backward_cuda(dy, dh_rec, h, da, relu):
    H = h.shape[1]
    for t in range(cuda.grid(1), h.size, cuda.gridsize(1)):
        n, j = t // H, t % H
        da[n, j] = rnn_unit_grad_cuda(dy[n, j] + dh_rec[n, j], h[n, j], relu)


def rnn_cell_forward_cuda(xw, hw, h, relu):
    _cuda.launch(_rnn_cell_forward_cuda, h.size, xw, hw, h, relu)


def rnn_cell_backward_cuda(dy, dh_rec, h, da, relu):
    _cuda.launch(_rnn_cell_backward_cuda, h.size, dy, dh_rec, h, da, relu)

# ======================================================================== the variants


VARIANTS = {    # every kernel also takes relu=True (relu) or False (tanh)
    "reference": RecurrentKernels(rnn_forward_reference, rnn_backward_reference),
    "cpu": RecurrentKernels(
        functools.partial(rnn_forward_fused, cell=rnn_cell_forward_cpu, slices=batch_slices),
        functools.partial(rnn_backward_fused, cell_grad=rnn_cell_backward_cpu, slices=batch_slices)),
    "cuda": RecurrentKernels(
        functools.partial(rnn_forward_fused, cell=rnn_cell_forward_cuda, slices=whole_batch),
        functools.partial(rnn_backward_fused, cell_grad=rnn_cell_backward_cuda, slices=whole_batch)),
}

PTX_SIGNATURES = [sig for t in ("float32", "float64") for sig in (
    (_rnn_cell_forward_cuda, f"void({t}[:, :], {t}[:, :], {t}[:, :], boolean)"),
    (_rnn_cell_backward_cuda, f"void({t}[:, :], {t}[:, :], {t}[:, :], {t}[:, :], boolean)"))]

# ======================================================================== the Functions


class RNNTanhFunction(RecurrentFunction):
    """One tanh-RNN layer-direction over a sequence: ``(y, h_n)``; see ``_recurrent.py``."""

    name = "rnn_tanh"
    gates = 1
    variants = VARIANTS
    options = {"relu": False}


class RNNReluFunction(RecurrentFunction):
    """One relu-RNN layer-direction over a sequence: ``(y, h_n)``; see ``_recurrent.py``."""

    name = "rnn_relu"
    gates = 1
    variants = VARIANTS
    options = {"relu": True}

# ======================================================================== composite (Tensor ops)


def rnn_tanh_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One differentiable tanh-RNN step on Tensors: returns (h,)."""
    return (ops.tanh(_affine(x, state[0], w_ih, w_hh, b_ih, b_hh)),)


def rnn_relu_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One differentiable relu-RNN step on Tensors: returns (h,)."""
    return (ops.relu(_affine(x, state[0], w_ih, w_hh, b_ih, b_hh)),)


def _affine(x, h, w_ih, w_hh, b_ih, b_hh):
    a = x @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        a = a + b_ih
    if b_hh is not None:
        a = a + b_hh
    return a


RNNTanhFunction.cell = staticmethod(rnn_tanh_cell)
RNNReluFunction.cell = staticmethod(rnn_relu_cell)
