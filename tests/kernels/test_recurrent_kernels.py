"""The recurrent kernels (LSTM, GRU, tanh/relu RNN): every variant equals the reference,
the references pass gradcheck, double backward works through the composite path."""
import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import kernels, threads
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.kernels import _recurrent, lstm
from minigrad.kernels.gru import GRUFunction
from minigrad.kernels.lstm import LSTMFunction
from minigrad.kernels.rnn import RNNReluFunction, RNNTanhFunction

FAMILIES = {"lstm": (LSTMFunction, 4), "gru": (GRUFunction, 3),
            "rnn_tanh": (RNNTanhFunction, 1), "rnn_relu": (RNNReluFunction, 1)}


def make_inputs(family, T, N, I, H, bias=True, dtype=np.float64, seed=0):
    fn, G = FAMILIES[family]
    rng = np.random.default_rng(seed)
    shapes = [(T, N, I), (N, H), (N, H) if family == "lstm" else None,
              (G * H, I), (G * H, H), (G * H,) if bias else None, (G * H,) if bias else None]
    return fn, [None if s is None else mg.tensor(rng.standard_normal(s).astype(dtype) * 0.7,
                                                 requires_grad=True) for s in shapes]


def run(fn, inputs, reverse, variant, seed=1):
    """Outputs and the gradients of all inputs for a random upstream gradient."""
    for t in inputs:
        if t is not None:
            t.grad = None
    with kernels.use(variant):
        outs = fn.apply(*inputs, reverse=reverse)
        rng = np.random.default_rng(seed)
        loss = sum((o * mg.tensor(rng.standard_normal(o.shape).astype(o.dtype))).sum() for o in outs)
        loss.backward()
    return [o.data.copy() for o in outs] + [None if t is None else t.grad.data.copy() for t in inputs]


@given(family=st.sampled_from(sorted(FAMILIES)), T=st.integers(1, 4), N=st.integers(1, 3),
       I=st.integers(1, 4), H=st.integers(1, 4), reverse=st.booleans(), bias=st.booleans())
def test_cpu_equals_reference(family, T, N, I, H, reverse, bias):
    fn, inputs = make_inputs(family, T, N, I, H, bias)
    ref = run(fn, inputs, reverse, "reference")
    got = run(fn, inputs, reverse, "cpu")
    for r, g in zip(ref, got):
        assert (r is None) == (g is None)
        if r is not None:
            np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_cpu_float32_matches_reference(family):
    fn, inputs = make_inputs(family, 6, 3, 5, 7, dtype=np.float32)
    ref = run(fn, inputs, False, "reference")
    got = run(fn, inputs, False, "cpu")
    for r, g in zip(ref, got):
        if r is None:               # c0 of the GRU/RNN
            assert g is None
            continue
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-5)


@contextlib.contextmanager
def batch_split_over(n_threads, small_weight):
    """The cpu time loops (host and compiled) split over ``n_threads`` batch slices at any size,
    with the LSTM's compiled loop below ``small_weight`` elements of W_hh; yields the (lo, hi)
    slices run."""
    saved = (threads.SPLIT_MIN_FLOPS, threads.get_num_threads, _recurrent.split, lstm.SMALL_WEIGHT,
             _recurrent.HOST_STEP_MIN_FLOPS)
    seen = []

    def recording_split(count, fn, flops):
        return saved[2](count, lambda lo, hi: (seen.append((lo, hi)), fn(lo, hi))[1], flops)
    threads.SPLIT_MIN_FLOPS, threads.get_num_threads = 0, lambda: n_threads
    _recurrent.split, lstm.SMALL_WEIGHT, _recurrent.HOST_STEP_MIN_FLOPS = recording_split, small_weight, 0
    try:
        yield seen
    finally:
        (threads.SPLIT_MIN_FLOPS, threads.get_num_threads, _recurrent.split, lstm.SMALL_WEIGHT,
         _recurrent.HOST_STEP_MIN_FLOPS) = saved


@given(family=st.sampled_from(sorted(FAMILIES)), T=st.integers(1, 4), N=st.integers(2, 5),
       H=st.integers(1, 4), reverse=st.booleans(), compiled=st.booleans())
def test_cpu_on_batch_slices_equals_reference(family, T, N, H, reverse, compiled):
    fn, inputs = make_inputs(family, T, N, 3, H)
    ref = run(fn, inputs, reverse, "reference")
    with batch_split_over(3, 1 << 16 if compiled else 0) as seen:
        got = run(fn, inputs, reverse, "cpu")
    assert sorted(set(seen)) == [(N * k // 3, N * (k + 1) // 3) for k in range(3) if N * k // 3 < N * (k + 1) // 3]
    for r, g in zip(ref, got):
        assert (r is None) == (g is None)
        if r is not None:
            np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("variant", ["reference", "cpu"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck(family, variant, reverse):
    fn, inputs = make_inputs(family, 3, 2, 2, 3)
    if family == "rnn_relu":        # keep pre-activations away from the kink at 0
        inputs[1].data[...] = np.abs(inputs[1].data) + 0.1
        inputs[0].data[...] = np.abs(inputs[0].data) + 0.1
        inputs[3].data[...] = np.abs(inputs[3].data)
    with kernels.use(variant):
        assert gradcheck(lambda *a: fn.apply(*a, reverse=reverse), inputs)


@pytest.mark.parametrize("family", ["lstm", "gru", "rnn_tanh"])
def test_double_backward_through_composite(family):
    fn, inputs = make_inputs(family, 2, 2, 2, 2)
    assert gradgradcheck(lambda *a: fn.apply(*a), inputs)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_composite_equals_kernel(family):
    fn, inputs = make_inputs(family, 4, 2, 3, 3)
    kernel = fn.apply(*inputs, reverse=True)
    composite = fn.composite(*inputs, reverse=True)
    assert len(kernel) == len(composite)
    for k, c in zip(kernel, composite):
        np.testing.assert_allclose(k.data, c.data, rtol=1e-12, atol=1e-12)


def test_known_values_single_step():
    """One LSTM step with all-zero weights: gates are 0.5, 0.5, 0, 0.5, so c = 0.5 c0 and
    h = 0.5 tanh(0.5 c0)."""
    x = mg.zeros(1, 1, 2, dtype=mg.float64)
    c0 = mg.tensor([[1.0, -2.0]], dtype=mg.float64)
    y, h, c = LSTMFunction.apply(x, mg.zeros(1, 2, dtype=mg.float64), c0,
                                 mg.zeros(8, 2, dtype=mg.float64), mg.zeros(8, 2, dtype=mg.float64),
                                 None, None)
    np.testing.assert_allclose(c.data, [[0.5, -1.0]])
    np.testing.assert_allclose(h.data, 0.5 * np.tanh([[0.5, -1.0]]))
    np.testing.assert_allclose(y.data[0], h.data)


@pytest.mark.parametrize("bad, message", [
    ("h0", r"h0 of shape \(3, 5\), expected \(batch, hidden_size\) = \(2, 5\)"),
    ("w_ih", r"weight_ih of shape \(20, 4\) does not fit input_size 3"),
    ("dtype", r"c0 has dtype float32 but the input has dtype float64"),
])
def test_bad_shapes_name_the_values(bad, message):
    _, inputs = make_inputs("lstm", 2, 2, 3, 5)
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = inputs
    if bad == "h0":
        h0 = mg.zeros(3, 5, dtype=mg.float64)
    elif bad == "w_ih":
        w_ih = mg.zeros(20, 4, dtype=mg.float64)
    else:
        c0 = mg.zeros(2, 5)
    with pytest.raises((ValueError, TypeError, RuntimeError), match=message):
        LSTMFunction.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh)
