"""Adadelta (PyTorch's update; ``lr`` scales the step and defaults to 1.0)."""
from .. import backend
from .optimizer import Optimizer, check_numbers


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of running RMS of past updates and of gradients, with
    PyTorch's arguments and update.

    ``Adadelta(model.parameters())``: ``lr`` scales the step (1.0 by default), ``rho`` the decay
    of both running averages, ``eps`` keeps the divisions safe, ``weight_decay`` adds L2,
    ``maximize=True`` climbs.

    The update of each parameter p, as PyTorch's:

        g  = -grad if maximize else grad
        g  = g + weight_decay * p
        s  = rho * s + (1 - rho) * g**2
        d  = sqrt(u + eps) / sqrt(s + eps) * g
        u  = rho * u + (1 - rho) * d**2
        p  = p - lr * d
    """
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        check_numbers("Adadelta", lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        if lr < 0.0 or eps < 0.0 or weight_decay < 0.0 or not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid hyper-parameters lr={lr}, rho={rho}, eps={eps}, "
                             f"weight_decay={weight_decay}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        xp = backend.array_module(param)
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
            state["acc_delta"] = xp.zeros_like(param)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        s, u = state["square_avg"], state["acc_delta"]
        s *= rho
        s += (1 - rho) * grad * grad
        delta = xp.sqrt(u + eps)
        delta /= xp.sqrt(s + eps)
        delta *= grad
        u *= rho
        u += (1 - rho) * delta * delta
        param -= group["lr"] * delta
