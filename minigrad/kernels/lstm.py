"""LSTM over a whole sequence: three variants side by side, the Function, and the composite.

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
- ``cpu``: the input projection of ALL time steps as one GEMM before the loop; the time loop
  itself compiled for a small W_hh (one Numba call per direction, the GEMM through Numba's
  ``np.dot``), a host loop otherwise; per step one recurrent GEMM (BLAS) and one fused Numba
  kernel for the gate non-linearities and the cell update, which stores only what backward
  needs: the gate activations, the cell and tanh(cell); h and c live in one (T+1, N, H)
  buffer each (with h0, c0), so no step copies a state. Backward runs the loop in reverse with
  a fused gate-backward kernel and one GEMM per step for dh; dx, dW_ih and dW_hh are one GEMM
  each over all steps after the loop. On n threads the time loop runs on n slices of the batch
  (``batch_slices``), each slice's steps on its own thread.
- ``cuda``: the same driver with CuPy GEMMs and CUDA step kernels.
One unit of one step (``lstm_unit``, ``lstm_unit_grad``) is written once and compiled for
both targets.
"""
from __future__ import annotations

import functools

import numpy as np
from numba import njit

from .. import ops
from ..backend import array_module
from ..ops.unary import sigmoid_array
from . import _cuda
from ._math import ONE, sigmoid, tanh
from ._recurrent import (RecurrentFunction, RecurrentKernels, batch_slices, input_projection, state_sequence,
                         step_products, steps_back, time_steps, weight_grads)

cuda = None   # numba.cuda, bound by _cuda on first CUDA use

# ======================================================================== reference (NumPy)


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
        i = sigmoid_array(gates[:, 0 * H:1 * H])
        f = sigmoid_array(gates[:, 1 * H:2 * H])
        g = xp.tanh(gates[:, 2 * H:3 * H])
        o = sigmoid_array(gates[:, 3 * H:4 * H])
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
    for t, tp in steps_back(T, reverse):
        h_prev = h0 if tp is None else y[tp]
        c_prev = c0 if tp is None else cells[tp]
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

# ======================================================================== one unit of one step, for both targets


def lstm_unit(zi, zf, zg, zo, c_prev):
    """The gates from their pre-activations, the new cell, tanh(cell) and h."""
    i, f, g, o = sigmoid(zi), sigmoid(zf), tanh(zg), sigmoid(zo)
    c = f * c_prev + i * g
    tc = tanh(c)
    return i, f, g, o, c, tc, o * tc


def lstm_unit_grad(dh, dc, i, f, g, o, tc, c_prev):
    """Backward of one unit: dh and dc of the step's outputs -> the gradients of the four
    pre-activations and of c_{t-1}."""
    dc = dc + dh * o * (ONE - tc * tc)
    return (dc * g * i * (ONE - i), dc * c_prev * f * (ONE - f), dc * i * (ONE - g * g),
            dh * tc * o * (ONE - o), dc * f)


lstm_unit_cpu = njit(inline="always", cache=True)(lstm_unit)
lstm_unit_grad_cpu = njit(inline="always", cache=True)(lstm_unit_grad)
lstm_unit_cuda = _cuda.device(lstm_unit)
lstm_unit_grad_cuda = _cuda.device(lstm_unit_grad)

# ======================================================================== cpu (Numba + BLAS)
# The step kernels address each gate through its own 1-D view: with offsets into one row
# (acts[n, H + j], ...) LLVM cannot tell the stores apart and does not vectorise (4x slower).


@njit(cache=True, error_model="numpy", nogil=True)
def lstm_cell_forward_cpu(xw, hw, c_prev, acts, c, tanh_c, h):
    """One step after the recurrent GEMM hw = h_{t-1} W_hh^T: the gates' pre-activations are
    xw + hw; writes the activations (N, 4H), the cell, tanh(cell) and h."""
    N, H = c.shape
    for n in range(N):
        x, z, a = xw[n], hw[n], acts[n]
        xi, xf, xg, xo = x[:H], x[H:2 * H], x[2 * H:3 * H], x[3 * H:]
        zi, zf, zg, zo = z[:H], z[H:2 * H], z[2 * H:3 * H], z[3 * H:]
        ai, af, ag, ao = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
        cp, cn, tn, hn = c_prev[n], c[n], tanh_c[n], h[n]
        for j in range(H):
            ai[j], af[j], ag[j], ao[j], cn[j], tn[j], hn[j] = lstm_unit_cpu(
                xi[j] + zi[j], xf[j] + zf[j], xg[j] + zg[j], xo[j] + zo[j], cp[j])


@njit(cache=True, error_model="numpy", nogil=True)
def lstm_cell_backward_cpu(dy, dh_rec, dc, acts, tanh_c, c_prev, dgates):
    """One step backward: dh = dy + dh_rec; writes dgates (N, 4H) and overwrites dc (the
    gradient of c_t on entry) with the gradient of c_{t-1}."""
    N, H = tanh_c.shape
    for n in range(N):
        a, d = acts[n], dgates[n]
        ai, af, ag, ao = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
        di, df, dg, do = d[:H], d[H:2 * H], d[2 * H:3 * H], d[3 * H:]
        dyn, dhn, dcn, tn, cp = dy[n], dh_rec[n], dc[n], tanh_c[n], c_prev[n]
        for j in range(H):
            di[j], df[j], dg[j], do[j], dcn[j] = lstm_unit_grad_cpu(dyn[j] + dhn[j], dcn[j], ai[j], af[j], ag[j],
                                                                    ao[j], tn[j], cp[j])


@njit(cache=True, error_model="numpy", nogil=True)
def _lstm_steps_forward_compiled(xw, w_hh_t, h_prev, c_prev, acts, cells, tanh_cells, y, hw, reverse, lo, hi):
    T = xw.shape[0]
    for k in range(T):
        t = T - 1 - k if reverse else k
        np.dot(h_prev[t][lo:hi], w_hh_t, hw[lo:hi])
        lstm_cell_forward_cpu(xw[t][lo:hi], hw[lo:hi], c_prev[t][lo:hi], acts[t][lo:hi], cells[t][lo:hi],
                              tanh_cells[t][lo:hi], y[t][lo:hi])


@njit(cache=True, error_model="numpy", nogil=True)
def _lstm_steps_backward_compiled(dy, w_hh, dh_rec, dc, acts, tanh_cells, c_prev, dgates, reverse, lo, hi):
    T = dy.shape[0]
    for k in range(T):
        t = k if reverse else T - 1 - k
        lstm_cell_backward_cpu(dy[t][lo:hi], dh_rec[lo:hi], dc[lo:hi], acts[t][lo:hi], tanh_cells[t][lo:hi],
                               c_prev[t][lo:hi], dgates[t][lo:hi])
        np.dot(dgates[t][lo:hi], w_hh, dh_rec[lo:hi])


def lstm_loop_forward(xw, w_hh_t, h_prev, c_prev, acts, cells, tanh_cells, y, hw, reverse, *, cell):
    """The forward time loop on the host: per step the recurrent GEMM hw = h_{t-1} W_hh^T
    (the array module's BLAS, on one thread: ``step_products``) and the fused ``cell`` kernel."""
    xp = array_module(xw)
    with step_products(xw):
        for t in time_steps(xw.shape[0], reverse):
            xp.matmul(h_prev[t], w_hh_t, out=hw)
            cell(xw[t], hw, c_prev[t], acts[t], cells[t], tanh_cells[t], y[t])


def lstm_loop_backward(dy, w_hh, dh_rec, dc, acts, tanh_cells, c_prev, dgates, reverse, *, cell_grad):
    """The backward time loop on the host: per step the cell's backward, then
    dh_{t-1} = dgates W_hh into ``dh_rec``."""
    xp = array_module(dy)
    with step_products(dy):
        for t in reversed(time_steps(dy.shape[0], reverse)):
            cell_grad(dy[t], dh_rec, dc, acts[t], tanh_cells[t], c_prev[t], dgates[t])
            xp.matmul(dgates[t], w_hh, out=dh_rec)


SMALL_WEIGHT = 1 << 16   # elements of W_hh below which the cpu time loop runs compiled


def lstm_steps_forward_cpu(xw, w_hh_t, h_prev, c_prev, acts, cells, tanh_cells, y, hw, reverse):
    """The cpu time loop, on slices of the batch, one per thread (``batch_slices``). For a
    small W_hh, one compiled call per slice (the GEMM through Numba's ``np.dot``): a host loop
    would pay NumPy's and Numba's call overhead twice a step, a quarter of the loop at
    x(100,16,16) H=64. For a large one, the host loop: NumPy's OpenBLAS runs the step's product
    faster than the one Numba's ``np.dot`` calls (H=256, N=32, one thread: 134 vs 150 us
    forward, 139 vs 175 us backward)."""
    def run(lo, hi):
        if w_hh_t.size < SMALL_WEIGHT:
            _lstm_steps_forward_compiled(xw, w_hh_t, h_prev, c_prev, acts, cells, tanh_cells, y, hw, reverse, lo, hi)
        else:
            rows = slice(lo, hi)
            lstm_loop_forward(xw[:, rows], w_hh_t, h_prev[:, rows], c_prev[:, rows], acts[:, rows], cells[:, rows],
                              tanh_cells[:, rows], y[:, rows], hw[rows], reverse, cell=lstm_cell_forward_cpu)
    batch_slices(run, xw, w_hh_t, host=w_hh_t.size >= SMALL_WEIGHT)


def lstm_steps_backward_cpu(dy, w_hh, dh_rec, dc, acts, tanh_cells, c_prev, dgates, reverse):
    """The cpu backward time loop, chosen and sliced as ``lstm_steps_forward_cpu``'s."""
    def run(lo, hi):
        if w_hh.size < SMALL_WEIGHT:
            _lstm_steps_backward_compiled(dy, w_hh, dh_rec, dc, acts, tanh_cells, c_prev, dgates, reverse, lo, hi)
        else:
            rows = slice(lo, hi)
            lstm_loop_backward(dy[:, rows], w_hh, dh_rec[rows], dc[rows], acts[:, rows], tanh_cells[:, rows],
                               c_prev[:, rows], dgates[:, rows], reverse, cell_grad=lstm_cell_backward_cpu)
    batch_slices(run, dgates, w_hh, host=w_hh.size >= SMALL_WEIGHT)


def lstm_forward_fused(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, *, steps):
    """The cpu/cuda forward: one GEMM for the input side of all steps, then the time loop
    ``steps`` (per step the recurrent GEMM and the fused cell kernel), reading and writing the
    state buffers in place. Saves the activations, the cells each step read, tanh(cells) and
    the h each step read."""
    xp = array_module(x)
    T, N, _ = x.shape
    H = h0.shape[1]
    xw = input_projection(x, w_ih, b_ih, b_hh)
    h_prev, y = state_sequence(h0, T, reverse)
    c_prev, cells = state_sequence(c0, T, reverse)
    tanh_cells = xp.empty((T, N, H), x.dtype)
    acts = xp.empty((T, N, 4 * H), x.dtype)
    hw = xp.empty((N, 4 * H), x.dtype)
    steps(xw, xp.ascontiguousarray(w_hh.T), h_prev, c_prev, acts, cells, tanh_cells, y, hw, reverse)
    last = 0 if reverse else T - 1
    return (y, y[last].copy(), cells[last].copy()), (acts, c_prev, tanh_cells, h_prev)


def lstm_backward_fused(grads, inputs, outputs, saved, reverse, *, steps):
    dy, dh_n, dc_n = grads
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = inputs
    acts, c_prev, tanh_cells, h_prev = saved
    xp = array_module(x)
    dgates = xp.empty_like(acts)
    dh_rec = xp.array(dh_n, copy=True, order="C")
    dc = xp.array(dc_n, copy=True, order="C")
    steps(dy, xp.ascontiguousarray(w_hh), dh_rec, dc, acts, tanh_cells, c_prev, dgates, reverse)
    dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(dgates, dgates, x, h_prev, w_ih, b_ih, b_hh)
    return dx, dh_rec, dc, dw_ih, dw_hh, db_ih, db_hh

# ======================================================================== cuda (Numba CUDA)


def _lstm_cell_forward_cuda(xw, hw, c_prev, acts, c, tanh_c, h):
    H = c.shape[1]
    for t in range(cuda.grid(1), c.size, cuda.gridsize(1)):
        n, j = t // H, t % H
        (acts[n, j], acts[n, H + j], acts[n, 2 * H + j], acts[n, 3 * H + j], c[n, j], tanh_c[n, j],
         h[n, j]) = lstm_unit_cuda(xw[n, j] + hw[n, j], xw[n, H + j] + hw[n, H + j],
                                   xw[n, 2 * H + j] + hw[n, 2 * H + j], xw[n, 3 * H + j] + hw[n, 3 * H + j],
                                   c_prev[n, j])


def _lstm_cell_backward_cuda(dy, dh_rec, dc, acts, tanh_c, c_prev, dgates):
    H = tanh_c.shape[1]
    for t in range(cuda.grid(1), tanh_c.size, cuda.gridsize(1)):
        n, j = t // H, t % H
        dgates[n, j], dgates[n, H + j], dgates[n, 2 * H + j], dgates[n, 3 * H + j], dc[n, j] = lstm_unit_grad_cuda(
            dy[n, j] + dh_rec[n, j], dc[n, j], acts[n, j], acts[n, H + j], acts[n, 2 * H + j], acts[n, 3 * H + j],
            tanh_c[n, j], c_prev[n, j])


def lstm_cell_forward_cuda(xw, hw, c_prev, acts, c, tanh_c, h):
    _cuda.launch(_lstm_cell_forward_cuda, c.size, xw, hw, c_prev, acts, c, tanh_c, h)


def lstm_cell_backward_cuda(dy, dh_rec, dc, acts, tanh_c, c_prev, dgates):
    _cuda.launch(_lstm_cell_backward_cuda, tanh_c.size, dy, dh_rec, dc, acts, tanh_c, c_prev, dgates)


# ======================================================================== the variants


VARIANTS = {
    "reference": RecurrentKernels(lstm_forward_reference, lstm_backward_reference),
    "cpu": RecurrentKernels(functools.partial(lstm_forward_fused, steps=lstm_steps_forward_cpu),
                            functools.partial(lstm_backward_fused, steps=lstm_steps_backward_cpu)),
    "cuda": RecurrentKernels(
        functools.partial(lstm_forward_fused, steps=functools.partial(lstm_loop_forward, cell=lstm_cell_forward_cuda)),
        functools.partial(lstm_backward_fused,
                          steps=functools.partial(lstm_loop_backward, cell_grad=lstm_cell_backward_cuda))),
}

PTX_SIGNATURES = [(kernel, "void(" + ", ".join([f"{t}[:, :]"] * 7) + ")")
                  for t in ("float32", "float64")
                  for kernel in (_lstm_cell_forward_cuda, _lstm_cell_backward_cuda)]

# ======================================================================== the Function


class LSTMFunction(RecurrentFunction):
    """One LSTM layer-direction over a sequence: ``(y, h_n, c_n)``; see ``_recurrent.py``."""

    name = "lstm"
    gates = 4
    variants = VARIANTS

# ======================================================================== composite (Tensor ops)


def lstm_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One differentiable LSTM step on Tensors: returns (h, c). Serves double backward."""
    h, c = state
    gates = x @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        gates = gates + b_ih
    if b_hh is not None:
        gates = gates + b_hh
    i, f, g, o = gates.chunk(4, 1)
    c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(c), c


LSTMFunction.cell = staticmethod(lstm_cell)
