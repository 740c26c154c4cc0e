"""Samplers: the order in which a DataLoader visits a dataset's indices."""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .. import backend
from .. import distributed as dist
from .._checks import bool_arg


class Sampler:
    def __iter__(self):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., n - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation each epoch, drawn from ``generator`` (a
    ``minigrad.Generator``) or, if None, the default CPU generator that ``manual_seed``
    seeds; so a seeded run visits the same order every time."""

    def __init__(self, data_source, generator=None):
        if len(data_source) == 0:
            raise ValueError("RandomSampler: num_samples should be a positive integer value, but got "
                             "num_samples=0 (an empty dataset)")
        self.data_source = data_source
        self.generator = generator

    def __iter__(self):
        rng = backend.seed_generators_of("cpu", self.generator)
        return iter(rng.permutation(len(self.data_source)).tolist())

    def __len__(self):
        return len(self.data_source)


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None):
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self):
        rng = backend.seed_generators_of("cpu", self.generator)
        return (self.indices[i] for i in rng.permutation(len(self.indices)).tolist())

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer, got {batch_size!r}")
        self.sampler, self.batch_size = sampler, batch_size
        self.drop_last = bool_arg("BatchSampler", "drop_last", drop_last)

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class DistributedSampler(Sampler):
    """The share of ``dataset`` that rank ``rank`` of ``num_replicas`` visits, in PyTorch's
    exact order (so a run can be compared index for index with torch's DistributedSampler).

    The epoch's order is a permutation (``shuffle``) drawn from ``seed + epoch`` -- call
    ``set_epoch(e)`` at the start of every epoch, or every epoch repeats the same order -- or
    0 .. n-1. Without ``drop_last`` it is padded by repeating its beginning until it divides
    evenly among the ranks; with ``drop_last`` the tail that does not divide is dropped. Rank r
    then takes every ``num_replicas``-th index from position r. So the k-th batch of every
    rank together is the k-th batch of one process visiting the same order with
    ``num_replicas`` times the batch size. ``num_replicas`` and ``rank`` default to the
    process group's.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            if not dist.is_initialized():
                raise RuntimeError("DistributedSampler: pass num_replicas and rank, or call "
                                   "minigrad.distributed.init_process_group() first")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive int, got {num_replicas!r}")
        if not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank!r}, rank should be in the "
                             f"interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch):
        """Make the next ``iter()`` use epoch ``epoch``'s order (the same on every rank)."""
        self.epoch = epoch

    def __iter__(self):
        n = len(self.dataset)
        indices = torch_randperm(n, self.seed + self.epoch) if self.shuffle else np.arange(n)
        if self.drop_last:
            indices = indices[:self.total_size]
        elif self.total_size > n:
            indices = np.resize(indices, self.total_size)   # repeats from the start: the padding
        return iter(indices[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples


_TORCH_RANDPERM_MAX = (2 ** 32 - 1) // 20    # torch switches to another algorithm from here


def torch_randperm(n, seed):
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` without torch.

    torch's CPU generator is MT19937 seeded with the low 32 bits of ``seed``, the same
    generator as NumPy's legacy ``RandomState(seed)``; randperm swaps position i with
    i + (next 32-bit draw mod (n - i)) for i = 0 .. n - 2.
    """
    if n >= _TORCH_RANDPERM_MAX:
        raise ValueError(f"torch_randperm: n = {n} is too large; torch draws such permutations "
                         f"with another algorithm (n >= {_TORCH_RANDPERM_MAX})")
    draws = np.random.RandomState(seed & 0xFFFFFFFF).randint(0, 2 ** 32, size=max(n - 1, 0),
                                                             dtype=np.uint32)
    return _swap_in_turn(np.arange(n, dtype=np.int64), draws.astype(np.int64))


@njit(cache=True)
def _swap_in_turn(order, draws):
    n = order.shape[0]
    for i in range(n - 1):
        j = i + draws[i] % (n - i)
        order[i], order[j] = order[j], order[i]
    return order
