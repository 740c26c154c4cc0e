"""DistributedSampler: PyTorch's index order, index for index (checked against torch)."""
import numpy as np
import pytest

from minigrad.data import DataLoader, DistributedSampler, TensorDataset
from minigrad.data.sampler import torch_randperm
import minigrad as mg


class _Sized:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


CASES = [(n, replicas) for n in (0, 1, 2, 5, 7, 10, 11, 100, 1437) for replicas in (1, 2, 3, 4, 8)]


@pytest.mark.parametrize("n,replicas", CASES)
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [False, True])
def test_every_rank_visits_the_indices_torch_visits(n, replicas, shuffle, drop_last):
    torch = pytest.importorskip("torch")
    for seed, epoch in ((0, 0), (3, 5), (2 ** 32 + 7, 1)):
        for rank in range(replicas):
            ours = DistributedSampler(_Sized(n), replicas, rank, shuffle, seed, drop_last)
            theirs = torch.utils.data.DistributedSampler(_Sized(n), replicas, rank, shuffle, seed, drop_last)
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs), (seed, epoch, rank)
            assert len(ours) == len(theirs)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 50, 1000, 5000])
def test_torch_randperm_is_torch_randperm(n):
    torch = pytest.importorskip("torch")
    for seed in (0, 1, 12345678901):
        g = torch.Generator().manual_seed(seed)
        np.testing.assert_array_equal(torch_randperm(n, seed), torch.randperm(n, generator=g).numpy())


def test_ranks_partition_the_padded_epoch_and_batches_line_up_with_one_process():
    """Without drop_last the ranks together visit every index (the padding repeats the
    start); the k-th batches of all ranks together are the k-th batch of one process with
    p times the batch size."""
    n, p, b = 23, 3, 2
    order = list(DistributedSampler(_Sized(n), 1, 0, seed=4))
    assert sorted(order) == list(range(n))
    shares = [list(DistributedSampler(_Sized(n), p, r, seed=4)) for r in range(p)]
    assert all(len(s) == 8 for s in shares)
    assert sorted(sum(shares, [])) == sorted(order + order[:1])     # 24 = 23 + one repeated
    for k in range(len(shares[0]) // b):
        together = sorted(i for s in shares for i in s[k * b:(k + 1) * b])
        assert together == sorted((order + order)[k * p * b:(k + 1) * p * b])


def test_set_epoch_changes_the_order_and_drop_last_drops_the_tail():
    s = DistributedSampler(_Sized(10), 3, 1, seed=0)
    first = list(s)
    s.set_epoch(1)
    assert list(s) != first
    d = DistributedSampler(_Sized(10), 3, 1, shuffle=False, drop_last=True)
    assert list(d) == [1, 4, 7] and len(d) == 3
    assert list(DistributedSampler(_Sized(10), 3, 1, shuffle=False)) == [1, 4, 7, 0]


def test_it_drives_a_dataloader():
    ds = TensorDataset(mg.arange(10))
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, 1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1, 3], [5, 7], [9]]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="invalid rank 2"):
        DistributedSampler(_Sized(4), 2, 2)
    with pytest.raises(ValueError, match="num_replicas"):
        DistributedSampler(_Sized(4), 0, 0)
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(_Sized(4))
