"""im2col and col2im: the data movement that turns a convolution into one matrix product.

A convolution window at output position (oh, ow) reads, for every input channel c and kernel
offset (i, j), the pixel

    x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]        (zero outside the image).

``im2col`` writes those pixels as the *columns* of a matrix in the layout the GEMM wants,

    cols[(c*kh + i)*kw + j, n*L + oh*OW + ow]        shape (C*kh*kw, N*L),  L = OH*OW,

so that the whole batch is ONE matrix product, ``w.reshape(O, C*kh*kw) @ cols`` (per group:
the rows of group g are a contiguous block, so ``cols.reshape(groups, C//groups*kh*kw, N*L)``
needs no copy). One large product keeps a multi-threaded BLAS efficient; a product per sample
would be many small ones, where BLAS threads spend their time synchronising.
``col2im`` is its adjoint: every column entry is added back onto the pixel it came from
(the pixels the windows overlap on receive several contributions).

``geom = (kh, kw, sh, sw, ph, pw, dh, dw)``: kernel size, stride, top/left padding, dilation.
The bottom/right padding is implied by the output size (OH, OW) the caller passes, which is
how asymmetric 'same' padding and output_padding fit in without a special case.

Three variants side by side: ``reference`` (NumPy, one strided slice per kernel offset),
``cpu`` (Numba, one thread looping over (n, c) planes, writing straight into the GEMM layout;
why one thread: see ``im2col_cpu``) and
``cuda`` (Numba CUDA, one thread per element, no atomics: col2im gathers instead of scatters).
"""
from __future__ import annotations

from numba import njit, uint64

from . import _cuda
from ..backend import array_module

cuda = None   # numba.cuda, bound by _cuda.jit on first CUDA use (importing it takes ~1 s)


# ============================================================================ reference (NumPy)

def _padded_size(H, OH, k, s, p, d):
    """Height of the zero-padded image that holds every window (and all of the image)."""
    return max((OH - 1) * s + d * (k - 1) + 1, p + H)


def im2col_reference(x, geom, OH, OW, out):
    kh, kw, sh, sw, ph, pw, dh, dw = geom
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
    kh, kw, sh, sw, ph, pw, dh, dw = geom
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


# ============================================================================ cpu (Numba)

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


@njit(cache=True)
def _im2col_cpu(x, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, cols):
    # Plain index loops (a slice view per image row cost more than the copy on small images).
    # Column indices are cast to uint64: Numba then skips the negative-index wraparound test
    # it puts on every signed index, which kept the copy loop from vectorising (2x slower).
    N, C, H, W = x.shape
    L = OH * OW
    for nc in range(N * C):
        n, c = nc // C, nc % C
        for i in range(kh):
            for j in range(kw):
                r = (c * kh + i) * kw + j
                woff = j * dw - pw
                lo, hi = _valid_range(OW, sw, woff, W)     # ow in [lo, hi) read inside the image
                for oh in range(OH):
                    h = oh * sh - ph + i * dh
                    base = n * L + oh * OW
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


@njit(cache=True)
def _col2im_cpu(cols, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, out):
    N, C, H, W = out.shape
    L = OH * OW
    for nc in range(N * C):
        n, c = nc // C, nc % C
        for h in range(H):
            for w in range(W):
                out[n, c, h, uint64(w)] = 0
        for i in range(kh):
            for j in range(kw):
                r = (c * kh + i) * kw + j
                woff = j * dw - pw
                lo, hi = _valid_range(OW, sw, woff, W)
                for oh in range(OH):
                    h = oh * sh - ph + i * dh
                    if h < 0 or h >= H:
                        continue
                    base = n * L + oh * OW
                    for ow in range(lo, hi):
                        out[n, c, h, uint64(ow * sw + woff)] += cols[r, uint64(base + ow)]


# One thread, not prange: a matrix product always follows, and Numba's OpenMP threads keep
# spinning for a while after a parallel loop, stealing the cores OpenBLAS needs for it. On 2
# cores (quiet), the 3x3 64->64 56x56 conv2d forward went from ~78 ms to ~52 ms; the copies
# lose their 2x, the GEMM gets both cores back.
def im2col_cpu(x, geom, OH, OW, out):
    _im2col_cpu(x, *geom, OH, OW, out)
    return out


def col2im_cpu(cols, geom, OH, OW, out):
    _col2im_cpu(cols, *geom, OH, OW, out)
    return out


# ============================================================================ cuda (Numba CUDA)

def _im2col_cuda(x, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, cols):
    N, C, H, W = x.shape
    L = OH * OW
    R = C * kh * kw
    total = N * R * L
    for t in range(cuda.grid(1), total, cuda.gridsize(1)):
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
    total = N * C * H * W
    for t in range(cuda.grid(1), total, cuda.gridsize(1)):
        w = t % W
        h = (t // W) % H
        c = (t // (W * H)) % C
        n = t // (W * H * C)
        acc = cols[0, 0] * 0             # zero of the array's dtype
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
    _cuda.launch(_im2col_cuda, out.size, x, *geom, OH, OW, out)
    return out


def col2im_cuda(cols, geom, OH, OW, out):
    _cuda.launch(_col2im_cuda, out.size, cols, *geom, OH, OW, out)
    return out


IM2COL = {"reference": im2col_reference, "cpu": im2col_cpu, "cuda": im2col_cuda}
COL2IM = {"reference": col2im_reference, "cpu": col2im_cpu, "cuda": col2im_cuda}

# every CUDA kernel with its argument types, for the compile_ptx tests
_I = "int64, " * 10


def cuda_signatures():
    sigs = {}
    for t in ("float32", "float64"):
        sigs.setdefault(_im2col_cuda, []).append(f"void({t}[:, :, :, ::1], {_I}{t}[:, ::1])")
        sigs.setdefault(_col2im_cuda, []).append(f"void({t}[:, ::1], {_I}{t}[:, :, :, ::1])")
    return sigs


