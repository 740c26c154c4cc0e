"""Scaled dot-product attention, fused: softmax(q k^T * scale + bias) v without the L x S scores.

On (B, L, E) queries, (B, S, E) keys and (B, S, Ev) values, for every problem b::

    s_ij = scale * q_i . k_j + bias_ij          (-inf above the diagonal with is_causal: j > i)
    P_ij = exp(s_ij - lse_i),  lse_i = log sum_j exp(s_ij)
    O_i  = sum_j P_ij v_j

and backward, with D_i = sum_e dO_ie O_ie::

    dv_j = sum_i P_ij dO_i      dP_ij = dO_i . v_j      dS_ij = P_ij (dP_ij - D_i)
    dq_i = scale sum_j dS_ij k_j                        dk_j = scale sum_i dS_ij q_i

``bias`` is (Bm, Lm, Sm) additive (0 / -inf for a bool mask; Lm, Sm are 1 or L, S) and
``bmap`` (B,) names the bias row of each problem, so a (L, S) mask is never broadcast
(``kernel_bias`` builds both). Edge cases, as PyTorch 2.13: a query that may attend no key
(every score -inf) gives output 0 and passes no gradient; a NaN in q, k, v or the mask makes
NaN every output it reaches -- also through a masked key, since the mask is added.

Variants:
* ``reference``: NumPy, the scores materialised: the text to read first, the oracle in tests.
* ``cpu``: fused in the flash-attention manner (Dao et al. 2022, FlashAttention-2's loop
  order): for each block of BLOCK_Q queries, walk over blocks of BLOCK_K keys keeping a
  running row maximum m, a running sum l and an unnormalised output; when a block raises the
  maximum, rescale what was accumulated by exp(m_old - m_new) (the "online softmax"). Only the
  output and lse are kept; backward recomputes each block of probabilities from lse. Block
  products go to BLAS (``np.dot``, BLAS held at one thread), Numba does the softmax arithmetic
  around them, in parallel over the problems; blocks are sized to stay in L2 (``_blocks``).
  With ``is_causal`` the key blocks above the diagonal are never visited.
* ``cuda``: the same algorithm, one thread per query row (forward, dq) or key row (dk, dv), a
  block of TILE threads staging TILE rows of the other operand through shared memory.
The per-score math (``score``, ``nan_max``, ``row_end``) is written once for both targets.

``FusedAttention`` is the Function; under ``create_graph=True`` its backward differentiates
``attention_composite`` (Tensor ops), which is also the path for dropout and for a float mask
that requires grad.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np
from numba import njit, prange

from ..autograd import grad_mode
from ..autograd.function import Function
from .. import ops
from ..backend import array_module, seed_generators_of
from ..tensor import Tensor
from ..threads import blas_single_thread, blas_threads_settable
from . import UnsupportedConfig, _cuda, choose, composite_backward
from ._math import INF, ONE, ZERO, fast_exp

cuda = None   # numba.cuda, bound by _cuda on first CUDA use

BLOCK_Q = 128     # cpu: query rows per block (at most; fewer for large head dims, see _blocks)
BLOCK_K = 128     # cpu: keys per block (at most)
CACHE_BYTES = 512 * 1024   # cpu: one thread's block working set, well inside a core's L2
TILE = 32         # cuda: threads per block = rows staged per shared tile
MAX_DIM = 128     # cuda: largest head dim E or Ev


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


def has_bias(bias):
    """False for the (1, 1, 1) zero bias that stands for "no mask" (the kernels skip it)."""
    return bias.size > 1 or (bias.size == 1 and bool(bias.reshape(1)[0] != 0))


# ============================================================================ reference (NumPy)

def _scores_reference(q, k, bias, bmap, is_causal, scale):
    xp = array_module(q)
    L, S = q.shape[1], k.shape[1]
    s = xp.matmul(q, k.transpose(0, 2, 1)) * q.dtype.type(scale) + bias[bmap]
    if is_causal:                                   # key j visible to query i iff j <= i
        s = xp.where(xp.asarray(np.triu(np.ones((L, S), dtype=bool), 1)), q.dtype.type(-np.inf), s)
    return s


def attention_forward_reference(q, k, v, bias, bmap, is_causal, scale):
    """out = softmax(s) v and lse = log sum exp(s) per row, from the materialised scores."""
    xp = array_module(q)
    s = _scores_reference(q, k, bias, bmap, is_causal, scale)
    m = s.max(axis=2, keepdims=True) if s.shape[2] else xp.full(s.shape[:2] + (1,), -np.inf, s.dtype)
    m = xp.where(m == -np.inf, q.dtype.type(0), m)  # a row with no visible key: p = 0 below
    p = xp.exp(s - m)
    l = p.sum(axis=2, keepdims=True)
    empty = l == 0                                  # (NaN rows are not empty: NaN stays NaN)
    out = xp.where(empty, q.dtype.type(0), xp.matmul(p, v) / xp.where(empty, 1, l))
    lse = xp.where(empty, q.dtype.type(np.inf), m + xp.log(xp.where(empty, 1, l)))
    return out, lse[..., 0]


def attention_backward_reference(q, k, v, out, lse, do, bias, bmap, is_causal, scale):
    xp = array_module(q)
    p = xp.exp(_scores_reference(q, k, bias, bmap, is_causal, scale) - lse[..., None])
    D = (do * out).sum(axis=2, keepdims=True)
    ds = p * (xp.matmul(do, v.transpose(0, 2, 1)) - D) * q.dtype.type(scale)
    return xp.matmul(ds, k), xp.matmul(ds.transpose(0, 2, 1), q), xp.matmul(p.transpose(0, 2, 1), do)


# ============================================================================ per-score math (CPU and CUDA)

def score(dot, scale, bias, bm, i, j, has_bias, causal):
    """The score of query i and key j from their dot product: scaled, biased (the bias row
    ``bm``, broadcast along its size-1 dims), -inf above the diagonal when causal."""
    x = dot * scale
    if has_bias:
        x += bias[bm, i if bias.shape[1] > 1 else 0, j if bias.shape[2] > 1 else 0]
    if causal and j > i:
        x = -INF
    return x


def nan_max(a, b):
    """max(a, b), NaN winning (so that a NaN score reaches the row's output)."""
    return a if (a > b or a != a) else b


def row_end(m, l):
    """(1 / l, lse = m + log l) of a finished row; a row that saw no key: (0, +inf), which
    makes its output 0 and its recomputed probabilities exp(s - inf) = 0."""
    if l == ZERO:
        return ZERO, INF
    return ONE / l, m + math.log(l)


score_cpu = njit(inline="always", cache=True)(score)
nan_max_cpu = njit(inline="always", cache=True)(nan_max)
row_end_cpu = njit(inline="always", cache=True)(row_end)
score_cuda = _cuda.device(score)
nan_max_cuda = _cuda.device(nan_max)
row_end_cuda = _cuda.device(row_end)


# ============================================================================ cpu (Numba + BLAS)

_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}   # not nnan/ninf: -inf means "masked"
_BLAS_SERIAL_MNK = 65536 * 4   # OpenBLAS runs a GEMM with M*N*K up to this on the calling thread


def _blocks(E, Ev, itemsize, blas_pinned=True):
    """(BQ, BK): the largest query and key blocks, up to BLOCK_Q x BLOCK_K, whose working set
    (the score and dP blocks, and the q, k, v, dO rows they are made of) fits CACHE_BYTES, so a
    long sequence goes through L2 in few, large block products.

    The kernels run with BLAS held at one thread (``blas_pinned``): a threaded OpenBLAS call
    from inside Numba's parallel region detects the OpenMP loop and serialises (measured: 50-80x
    slower). Where BLAS's threads cannot be set, every block product stays under OpenBLAS's
    threading threshold instead, so that it runs on the calling thread."""
    d = max(E, Ev)
    bq, bk = BLOCK_Q, BLOCK_K
    while bq > 8 or bk > 8:
        fits = itemsize * (2 * bq * bk + 2 * (bq + bk) * d) <= CACHE_BYTES
        if fits and (blas_pinned or bq * bk * d <= _BLAS_SERIAL_MNK):
            break
        if bq >= bk:
            bq //= 2
        else:
            bk //= 2
    return bq, bk


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _scores_block(s, bias, bm, has_bias, causal, scale, i0, j0):
    """s = q_i k_j^T -> the scores of queries i0.. and keys j0.., in place."""
    nr, nc = s.shape
    for r in range(nr):
        for c in range(nc):
            s[r, c] = score_cpu(s[r, c], scale, bias, bm, i0 + r, j0 + c, has_bias, causal)


@njit(cache=True, parallel=True, fastmath=_FASTMATH, error_model="numpy")
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
                        mx = nan_max_cpu(s[r, c], mx)
                    m_new = nan_max_cpu(mx, m[r])
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
                inv, lse[b, i0 + r] = row_end_cpu(m[r], l[r])
                for e in range(Ev):
                    out[b, i0 + r, e] = acc[r, e] * inv


@njit(cache=True, parallel=True, fastmath=_FASTMATH, error_model="numpy")
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


def attention_forward_cpu(q, k, v, bias, bmap, is_causal, scale):
    B, L, _ = q.shape
    out = np.empty((B, L, v.shape[2]), dtype=q.dtype)
    lse = np.empty((B, L), dtype=q.dtype)
    with blas_single_thread():
        _cpu_forward_kernel(q, k, v, bias, bmap, has_bias(bias), bool(is_causal), q.dtype.type(scale), out, lse,
                            *_blocks(q.shape[2], v.shape[2], q.itemsize, blas_threads_settable()))
    return out, lse


def attention_backward_cpu(q, k, v, out, lse, do, bias, bmap, is_causal, scale):
    dq, dk, dv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
    with blas_single_thread():
        _cpu_backward_kernel(q, k, v, out, lse, do, bias, bmap, has_bias(bias), bool(is_causal), q.dtype.type(scale),
                             dq, dk, dv, *_blocks(q.shape[2], v.shape[2], q.itemsize, blas_threads_settable()))
    return dq, dk, dv


# ============================================================================ cuda (Numba CUDA)
# Each kernel strides over tiles: item = b * n_tiles + tile, one block of TILE threads a tile;
# thread t owns row tile * TILE + t and stages that row of the other operand into shared memory.

def _stage(shared, src, b, r0, n, t, width):
    """Thread t copies row r0 + t of src[b] (if there is one) into row t of ``shared``."""
    if r0 + t < n:
        for e in range(width):
            shared[t, e] = src[b, r0 + t, e]


def _load(dst, src, b, r, width):
    for e in range(width):
        dst[e] = src[b, r, e]


def _dot(a, rows, r, width):
    """a . rows[r, :width]"""
    s = rows.dtype.type(0)
    for e in range(width):
        s += a[e] * rows[r, e]
    return s


def _axpy(acc, p, rows, r, width):
    """acc[:width] += p * rows[r, :width]"""
    for e in range(width):
        acc[e] += p * rows[r, e]


stage_cuda, load_cuda, dot_cuda, axpy_cuda = (_cuda.device(f) for f in (_stage, _load, _dot, _axpy))


def _cuda_forward(q, k, v, bias, bmap, has_bias, causal, scale, out, lse):
    B, L, E = q.shape
    S, Ev = k.shape[1], v.shape[2]
    t = cuda.threadIdx.x
    ks = cuda.shared.array((TILE, MAX_DIM), q.dtype)
    vs = cuda.shared.array((TILE, MAX_DIM), q.dtype)
    qi = cuda.local.array(MAX_DIM, q.dtype)
    acc = cuda.local.array(MAX_DIM, q.dtype)
    sc = cuda.local.array(TILE, q.dtype)
    n_tiles = (L + TILE - 1) // TILE
    for item in range(cuda.blockIdx.x, B * n_tiles, cuda.gridDim.x):
        b, i0 = item // n_tiles, (item % n_tiles) * TILE
        i = i0 + t
        if i < L:
            load_cuda(qi, q, b, i, E)
        for e in range(Ev):
            acc[e] = 0
        m = q.dtype.type(-math.inf)
        l = q.dtype.type(0)
        jend = min(S, min(L, i0 + TILE)) if causal else S    # causal: not past the tile's last query
        for j0 in range(0, jend, TILE):
            stage_cuda(ks, k, b, j0, S, t, E)
            stage_cuda(vs, v, b, j0, S, t, Ev)
            cuda.syncthreads()
            if i < L:
                nc = min(TILE, jend - j0)
                mx = q.dtype.type(-math.inf)
                for c in range(nc):
                    sc[c] = score_cuda(dot_cuda(qi, ks, c, E), scale, bias, bmap[b], i, j0 + c, has_bias, causal)
                    mx = nan_max_cuda(sc[c], mx)
                m_new = nan_max_cuda(mx, m)
                if m_new != -math.inf:                        # online softmax
                    alpha = math.exp(m - m_new)
                    l *= alpha
                    for e in range(Ev):
                        acc[e] *= alpha
                    for c in range(nc):
                        p = math.exp(sc[c] - m_new)
                        l += p
                        axpy_cuda(acc, p, vs, c, Ev)
                    m = m_new
            cuda.syncthreads()
        if i < L:
            inv, lse[b, i] = row_end_cuda(m, l)
            for e in range(Ev):
                out[b, i, e] = acc[e] * inv


def _cuda_backward_dq(q, k, v, out, lse, do, bias, bmap, has_bias, causal, scale, dq, D):
    B, L, E = q.shape
    S, Ev = k.shape[1], v.shape[2]
    t = cuda.threadIdx.x
    ks = cuda.shared.array((TILE, MAX_DIM), q.dtype)
    vs = cuda.shared.array((TILE, MAX_DIM), q.dtype)
    qi = cuda.local.array(MAX_DIM, q.dtype)
    doi = cuda.local.array(MAX_DIM, q.dtype)
    dqi = cuda.local.array(MAX_DIM, q.dtype)
    n_tiles = (L + TILE - 1) // TILE
    for item in range(cuda.blockIdx.x, B * n_tiles, cuda.gridDim.x):
        b, i0 = item // n_tiles, (item % n_tiles) * TILE
        i = i0 + t
        d = q.dtype.type(0)
        x = q.dtype.type(0)
        if i < L:
            load_cuda(qi, q, b, i, E)
            load_cuda(doi, do, b, i, Ev)
            for e in range(E):
                dqi[e] = 0
            for e in range(Ev):
                d += doi[e] * out[b, i, e]
            D[b, i] = d                                       # D_i = dO_i . O_i, for dkdv
            x = lse[b, i]
        jend = min(S, min(L, i0 + TILE)) if causal else S
        for j0 in range(0, jend, TILE):
            stage_cuda(ks, k, b, j0, S, t, E)
            stage_cuda(vs, v, b, j0, S, t, Ev)
            cuda.syncthreads()
            if i < L:
                for c in range(min(TILE, jend - j0)):
                    s = score_cuda(dot_cuda(qi, ks, c, E), scale, bias, bmap[b], i, j0 + c, has_bias, causal)
                    p = math.exp(s - x)
                    axpy_cuda(dqi, p * (dot_cuda(doi, vs, c, Ev) - d) * scale, ks, c, E)
            cuda.syncthreads()
        if i < L:
            for e in range(E):
                dq[b, i, e] = dqi[e]


def _cuda_backward_dkdv(q, k, v, lse, do, D, bias, bmap, has_bias, causal, scale, dk, dv):
    B, L, E = q.shape
    S, Ev = k.shape[1], v.shape[2]
    t = cuda.threadIdx.x
    qs = cuda.shared.array((TILE, MAX_DIM), q.dtype)
    dos = cuda.shared.array((TILE, MAX_DIM), q.dtype)
    xs = cuda.shared.array(TILE, q.dtype)
    ds_ = cuda.shared.array(TILE, q.dtype)
    kj = cuda.local.array(MAX_DIM, q.dtype)
    vj = cuda.local.array(MAX_DIM, q.dtype)
    dkj = cuda.local.array(MAX_DIM, q.dtype)
    dvj = cuda.local.array(MAX_DIM, q.dtype)
    n_tiles = (S + TILE - 1) // TILE
    for item in range(cuda.blockIdx.x, B * n_tiles, cuda.gridDim.x):
        b, j0 = item // n_tiles, (item % n_tiles) * TILE
        j = j0 + t
        if j < S:
            load_cuda(kj, k, b, j, E)
            load_cuda(vj, v, b, j, Ev)
        for e in range(E):
            dkj[e] = 0
        for e in range(Ev):
            dvj[e] = 0
        istart = j0 if causal else 0                         # earlier queries cannot see these keys
        for i0 in range(istart, L, TILE):
            stage_cuda(qs, q, b, i0, L, t, E)                # stage TILE queries, dO, lse, D
            stage_cuda(dos, do, b, i0, L, t, Ev)
            if i0 + t < L:
                xs[t] = lse[b, i0 + t]
                ds_[t] = D[b, i0 + t]
            cuda.syncthreads()
            if j < S:
                for r in range(min(TILE, L - i0)):
                    s = score_cuda(dot_cuda(kj, qs, r, E), scale, bias, bmap[b], i0 + r, j, has_bias, causal)
                    p = math.exp(s - xs[r])
                    axpy_cuda(dvj, p, dos, r, Ev)
                    axpy_cuda(dkj, p * (dot_cuda(vj, dos, r, Ev) - ds_[r]) * scale, qs, r, E)
            cuda.syncthreads()
        if j < S:
            for e in range(E):
                dk[b, j, e] = dkj[e]
            for e in range(Ev):
                dv[b, j, e] = dvj[e]


def _check_dims(q, v):
    if q.shape[2] > MAX_DIM or v.shape[2] > MAX_DIM:
        raise UnsupportedConfig(f"scaled_dot_product_attention: the 'cuda' kernel variant supports head dims "
                                f"up to {MAX_DIM}, got E={q.shape[2]} and Ev={v.shape[2]}")


def _tiles(B, n):
    return B * ((n + TILE - 1) // TILE) * TILE          # threads for B * ceil(n / TILE) tiles


def attention_forward_cuda(q, k, v, bias, bmap, is_causal, scale):
    _check_dims(q, v)
    xp = array_module(q)
    B, L, _ = q.shape
    out = xp.empty((B, L, v.shape[2]), dtype=q.dtype)
    lse = xp.empty((B, L), dtype=q.dtype)
    _cuda.launch(_cuda_forward, _tiles(B, L), q, k, v, bias, bmap, has_bias(bias), bool(is_causal),
                 q.dtype.type(scale), out, lse, block=TILE)
    return out, lse


def attention_backward_cuda(q, k, v, out, lse, do, bias, bmap, is_causal, scale):
    xp = array_module(q)
    B, L, _ = q.shape
    dq, dk, dv = xp.empty_like(q), xp.empty_like(k), xp.empty_like(v)
    D = xp.empty((B, L), dtype=q.dtype)
    hb, c, sc = has_bias(bias), bool(is_causal), q.dtype.type(scale)
    _cuda.launch(_cuda_backward_dq, _tiles(B, L), q, k, v, out, lse, do, bias, bmap, hb, c, sc, dq, D, block=TILE)
    _cuda.launch(_cuda_backward_dkdv, _tiles(B, k.shape[1]), q, k, v, lse, do, D, bias, bmap, hb, c, sc, dk, dv,
                 block=TILE)
    return dq, dk, dv


# ============================================================================ the variants

class AttentionKernels(NamedTuple):
    """One variant of the family, on (B, L, E), (B, S, E), (B, S, Ev) arrays."""
    forward: Callable    # (q, k, v, bias, bmap, is_causal, scale) -> (out, lse)
    backward: Callable   # (q, k, v, out, lse, do, bias, bmap, is_causal, scale) -> (dq, dk, dv)


VARIANTS = {
    "reference": AttentionKernels(attention_forward_reference, attention_backward_reference),
    "cpu": AttentionKernels(attention_forward_cpu, attention_backward_cpu),
    "cuda": AttentionKernels(attention_forward_cuda, attention_backward_cuda),
}


def _ptx_signatures():
    sigs = []
    for t in ("float32", "float64"):
        a3, a2, f = f"{t}[:, :, ::1]", f"{t}[:, ::1]", "int64[::1], boolean, boolean"
        sigs += [(_cuda_forward, f"void({a3}, {a3}, {a3}, {a3}, {f}, {t}, {a3}, {a2})"),
                 (_cuda_backward_dq, f"void({a3}, {a3}, {a3}, {a3}, {a2}, {a3}, {a3}, {f}, {t}, {a3}, {a2})"),
                 (_cuda_backward_dkdv, f"void({a3}, {a3}, {a3}, {a2}, {a3}, {a2}, {a3}, {f}, {t}, {a3}, {a3})")]
    return sigs


PTX_SIGNATURES = _ptx_signatures()


# ============================================================================ the Function

class FusedAttention(Function):
    """softmax(q k^T s + bias) v on (B, L, E), (B, S, E), (B, S, Ev) arrays;
    d/dv = P^T dO, d/dq = s dS k, d/dk = s dS^T q with dS = P * (dO v^T - rowsum(dO * O))."""

    @staticmethod
    def forward(ctx, q, k, v, bias, bmap, is_causal, scale):
        ctx.variant = choose("scaled_dot_product_attention", q, has_composite=True)
        ctx.args = (bias, bmap, is_causal, scale)
        if ctx.variant == "composite":
            with grad_mode.no_grad():
                out = _composite_3d(Tensor(q), Tensor(k), Tensor(v), bias, bmap, is_causal, scale).data
            lse = None
        else:
            xp = array_module(q)
            out, lse = VARIANTS[ctx.variant].forward(*(xp.ascontiguousarray(a) for a in (q, k, v)),
                                                     bias, bmap, is_causal, scale)
        ctx.save_for_backward(q, k, v, out, lse)
        return out

    @staticmethod
    def backward(ctx, g):
        bias, bmap, is_causal, scale = ctx.args
        if grad_mode.is_grad_enabled() or ctx.variant == "composite":
            q, k, v = ctx.saved_tensors[:3]
            return composite_backward(ctx, lambda q, k, v: _composite_3d(q, k, v, bias, bmap, is_causal, scale),
                                      (q, k, v), (g,), 7)
        xp = array_module(g.data)
        q, k, v, out, lse = (xp.ascontiguousarray(t.data) for t in ctx.saved_tensors)
        dq, dk, dv = VARIANTS[ctx.variant].backward(q, k, v, out, lse, xp.ascontiguousarray(g.data),
                                                     bias, bmap, is_causal, scale)
        return Tensor(dq), Tensor(dk), Tensor(dv), None, None, None, None


# ============================================================================ composite (Tensor ops)

def attention_composite(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, generator=None):
    """softmax(q k^T * scale + mask) v on Tensors (..., L, E), (..., S, E), (..., S, Ev),
    materialising the (..., L, S) scores; differentiable to any order (made of primitives).

    ``attn_mask``: None, a bool Tensor (True = may attend) or an additive float Tensor,
    broadcastable to (..., L, S). A row that may attend no key gives 0, as the kernels.
    ``dropout_p > 0``: inverted dropout on the attention weights (seeded by ``generator`` or
    the device's generator)."""
    xp = array_module(q.data)
    L, S = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.mT) * scale                                   # (..., L, S)
    if S == 0:                                                    # no key at all: every row gives 0
        return scores @ v
    if is_causal:
        causal = np.where(np.triu(np.ones((L, S), dtype=bool), 1), -np.inf, 0.0).astype(q.dtype)
        scores = scores + Tensor(xp.asarray(causal))
    if attn_mask is not None:
        if attn_mask.dtype.kind == "b":
            attn_mask = Tensor(xp.where(attn_mask.data, xp.asarray(0.0, dtype=q.dtype),
                                        xp.asarray(-np.inf, dtype=q.dtype)))
        scores = scores + attn_mask
    dead = (scores.data == -np.inf).all(axis=-1, keepdims=True)  # rows that may attend no key
    if bool(dead.any()):
        dead = Tensor(dead)
        scores = ops.masked_fill(scores, dead, 0.0)               # finite, so no NaN in backward
    attn = ops.softmax(scores, -1)
    if isinstance(dead, Tensor):
        attn = ops.masked_fill(attn, dead, 0.0)
    if dropout_p > 0.0:                                           # inverted dropout on the weights
        rng = seed_generators_of(q.device, generator)
        keep = rng.random(attn.shape) >= dropout_p
        rescale = 1.0 / (1.0 - dropout_p) if dropout_p < 1.0 else 0.0   # p = 1 drops every weight
        attn = attn * Tensor((keep * rescale).astype(attn.data.dtype))
    return attn @ v


def _composite_3d(q, k, v, bias, bmap, is_causal, scale):
    """The composite on the Function's flattened problems and kernel bias."""
    mask = Tensor(bias[bmap]) if has_bias(bias) else None
    return attention_composite(q, k, v, mask, 0.0, is_causal, scale)


# ============================================================================ on Tensors

def fused_attention(q, k, v, mask, is_causal, scale):
    """The fused path on Tensors of shapes (..., L, E), (..., S, E), (..., S, Ev) (batch dims
    broadcast); ``mask`` is None or an array. Returns a Tensor (..., L, Ev)."""
    batch = tuple(np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2]))
    n = int(np.prod(batch))
    L, S, E, Ev = q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1]
    q3 = q.expand(batch + (L, E)).reshape(n, L, E)
    k3 = k.expand(batch + (S, E)).reshape(n, S, E)
    v3 = v.expand(batch + (S, Ev)).reshape(n, S, Ev)
    bias, bmap = kernel_bias(mask, batch, q.data.dtype, array_module(q.data))
    out = FusedAttention.apply(q3, k3, v3, bias, bmap, is_causal, scale)
    return out.reshape(batch + (L, Ev))
