"""Adagrad (PyTorch's update, with learning-rate decay)."""
from .. import backend
from .optimizer import Optimizer, check_numbers


class Adagrad(Optimizer):
    """Adagrad: each parameter's step shrinks with the sum of its squared gradients so far, with
    PyTorch's arguments and update.

    ``Adagrad(model.parameters(), lr=1e-2)``: ``lr_decay`` lowers the rate over steps,
    ``initial_accumulator_value`` starts the sum, ``eps`` keeps the division safe,
    ``weight_decay`` adds L2, ``maximize=True`` climbs.

    The update of each parameter p, as PyTorch's:

        g   = -grad if maximize else grad
        g   = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s   = s + g**2                      (s starts at initial_accumulator_value)
        p   = p - clr * g / (sqrt(s) + eps)

    As in PyTorch, the state (``step`` = 0, ``sum``) is created when the optimizer is built.
    """
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        check_numbers("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                      initial_accumulator_value=initial_accumulator_value, eps=eps)
        for name, value in (("lr", lr), ("lr_decay", lr_decay), ("weight_decay", weight_decay),
                            ("initial_accumulator_value", initial_accumulator_value), ("eps", eps)):
            if value < 0.0:
                raise ValueError(f"Adagrad: invalid {name} value {value}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                xp = backend.array_module(p.data)
                self.state[p] = {"step": 0, "sum": xp.full_like(p.data, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group):
        xp = backend.array_module(param)
        if not state:  # a parameter added later with add_param_group
            state["step"] = 0
            state["sum"] = xp.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"]
        s += grad * grad
        std = xp.sqrt(s)
        std += group["eps"]
        param -= clr * grad / std
