"""data/kfold.py: KFold, as scikit-learn's."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import KFold, TensorDataset

X = np.arange(30, dtype=np.float32).reshape(10, 3)


@pytest.mark.parametrize("n,k,shuffle,seed", [(10, 3, False, None), (11, 4, True, 0), (7, 7, True, 3)])
def test_kfold_covers_every_index_once_and_matches_sklearn(n, k, shuffle, seed):
    folds = list(KFold(k, shuffle=shuffle, random_state=seed).split(n))
    assert len(folds) == k
    val = np.concatenate([v for _, v in folds])
    assert sorted(val.tolist()) == list(range(n))
    for train, v in folds:
        assert sorted(np.concatenate([train, v]).tolist()) == list(range(n))
        assert not set(train.tolist()) & set(v.tolist())
    sk = pytest.importorskip("sklearn.model_selection")
    for (t1, v1), (t2, v2) in zip(folds, sk.KFold(k, shuffle=shuffle, random_state=seed).split(np.zeros(n))):
        np.testing.assert_array_equal(t1, t2)
        np.testing.assert_array_equal(v1, v2)


def test_kfold_with_minigrad_generator_and_errors():
    ds = TensorDataset(mg.tensor(X))
    a = [v.tolist() for _, v in KFold(5, shuffle=True, random_state=mg.Generator().manual_seed(1)).split(ds)]
    b = [v.tolist() for _, v in KFold(5, shuffle=True, random_state=mg.Generator().manual_seed(1)).split(ds)]
    assert a == b and sorted(sum(a, [])) == list(range(10))
    with pytest.raises(ValueError, match="n_splits=11 greater than the number of samples n_samples=10"):
        list(KFold(11).split(ds))
    with pytest.raises(ValueError, match="n_splits must be an integer >= 2"):
        KFold(1)
