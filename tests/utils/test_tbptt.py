"""Truncated BPTT(k1, k2): the three equalities that pin down what it backpropagates."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels.lstm import LSTMFunction
from minigrad.utils.tbptt import detach_state, truncated_bptt

T, N, I, H = 9, 2, 3, 4


def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    params = [mg.tensor(rng.standard_normal(s) * 0.5, requires_grad=True)
              for s in [(4 * H, I), (4 * H, H), (4 * H,), (4 * H,)]]
    x = mg.tensor(rng.standard_normal((T, N, I)))
    target = mg.tensor(rng.standard_normal((T, N, H)))
    state = (mg.tensor(rng.standard_normal((N, H))), mg.tensor(rng.standard_normal((N, H))))
    return params, x, target, state


def step(params, x, state):
    y, h, c = LSTMFunction.apply(x, state[0], state[1], *params)
    return y, (h, c)


def loss_fn(out, target):
    return ((out - target) ** 2).sum()


def run_tbptt(params, x, target, state, k1, k2):
    """Run TBPTT; return the gradients of every update (the callback zeroes them)."""
    grads = []

    def on_update():
        grads.append([p.grad.data.copy() for p in params])
        for p in params:
            p.grad = None

    result = truncated_bptt(params, x, target, step, loss_fn, k1, k2, state=state, on_update=on_update)
    return grads, result


def expected_grads(params, x, target, state, begin, start, end):
    """Gradient of the losses of steps [start, end) when the model runs from the (fixed)
    state it has at step ``begin``."""
    with mg.no_grad():
        s = state if begin == 0 else step(params, x[:begin], state)[1]
    out, _ = step(params, x[begin:end], detach_state(s))
    loss = loss_fn(out[start - begin:], target[start:end])
    return [g.data for g in mg.autograd.grad(loss, params)], loss.item()


def test_k1_equals_k2_equals_T_is_full_bptt():
    params, x, target, state = make_problem()
    grads, result = run_tbptt(params, x, target, state, T, T)
    out, _ = step(params, x, state)
    full = loss_fn(out, target)
    want = mg.autograd.grad(full, params)
    assert len(grads) == 1
    for g, w in zip(grads[0], want):
        np.testing.assert_allclose(g, w.data, rtol=1e-10, atol=1e-10)
    assert result.losses == [pytest.approx(full.item(), rel=1e-12)]


@pytest.mark.parametrize("k", [1, 3, 4])
def test_k1_equals_k2_gives_blocks_with_fixed_incoming_state(k):
    params, x, target, state = make_problem(1)
    grads, result = run_tbptt(params, x, target, state, k, k)
    blocks = [(a, min(a + k, T)) for a in range(0, T, k)]
    assert len(grads) == len(blocks) == len(result.losses)
    for (a, b), got, loss in zip(blocks, grads, result.losses):
        want, want_loss = expected_grads(params, x, target, state, a, a, b)
        assert loss == pytest.approx(want_loss, rel=1e-12)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("k1, k2", [(2, 5), (3, 4), (1, 3), (4, 9)])
def test_k2_greater_than_k1_backpropagates_last_k1_losses_through_k2_steps(k1, k2):
    params, x, target, state = make_problem(2)
    grads, result = run_tbptt(params, x, target, state, k1, k2)
    ends = [min(e, T) for e in range(k1, T + k1, k1)]
    assert len(grads) == len(ends)
    prev = 0
    for end, got, loss in zip(ends, grads, result.losses):
        want, want_loss = expected_grads(params, x, target, state, max(0, prev - (k2 - k1)), prev, end)
        assert loss == pytest.approx(want_loss, rel=1e-12)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
        prev = end
    # the carried state is the model's state at the end of the stream, detached
    with mg.no_grad():
        _, (h, c) = step(params, x, state)
    np.testing.assert_allclose(result.state[0].data, h.data, rtol=1e-12)
    np.testing.assert_allclose(result.state[1].data, c.data, rtol=1e-12)
    assert not result.state[0].requires_grad


def test_truncation_differs_from_full_bptt():
    """The equalities above are not vacuous: truncating does change the gradient."""
    params, x, target, state = make_problem(3)
    trunc, _ = run_tbptt(params, x, target, state, 3, 3)
    full, _ = run_tbptt(params, x, target, state, T, T)
    summed = [sum(g[i] for g in trunc) for i in range(len(params))]
    assert not np.allclose(summed[1], full[0][1], rtol=1e-3)


def test_training_with_an_optimizer_callback_lowers_the_loss():
    params, x, target, state = make_problem(4)

    def sgd():
        for p in params:
            p.data -= 0.02 * p.grad.data
            p.grad = None

    first = truncated_bptt(params, x, target, step, loss_fn, 3, 5, state=state, on_update=sgd).losses
    for _ in range(20):
        last = truncated_bptt(params, x, target, step, loss_fn, 3, 5, state=state, on_update=sgd).losses
    assert sum(last) < 0.8 * sum(first)


@pytest.mark.parametrize("k1, k2", [(0, 3), (4, 3), (2.0, 3)])
def test_bad_k1_k2_are_named(k1, k2):
    params, x, target, state = make_problem()
    with pytest.raises(ValueError, match=rf"k1={k1}, k2={k2}"):
        truncated_bptt(params, x, target, step, loss_fn, k1, k2, state=state)


def test_drives_an_nn_lstm_with_an_optimizer():
    """The intended use: nn.LSTM + a Linear head, batch_first chunks, Adam in the callback."""
    from minigrad import nn, optim
    mg.manual_seed(0)
    lstm, head = nn.LSTM(1, 8, batch_first=True), nn.Linear(8, 1)
    model = nn.ModuleList([lstm, head])
    opt = optim.Adam(model.parameters(), lr=0.02)
    t = np.arange(0, 60, dtype=np.float32)
    wave = np.sin(t * 0.3)[None, :, None]                   # (N=1, T=60, 1)
    x, y = mg.tensor(wave[:, :-1]), mg.tensor(wave[:, 1:])  # predict the next value

    def step(m, chunk, state):
        out, state = m[0](chunk, state)
        return m[1](out), state

    def update():
        opt.step()
        opt.zero_grad()

    losses = []
    for _ in range(15):
        res = truncated_bptt(model, x, y, step, lambda o, t: ((o - t) ** 2).mean(), k1=10, k2=20,
                             on_update=update, time_dim=1)
        losses.append(np.mean(res.losses))
        assert len(res.losses) == 6 and res.state[0].shape == (1, 1, 8)
    assert losses[-1] < 0.3 * losses[0]
