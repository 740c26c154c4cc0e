"""GRU over a whole sequence: three variants side by side, the Function, and the composite.

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
and gh_n; weight gradients as GEMMs after the loop), ``cuda`` (the same driver, CuPy GEMMs,
CUDA step kernels). One unit of one step (``gru_unit``, ``gru_unit_grad``) is written once
and compiled for both targets.
"""
from __future__ import annotations

import functools

from numba import njit

from .. import ops
from ..backend import array_module
from ..ops.unary import sigmoid_array
from . import _cuda
from ._math import ONE, sigmoid, tanh
from ._recurrent import (RecurrentFunction, RecurrentKernels, batch_slices, input_projection, state_sequence,
                         step_products, steps_back, time_steps, weight_grads, whole_batch)

cuda = None   # numba.cuda, bound by _cuda on first CUDA use

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
        r = sigmoid_array(gi[:, :H] + gh[:, :H])
        z = sigmoid_array(gi[:, H:2 * H] + gh[:, H:2 * H])
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
    for t, tp in steps_back(T, reverse):
        h_prev = h0 if tp is None else y[tp]
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

# ======================================================================== one unit of one step, for both targets


def gru_unit(xr, xz, xn, hr, hz, hn, h_prev):
    """The gates from the input side (x W_ih^T + b_ih) and the hidden side (h W_hh^T + b_hh),
    and the new h."""
    r = sigmoid(xr + hr)
    z = sigmoid(xz + hz)
    n = tanh(xn + r * hn)
    return r, z, n, (ONE - z) * n + z * h_prev


def gru_unit_grad(dh, r, z, n, hn, h_prev):
    """Backward of one unit: dh of the step's output -> the gradients of the input-side
    pre-activations (dr, dz, dn), the hidden side's n part (dn * r), and dh * z, the part of
    dh_{t-1} that skips the weights."""
    dn = dh * (ONE - z) * (ONE - n * n)
    dz = dh * (h_prev - n) * z * (ONE - z)
    dr = dn * hn * r * (ONE - r)
    return dr, dz, dn, dn * r, dh * z


gru_unit_cpu = njit(inline="always", cache=True)(gru_unit)
gru_unit_grad_cpu = njit(inline="always", cache=True)(gru_unit_grad)
gru_unit_cuda = _cuda.device(gru_unit)
gru_unit_grad_cuda = _cuda.device(gru_unit_grad)

# ======================================================================== cpu (Numba + BLAS)
# Each gate through its own 1-D view, so that LLVM vectorises (see lstm.py).


@njit(cache=True, error_model="numpy", nogil=True)
def gru_cell_forward_cpu(xw, hw, b_hh, h_prev, acts, ghn, h):
    """One step after the recurrent GEMM hw = h_prev W_hh^T (b_hh added here): writes r, z, n
    into acts (N, 3H), gh_n (N, H) and the new h."""
    N, H = h.shape
    for n in range(N):
        x, g, a = xw[n], hw[n], acts[n]
        for k in range(3 * H):
            g[k] += b_hh[k]
        xr, xz, xn, hr, hz, hn = x[:H], x[H:2 * H], x[2 * H:], g[:H], g[H:2 * H], g[2 * H:]
        ar, az, an = a[:H], a[H:2 * H], a[2 * H:]
        hp, gn, hh = h_prev[n], ghn[n], h[n]
        for j in range(H):
            ar[j], az[j], an[j], hh[j] = gru_unit_cpu(xr[j], xz[j], xn[j], hr[j], hz[j], hn[j], hp[j])
            gn[j] = hn[j]


@njit(cache=True, error_model="numpy", nogil=True)
def gru_cell_backward_cpu(dy, dh_rec, h_prev, acts, ghn, dgi, dgh, dh_direct):
    """One step backward: dh = dy + dh_rec; writes dgi, dgh (N, 3H) and dh * z."""
    N, H = h_prev.shape
    for n in range(N):
        a, di, dg = acts[n], dgi[n], dgh[n]
        ar, az, an = a[:H], a[H:2 * H], a[2 * H:]
        dr, dz, dn, dgr, dgz, dgn = di[:H], di[H:2 * H], di[2 * H:], dg[:H], dg[H:2 * H], dg[2 * H:]
        dyn, dhn, hp, gn, dd = dy[n], dh_rec[n], h_prev[n], ghn[n], dh_direct[n]
        for j in range(H):
            gr, gz, gn_, gnr, dd[j] = gru_unit_grad_cpu(dyn[j] + dhn[j], ar[j], az[j], an[j], gn[j], hp[j])
            dr[j], dz[j], dn[j] = gr, gz, gn_
            dgr[j], dgz[j], dgn[j] = gr, gz, gnr


def gru_forward_fused(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, *, cell, slices):
    """The cpu/cuda forward: one GEMM for the input side of all steps, then per step the
    recurrent GEMM and the fused ``cell`` kernel. Saves r, z, n and gh_n."""
    xp = array_module(x)
    T, N, _ = x.shape
    H = h0.shape[1]
    xw = input_projection(x, w_ih, b_ih, None)
    b = xp.zeros(3 * H, x.dtype) if b_hh is None else b_hh
    h_prev, y = state_sequence(h0, T, reverse)
    acts = xp.empty((T, N, 3 * H), x.dtype)
    ghn = xp.empty((T, N, H), x.dtype)
    hw = xp.empty((N, 3 * H), x.dtype)
    w_hh_t = w_hh.T

    def run(lo, hi):
        rows = slice(lo, hi)
        with step_products(x):
            for t in time_steps(T, reverse):
                xp.matmul(h_prev[t, rows], w_hh_t, out=hw[rows])
                cell(xw[t, rows], hw[rows], b, h_prev[t, rows], acts[t, rows], ghn[t, rows], y[t, rows])
    slices(run, acts, w_hh)
    return (y, y[0 if reverse else T - 1].copy()), (acts, ghn, h_prev)


def gru_backward_fused(grads, inputs, outputs, saved, reverse, *, cell_grad, slices):
    dy, dh_n = grads
    x, h0, _, w_ih, w_hh, b_ih, b_hh = inputs
    acts, ghn, h_prev = saved
    xp = array_module(x)
    dgi, dgh = xp.empty_like(acts), xp.empty_like(acts)
    dh_rec = xp.array(dh_n, copy=True)
    dh_direct = xp.empty_like(dh_rec)

    def run(lo, hi):
        rows = slice(lo, hi)
        with step_products(x):
            for t in reversed(time_steps(x.shape[0], reverse)):
                cell_grad(dy[t, rows], dh_rec[rows], h_prev[t, rows], acts[t, rows], ghn[t, rows], dgi[t, rows],
                          dgh[t, rows], dh_direct[rows])
                xp.matmul(dgh[t, rows], w_hh, out=dh_rec[rows])
                dh_rec[rows] += dh_direct[rows]
    slices(run, acts, w_hh)
    dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(dgi, dgh, x, h_prev, w_ih, b_ih, b_hh)
    return dx, dh_rec, None, dw_ih, dw_hh, db_ih, db_hh

# ======================================================================== cuda (Numba CUDA)


def _gru_cell_forward_cuda(xw, hw, b_hh, h_prev, acts, ghn, h):
    H = h.shape[1]
    for t in range(cuda.grid(1), h.size, cuda.gridsize(1)):
        n, j = t // H, t % H
        hn = hw[n, 2 * H + j] + b_hh[2 * H + j]
        acts[n, j], acts[n, H + j], acts[n, 2 * H + j], h[n, j] = gru_unit_cuda(
            xw[n, j], xw[n, H + j], xw[n, 2 * H + j], hw[n, j] + b_hh[j], hw[n, H + j] + b_hh[H + j], hn, h_prev[n, j])
        ghn[n, j] = hn


def _gru_cell_backward_cuda(dy, dh_rec, h_prev, acts, ghn, dgi, dgh, dh_direct):
    H = h_prev.shape[1]
    for t in range(cuda.grid(1), h_prev.size, cuda.gridsize(1)):
        n, j = t // H, t % H
        dr, dz, dn, dgh[n, 2 * H + j], dh_direct[n, j] = gru_unit_grad_cuda(
            dy[n, j] + dh_rec[n, j], acts[n, j], acts[n, H + j], acts[n, 2 * H + j], ghn[n, j], h_prev[n, j])
        dgi[n, j], dgi[n, H + j], dgi[n, 2 * H + j] = dr, dz, dn
        dgh[n, j], dgh[n, H + j] = dr, dz


def gru_cell_forward_cuda(xw, hw, b_hh, h_prev, acts, ghn, h):
    _cuda.launch(_gru_cell_forward_cuda, h.size, xw, hw, b_hh, h_prev, acts, ghn, h)


def gru_cell_backward_cuda(dy, dh_rec, h_prev, acts, ghn, dgi, dgh, dh_direct):
    _cuda.launch(_gru_cell_backward_cuda, h_prev.size, dy, dh_rec, h_prev, acts, ghn, dgi, dgh, dh_direct)

# ======================================================================== the variants


VARIANTS = {
    "reference": RecurrentKernels(gru_forward_reference, gru_backward_reference),
    "cpu": RecurrentKernels(
        functools.partial(gru_forward_fused, cell=gru_cell_forward_cpu, slices=batch_slices),
        functools.partial(gru_backward_fused, cell_grad=gru_cell_backward_cpu, slices=batch_slices)),
    "cuda": RecurrentKernels(
        functools.partial(gru_forward_fused, cell=gru_cell_forward_cuda, slices=whole_batch),
        functools.partial(gru_backward_fused, cell_grad=gru_cell_backward_cuda, slices=whole_batch)),
}


def _sig(t, kinds):
    return "void(" + ", ".join(f"{t}[:, :]" if k == 2 else f"{t}[:]" for k in kinds) + ")"


PTX_SIGNATURES = [sig for t in ("float32", "float64") for sig in (
    (_gru_cell_forward_cuda, _sig(t, (2, 2, 1, 2, 2, 2, 2))),
    (_gru_cell_backward_cuda, _sig(t, (2,) * 8)))]

# ======================================================================== the Function


class GRUFunction(RecurrentFunction):
    """One GRU layer-direction over a sequence: ``(y, h_n)``; see ``_recurrent.py``."""

    name = "gru"
    gates = 3
    variants = VARIANTS

# ======================================================================== composite (Tensor ops)


def gru_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One differentiable GRU step on Tensors: returns (h,). Serves double backward."""
    (h,) = state
    gi = x @ w_ih.T
    gh = h @ w_hh.T
    if b_ih is not None:
        gi = gi + b_ih
    if b_hh is not None:
        gh = gh + b_hh
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = ops.sigmoid(i_r + h_r)
    z = ops.sigmoid(i_z + h_z)
    n = ops.tanh(i_n + r * h_n)
    return ((1 - z) * n + z * h,)


GRUFunction.cell = staticmethod(gru_cell)
