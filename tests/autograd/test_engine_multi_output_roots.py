"""Regression: backward from several outputs of ONE multi-output node (an LSTM's h_n and
c_n, or chunk pieces) must count that node once, or the inputs upstream never get their
gradient."""
import numpy as np

import minigrad as mg


def test_grad_through_two_outputs_of_one_node_reaches_upstream_leaf():
    x = mg.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    a, b = (x * 2).chunk(2, 1)            # x*2 is upstream of the multi-output chunk node
    (gx,) = mg.autograd.grad([a, b], [x], [mg.ones(1, 2, dtype=mg.float64),
                                           mg.full((1, 2), 3.0, dtype=mg.float64)])
    np.testing.assert_allclose(gx.data, [[2.0, 2.0, 6.0, 6.0]])


def test_backward_through_two_outputs_of_one_node_reaches_upstream_leaf():
    x = mg.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    a, b = (x * 2).chunk(2, 1)
    mg.autograd.backward([a, b], [mg.ones(1, 2, dtype=mg.float64), mg.ones(1, 2, dtype=mg.float64)])
    np.testing.assert_allclose(x.grad.data, [[2.0, 2.0, 2.0, 2.0]])
