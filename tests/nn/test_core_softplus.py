"""core fix: softplus's gradient is 1 where beta * x > threshold (forward returns x there)."""
import numpy as np

import minigrad as mg
from minigrad.autograd import gradcheck


def test_softplus_gradient_above_threshold_is_one():
    x = mg.tensor([-3.0, 0.5, 2.6, 4.0], dtype=mg.float64, requires_grad=True)
    mg.softplus(x, beta=2.0, threshold=5.0).sum().backward()
    sig = 1 / (1 + np.exp(-2 * x.detach().numpy()))
    np.testing.assert_allclose(x.grad.numpy(), [sig[0], sig[1], 1.0, 1.0])
    assert gradcheck(lambda t: mg.softplus(t, 2.0, 5.0), (x,))
