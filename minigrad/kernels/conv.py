"""2-D convolution as im2col + one matrix product, and its two adjoints, as differentiable Functions.

A convolution window at output position (oh, ow) reads, for every input channel c and kernel
offset (i, j), the pixel

    x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]        (zero outside the image),

and the output is, per group g of the channels,

    y[n, o, oh, ow] = sum_{c, i, j} w[o, c, i, j] x[n, g*Cg + c, oh*sh - ph + i*dh, ow*sw - pw + j*dw].

``im2col`` writes those pixels as the *columns* of a matrix,

    cols[(c*kh + i)*kw + j, n*L + oh*OW + ow]        shape (C*kh*kw, N*L),  L = OH*OW,

so that the convolution is ONE matrix product per group, ``w.reshape(O, C*kh*kw) @ cols`` (the
rows of group g are a contiguous block: ``cols.reshape(groups, Cg*kh*kw, N*L)`` needs no copy).
``col2im`` is its adjoint: every column entry is added back onto the pixel it came from.
Three linear maps, each the adjoint of another, make up convolution and all its derivatives:

    Conv2d(x, w)              y[n]  = w @ im2col(x[n])                  (per group)
    ConvTranspose2d(y, w)     x[n]  = col2im(w^T @ y[n])                the adjoint in x
    ConvWeightGrad(x, gy)     gw    = sum_n gy[n] @ im2col(x[n])^T      the adjoint in w

Each one's backward is made of the other two, so gradients of gradients (gradgradcheck,
WGAN-GP's gradient penalty) come for free: the family needs no composite. Where Conv2d's
backward wants both gradients, one more Function gives them from one kernel call (the cpu
variant's Winograd path then transforms gy once for both), its backward made of the three:

    Conv2dGrads(gy, x, w)     gx, gw = ConvTranspose2d(gy, w), ConvWeightGrad(x, gy) im2col and col2im
are public ops too, F.unfold and F.fold, laid out per sample as (N, C*kh*kw, L):

    Unfold(x)                 cols = im2col(x)                          dx = Fold(dcols)
    Fold(cols)                x    = col2im(cols)                       dcols = Unfold(dx)

Geometry travels as a ``ConvGeometry``, always of the *forward* convolution (the one mapping x
to y). The bottom/right padding may differ from the top/left one ('same' with an even kernel
pads more at the end; conv_transpose2d's output_padding is a smaller, possibly negative, end
padding of the convolution it is the adjoint of).

Variants: ``reference`` (NumPy: im2col by one strided slice per kernel offset, one product
for the whole batch), ``cpu`` (per sample and per band of output rows: a cache-sized im2col
and its product in BLAS, the batch split over the threads; Winograd F(2x2, 3x3) for 3x3
stride-1 convolutions; direct kernels for 1x1 and depthwise convolutions, the 3x3 stride-1
depthwise one with its nine taps in one expression), ``cuda`` (one CUDA
thread per column entry / per pixel, no atomics: col2im gathers instead of scattering; cuBLAS
on chunks of the batch).
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from numba import njit, prange, uint64

from ..autograd.function import Function
from ..backend import array_module
from ..threads import split
from . import _cuda, choose, run_cpu

cuda = None   # numba.cuda, bound by _cuda on first CUDA use


class ConvGeometry(NamedTuple):
    """Kernel size, stride, top/left padding, dilation, groups, bottom/right padding."""
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    dh: int
    dw: int
    groups: int
    ph_end: int
    pw_end: int

    def out_hw(self, hw):
        """Output size of the forward convolution on an input of spatial size ``hw``."""
        return ((hw[0] + self.ph + self.ph_end - self.dh * (self.kh - 1) - 1) // self.sh + 1,
                (hw[1] + self.pw + self.pw_end - self.dw * (self.kw - 1) - 1) // self.sw + 1)

    @property
    def window(self):
        """The eight numbers im2col/col2im need: kh, kw, sh, sw, ph, pw, dh, dw."""
        return tuple(self[:8])


# ============================================================================ reference (NumPy)

def _padded_size(H, OH, k, s, p, d):
    """Height of the zero-padded image that holds every window (and all of the image)."""
    return max((OH - 1) * s + d * (k - 1) + 1, p + H)


def im2col_reference(x, geom, OH, OW, out):
    kh, kw, sh, sw, ph, pw, dh, dw = geom.window
    N, C, H, W = x.shape
    xp = array_module(x)
    Hp, Wp = _padded_size(H, OH, kh, sh, ph, dh), _padded_size(W, OW, kw, sw, pw, dw)
    padded = xp.zeros((N, C, Hp, Wp), dtype=x.dtype)
    padded[:, :, ph:ph + H, pw:pw + W] = x
    cols = out.reshape(C, kh, kw, N, OH, OW)
    for i in range(kh):                       # one strided slice of the image per kernel offset
        for j in range(kw):
            cols[:, i, j] = padded[:, :, i * dh:i * dh + (OH - 1) * sh + 1:sh,
                                   j * dw:j * dw + (OW - 1) * sw + 1:sw].transpose(1, 0, 2, 3)
    return out


def col2im_reference(cols, geom, OH, OW, out):
    kh, kw, sh, sw, ph, pw, dh, dw = geom.window
    N, C, H, W = out.shape
    xp = array_module(cols)
    Hp, Wp = _padded_size(H, OH, kh, sh, ph, dh), _padded_size(W, OW, kw, sw, pw, dw)
    padded = xp.zeros((N, C, Hp, Wp), dtype=cols.dtype)
    c6 = cols.reshape(C, kh, kw, N, OH, OW)
    for i in range(kh):                       # within one offset the slice never repeats a pixel
        for j in range(kw):
            padded[:, :, i * dh:i * dh + (OH - 1) * sh + 1:sh,
                   j * dw:j * dw + (OW - 1) * sw + 1:sw] += c6[:, i, j].transpose(1, 0, 2, 3)
    out[...] = padded[:, :, ph:ph + H, pw:pw + W]
    return out


def _batch_major(a, groups):
    """(N, O, L) -> (groups, O/groups, N*L): the channel-major layout of the products."""
    N, O, L = a.shape
    return a.reshape(N, groups, O // groups, L).transpose(1, 2, 0, 3).reshape(groups, O // groups, N * L)


def conv2d_reference(x, w, geom):
    """y = w @ im2col(x), per group, the whole batch in one product."""
    xp = array_module(x)
    N, C = x.shape[:2]
    O, g = w.shape[0], geom.groups
    OH, OW = geom.out_hw(x.shape[2:])
    R, L = C * geom.kh * geom.kw, OH * OW
    cols = im2col_reference(x, geom, OH, OW, xp.empty((R, N * L), x.dtype))
    y = xp.matmul(w.reshape(g, O // g, R // g), cols.reshape(g, R // g, N * L))       # (g, O/g, N*L)
    return xp.ascontiguousarray(y.reshape(O, N, OH, OW).transpose(1, 0, 2, 3))


def conv_transpose2d_reference(y, w, geom, hw):
    """x = col2im(w^T @ y), per group: the adjoint of conv2d in x."""
    xp = array_module(y)
    N, O, OH, OW = y.shape
    g = geom.groups
    R, L = w.shape[1] * g * geom.kh * geom.kw, OH * OW
    cols = xp.matmul(w.reshape(g, O // g, R // g).transpose(0, 2, 1), _batch_major(y.reshape(N, O, L), g))
    x = xp.empty((N, w.shape[1] * g) + tuple(hw), dtype=y.dtype)
    return col2im_reference(cols.reshape(R, N * L), geom, OH, OW, x)


def unfold_reference(x, geom):
    """im2col laid out as F.unfold gives it: (N, C*kh*kw, OH*OW)."""
    xp = array_module(x)
    N, C = x.shape[:2]
    OH, OW = geom.out_hw(x.shape[2:])
    R = C * geom.kh * geom.kw
    cols = im2col_reference(x, geom, OH, OW, xp.empty((R, N * OH * OW), x.dtype))
    return xp.ascontiguousarray(cols.reshape(R, N, OH * OW).transpose(1, 0, 2))


def fold_reference(cols, geom, hw):
    """col2im of (N, C*kh*kw, L) columns onto an image of spatial size ``hw``."""
    xp = array_module(cols)
    N, R, L = cols.shape
    OH, OW = geom.out_hw(hw)
    x = xp.empty((N, R // (geom.kh * geom.kw)) + tuple(hw), dtype=cols.dtype)
    return col2im_reference(xp.ascontiguousarray(cols.transpose(1, 0, 2)).reshape(R, N * L), geom, OH, OW, x)


def conv_weight_grad_reference(x, gy, geom, w_shape):
    """gw = gy @ im2col(x)^T, per group, summed over the batch by the product."""
    xp = array_module(x)
    N, C = x.shape[:2]
    _, O, OH, OW = gy.shape
    g = geom.groups
    R, L = C * geom.kh * geom.kw, OH * OW
    cols = im2col_reference(x, geom, OH, OW, xp.empty((R, N * L), x.dtype))
    gw = xp.matmul(_batch_major(gy.reshape(N, O, L), g), cols.reshape(g, R // g, N * L).transpose(0, 2, 1))
    return gw.reshape(w_shape)


def conv_grads_reference(gy, x, w, geom):
    """Both gradients of conv2d: conv_transpose2d_reference and conv_weight_grad_reference."""
    return conv_transpose2d_reference(gy, w, geom, x.shape[2:]), conv_weight_grad_reference(x, gy, geom, w.shape)


# ============================================================================ cpu (Numba + BLAS)
# One sample at a time, one band of output rows at a time: im2col of the band into a buffer of
# about COLS_BYTES (it stays in cache), then the product straight into the output's rows -- no
# batch-wide column matrix written to memory and read back, no transposes. The batch is cut
# into one slice per thread (minigrad.threads.split: each slice on its own thread, BLAS on one
# thread inside). Four shapes skip im2col: a 3x3 stride-1 convolution of one group runs
# Winograd's F(2x2, 3x3) (below); a 1x1 convolution is one product per sample; a depthwise one
# (one input channel per filter) is a direct Numba convolution (3x3 stride-1 ones with the
# nine taps in one expression); and the input gradient of a stride-1 convolution is itself a
# stride-1 convolution with the flipped, transposed weights (no col2im). These shortcuts keep
# the CPU's data in its caches; the cuda variant runs every shape through its general
# im2col + cuBLAS path, which has no such cache to keep.

# An im2col band of about this size (measured on one thread, a core with 2 MiB of L2: forward and
# both gradients of 3x3 32 -> 64 stride 2 on 32x32, batch 32, took 14.8 ms with 256 KiB bands,
# 13.4 with 1 MiB; 5x5 32 -> 32 at 32x32, batch 16: 41.0 and 35.9; 3x3 64 -> 128 stride 2 at
# 56x56, batch 16: 63.5 and 57.8)
COLS_BYTES = 1 << 20


@njit(cache=True, inline="always")
def _valid_range(n_out, s, offset, size):
    """The outputs o in [lo, hi) with 0 <= o*s + offset < size."""
    lo = 0
    if offset < 0:
        lo = (-offset + s - 1) // s
    hi = 0
    if size - offset > 0:
        hi = (size - 1 - offset) // s + 1
    return min(lo, n_out), max(min(hi, n_out), min(lo, n_out))


@njit(cache=True, nogil=True, error_model="numpy")
def _im2col_cpu(x, n, kh, kw, sh, sw, ph, pw, dh, dw, oh0, oh1, OW, cols):
    """cols[(c*kh + i)*kw + j, (oh - oh0)*OW + ow] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]
    for the output rows oh0 <= oh < oh1 (zero outside the image)."""
    # Column indices are cast to uint64: Numba then skips the negative-index wraparound test
    # it puts on every signed index, which kept the copy loop from vectorising (2x slower).
    _, C, H, W = x.shape
    for c in range(C):
        for i in range(kh):
            for j in range(kw):
                r = (c * kh + i) * kw + j
                woff = j * dw - pw
                lo, hi = _valid_range(OW, sw, woff, W)     # ow in [lo, hi) read inside the image
                for oh in range(oh0, oh1):
                    h = oh * sh - ph + i * dh
                    base = (oh - oh0) * OW
                    if h < 0 or h >= H:
                        for ow in range(OW):
                            cols[r, uint64(base + ow)] = 0
                        continue
                    for ow in range(lo):
                        cols[r, uint64(base + ow)] = 0
                    for ow in range(lo, hi):
                        cols[r, uint64(base + ow)] = x[n, c, h, uint64(ow * sw + woff)]
                    for ow in range(hi, OW):
                        cols[r, uint64(base + ow)] = 0


@njit(cache=True, nogil=True, error_model="numpy")
def _col2im_cpu(cols, n, kh, kw, sh, sw, ph, pw, dh, dw, oh0, oh1, OW, out):
    """The adjoint of _im2col_cpu: adds every column entry onto the pixel of out[n] it came from."""
    _, C, H, W = out.shape
    for c in range(C):
        for i in range(kh):
            for j in range(kw):
                r = (c * kh + i) * kw + j
                woff = j * dw - pw
                lo, hi = _valid_range(OW, sw, woff, W)
                for oh in range(oh0, oh1):
                    h = oh * sh - ph + i * dh
                    if h < 0 or h >= H:
                        continue
                    base = (oh - oh0) * OW
                    for ow in range(lo, hi):
                        out[n, c, h, uint64(ow * sw + woff)] += cols[r, uint64(base + ow)]


@njit(cache=True, parallel=True, error_model="numpy")
def _depthwise_cpu(x, w, kh, kw, sh, sw, ph, pw, dh, dw, y):
    """y[n, o] = sum_{i,j} w[o, 0, i, j] x[n, o // m, ...]: each filter reads one input channel
    (m = O / C filters per channel), row by row, the loop over a row vectorised."""
    N, C, H, W = x.shape
    O, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    m = O // C
    for no in prange(N * O):
        n, o = no // O, no % O
        c = o // m
        for oh in range(OH):
            for ow in range(OW):
                y[n, o, oh, uint64(ow)] = 0
            for i in range(kh):
                h = oh * sh - ph + i * dh
                if h < 0 or h >= H:
                    continue
                for j in range(kw):
                    woff = j * dw - pw
                    lo, hi = _valid_range(OW, sw, woff, W)
                    wv = w[o, 0, i, j]
                    for ow in range(lo, hi):
                        y[n, o, oh, uint64(ow)] += wv * x[n, c, h, uint64(ow * sw + woff)]


@njit(cache=True, parallel=True, error_model="numpy")
def _depthwise3x3_cpu(x, w, ph, pw, y):
    """_depthwise_cpu for a 3x3 kernel, stride 1, no dilation: each input plane copied once
    into a zero-padded plane, then every output is its nine products written out in one
    expression, the loop along a row vectorised (measured on one thread: 64 channels at
    56x56, batch 16, 6.3 ms tap by tap, 2.7 ms so)."""
    N, C, H, W = x.shape
    O, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    m = O // C
    for no in prange(N * O):
        n, o = no // O, no % O
        c = o // m
        pad = np.zeros((OH + 2, OW + 2), dtype=x.dtype)     # pad[oh + i, ow + j] is tap (i, j)
        for hh in range(OH + 2):
            h = hh - ph
            if 0 <= h < H:
                lo, hi = _valid_range(OW + 2, 1, -pw, W)
                for uu in range(lo, hi):
                    pad[hh, uint64(uu)] = x[n, c, h, uint64(uu - pw)]
        w00, w01, w02 = w[o, 0, 0, 0], w[o, 0, 0, 1], w[o, 0, 0, 2]
        w10, w11, w12 = w[o, 0, 1, 0], w[o, 0, 1, 1], w[o, 0, 1, 2]
        w20, w21, w22 = w[o, 0, 2, 0], w[o, 0, 2, 1], w[o, 0, 2, 2]
        for oh in range(OH):
            r0, r1, r2 = pad[oh], pad[oh + 1], pad[oh + 2]
            for ow in range(OW):
                v, v1, v2 = uint64(ow), uint64(ow + 1), uint64(ow + 2)
                y[n, o, oh, v] = (w00 * r0[v] + w01 * r0[v1] + w02 * r0[v2]
                                  + w10 * r1[v] + w11 * r1[v1] + w12 * r1[v2]
                                  + w20 * r2[v] + w21 * r2[v1] + w22 * r2[v2])


def _depthwise3x3(geom):
    """3x3, stride 1, no dilation: _depthwise3x3_cpu's shapes."""
    return (geom.kh, geom.kw, geom.sh, geom.sw, geom.dh, geom.dw) == (3, 3, 1, 1, 1, 1)


@njit(cache=True, parallel=True, error_model="numpy")
def _depthwise_input_grad_cpu(gy, w, kh, kw, sh, sw, ph, pw, dh, dw, gx):
    """The adjoint of _depthwise_cpu in x: every output's gradient added back onto the pixels
    it read (in parallel over input planes, which never race)."""
    N, C, H, W = gx.shape
    O, OH, OW = gy.shape[1], gy.shape[2], gy.shape[3]
    m = O // C
    for nc in prange(N * C):
        n, c = nc // C, nc % C
        for h in range(H):
            for u in range(W):
                gx[n, c, h, uint64(u)] = 0
        for o in range(c * m, c * m + m):
            for oh in range(OH):
                for i in range(kh):
                    h = oh * sh - ph + i * dh
                    if h < 0 or h >= H:
                        continue
                    for j in range(kw):
                        woff = j * dw - pw
                        lo, hi = _valid_range(OW, sw, woff, W)
                        wv = w[o, 0, i, j]
                        for ow in range(lo, hi):
                            gx[n, c, h, uint64(ow * sw + woff)] += wv * gy[n, o, oh, uint64(ow)]


@njit(cache=True, parallel=True, error_model="numpy", fastmath={"reassoc", "contract", "nsz"})
def _depthwise_weight_grad_cpu(x, gy, kh, kw, sh, sw, ph, pw, dh, dw, gw):
    """The adjoint of _depthwise_cpu in w: gw[o, 0, i, j] = sum over the batch and the output
    of gy times the pixel that weight read (in parallel over filters). Row by row, all the
    filter's taps on each pair of rows while they are in cache (measured on one thread: 64
    channels at 56x56, batch 16, 9.5 ms tap by tap over the whole batch, 6.4 ms row by row)."""
    N, C, H, W = x.shape
    O, OH, OW = gy.shape[1], gy.shape[2], gy.shape[3]
    m = O // C
    for o in prange(O):
        c = o // m
        acc = np.zeros(kh * kw, dtype=gw.dtype)
        for n in range(N):
            for oh in range(OH):
                for i in range(kh):
                    h = oh * sh - ph + i * dh
                    if h < 0 or h >= H:
                        continue
                    for j in range(kw):
                        woff = j * dw - pw
                        lo, hi = _valid_range(OW, sw, woff, W)
                        s = gw.dtype.type(0)
                        for ow in range(lo, hi):
                            s += gy[n, o, oh, uint64(ow)] * x[n, c, h, uint64(ow * sw + woff)]
                        acc[i * kw + j] += s
        for i in range(kh):
            for j in range(kw):
                gw[o, 0, i, j] = acc[i * kw + j]


def _depthwise(geom, C, Cg):
    """Every filter reads one input channel (groups == C): the direct kernels, no im2col."""
    return geom.groups == C and Cg == 1 and C > 1


def _pointwise(geom):
    return geom.kh == geom.kw == geom.sh == geom.sw == 1 and not (geom.ph or geom.pw or geom.ph_end or geom.pw_end)


def _band_rows(R, OH, OW, itemsize):
    """Output rows per band, so that the band's columns take about COLS_BYTES, the bands of
    one image as even as they can be (a thin last band makes a thin, slow product)."""
    rows = max(1, min(OH, COLS_BYTES // max(1, R * OW * itemsize)))
    bands = -(-OH // rows)
    return -(-OH // bands) if bands else rows


# Winograd F(2x2, 3x3) (Lavin and Gray, 2016), for 3x3 stride-1 convolutions of one group: each
# 2x2 block of outputs comes from the 4x4 block d of inputs under it as
#
#     y_block = A^T [ sum_c (G w[o, c] G^T) * (B^T d_c B) ] A          (* element by element)
#
# -- 16 multiplications per channel pair instead of 36. The sum over c is 16 matrix products
# (one per position of the 4x4 block) of the transformed filters U (16, O, C) and the
# transformed input blocks V (16, C, tiles), done by BLAS on cache-sized chunks of tile rows.
# The weight gradient is the adjoint in w: gw[o, c] = G^T [ sum_tiles (A gy_block A^T) * V ] G,
# again 16 products. Where both gradients are wanted, the input gradient is the adjoint in x:
# 16 products U^T Z of the same transformed gy Z, then B (.) B^T added back onto the input
# blocks. Alone, it is the flipped stride-1 convolution, so Winograd too (from
# WINOGRAD_FLIP_MIN_CHANNELS input channels; through col2im below).

WINOGRAD_G = ((1.0, 0.0, 0.0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0.0, 0.0, 1.0))
# G w G^T for every filter at once is one product with kron(G, G): (G w G^T)[a, b] =
# sum_{i, j} G[a, i] G[b, j] w[i, j], the row (4a + b, 3i + j) of the Kronecker product
WINOGRAD_GG = np.kron(np.array(WINOGRAD_G), np.array(WINOGRAD_G))
WINOGRAD_BYTES = 1 << 20      # V and the products of one chunk of tile rows stay under this


@njit(cache=True, nogil=True, error_model="numpy")
def _winograd_input_cpu(x, ph, pw, TH, TW, r0, r1, V):
    """V[4a + b, c, (r - r0)*TW + tw] = (B^T d B)[a, b], d the 4x4 block of x[n, c] at rows
    2 th - ph + (0..3), columns 2 tw - pw + (0..3) (zero outside the image), for the tile rows
    r = n*TH + th in [r0, r1). B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]."""
    _, C, H, W = x.shape
    Wp = 2 * TW + 2
    lo, hi = _valid_range(Wp, 1, -pw, W)       # padded columns u in [lo, hi) lie in the image
    t = np.zeros((4, Wp), dtype=x.dtype)       # B^T d for a whole row of blocks
    zero = np.zeros(W, dtype=x.dtype)
    for r in range(r0, r1):
        n, th = r // TH, r % TH
        base = (r - r0) * TW
        h = 2 * th - ph
        for c in range(C):                     # the four input rows (a row of zeros outside)
            d0 = x[n, c, h] if 0 <= h < H else zero
            d1 = x[n, c, h + 1] if 0 <= h + 1 < H else zero
            d2 = x[n, c, h + 2] if 0 <= h + 2 < H else zero
            d3 = x[n, c, h + 3] if 0 <= h + 3 < H else zero
            # indices cast to uint64 as in _im2col_cpu (measured: 1.15 -> 0.82 ms for 3x3 16->32)
            for u in range(lo, hi):            # B^T d, down the columns (t stays 0 outside)
                j, uu = uint64(u - pw), uint64(u)
                t[0, uu] = d0[j] - d2[j]
                t[1, uu] = d1[j] + d2[j]
                t[2, uu] = d2[j] - d1[j]
                t[3, uu] = d1[j] - d3[j]
            for k in range(4):                 # (B^T d) B, along each block's row
                for tw in range(TW):
                    u, i = uint64(2 * tw), uint64(base + tw)
                    t0, t1, t2, t3 = t[k, u], t[k, u + uint64(1)], t[k, u + uint64(2)], t[k, u + uint64(3)]
                    V[4 * k, c, i] = t0 - t2
                    V[4 * k + 1, c, i] = t1 + t2
                    V[4 * k + 2, c, i] = t2 - t1
                    V[4 * k + 3, c, i] = t1 - t3


@njit(cache=True, nogil=True, error_model="numpy")
def _winograd_input_adjoint_cpu(gV, ph, pw, TH, TW, r0, r1, gx):
    """The adjoint of _winograd_input_cpu: B g B^T, g[a, b] = gV[4a + b, c, (r - r0)*TW + tw],
    added onto the 4x4 block of gx[n, c] it stands for (blocks overlap by two rows and two
    columns; the parts outside the image dropped), for the tile rows r in [r0, r1). gx holds
    zeros, or the sums of the tile rows before r0. B = [[1, 0, 0, 0], [0, 1, -1, 1],
    [-1, 1, 1, 0], [0, 0, 0, -1]]."""
    _, C, H, W = gx.shape
    Wp = 2 * TW + 2
    lo, hi = _valid_range(Wp, 1, -pw, W)
    t = np.empty((4, Wp), dtype=gx.dtype)      # g B^T for a whole row of blocks, summed where they overlap
    for r in range(r0, r1):
        n, th = r // TH, r % TH
        base = (r - r0) * TW
        h = 2 * th - ph
        for c in range(C):
            for k in range(4):                 # g B^T, along each block's row
                t[k, 0] = t[k, 1] = 0
                for tw in range(TW):
                    u, i = uint64(2 * tw), uint64(base + tw)
                    g0, g1, g2, g3 = gV[4 * k, c, i], gV[4 * k + 1, c, i], gV[4 * k + 2, c, i], gV[4 * k + 3, c, i]
                    t[k, u] += g0
                    t[k, u + uint64(1)] += g1 - g2 + g3
                    t[k, u + uint64(2)] = g1 + g2 - g0
                    t[k, u + uint64(3)] = -g3
            # B (g B^T), down the columns, onto the four image rows (rows outside dropped)
            if 0 <= h < H:
                row = gx[n, c, h]
                for u in range(lo, hi):
                    row[uint64(u - pw)] += t[0, uint64(u)]
            if 0 <= h + 1 < H:
                row = gx[n, c, h + 1]
                for u in range(lo, hi):
                    uu = uint64(u)
                    row[uint64(u - pw)] += t[1, uu] - t[2, uu] + t[3, uu]
            if 0 <= h + 2 < H:
                row = gx[n, c, h + 2]
                for u in range(lo, hi):
                    uu = uint64(u)
                    row[uint64(u - pw)] += t[1, uu] + t[2, uu] - t[0, uu]
            if 0 <= h + 3 < H:
                row = gx[n, c, h + 3]
                for u in range(lo, hi):
                    row[uint64(u - pw)] -= t[3, uint64(u)]


@njit(cache=True, nogil=True, error_model="numpy")
def _winograd_output_cpu(M, TH, TW, r0, r1, y):
    """y[n, o, 2 th + i, 2 tw + j] = (A^T m A)[i, j], m[a, b] = M[4a + b, o, (r - r0)*TW + tw],
    for the tile rows r = n*TH + th in [r0, r1) (outputs past the edge dropped).
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]."""
    _, O, OH, OW = y.shape
    out = np.empty((4, TW), dtype=y.dtype)     # the block's (0, 0), (0, 1), (1, 0), (1, 1) outputs
    for r in range(r0, r1):
        n, th = r // TH, r % TH
        base = (r - r0) * TW
        h = 2 * th
        for o in range(O):
            for tw in range(TW):
                t = uint64(base + tw)
                s0 = M[0, o, t] + M[4, o, t] + M[8, o, t]        # (A^T m)[0, :]
                s1 = M[1, o, t] + M[5, o, t] + M[9, o, t]
                s2 = M[2, o, t] + M[6, o, t] + M[10, o, t]
                s3 = M[3, o, t] + M[7, o, t] + M[11, o, t]
                q0 = M[4, o, t] - M[8, o, t] - M[12, o, t]       # (A^T m)[1, :]
                q1 = M[5, o, t] - M[9, o, t] - M[13, o, t]
                q2 = M[6, o, t] - M[10, o, t] - M[14, o, t]
                q3 = M[7, o, t] - M[11, o, t] - M[15, o, t]
                v = uint64(tw)
                out[0, v] = s0 + s1 + s2
                out[1, v] = s1 - s2 - s3
                out[2, v] = q0 + q1 + q2
                out[3, v] = q1 - q2 - q3
            for i in range(min(2, OH - h)):
                for tw in range(OW // 2):
                    y[n, o, h + i, uint64(2 * tw)] = out[2 * i, uint64(tw)]
                    y[n, o, h + i, uint64(2 * tw + 1)] = out[2 * i + 1, uint64(tw)]
                if OW % 2:
                    y[n, o, h + i, OW - 1] = out[2 * i, TW - 1]


@njit(cache=True, nogil=True, error_model="numpy")
def _winograd_grad_output_cpu(gy, TH, TW, r0, r1, Z):
    """The adjoint of _winograd_output_cpu, laid out tile-major: Z[4a + b, (r - r0)*TW + tw, o]
    = (A e A^T)[a, b], e the 2x2 block of gy[n, o] at rows 2 th + (0, 1), columns 2 tw + (0, 1)
    (zero past the edge); A = [[1, 0], [1, 1], [1, -1], [0, -1]]."""
    _, O, OH, OW = gy.shape
    zero = gy.dtype.type(0)
    for r in range(r0, r1):
        n, th = r // TH, r % TH
        base = (r - r0) * TW
        h = 2 * th
        row2 = h + 1 < OH
        for tw in range(TW):
            u = 2 * tw
            col2 = u + 1 < OW
            t = uint64(base + tw)
            for oo in range(O):
                o = uint64(oo)
                e00 = gy[n, o, h, u]
                e01 = gy[n, o, h, u + 1] if col2 else zero
                e10 = gy[n, o, h + 1, u] if row2 else zero
                e11 = gy[n, o, h + 1, u + 1] if row2 and col2 else zero
                a1, b1 = e00 + e10, e01 + e11          # the rows of A e: (e00, e01), (a1, b1),
                a2, b2 = e00 - e10, e01 - e11          # (a2, b2), (-e10, -e11); each times A^T
                Z[0, t, o] = e00
                Z[1, t, o] = e00 + e01
                Z[2, t, o] = e00 - e01
                Z[3, t, o] = -e01
                Z[4, t, o] = a1
                Z[5, t, o] = a1 + b1
                Z[6, t, o] = a1 - b1
                Z[7, t, o] = -b1
                Z[8, t, o] = a2
                Z[9, t, o] = a2 + b2
                Z[10, t, o] = a2 - b2
                Z[11, t, o] = -b2
                Z[12, t, o] = -e10
                Z[13, t, o] = -e10 - e11
                Z[14, t, o] = e11 - e10
                Z[15, t, o] = e11


WINOGRAD_MIN_CHANNELS = 16   # fewer input or output channels: the transforms cost more than they save
WINOGRAD_GRAD_MIN_WIDTH = 16   # narrower outputs: the weight gradient's transforms cost more than they save


def _winograd(geom, C, O):
    """Whether Winograd F(2x2, 3x3) computes this convolution: 3x3, stride 1, no dilation, one
    group, at least WINOGRAD_MIN_CHANNELS input and output channels (measured on one thread:
    3 -> 16 channels at 32x32 took 1.7 ms so, 0.9 ms by im2col)."""
    return (geom.kh, geom.kw, geom.sh, geom.sw, geom.dh, geom.dw, geom.groups) == (3, 3, 1, 1, 1, 1, 1) \
        and min(C, O) >= WINOGRAD_MIN_CHANNELS


def _winograd_plan(N, OH, OW, channels, itemsize):
    """Tiles per image (TH, TW) and tile rows per chunk, so that a chunk's 16 x channels x tiles
    arrays take about WINOGRAD_BYTES."""
    TH, TW = (OH + 1) // 2, (OW + 1) // 2
    return TH, TW, max(1, min(N * TH, WINOGRAD_BYTES // max(1, 16 * channels * TW * itemsize)))


def _skewed16(shape, dtype):
    """An empty array of shape (16,) + shape whose 16 blocks start 256 bytes apart modulo 4 KiB.
    The transforms write all 16 blocks at once; 4 KiB apart (as a contiguous array of some
    sizes has them) their lines compete for the same cache sets (measured: the gradient
    transform of 3x3 64->64 at 56x56 took 45 ms so, 8 ms skewed)."""
    n, itemsize = int(np.prod(shape)), np.dtype(dtype).itemsize
    stride = n + ((256 - n * itemsize) % 4096) // itemsize
    return np.empty((16, stride), dtype=dtype)[:, :n].reshape((16,) + tuple(shape))


def _winograd_chunks(n0, n1, TH, TW, rows):
    """The chunks [r0, r1) of tile rows of samples n0..n1-1, with their tile counts."""
    return [(r0, min(n1 * TH, r0 + rows), (min(n1 * TH, r0 + rows) - r0) * TW)
            for r0 in range(n0 * TH, n1 * TH, rows)]


def _conv2d_winograd(x, w, geom, y):
    N, C = x.shape[:2]
    O, OH, OW = y.shape[1:]
    U = (WINOGRAD_GG.astype(x.dtype) @ w.reshape(O * C, 9).T).reshape(16, O, C)      # (G w G^T)[a, b, o, c]
    TH, TW, rows = _winograd_plan(N, OH, OW, C + O, x.itemsize)

    def run(n0, n1):
        V, M = _skewed16((C, rows * TW), x.dtype), _skewed16((O, rows * TW), x.dtype)
        for r0, r1, T in _winograd_chunks(n0, n1, TH, TW, rows):
            _winograd_input_cpu(x, geom.ph, geom.pw, TH, TW, r0, r1, V[:, :, :T])
            np.matmul(U, V[:, :, :T], out=M[:, :, :T])
            _winograd_output_cpu(M[:, :, :T], TH, TW, r0, r1, y)
    split(N, run, 32.0 * N * TH * TW * O * C)
    return y


def _conv_weight_grad_winograd(x, gy, geom, w_shape):
    N, C = x.shape[:2]
    O, OH, OW = gy.shape[1:]
    TH, TW, rows = _winograd_plan(N, OH, OW, C + O, x.itemsize)

    def run(n0, n1):                                   # this slice's sum over tiles of V Z
        S, tmp = np.zeros((2, 16, C, O), dtype=x.dtype)
        V, Z = _skewed16((C, rows * TW), x.dtype), _skewed16((rows * TW, O), x.dtype)
        for r0, r1, T in _winograd_chunks(n0, n1, TH, TW, rows):
            _winograd_input_cpu(x, geom.ph, geom.pw, TH, TW, r0, r1, V[:, :, :T])
            _winograd_grad_output_cpu(gy, TH, TW, r0, r1, Z[:, :T])
            S += np.matmul(V[:, :, :T], Z[:, :T], out=tmp)
        return S
    S = sum(split(N, run, 32.0 * N * TH * TW * O * C))
    gw = WINOGRAD_GG.T.astype(x.dtype) @ S.reshape(16, C * O)                          # (G^T S G)[i, j, c, o]
    return np.ascontiguousarray(gw.reshape(9, C, O).transpose(2, 1, 0)).reshape(w_shape)


def _conv_grads_winograd(gy, x, w, geom):
    """Both gradients from one transform of gy: gw as _conv_weight_grad_winograd, and gx as the
    adjoint of the forward, gV = U^T Z per position of the 4x4 block, then B gV B^T added back
    onto the input blocks."""
    N, C, H, W = x.shape
    O, OH, OW = gy.shape[1:]
    UT = (WINOGRAD_GG.astype(x.dtype) @ w.reshape(O * C, 9).T).reshape(16, O, C).transpose(0, 2, 1)
    TH, TW, rows = _winograd_plan(N, OH, OW, 2 * C + O, x.itemsize)
    gx = np.empty_like(x)

    def run(n0, n1):
        S, tmp = np.zeros((2, 16, C, O), dtype=x.dtype)
        V, gV = _skewed16((C, rows * TW), x.dtype), _skewed16((C, rows * TW), x.dtype)
        Z = _skewed16((rows * TW, O), x.dtype)
        gx[n0:n1] = 0
        for r0, r1, T in _winograd_chunks(n0, n1, TH, TW, rows):
            _winograd_input_cpu(x, geom.ph, geom.pw, TH, TW, r0, r1, V[:, :, :T])
            _winograd_grad_output_cpu(gy, TH, TW, r0, r1, Z[:, :T])
            S += np.matmul(V[:, :, :T], Z[:, :T], out=tmp)
            np.matmul(UT, Z[:, :T].transpose(0, 2, 1), out=gV[:, :, :T])
            _winograd_input_adjoint_cpu(gV[:, :, :T], geom.ph, geom.pw, TH, TW, r0, r1, gx)
        return S
    S = sum(split(N, run, 64.0 * N * TH * TW * O * C))
    gw = WINOGRAD_GG.T.astype(x.dtype) @ S.reshape(16, C * O)                          # (G^T S G)[i, j, c, o]
    return gx, np.ascontiguousarray(gw.reshape(9, C, O).transpose(2, 1, 0)).reshape(w.shape)


FLIP_MIN_CHANNELS = 16    # below this many input channels per group the flipped product is too thin
# Winograd's input gradient is the flipped convolution from this many input channels; below, its
# transform of the output gradient (of more channels) costs more than col2im (measured on one
# thread: 16 -> 32 channels at 32x32 took 6.2 ms so, 5.3 through col2im; 16 -> 64: 12.1 and 7.6;
# 32 -> 16: 5.2 and 7.5; 32 -> 64: 13.9 and 14.3)
WINOGRAD_FLIP_MIN_CHANNELS = 32


def _flipped(geom, w):
    """The input gradient of a stride-1 convolution as a stride-1 convolution of the output
    gradient: weights flipped and transposed per group, padding (k - 1) d - p at each end.
    (None, None) where that padding would be negative, the stride is not 1, or the product
    would have fewer than FLIP_MIN_CHANNELS rows (measured: LeNet's 1-channel input gradient
    took 9 ms as a 1-row product, 3 ms through col2im) -- or, where the flipped convolution
    runs Winograd, fewer than WINOGRAD_FLIP_MIN_CHANNELS."""
    kh, kw, sh, sw, ph, pw, dh, dw, g, ph_end, pw_end = geom
    pads = ((kh - 1) * dh - ph, (kw - 1) * dw - pw, (kh - 1) * dh - ph_end, (kw - 1) * dw - pw_end)
    if sh != 1 or sw != 1 or min(pads) < 0:
        return None, None
    if w.shape[1] < (WINOGRAD_FLIP_MIN_CHANNELS if _winograd(geom, *w.shape[1::-1]) else FLIP_MIN_CHANNELS):
        return None, None
    O, Cg = w.shape[:2]
    wf = w.reshape(g, O // g, Cg, kh, kw)[:, :, :, ::-1, ::-1].transpose(0, 2, 1, 3, 4)
    return np.ascontiguousarray(wf.reshape(g * Cg, O // g, kh, kw)), \
        ConvGeometry(kh, kw, 1, 1, pads[0], pads[1], dh, dw, g, pads[2], pads[3])


def _bands(OH, rows):
    return [(oh0, min(OH, oh0 + rows)) for oh0 in range(0, OH, rows)]


def conv2d_cpu(x, w, geom):
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    N, C, H, W = x.shape
    O, g = w.shape[0], geom.groups
    OH, OW = geom.out_hw((H, W))
    y = np.empty((N, O, OH, OW), dtype=x.dtype)
    if _depthwise(geom, C, w.shape[1]):
        if _depthwise3x3(geom):
            run_cpu(_depthwise3x3_cpu, y.size * 9, x, w, geom.ph, geom.pw, y)
        else:
            run_cpu(_depthwise_cpu, y.size * geom.kh * geom.kw, x, w, *geom.window, y)
        return y
    R, L = C * geom.kh * geom.kw, OH * OW
    wm = w.reshape(g, O // g, R // g)
    yv = y.reshape(N, g, O // g, L)
    flops = 2.0 * N * O * L * (R // g)
    if _winograd(geom, C, O):
        return _conv2d_winograd(x, w, geom, y)
    if _pointwise(geom):                               # y[n] = w x[n]: no im2col
        xv = x.reshape(N, g, C // g, L)
        split(N, lambda n0, n1: np.matmul(wm, xv[n0:n1], out=yv[n0:n1]), flops)
        return y
    rows = _band_rows(R, OH, OW, x.itemsize)

    def run(n0, n1):
        buf = np.empty(R * rows * OW, dtype=x.dtype)
        for n in range(n0, n1):
            for oh0, oh1 in _bands(OH, rows):
                cols = buf[:R * (oh1 - oh0) * OW].reshape(g, R // g, (oh1 - oh0) * OW)
                _im2col_cpu(x, n, *geom.window, oh0, oh1, OW, cols.reshape(R, -1))
                for k in range(g):
                    np.matmul(wm[k], cols[k], out=yv[n, k, :, oh0 * OW:oh1 * OW])
    split(N, run, flops)
    return y


def conv_transpose2d_cpu(y, w, geom, hw):
    y, w = np.ascontiguousarray(y), np.ascontiguousarray(w)
    N, O, OH, OW = y.shape
    g = geom.groups
    C = w.shape[1] * g
    x = np.empty((N, C) + tuple(hw), dtype=y.dtype)
    if _depthwise(geom, C, w.shape[1]):
        if _depthwise3x3(geom) and O == C and max(geom.ph, geom.pw) <= 2:
            # one filter per channel: the input gradient is the depthwise convolution of y with
            # the flipped filters, padded 2 - p at the top and left
            wf = np.ascontiguousarray(w[:, :, ::-1, ::-1])
            run_cpu(_depthwise3x3_cpu, x.size * 9, y, wf, 2 - geom.ph, 2 - geom.pw, x)
        else:
            run_cpu(_depthwise_input_grad_cpu, y.size * geom.kh * geom.kw, y, w, *geom.window, x)
        return x
    wf, flipped = _flipped(geom, w)
    if flipped is not None:                            # stride 1: a convolution, no col2im
        return conv2d_cpu(y, wf, flipped)
    R, L = C * geom.kh * geom.kw, OH * OW
    wT = w.reshape(g, O // g, R // g).transpose(0, 2, 1)
    yv = y.reshape(N, g, O // g, L)
    rows = _band_rows(R, OH, OW, y.itemsize)

    def run(n0, n1):
        buf = np.empty(R * rows * OW, dtype=y.dtype)
        x[n0:n1] = 0
        for n in range(n0, n1):
            for oh0, oh1 in _bands(OH, rows):
                cols = buf[:R * (oh1 - oh0) * OW].reshape(g, R // g, (oh1 - oh0) * OW)
                for k in range(g):
                    np.matmul(wT[k], yv[n, k, :, oh0 * OW:oh1 * OW], out=cols[k])
                _col2im_cpu(cols.reshape(R, -1), n, *geom.window, oh0, oh1, OW, x)
    split(N, run, 2.0 * N * O * L * (R // g))
    return x


def conv_weight_grad_cpu(x, gy, geom, w_shape):
    x, gy = np.ascontiguousarray(x), np.ascontiguousarray(gy)
    N, C, H, W = x.shape
    _, O, OH, OW = gy.shape
    g = geom.groups
    if _depthwise(geom, C, w_shape[1]):
        gw = np.empty(w_shape, dtype=x.dtype)
        run_cpu(_depthwise_weight_grad_cpu, gy.size * geom.kh * geom.kw, x, gy, *geom.window, gw)
        return gw
    if _winograd(geom, C, O) and OW >= WINOGRAD_GRAD_MIN_WIDTH:     # measured: 64 -> 128 channels
        return _conv_weight_grad_winograd(x, gy, geom, w_shape)      # at 8x8 took 6.6 ms so, 4.9 by im2col
    R, L = C * geom.kh * geom.kw, OH * OW
    gyv = gy.reshape(N, g, O // g, L)
    rows = OH if _pointwise(geom) else _band_rows(R, OH, OW, x.itemsize)
    # BLAS runs the product faster with the longer side as its rows (measured on one thread:
    # cols gy^T at 96-121 GFLOP/s against 67-98 for R = 144..576, O = 32..64; gy cols^T at 116
    # against 96 for 1x1 64 -> 256): the sum is of gw^T = cols gy^T where R >= O.
    transposed = R // g >= O // g

    def outer(a, b, out):                              # a b^T, one sample's share of gw (or gw^T)
        return np.matmul(a, b.T, out=out) if transposed else np.matmul(b, a.T, out=out)

    def run(n0, n1):                                   # this slice's sum_n of gy[n] cols[n]^T
        acc, tmp = np.zeros((2, g) + ((R // g, O // g) if transposed else (O // g, R // g)), dtype=x.dtype)
        if _pointwise(geom):                           # the columns are x[n] itself
            xv = x.reshape(N, g, C // g, L)
            for n in range(n0, n1):
                for k in range(g):
                    acc[k] += outer(xv[n, k], gyv[n, k], tmp[k])
            return acc
        buf = np.empty(R * rows * OW, dtype=x.dtype)
        for n in range(n0, n1):
            for oh0, oh1 in _bands(OH, rows):
                cols = buf[:R * (oh1 - oh0) * OW].reshape(g, R // g, (oh1 - oh0) * OW)
                _im2col_cpu(x, n, *geom.window, oh0, oh1, OW, cols.reshape(R, -1))
                for k in range(g):
                    acc[k] += outer(cols[k], gyv[n, k, :, oh0 * OW:oh1 * OW], tmp[k])
        return acc
    acc = sum(split(N, run, 2.0 * N * O * L * (R // g)))
    return np.ascontiguousarray(acc.transpose(0, 2, 1) if transposed else acc).reshape(w_shape)


def conv_grads_cpu(gy, x, w, geom):
    """Both gradients of conv2d; a Winograd convolution's share one transform of gy (measured on
    one thread, both gradients: 16 -> 32 channels at 32x32, batch 32, 7.9 ms apart, 6.2 so;
    64 -> 64 at 56x56, batch 16: 52 and 48 ms; 16 -> 64: 11.8 and 9.4; 32 -> 16: 7.9 both)."""
    gy, x, w = np.ascontiguousarray(gy), np.ascontiguousarray(x), np.ascontiguousarray(w)
    if _winograd(geom, x.shape[1], w.shape[0]) and gy.shape[3] >= WINOGRAD_GRAD_MIN_WIDTH:
        return _conv_grads_winograd(gy, x, w, geom)
    return conv_transpose2d_cpu(gy, w, geom, x.shape[2:]), conv_weight_grad_cpu(x, gy, geom, w.shape)


def unfold_cpu(x, geom):
    """im2col of each sample straight into its (C*kh*kw, L) slice of the output."""
    x = np.ascontiguousarray(x)
    N, C = x.shape[:2]
    OH, OW = geom.out_hw(x.shape[2:])
    cols = np.empty((N, C * geom.kh * geom.kw, OH * OW), dtype=x.dtype)

    def run(n0, n1):
        for n in range(n0, n1):
            _im2col_cpu(x, n, *geom.window, 0, OH, OW, cols[n])
    split(N, run, float(cols.size))
    return cols


def fold_cpu(cols, geom, hw):
    """col2im of each sample's columns onto its own image (samples never race)."""
    cols = np.ascontiguousarray(cols)
    N, R = cols.shape[:2]
    OH, OW = geom.out_hw(hw)
    x = np.zeros((N, R // (geom.kh * geom.kw)) + tuple(hw), dtype=cols.dtype)

    def run(n0, n1):
        for n in range(n0, n1):
            _col2im_cpu(cols[n], n, *geom.window, 0, OH, OW, x)
    split(N, run, float(cols.size))
    return x


# ============================================================================ cuda (Numba CUDA)

def _im2col_cuda(x, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, cols):
    N, C, H, W = x.shape
    L = OH * OW
    R = C * kh * kw
    for t in range(cuda.grid(1), N * R * L, cuda.gridsize(1)):
        l = t % L
        n = (t // L) % N
        r = t // (L * N)
        c = r // (kh * kw)
        i = (r // kw) % kh
        j = r % kw
        h = (l // OW) * sh - ph + i * dh
        w = (l % OW) * sw - pw + j * dw
        if 0 <= h < H and 0 <= w < W:
            cols[r, n * L + l] = x[n, c, h, w]
        else:
            cols[r, n * L + l] = 0


def _col2im_cuda(cols, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, out):
    N, C, H, W = out.shape
    for t in range(cuda.grid(1), N * C * H * W, cuda.gridsize(1)):
        w = t % W
        h = (t // W) % H
        c = (t // (W * H)) % C
        n = t // (W * H * C)
        acc = cols.dtype.type(0)
        for i in range(kh):                 # gather: which windows read pixel (h, w)?
            hh = h + ph - i * dh
            if hh < 0 or hh % sh != 0 or hh // sh >= OH:
                continue
            for j in range(kw):
                ww = w + pw - j * dw
                if ww < 0 or ww % sw != 0 or ww // sw >= OW:
                    continue
                acc += cols[(c * kh + i) * kw + j, n * OH * OW + (hh // sh) * OW + ww // sw]
        out[n, c, h, w] = acc


def im2col_cuda(x, geom, OH, OW, out):
    _cuda.launch(_im2col_cuda, out.size, x, *geom.window, OH, OW, out)
    return out


def col2im_cuda(cols, geom, OH, OW, out):
    _cuda.launch(_col2im_cuda, out.size, cols, *geom.window, OH, OW, out)
    return out


CHUNK_BYTES = 32 << 20     # the column matrix of one chunk of the batch stays under this


def _chunks(N, bytes_per_sample):
    nb = max(1, min(N, CHUNK_BYTES // max(1, bytes_per_sample)))
    return nb, [(n0, min(N, n0 + nb)) for n0 in range(0, N, nb)]


def _conv2d_chunked(x, w, geom, im2col):
    """y = w @ im2col(x) for one chunk of the batch at a time: one large product per chunk
    keeps cuBLAS busy, the chunk bounds the column matrix."""
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    N, C = x.shape[:2]
    O, g = w.shape[0], geom.groups
    OH, OW = geom.out_hw(x.shape[2:])
    R, L = C * geom.kh * geom.kw, OH * OW
    wmat = w.reshape(g, O // g, R // g)
    y = xp.empty((N, O, OH, OW), dtype=x.dtype)
    nb, chunks = _chunks(N, R * L * x.itemsize)
    buf = xp.empty(R * nb * L, dtype=x.dtype)
    for n0, n1 in chunks:
        cols = im2col(x[n0:n1], geom, OH, OW, buf[:R * (n1 - n0) * L].reshape(R, (n1 - n0) * L))
        prod = xp.matmul(wmat, cols.reshape(g, R // g, (n1 - n0) * L))       # (g, O/g, nb*L)
        y[n0:n1] = prod.reshape(O, n1 - n0, OH, OW).transpose(1, 0, 2, 3)
    return y


def _conv_transpose2d_chunked(y, w, geom, hw, col2im):
    xp = array_module(y)
    y = xp.ascontiguousarray(y)
    N, O, OH, OW = y.shape
    g = geom.groups
    C = w.shape[1] * g
    R, L = C * geom.kh * geom.kw, OH * OW
    wT = w.reshape(g, O // g, R // g).transpose(0, 2, 1)
    x = xp.empty((N, C) + tuple(hw), dtype=y.dtype)
    nb, chunks = _chunks(N, R * L * y.itemsize)
    for n0, n1 in chunks:
        cols = xp.matmul(wT, _batch_major(y[n0:n1].reshape(n1 - n0, O, L), g))
        col2im(cols.reshape(R, (n1 - n0) * L), geom, OH, OW, x[n0:n1])
    return x


def _conv_weight_grad_chunked(x, gy, geom, w_shape, im2col):
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    N, C = x.shape[:2]
    _, O, OH, OW = gy.shape
    g = geom.groups
    R, L = C * geom.kh * geom.kw, OH * OW
    gw = xp.zeros((g, O // g, R // g), dtype=x.dtype)
    nb, chunks = _chunks(N, R * L * x.itemsize)
    buf = xp.empty(R * nb * L, dtype=x.dtype)
    for n0, n1 in chunks:
        cols = im2col(x[n0:n1], geom, OH, OW, buf[:R * (n1 - n0) * L].reshape(R, (n1 - n0) * L))
        gyc = _batch_major(gy[n0:n1].reshape(n1 - n0, O, L), g)
        gw += xp.matmul(gyc, cols.reshape(g, R // g, (n1 - n0) * L).transpose(0, 2, 1))
    return gw.reshape(w_shape)


def unfold_cuda(x, geom):
    xp = array_module(x)
    N, C = x.shape[:2]
    OH, OW = geom.out_hw(x.shape[2:])
    R = C * geom.kh * geom.kw
    cols = im2col_cuda(xp.ascontiguousarray(x), geom, OH, OW, xp.empty((R, N * OH * OW), x.dtype))
    return xp.ascontiguousarray(cols.reshape(R, N, OH * OW).transpose(1, 0, 2))


def fold_cuda(cols, geom, hw):
    xp = array_module(cols)
    N, R, L = cols.shape
    OH, OW = geom.out_hw(hw)
    x = xp.empty((N, R // (geom.kh * geom.kw)) + tuple(hw), dtype=cols.dtype)
    return col2im_cuda(xp.ascontiguousarray(cols.transpose(1, 0, 2)).reshape(R, N * L), geom, OH, OW, x)


def conv2d_cuda(x, w, geom):
    return _conv2d_chunked(x, w, geom, im2col_cuda)


def conv_transpose2d_cuda(y, w, geom, hw):
    return _conv_transpose2d_chunked(y, w, geom, hw, col2im_cuda)


def conv_grads_cuda(gy, x, w, geom):
    return conv_transpose2d_cuda(gy, w, geom, x.shape[2:]), conv_weight_grad_cuda(x, gy, geom, w.shape)


def conv_weight_grad_cuda(x, gy, geom, w_shape):
    return _conv_weight_grad_chunked(x, gy, geom, w_shape, im2col_cuda)


# ============================================================================ the variants

class ConvKernels(NamedTuple):
    """One variant of the family: the three linear maps on arrays."""
    conv2d: Callable             # (x, w, geom) -> y
    conv_transpose2d: Callable   # (y, w, geom, hw) -> x of spatial size hw
    weight_grad: Callable        # (x, gy, geom, w_shape) -> gw
    grads: Callable              # (gy, x, w, geom) -> (conv_transpose2d(gy, w), weight_grad(x, gy))
    unfold: Callable             # (x, geom) -> cols (N, C*kh*kw, L)
    fold: Callable               # (cols, geom, hw) -> x of spatial size hw


VARIANTS = {
    "reference": ConvKernels(conv2d_reference, conv_transpose2d_reference, conv_weight_grad_reference,
                             conv_grads_reference, unfold_reference, fold_reference),
    "cpu": ConvKernels(conv2d_cpu, conv_transpose2d_cpu, conv_weight_grad_cpu, conv_grads_cpu, unfold_cpu,
                       fold_cpu),
    "cuda": ConvKernels(conv2d_cuda, conv_transpose2d_cuda, conv_weight_grad_cuda, conv_grads_cuda, unfold_cuda,
                        fold_cuda),
}

_I10 = "int64, " * 10
PTX_SIGNATURES = [(kernel, f"void({sig})") for t in ("float32", "float64") for kernel, sig in (
    (_im2col_cuda, f"{t}[:, :, :, ::1], {_I10}{t}[:, ::1]"),
    (_col2im_cuda, f"{t}[:, ::1], {_I10}{t}[:, :, :, ::1]"),
)]


def _kernels(op, x):
    return VARIANTS[choose(op, x)]


# ============================================================================ the Functions

class Conv2d(Function):
    """y = x * w + b;  dx = conv_transpose2d(dy, w), dw = ConvWeightGrad(x, dy) (both: Conv2dGrads),
    db = sum(dy)"""

    @staticmethod
    def forward(ctx, x, w, b, geom):
        geom = ConvGeometry(*geom)
        ctx.geom, ctx.hw = geom, x.shape[2:]
        y = _kernels("conv2d", x).conv2d(x, w, geom)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if need_x and need_w:
            gx, gw = Conv2dGrads.apply(gy, x, w, ctx.geom)
        else:
            gx = ConvTranspose2d.apply(gy, w, None, ctx.geom, ctx.hw) if need_x else None
            gw = ConvWeightGrad.apply(x, gy, ctx.geom, tuple(w.shape)) if need_w else None
        gb = gy.sum((0, 2, 3)) if need_b else None
        return gx, gw, gb, None


class ConvTranspose2d(Function):
    """x = conv(., w)^T (y) + b;  dy = conv2d(dx, w), dw = ConvWeightGrad(dx, y), db = sum(dx)"""

    @staticmethod
    def forward(ctx, y, w, b, geom, hw):
        geom = ConvGeometry(*geom)
        ctx.geom = geom
        x = _kernels("conv_transpose2d", y).conv_transpose2d(y, w, geom, tuple(hw))
        if b is not None:
            x += b.reshape(1, -1, 1, 1)
        ctx.save_for_backward(y, w)
        return x

    @staticmethod
    def backward(ctx, gx):
        y, w = ctx.saved_tensors
        need_y, need_w, need_b = ctx.needs_input_grad[:3]
        gy = Conv2d.apply(gx, w, None, ctx.geom) if need_y else None
        gw = ConvWeightGrad.apply(gx, y, ctx.geom, tuple(w.shape)) if need_w else None
        gb = gx.sum((0, 2, 3)) if need_b else None
        return gy, gw, gb, None, None


class ConvWeightGrad(Function):
    """gw = sum_n gy[n] (x) im2col(x[n]);  dx = conv_transpose2d(gy, G), dgy = conv2d(x, G)"""

    @staticmethod
    def forward(ctx, x, gy, geom, w_shape):
        geom = ConvGeometry(*geom)
        ctx.geom, ctx.hw = geom, x.shape[2:]
        ctx.save_for_backward(x, gy)
        return _kernels("conv2d (weight gradient)", x).weight_grad(x, gy, geom, tuple(w_shape))

    @staticmethod
    def backward(ctx, G):
        x, gy = ctx.saved_tensors
        need_x, need_gy = ctx.needs_input_grad[:2]
        dx = ConvTranspose2d.apply(gy, G, None, ctx.geom, ctx.hw) if need_x else None
        dgy = Conv2d.apply(x, G, None, ctx.geom) if need_gy else None
        return dx, dgy, None, None


class Conv2dGrads(Function):
    """gx, gw = ConvTranspose2d(gy, w), ConvWeightGrad(x, gy) in one kernel call;
    dgy = conv2d(Gx, w) + conv2d(x, Gw), dx = conv_transpose2d(gy, Gw), dw = ConvWeightGrad(Gx, gy)"""

    @staticmethod
    def forward(ctx, gy, x, w, geom):
        ctx.geom = geom
        ctx.save_for_backward(gy, x, w)
        return _kernels("conv2d (backward)", x).grads(gy, x, w, geom)

    @staticmethod
    def backward(ctx, Gx, Gw):
        gy, x, w = ctx.saved_tensors
        need_gy, need_x, need_w = ctx.needs_input_grad[:3]
        dgy = Conv2d.apply(Gx, w, None, ctx.geom) + Conv2d.apply(x, Gw, None, ctx.geom) if need_gy else None
        dx = ConvTranspose2d.apply(gy, Gw, None, ctx.geom, x.shape[2:]) if need_x else None
        dw = ConvWeightGrad.apply(Gx, gy, ctx.geom, tuple(w.shape)) if need_w else None
        return dgy, dx, dw, None


class Unfold(Function):
    """cols = im2col(x), (N, C*kh*kw, L);  dx = Fold(dcols)"""

    @staticmethod
    def forward(ctx, x, geom):
        geom = ConvGeometry(*geom)
        ctx.geom, ctx.hw = geom, x.shape[2:]
        return _kernels("unfold", x).unfold(x, geom)

    @staticmethod
    def backward(ctx, gcols):
        return Fold.apply(gcols, ctx.geom, ctx.hw), None


class Fold(Function):
    """x = col2im(cols): every column entry added onto the pixel it stands for;  dcols = Unfold(dx)"""

    @staticmethod
    def forward(ctx, cols, geom, hw):
        geom = ConvGeometry(*geom)
        ctx.geom = geom
        return _kernels("fold", cols).fold(cols, geom, tuple(hw))

    @staticmethod
    def backward(ctx, gx):
        return Unfold.apply(gx, ctx.geom), None, None


def out_hw(hw, geom):
    """Output size of the forward convolution on an input of spatial size ``hw``."""
    return ConvGeometry(*geom).out_hw(hw)
