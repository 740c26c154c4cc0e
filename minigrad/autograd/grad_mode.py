"""Switching gradient recording on and off: no_grad, enable_grad, set_grad_enabled, inference_mode.

Each works as a context manager and as a decorator, as in PyTorch. The mode belongs to the
thread, as PyTorch's does: ``no_grad`` in one thread (or a ``backward()`` running there, which
records nothing) does not stop another thread from recording its graph; a new thread starts
with recording on.
"""
import functools
import threading



class _State(threading.local):
    enabled = True          # the class defaults: what every new thread starts with
    inference = False


_state = _State()


def is_grad_enabled() -> bool:
    """True when operations on tensors with requires_grad record a graph (False inside no_grad or
    inference_mode, True again inside enable_grad). Per thread, as in PyTorch."""
    return _state.enabled


def _set(mode: bool) -> bool:
    prev, _state.enabled = _state.enabled, bool(mode)
    return prev


class _GradMode:
    mode = True

    def __enter__(self):
        self._prev = _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Ops inside record no graph: results have ``requires_grad=False``."""
    mode = False


class enable_grad(_GradMode):
    """Turn recording back on inside a ``no_grad`` region."""
    mode = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` as a context manager or decorator; also sets the mode at once
    when called plainly, as in PyTorch."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._prev = _set(self.mode)

    def __enter__(self):
        return self

    def __call__(self, fn):
        _set(self._prev)
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


def is_inference_mode_enabled() -> bool:
    """True inside an ``inference_mode()`` block (no graph is recorded and results cannot be used
    where autograd would need them later)."""
    return _state.inference


class inference_mode:
    """PyTorch's ``inference_mode(mode=True)``: inside it no graph is recorded, as under
    ``no_grad`` (minigrad keeps no other bookkeeping that inference mode could skip), and
    ``is_inference_mode_enabled()`` is True; ``inference_mode(False)`` changes nothing. A context
    manager and a decorator, with or without the parentheses."""

    def __new__(cls, mode=True):
        if callable(mode):                  # @inference_mode, without parentheses
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self._prev = (_state.inference, _state.enabled)
        if self.mode:
            _state.inference = True
            _set(False)
        return self

    def __exit__(self, *exc):
        _state.inference, enabled = self._prev
        _set(enabled)
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper
