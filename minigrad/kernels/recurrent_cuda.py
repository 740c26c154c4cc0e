"""The ``cuda`` variant's fused step kernels for lstm.py, gru.py and rnn.py.

They are the GPU twins of the ``*_cpu`` step kernels in those files, one thread per
(batch row, hidden unit); the drivers there (``make_*_fast``) call them between CuPy GEMMs.
This file is imported only when a CUDA variant first runs (importing numba.cuda costs half a
second). The launchers take any arrays Numba's CUDA target accepts: CuPy arrays on a GPU,
NumPy arrays in the simulator (NUMBA_ENABLE_CUDASIM=1, which the tests use).

The ``*_py`` functions are the plain Python kernel bodies; ``KERNELS`` lists them with their
argument kinds so that tests can compile each to PTX for float32 and float64.
"""
from __future__ import annotations

import math

from numba import cuda

THREADS = 128


def lstm_forward_py(xw, hw, c_prev, acts, c, tanh_c, h):
    k = cuda.grid(1)
    N, H = c.shape
    if k < N * H:
        n, j = k // H, k % H
        i = 1.0 / (1.0 + math.exp(-(xw[n, j] + hw[n, j])))
        f = 1.0 / (1.0 + math.exp(-(xw[n, H + j] + hw[n, H + j])))
        g = math.tanh(xw[n, 2 * H + j] + hw[n, 2 * H + j])
        o = 1.0 / (1.0 + math.exp(-(xw[n, 3 * H + j] + hw[n, 3 * H + j])))
        cj = f * c_prev[n, j] + i * g
        acts[n, j] = i
        acts[n, H + j] = f
        acts[n, 2 * H + j] = g
        acts[n, 3 * H + j] = o
        c[n, j] = cj
        tc = math.tanh(cj)
        tanh_c[n, j] = tc
        h[n, j] = o * tc


def lstm_backward_py(dy, dh_rec, dc, acts, tanh_c, c_prev, dgates):
    k = cuda.grid(1)
    N, H = tanh_c.shape
    if k < N * H:
        n, j = k // H, k % H
        i, f, g, o = acts[n, j], acts[n, H + j], acts[n, 2 * H + j], acts[n, 3 * H + j]
        tc = tanh_c[n, j]
        dh = dy[n, j] + dh_rec[n, j]
        dcj = dc[n, j] + dh * o * (1.0 - tc * tc)
        dgates[n, j] = dcj * g * i * (1.0 - i)
        dgates[n, H + j] = dcj * c_prev[n, j] * f * (1.0 - f)
        dgates[n, 2 * H + j] = dcj * i * (1.0 - g * g)
        dgates[n, 3 * H + j] = dh * tc * o * (1.0 - o)
        dc[n, j] = dcj * f


def gru_forward_py(xw, hw, b_hh, h_prev, acts, ghn, h):
    k = cuda.grid(1)
    N, H = h.shape
    if k < N * H:
        n_, j = k // H, k % H
        r = 1.0 / (1.0 + math.exp(-(xw[n_, j] + hw[n_, j] + b_hh[j])))
        z = 1.0 / (1.0 + math.exp(-(xw[n_, H + j] + hw[n_, H + j] + b_hh[H + j])))
        hn = hw[n_, 2 * H + j] + b_hh[2 * H + j]
        n = math.tanh(xw[n_, 2 * H + j] + r * hn)
        acts[n_, j] = r
        acts[n_, H + j] = z
        acts[n_, 2 * H + j] = n
        ghn[n_, j] = hn
        h[n_, j] = (1.0 - z) * n + z * h_prev[n_, j]


def gru_backward_py(dy, dh_rec, h_prev, acts, ghn, dgi, dgh, dh_direct):
    k = cuda.grid(1)
    N, H = h_prev.shape
    if k < N * H:
        n_, j = k // H, k % H
        r, z, n = acts[n_, j], acts[n_, H + j], acts[n_, 2 * H + j]
        dh = dy[n_, j] + dh_rec[n_, j]
        dn = dh * (1.0 - z) * (1.0 - n * n)
        dz = dh * (h_prev[n_, j] - n) * z * (1.0 - z)
        dr = dn * ghn[n_, j] * r * (1.0 - r)
        dgi[n_, j] = dr
        dgi[n_, H + j] = dz
        dgi[n_, 2 * H + j] = dn
        dgh[n_, j] = dr
        dgh[n_, H + j] = dz
        dgh[n_, 2 * H + j] = dn * r
        dh_direct[n_, j] = dh * z


def rnn_forward_py(xw, hw, h, relu):
    k = cuda.grid(1)
    N, H = h.shape
    if k < N * H:
        n, j = k // H, k % H
        a = xw[n, j] + hw[n, j]
        if relu:
            h[n, j] = a if a > 0 else 0.0
        else:
            h[n, j] = math.tanh(a)


def rnn_backward_py(dy, dh_rec, h, da, relu):
    k = cuda.grid(1)
    N, H = h.shape
    if k < N * H:
        n, j = k // H, k % H
        dh = dy[n, j] + dh_rec[n, j]
        hj = h[n, j]
        if relu:
            da[n, j] = dh if hj > 0 else 0.0
        else:
            da[n, j] = dh * (1.0 - hj * hj)


# name -> (kernel body, argument kinds: 2 = matrix, 1 = vector, "b" = boolean flag)
KERNELS = {
    "lstm_forward": (lstm_forward_py, (2, 2, 2, 2, 2, 2, 2)),
    "lstm_backward": (lstm_backward_py, (2, 2, 2, 2, 2, 2, 2)),
    "gru_forward": (gru_forward_py, (2, 2, 1, 2, 2, 2, 2)),
    "gru_backward": (gru_backward_py, (2, 2, 2, 2, 2, 2, 2, 2)),
    "rnn_forward": (rnn_forward_py, (2, 2, 2, "b")),
    "rnn_backward": (rnn_backward_py, (2, 2, 2, 2, "b")),
}
_jitted = {name: cuda.jit(body) for name, (body, _) in KERNELS.items()}


def _launcher(name, size_arg):
    kernel = _jitted[name]

    def launch(*args):
        total = args[size_arg].size                  # one thread per (n, j)
        kernel[max(1, (total + THREADS - 1) // THREADS), THREADS](*args)
    launch.__name__ = name
    return launch


lstm_cell_forward = _launcher("lstm_forward", 4)     # c: (N, H)
lstm_cell_backward = _launcher("lstm_backward", 4)   # tanh_c
gru_cell_forward = _launcher("gru_forward", 6)       # h
gru_cell_backward = _launcher("gru_backward", 2)     # h_prev
rnn_cell_forward = _launcher("rnn_forward", 2)       # h
rnn_cell_backward = _launcher("rnn_backward", 2)     # h
