"""grad modes: inference_mode as PyTorch's (context manager, decorator with or without
parentheses, inference_mode(False) a no-op), alongside no_grad; and grad mode belongs to the
thread, as in PyTorch: no_grad in one thread, or a backward() running there, does not stop
another thread from recording; two models trained in two threads at once end exactly where each
ends trained alone."""
import threading

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim


def test_inference_mode_records_no_graph_and_restores():
    x = mg.ones(3, requires_grad=True)
    with mg.inference_mode():
        assert mg.is_inference_mode_enabled() and not mg.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()
    assert (x * 2).requires_grad


def test_inference_mode_as_a_decorator_with_and_without_parentheses():
    x = mg.ones(2, requires_grad=True)

    @mg.inference_mode
    def bare(t):
        return t * 3

    @mg.inference_mode()
    def called(t):
        return t * 3
    assert not bare(x).requires_grad and not called(x).requires_grad
    assert bare.__name__ == "bare" and mg.is_grad_enabled()


def test_inference_mode_false_changes_nothing():
    x = mg.ones(2, requires_grad=True)
    with mg.inference_mode(False):
        assert (x * 2).requires_grad and not mg.is_inference_mode_enabled()
    with mg.no_grad():
        with mg.inference_mode(False):
            assert not (x * 2).requires_grad          # it does not turn recording back on
    with pytest.raises(ZeroDivisionError):
        with mg.inference_mode():
            1 / 0
    assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()


# ----------------------------------------------------------------------------- one mode per thread

def _in_thread(fn):
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - reported to the test thread
            out["error"] = e
    t = threading.Thread(target=run)
    t.start()
    return t, out


def test_no_grad_in_another_thread_does_not_stop_recording_here():
    inside, leave = threading.Event(), threading.Event()

    def hold_no_grad():
        with mg.no_grad():
            inside.set()
            leave.wait(10)
            return mg.is_grad_enabled()
    t, out = _in_thread(hold_no_grad)
    assert inside.wait(10)
    x = mg.ones(2, requires_grad=True)
    assert mg.is_grad_enabled() and (x * 2).requires_grad
    leave.set()
    t.join(10)
    assert out == {"value": False}


def test_a_new_thread_starts_with_recording_on():
    with mg.no_grad():
        t, out = _in_thread(lambda: (mg.is_grad_enabled(), (mg.ones(1, requires_grad=True) * 2).requires_grad))
        t.join(10)
    assert out == {"value": (True, True)}


def test_backward_in_another_thread_does_not_switch_recording_off_here():
    in_backward, leave = threading.Event(), threading.Event()
    x = mg.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: (in_backward.set(), leave.wait(10), None)[2])

    t, out = _in_thread(lambda: y.sum().backward())
    assert in_backward.wait(10)          # the other thread is inside backward (no_grad there)
    w = mg.ones(2, requires_grad=True)
    recorded = (w * 3).requires_grad
    leave.set()
    t.join(10)
    assert recorded and mg.is_grad_enabled() and "error" not in out
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def _train(seed, steps=60, barrier=None):
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    with mg.no_grad():
        for p in model.parameters():
            p.copy_(mg.tensor(rng.standard_normal(p.shape).astype(np.float32) * 0.5))
    opt = optim.Adam(model.parameters(), lr=0.01)
    X = mg.tensor(rng.standard_normal((32, 4)).astype(np.float32))
    Y = mg.tensor(rng.standard_normal((32, 1)).astype(np.float32))
    losses = []
    for step in range(steps):
        if barrier is not None and step % 10 == 0:
            barrier.wait(10)             # keep the two threads interleaved
        opt.zero_grad()
        loss = ((model(X) - Y) ** 2).mean()
        loss.backward()
        opt.step()
        with mg.no_grad():               # the evaluation idiom, while the other thread trains
            losses.append(((model(X) - Y) ** 2).mean().item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


def test_two_models_trained_in_two_threads_at_once_match_training_alone():
    alone = [_train(0), _train(1)]
    barrier = threading.Barrier(2)
    runs = [_in_thread(lambda s=s: _train(s, barrier=barrier)) for s in (0, 1)]
    for t, _ in runs:
        t.join(60)
    for (_, out), (losses, params) in zip(runs, alone):
        assert "error" not in out, out.get("error")
        got_losses, got_params = out["value"]
        assert got_losses == losses and losses[-1] < losses[0]
        for a, b in zip(got_params, params):
            np.testing.assert_array_equal(a, b)
