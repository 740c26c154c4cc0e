"""The cuda variants of lstm, gru and rnn equal their references in the simulator."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad.kernels.gru import GRUFunction
from minigrad.kernels.lstm import LSTMFunction
from minigrad.kernels.rnn import RNNReluFunction, RNNTanhFunction

FAMILIES = [(LSTMFunction, 4), (GRUFunction, 3), (RNNTanhFunction, 1), (RNNReluFunction, 1)]


def _compare(fn, G, T, N, I, H, reverse, bias, dtype, seed):
    rng = np.random.default_rng(seed)
    mk = lambda *s: (rng.standard_normal(s) * 0.7).astype(dtype)  # noqa: E731
    inputs = (mk(T, N, I), mk(N, H), mk(N, H) if G == 4 else None, mk(G * H, I), mk(G * H, H),
              mk(G * H) if bias else None, mk(G * H) if bias else None)
    ref, cu = fn.variants["reference"], fn.variants["cuda"]
    outs_r, saved_r = ref.forward(*inputs, reverse, **fn.options)
    outs_c, saved_c = cu.forward(*inputs, reverse, **fn.options)
    grads = tuple(mk(*o.shape) for o in outs_r)
    back_r = ref.backward(grads, inputs, outs_r, saved_r, reverse, **fn.options)
    back_c = cu.backward(grads, inputs, outs_c, saved_c, reverse, **fn.options)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for r, c in zip(outs_r + back_r, outs_c + back_c):
        assert (r is None) == (c is None)
        if r is not None:
            assert c.dtype == dtype
            np.testing.assert_allclose(c, r, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("fn, G", FAMILIES, ids=lambda v: getattr(v, "name", str(v)))
def test_cuda_variant_equals_reference(fn, G, reverse, dtype):
    _compare(fn, G, 3, 2, 3, 3, reverse, True, dtype, 0)


@settings(max_examples=6, deadline=None)
@given(family=st.sampled_from(range(len(FAMILIES))), T=st.integers(1, 3), N=st.integers(1, 2),
       I=st.integers(1, 3), H=st.integers(1, 3), reverse=st.booleans(), bias=st.booleans())
def test_cuda_variant_equals_reference_drawn_shapes(family, T, N, I, H, reverse, bias):
    fn, G = FAMILIES[family]
    _compare(fn, G, T, N, I, H, reverse, bias, np.float64, 1)
