"""grad modes: inference_mode as PyTorch's (context manager, decorator with or without
parentheses, inference_mode(False) a no-op), alongside no_grad."""
import pytest

import minigrad as mg


def test_inference_mode_records_no_graph_and_restores():
    x = mg.ones(3, requires_grad=True)
    with mg.inference_mode():
        assert mg.is_inference_mode_enabled() and not mg.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()
    assert (x * 2).requires_grad


def test_inference_mode_as_a_decorator_with_and_without_parentheses():
    x = mg.ones(2, requires_grad=True)

    @mg.inference_mode
    def bare(t):
        return t * 3

    @mg.inference_mode()
    def called(t):
        return t * 3
    assert not bare(x).requires_grad and not called(x).requires_grad
    assert bare.__name__ == "bare" and mg.is_grad_enabled()


def test_inference_mode_false_changes_nothing():
    x = mg.ones(2, requires_grad=True)
    with mg.inference_mode(False):
        assert (x * 2).requires_grad and not mg.is_inference_mode_enabled()
    with mg.no_grad():
        with mg.inference_mode(False):
            assert not (x * 2).requires_grad          # it does not turn recording back on
    with pytest.raises(ZeroDivisionError):
        with mg.inference_mode():
            1 / 0
    assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()
