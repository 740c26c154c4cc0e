"""data/dataloader.py: batches, seeded shuffling, collation, samplers and subsets."""
from collections import namedtuple

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, Dataset, Subset, TensorDataset, default_collate

X = np.arange(30, dtype=np.float32).reshape(10, 3)
Y = np.arange(10, dtype=np.int64) % 3


def _epoch(loader):
    return [tuple(t.data.copy() for t in batch) for batch in loader]


def test_tensor_dataset_and_sequential_batches():
    ds = TensorDataset(mg.tensor(X), mg.tensor(Y))
    assert len(ds) == 10
    x3, y3 = ds[3]
    np.testing.assert_array_equal(x3.data, X[3]) and y3.item() == 0
    batches = _epoch(DataLoader(ds, batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64
    assert len(DataLoader(ds, batch_size=4)) == 3 and len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    assert [b[0].shape[0] for b in _epoch(DataLoader(ds, batch_size=4, drop_last=True))] == [4, 4]
    with pytest.raises(ValueError, match="size mismatch.*\\[10, 9\\]"):
        TensorDataset(mg.tensor(X), mg.tensor(Y[:9]))


def test_shuffle_is_seeded_repeatable_and_a_permutation():
    ds = TensorDataset(mg.tensor(X), mg.tensor(Y))
    a = _epoch(DataLoader(ds, batch_size=3, shuffle=True, generator=mg.Generator().manual_seed(5)))
    b = _epoch(DataLoader(ds, batch_size=3, shuffle=True, generator=mg.Generator().manual_seed(5)))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u[0], v[0])
    order = np.concatenate([u[0][:, 0] for u in a]) / 3
    assert sorted(order.tolist()) == list(range(10)) and order.tolist() != list(range(10))
    loader = DataLoader(ds, batch_size=10, shuffle=True, generator=mg.Generator().manual_seed(5))
    e1, e2 = _epoch(loader), _epoch(loader)
    assert not np.array_equal(e1[0][0], e2[0][0])  # a new order each epoch
    mg.manual_seed(3)  # generator=None: the default CPU generator
    c = _epoch(DataLoader(ds, batch_size=10, shuffle=True))
    mg.manual_seed(3)
    d = _epoch(DataLoader(ds, batch_size=10, shuffle=True))
    np.testing.assert_array_equal(c[0][0], d[0][0])


class Pairs(Dataset):
    """A map-style dataset returning mixed Python structures."""

    Point = namedtuple("Point", "x y")

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"img": np.full((2, 2), i, dtype=np.float64), "label": i, "w": 0.5 * i,
                "name": f"s{i}", "pt": self.Point(mg.tensor([float(i)]), True)}


def test_default_collate_recurses_into_dicts_tuples_and_numbers():
    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert batch["img"].shape == (3, 2, 2) and batch["img"].dtype == np.float64
    np.testing.assert_array_equal(batch["label"].data, [0, 1, 2])
    assert batch["label"].dtype == np.int64 and batch["w"].dtype == np.float32
    assert batch["name"] == ["s0", "s1", "s2"]
    assert isinstance(batch["pt"], Pairs.Point) and batch["pt"].x.shape == (3, 1)
    assert batch["pt"].y.dtype == np.bool_
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])


def test_custom_collate_fn_sampler_and_subset_fast_path():
    ds = TensorDataset(mg.tensor(X), mg.tensor(Y))
    sums = [b for b in DataLoader(ds, batch_size=5, collate_fn=lambda items: sum(float(x.sum().item()) for x, _ in items))]
    assert sums == [float(X[:5].sum()), float(X[5:].sum())]
    sub = Subset(ds, [9, 0, 4])
    (xb, yb), = list(DataLoader(sub, batch_size=3))
    np.testing.assert_array_equal(xb.data, X[[9, 0, 4]])
    slow = default_collate([sub[i] for i in range(3)])
    np.testing.assert_array_equal(slow[0].data, xb.data)
    (xs, _), = list(DataLoader(ds, batch_size=3, sampler=[2, 2, 7]))
    np.testing.assert_array_equal(xs.data, X[[2, 2, 7]])


@pytest.mark.parametrize("batch_size, error, match", [(True, TypeError, "DataLoader: batch_size must be an int"),
                                                      (2.0, TypeError, "DataLoader: batch_size must be an int"),
                                                      (0, ValueError, "DataLoader: batch_size must be at least 1")])
def test_dataloader_refuses_a_bad_batch_size(batch_size, error, match):
    with pytest.raises(error, match=match):
        DataLoader(TensorDataset(mg.ones(4, 2)), batch_size=batch_size)


def test_drop_last_is_a_bool_and_an_empty_dataset_cannot_be_shuffled_as_pytorch():
    for bad in (1, None, "yes"):
        with pytest.raises(TypeError, match=rf"^DataLoader: drop_last must be a bool, got {bad!r}"):
            DataLoader(list(range(7)), batch_size=2, drop_last=bad)
    with pytest.raises(ValueError, match="^DataLoader: num_samples should be a positive integer value, but got "
                                         "num_samples=0"):
        DataLoader([], shuffle=True)
    assert list(DataLoader([], batch_size=2)) == []
    assert len(DataLoader(list(range(7)), batch_size=2, shuffle=1)) == 4      # shuffle is read by its truth
