"""utils/callbacks.py: EarlyStopping and SaveBestCheckpoint."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.utils import EarlyStopping, SaveBestCheckpoint


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
