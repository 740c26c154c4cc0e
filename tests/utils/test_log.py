"""utils/log.py: write_metrics."""
import json

import numpy as np

import minigrad as mg
from minigrad.utils import write_metrics


def test_write_metrics(tmp_path):
    path = write_metrics(tmp_path / "m" / "metrics.json",
                         {"acc": mg.tensor(0.5), "curve": np.array([1.0, 2.0]), "epochs": 3})
    assert json.loads(open(path).read()) == {"acc": 0.5, "curve": [1.0, 2.0], "epochs": 3}
