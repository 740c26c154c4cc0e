"""DataLoader: batches of samples from a Dataset, as Tensors (PyTorch's arguments).

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True,
                        generator=minigrad.Generator().manual_seed(0))
    for xb, yb in loader: ...

``shuffle=True`` draws a new permutation every epoch from ``generator`` (or the default CPU
generator that ``minigrad.manual_seed`` seeds): seeded runs see the same batches. Data is
loaded in the calling process (no worker processes).
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import backend
from .._checks import errors_named, int_arg
from ..tensor import Tensor
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch):
    """Stack a list of samples into a batch, recursively: tensors and arrays are stacked along
    a new first dimension (keeping their dtype); Python ints become int64, floats the default
    float dtype (float32: minigrad's rule, PyTorch makes float64), bools bool; strings stay a
    list; tuples, lists and dicts are collated field by field."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        xp = backend.array_module(elem.data)
        return Tensor(xp.stack([b.data for b in batch]))
    if isinstance(elem, (np.ndarray, np.generic)) or hasattr(elem, "__cuda_array_interface__"):
        xp = backend.array_module(elem)
        return Tensor(xp.stack([xp.asarray(b) for b in batch]))
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.array(batch, dtype=backend.get_default_dtype()))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        return type(elem)((k, default_collate([b[k] for b in batch])) for k in elem)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError(f"default_collate: each element in the batch should be of equal "
                               f"size, got sizes {sorted({len(b) for b in batch})}")
        collated = [default_collate(list(s)) for s in zip(*batch)]
        return tuple(collated) if isinstance(elem, tuple) else collated
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"strings, dicts or lists; found {type(elem).__name__}")


class DataLoader:
    """Batches of samples from a ``Dataset``, collated into Tensors, with PyTorch's arguments.

    ``DataLoader(dataset, batch_size=64, shuffle=True, generator=mg.Generator().manual_seed(0))``
    and ``for xb, yb in loader: ...``. ``shuffle=True`` draws a new order every epoch (from
    ``generator``, else the default generator that ``mg.manual_seed`` seeds); ``sampler`` or
    ``batch_sampler`` choose the indices yourself; ``drop_last=True`` skips a final smaller
    batch; ``collate_fn`` turns a list of samples into a batch (default: ``default_collate``,
    which stacks tensors and arrays). ``len(loader)`` is the number of batches. Data is loaded in
    the calling process: ``num_workers`` must be 0; ``pin_memory`` is accepted and ignored.
    """
    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 generator=None):
        if batch_size is not None:
            int_arg("DataLoader", "batch_size", batch_size, min=1)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        if num_workers != 0:
            raise ValueError(f"DataLoader: minigrad loads data in the main process; "
                             f"num_workers must be 0, got {num_workers}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        self.dataset = dataset
        self.batch_size = None if batch_sampler is not None else batch_size
        self.drop_last = drop_last
        self.generator = generator
        with errors_named("DataLoader"):
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
            if batch_sampler is None and batch_size is not None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn if collate_fn is not None else default_collate

    def __iter__(self):
        if self.batch_sampler is None:  # batch_size=None: samples one by one, uncollated
            for i in self.sampler:
                yield self.dataset[i]
            return
        fast = self.collate_fn is default_collate and hasattr(self.dataset, "_get_batch")
        for indices in self.batch_sampler:
            if fast:
                yield self.dataset._get_batch(indices)
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self):
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)
