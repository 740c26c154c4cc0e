"""RMSprop (PyTorch's update, optional momentum and centering)."""
from .. import backend
from .optimizer import Optimizer, check_numbers


class RMSprop(Optimizer):
    """RMSprop: each step divided by a running root mean square of the gradient, with PyTorch's
    arguments and update.

    ``RMSprop(model.parameters(), lr=1e-2)``: ``alpha`` the decay of the running mean, ``eps``
    keeps the division safe, ``momentum`` adds a velocity, ``centered=True`` divides by the
    running variance instead, ``weight_decay`` adds L2, ``maximize=True`` climbs.

    The update of each parameter p, as PyTorch's:

        g  = -grad if maximize else grad
        g  = g + weight_decay * p
        s  = alpha * s + (1 - alpha) * g**2
        centered:  a = a + (1 - alpha) * (g - a);  avg = sqrt(s - a**2) + eps
        otherwise: avg = sqrt(s) + eps
        momentum > 0:  b = momentum * b + g / avg;  p = p - lr * b
        otherwise:     p = p - lr * g / avg
    """
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        check_numbers("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        for name, value in (("lr", lr), ("eps", eps), ("momentum", momentum),
                            ("weight_decay", weight_decay), ("alpha", alpha)):
            if value < 0.0:
                raise ValueError(f"RMSprop: invalid {name} value {value}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, param, grad, state, group):
        xp = backend.array_module(param)
        alpha, eps, wd, momentum = group["alpha"], group["eps"], group["weight_decay"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = xp.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if wd != 0:
            grad = grad + wd * param
        s = state["square_avg"]
        s *= alpha
        s += (1 - alpha) * grad * grad
        if group["centered"]:
            a = state["grad_avg"]
            a += (1 - alpha) * (grad - a)
            avg = xp.sqrt(s - a * a)
        else:
            avg = xp.sqrt(s)
        avg += eps
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / avg
