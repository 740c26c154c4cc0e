"""minigrad.threads: set_num_threads/get_num_threads as PyTorch's, and split's slices."""
import threading

import numpy as np
import pytest

import minigrad as mg
from minigrad import threads


def test_set_num_threads_sets_numba_and_blas_and_rejects_bad_counts():
    numba = pytest.importorskip("numba")
    pytest.importorskip("threadpoolctl")
    prev = mg.get_num_threads()
    try:
        mg.set_num_threads(1)
        assert mg.get_num_threads() == 1 and numba.get_num_threads() == 1
        libs = threads._blas_libs()
        assert libs and [lib.get_num_threads() for lib in libs] == [1] * len(libs)
    finally:
        mg.set_num_threads(prev)
    assert mg.get_num_threads() == prev
    for bad in (0, -1, 1.5, True, "2", 10 ** 20, 2 ** 31):
        with pytest.raises(ValueError, match="set_num_threads.*positive int"):
            mg.set_num_threads(bad)


def test_split_covers_the_range_in_order_on_threads_with_single_thread_blas(monkeypatch):
    pytest.importorskip("threadpoolctl")
    monkeypatch.setattr(threads, "get_num_threads", lambda: 3)
    seen = []

    def fn(lo, hi):
        seen.append((threading.current_thread().name.startswith("minigrad"),
                     [lib.get_num_threads() for lib in threads._blas_libs()]))
        return list(range(lo, hi))
    out = threads.split(10, fn, flops=1e12)
    assert out == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    assert sorted(on_worker for on_worker, _ in seen) == [False, True, True]
    assert all(set(n) <= {1} for _, n in seen)
    assert threads.split(10, fn, flops=1.0) == [list(range(10))]        # small: one call
    assert threads.split(1, fn, flops=1e12) == [[0]]


def test_conv_split_over_threads_equals_one_thread(monkeypatch):
    """The batch split (each slice on its own thread) gives one thread's numbers."""
    from minigrad.nn import functional as F
    monkeypatch.setattr(threads, "get_num_threads", lambda: 2)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((8, 16, 12, 12)).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal((32, 16, 3, 3)).astype(np.float32), requires_grad=True)
    results = []
    for min_flops in (0, float("inf")):
        saved, threads.SPLIT_MIN_FLOPS = threads.SPLIT_MIN_FLOPS, min_flops
        try:
            x.grad = w.grad = None
            y = F.conv2d(x, w, padding=1, stride=2)
            y.backward(mg.ones_like(y))
            results.append([y.detach().numpy(), x.grad.numpy(), w.grad.numpy()])
        finally:
            threads.SPLIT_MIN_FLOPS = saved
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
