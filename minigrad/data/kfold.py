"""KFold: k train/validation splits that together validate on every index exactly once.

Same folds as scikit-learn's ``KFold``: fold ``i`` validates on a contiguous block of the
(optionally shuffled) indices; the first ``n % n_splits`` folds get one extra index. With
``shuffle=True`` an integer ``random_state`` shuffles exactly as scikit-learn does (NumPy's
``RandomState``); a ``minigrad.Generator`` or None (the default CPU generator) shuffles with
minigrad's generators.
"""
from __future__ import annotations

import numpy as np

from .. import backend


class KFold:
    def __init__(self, n_splits=5, shuffle=False, random_state=None):
        if not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
            raise ValueError(f"KFold: n_splits must be an integer >= 2, got {n_splits!r}")
        if not shuffle and random_state is not None:
            raise ValueError("KFold: setting a random_state has no effect since shuffle is False")
        self.n_splits, self.shuffle, self.random_state = int(n_splits), shuffle, random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train_idx, val_idx)``: sorted int64 arrays (as scikit-learn); ``X`` is a count, a dataset or an
        array (only its length is used)."""
        n = int(X) if isinstance(X, (int, np.integer)) else len(X)
        if self.n_splits > n:
            raise ValueError(f"KFold: cannot have n_splits={self.n_splits} greater than the "
                             f"number of samples n_samples={n}")
        indices = np.arange(n)
        if self.shuffle:
            if isinstance(self.random_state, (int, np.integer)):
                np.random.RandomState(self.random_state).shuffle(indices)
            else:
                indices = backend.seed_generators_of("cpu", self.random_state).permutation(n)
        sizes = np.full(self.n_splits, n // self.n_splits, dtype=np.int64)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            is_val = np.zeros(n, dtype=bool)
            is_val[indices[start:start + size]] = True
            yield np.flatnonzero(~is_val).astype(np.int64), np.flatnonzero(is_val).astype(np.int64)
            start += size
