"""autograd/anomaly_mode.py: detect_anomaly names the Function where a NaN or an inf starts,
the input it belongs to, and the line of this file that created the node."""
import inspect
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

HERE = __file__


def _model():
    """A small model whose hidden layer has exact zeros (ReLU) and negative values (no ReLU)."""
    mg.manual_seed(0)
    layer = nn.Linear(3, 4)
    with mg.no_grad():
        layer.weight.copy_(mg.tensor([[1.0, 0, 0], [-1.0, 0, 0], [0, 1.0, 0], [0, 0, -1.0]]))
        layer.bias.zero_()
    return layer, mg.tensor([[1.0, 2.0, 3.0], [0.5, 1.0, 2.0]])


def _line():
    """The number of the caller's next line."""
    return inspect.currentframe().f_back.f_lineno + 1


def test_sqrt_at_zero_raises_in_backward_at_sqrt_and_names_this_line():
    layer, x = _model()
    with mg.autograd.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)            # NumPy's divide by zero
        h = layer(x).relu()                                         # exact zeros in column 1
        line = _line()
        loss = (h.sqrt() * 3).sum()
        assert np.isfinite(loss.item())                             # sqrt(0) = 0: a fine forward
        with pytest.raises(RuntimeError) as err:
            loss.backward()
    message = str(err.value)
    assert "Function Sqrt returned inf values in the gradient of its input 0" in message
    assert f"created at {HERE}:{line}, in test_sqrt_at_zero" in message
    assert "loss = (h.sqrt() * 3).sum()" in message                # the source line itself
    assert "Traceback of the forward call that created it" in message
    assert layer.weight.grad is None                                # nothing was accumulated


def test_log_of_a_negative_number_raises_in_forward_at_log_and_names_this_line():
    layer, x = _model()
    with mg.autograd.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)            # NumPy's invalid value in log
        h = layer(x)                                                # columns 1 and 3 negative
        line = _line()
        with pytest.raises(RuntimeError) as err:
            h.log()
    message = str(err.value)
    assert "Function Log returned nan values in its output 0" in message
    assert f"called at {HERE}:{line + 1}, in test_log_of_a_negative" in message


def test_without_check_nan_the_first_backward_that_returns_nan_is_named():
    layer, x = _model()
    with mg.autograd.detect_anomaly(check_nan=False), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        log = layer(x).log()                                        # NaN, not checked in forward
        line = _line()
        loss = (log ** 2).sum()                                     # Pow's backward: 2 * log * g = NaN
        with pytest.raises(RuntimeError, match="Function Pow returned nan values in the gradient of its input 0") \
                as err:
            loss.backward()
    assert f"created at {HERE}:{line}" in str(err.value)


def test_off_by_default_then_nothing_is_recorded_or_checked():
    assert not mg.autograd.is_anomaly_enabled() and mg.autograd.is_anomaly_check_nan_enabled()
    x = mg.tensor([0.0, 4.0], requires_grad=True)
    y = x.sqrt()
    assert y.grad_fn._anomaly_stack is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y.sum().backward()                                          # inf gradient, no error
    assert np.isinf(x.grad.numpy()[0]) and x.grad.numpy()[1] == 0.25


def test_set_detect_anomaly_and_the_decorator_restore_the_previous_mode():
    mg.autograd.set_detect_anomaly(True)
    try:
        assert mg.autograd.is_anomaly_enabled()
        with mg.autograd.set_detect_anomaly(False):
            assert not mg.autograd.is_anomaly_enabled()
        assert mg.autograd.is_anomaly_enabled()
    finally:
        mg.autograd.set_detect_anomaly(False)

    @mg.autograd.detect_anomaly(check_nan=False)
    def inside():
        return mg.autograd.is_anomaly_enabled(), mg.autograd.is_anomaly_check_nan_enabled()

    assert inside() == (True, False)
    assert not mg.autograd.is_anomaly_enabled() and mg.autograd.is_anomaly_check_nan_enabled()


def test_finite_graphs_pass_unchanged_under_anomaly_detection():
    layer, x = _model()
    plain = (layer(x).tanh() ** 2).sum()
    plain.backward()
    want = layer.weight.grad.numpy().copy()
    layer.weight.grad = None
    with mg.autograd.detect_anomaly():
        loss = (layer(x).tanh() ** 2).sum()
        loss.backward()
        assert loss.grad_fn._anomaly_stack is not None
    assert loss.item() == plain.item()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), want)
