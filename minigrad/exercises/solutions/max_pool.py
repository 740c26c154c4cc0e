"""Exercise: max-pool forward with its argmax, and the backward that routes through it.

Read: docs/READING.md, section 9 (Convolution), then minigrad/kernels/pool.py
(max_pool_reference and scatter_reference).
Lesson: lessons/cnn.py (LeNet's pooling layers).

For x (N, C, H, W), a k x k window and stride s (no padding):

    OH = (H - k) // s + 1,  OW = (W - k) // s + 1
    y[n, c, oh, ow]   = max over the window x[n, c, oh*s : oh*s + k, ow*s : ow*s + k]
    idx[n, c, oh, ow] = the flat index h * W + w in x[n, c] of that maximum (the first one on a tie)
    dL/dx[n, c].flat[idx] += gy[n, c, oh, ow]   (only the maximum gets the gradient; windows
                                                  that overlap may send to the same element: add)

Write both on NumPy arrays; idx is int64, y and dL/dx keep the dtype of x.
Check: minigrad exercise check max_pool
"""
import numpy as np


def max_pool2d(x, k, stride):
    """(y, idx): the window maxima and where each one is."""
    # YOUR CODE BEGINS
    N, C, H, W = x.shape
    OH, OW = (H - k) // stride + 1, (W - k) // stride + 1
    windows = np.empty((N, C, OH, OW, k * k), dtype=x.dtype)
    flat = np.empty((OH, OW, k * k), dtype=np.int64)
    for i in range(k):
        for j in range(k):
            rows = np.arange(OH) * stride + i
            cols = np.arange(OW) * stride + j
            windows[..., i * k + j] = x[:, :, rows[:, None], cols[None, :]]
            flat[..., i * k + j] = rows[:, None] * W + cols[None, :]
    best = windows.argmax(axis=-1)
    y = np.take_along_axis(windows, best[..., None], axis=-1)[..., 0]
    idx = np.take_along_axis(np.broadcast_to(flat, windows.shape), best[..., None], axis=-1)[..., 0]
    return y, idx
    # YOUR CODE ENDS


def max_pool2d_backward(gy, idx, x_shape):
    """dL/dx of max_pool2d, given gy = dL/dy and the idx it returned."""
    # YOUR CODE BEGINS
    N, C, H, W = x_shape
    gx = np.zeros((N, C, H * W), dtype=gy.dtype)
    for n in range(N):
        for c in range(C):
            np.add.at(gx[n, c], idx[n, c].reshape(-1), gy[n, c].reshape(-1))
    return gx.reshape(x_shape)
    # YOUR CODE ENDS
