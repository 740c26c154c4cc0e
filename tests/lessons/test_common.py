"""lessons.common: the digits judge (accurate, trained once, saved/loaded, seed-neutral), the vision
lessons' data, and the training loops."""
import numpy as np
import pytest

import minigrad as mg
from lessons import common


def test_judge_is_accurate_cached_saved_and_leaves_the_callers_random_stream_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "_JUDGES", {})
    mg.manual_seed(7)
    expected = mg.randn(3).numpy()
    mg.manual_seed(7)
    model, accuracy = common.digits_classifier("cpu", out=str(tmp_path))
    np.testing.assert_array_equal(mg.randn(3).numpy(), expected)
    assert accuracy >= 0.97
    assert (tmp_path / "digits_classifier.npz").exists()
    assert common.digits_classifier("cpu")[0] is model          # served from memory

    monkeypatch.setattr(common, "_JUDGES", {})                  # a new process: loads the file
    loaded, accuracy_loaded = common.digits_classifier("cpu", out=str(tmp_path))
    assert loaded is not model and accuracy_loaded == accuracy

    _, _, x_test, y_test = common.digits_split()
    assert common.requested_class_accuracy(x_test, y_test) == accuracy
    fractions = common.class_fractions(x_test)
    np.testing.assert_allclose(fractions.sum(), 1.0)
    np.testing.assert_allclose(fractions, np.bincount(y_test, minlength=10) / len(y_test), atol=0.02)


def _fake_fashion(kind, directory=None, raw=False):
    rng = np.random.default_rng(0 if kind == "train" else 1)
    n = 50 if kind == "train" else 20
    x = rng.uniform(0, 1, size=(n, 1, 28, 28)).astype(np.float32) * 3 + 2
    return mg.tensor(x), mg.tensor(np.arange(n) % 10)


def test_vision_data_subsets_and_standardises_fashion_mnist(monkeypatch):
    from minigrad.data import datasets
    monkeypatch.setattr(datasets, "fashion_mnist", _fake_fashion)
    x_tr, y_tr, x_te, y_te, suffix = common.fashion_mnist_or_digits(train_size=30)
    assert suffix == "" and tuple(x_tr.shape) == (30, 1, 28, 28) and tuple(x_te.shape) == (20, 1, 28, 28)
    np.testing.assert_allclose([x_tr.numpy().mean(), x_tr.numpy().std()], [0, 1], atol=1e-5)
    # the subset is drawn by split_seed, the same every call; the test set is never subsampled
    again = common.fashion_mnist_or_digits(train_size=30)
    np.testing.assert_array_equal(again[1].numpy(), y_tr.numpy())
    whole = _fake_fashion("train")[1].numpy()
    assert set(y_tr.numpy().tolist()) <= set(whole.tolist()) and len(y_te.numpy()) == 20


def test_vision_data_falls_back_to_32x32_digits_and_says_so(monkeypatch):
    from minigrad.data import datasets

    def missing(kind, directory=None, raw=False):
        raise FileNotFoundError("no Fashion-MNIST here")
    monkeypatch.setattr(datasets, "fashion_mnist", missing)
    x_tr, y_tr, x_te, y_te, suffix = common.fashion_mnist_or_digits()
    assert suffix == "_digits"
    assert tuple(x_tr.shape[1:]) == (1, 32, 32) and x_tr.shape[0] + x_te.shape[0] == 1797


def test_fit_runs_the_loop_and_steps_the_scheduler_every_batch():
    from minigrad import nn, optim
    mg.manual_seed(0)
    x = mg.randn(64, 4)
    y = (x[:, 0] > 0).long()
    model = nn.Linear(4, 2)
    opt = optim.SGD(model.parameters(), lr=0.5)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.9)
    history = common.fit(model, opt, common.loader(x, y, 16, 0), 5, "test", scheduler=sched)
    assert len(history["train loss"]) == 5 and len(history["seconds"]) == 5
    assert history["train loss"][-1] < history["train loss"][0]
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * 0.9 ** 20)      # 5 epochs of 4 batches


def test_train_steps_draws_a_batch_per_step_clips_and_anneals():
    from minigrad import nn
    mg.manual_seed(0)
    model = nn.Linear(4, 1)
    calls = []

    def batch_loss():
        calls.append(len(calls))
        x = mg.randn(8, 4)
        return ((model(x) - 10 * x[:, :1]) ** 2).mean()        # gradients of norm ~20: the clip matters
    losses = common.train_steps(model, batch_loss, 30, "test", lr=1.0, anneal=True)
    assert len(losses) == 30 and calls == list(range(30)) and all(isinstance(v, float) for v in losses)
    assert np.mean(losses[-5:]) < 0.1 * np.mean(losses[:5])
    grad_norm = sum(float((p.grad ** 2).sum()) for p in model.parameters()) ** 0.5
    assert grad_norm == pytest.approx(1.0, rel=1e-5)                # clipped to max_norm after the last step


def test_moving_mean():
    np.testing.assert_allclose(common.moving_mean(np.arange(6.0), width=3), [1, 2, 3, 4])
    np.testing.assert_array_equal(common.moving_mean([3.0, 1.0], width=3), [3.0, 1.0])


def test_tokens_before_end_stops_at_end_and_drops_the_specials():
    from minigrad.utils.text import Vocab
    vocab = Vocab(["<pad>", "<start>", "<end>", "a", "b"])
    assert common.tokens_before_end(vocab, [1, 3, 0, 4, 2, 3], end=2, specials=3) == ["a", "b"]
    assert common.tokens_before_end(vocab, [4, 4], end=2, specials=3) == ["b", "b"]      # no <end>


def test_train_steps_warms_the_learning_rate_up_then_anneals(monkeypatch):
    from minigrad import nn, optim
    mg.manual_seed(0)
    model = nn.Linear(4, 1)
    seen = []
    adam_step = optim.Adam.step

    def step(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return adam_step(self, *args, **kwargs)
    monkeypatch.setattr(optim.Adam, "step", step)
    common.train_steps(model, lambda: (model(mg.randn(8, 4)) ** 2).mean(), 20, "test", lr=0.1,
                       anneal=True, warmup=5)
    np.testing.assert_allclose(seen[:5], [0.02, 0.04, 0.06, 0.08, 0.1])
    np.testing.assert_allclose(seen[5:], 0.05 * (1 + np.cos(np.pi * np.arange(15) / 15)))


def test_evaluate_gives_accuracy_and_cross_entropy_and_keeps_the_mode():
    from minigrad import nn
    model = nn.Sequential(nn.Dropout(0.5), nn.Linear(2, 2))
    with mg.no_grad():
        model[1].weight.copy_(mg.tensor([[1.0, 0.0], [0.0, 1.0]]))
        model[1].bias.zero_()
    x, y = mg.tensor([[2.0, 0.0], [0.0, 3.0], [1.0, 0.0]]), mg.tensor([0, 1, 1])
    accuracy, loss = common.evaluate(model, x, y, batch_size=2)
    assert accuracy == pytest.approx(2 / 3)
    expected = np.mean([np.log1p(np.exp(-2.0)), np.log1p(np.exp(-3.0)), np.log1p(np.exp(1.0))])
    assert loss == pytest.approx(expected, rel=1e-5)
    assert model.training                                     # dropout was off for the scoring only


def test_train_early_stopping_stops_on_the_validation_loss_and_keeps_the_best_epoch():
    from minigrad import nn
    mg.manual_seed(0)
    x = mg.randn(64, 4)
    y = (x[:, 0] > 0).long()
    xv = mg.randn(32, 4)
    yv = 1 - (xv[:, 0] > 0).long()              # the opposite rule: validation gets worse as training learns
    model = nn.Linear(4, 2)
    history = common.train_early_stopping(model, {"train": (x, y), "val": (xv, yv)}, "cpu", "test", 0,
                                          max_epochs=50, patience=3, lr=0.05, max_norm=1.0)
    losses = history["validation loss"]
    assert len(losses) == 1 + int(np.argmin(losses)) + 3 < 50                # stopped 3 epochs after the best
    assert history["train loss"][-1] < history["train loss"][0]
    assert common.evaluate(model, xv, yv)[1] == pytest.approx(min(losses), rel=1e-5)   # the best epoch restored
