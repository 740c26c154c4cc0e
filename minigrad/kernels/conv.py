"""2-D convolution as im2col + matrix product, and its two adjoints, as differentiable Functions.

Three linear maps, each the adjoint of another, make up convolution and all its derivatives:

    Conv2d(x, w)              y[n]  = w @ im2col(x[n])                  (per group)
    ConvTranspose2d(y, w)     x[n]  = col2im(w^T @ y[n])                the adjoint in x
    ConvWeightGrad(x, gy)     gw    = sum_n gy[n] @ im2col(x[n])^T      the adjoint in w

Each one's backward is made of the other two, so gradients of gradients (gradgradcheck,
WGAN-GP's gradient penalty) come for free. The data movement (im2col/col2im) has three
variants in ``kernels/im2col.py``; the products go to BLAS (NumPy) or cuBLAS (CuPy).

The batch is processed in chunks so that the column matrix stays under ``CHUNK_BYTES``
(one large product per chunk keeps BLAS efficient; the chunk bounds the memory).

``geom = (kh, kw, sh, sw, ph, pw, dh, dw, groups, ph_end, pw_end)`` -- kernel size, stride,
top/left padding, dilation, groups, bottom/right padding -- always of the *forward*
convolution (the one mapping x to y). The bottom/right padding may differ from the top/left
one ('same' with an even kernel pads more at the end; conv_transpose2d's output_padding is a
smaller, possibly negative, end padding of the convolution it is the adjoint of).
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend import array_module
from . import UnsupportedConfig, variant_for
from .im2col import COL2IM, IM2COL

CHUNK_BYTES = 32 << 20


def _check_variant(op, variant, dtype):
    if variant != "reference" and dtype.name not in ("float32", "float64"):
        raise UnsupportedConfig(f"{op}: the {variant!r} kernel variant supports float32 and float64, "
                                f"not {dtype.name}; use minigrad.kernels.use('reference')")


def _chunks(N, bytes_per_sample):
    nb = max(1, min(N, CHUNK_BYTES // max(1, bytes_per_sample)))
    return nb, [(n0, min(N, n0 + nb)) for n0 in range(0, N, nb)]


def _batch_major(a, groups, nb):
    """(nb, groups*Og, L) -> (groups, Og, nb*L): the channel-major layout of the products."""
    return a.reshape(nb, groups, -1, a.shape[-1]).transpose(1, 2, 0, 3).reshape(groups, -1, nb * a.shape[-1])


def conv2d_raw(x, w, geom, OH, OW, variant):
    """y = conv(x, w) on arrays: per group, y = w[g] @ im2col(x)[g] for a chunk of the batch."""
    kh, kw, groups = geom[0], geom[1], geom[8]
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    N, C = x.shape[:2]
    O = w.shape[0]
    R, L = C * kh * kw, OH * OW
    wmat = w.reshape(groups, O // groups, R // groups)
    y = xp.empty((N, O, OH, OW), dtype=x.dtype)
    nb, chunks = _chunks(N, R * L * x.itemsize)
    buf = xp.empty(R * nb * L, dtype=x.dtype)
    for n0, n1 in chunks:
        cols = IM2COL[variant](x[n0:n1], geom[:8], OH, OW, buf[:R * (n1 - n0) * L].reshape(R, -1))
        prod = xp.matmul(wmat, cols.reshape(groups, R // groups, -1))        # (groups, O/g, nb*L)
        y[n0:n1] = prod.reshape(O, n1 - n0, OH, OW).transpose(1, 0, 2, 3)
    return y


def conv_transpose2d_raw(y, w, geom, H, W, variant):
    """x = conv(., w)^T (y) on arrays: x = col2im(w[g]^T @ y[g]), x of spatial size (H, W)."""
    kh, kw, groups = geom[0], geom[1], geom[8]
    xp = array_module(y)
    y = xp.ascontiguousarray(y)
    N, O, OH, OW = y.shape
    C = w.shape[1] * groups
    R, L = C * kh * kw, OH * OW
    wT = w.reshape(groups, O // groups, R // groups).transpose(0, 2, 1)
    x = xp.empty((N, C, H, W), dtype=y.dtype)
    nb, chunks = _chunks(N, R * L * y.itemsize)
    for n0, n1 in chunks:
        cols = xp.matmul(wT, _batch_major(y[n0:n1].reshape(n1 - n0, O, L), groups, n1 - n0))
        COL2IM[variant](cols.reshape(R, -1), geom[:8], OH, OW, x[n0:n1])
    return x


def conv_weight_grad_raw(x, gy, geom, w_shape, variant):
    """gw = gy @ im2col(x)^T on arrays (per group, summed over the batch by the product)."""
    kh, kw, groups = geom[0], geom[1], geom[8]
    xp = array_module(x)
    x = xp.ascontiguousarray(x)
    N, C = x.shape[:2]
    _, O, OH, OW = gy.shape
    R, L = C * kh * kw, OH * OW
    gw = xp.zeros((groups, O // groups, R // groups), dtype=x.dtype)
    nb, chunks = _chunks(N, R * L * x.itemsize)
    buf = xp.empty(R * nb * L, dtype=x.dtype)
    for n0, n1 in chunks:
        cols = IM2COL[variant](x[n0:n1], geom[:8], OH, OW, buf[:R * (n1 - n0) * L].reshape(R, -1))
        gyc = _batch_major(gy[n0:n1].reshape(n1 - n0, O, L), groups, n1 - n0)
        gw += xp.matmul(gyc, cols.reshape(groups, R // groups, -1).transpose(0, 2, 1))
    return gw.reshape(w_shape)


# ----------------------------------------------------------------------------- the Functions

class Conv2d(Function):
    """y = x * w + b;  dx = conv_transpose2d(dy, w), dw = ConvWeightGrad(x, dy), db = sum(dy)"""

    @staticmethod
    def forward(ctx, x, w, b, geom):
        variant = variant_for(x)
        _check_variant("conv2d", variant, x.dtype)
        ctx.geom, ctx.hw = geom, x.shape[2:]
        y = conv2d_raw(x, w, geom, *out_hw(x.shape[2:], geom), variant)
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
        variant = variant_for(y)
        _check_variant("conv_transpose2d", variant, y.dtype)
        ctx.geom = geom
        x = conv_transpose2d_raw(y, w, geom, hw[0], hw[1], variant)
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
        variant = variant_for(x)
        _check_variant("conv2d (weight gradient)", variant, x.dtype)
        ctx.geom, ctx.hw = geom, x.shape[2:]
        ctx.save_for_backward(x, gy)
        return conv_weight_grad_raw(x, gy, geom, w_shape, variant)

    @staticmethod
    def backward(ctx, G):
        x, gy = ctx.saved_tensors
        need_x, need_gy = ctx.needs_input_grad[:2]
        dx = ConvTranspose2d.apply(gy, G, None, ctx.geom, ctx.hw) if need_x else None
        dgy = Conv2d.apply(x, G, None, ctx.geom) if need_gy else None
        return dx, dgy, None, None


def out_hw(hw, geom):
    """Output size of the forward convolution on an input of spatial size ``hw``."""
    kh, kw, sh, sw, ph, pw, dh, dw, _, ph_end, pw_end = geom
    return ((hw[0] + ph + ph_end - dh * (kh - 1) - 1) // sh + 1,
            (hw[1] + pw + pw_end - dw * (kw - 1) - 1) // sw + 1)
