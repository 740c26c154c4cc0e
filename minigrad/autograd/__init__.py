"""Reverse-mode automatic differentiation: Function, backward/grad, grad modes, gradcheck."""
from . import grad_mode
from .function import Function
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, nudge_from_kinks, separate_ties
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` w.r.t. ``inputs`` (each a tensor or a sequence), returned as a
    tuple; no ``.grad`` is touched. ``create_graph=True`` makes the result differentiable."""
    from ..tensor import Tensor
    from .engine import run_backward

    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    filled = []
    for o, g in zip(outputs, grad_outputs):
        if g is None:
            if o.numel() != 1:
                raise RuntimeError(f"grad: grad can be implicitly created only for scalar outputs; "
                                   f"an output has shape {tuple(o.shape)}, pass grad_outputs")
            from ..backend import array_module
            g = Tensor(array_module(o.data).ones_like(o.data))
        filled.append(g)
    return run_backward(outputs, filled, retain_graph, create_graph, inputs, allow_unused)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """``backward`` of several tensors at once (their gradients add up)."""
    from ..tensor import Tensor
    from .engine import run_backward
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    from ..backend import array_module
    gs = [g if g is not None else Tensor(array_module(t.data).ones_like(t.data)) for t, g in zip(tensors, grad_tensors)]
    run_backward(tensors, gs, retain_graph, create_graph)


__all__ = ["Function", "grad", "backward", "gradcheck", "gradgradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "grad_mode",
           "nudge_from_kinks", "separate_ties"]
