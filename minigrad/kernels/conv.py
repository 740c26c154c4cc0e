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
WGAN-GP's gradient penalty) come for free: the family needs no composite.

Geometry travels as a ``ConvGeometry``, always of the *forward* convolution (the one mapping x
to y). The bottom/right padding may differ from the top/left one ('same' with an even kernel
pads more at the end; conv_transpose2d's output_padding is a smaller, possibly negative, end
padding of the convolution it is the adjoint of).

Variants: ``reference`` (NumPy: im2col by one strided slice per kernel offset, one product
for the whole batch), ``cpu`` (Numba im2col/col2im writing straight into the GEMM layout,
products in BLAS, the batch in chunks that bound the column matrix), ``cuda`` (one CUDA thread
per column entry / per pixel, no atomics: col2im gathers instead of scattering; cuBLAS).
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from numba import njit, uint64

from ..autograd.function import Function
from ..backend import array_module
from . import _cuda, choose

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


# ============================================================================ cpu (Numba + BLAS)

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


@njit(cache=True, error_model="numpy")
def _im2col_cpu(x, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, cols):
    # Plain index loops (a slice view per image row cost more than the copy on small images).
    # Column indices are cast to uint64: Numba then skips the negative-index wraparound test
    # it puts on every signed index, which kept the copy loop from vectorising (2x slower).
    # One thread, not prange: a matrix product always follows, and Numba's OpenMP threads keep
    # spinning for a while after a parallel loop, stealing the cores OpenBLAS needs for it.
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


@njit(cache=True, error_model="numpy")
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


def im2col_cpu(x, geom, OH, OW, out):
    _im2col_cpu(x, *geom.window, OH, OW, out)
    return out


def col2im_cpu(cols, geom, OH, OW, out):
    _col2im_cpu(cols, *geom.window, OH, OW, out)
    return out


CHUNK_BYTES = 32 << 20     # the column matrix of one chunk of the batch stays under this


def _chunks(N, bytes_per_sample):
    nb = max(1, min(N, CHUNK_BYTES // max(1, bytes_per_sample)))
    return nb, [(n0, min(N, n0 + nb)) for n0 in range(0, N, nb)]


def _conv2d_chunked(x, w, geom, im2col):
    """y = w @ im2col(x) for one chunk of the batch at a time (the cpu and cuda variants)."""
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


def conv2d_cpu(x, w, geom):
    return _conv2d_chunked(x, w, geom, im2col_cpu)


def conv_transpose2d_cpu(y, w, geom, hw):
    return _conv_transpose2d_chunked(y, w, geom, hw, col2im_cpu)


def conv_weight_grad_cpu(x, gy, geom, w_shape):
    return _conv_weight_grad_chunked(x, gy, geom, w_shape, im2col_cpu)


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


def conv2d_cuda(x, w, geom):
    return _conv2d_chunked(x, w, geom, im2col_cuda)


def conv_transpose2d_cuda(y, w, geom, hw):
    return _conv_transpose2d_chunked(y, w, geom, hw, col2im_cuda)


def conv_weight_grad_cuda(x, gy, geom, w_shape):
    return _conv_weight_grad_chunked(x, gy, geom, w_shape, im2col_cuda)


# ============================================================================ the variants

class ConvKernels(NamedTuple):
    """One variant of the family: the three linear maps on arrays."""
    conv2d: Callable             # (x, w, geom) -> y
    conv_transpose2d: Callable   # (y, w, geom, hw) -> x of spatial size hw
    weight_grad: Callable        # (x, gy, geom, w_shape) -> gw


VARIANTS = {
    "reference": ConvKernels(conv2d_reference, conv_transpose2d_reference, conv_weight_grad_reference),
    "cpu": ConvKernels(conv2d_cpu, conv_transpose2d_cpu, conv_weight_grad_cpu),
    "cuda": ConvKernels(conv2d_cuda, conv_transpose2d_cuda, conv_weight_grad_cuda),
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
    """y = x * w + b;  dx = conv_transpose2d(dy, w), dw = ConvWeightGrad(x, dy), db = sum(dy)"""

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


def out_hw(hw, geom):
    """Output size of the forward convolution on an input of spatial size ``hw``."""
    return ConvGeometry(*geom).out_hw(hw)
