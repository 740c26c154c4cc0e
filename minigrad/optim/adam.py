"""Adam and AdamW (PyTorch's update, bias-corrected moments, optional AMSGrad)."""
import math

from .. import backend
from .optimizer import Optimizer, check_numbers


class Adam(Optimizer):
    """Adam: per-parameter steps from running averages of the gradient and its square, with
    PyTorch's arguments and update.

    ``Adam(model.parameters(), lr=1e-3)``: ``betas`` the decay rates of the two averages, ``eps``
    keeps the division safe, ``weight_decay`` adds L2 to the gradient (``AdamW`` decays the
    weights instead), ``amsgrad=True`` uses the running maximum of the second moment,
    ``maximize=True`` climbs.

    The update of each parameter p, as PyTorch's:

        g  = -grad if maximize else grad
        Adam:  g = g + weight_decay * p         AdamW:  p = p * (1 - lr * weight_decay)
        m  = beta1 * m + (1 - beta1) * g        (as lerp: m + (1 - beta1) * (g - m))
        v  = beta2 * v + (1 - beta2) * g**2
        v_max = max(v_max, v)                   (amsgrad; used instead of v below)
        p  = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The products are taken in PyTorch's order (its addcmul_ and addcdiv_ scale first:
    ``((1 - beta2) * g) * g`` and ``(-lr / (1 - beta1**t) * m) / denom``), so that a huge ``lr``
    overflows to the same inf and NaN.
    """
    _decoupled = False  # AdamW sets True: weight decay shrinks p instead of adding to g

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False):
        name = type(self).__name__
        check_numbers(name, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        if lr < 0.0:
            raise ValueError(f"{name}: invalid learning rate lr={lr}")
        if eps < 0.0:
            raise ValueError(f"{name}: invalid epsilon value eps={eps}")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"{name}: invalid beta parameters betas={betas}; each must be in [0, 1)")
        if weight_decay < 0.0:
            raise ValueError(f"{name}: invalid weight_decay value {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _update(self, param, grad, state, group):
        xp = backend.array_module(param)
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        if group["maximize"]:
            grad = -grad
        if wd != 0:
            if self._decoupled:
                param *= 1 - lr * wd
            else:
                grad = grad + wd * param
        state["step"] += 1
        step = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # in place with two scratch buffers (tmp, denom), in PyTorch's order of operations, so that an overflow (a huge lr) overflows where PyTorch's does:
        # lerp_ (m + w (g - m)), addcmul_ ((value * g) * g), addcdiv_ ((value * m) / denom)
        tmp = xp.subtract(grad, m, out=xp.empty_like(m))    # (out=: an array even when 0-d)
        tmp *= 1 - beta1
        m += tmp                                    # m = m + (1 - beta1) (g - m)
        xp.multiply(grad, 1 - beta2, out=tmp)
        tmp *= grad
        v *= beta2
        v += tmp                                    # v = beta2 v + (1 - beta2) g g
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = xp.sqrt(v)
        denom /= math.sqrt(1 - beta2 ** step)
        denom += eps                                # denom = sqrt(v) / sqrt(1 - beta2^t) + eps
        xp.multiply(m, -(lr / (1 - beta1 ** step)), out=tmp)
        tmp /= denom
        param += tmp                                # p = p + (-lr / (1 - beta1^t) m) / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * weight_decay``
    before the Adam step, instead of adding ``weight_decay * p`` to the gradient."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
