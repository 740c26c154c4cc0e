"""Reverse-mode automatic differentiation: Function, backward/grad, grad modes, gradcheck."""
from . import grad_mode
from .engine import backward, grad
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, nudge_from_kinks, separate_ties

__all__ = ["Function", "grad", "backward", "gradcheck", "gradgradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "grad_mode",
           "nudge_from_kinks", "separate_ties"]
