"""2-D pooling: max (with argmax) and average, over any windows, as differentiable Functions.

Every pooling -- kernel/stride/padding/dilation/ceil_mode pooling and adaptive pooling alike
-- is described by a *window plan*: for output row ``oh`` the window reads the input rows

    hs[oh], hs[oh] + dh, ..., hs[oh] + (hc[oh] - 1) * dh        (only rows inside the image)

and likewise ``ws, wc, dw`` for columns. ``nn/functional/pool.py`` computes the plans from
PyTorch's arguments; the kernels here never see padding or ceil_mode.

    MaxPool(x)           y = max over the window, idx = argmax (flat h*W + w, as PyTorch)
    PoolScatter(g, idx)  gx = zeros, gx.flat[idx] += g  -- max pooling's backward
    PoolGather(G, idx)   G.flat[idx]                    -- the backward of PoolScatter
    AvgPool(x)           y = sum over the window / div
    AvgPoolAdjoint(g)    gx[window] += g / div          -- average pooling's backward

The max backward uses the argmax kept by the forward (one pass, no second search), and each
backward is the adjoint of a forward, so gradients of gradients work. Three variants side by
side: ``reference`` (NumPy, an explicit loop over output positions), ``cpu`` (Numba, parallel
over (n, c) planes, so the scatters never race) and ``cuda`` (one thread per output; the
scatters use atomic adds because overlapping windows share inputs).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..autograd.function import Function
from ..backend import array_module
from . import UnsupportedConfig, _cuda, run_cpu, variant_for

cuda = None   # numba.cuda, bound by _cuda.jit on first CUDA use


# ============================================================================ reference (NumPy)

def _window(start, count, step):
    return np.arange(count) * step + start


def max_pool_reference(x, plan, y, idx):
    hs, hc, dh, ws, wc, dw = plan
    xp = array_module(x)
    N, C, H, W = x.shape
    for oh in range(len(hs)):
        rows = _window(hs[oh], hc[oh], dh)
        for ow in range(len(ws)):
            cols = _window(ws[ow], wc[ow], dw)
            win = x[:, :, rows][:, :, :, cols].reshape(N, C, -1)
            a = xp.argmax(win, axis=2)
            y[:, :, oh, ow] = xp.take_along_axis(win, a[..., None], axis=2)[..., 0]
            idx[:, :, oh, ow] = xp.asarray(rows)[a // len(cols)] * W + xp.asarray(cols)[a % len(cols)]


def avg_pool_reference(x, plan, div, y):
    hs, hc, dh, ws, wc, dw = plan
    for oh in range(len(hs)):
        rows = _window(hs[oh], hc[oh], dh)
        for ow in range(len(ws)):
            cols = _window(ws[ow], wc[ow], dw)
            y[:, :, oh, ow] = x[:, :, rows][:, :, :, cols].sum(axis=(2, 3)) / div[oh, ow]


def avg_adjoint_reference(g, plan, div, gx):
    hs, hc, dh, ws, wc, dw = plan
    gx[...] = 0
    for oh in range(len(hs)):
        rows = _window(hs[oh], hc[oh], dh)
        for ow in range(len(ws)):
            cols = _window(ws[ow], wc[ow], dw)
            gx[:, :, rows[:, None], cols[None, :]] += (g[:, :, oh, ow] / div[oh, ow])[..., None, None]


def scatter_reference(g, idx, gx):
    N, C = g.shape[:2]
    xp = array_module(g)
    flat = gx.reshape(N * C, -1)
    rows = xp.arange(N * C)[:, None] * flat.shape[1] + idx.reshape(N * C, -1)
    flat[...] = xp.bincount(rows.ravel(), weights=g.reshape(-1).astype(np.float64),
                            minlength=flat.size).reshape(flat.shape)


def gather_reference(x, idx, y):
    N, C = x.shape[:2]
    xp = array_module(x)
    y[...] = xp.take_along_axis(x.reshape(N, C, -1), idx.reshape(N, C, -1), axis=2).reshape(y.shape)


# ============================================================================ cpu (Numba)

@njit(cache=True, parallel=True)
def _max_pool_cpu(x, hs, hc, dh, ws, wc, dw, y, idx):
    N, C, H, W = x.shape
    OH, OW = y.shape[2:]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        img = x[n, c]
        for oh in range(OH):
            for ow in range(OW):
                best = -np.inf
                bi = -1
                for a in range(hc[oh]):
                    h = hs[oh] + a * dh
                    for b in range(wc[ow]):
                        w = ws[ow] + b * dw
                        v = img[h, w]
                        if bi < 0 or v > best or (v != v and best == best):   # first max; first NaN wins
                            best = v
                            bi = h * W + w
                y[n, c, oh, ow] = best
                idx[n, c, oh, ow] = bi


@njit(cache=True, parallel=True)
def _avg_pool_cpu(x, hs, hc, dh, ws, wc, dw, div, y):
    N, C = x.shape[:2]
    OH, OW = y.shape[2:]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        img = x[n, c]
        for oh in range(OH):
            for ow in range(OW):
                s = img[0, 0] * 0
                for a in range(hc[oh]):
                    for b in range(wc[ow]):
                        s += img[hs[oh] + a * dh, ws[ow] + b * dw]
                y[n, c, oh, ow] = s / div[oh, ow]


@njit(cache=True, parallel=True)
def _avg_adjoint_cpu(g, hs, hc, dh, ws, wc, dw, div, gx):
    N, C = g.shape[:2]
    OH, OW = g.shape[2:]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        img = gx[n, c]
        img[:, :] = 0
        for oh in range(OH):
            for ow in range(OW):
                v = g[n, c, oh, ow] / div[oh, ow]
                for a in range(hc[oh]):
                    for b in range(wc[ow]):
                        img[hs[oh] + a * dh, ws[ow] + b * dw] += v


@njit(cache=True, parallel=True)
def _scatter_cpu(g, idx, gx):
    N, C = g.shape[:2]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        src = g[n, c].ravel()
        where = idx[n, c].ravel()
        dst = gx[n, c].reshape(-1)
        dst[:] = 0
        for k in range(src.size):
            dst[where[k]] += src[k]


@njit(cache=True, parallel=True)
def _gather_cpu(x, idx, y):
    N, C = y.shape[:2]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        src = x[n, c].reshape(-1)
        where = idx[n, c].ravel()
        dst = y[n, c].reshape(-1)
        for k in range(where.size):
            dst[k] = src[where[k]]


# ============================================================================ cuda (Numba CUDA)

def _max_pool_cuda(x, hs, hc, dh, ws, wc, dw, y, idx):
    N, C, H, W = x.shape
    OH, OW = y.shape[2], y.shape[3]
    for t in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        ow = t % OW
        oh = (t // OW) % OH
        c = (t // (OW * OH)) % C
        n = t // (OW * OH * C)
        best = -math.inf
        bi = -1
        for a in range(hc[oh]):
            h = hs[oh] + a * dh
            for b in range(wc[ow]):
                w = ws[ow] + b * dw
                v = x[n, c, h, w]
                if bi < 0 or v > best or (v != v and best == best):
                    best = v
                    bi = h * W + w
        y[n, c, oh, ow] = best
        idx[n, c, oh, ow] = bi


def _avg_pool_cuda(x, hs, hc, dh, ws, wc, dw, div, y):
    C = x.shape[1]
    OH, OW = y.shape[2], y.shape[3]
    for t in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        ow = t % OW
        oh = (t // OW) % OH
        c = (t // (OW * OH)) % C
        n = t // (OW * OH * C)
        s = x[0, 0, 0, 0] * 0
        for a in range(hc[oh]):
            for b in range(wc[ow]):
                s += x[n, c, hs[oh] + a * dh, ws[ow] + b * dw]
        y[n, c, oh, ow] = s / div[oh, ow]


def _avg_adjoint_cuda(g, hs, hc, dh, ws, wc, dw, div, gx):   # gx zero-filled by the caller
    C = g.shape[1]
    OH, OW = g.shape[2], g.shape[3]
    for t in range(cuda.grid(1), g.size, cuda.gridsize(1)):
        ow = t % OW
        oh = (t // OW) % OH
        c = (t // (OW * OH)) % C
        n = t // (OW * OH * C)
        v = g[n, c, oh, ow] / div[oh, ow]
        for a in range(hc[oh]):
            for b in range(wc[ow]):
                cuda.atomic.add(gx, (n, c, hs[oh] + a * dh, ws[ow] + b * dw), v)


def _scatter_cuda(g, idx, gx):          # gx zero-filled by the caller; flat (N, C, H*W) views
    C, L = g.shape[1], g.shape[2]
    for t in range(cuda.grid(1), g.size, cuda.gridsize(1)):
        k = t % L
        c = (t // L) % C
        n = t // (L * C)
        cuda.atomic.add(gx, (n, c, idx[n, c, k]), g[n, c, k])


def _gather_cuda(x, idx, y):            # flat (N, C, H*W) and (N, C, L) views
    C, L = y.shape[1], y.shape[2]
    for t in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        k = t % L
        c = (t // L) % C
        n = t // (L * C)
        y[n, c, k] = x[n, c, idx[n, c, k]]


def cuda_signatures():
    """Every CUDA kernel with its argument types, for the compile_ptx tests."""
    sigs = {}
    for t in ("float32", "float64"):
        a4, a3, i4, i3 = f"{t}[:, :, :, ::1]", f"{t}[:, :, ::1]", "int64[:, :, :, ::1]", "int64[:, :, ::1]"
        plan = "int64[::1], int64[::1], int64, int64[::1], int64[::1], int64"
        sigs.setdefault(_max_pool_cuda, []).append(f"void({a4}, {plan}, {a4}, {i4})")
        sigs.setdefault(_avg_pool_cuda, []).append(f"void({a4}, {plan}, {t}[:, ::1], {a4})")
        sigs.setdefault(_avg_adjoint_cuda, []).append(f"void({a4}, {plan}, {t}[:, ::1], {a4})")
        sigs.setdefault(_scatter_cuda, []).append(f"void({a3}, {i3}, {a3})")
        sigs.setdefault(_gather_cuda, []).append(f"void({a3}, {i3}, {a3})")
    return sigs


# ============================================================================ dispatch

def _plan_on(xp, plan):
    hs, hc, dh, ws, wc, dw = plan
    a = lambda v: xp.asarray(np.asarray(v, dtype=np.int64))   # noqa: E731
    return a(hs), a(hc), dh, a(ws), a(wc), dw


def _variant(op, x):
    v = variant_for(x)
    if v != "reference" and x.dtype.name not in ("float32", "float64"):
        raise UnsupportedConfig(f"{op}: the {v!r} kernel variant supports float32 and float64, "
                                f"not {x.dtype.name}; use minigrad.kernels.use('reference')")
    return v


def max_pool_raw(x, plan, variant):
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    y = xp.empty(x.shape[:2] + (len(plan[0]), len(plan[3])), dtype=x.dtype)
    idx = xp.empty(y.shape, dtype=np.int64)
    if variant == "reference":
        max_pool_reference(x, plan, y, idx)
    elif variant == "cpu":
        run_cpu(_max_pool_cpu, x.size, x, *_plan_on(np, plan), y, idx)
    else:
        _cuda.launch(_max_pool_cuda, y.size, x, *_plan_on(xp, plan), y, idx)
    return y, idx


def avg_pool_raw(x, plan, div, variant):
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    div = xp.asarray(div, dtype=x.dtype)
    y = xp.empty(x.shape[:2] + (len(plan[0]), len(plan[3])), dtype=x.dtype)
    if variant == "reference":
        avg_pool_reference(x, plan, div, y)
    elif variant == "cpu":
        run_cpu(_avg_pool_cpu, x.size, x, *_plan_on(np, plan), div, y)
    else:
        _cuda.launch(_avg_pool_cuda, y.size, x, *_plan_on(xp, plan), div, y)
    return y


def avg_adjoint_raw(g, plan, div, hw, variant):
    xp = array_module(g)
    g = xp.ascontiguousarray(g)
    div = xp.asarray(div, dtype=g.dtype)
    gx = xp.zeros(g.shape[:2] + tuple(hw), dtype=g.dtype)
    if variant == "reference":
        avg_adjoint_reference(g, plan, div, gx)
    elif variant == "cpu":
        run_cpu(_avg_adjoint_cpu, gx.size, g, *_plan_on(np, plan), div, gx)
    else:
        _cuda.launch(_avg_adjoint_cuda, g.size, g, *_plan_on(xp, plan), div, gx)
    return gx


def scatter_raw(g, idx, hw, variant):
    xp = array_module(g)
    g, idx = xp.ascontiguousarray(g), xp.ascontiguousarray(idx)
    N, C = g.shape[:2]
    gx = xp.zeros((N, C) + tuple(hw), dtype=g.dtype)
    if variant == "reference":
        scatter_reference(g, idx, gx)
    elif variant == "cpu":
        run_cpu(_scatter_cpu, gx.size, g, idx, gx)
    else:
        _cuda.launch(_scatter_cuda, g.size, g.reshape(N, C, -1), idx.reshape(N, C, -1), gx.reshape(N, C, -1))
    return gx


def gather_raw(x, idx, variant):
    xp = array_module(x)
    x, idx = xp.ascontiguousarray(x), xp.ascontiguousarray(idx)
    N, C = x.shape[:2]
    y = xp.empty(idx.shape, dtype=x.dtype)
    if variant == "reference":
        gather_reference(x, idx, y)
    elif variant == "cpu":
        run_cpu(_gather_cpu, x.size, x, idx, y)
    else:
        _cuda.launch(_gather_cuda, y.size, x.reshape(N, C, -1), idx.reshape(N, C, -1), y.reshape(N, C, -1))
    return y


# ============================================================================ the Functions

class MaxPool(Function):
    """y = max over each window, idx = its argmax;  dx = PoolScatter(dy, idx)"""

    @staticmethod
    def forward(ctx, x, plan):
        y, idx = max_pool_raw(x, plan, _variant("max_pool2d", x))
        ctx.mark_non_differentiable(idx)
        ctx.idx, ctx.hw = idx, x.shape[2:]
        return y, idx

    @staticmethod
    def backward(ctx, gy, _gidx):
        return PoolScatter.apply(gy, ctx.idx, ctx.hw), None


class PoolScatter(Function):
    """gx = zeros(hw), gx.flat[idx] += g  (per plane);  dg = PoolGather(dgx, idx)"""

    @staticmethod
    def forward(ctx, g, idx, hw):
        ctx.idx = idx
        return scatter_raw(g, idx, hw, _variant("max_pool2d (backward)", g))

    @staticmethod
    def backward(ctx, G):
        return PoolGather.apply(G, ctx.idx), None, None


class PoolGather(Function):
    """y = x.flat[idx]  (per plane);  dx = PoolScatter(dy, idx)"""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.idx, ctx.hw = idx, x.shape[2:]
        return gather_raw(x, idx, _variant("max_pool2d (double backward)", x))

    @staticmethod
    def backward(ctx, gy):
        return PoolScatter.apply(gy, ctx.idx, ctx.hw), None


class AvgPool(Function):
    """y = sum over each window / div;  dx = AvgPoolAdjoint(dy)"""

    @staticmethod
    def forward(ctx, x, plan, div):
        ctx.plan, ctx.div, ctx.hw = plan, div, x.shape[2:]
        return avg_pool_raw(x, plan, div, _variant("avg_pool2d", x))

    @staticmethod
    def backward(ctx, gy):
        return AvgPoolAdjoint.apply(gy, ctx.plan, ctx.div, ctx.hw), None, None


class AvgPoolAdjoint(Function):
    """gx[window] += g / div;  dg = AvgPool(dgx)"""

    @staticmethod
    def forward(ctx, g, plan, div, hw):
        ctx.plan, ctx.div = plan, div
        return avg_adjoint_raw(g, plan, div, hw, _variant("avg_pool2d (backward)", g))

    @staticmethod
    def backward(ctx, G):
        return AvgPool.apply(G, ctx.plan, ctx.div), None, None, None
