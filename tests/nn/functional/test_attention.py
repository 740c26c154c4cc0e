"""nn/functional/attention.py: the arguments of scaled_dot_product_attention (the kernels
themselves are tested in tests/kernels/test_attention.py)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def test_a_negative_dropout_p_drops_nothing_and_one_above_1_is_refused_as_pytorch():
    q = mg.tensor(np.random.default_rng(0).standard_normal((1, 2, 3)).astype(np.float32))
    plain = F.scaled_dot_product_attention(q, q, q).numpy()
    for p in (-0.1, float("-inf")):
        np.testing.assert_array_equal(F.scaled_dot_product_attention(q, q, q, dropout_p=p).numpy(), plain)
    with pytest.raises(RuntimeError, match=r"^scaled_dot_product_attention: dropout probability has to be between "
                                           r"0 and 1, got dropout_p=1.5$"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=1.5)
    with pytest.raises(ValueError, match=r"^scaled_dot_product_attention: dropout_p must not be NaN$"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=float("nan"))


@pytest.mark.parametrize("kw,message", [
    (dict(is_causal=1), r"is_causal must be a bool, got 1 \(int\)"),
    (dict(is_causal=None), "is_causal must be a bool, got None"),
    (dict(enable_gqa="x"), "enable_gqa must be a bool, got 'x'"),
    (dict(scale="0.1"), "scale must be a number, got '0.1'")])
def test_sdpa_flags_are_bools_and_scale_a_number_as_pytorchs(kw, message):
    q = mg.ones(2, 3, 4)
    with pytest.raises(TypeError, match=rf"^scaled_dot_product_attention: {message}"):
        F.scaled_dot_product_attention(q, q, q, **kw)
