"""data/dataset.py: random_split."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import TensorDataset, random_split

X = np.arange(30, dtype=np.float32).reshape(10, 3)


def test_random_split_lengths_and_fractions():
    ds = TensorDataset(mg.tensor(X))
    a, b = random_split(ds, [7, 3], generator=mg.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3 and sorted(a.indices + b.indices) == list(range(10))
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=mg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(range(11), [0.5, 0.5], generator=mg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [6, 5]  # the remainder goes to the first subset
    again = random_split(ds, [7, 3], generator=mg.Generator().manual_seed(0))
    assert again[0].indices == a.indices
    with pytest.raises(ValueError, match="sum of input lengths 9"):
        random_split(ds, [5, 4])
