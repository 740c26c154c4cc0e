"""Scaled dot-product attention: softmax(q k^T * scale + mask) v, in three variants.

* ``reference`` -- materialises the L x S scores and is made of differentiable primitives:
  the text to read first, the oracle in tests, and the path for higher-order gradients,
  ``dropout_p > 0`` and a float mask that requires grad.
* ``cpu`` -- fused in the flash-attention manner (Dao et al. 2022, FlashAttention-2's loop
  order): for each block of BLOCK_Q queries, walk over blocks of BLOCK_K keys keeping a
  running row maximum m, a running sum l and an unnormalised output; when a block raises the
  maximum, rescale what was accumulated by exp(m_old - m_new) (the "online softmax"). Only
  the output and the per-row log-sum-exp lse = m + log(l) are kept. The backward pass
  recomputes each block of probabilities as P = exp(s - lse) and forms
  dV += P^T dO, dP = dO V^T, dS = P * (dP - D) with D = rowsum(dO * O), dQ += dS K * scale,
  dK += dS^T Q * scale. Matrix products of blocks go to BLAS (``np.dot``); Numba does the
  softmax arithmetic around them, in parallel over batch * heads. With ``is_causal`` the key
  blocks entirely above the diagonal are never visited, so causal attention does about half
  the work. Nothing of size L x S is ever allocated.
* ``cuda`` -- the same algorithm with Numba's CUDA target, key blocks staged through shared
  memory (``attention_cuda.py``).

Fully masked rows (a query that may attend no key) give NaN in every variant -- the value of
softmax over an empty set, as PyTorch's math path gives -- never a silent number.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from . import variant_for
from ._fastexp import fast_exp
from ..autograd import grad_mode
from ..autograd.function import Function

BLOCK_Q = 64      # query rows per block (at most; fewer for head dims > 64, see _blocks)
BLOCK_K = 64      # keys per block
_BLAS_SERIAL_MNK = 65536 * 4   # OpenBLAS runs a GEMM with M*N*K up to this on the calling thread


def _blocks(E, Ev):
    """Block sizes whose GEMMs stay under OpenBLAS's threading threshold: a threaded OpenBLAS
    call from inside Numba's parallel region detects the OpenMP loop and serialises (measured:
    50-80x slower), so every block product must run on the calling thread."""
    bq = BLOCK_Q
    while bq > 8 and bq * BLOCK_K * max(E, Ev) > _BLAS_SERIAL_MNK:
        bq //= 2
    return bq, BLOCK_K
_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}   # not nnan/ninf: -inf means "masked"


# ----------------------------------------------------------------------------- reference

def attention_reference(q, k, v, mask=None, dropout_p=0.0, is_causal=False, scale=None, generator=None):
    """softmax(q k^T * scale + mask) v on Tensors, materialising the (..., L, S) scores.

    ``mask``: None, a bool Tensor/array (True = may attend) or an additive float Tensor,
    broadcastable to (..., L, S). Differentiable to any order (it is made of primitives).
    """
    from .. import ops
    from ..tensor import Tensor
    L, S = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.mT) * scale                                   # (..., L, S)
    if is_causal:                                                 # key j visible to query i iff j <= i
        above = np.triu(np.ones((L, S), dtype=bool), 1)
        scores = ops.masked_fill(scores, Tensor(_to_device(above, q.data)), float("-inf"))
    if mask is not None:
        if mask.dtype.kind == "b":
            scores = ops.masked_fill(scores, ~mask, float("-inf"))
        else:
            scores = scores + mask
    attn = ops.softmax(scores, -1)
    if dropout_p > 0.0:                                           # inverted dropout on the weights
        from ..backend import seed_generators_of
        rng = seed_generators_of(q.device, generator)
        keep = rng.random(attn.shape) >= dropout_p
        attn = attn * Tensor((keep / (1.0 - dropout_p)).astype(attn.data.dtype))
    return attn @ v


def _to_device(arr, like):
    from ..backend import array_module
    return array_module(like).asarray(arr)


# ----------------------------------------------------------------------------- the fused Function

class FusedAttention(Function):
    """softmax(q k^T s + bias) v on (B, L, E), (B, S, E), (B, S, Ev) arrays;
    d/dv = P^T dO, d/dq = s dS k, d/dk = s dS^T q with dS = P * (dO v^T - rowsum(dO * O))."""

    @staticmethod
    def forward(ctx, q, k, v, bias, bmap, is_causal, scale, variant):
        xp = np if variant == "cpu" else _cupy()
        q, k, v = (xp.ascontiguousarray(a) for a in (q, k, v))
        impl = _cpu_forward if variant == "cpu" else _cuda_impl().forward
        out, lse = impl(q, k, v, bias, bmap, is_causal, scale)
        ctx.args = (bias, bmap, is_causal, scale, variant)
        ctx.save_for_backward(q, k, v, out, lse)
        return out

    @staticmethod
    def backward(ctx, g):
        from ..tensor import Tensor
        if grad_mode.is_grad_enabled():
            raise RuntimeError("scaled_dot_product_attention: the fused kernel has no higher-order "
                               "gradients (create_graph=True); use minigrad.kernels.use('reference'), "
                               "whose composite attention supports them")
        bias, bmap, is_causal, scale, variant = ctx.args
        q, k, v, out, lse = (t.data for t in ctx.saved_tensors)
        xp = np if variant == "cpu" else _cupy()
        impl = _cpu_backward if variant == "cpu" else _cuda_impl().backward
        dq, dk, dv = impl(q, k, v, out, lse, xp.ascontiguousarray(g.data), bias, bmap, is_causal, scale)
        return Tensor(dq), Tensor(dk), Tensor(dv), None, None, None, None, None


def _cupy():
    import cupy
    return cupy


def _cuda_impl():
    from . import attention_cuda
    return attention_cuda


def kernel_bias(mask, batch_shape, dtype, xp):
    """A mask broadcastable to batch_shape + (L, S) -> what the fused kernels read:
    ``bias`` (Bm, Lm, Sm) additive (0 / -inf for a bool mask; Lm, Sm are 1 or L, S) and
    ``bmap`` (B,) int64, the bias batch row of each of the B = prod(batch_shape) problems.
    Never broadcasts the mask itself: a (L, S) mask stays one (1, L, S) array."""
    if mask is None:
        return xp.zeros((1, 1, 1), dtype=dtype), xp.zeros(max(1, int(np.prod(batch_shape))), dtype=np.int64)
    nb = len(batch_shape)
    m = mask.reshape((1,) * (nb + 2 - mask.ndim) + tuple(mask.shape))
    if m.dtype.kind == "b":          # built in the target dtype: no float64 temporary of the mask's size
        m = xp.where(m, xp.asarray(0.0, dtype=dtype), xp.asarray(-np.inf, dtype=dtype))
    else:
        m = m.astype(dtype, copy=False)
    mb = m.shape[:nb]
    n = int(np.prod(mb))
    bias = xp.ascontiguousarray(m.reshape((n,) + m.shape[nb:]))
    bmap = np.broadcast_to(np.arange(n, dtype=np.int64).reshape(mb), batch_shape).ravel()
    return bias, xp.asarray(bmap.copy())


# ----------------------------------------------------------------------------- cpu: Numba

@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _scores_block(s, bias, bm, has_bias, causal, scale, i0, j0):
    """s = q_i k_j^T -> s * scale (+ bias) with -inf where key j0+c is above query i0+r."""
    nr, nc = s.shape
    li = 1 if bias.shape[1] > 1 else 0
    lj = 1 if bias.shape[2] > 1 else 0
    diag = causal and j0 + nc - 1 > i0
    for r in range(nr):
        for c in range(nc):
            x = s[r, c] * scale
            if has_bias:
                x += bias[bm, (i0 + r) * li, (j0 + c) * lj]
            if diag and j0 + c > i0 + r:
                x = -np.inf
            s[r, c] = x


@njit(cache=True, parallel=True, fastmath=_FASTMATH)
def _cpu_forward_kernel(q, k, v, bias, bmap, has_bias, causal, scale, out, lse, BQ, BK):
    B, L, _ = q.shape
    S, Ev = k.shape[1], v.shape[2]
    neg_inf = q.dtype.type(-np.inf)
    for b in prange(B):
        sbuf = np.empty(BQ * BK, q.dtype)
        pvbuf = np.empty(BQ * Ev, q.dtype)
        acc = np.empty((BQ, Ev), q.dtype)
        m = np.empty(BQ, q.dtype)
        l = np.empty(BQ, q.dtype)
        for i0 in range(0, L, BQ):
            i1 = min(i0 + BQ, L)
            nr = i1 - i0
            acc[:nr] = 0.0
            m[:nr] = neg_inf
            l[:nr] = 0.0
            jend = min(S, i1) if causal else S          # causal: key blocks above the diagonal skipped
            for j0 in range(0, jend, BK):
                j1 = min(j0 + BK, jend)
                nc = j1 - j0
                s = sbuf[:nr * nc].reshape((nr, nc))
                np.dot(q[b, i0:i1], k[b, j0:j1].T, s)
                _scores_block(s, bias, bmap[b], has_bias, causal, scale, i0, j0)
                for r in range(nr):                     # online softmax, row by row
                    mx = neg_inf
                    for c in range(nc):
                        mx = max(mx, s[r, c])
                    m_new = max(m[r], mx)
                    if m_new == neg_inf:                # nothing visible yet in this row
                        s[r, :] = 0.0
                        continue
                    alpha = fast_exp(m[r] - m_new)      # rescales what was accumulated
                    tot = q.dtype.type(0.0)
                    for c in range(nc):
                        p = fast_exp(s[r, c] - m_new)
                        s[r, c] = p
                        tot += p
                    l[r] = l[r] * alpha + tot
                    m[r] = m_new
                    for e in range(Ev):
                        acc[r, e] *= alpha
                pv = pvbuf[:nr * Ev].reshape((nr, Ev))
                np.dot(s, v[b, j0:j1], pv)
                for r in range(nr):
                    for e in range(Ev):
                        acc[r, e] += pv[r, e]
            for r in range(nr):
                if l[r] == 0.0:                         # a fully masked row: NaN, by definition
                    out[b, i0 + r, :] = np.nan
                    lse[b, i0 + r] = np.nan
                else:
                    inv = 1.0 / l[r]
                    for e in range(Ev):
                        out[b, i0 + r, e] = acc[r, e] * inv
                    lse[b, i0 + r] = m[r] + math.log(l[r])


@njit(cache=True, parallel=True, fastmath=_FASTMATH)
def _cpu_backward_kernel(q, k, v, out, lse, do, bias, bmap, has_bias, causal, scale, dq, dk, dv, BQ, BK):
    B, L, E = q.shape
    S, Ev = k.shape[1], v.shape[2]
    for b in prange(B):
        D = np.empty(L, q.dtype)                        # D_i = sum_e dO_ie O_ie
        for i in range(L):
            acc = q.dtype.type(0.0)
            for e in range(Ev):
                acc += do[b, i, e] * out[b, i, e]
            D[i] = acc
        pbuf = np.empty(BQ * BK, q.dtype)
        dpbuf = np.empty(BQ * BK, q.dtype)
        tv = np.empty(BK * Ev, q.dtype)
        tk = np.empty(BK * E, q.dtype)
        tq = np.empty(BQ * E, q.dtype)
        dq[b] = 0.0
        for j0 in range(0, S, BK):
            j1 = min(j0 + BK, S)
            nc = j1 - j0
            dk[b, j0:j1] = 0.0
            dv[b, j0:j1] = 0.0
            istart = (j0 // BQ) * BQ if causal else 0   # query blocks that see key j0..
            for i0 in range(istart, L, BQ):
                i1 = min(i0 + BQ, L)
                nr = i1 - i0
                p = pbuf[:nr * nc].reshape((nr, nc))
                np.dot(q[b, i0:i1], k[b, j0:j1].T, p)
                _scores_block(p, bias, bmap[b], has_bias, causal, scale, i0, j0)
                for r in range(nr):                     # P = exp(s - lse), recomputed
                    x = lse[b, i0 + r]
                    if x != x:
                        p[r, :] = np.nan
                    else:
                        for c in range(nc):
                            p[r, c] = fast_exp(p[r, c] - x)
                t = tv[:nc * Ev].reshape((nc, Ev))      # dV_j += P^T dO_i
                np.dot(p.T, do[b, i0:i1], t)
                dv[b, j0:j1] += t
                dp = dpbuf[:nr * nc].reshape((nr, nc))  # dP = dO_i V_j^T;  dS = P (dP - D) scale
                np.dot(do[b, i0:i1], v[b, j0:j1].T, dp)
                for r in range(nr):
                    d = D[i0 + r]
                    for c in range(nc):
                        dp[r, c] = p[r, c] * (dp[r, c] - d) * scale
                t = tq[:nr * E].reshape((nr, E))        # dQ_i += dS K_j
                np.dot(dp, k[b, j0:j1], t)
                dq[b, i0:i1] += t
                t = tk[:nc * E].reshape((nc, E))        # dK_j += dS^T Q_i
                np.dot(dp.T, q[b, i0:i1], t)
                dk[b, j0:j1] += t


def _cpu_forward(q, k, v, bias, bmap, is_causal, scale):
    B, L, _ = q.shape
    out = np.empty((B, L, v.shape[2]), dtype=q.dtype)
    lse = np.empty((B, L), dtype=q.dtype)
    _cpu_forward_kernel(q, k, v, bias, bmap, has_bias(bias), bool(is_causal), q.dtype.type(scale), out, lse,
                        *_blocks(q.shape[2], v.shape[2]))
    return out, lse


def _cpu_backward(q, k, v, out, lse, do, bias, bmap, is_causal, scale):
    dq, dk, dv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
    _cpu_backward_kernel(q, k, v, out, lse, do, bias, bmap, has_bias(bias), bool(is_causal), q.dtype.type(scale), dq, dk, dv,
                         *_blocks(q.shape[2], v.shape[2]))
    return dq, dk, dv


def has_bias(bias):
    """False for the (1, 1, 1) zero bias that stands for "no mask" (the kernels skip it)."""
    return bias.size > 1 or bool(bias.reshape(-1)[0] != 0)


# ----------------------------------------------------------------------------- dispatch

def fused_attention(q, k, v, mask, is_causal, scale):
    """The fused path on Tensors of shapes (..., L, E), (..., S, E), (..., S, Ev) (batch dims
    broadcast); ``mask`` is None or an array. Returns a Tensor (..., L, Ev)."""
    batch = tuple(np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2]))
    n = int(np.prod(batch))
    L, S, E, Ev = q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1]
    q3 = q.expand(batch + (L, E)).reshape(n, L, E)
    k3 = k.expand(batch + (S, E)).reshape(n, S, E)
    v3 = v.expand(batch + (S, Ev)).reshape(n, S, Ev)
    variant = variant_for(q.data)
    from ..backend import array_module
    bias, bmap = kernel_bias(mask, batch, q.data.dtype, array_module(q.data))
    out = FusedAttention.apply(q3, k3, v3, bias, bmap, is_causal, scale, variant)
    return out.reshape(batch + (L, Ev))
