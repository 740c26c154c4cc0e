"""gradcheck itself: it must catch wrong gradients, say where, and warn on low precision."""
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, GradcheckError, gradcheck, gradgradcheck, nudge_from_kinks


class WrongSquare(Function):
    """x^2 with a deliberately wrong derivative in the last element"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        wrong = mg.ones_like(x)
        wrong[-1] = 1.5                     # 2x*1.5 instead of 2x at the last element
        return g * 2 * x * wrong


def test_gradcheck_reports_input_element_analytic_and_numeric():
    a = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = mg.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 1 \(shape \(3,\)\) at element \(2,\): analytic .* vs numeric"):
        gradcheck(lambda a, x: (a.sum() * WrongSquare.apply(x)), (a, x))
    assert gradcheck(lambda a, x: WrongSquare.apply(x) * a.sum(), (a, x), raise_exception=False) is False


def test_gradcheck_uses_a_random_upstream_gradient():
    # a backward that swaps the gradient between two outputs passes a sum-only check
    class Swap(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g.flip(0)

    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(GradcheckError):
        gradcheck(Swap.apply, (x,))


def test_gradcheck_warns_for_non_float64():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)
    assert any("not float64" in str(w.message) for w in caught)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class NonDiffBackward(Function):
        """x^3 whose backward uses a constant (detached) x: first order right, second wrong"""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2

    x = mg.tensor(np.array([0.5, 1.5]), requires_grad=True)
    assert gradcheck(NonDiffBackward.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(NonDiffBackward.apply, (x,))


def test_nudge_from_kinks_moves_values_off_the_kink():
    x = mg.tensor(np.array([0.0, 1e-5, -2e-4, 0.5]))
    nudge_from_kinks(x, (0.0,), margin=1e-3)
    assert np.all(np.abs(x.numpy()) >= 1e-3) and x.numpy()[3] == 0.5


# ----------------------------------------------------------------------------- return_error

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
