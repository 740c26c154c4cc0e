"""summary: the source notes' parameter counts, a per-layer table, and a model left as it was."""
import numpy as np

import minigrad as mg
import minigrad.nn as nn
from minigrad.utils import summary


def _mlp(batchnorm):
    layers = [nn.Flatten()]
    for i, o in [(784, 300), (300, 100), (100, 10)]:
        if batchnorm:
            layers.append(nn.BatchNorm1d(i))
        layers += [nn.Linear(i, o)] + ([nn.ReLU()] if o != 10 else [])
    return nn.Sequential(*layers)


def test_mlp_counts(capsys):
    s = summary(_mlp(False), (28, 28))
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (266_610, 266_610, 0)
    printed = capsys.readouterr().out
    assert "Total params: 266,610" in printed and "1 (Linear)" in printed and "[-1, 300]" in printed
    assert [r[2] for r in s.rows] == [0, 235_500, 0, 30_100, 0, 1_010]


def test_mlp_with_batchnorm_counts_moving_statistics_as_non_trainable():
    s = summary(_mlp(True), (28, 28), print_fn=None)
    assert (s.total_params, s.non_trainable_params) == (271_346, 2_368)
    assert s.trainable_params == 271_346 - 2_368
    assert s.rows[1] == ("1 (BatchNorm1d)", [-1, 784], 4 * 784)


def test_frozen_parameters_are_non_trainable_and_batch_size_is_shown():
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
    model[0].weight.requires_grad_(False)
    s = summary(model, (3,), batch_size=8, dtypes=[mg.int64], print_fn=None)
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (40 + 26, 26, 40)
    assert s.rows[0][1] == [8, 3, 4] and s.rows[2][1] == [8, 2]


def test_summary_leaves_mode_and_buffers_unchanged():
    model = _mlp(True)
    model.train()
    model[1].eval()                               # a mixed state must come back as it was
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    summary(model, (28, 28), print_fn=None)
    assert model.training and not model[1].training and model[4].training
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    assert all(not m._forward_hooks for m in model.modules())
    assert all(p.grad is None for p in model.parameters())


def test_keras_cnn_count():
    """The notes' Keras CNN on 28x28x1 with 'same' padding: 1,413,834 parameters."""
    model = nn.Sequential(
        nn.Conv2d(1, 64, 7, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding="same"), nn.ReLU(), nn.Conv2d(128, 128, 3, padding="same"), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(128, 256, 3, padding="same"), nn.ReLU(), nn.Conv2d(256, 256, 3, padding="same"), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3 * 3 * 256, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))
    s = summary(model, (1, 28, 28), print_fn=None)
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (1_413_834, 1_413_834, 0)
    assert s.rows[-1][1] == [-1, 10] and [-1, 256, 3, 3] in [r[1] for r in s.rows]
