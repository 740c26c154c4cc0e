"""Initialisers: PyTorch's formulas (bounds and standard deviations), seeded, no graph."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn import init


def test_calculate_gain_and_fans():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01 ** 2))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(1 / 3)
    assert init.calculate_gain("conv2d") == 1 and init.calculate_gain("selu") == 0.75
    assert init._calculate_fan_in_and_fan_out(mg.empty(8, 3, 5, 5)) == (75, 200)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(mg.empty(4))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_uniform_families_respect_their_bounds_and_fill_them():
    w = mg.empty(400, 300)
    for fn, bound in [(lambda t: init.kaiming_uniform_(t), math.sqrt(2) * math.sqrt(3 / 300)),   # a=0: relu's gain,
                      (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(6 / 400)),
                      (lambda t: init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(6 / 700)),
                      (lambda t: init.uniform_(t, -0.3, 0.3), 0.3)]:
        a = fn(w).numpy()
        assert np.abs(a).max() <= bound * (1 + 1e-6) and np.abs(a).max() > 0.99 * bound
        assert abs(a.std() - bound / math.sqrt(3)) < 0.01 * bound


def test_normal_families_have_their_std():
    w = mg.empty(500, 200)
    for fn, std in [(lambda t: init.kaiming_normal_(t, nonlinearity="relu"), math.sqrt(2 / 200)),
                    (lambda t: init.xavier_normal_(t), math.sqrt(2 / 700)),
                    (lambda t: init.normal_(t, 1.0, 0.5), 0.5)]:
        a = fn(w).numpy()
        assert abs(a.std() - std) < 0.02 * std
    assert abs(init.normal_(w, 1.0, 0.5).numpy().mean() - 1.0) < 0.01


def test_trunc_normal_orthogonal_eye_constant():
    a = init.trunc_normal_(mg.empty(20000), mean=0.5, std=1.0, a=-1.0, b=1.5).numpy()
    assert a.min() >= -1.0 and a.max() <= 1.5 and a.min() < -0.99 and a.max() > 1.49
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        q = init.orthogonal_(mg.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        small = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(small.shape[0]), atol=1e-5)
    np.testing.assert_array_equal(init.eye_(mg.empty(2, 3)).numpy(), np.eye(2, 3))
    assert (init.constant_(mg.empty(3), 0.25).numpy() == 0.25).all()
    assert (init.zeros_(mg.ones(3)).numpy() == 0).all() and (init.ones_(mg.zeros(3)).numpy() == 1).all()


def test_initialisers_are_seeded_and_work_on_parameters_without_a_graph():
    p = nn.Parameter(mg.empty(3, 4))
    mg.manual_seed(7)
    a = init.kaiming_uniform_(p).detach().numpy().copy()
    mg.manual_seed(7)
    b = init.kaiming_uniform_(p).detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert p.grad_fn is None and p.requires_grad


def test_layer_default_initialisations():
    lin = nn.Linear(250, 40)
    bound = 1 / math.sqrt(250)               # kaiming_uniform_(a=sqrt(5)) gives the same bound
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound * (1 + 1e-6) and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert np.abs(b).max() <= bound and b.std() > 0.4 * bound
    bn = nn.BatchNorm2d(5)
    assert (bn.weight.detach().numpy() == 1).all() and (bn.bias.detach().numpy() == 0).all()
    assert (bn.running_var.numpy() == 1).all() and bn.num_batches_tracked.item() == 0
    emb = nn.Embedding(1000, 50)
    assert abs(emb.weight.detach().numpy().std() - 1) < 0.02
    ln, gn = nn.LayerNorm((2, 3)), nn.GroupNorm(2, 4)
    assert ln.weight.shape == (2, 3) and (ln.bias.detach().numpy() == 0).all()
    assert (gn.weight.detach().numpy() == 1).all()
