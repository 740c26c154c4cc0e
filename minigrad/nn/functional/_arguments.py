"""PyTorch's argument conventions, shared by every F function.

- sizes (kernel_size, stride, padding, dilation ...) are an int or a tuple with one entry per
  spatial dim: ``_single``, ``_pair``, ``_triple`` (pooling also takes a 1-tuple, as PyTorch does);
- an image batch may come without its batch dim (C, H, W): ``_batched`` adds it and says so,
  ``_unbatched`` takes it off the result again;
- losses reduce with ``reduction='none' | 'mean' | 'sum'``, or PyTorch's deprecated
  ``size_average``/``reduce`` flags: ``_legacy_reduction``, ``_check_reduction``, ``_reduce``.
"""
from __future__ import annotations

from ..._checks import ints_arg, tensor_arg


def _ntuple(value, n, name, op, one_element=False):
    """``value`` (an int, or a sequence of ``n`` ints -- or of one, if ``one_element``) as a
    tuple of ``n`` ints; a float, a bool or a wrong length is an error naming ``op``."""
    return ints_arg(op, name, value, n, one_element=one_element)


def _single(value, name, op):
    """An int, or a 1-tuple, as an int."""
    return _ntuple(value, 1, name, op)[0]


def _pair(value, name, op, one_element=False):
    """An int or a pair as a pair; ``one_element``: a 1-tuple too (PyTorch's pooling)."""
    return _ntuple(value, 2, name, op, one_element)


def _triple(value, name, op, one_element=False):
    """An int or a triple as a triple; ``one_element``: a 1-tuple too (PyTorch's pooling)."""
    return _ntuple(value, 3, name, op, one_element)


def _batched(op, input, spatial_dims, nonempty=False):
    """``input`` with a batch dim, and whether it was added: (C, *spatial) becomes
    (1, C, *spatial); (N, C, *spatial) is kept; any other rank is an error. ``nonempty``
    (pooling, as PyTorch): only the batch dim may be 0; ``nonempty="after_first"`` (adaptive
    max pooling, as PyTorch): only the first dim may be 0, the batch or an unbatched input's
    channels."""
    tensor_arg(op, "input", input)
    if input.ndim not in (spatial_dims + 1, spatial_dims + 2):
        raise RuntimeError(f"{op}: expected a {spatial_dims + 1}-D (unbatched) or "
                           f"{spatial_dims + 2}-D (batched) input, got input of shape {tuple(input.shape)}")
    if nonempty:
        first = 1 if nonempty == "after_first" else input.ndim - spatial_dims - 1
        for d in range(first, input.ndim):
            if input.shape[d] == 0:
                raise RuntimeError(f"{op}: expected input to have non-zero size for non-batch dimensions, "
                                   f"but input has shape {tuple(input.shape)} with dimension {d} being empty")
    if input.ndim == spatial_dims + 1:
        return input.unsqueeze(0), True
    return input, False


def _unbatched(added, *outputs):
    """The outputs without the batch dim ``_batched`` added (unchanged if it added none)."""
    if not added:
        return outputs if len(outputs) > 1 else outputs[0]
    outputs = tuple(o.squeeze(0) for o in outputs)
    return outputs if len(outputs) > 1 else outputs[0]


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated size_average/reduce flags, mapped onto ``reduction`` as PyTorch maps
    them: each flag is read by its truth (None is True), so ``reduce=0`` is ``reduction='none'``."""
    if size_average is None and reduce is None:
        return _current_spelling(reduction)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _current_spelling(reduction):
    """'mean' for PyTorch's old spelling 'elementwise_mean' (which it still takes)."""
    return "mean" if isinstance(reduction, str) and reduction == "elementwise_mean" else reduction


def _check_reduction(op, reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction "
                         "(use 'none', 'mean' or 'sum')")


def _reduce(op, loss, reduction):
    """The per-element ``loss`` reduced as ``reduction`` says."""
    reduction = _current_spelling(reduction)
    _check_reduction(op, reduction)
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()
