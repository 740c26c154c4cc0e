"""2-D pooling: max (with argmax) and average, over any windows, as differentiable Functions.

Every pooling -- kernel/stride/padding/dilation/ceil_mode pooling and adaptive pooling alike
-- is described by a ``PoolPlan``: for output row ``oh`` the window reads the input rows

    hs[oh], hs[oh] + dh, ..., hs[oh] + (hc[oh] - 1) * dh        (only rows inside the image)

and likewise ``ws, wc, dw`` for columns. ``nn.functional`` computes the plans from PyTorch's
arguments; the kernels here never see padding or ceil_mode. Then

    MaxPool(x)           y = max over the window, idx = argmax (flat h*W + w, as PyTorch)
    PoolScatter(g, idx)  gx = zeros, gx.flat[idx] += g  -- max pooling's backward
    PoolGather(G, idx)   G.flat[idx]                    -- the backward of PoolScatter
    AvgPool(x)           y = sum over the window / div
    AvgPoolAdjoint(g)    gx[window] += g / div          -- average pooling's backward
    MaxUnpool(y, idx)    x = zeros, x.flat[idx] = y     -- F.max_unpool2d; backward PoolGather

The max backward uses the argmax kept by the forward (one pass, no second search), and each
backward is the adjoint of a forward, so gradients of gradients work without a composite.

Edge cases, as PyTorch: the first maximum wins a tie and the first NaN wins over any number;
a window with no pixel inside the image (possible with padding and dilation) gives -inf, index
-1, and no gradient (PyTorch's index there is unspecified); sums start from an exact zero, so
an inf or NaN pixel affects only the windows that contain it.

Variants: ``reference`` (NumPy, an explicit loop over output positions), ``cpu`` (Numba,
parallel over (n, c) planes, so the scatters never race) and ``cuda`` (one thread per output;
the scatters add atomically because overlapping windows share inputs). The per-window math
(``max_window``, ``window_sum``) is one Python function each, compiled for both.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np
from numba import njit, prange, uint64

from ..autograd.function import Function
from ..backend import array_module
from . import _cuda, choose, run_cpu
from ._math import ZERO, shared

cuda = None   # numba.cuda, bound by _cuda on first CUDA use


class PoolPlan(NamedTuple):
    """Per output row: first input row ``hs``, row count ``hc``, row step ``dh``; the same
    for columns. ``hs, hc, ws, wc`` are int64 arrays (``PoolPlan.of`` converts and checks)."""
    hs: np.ndarray
    hc: np.ndarray
    dh: int
    ws: np.ndarray
    wc: np.ndarray
    dw: int

    @classmethod
    def of(cls, plan, hw):
        """The plan of windows over an image of spatial size ``hw``, checked: a window reaching
        outside the image would make the kernels read, and backward write, foreign memory."""
        hs, hc, dh, ws, wc, dw = plan
        a = lambda v: np.ascontiguousarray(v, dtype=np.int64)   # noqa: E731
        plan = cls(a(hs), a(hc), int(dh), a(ws), a(wc), int(dw))
        for starts, counts, step, size, what in ((plan.hs, plan.hc, plan.dh, hw[0], "rows"),
                                                 (plan.ws, plan.wc, plan.dw, hw[1], "columns")):
            used = counts > 0
            if len(starts) != len(counts) or (counts < 0).any() or (starts[used] < 0).any() \
                    or (starts[used] + (counts[used] - 1) * step >= size).any():
                raise ValueError(f"pooling: a window plan reads {what} outside an image of size {tuple(hw)}")
        return plan

    @property
    def out_hw(self):
        return len(self.hs), len(self.ws)

    def uniform(self):
        """(h0, kh, sh, w0, kw, sw) when every window is whole and they are evenly spaced --
        window (oh, ow) reads rows h0 + oh*sh + a*dh, a < kh, and columns alike -- else None."""
        out = []
        for starts, counts in ((self.hs, self.hc), (self.ws, self.wc)):
            if len(starts) == 0 or counts[0] < 1 or (counts != counts[0]).any():
                return None
            step = int(starts[1] - starts[0]) if len(starts) > 1 else 1
            if step < 1 or (np.diff(starts) != step).any():
                return None
            out += [int(starts[0]), int(counts[0]), step]
        return tuple(out)

    def on(self, xp):
        """The plan's arrays on the device of array module ``xp``."""
        return PoolPlan(xp.asarray(self.hs), xp.asarray(self.hc), self.dh,
                        xp.asarray(self.ws), xp.asarray(self.wc), self.dw)


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
            if len(rows) == 0 or len(cols) == 0:          # the window lies in the padding
                y[:, :, oh, ow], idx[:, :, oh, ow] = -np.inf, -1
                continue
            win = x[:, :, rows][:, :, :, cols].reshape(N, C, len(rows) * len(cols))
            a = xp.argmax(win, axis=2)                     # the first max; NaN counts as the max
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
    for oh in range(len(hs)):
        rows = _window(hs[oh], hc[oh], dh)
        for ow in range(len(ws)):
            cols = _window(ws[ow], wc[ow], dw)
            gx[:, :, rows[:, None], cols[None, :]] += (g[:, :, oh, ow] / div[oh, ow])[..., None, None]


def scatter_reference(g, idx, gx):
    """gx (N, C, H*W) += g (N, C, L) at idx (N, C, L); idx -1 (an empty window) adds nothing."""
    xp = array_module(g)
    N, C, HW = gx.shape
    L = idx.shape[2]
    rows = xp.arange(N * C)[:, None] * HW + idx.reshape(N * C, L)
    keep = idx.reshape(N * C, L) >= 0
    gx[...] = xp.bincount(rows[keep], weights=g.reshape(N * C, L)[keep].astype(np.float64),
                          minlength=gx.size).reshape(gx.shape)


def gather_reference(x, idx, y):
    """y (N, C, L) = x (N, C, H*W) at idx; 0 where idx is -1."""
    xp = array_module(x)
    if x.shape[2] == 0:                  # an empty image: every index is -1
        y[...] = 0
        return
    y[...] = xp.where(idx >= 0, xp.take_along_axis(x, xp.maximum(idx, 0), axis=2), 0)


# ============================================================================ per-window math (CPU and CUDA)

@shared
def takes(v, best):
    """Does pixel v replace the window's maximum so far? The first maximum wins a tie, the
    first NaN wins over any number."""
    return v > best or (v != v and best == best)


def max_window(x, n, c, hs, hc, dh, ws, wc, dw, oh, ow):
    """(max, flat index h*W + w) of window (oh, ow) of plane (n, c); (-inf, -1) if it is empty."""
    W = x.shape[3]
    best = x.dtype.type(-math.inf)
    bi = -1
    for a in range(hc[oh]):
        h = hs[oh] + a * dh
        for b in range(wc[ow]):
            w = ws[ow] + b * dw
            v = x[n, c, h, w]
            if bi < 0 or takes(v, best):
                best = v
                bi = h * W + w
    return best, bi


def window_sum(x, n, c, hs, hc, dh, ws, wc, dw, oh, ow):
    """The sum over window (oh, ow) of plane (n, c), from an exact zero."""
    s = x.dtype.type(0)
    for a in range(hc[oh]):
        for b in range(wc[ow]):
            s += x[n, c, hs[oh] + a * dh, ws[ow] + b * dw]
    return s


max_window_cpu = njit(inline="always", cache=True)(max_window)
window_sum_cpu = njit(inline="always", cache=True)(window_sum)
max_window_cuda = _cuda.device(max_window)
window_sum_cuda = _cuda.device(window_sum)


# ============================================================================ cpu (Numba)
# The plan's windows one output at a time, parallel over (n, c) planes; evenly spaced whole
# windows (no padding reached, the common 2x2 stride 2) have a kernel of their own that walks
# the window's offsets outside and a row of outputs inside, so that the row loop vectorises
# (2x2/2 on (64, 32, 32, 32): 18 -> 11.5 ms, 1 thread); average pooling's adjoint likewise.

@njit(cache=True, parallel=True, error_model="numpy")
def _max_pool_uniform_cpu(x, h0, kh, sh, dh, w0, kw, sw, dw, y, idx):
    N, C, H, W = x.shape
    OH, OW = y.shape[2], y.shape[3]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        for oh in range(OH):
            for a in range(kh):
                h = h0 + oh * sh + a * dh
                for b in range(kw):
                    off = w0 + b * dw
                    if a == 0 and b == 0:
                        for ow in range(OW):
                            u = uint64(off + ow * sw)
                            y[n, c, oh, uint64(ow)] = x[n, c, h, u]
                            idx[n, c, oh, uint64(ow)] = h * W + off + ow * sw
                    else:
                        for ow in range(OW):
                            u = uint64(off + ow * sw)
                            v = x[n, c, h, u]
                            if takes(v, y[n, c, oh, uint64(ow)]):
                                y[n, c, oh, uint64(ow)] = v
                                idx[n, c, oh, uint64(ow)] = h * W + off + ow * sw


@njit(cache=True, parallel=True, error_model="numpy")
def _max_pool_cpu(x, hs, hc, dh, ws, wc, dw, y, idx):
    N, C = x.shape[:2]
    OH, OW = y.shape[2:]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        for oh in range(OH):
            for ow in range(OW):
                y[n, c, oh, ow], idx[n, c, oh, ow] = max_window_cpu(x, n, c, hs, hc, dh, ws, wc, dw, oh, ow)


@njit(cache=True, parallel=True, error_model="numpy")
def _avg_pool_cpu(x, hs, hc, dh, ws, wc, dw, div, y):
    N, C = x.shape[:2]
    OH, OW = y.shape[2:]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        for oh in range(OH):
            for ow in range(OW):
                y[n, c, oh, ow] = window_sum_cpu(x, n, c, hs, hc, dh, ws, wc, dw, oh, ow) / div[oh, ow]


@njit(cache=True, parallel=True, error_model="numpy")
def _avg_adjoint_cpu(g, hs, hc, dh, ws, wc, dw, div, gx):     # gx zero-filled by the caller
    N, C = g.shape[:2]
    OH, OW = g.shape[2:]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        for oh in range(OH):
            for ow in range(OW):
                v = g[n, c, oh, ow] / div[oh, ow]
                for a in range(hc[oh]):
                    for b in range(wc[ow]):
                        gx[n, c, hs[oh] + a * dh, ws[ow] + b * dw] += v


@njit(cache=True, parallel=True, error_model="numpy")
def _avg_adjoint_uniform_cpu(g, h0, kh, sh, dh, w0, kw, sw, dw, div, gx):   # gx zero-filled
    N, C = g.shape[:2]
    OH, OW = g.shape[2:]
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        for oh in range(OH):
            for a in range(kh):
                h = h0 + oh * sh + a * dh
                for b in range(kw):
                    off = w0 + b * dw
                    for ow in range(OW):
                        gx[n, c, h, uint64(off + ow * sw)] += g[n, c, oh, uint64(ow)] / div[oh, uint64(ow)]


@njit(cache=True, parallel=True, error_model="numpy")
def _scatter_cpu(g, idx, gx):            # flat (N, C, L), (N, C, L), (N, C, H*W); gx zero-filled
    N, C, L = g.shape
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        for k in range(L):
            i = idx[n, c, k]
            if i >= 0:
                gx[n, c, i] += g[n, c, k]


@njit(cache=True, parallel=True, error_model="numpy")
def _gather_cpu(x, idx, y):              # flat (N, C, H*W), (N, C, L), (N, C, L)
    N, C, L = y.shape
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        for k in range(L):
            i = idx[n, c, k]
            y[n, c, k] = x[n, c, i] if i >= 0 else ZERO


def max_pool_cpu(x, plan, y, idx):
    u = plan.uniform()
    if u is None:
        run_cpu(_max_pool_cpu, x.size, x, *plan, y, idx)
    else:
        h0, kh, sh, w0, kw, sw = u
        run_cpu(_max_pool_uniform_cpu, x.size, x, h0, kh, sh, plan.dh, w0, kw, sw, plan.dw, y, idx)


def avg_pool_cpu(x, plan, div, y):
    run_cpu(_avg_pool_cpu, x.size, x, *plan, div, y)


def avg_adjoint_cpu(g, plan, div, gx):
    u = plan.uniform()
    if u is None:
        run_cpu(_avg_adjoint_cpu, gx.size, g, *plan, div, gx)
    else:
        h0, kh, sh, w0, kw, sw = u
        run_cpu(_avg_adjoint_uniform_cpu, gx.size, g, h0, kh, sh, plan.dh, w0, kw, sw, plan.dw, div, gx)


def scatter_cpu(g, idx, gx):
    run_cpu(_scatter_cpu, gx.size, g, idx, gx)


def gather_cpu(x, idx, y):
    run_cpu(_gather_cpu, x.size, x, idx, y)


# ============================================================================ cuda (Numba CUDA)

def _max_pool_cuda(x, hs, hc, dh, ws, wc, dw, y, idx):
    C, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    for t in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        ow = t % OW
        oh = (t // OW) % OH
        c = (t // (OW * OH)) % C
        n = t // (OW * OH * C)
        y[n, c, oh, ow], idx[n, c, oh, ow] = max_window_cuda(x, n, c, hs, hc, dh, ws, wc, dw, oh, ow)


def _avg_pool_cuda(x, hs, hc, dh, ws, wc, dw, div, y):
    C, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    for t in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        ow = t % OW
        oh = (t // OW) % OH
        c = (t // (OW * OH)) % C
        n = t // (OW * OH * C)
        y[n, c, oh, ow] = window_sum_cuda(x, n, c, hs, hc, dh, ws, wc, dw, oh, ow) / div[oh, ow]


def _avg_adjoint_cuda(g, hs, hc, dh, ws, wc, dw, div, gx):   # gx zero-filled by the caller
    C, OH, OW = g.shape[1], g.shape[2], g.shape[3]
    for t in range(cuda.grid(1), g.size, cuda.gridsize(1)):
        ow = t % OW
        oh = (t // OW) % OH
        c = (t // (OW * OH)) % C
        n = t // (OW * OH * C)
        v = g[n, c, oh, ow] / div[oh, ow]
        for a in range(hc[oh]):
            for b in range(wc[ow]):
                cuda.atomic.add(gx, (n, c, hs[oh] + a * dh, ws[ow] + b * dw), v)


def _scatter_cuda(g, idx, gx):          # flat views as _scatter_cpu; gx zero-filled
    C, L = g.shape[1], g.shape[2]
    for t in range(cuda.grid(1), g.size, cuda.gridsize(1)):
        k = t % L
        c = (t // L) % C
        n = t // (L * C)
        i = idx[n, c, k]
        if i >= 0:
            cuda.atomic.add(gx, (n, c, i), g[n, c, k])


def _gather_cuda(x, idx, y):            # flat views as _gather_cpu
    C, L = y.shape[1], y.shape[2]
    for t in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        k = t % L
        c = (t // L) % C
        n = t // (L * C)
        i = idx[n, c, k]
        y[n, c, k] = x[n, c, i] if i >= 0 else ZERO


def _on_device(plan, x):
    return plan.on(array_module(x))


def max_pool_cuda(x, plan, y, idx):
    _cuda.launch(_max_pool_cuda, y.size, x, *_on_device(plan, x), y, idx)


def avg_pool_cuda(x, plan, div, y):
    _cuda.launch(_avg_pool_cuda, y.size, x, *_on_device(plan, x), div, y)


def avg_adjoint_cuda(g, plan, div, gx):
    _cuda.launch(_avg_adjoint_cuda, g.size, g, *_on_device(plan, g), div, gx)


def scatter_cuda(g, idx, gx):
    _cuda.launch(_scatter_cuda, g.size, g, idx, gx)


def gather_cuda(x, idx, y):
    _cuda.launch(_gather_cuda, y.size, x, idx, y)


# ============================================================================ the variants

class PoolKernels(NamedTuple):
    """One variant of the family; every kernel writes into its last argument(s)."""
    max_pool: Callable      # (x, plan, y, idx)
    avg_pool: Callable      # (x, plan, div, y)
    avg_adjoint: Callable   # (g, plan, div, gx), gx zero-filled
    scatter: Callable       # (g, idx, gx) on flat (N, C, L) / (N, C, H*W) views, gx zero-filled
    gather: Callable        # (x, idx, y) on flat views


VARIANTS = {
    "reference": PoolKernels(max_pool_reference, avg_pool_reference, avg_adjoint_reference,
                             scatter_reference, gather_reference),
    "cpu": PoolKernels(max_pool_cpu, avg_pool_cpu, avg_adjoint_cpu, scatter_cpu, gather_cpu),
    "cuda": PoolKernels(max_pool_cuda, avg_pool_cuda, avg_adjoint_cuda, scatter_cuda, gather_cuda),
}


def _ptx_signatures():
    sigs = []
    for t in ("float32", "float64"):
        a4, a3, i4, i3 = f"{t}[:, :, :, ::1]", f"{t}[:, :, ::1]", "int64[:, :, :, ::1]", "int64[:, :, ::1]"
        plan = "int64[::1], int64[::1], int64, int64[::1], int64[::1], int64"
        sigs += [(_max_pool_cuda, f"void({a4}, {plan}, {a4}, {i4})"),
                 (_avg_pool_cuda, f"void({a4}, {plan}, {t}[:, ::1], {a4})"),
                 (_avg_adjoint_cuda, f"void({a4}, {plan}, {t}[:, ::1], {a4})"),
                 (_scatter_cuda, f"void({a3}, {i3}, {a3})"),
                 (_gather_cuda, f"void({a3}, {i3}, {a3})")]
    return sigs


PTX_SIGNATURES = _ptx_signatures()


# ============================================================================ the arrays and the Functions

def _flat(a):
    return a.reshape(a.shape[0], a.shape[1], a.shape[2] * a.shape[3])


def max_pool(x, plan, op="max_pool2d"):
    """(y, idx) of max pooling ``x`` over ``plan`` with the variant ``choose`` picks."""
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    y = xp.empty(x.shape[:2] + plan.out_hw, dtype=x.dtype)
    idx = xp.empty(y.shape, dtype=np.int64)
    VARIANTS[choose(op, x)].max_pool(x, plan, y, idx)
    return y, idx


def avg_pool(x, plan, div, op="avg_pool2d"):
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    y = xp.empty(x.shape[:2] + plan.out_hw, dtype=x.dtype)
    VARIANTS[choose(op, x)].avg_pool(x, plan, xp.asarray(div, dtype=x.dtype), y)
    return y


def avg_adjoint(g, plan, div, hw, op="avg_pool2d (backward)"):
    xp = array_module(g)
    g = xp.ascontiguousarray(g)
    gx = xp.zeros(g.shape[:2] + tuple(hw), dtype=g.dtype)
    VARIANTS[choose(op, g)].avg_adjoint(g, plan, xp.asarray(div, dtype=g.dtype), gx)
    return gx


def scatter(g, idx, hw, op="max_pool2d (backward)"):
    xp = array_module(g)
    g, idx = xp.ascontiguousarray(g), xp.ascontiguousarray(idx)
    gx = xp.zeros(g.shape[:2] + tuple(hw), dtype=g.dtype)
    VARIANTS[choose(op, g)].scatter(_flat(g), _flat(idx), _flat(gx))
    return gx


def gather(x, idx, op="max_pool2d (double backward)"):
    xp = array_module(x)
    x, idx = xp.ascontiguousarray(x), xp.ascontiguousarray(idx)
    y = xp.empty(idx.shape, dtype=x.dtype)
    VARIANTS[choose(op, x)].gather(_flat(x), _flat(idx), _flat(y))
    return y


class MaxPool(Function):
    """y = max over each window, idx = its argmax;  dx = PoolScatter(dy, idx)"""

    @staticmethod
    def forward(ctx, x, plan):
        y, idx = max_pool(x, PoolPlan.of(plan, x.shape[2:]))
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
        return scatter(g, idx, hw)

    @staticmethod
    def backward(ctx, G):
        return PoolGather.apply(G, ctx.idx), None, None


class PoolGather(Function):
    """y = x.flat[idx]  (per plane);  dx = PoolScatter(dy, idx)"""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.idx, ctx.hw = idx, x.shape[2:]
        return gather(x, idx)

    @staticmethod
    def backward(ctx, gy):
        return PoolScatter.apply(gy, ctx.idx, ctx.hw), None


class AvgPool(Function):
    """y = sum over each window / div;  dx = AvgPoolAdjoint(dy)"""

    @staticmethod
    def forward(ctx, x, plan, div):
        plan = PoolPlan.of(plan, x.shape[2:])
        ctx.plan, ctx.div, ctx.hw = plan, div, x.shape[2:]
        return avg_pool(x, plan, div)

    @staticmethod
    def backward(ctx, gy):
        return AvgPoolAdjoint.apply(gy, ctx.plan, ctx.div, ctx.hw), None, None


class AvgPoolAdjoint(Function):
    """gx[window] += g / div;  dg = AvgPool(dgx)"""

    @staticmethod
    def forward(ctx, g, plan, div, hw):
        plan = PoolPlan.of(plan, hw)
        ctx.plan, ctx.div = plan, div
        return avg_adjoint(g, plan, div, hw)

    @staticmethod
    def backward(ctx, G):
        return AvgPool.apply(G, ctx.plan, ctx.div), None, None, None


def unpool(y, idx, hw):
    """x = zeros(hw), x.flat[idx] = y per plane: one indexed assignment on any device (a repeated
    index keeps one of its values, as PyTorch's max_unpool2d; the values of overlapping max-pool
    windows that share their argmax are equal)."""
    xp = array_module(y)
    N, C, L = y.shape[0], y.shape[1], math.prod(y.shape[2:])
    x = xp.zeros((N, C, hw[0] * hw[1]), dtype=y.dtype)
    x[xp.arange(N).reshape(N, 1, 1), xp.arange(C).reshape(1, C, 1), idx.reshape(N, C, L)] = y.reshape(N, C, L)
    return x.reshape((N, C) + tuple(hw))


class MaxUnpool(Function):
    """x = zeros(hw), x.flat[idx] = y  (per plane);  dy = PoolGather(dx, idx)"""

    @staticmethod
    def forward(ctx, y, idx, hw):
        ctx.idx = idx
        return unpool(y, idx, hw)

    @staticmethod
    def backward(ctx, gx):
        return PoolGather.apply(gx, ctx.idx), None, None
