"""Exercise: conv2d backward, through col2im.

Read: docs/READING.md, section 9 (Convolution), then minigrad/kernels/conv.py (col2im_reference).
Lesson: lessons/cnn.py.

With cols = im2col(x) (N, C*kh*kw, L), w2 = w.reshape(O, C*kh*kw) and y[n] = w2 @ cols[n] + b,
for an upstream gradient gy (N, O, OH, OW) seen as gy2 (N, O, L):

    dL/db    = sum over n, oh, ow of gy
    dL/dw2   = sum_n gy2[n] @ cols[n]^T                      -> reshaped to w.shape
    dL/dcols = w2^T @ gy2[n]                                 (N, C*kh*kw, L)
    dL/dx    = col2im(dL/dcols): add every column back into the window it came from
               (windows overlap, so use +=), then drop the padding

`im2col` is given (the solution of exercise conv2d). Write col2im and the backward on NumPy
arrays; keep the dtype.
Check: minigrad exercise check conv2d_backward
"""
import numpy as np


def im2col(x, kh, kw, stride=1, padding=0):
    """(N, C*kh*kw, OH*OW): every window of x as a column."""
    N, C, H, W = x.shape
    OH, OW = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = np.empty((N, C, kh, kw, OH, OW), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + stride * (OH - 1) + 1:stride,
                                  j:j + stride * (OW - 1) + 1:stride]
    return cols.reshape(N, C * kh * kw, OH * OW)


def col2im(cols, x_shape, kh, kw, stride=1, padding=0):
    """The adjoint of im2col: (N, C*kh*kw, OH*OW) -> x_shape, overlapping windows summed."""
    # YOUR CODE BEGINS
    N, C, H, W = x_shape
    OH, OW = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    c6 = cols.reshape(N, C, kh, kw, OH, OW)
    xp = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            xp[:, :, i:i + stride * (OH - 1) + 1:stride, j:j + stride * (OW - 1) + 1:stride] += c6[:, :, i, j]
    return xp[:, :, padding:padding + H, padding:padding + W]
    # YOUR CODE ENDS


def conv2d_backward(gy, x, w, stride=1, padding=0):
    """(dL/dx, dL/dw, dL/db) of y = conv2d(x, w, b, stride, padding), given gy = dL/dy."""
    # YOUR CODE BEGINS
    N, O = gy.shape[:2]
    kh, kw = w.shape[2:]
    gy2 = gy.reshape(N, O, -1)
    w2 = w.reshape(O, -1)
    cols = im2col(x, kh, kw, stride, padding)
    gw = np.einsum("nol,nrl->or", gy2, cols).reshape(w.shape)
    gcols = w2.T @ gy2
    return col2im(gcols, x.shape, kh, kw, stride, padding), gw, gy.sum(axis=(0, 2, 3))
    # YOUR CODE ENDS
