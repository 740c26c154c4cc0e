"""nn/utils/convert_parameters.py: parameters_to_vector and vector_to_parameters."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.utils import parameters_to_vector, vector_to_parameters


def test_parameters_to_vector_and_back():
    a, b = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), mg.tensor([5.0], requires_grad=True)
    vec = parameters_to_vector([a, b])
    np.testing.assert_array_equal(vec.data, [1, 2, 3, 4, 5])
    (vec * mg.arange(5.0)).sum().backward()  # differentiable
    np.testing.assert_array_equal(a.grad.data, [[0, 1], [2, 3]])
    vector_to_parameters(mg.tensor([9.0, 8.0, 7.0, 6.0, 5.5]), [a, b])
    np.testing.assert_array_equal(a.data, [[9, 8], [7, 6]])
    assert b.item() == 5.5 and a.dtype == np.float32
    with pytest.raises(ValueError, match="6 elements but the parameters have 5"):
        vector_to_parameters(mg.zeros(6), [a, b])
