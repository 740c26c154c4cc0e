"""``summary(model, input_size)``: a Keras-like table of a model's layers, output shapes and
parameter counts.

It runs one probe forward pass on zeros, in eval mode and under ``no_grad``, with a forward
hook on every layer recording its output shape; then it removes the hooks and restores every
module's mode and every buffer, so the model is left exactly as it was.

Counts, as Keras: a layer's "Param #" is its own parameters plus its floating-point buffers
(BatchNorm's moving mean and variance, which Keras counts as weights);
non-trainable = frozen parameters + floating-point buffers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import backend, creation
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


@dataclass
class ModelSummary:
    """What ``summary`` returns; ``str()`` of it is the printed table."""
    total_params: int
    trainable_params: int
    non_trainable_params: int
    rows: list = field(default_factory=list)      # (layer, output shape, params)

    def __str__(self):
        header = ("Layer (type)", "Output Shape", "Param #")
        cells = [header] + [(name, str(shape), f"{n:,}") for name, shape, n in self.rows]
        w = [max(len(c[i]) for c in cells) + 3 for i in range(3)]
        line = lambda c: f"{c[0]:<{w[0]}}{c[1]:<{w[1]}}{c[2]:>{w[2]}}"  # noqa: E731
        width = sum(w)
        out = ["=" * width, line(header), "=" * width] + [line(c) for c in cells[1:]] + ["=" * width]
        out += [f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}",
                "-" * width]
        return "\n".join(out)


def _is_float(t):
    return t.dtype.kind in "fc"


def _own_count(module):
    params = sum(p.numel() for p in module.parameters(recurse=False))
    return params + sum(b.numel() for b in module.buffers(recurse=False) if _is_float(b))


def _shape(out, batch_size):
    if isinstance(out, Tensor):
        return [batch_size] + list(out.shape[1:])
    if isinstance(out, (tuple, list)):
        return [_shape(o, batch_size) for o in out]
    return type(out).__name__


def summary(model, input_size, batch_size=-1, device=None, dtypes=None, print_fn=print):
    """Print and return a ``ModelSummary`` of ``model`` for inputs of ``input_size`` (one
    sample's shape, without the batch dim, e.g. ``(1, 28, 28)``; a list of shapes for
    several inputs). ``dtypes``: one dtype per input (default float32; integer dtypes for
    Embedding inputs). ``batch_size`` is only what the table shows in the batch dim
    (-1 = any). ``print_fn=None`` prints nothing."""
    sizes = [tuple(input_size)] if all(isinstance(s, int) for s in input_size) else [tuple(s) for s in input_size]
    dtypes = list(dtypes) if dtypes is not None else [backend.float32] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: got {len(dtypes)} dtypes for {len(sizes)} inputs")
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else "cpu"
    inputs = [creation.zeros((2,) + s, dtype=d, device=device) for s, d in zip(sizes, dtypes)]

    names = {id(m): name for name, m in model.named_modules()}
    rows, seen, handles = [], set(), []

    def hook(module, args, output):
        first_call = id(module) not in seen
        seen.add(id(module))
        name = names.get(id(module)) or type(module).__name__.lower()
        rows.append((f"{name} ({type(module).__name__})", _shape(output, batch_size),
                     _own_count(module) if first_call else 0))

    modes = [(m, m.training) for m in model.modules()]
    saved = [(b, b.data.copy()) for b in model.buffers()]
    for m in model.modules():
        has_children = next(m.children(), None) is not None
        if m is not model and (not has_children or _own_count(m)) or (m is model and not has_children):
            handles.append(m.register_forward_hook(hook))
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
        for b, data in saved:
            if b.data.shape != data.shape or not (b.data == data).all():
                b.data[...] = data

    total = trainable = 0
    for p in model.parameters():
        total += p.numel()
        trainable += p.numel() if p.requires_grad else 0
    total += sum(b.numel() for b in model.buffers() if _is_float(b))
    result = ModelSummary(total, trainable, total - trainable, rows)
    if print_fn is not None:
        print_fn(str(result))
    return result
