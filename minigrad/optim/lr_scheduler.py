"""Learning-rate schedulers with PyTorch's names, arguments and exact sequences.

A scheduler owns an optimizer and rewrites ``group["lr"]`` in each of its param groups.
Call ``scheduler.step()`` once per epoch (or per batch for CyclicLR / OneCycleLR) AFTER
``optimizer.step()``. ``last_epoch`` counts the ``step()`` calls; construction performs the
first one (``last_epoch`` becomes 0 and the initial lr is set). As in PyTorch, most schedulers
are "chainable": ``get_lr`` computes the new lr from the group's current lr, so their formulas
below read as recurrences; the result is the documented closed form.
"""
from __future__ import annotations

import math
import types
from collections import Counter

from .._checks import int_arg, is_int, number_arg
from .optimizer import Optimizer


def _per_group(op, name, optimizer, value, check=None):
    """One value per param group: a scalar is repeated, a list must match the group count;
    ``check(value)`` (if given) checks and converts each."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{op}: expected {len(optimizer.param_groups)} values for {name} (one per "
                             f"param group), got {len(value)}")
        values = list(value)
    else:
        values = [value] * len(optimizer.param_groups)
    return values if check is None else [check(v) for v in values]


def _number(op, name, **bounds):
    """A check for ``_per_group``: the value must be a real number (within ``bounds``, as
    ``number_arg`` takes them)."""
    return lambda value: number_arg(op, name, value, **bounds)


def _callable(op, name):
    """A check for ``_per_group``: the value must be a function (of the epoch)."""
    def check(fn):
        if not callable(fn):
            raise TypeError(f"{op}: {name} must be a function or a list of functions, got {fn!r} "
                            f"({type(fn).__name__})")
        return fn
    return check


class LRScheduler:
    """The base of the schedulers: each ``step()`` (once per epoch, or per batch for OneCycleLR
    and CyclicLR) sets every param group's ``lr`` from ``get_lr()``; ``get_last_lr()`` reads
    them back; ``state_dict()`` / ``load_state_dict()`` resume. ``last_epoch=-1`` starts afresh
    (and records each group's ``initial_lr``)."""

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param 'initial_lr' is not specified in "
                                   f"param_groups[{i}] when resuming with last_epoch={last_epoch}")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self):
        """The learning rates for the current ``last_epoch``, one per param group."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr")

    def get_last_lr(self):
        """The learning rates the last ``step()`` set."""
        return self._last_lr

    def step(self, epoch=None):
        self._step_count += 1
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Every attribute except the optimizer (and plain functions, which are code)."""
        return {k: v for k, v in self.__dict__.items()
                if k != "optimizer" and not isinstance(v, (types.FunctionType, types.MethodType))}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


_LRScheduler = LRScheduler  # PyTorch's older name


class LambdaLR(LRScheduler):
    """lr = initial_lr * lr_lambda(epoch)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _per_group("LambdaLR", "lr_lambda", optimizer, lr_lambda,
                                      _callable("LambdaLR", "lr_lambda"))
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * lmbda(self.last_epoch) for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = super().state_dict()
        state.pop("lr_lambdas")  # functions are code: not saved (as PyTorch, for plain functions)
        return state


def _nonzero_period(op, name, value):
    """A period (StepLR's step_size, CosineAnnealingLR's T_max) as PyTorch takes it: any real
    number -- a float, a negative one (the schedule then runs as its formula says) -- but not 0,
    which PyTorch divides by at the second step (a ZeroDivisionError there; a ValueError here,
    at once). An int stays an int, so that ``epoch % step_size`` is what PyTorch computes."""
    number_arg(op, name, value)
    if value == 0:
        raise ValueError(f"{op}: {name} must not be 0 (it divides the epoch), got {value!r}")
    return int(value) if is_int(value) else float(value)


class StepLR(LRScheduler):
    """lr = initial_lr * gamma ** (epoch // step_size); ``step_size`` is any non-zero number, as
    in PyTorch, which decays the lr at each epoch that ``epoch % step_size == 0``."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = _nonzero_period("StepLR", "step_size", step_size)
        self.gamma = number_arg("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


def _epoch_key(key):
    """A milestone read back from a checkpoint: JSON turns int keys into strings ('3' is 3)."""
    return int(key) if isinstance(key, str) and key.lstrip("-").isdigit() else key


class MultiStepLR(LRScheduler):
    """lr = initial_lr * gamma ** (number of milestones <= epoch).

    ``milestones`` is any iterable of epochs, counted as PyTorch counts them (a Counter; None
    counts nothing): an entry that is no epoch number (1.5, '2') is never reached, as in
    PyTorch, so the lr simply does not decay there."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        try:
            self.milestones = Counter(milestones)
        except TypeError:
            raise TypeError(f"MultiStepLR: milestones must be an iterable of epochs, got {milestones!r} "
                            f"({type(milestones).__name__})") from None
        self.gamma = number_arg("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return [group["lr"] for group in self.optimizer.param_groups]
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def state_dict(self):
        state = super().state_dict()
        state["milestones"] = dict(self.milestones)
        return state

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self.milestones = Counter({_epoch_key(k): v for k, v in dict(self.milestones).items()})


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma ** epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = number_arg("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, computed as
    PyTorch does (a recurrence on the current lr; past T_max it climbs back, period 2 T_max).
    ``T_max`` is any non-zero number, as in PyTorch."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = _nonzero_period("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = number_arg("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups, e, T = self.optimizer.param_groups, self.last_epoch, self.T_max
        if e == 0:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and e > 0:
            return [self.eta_min + (b - self.eta_min) * (1 + math.cos(e * math.pi / T)) / 2
                    for b in self.base_lrs]
        if (e - 1 - T) % (2 * T) == 0:
            return [g["lr"] + (b - self.eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for b, g in zip(self.base_lrs, groups)]
        return [(1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
                * (g["lr"] - self.eta_min) + self.eta_min for g in groups]


class ReduceLROnPlateau:
    """Multiply lr by ``factor`` once the metric passed to ``step(metric)`` has not improved for
    more than ``patience`` epochs; then wait ``cooldown`` epochs. Improvement means
    ``a < best * (1 - threshold)`` (mode 'min', threshold_mode 'rel'), ``a < best - threshold``
    ('abs'), and the mirror images for mode 'max'. lr never goes below ``min_lr``, and changes
    smaller than ``eps`` are skipped."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        if number_arg("ReduceLROnPlateau", "factor", factor) >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor should be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown; use 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode {threshold_mode!r} is unknown; "
                             "use 'rel' or 'abs'")
        self.optimizer = optimizer
        op = "ReduceLROnPlateau"
        # min_lr below 0 (-inf too) and cooldown below 0 change nothing, and PyTorch takes them
        self.min_lrs = _per_group(op, "min_lr", optimizer, min_lr, _number(op, "min_lr"))
        self.mode, self.factor = mode, factor
        self.patience = number_arg(op, "patience", patience, min=0.0)
        self.threshold, self.threshold_mode = number_arg(op, "threshold", threshold), threshold_mode
        self.cooldown, self.eps = number_arg(op, "cooldown", cooldown), _real_momentum(op, "eps")(eps)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def is_better(self, a, best):
        if self.mode == "min":
            return a < (best * (1 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def step(self, metrics):
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        return self._last_lr

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


# ----------------------------------------------------------------------------- per-batch cycles
# The per-batch cyclic schedulers, CyclicLR and OneCycleLR (PyTorch's sequences).
#
# Both can also cycle the momentum in the opposite direction to the lr: ``group["momentum"]``
# for SGD/RMSprop, or beta1 in ``group["betas"]`` for Adam/AdamW.

def _as_float(op, name, value):
    """``float(value)``, as PyTorch converts CyclicLR's step sizes (so '2' is 2.0), with an error
    naming ``op``."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be a number, got {value!r} ({type(value).__name__})") from None
    if math.isnan(value):
        raise ValueError(f"{op}: {name} must not be NaN")
    return value


def _real_momentum(op, name):
    """A check for ``_per_group``: a momentum (or a learning rate) is a real number. PyTorch's
    optimizers also run with a complex one; minigrad's do not, and say so (NotImplementedError)."""
    def check(value):
        if isinstance(value, complex):
            raise NotImplementedError(f"{op}: a complex {name} is not supported, got {value!r}")
        return number_arg(op, name, value)
    return check


def _momentum_key(optimizer, who):
    if "momentum" in optimizer.defaults:
        return "momentum"
    if "betas" in optimizer.defaults:
        return "betas"
    raise ValueError(f"{who}: optimizer {type(optimizer).__name__} has neither 'momentum' nor "
                     "'betas'; pass cycle_momentum=False")


def _set_momentum(group, key, value):
    if key == "betas":
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class CyclicLR(LRScheduler):
    """lr oscillates between ``base_lr`` and ``max_lr``: up in ``step_size_up`` steps, down in
    ``step_size_down``. Amplitude scaling: 'triangular' (constant), 'triangular2' (halved each
    cycle), 'exp_range' (``gamma ** iteration``), or a custom ``scale_fn``."""

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle",
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        base_lrs = _per_group("CyclicLR", "base_lr", optimizer, base_lr, _real_momentum("CyclicLR", "base_lr"))
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("CyclicLR", "max_lr", optimizer, max_lr, _real_momentum("CyclicLR", "max_lr"))
        up = _as_float("CyclicLR", "step_size_up", step_size_up)
        down = _as_float("CyclicLR", "step_size_down", step_size_down) if step_size_down is not None else up
        if up + down == 0:
            raise ValueError(f"CyclicLR: step_size_up + step_size_down (the cycle's length) must not be 0, "
                             f"got {step_size_up!r} + {step_size_down!r}")
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode {mode!r} is invalid and scale_fn is None; use "
                             "'triangular', 'triangular2' or 'exp_range'")
        self.mode, self.gamma = mode, gamma
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        else:
            self.scale_mode = scale_mode
        if scale_fn is not None:
            _callable("CyclicLR", "scale_fn")(scale_fn)
        self._scale_fn_custom = scale_fn
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._momentum_key = _momentum_key(optimizer, "CyclicLR")
            self.base_momentums = _per_group("CyclicLR", "base_momentum", optimizer, base_momentum,
                                             _real_momentum("CyclicLR", "base_momentum"))
            self.max_momentums = _per_group("CyclicLR", "max_momentum", optimizer, max_momentum,
                                            _real_momentum("CyclicLR", "max_momentum"))
            if last_epoch == -1:
                for m, group in zip(self.max_momentums, optimizer.param_groups):
                    _set_momentum(group, self._momentum_key, m)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale_factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * scale_factor * scale for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, base, top in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, self._momentum_key, top - (top - base) * scale_factor * scale)
        return lrs

    def state_dict(self):
        state = super().state_dict()
        state.pop("_scale_fn_custom")  # a function is code: not saved
        return state


class OneCycleLR(LRScheduler):
    """The 1cycle policy: lr warms up from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start`` of ``total_steps``, then anneals ('cos' or 'linear') to
    ``max_lr / div_factor / final_div_factor``; ``three_phase`` goes back down to the initial
    lr symmetrically before the final annealing. Momentum moves the opposite way."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: you must define either total_steps OR "
                                 "(epochs AND steps_per_epoch)")
            total_steps = int_arg("OneCycleLR", "epochs", epochs) * \
                int_arg("OneCycleLR", "steps_per_epoch", steps_per_epoch)
        if int_arg("OneCycleLR", "total_steps", total_steps) <= 0:
            raise ValueError(f"OneCycleLR: expected a positive total_steps, got {total_steps}")
        if not 0 <= number_arg("OneCycleLR", "pct_start", pct_start) <= 1:
            raise ValueError(f"OneCycleLR: expected pct_start in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        up = float(pct_start * total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=float(2 * pct_start * total_steps) - 2, start_lr="max_lr",
                     end_lr="initial_lr", start_momentum="base_momentum", end_momentum="max_momentum"),
                dict(end_step=total_steps - 1, start_lr="initial_lr", end_lr="min_lr",
                     start_momentum="max_momentum", end_momentum="max_momentum")]
        else:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=total_steps - 1, start_lr="max_lr", end_lr="min_lr",
                     start_momentum="base_momentum", end_momentum="max_momentum")]
        op = "OneCycleLR"
        for name, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            if number_arg(op, name, value) == 0:
                raise ValueError(f"{op}: {name} must not be 0 (the lr is divided by it)")
        max_lrs = _per_group(op, "max_lr", optimizer, max_lr, _number(op, "max_lr"))
        if last_epoch == -1:
            for top, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._momentum_key = _momentum_key(optimizer, "OneCycleLR")
            if last_epoch == -1:
                for top, base, group in zip(_per_group(op, "max_momentum", optimizer, max_momentum,
                                                       _number(op, "max_momentum")),
                                            _per_group(op, "base_momentum", optimizer, base_momentum,
                                                       _number(op, "base_momentum")),
                                            optimizer.param_groups):
                    _set_momentum(group, self._momentum_key, top)
                    group["max_momentum"], group["base_momentum"] = top, base
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the specified number of "
                             f"total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        _set_momentum(group, self._momentum_key, self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct))
                    break
                start = end
        return lrs
