"""nn.Unfold and nn.Fold: PyTorch's constructors, the F forms' values, and a round trip."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


def test_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype(np.float32)
    kw = dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    u, tu = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    cols, tcols = u(mg.tensor(x)), tu(torch.tensor(x))
    np.testing.assert_array_equal(cols.data, tcols.numpy())
    f, tf = nn.Fold((6, 5), **kw), torch.nn.Fold((6, 5), **kw)
    np.testing.assert_allclose(f(cols).data, tf(tcols).numpy(), rtol=1e-6, atol=1e-6)
    assert "kernel_size=(2, 3)" in repr(u) and "output_size=(6, 5)" in repr(f)


def test_fold_of_unfold_counts_each_pixel_once_per_block():
    """fold(unfold(x)) = x times the number of blocks holding each pixel (PyTorch's doc)."""
    x = mg.tensor(np.random.default_rng(1).standard_normal((1, 2, 4, 4)))
    y = nn.Fold((4, 4), 2)(nn.Unfold(2)(x))
    count = nn.Fold((4, 4), 2)(nn.Unfold(2)(mg.ones(1, 2, 4, 4)))
    np.testing.assert_allclose(y.data, x.data * count.data)
    np.testing.assert_array_equal(count.data[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
