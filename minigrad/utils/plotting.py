"""Plots for lessons, written as PNG files with matplotlib's Agg backend (no display needed).

    plot_curves({"train loss": [...], "val loss": [...]}, "out/loss.png")
    image_grid(samples, "out/samples.png", nrow=8)      # (N, C, H, W) or (N, H, W) in [0, 1]

matplotlib is imported only when a plot is made; ``make_grid`` is plain NumPy.
"""
from __future__ import annotations

import os

import numpy as np

from ..tensor import Tensor
from .metrics import _np


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend (imported on first use: matplotlib is
    an optional dependency, in the ``lessons`` extra)."""
    import matplotlib  # noqa: PLC0415 - optional package (the lessons extra)
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt  # noqa: PLC0415 - optional package (the lessons extra)
    return plt



def _mkdir_for(path):
    os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)


def plot_curves(curves, path, title=None, xlabel="epoch", ylabel=None, logy=False,
                figsize=(6.4, 4.0), dpi=100):
    """One line per entry of ``curves`` (name -> sequence of numbers, or name -> (x, y)),
    saved as a ``figsize * dpi`` pixel PNG at ``path``, the labels laid out inside it (none cut
    off at an edge). Returns ``path``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    try:
        counted = True                  # every x is 1, 2, 3 ...: whole-number ticks
        for name, values in curves.items():
            if isinstance(values, tuple) and len(values) == 2:
                x, y = _np(values[0]), _np(values[1])
                counted = False
            else:
                y = _np([float(v.item() if isinstance(v, Tensor) else v) for v in values])
                x = np.arange(1, len(y) + 1)
            ax.plot(x, y, label=str(name), marker="." if len(y) <= 30 else None)   # few points: show each
        if counted:
            ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(xlabel)
        if ylabel:
            ax.set_ylabel(ylabel)
        if logy:
            ax.set_yscale("log")
        if title:
            ax.set_title(title)
        if len(curves) > 1:
            ax.legend()
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        _mkdir_for(path)
        fig.savefig(path, dpi=dpi, format="png")
    finally:
        plt.close(fig)
    return path


def make_grid(images, nrow=8, padding=2, pad_value=0.0, normalize=False):
    """Tile images (N, C, H, W) or (N, H, W) into one (H', W') or (H', W', C) array, ``nrow``
    images per row with ``padding`` pixels between them (torchvision's ``make_grid`` layout,
    but channels last, ready for an image file). ``normalize`` rescales to [0, 1]."""
    imgs = _np(images).astype(np.float32)
    if imgs.ndim == 3:
        imgs = imgs[:, None]
    if imgs.ndim != 4 or imgs.shape[1] not in (1, 3):
        raise ValueError(f"make_grid: expected images of shape (N, H, W) or (N, C, H, W) with "
                         f"C in (1, 3), got {tuple(_np(images).shape)}")
    if normalize:
        lo, hi = imgs.min(), imgs.max()
        imgs = (imgs - lo) / (hi - lo if hi > lo else 1.0)
    n, c, h, w = imgs.shape
    ncol = min(nrow, n)
    nrows = -(-n // ncol)
    grid = np.full((c, nrows * (h + padding) + padding, ncol * (w + padding) + padding), pad_value,
                   dtype=np.float32)
    for i in range(n):  # a loop over images, not pixels
        r, col = divmod(i, ncol)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[:, top:top + h, left:left + w] = imgs[i]
    return grid[0] if c == 1 else grid.transpose(1, 2, 0)


def image_grid(images, path, nrow=8, padding=2, pad_value=0.0, normalize=False, scale=1,
               cmap="gray"):
    """Save ``make_grid(images, ...)`` as a PNG whose pixels are the grid's (each repeated
    ``scale`` times per axis). Values are clipped to [0, 1]. Returns ``path``."""
    grid = np.clip(make_grid(images, nrow, padding, pad_value, normalize), 0.0, 1.0)
    if scale != 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    pyplot()
    import matplotlib.image  # noqa: PLC0415 - optional package (the lessons extra)
    _mkdir_for(path)
    matplotlib.image.imsave(path, grid, cmap=cmap if grid.ndim == 2 else None, vmin=0.0, vmax=1.0,
                            format="png")
    return path
