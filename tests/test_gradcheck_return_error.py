"""gradcheck(..., return_error=True) returns the worst relative error of a passing check."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd.gradcheck import GradcheckError


def test_return_error_is_small_for_a_correct_gradient():
    x = mg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=mg.float64, requires_grad=True)
    err = mg.autograd.gradcheck(lambda t: (t * t).exp(), (x,), return_error=True)
    assert isinstance(err, float) and 0 <= err < 1e-7


def test_return_error_still_raises_on_a_wrong_gradient():
    class Wrong(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for input 0"):
        mg.autograd.gradcheck(Wrong.apply, (x,), return_error=True)
    assert mg.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False, return_error=True) is False
