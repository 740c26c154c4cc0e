"""Exercise: im2col, and conv2d forward as one matrix product.

Read: docs/READING.md, section 9 (Convolution: arguments at the front door, arithmetic in a kernel).
Lesson: lessons/cnn.py.

For x (N, C, H, W), a kernel w (O, C, kh, kw), a bias b (O,), stride s and zero padding p:

    OH = (H + 2p - kh) // s + 1,   OW = (W + 2p - kw) // s + 1
    im2col(x)[n, (c, i, j), (oh, ow)] = x_padded[n, c, oh*s + i, ow*s + j]     shape (N, C*kh*kw, OH*OW)
    conv2d(x)[n] = w.reshape(O, C*kh*kw) @ im2col(x)[n] + b[:, None]           reshaped to (O, OH, OW)

The row index (c, i, j) runs c slowest and j fastest (the order of w.reshape), the column
index (oh, ow) runs ow fastest. Write both on NumPy arrays; keep the dtype of x.
Check: minigrad exercise check conv2d
"""
import numpy as np


def out_size(H, k, stride, padding):
    """The number of windows of size k along a side of length H."""
    # YOUR CODE BEGINS
    return (H + 2 * padding - k) // stride + 1
    # YOUR CODE ENDS


def im2col(x, kh, kw, stride=1, padding=0):
    """(N, C*kh*kw, OH*OW): every window of x as a column."""
    # YOUR CODE BEGINS
    N, C, H, W = x.shape
    OH, OW = out_size(H, kh, stride, padding), out_size(W, kw, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = np.empty((N, C, kh, kw, OH, OW), dtype=x.dtype)
    for i in range(kh):                 # one strided slice of the image per kernel offset
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + stride * (OH - 1) + 1:stride,
                                  j:j + stride * (OW - 1) + 1:stride]
    return cols.reshape(N, C * kh * kw, OH * OW)
    # YOUR CODE ENDS


def conv2d(x, w, b, stride=1, padding=0):
    """The convolution (PyTorch's cross-correlation) of x with w, plus b: (N, O, OH, OW)."""
    # YOUR CODE BEGINS
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    OH, OW = out_size(H, kh, stride, padding), out_size(W, kw, stride, padding)
    y = w.reshape(O, -1) @ im2col(x, kh, kw, stride, padding) + b[:, None]
    return y.reshape(N, O, OH, OW)
    # YOUR CODE ENDS
