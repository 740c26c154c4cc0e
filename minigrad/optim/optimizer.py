"""Optimizer: the bookkeeping every optimizer shares (PyTorch's ``torch.optim.Optimizer``).

An optimizer holds ``param_groups``: a list of dicts, each with a ``"params"`` list of tensors
and that group's hyper-parameters (``lr``, ``momentum`` ...; missing ones are filled from
``defaults``). Per-parameter buffers (Adam's moments ...) live in ``self.state[param]``.

Subclasses implement ``_update(p, grad, state, group)`` on RAW arrays (numpy or cupy): the
step runs under ``no_grad``, updates ``p.data`` in place with array ops (never a Python loop
over elements), and keeps the parameter's dtype. ``step(closure=None)`` is shared here.

``state_dict()`` has PyTorch's layout: ``{"state": {index: {...}}, "param_groups": [{...,
"params": [index, ...]}]}`` where parameters are numbered in the order they appear across
groups. Buffers in the state dict are Tensors; ``step`` counts are Python ints (PyTorch keeps
a 0-d float tensor; an int serialises exactly and reads better).
"""
from __future__ import annotations

import copy

from .. import backend
from .._checks import number_arg
from ..autograd import engine, grad_mode
from ..tensor import Tensor


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def check_numbers(op, **values):
    """Each hyper-parameter a real number (not a bool, a string or NaN), with an error naming
    the optimizer; ``betas`` a pair of them. Called before the range checks."""
    for name, value in values.items():
        if value is required:
            continue
        if name == "betas":
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise TypeError(f"{op}: betas must be a pair of numbers, got {value!r}")
            for i, b in enumerate(value):
                number_arg(op, f"betas[{i}]", b)
        else:
            number_arg(op, name, value)


class Optimizer:
    """The base of every optimizer: ``param_groups`` (each a dict with ``"params"`` and its
    hyper-parameters), per-parameter ``state``, ``zero_grad()``, ``step(closure=None)``,
    ``add_param_group()``, ``state_dict()`` and ``load_state_dict()`` with PyTorch's layout.

    ``params`` is an iterable of tensors or of dicts (one per group, e.g. a smaller ``lr`` for
    some layers); ``defaults`` fills the hyper-parameters a group does not give. A subclass
    writes ``_update(p, grad, state, group)`` on raw arrays.
    """
    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or "
                            f"dicts, but got a single Tensor of shape {tuple(params.shape)}")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and optional hyper-parameters)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group: expected a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimize Tensors, got "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor "
                                 f"(shape {tuple(p.shape)})")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"{type(self).__name__}: parameter group didn't specify a "
                                 f"value of required optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one "
                             "parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------------ step
    def zero_grad(self, set_to_none=True):
        """Reset every parameter's ``.grad``: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                engine.zero_grad(p, set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure`` re-evaluates the
        model and returns the loss (computed with gradients enabled); its result is returned."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = p.grad.data
                    if grad.dtype != p.dtype:
                        grad = grad.astype(p.dtype)
                    state = self.state.setdefault(p, {})
                    self._update(p.data, grad, state, group)
                    p._version.value += 1
        return loss

    def _update(self, param, grad, state, group):
        """Update the array ``param`` in place from ``grad``; ``state`` holds this
        parameter's buffers as arrays (``state_dict`` wraps them in Tensors)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    # ------------------------------------------------------------------ state dicts
    def state_dict(self):
        """``{"state": {index: {name: Tensor | int | float}}, "param_groups": [...]}``,
        indexed like PyTorch (parameters numbered across groups in order). Copies."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: Tensor(v.copy()) if hasattr(v, "shape") else v
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore from ``state_dict()``: group sizes must match; buffers are copied and moved
        to each parameter's device and dtype (float buffers) as PyTorch does."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the loaded state dict has {len(saved_groups)} "
                             f"parameter groups, the optimizer has {len(self.param_groups)}")
        sizes = [(len(g["params"]), len(s["params"])) for g, s in zip(self.param_groups, saved_groups)]
        if any(a != b for a, b in sizes):
            raise ValueError("load_state_dict: the loaded state dict contains a parameter group "
                             f"that doesn't match the size of optimizer's group: (optimizer, "
                             f"loaded) sizes per group = {sizes}")
        by_index = {}
        for group, saved in zip(self.param_groups, saved_groups):
            for p, i in zip(group["params"], saved["params"]):
                by_index[int(i)] = p
        new_state = {}
        for i, buffers in state_dict["state"].items():
            p = by_index.get(int(i))
            if p is None:
                raise ValueError(f"load_state_dict: state for parameter index {i} has no "
                                 f"parameter in the optimizer (indices 0..{len(by_index) - 1})")
            new_state[p] = {k: self._restore(v, p, k) for k, v in buffers.items()}
        self.state = new_state
        for group, saved in zip(self.param_groups, saved_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = copy.deepcopy(v)

    @staticmethod
    def _restore(value, p, name):
        if isinstance(value, Tensor):
            value = value.data
        if not hasattr(value, "shape"):
            return value
        arr = backend.to_device(value, p.device)
        if arr.dtype.kind == "f" and arr.dtype != p.dtype:
            arr = arr.astype(p.dtype)
        if arr.shape != p.shape and arr.ndim:
            raise ValueError(f"load_state_dict: state {name!r} has shape {tuple(arr.shape)} but "
                             f"its parameter has shape {tuple(p.shape)}")
        return arr.copy()
