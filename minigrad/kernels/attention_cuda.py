"""The ``cuda`` variant of the fused attention (see ``attention.py`` for the algorithm).

Kept apart from attention.py only because the file would pass ~400 lines; it implements
the same three steps with Numba's CUDA target, one thread per query row (forward, dQ) or
per key row (dK, dV), a block of TILE threads staging TILE rows of the other operand through
shared memory at a time:

* ``forward``: grid (ceil(L/TILE), B). Each thread keeps its query row, running max m,
  running sum l and unnormalised output in registers/local memory; per shared tile of keys
  and values it computes the TILE scores, rescales by exp(m_old - m_new) once, accumulates.
  With ``causal`` the key tiles above the block's last query are never loaded.
* ``backward_dq``: the same grid; recomputes p = exp(s - lse) per key, dq += scale p (dO.v - D) k.
  It also writes D = rowsum(dO * O) for the next kernel.
* ``backward_dkdv``: grid (ceil(S/TILE), B); each thread owns one key and walks shared tiles
  of queries and output gradients: dv += p dO, dk += scale p (dO.v - D) q.

The launch helpers take NumPy arrays (the simulator: NUMBA_ENABLE_CUDASIM=1) or CuPy arrays
(a GPU). Head dims up to MAX_DIM; larger raise ``UnsupportedConfig``.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda, float32, float64

from ..backend import array_module
from . import UnsupportedConfig

TILE = 32          # threads per block = rows staged per shared tile
MAX_DIM = 128      # largest head dim E or Ev


def kernel_sources(dtype):
    """The three kernels as plain Python functions for element type ``dtype`` (a Numba type):
    ``cuda.jit`` them to launch, or ``cuda.compile_ptx`` them to check they compile."""
    neg_inf = -math.inf

    def forward(q, k, v, bias, bmap, has_bias, causal, scale, out, lse):
        b = cuda.blockIdx.y
        t = cuda.threadIdx.x
        i = cuda.blockIdx.x * TILE + t
        L, E = q.shape[1], q.shape[2]
        S, Ev = k.shape[1], v.shape[2]
        ks = cuda.shared.array((TILE, MAX_DIM), dtype)
        vs = cuda.shared.array((TILE, MAX_DIM), dtype)
        qi = cuda.local.array(MAX_DIM, dtype)
        acc = cuda.local.array(MAX_DIM, dtype)
        sc = cuda.local.array(TILE, dtype)
        li = 1 if bias.shape[1] > 1 else 0
        lj = 1 if bias.shape[2] > 1 else 0
        if i < L:
            for e in range(E):
                qi[e] = q[b, i, e]
        for e in range(Ev):
            acc[e] = 0.0
        m = dtype(neg_inf)
        l = dtype(0.0)
        last = min(L, (cuda.blockIdx.x + 1) * TILE) - 1          # the block's last query
        jend = min(S, last + 1) if causal else S
        for j0 in range(0, jend, TILE):
            if j0 + t < S:                                        # stage TILE keys and values
                for e in range(E):
                    ks[t, e] = k[b, j0 + t, e]
                for e in range(Ev):
                    vs[t, e] = v[b, j0 + t, e]
            cuda.syncthreads()
            if i < L:
                nc = min(TILE, jend - j0)
                mx = dtype(neg_inf)
                for c in range(nc):
                    s = dtype(0.0)
                    for e in range(E):
                        s += qi[e] * ks[c, e]
                    s *= scale
                    if has_bias:
                        s += bias[bmap[b], i * li, (j0 + c) * lj]
                    if causal and j0 + c > i:
                        s = dtype(neg_inf)
                    sc[c] = s
                    mx = max(mx, s)
                m_new = max(m, mx)
                if m_new != neg_inf:
                    alpha = math.exp(m - m_new)
                    l *= alpha
                    for e in range(Ev):
                        acc[e] *= alpha
                    for c in range(nc):
                        p = math.exp(sc[c] - m_new)
                        l += p
                        for e in range(Ev):
                            acc[e] += p * vs[c, e]
                    m = m_new
            cuda.syncthreads()
        if i < L:
            if l == 0.0:                                          # a fully masked row
                for e in range(Ev):
                    out[b, i, e] = math.nan
                lse[b, i] = math.nan
            else:
                for e in range(Ev):
                    out[b, i, e] = acc[e] / l
                lse[b, i] = m + math.log(l)

    def backward_dq(q, k, v, out, lse, do, bias, bmap, has_bias, causal, scale, dq, D):
        b = cuda.blockIdx.y
        t = cuda.threadIdx.x
        i = cuda.blockIdx.x * TILE + t
        L, E = q.shape[1], q.shape[2]
        S, Ev = k.shape[1], v.shape[2]
        ks = cuda.shared.array((TILE, MAX_DIM), dtype)
        vs = cuda.shared.array((TILE, MAX_DIM), dtype)
        qi = cuda.local.array(MAX_DIM, dtype)
        doi = cuda.local.array(MAX_DIM, dtype)
        dqi = cuda.local.array(MAX_DIM, dtype)
        li = 1 if bias.shape[1] > 1 else 0
        lj = 1 if bias.shape[2] > 1 else 0
        d = dtype(0.0)
        x = dtype(0.0)
        if i < L:
            for e in range(E):
                qi[e] = q[b, i, e]
                dqi[e] = 0.0
            for e in range(Ev):
                doi[e] = do[b, i, e]
                d += doi[e] * out[b, i, e]
            D[b, i] = d
            x = lse[b, i]
        last = min(L, (cuda.blockIdx.x + 1) * TILE) - 1
        jend = min(S, last + 1) if causal else S
        for j0 in range(0, jend, TILE):
            if j0 + t < S:
                for e in range(E):
                    ks[t, e] = k[b, j0 + t, e]
                for e in range(Ev):
                    vs[t, e] = v[b, j0 + t, e]
            cuda.syncthreads()
            if i < L:
                for c in range(min(TILE, jend - j0)):
                    if causal and j0 + c > i:
                        continue
                    s = dtype(0.0)
                    for e in range(E):
                        s += qi[e] * ks[c, e]
                    s *= scale
                    if has_bias:
                        s += bias[bmap[b], i * li, (j0 + c) * lj]
                    p = math.exp(s - x)
                    dp = dtype(0.0)
                    for e in range(Ev):
                        dp += doi[e] * vs[c, e]
                    ds = p * (dp - d) * scale
                    for e in range(E):
                        dqi[e] += ds * ks[c, e]
            cuda.syncthreads()
        if i < L:
            for e in range(E):
                dq[b, i, e] = dqi[e]

    def backward_dkdv(q, k, v, lse, do, D, bias, bmap, has_bias, causal, scale, dk, dv):
        b = cuda.blockIdx.y
        t = cuda.threadIdx.x
        j = cuda.blockIdx.x * TILE + t
        L, E = q.shape[1], q.shape[2]
        S, Ev = k.shape[1], v.shape[2]
        qs = cuda.shared.array((TILE, MAX_DIM), dtype)
        dos = cuda.shared.array((TILE, MAX_DIM), dtype)
        xs = cuda.shared.array(TILE, dtype)
        ds_ = cuda.shared.array(TILE, dtype)
        kj = cuda.local.array(MAX_DIM, dtype)
        vj = cuda.local.array(MAX_DIM, dtype)
        dkj = cuda.local.array(MAX_DIM, dtype)
        dvj = cuda.local.array(MAX_DIM, dtype)
        li = 1 if bias.shape[1] > 1 else 0
        lj = 1 if bias.shape[2] > 1 else 0
        if j < S:
            for e in range(E):
                kj[e] = k[b, j, e]
                dkj[e] = 0.0
            for e in range(Ev):
                vj[e] = v[b, j, e]
                dvj[e] = 0.0
        first = cuda.blockIdx.x * TILE                            # the block's first key
        istart = (first // TILE) * TILE if causal else 0          # earlier queries cannot see it
        for i0 in range(istart, L, TILE):
            if i0 + t < L:                                        # stage TILE queries, dO, lse, D
                for e in range(E):
                    qs[t, e] = q[b, i0 + t, e]
                for e in range(Ev):
                    dos[t, e] = do[b, i0 + t, e]
                xs[t] = lse[b, i0 + t]
                ds_[t] = D[b, i0 + t]
            cuda.syncthreads()
            if j < S:
                for r in range(min(TILE, L - i0)):
                    if causal and j > i0 + r:
                        continue
                    s = dtype(0.0)
                    for e in range(E):
                        s += qs[r, e] * kj[e]
                    s *= scale
                    if has_bias:
                        s += bias[bmap[b], (i0 + r) * li, j * lj]
                    p = math.exp(s - xs[r])
                    dp = dtype(0.0)
                    for e in range(Ev):
                        dvj[e] += p * dos[r, e]
                        dp += dos[r, e] * vj[e]
                    ds = p * (dp - ds_[r]) * scale
                    for e in range(E):
                        dkj[e] += ds * qs[r, e]
            cuda.syncthreads()
        if j < S:
            for e in range(E):
                dk[b, j, e] = dkj[e]
            for e in range(Ev):
                dv[b, j, e] = dvj[e]

    return {"forward": forward, "backward_dq": backward_dq, "backward_dkdv": backward_dkdv}


_compiled = {}


def _kernels(np_dtype):
    key = np.dtype(np_dtype).name
    if key not in _compiled:
        nb = {"float32": float32, "float64": float64}.get(key)
        if nb is None:
            raise UnsupportedConfig(f"scaled_dot_product_attention (cuda): dtype {key} is not supported")
        _compiled[key] = {name: cuda.jit(fn) for name, fn in kernel_sources(nb).items()}
    return _compiled[key]


def _check(q, v):
    if q.shape[2] > MAX_DIM or v.shape[2] > MAX_DIM:
        raise UnsupportedConfig(f"scaled_dot_product_attention (cuda): head dims up to {MAX_DIM}, got "
                                f"E={q.shape[2]} and Ev={v.shape[2]}")


def forward(q, k, v, bias, bmap, is_causal, scale):
    """(B, L, E), (B, S, E), (B, S, Ev) -> out (B, L, Ev), lse (B, L)."""
    from .attention import has_bias
    _check(q, v)
    xp = array_module(q)
    B, L, _ = q.shape
    out = xp.empty((B, L, v.shape[2]), dtype=q.dtype)
    lse = xp.empty((B, L), dtype=q.dtype)
    grid = ((L + TILE - 1) // TILE, B)
    _kernels(q.dtype)["forward"][grid, TILE](q, k, v, bias, bmap, has_bias(bias), bool(is_causal),
                                             q.dtype.type(scale), out, lse)
    return out, lse


def backward(q, k, v, out, lse, do, bias, bmap, is_causal, scale):
    """Gradients dq, dk, dv from the saved output and log-sum-exp."""
    from .attention import has_bias
    xp = array_module(q)
    B, L, _ = q.shape
    S = k.shape[1]
    dq, dk, dv = xp.empty_like(q), xp.empty_like(k), xp.empty_like(v)
    D = xp.empty((B, L), dtype=q.dtype)
    ks = _kernels(q.dtype)
    hb, c, sc = has_bias(bias), bool(is_causal), q.dtype.type(scale)
    ks["backward_dq"][((L + TILE - 1) // TILE, B), TILE](q, k, v, out, lse, do, bias, bmap, hb, c, sc, dq, D)
    ks["backward_dkdv"][((S + TILE - 1) // TILE, B), TILE](q, k, v, lse, do, D, bias, bmap, hb, c, sc, dk, dv)
    return dq, dk, dv
