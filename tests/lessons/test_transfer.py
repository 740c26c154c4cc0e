"""transfer lesson: the tiny model's gradients (whole and frozen), the task split, freezing, and the
headline gain of a frozen transferred extractor over training from scratch."""
import json

import numpy as np
import pytest

import lessons.transfer as tr
import minigrad as mg
from tests.lessons._data import fashion_mnist_installed


def test_tiny_model_gradcheck_whole_and_frozen():
    assert tr.tiny_model_check() < 1e-5


def test_split_tasks_keeps_twenty_images_per_new_class_and_renumbers_them():
    old, (x_few, y_few, x_test, y_test), suffix = tr.split_tasks("cpu")
    assert sorted(set(old[1].numpy().tolist())) == [0, 1, 2, 3, 4]
    assert np.bincount(y_few.numpy(), minlength=5).tolist() == [tr.SHOTS] * 5
    assert sorted(set(y_test.numpy().tolist())) == [0, 1, 2, 3, 4]
    if not suffix:
        assert x_test.shape[0] == 5000                  # every Fashion-MNIST test image of classes 5-9
    again = tr.split_tasks("cpu")[1]
    np.testing.assert_array_equal(again[0].numpy(), x_few.numpy())     # the few labels are fixed


def test_a_frozen_extractor_gets_no_gradient_and_does_not_move():
    mg.manual_seed(0)
    model = tr.Net(image_size=12, channels=(2, 3, 4))
    tr.freeze(model.features)
    trainable, frozen = tr.parameter_counts(model)
    assert frozen == sum(p.numel() for p in model.features.parameters())
    assert trainable == sum(p.numel() for p in model.head.parameters())
    before = [p.numpy().copy() for p in model.features.parameters()]
    x, y = mg.randn(10, 1, 12, 12), mg.tensor(np.arange(10) % 5)
    tr.train(model, x, y, 2, 0, "frozen", batch_size=5)
    for p, b in zip(model.features.parameters(), before):
        assert p.grad is None
        np.testing.assert_array_equal(p.numpy(), b)
    assert all(p.grad is not None for p in model.head.parameters())


def test_new_head_is_sized_for_the_cut():
    model = tr.Net(image_size=28)
    for depth, size in ((1, 16 * 14 * 14), (2, 32 * 7 * 7), (3, 64 * 3 * 3)):
        head = tr.new_head(model.features[:depth], 5, 28)
        assert head[1].in_features == size


@pytest.fixture(scope="module")
def headline(tmp_path_factory):
    """One seeded run of the transfer part, shared by the headline tests."""
    out = tmp_path_factory.mktemp("transfer")
    assert tr.main(["--part", "transfer", "--seed", "0", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    return metrics, out, "_digits" if "transfer_gain_over_scratch_digits" in metrics else ""


@pytest.mark.slow
def test_transfer_run_reports_the_frozen_split_and_the_figure(headline):
    metrics, out, suffix = headline
    assert metrics["transfer_frozen_params"] > metrics["transfer_trainable_params"] > 0
    for name in ("transfer_frozen", "transfer_finetune", "scratch"):
        assert 0.2 < metrics[f"{name}{suffix}_accuracy"] <= 1.0          # well above chance (5 classes)
    assert (out / "transfer.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.xfail(fashion_mnist_installed(), strict=True,
                   reason="the bar 0.05 is not reached: the measured gains on seeds 0-4 are in lessons/results.py")
def test_transfer_gain_over_scratch_bar(headline):
    metrics, _, suffix = headline
    assert metrics[f"transfer_gain_over_scratch{suffix}"] >= 0.05
