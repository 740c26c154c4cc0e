"""EarlyStopping, SaveBestCheckpoint, progress_bar, plotting, write_metrics."""
import io
import json
import struct

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils import EarlyStopping, SaveBestCheckpoint, progress_bar, write_metrics
from minigrad.utils.plotting import image_grid, make_grid, plot_curves
from minigrad.utils.progress import PlainProgress


class Box:
    def __init__(self):
        self.w = mg.zeros(3)

    def state_dict(self):
        return {"w": self.w}

    def load_state_dict(self, sd):
        self.w.copy_(sd["w"])


def test_early_stopping_patience_min_delta_and_restore():
    box = Box()
    es = EarlyStopping(patience=2, min_delta=0.1, restore_best_weights=True)
    stops = []
    for epoch, loss in enumerate([1.0, 0.8, 0.75, 0.72, 0.5, 0.45, 0.44]):
        box.w.fill_(float(epoch))  # the weights change every epoch
        stops.append(es.step(loss, box))
        if stops[-1]:
            break
    # 0.75 and 0.72 are not better than 0.8 by more than 0.1; 0.5 is; 0.45, 0.44 are not
    assert stops == [False, False, False, True]
    assert es.best == 0.8 and es.best_epoch == 1
    np.testing.assert_array_equal(box.w.data, [1.0, 1.0, 1.0])  # epoch 1's weights restored
    es = EarlyStopping(patience=1, mode="max")
    assert [es.step(v) for v in (0.5, 0.6, 0.6)] == [False, False, True]
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        EarlyStopping(mode="up")


def test_save_best_checkpoint(tmp_path):
    ckpt = SaveBestCheckpoint(tmp_path / "best.npz", mode="max")
    saved = [ckpt.step(acc, lambda: {"acc": acc, "w": mg.full((2,), acc)}) for acc in (0.5, 0.7, 0.6, 0.71)]
    assert saved == [True, True, False, True]
    best = ckpt.load()
    assert best["acc"] == 0.71 and ckpt.best_epoch == 3
    np.testing.assert_allclose(best["w"].data, [0.71, 0.71])


def test_progress_plain_lines_without_tty():
    out = io.StringIO()
    bar = progress_bar(range(20), desc="epoch 1", file=out, lines=4)
    assert isinstance(bar, PlainProgress)
    seen = []
    for i in bar:
        seen.append(i)
        bar.set_postfix(loss=f"{1 / (i + 1):.2f}")
    lines = out.getvalue().splitlines()
    assert seen == list(range(20))
    assert lines[0].startswith("epoch 1: 5/20 (25%)") and lines[-1].startswith("epoch 1: 20/20 (100%)")
    assert len(lines) == 4 and lines[-1].endswith("loss=0.05")


def test_progress_uses_tqdm_on_a_tty():
    tqdm = pytest.importorskip("tqdm")

    class FakeTTY(io.StringIO):
        def isatty(self):
            return True
    bar = progress_bar(range(3), file=FakeTTY())
    assert isinstance(bar, tqdm.tqdm) and list(bar) == [0, 1, 2]


def _png_size(path):
    raw = open(path, "rb").read()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR"
    return struct.unpack(">II", raw[16:24])


def test_plot_curves_writes_a_png_of_the_expected_size(tmp_path):
    pytest.importorskip("matplotlib")
    path = plot_curves({"train": [1.0, 0.5, mg.tensor(0.25)], "val": [1.1, 0.7, 0.6]},
                       tmp_path / "sub" / "loss.png", title="loss", figsize=(4, 3), dpi=50)
    assert _png_size(path) == (200, 150)


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


def test_write_metrics(tmp_path):
    path = write_metrics(tmp_path / "m" / "metrics.json",
                         {"acc": mg.tensor(0.5), "curve": np.array([1.0, 2.0]), "epochs": 3})
    assert json.loads(open(path).read()) == {"acc": 0.5, "curve": [1.0, 2.0], "epochs": 3}
