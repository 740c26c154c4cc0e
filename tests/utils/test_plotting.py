"""utils/plotting.py: plot_curves, make_grid and image_grid write PNGs of the expected size."""
import struct

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils.plotting import image_grid, make_grid, plot_curves


def _png_size(path):
    raw = open(path, "rb").read()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR"
    return struct.unpack(">II", raw[16:24])


def test_plot_curves_writes_a_png_of_the_expected_size(tmp_path):
    pytest.importorskip("matplotlib")
    path = plot_curves({"train": [1.0, 0.5, mg.tensor(0.25)], "val": [1.1, 0.7, 0.6]},
                       tmp_path / "sub" / "loss.png", title="loss", figsize=(4, 3), dpi=50)
    assert _png_size(path) == (200, 150)


def test_plot_curves_keeps_its_labels_inside_the_picture(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    path = plot_curves({"train loss": [2.0, 0.5], "test loss": [1.5, 0.7]}, tmp_path / "loss.png",
                       title="a title", ylabel="cross-entropy (log scale)", logy=True, figsize=(6.4, 4.0))
    pixels = plt.imread(path)[..., :3]
    assert pixels.shape[:2] == (400, 640)
    # the y label and the title are drawn inside: the outer 3 pixels on every side stay white
    for edge in (pixels[:, :3], pixels[:, -3:], pixels[:3], pixels[-3:]):
        assert edge.min() > 0.99, edge.min()
    assert pixels[:, :40].min() < 0.5              # and the y label is there, near the left edge


def test_make_grid_layout_and_image_grid_png(tmp_path):
    imgs = np.stack([np.full((1, 3, 4), v, dtype=np.float32) for v in (0.1, 0.2, 0.3, 0.4, 0.5)])
    grid = make_grid(mg.tensor(imgs), nrow=2, padding=1)
    assert grid.shape == (3 * 4 + 1, 2 * 5 + 1)
    assert grid[1, 1] == pytest.approx(0.1) and grid[1, 6] == pytest.approx(0.2)
    assert grid[9, 1] == pytest.approx(0.5) and grid[9, 6] == 0.0 and grid[0, 0] == 0.0
    pytest.importorskip("matplotlib")
    path = image_grid(imgs, tmp_path / "grid.png", nrow=2, padding=1, scale=3)
    assert _png_size(path) == (11 * 3, 13 * 3)  # (width, height)
    rgb = make_grid(np.zeros((2, 3, 4, 4)), nrow=8)
    assert rgb.shape == (8, 14, 3)
    with pytest.raises(ValueError, match="make_grid.*\\(2, 5, 4, 4\\)"):
        make_grid(np.zeros((2, 5, 4, 4)))
