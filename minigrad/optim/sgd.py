"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (PyTorch's update)."""
from .optimizer import Optimizer, check_numbers, required


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's arguments and update.

    ``SGD(model.parameters(), lr=0.1, momentum=0.9)``: ``lr`` the step size; ``momentum`` keeps a
    running velocity (0: plain gradient descent); ``dampening`` scales the new gradient in it;
    ``nesterov=True`` looks ahead along the velocity; ``weight_decay`` adds L2 (``wd * p`` to the
    gradient); ``maximize=True`` climbs instead. Then, per batch: ``opt.zero_grad();
    loss.backward(); opt.step()``.

    The update of each parameter p, as PyTorch's:

        g  = -grad if maximize else grad
        g  = g + weight_decay * p
        b  = g                                   first step
        b  = momentum * b + (1 - dampening) * g  later steps
        g  = g + momentum * b  if nesterov else  b
        p  = p - lr * g
    """
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False):
        check_numbers("SGD", lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
        if lr is not required and lr < 0.0:
            raise ValueError(f"SGD: invalid learning rate lr={lr}")
        if momentum < 0.0:
            raise ValueError(f"SGD: invalid momentum value {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"SGD: invalid weight_decay value {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum > 0 and zero dampening "
                             f"(got momentum={momentum}, dampening={dampening})")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        momentum, wd = group["momentum"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if wd != 0:
            grad = grad + wd * param
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad
