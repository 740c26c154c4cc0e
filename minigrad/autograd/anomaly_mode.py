"""Anomaly detection: find the op where a NaN or an infinity starts, as PyTorch's
``torch.autograd.detect_anomaly``.

While it is on, every Function node records the stack of the forward call that created it,
and the engine checks each gradient a backward returns: the first that is not finite raises
an error naming the Function, the input the gradient belongs to, and the line of user code
that created the node (with the whole traceback of that forward call). With ``check_nan``
(the default) the forward outputs are checked too, so an op that makes a NaN from finite
inputs (``log`` of a negative number) is caught where it runs.

Off by default, and then free: Function.apply and the engine test one boolean.

    with mg.autograd.detect_anomaly():
        loss = model(x)
        loss.backward()          # RuntimeError: ... Sqrt ... created at train.py:12
"""
from __future__ import annotations

import functools
import os
import traceback

from ..backend import array_module

_enabled = False
_check_nan = True
_in_backward = False       # inside a node's backward, whose gradients are checked as a whole

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled() -> bool:
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _check_nan


def _set(mode, check_nan):
    global _enabled, _check_nan
    prev = (_enabled, _check_nan)
    _enabled, _check_nan = bool(mode), bool(check_nan)
    return prev


class detect_anomaly:
    """Anomaly detection on inside the block (or the decorated function), then back to what it was."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """``set_detect_anomaly(mode, check_nan=True)``: switch anomaly detection on or off at once;
    used as a context manager, the previous setting comes back at its end."""

    def __init__(self, mode, check_nan=True):
        self._prev = _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False


# ----------------------------------------------------------------------------- what the hooks do

def record(node):
    """Called by Function.apply while anomaly detection is on: keep the forward's stack."""
    node._anomaly_stack = traceback.extract_stack()[:-2]      # without apply and this frame


def _user_frame(stack):
    """The innermost frame outside minigrad: the line of user code that made the node."""
    for frame in reversed(stack):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE + os.sep):
            return frame
    return stack[-1] if stack else None


def _where(stack):
    frame = _user_frame(stack or [])
    if frame is None:
        return "an unknown place (anomaly detection was off when the node was made)"
    return f"{frame.filename}:{frame.lineno}, in {frame.name}\n    {frame.line}"


def _bad(array):
    """'nan', 'inf' or None (all finite) for a float array."""
    xp = array_module(array)
    if bool(xp.isfinite(array).all()):
        return None
    return "nan" if bool(xp.isnan(array).any()) else "inf"


def check_outputs(cls, outputs):
    """Called by Function.apply with check_nan on: raise if a forward made a NaN or an inf."""
    if not _check_nan or _in_backward:
        return
    for i, out in enumerate(outputs):
        if out.dtype.kind in "fc":
            bad = _bad(out)
            if bad is not None:
                raise RuntimeError(
                    f"anomaly: Function {cls.__name__} returned {bad} values in its output {i}, "
                    f"called at {_where(traceback.extract_stack()[:-2])}")


def checked_backward(node, grads):
    """Called by the engine instead of ``node.backward`` while anomaly detection is on: run it,
    then raise at the first gradient that is not finite, naming the node, the input, and where
    the node was created. (The ops inside the backward are not checked one by one: the node
    whose backward it is, is the one to name.)"""
    global _in_backward
    prev, _in_backward = _in_backward, True
    try:
        in_grads = node.backward(node, *grads)
    finally:
        _in_backward = prev
    for i, g in enumerate(in_grads if isinstance(in_grads, tuple) else (in_grads,)):
        if g is not None and g.data.dtype.kind in "fc":
            bad = _bad(g.data)
            if bad is not None:
                stack = getattr(node, "_anomaly_stack", None)
                forward = "".join(traceback.format_list(stack)) if stack else "  (not recorded)\n"
                raise RuntimeError(
                    f"anomaly: Function {type(node).__name__} returned {bad} values in the gradient "
                    f"of its input {i}; the node was created at {_where(stack)}\n"
                    f"Traceback of the forward call that created it:\n{forward}")
    return in_grads
