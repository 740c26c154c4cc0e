"""Datasets: anything with ``__len__`` and ``__getitem__(i)`` returning one sample.

``TensorDataset(x, y)`` wraps tensors sharing their first dimension; ``Subset`` views some
indices of another dataset; ``random_split`` cuts a dataset into random non-overlapping
subsets. Datasets may also offer ``_get_batch(indices)``, returning a whole collated batch
at once (one fancy-indexing per tensor instead of a Python loop over samples); DataLoader
uses it with the default collate function, and it gives the same batches.
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..tensor import Tensor


class Dataset:
    """Base class: subclasses define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if len(set(sizes)) != 1 or sizes[0] is None:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dimensions "
                             f"{sizes} (shapes {[tuple(t.shape) for t in tensors]})")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(Tensor(t.data[index]) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _get_batch(self, indices):
        idx = np.asarray(indices, dtype=np.int64)
        return tuple(Tensor(t.data[backend.to_device(idx, t.device)]) for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, (list, tuple)):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)

    def __getattr__(self, name):
        if name == "_get_batch" and hasattr(self.dataset, "_get_batch"):
            return lambda idx: self.dataset._get_batch([self.indices[i] for i in idx])
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


class ConcatDataset(Dataset):
    """Several datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"ConcatDataset: index {index} out of range for length {len(self)}")
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping random ``Subset``s of the given lengths. ``lengths`` may be
    fractions summing to 1: each gets ``floor(n * fraction)`` and the remainder is handed out
    one by one from the first subset on (PyTorch's rule). Randomness comes from ``generator``
    (a ``minigrad.Generator``) or the default CPU generator."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        if any(not 0 <= f <= 1 for f in lengths):
            raise ValueError(f"random_split: fractions must be in [0, 1], got {lengths}")
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths {sum(lengths)} does not equal the "
                         f"length of the input dataset ({n})")
    perm = backend.seed_generators_of("cpu", generator).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start:start + length]))
        start += length
    return out
