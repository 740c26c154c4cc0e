"""Training callbacks: EarlyStopping and SaveBestCheckpoint (Keras-like, on minigrad objects).

Both watch one number per epoch (a validation loss or metric). ``mode="min"`` means lower is
better, ``"max"`` higher; a value counts as an improvement only when it beats the best so far
by more than ``min_delta``.
"""
from __future__ import annotations

import math

from ..tensor import Tensor
from . import serialization


class _Monitor:
    def __init__(self, mode, min_delta, who):
        if mode not in ("min", "max"):
            raise ValueError(f"{who}: mode must be 'min' or 'max', got {mode!r}")
        if min_delta < 0:
            raise ValueError(f"{who}: min_delta must be >= 0, got {min_delta}")
        self.mode, self.min_delta = mode, float(min_delta)
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = None
        self.epoch = -1

    def improved(self, value):
        """Record one epoch's value; True if it is the new best."""
        value = float(value.item() if isinstance(value, Tensor) else value)
        self.epoch += 1
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best, self.best_epoch = value, self.epoch
        return better


class _Watcher:
    """What both callbacks share: their ``_Monitor``'s best value and the epoch it came in."""

    @property
    def best(self):
        return self._monitor.best

    @property
    def best_epoch(self):
        return self._monitor.best_epoch


def _snapshot(state_dict):
    """A deep copy of a (nested) state dict: tensors get their own arrays."""
    if isinstance(state_dict, Tensor):
        return Tensor(state_dict.data.copy())
    if isinstance(state_dict, dict):
        return type(state_dict)((k, _snapshot(v)) for k, v in state_dict.items())
    if isinstance(state_dict, (list, tuple)):
        return type(state_dict)(_snapshot(v) for v in state_dict)
    return state_dict.copy() if hasattr(state_dict, "copy") and hasattr(state_dict, "shape") else state_dict


class EarlyStopping(_Watcher):
    """Stop when the monitored value has not improved for ``patience`` epochs.

    ``stop = early.step(val_loss, model)`` once per epoch; ``model`` (anything with
    ``state_dict()`` / ``load_state_dict()``) is only needed with ``restore_best_weights``:
    then the best epoch's weights are kept in memory and put back into the model when
    ``step`` returns True (or by calling ``restore(model)`` after the loop).
    """

    def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best_weights=False):
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self._monitor = _Monitor(mode, min_delta, "EarlyStopping")
        self.wait = 0
        self.should_stop = False
        self.best_state = None

    def step(self, value, model=None):
        if self.restore_best_weights and model is None:
            raise ValueError("EarlyStopping.step: restore_best_weights=True needs the model: "
                             "step(value, model)")
        if self._monitor.improved(value):
            self.wait = 0
            if self.restore_best_weights:
                self.best_state = _snapshot(model.state_dict())
        else:
            self.wait += 1
        self.should_stop = self.wait >= self.patience
        if self.should_stop and self.restore_best_weights:
            self.restore(model)
        return self.should_stop

    def restore(self, model):
        """Load the best epoch's weights into ``model`` (no-op if nothing was recorded)."""
        if self.best_state is not None:
            model.load_state_dict(_snapshot(self.best_state))


class SaveBestCheckpoint(_Watcher):
    """Save a checkpoint to ``path`` (with ``minigrad.save``, atomically) every time the
    monitored value improves. ``state`` is the object to save or a function returning it
    (so a state dict is only built when it will be written), e.g.
    ``lambda: {"model": model.state_dict(), "optim": opt.state_dict(), "epoch": epoch}``.
    ``step`` returns True when it saved."""

    def __init__(self, path, mode="min", min_delta=0.0):
        self.path = path
        self._monitor = _Monitor(mode, min_delta, "SaveBestCheckpoint")

    def step(self, value, state):
        if not self._monitor.improved(value):
            return False
        serialization.save(state() if callable(state) else state, self.path)
        return True

    def load(self, map_location=None):
        """The best checkpoint saved so far."""
        return serialization.load(self.path, map_location=map_location)
