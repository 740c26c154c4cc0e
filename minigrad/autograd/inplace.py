"""In-place ops inside the graph, with PyTorch's rules.

An in-place method is its out-of-place op, computed and written back into the tensor's memory:
``y.mul_(w)`` computes ``mul(y, w)``, copies the values into ``y``'s array and gives ``y`` the
history of the result. One function does this for every method, ``apply_inplace``, so any
out-of-place op gets a correct in-place twin in one line of ``tensor.py``::

    def exp_(self):
        return self._inplace("exp_", ops.exp)

The rules, as in PyTorch:

1. **Allowed on a tensor made by an op** (a non-leaf). The tensor is *rebased*: its ``grad_fn``
   becomes the op's node, whose input is the tensor's previous history. An op that used the
   tensor before keeps sending its gradient to the previous value: nodes record where each
   input's gradient goes when they run (see ``engine.py``).
2. **Refused on a leaf that requires grad**, and on a view of one, while grad mode is on: such a
   tensor is what the gradient is *for*, so it has no previous history to rebase onto. Under
   ``no_grad`` it is allowed (that is how optimizers update parameters) and changes no history.
3. **Every in-place op bumps the version counter**, which a tensor shares with all its views. A
   node that saved a tensor for backward records its version; if the version differs when
   backward reaches the node, backward raises, naming the node and both versions -- the value
   it needs is gone (``y = x.exp(); y.add_(1)`` then backward: Exp saved y). The op's own input
   is the exception: when the out-of-place op saved it (``mul_`` needs the old value of ``self``
   for the other factor's gradient) the node keeps a copy of the old value, as PyTorch does.
4. **Writing into a view of a non-leaf rewrites its base's history** (PyTorch's CopySlices).
   After ``y = x * 2; y[0] = 5`` (or ``y[0].mul_(3)``) the base ``y`` has the node
   ``CopySlices(previous y, written value)``: the previous ``y`` gets the gradient everywhere
   except at the written positions, the written value gets it there. The written view itself and
   every other view of ``y`` derive their ``grad_fn`` from ``y``'s new history again the next
   time they are used (their version differs from the one they were derived at).
5. **The result must fit the tensor**: the same shape (an in-place op does not broadcast its
   target), no memory location written twice (an ``expand``-ed view is refused), and a dtype
   that casts to the tensor's by PyTorch's rule -- no float into an integer tensor, no complex
   into a real one, no non-bool into a bool one -- so ``int_tensor.mul_(1.5)`` raises instead of
   truncating. ``copy_``, ``fill_`` and ``x[key] = v`` cast their value, as PyTorch's do.
6. **Not recorded at all: logical_and_, logical_or_, logical_not_** (``apply_unrecorded``). PyTorch
   gives these three no autograd formula and no check: they write the values and bump the
   version, and leave the history as it was -- allowed on a leaf that requires grad (it stays a
   leaf that requires grad), and a non-leaf keeps its ``grad_fn``, so backward passes the gradient
   through as if the values had not changed. Every other in-place op follows rules 1-5.
"""
from __future__ import annotations

import numbers
import weakref

import numpy as np

from .._checks import errors_named, named_error
from ..backend import array_module, to_device
from ..ops import indexing
from ..ops.reduction import sum_to_shape
from ..tensor import Tensor
from . import grad_mode
from .function import Function, refresh_view, replay_view, view_root


# ----------------------------------------------------------------------------- the mechanism

def apply_inplace(t, op, fn, args=(), kwargs=None):
    """``t = fn(t, *args, **kwargs)`` in place, under the rules above; returns ``t``.

    ``fn`` is any out-of-place op whose first argument is the tensor; ``op`` is the method's
    name, used in error messages.
    """
    if t._view is not None and t._view[2] != t._version.value:
        refresh_view(t)
    base, steps = view_root(t) if t._view is not None else (None, None)
    recording = grad_mode._state.enabled
    if recording:
        _check_allowed(t, base, steps, op)
    _check_no_internal_overlap(t, op)

    # t's current history, over a distinct array object on the same memory (so that a node
    # saving both it and t itself, as ``a.mul_(a)`` does, tells them apart)
    old = Tensor._make(t.data.view(), t.requires_grad, t.grad_fn, t.output_nr)
    try:
        r = fn(old, *args, **(kwargs or {}))
    except Exception as exc:  # noqa: BLE001 - named_error passes on all it does not rename
        renamed = named_error(op, exc)         # (errors_named's ``with`` block, without its object)
        if renamed is None:
            raise
        raise renamed from exc
    if r is old:
        t._version.value += 1
        return t
    r = _fit(op, r, t, old, recording)
    rewrites_base = recording and steps is not None and (base.requires_grad or r.requires_grad)
    if rewrites_base and _has_multi_output_step(steps):
        raise RuntimeError(f"{op}: this view is an output of {steps[0][0].__name__}, a function that "
                           "returns multiple views (split, chunk, unbind), and such views cannot be "
                           "modified in-place while their base's history is recorded (as in "
                           "PyTorch); use an out-of-place op, or clone() the view")
    kept = weakref.ref(old)
    del old
    if kept() is not None:             # a node saved t's old value: it keeps a copy of it
        kept().data = t.data.copy()

    t.data[...] = r.data               # through a view, this writes into the base's memory
    t._version.value += 1
    if not recording:
        return t
    if rewrites_base:
        _copy_slices(t, base, steps, r)
    elif steps is None and r.requires_grad:
        _rebase(t, r.grad_fn, r.output_nr)
    if r.grad_fn is not None:
        _saved_output_is(r, t)
    return t


def _has_multi_output_step(steps):
    """Is one of the view ``steps`` an output of a function that returns several views? (A loop:
    ``any`` over a generator costs several times more for the usual single step.)"""
    for step in steps:
        if step[3] is not None:
            return True
    return False


def apply_unrecorded(t, op, fn, args=()):
    """Rule 6: ``t``'s values become ``fn(t, *args)`` (cast to ``t``'s dtype), its version
    counter is bumped, and nothing else changes; returns ``t``."""
    _check_no_internal_overlap(t, op)
    with errors_named(op):
        r = fn(Tensor._make(t.data, False, None, 0), *args)
    r = _fit(op, r, t, None, recording=False)
    t.data[...] = r.data
    t._version.value += 1
    return t


def _check_allowed(t, base, steps, op):
    """Rule 2 (grad mode is on); ``base`` and ``steps`` are ``view_root(t)`` for a view."""
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an "
                           "in-place operation; change it under `with minigrad.no_grad():` (as "
                           "optimizers do), or use the out-of-place op")
    if base is not None and base.requires_grad:
        if base.grad_fn is None:
            raise RuntimeError(f"{op}: a view of a leaf Variable that requires grad is being used "
                               "in an in-place operation; change it under `with "
                               "minigrad.no_grad():`, or use the out-of-place op")
        if steps is None:
            raise RuntimeError(f"{op}: a view was created in no_grad mode and is being modified "
                               "in-place with grad mode enabled; this use is ambiguous and "
                               "forbidden: make the view outside no_grad, or clone() it")


def _check_no_internal_overlap(t, op):
    """Rule 5: a tensor with a stride-0 dimension (expand) has elements sharing memory (an
    empty one has no elements to share)."""
    d = t.data
    if 0 in d.strides and d.size and any(s == 0 and n > 1 for s, n in zip(d.strides, d.shape)):
        raise RuntimeError(f"{op}: unsupported operation: more than one element of the written-to "
                           f"tensor (shape {tuple(d.shape)}) refers to a single memory location; "
                           "clone() the tensor before the in-place operation")


def can_cast(src, dst):
    """PyTorch's rule for writing a ``src`` result into a ``dst`` tensor."""
    if src.kind == "c" and dst.kind != "c":
        return False
    if src.kind == "f" and dst.kind in "biu":
        return False
    return not (src.kind != "b" and dst.kind == "b")


def _fit(op, r, t, old, recording):
    """Rule 5 for the result ``r`` of the out-of-place op: the tensor's shape, a dtype that casts
    to the tensor's (cast, differentiably), and still in the graph if the tensor was."""
    if not isinstance(r, Tensor):
        r = Tensor(r)
    if r.data.shape != t.data.shape:
        raise RuntimeError(f"{op}: output with shape {tuple(t.shape)} doesn't match the broadcast "
                           f"shape {tuple(r.shape)}")
    if r.data.dtype != t.data.dtype:
        if not can_cast(r.dtype, t.dtype):
            raise RuntimeError(f"{op}: result type {r.dtype} can't be cast to the desired output "
                               f"type {t.dtype}")
        r = r.to(t.dtype)
    if recording and old.requires_grad and not r.requires_grad:
        r = Overwrite.apply(old, r)        # a non-differentiable result: a zero gradient
    return r


def _rebase(t, node, output_nr):
    """Rule 1: ``t``'s history is now output ``output_nr`` of ``node``. A ``retain_grad()`` moves
    with it (``.grad`` is then the gradient of the new value, as in PyTorch)."""
    retained = t._retains_grad
    if retained and t.grad_fn is not None and t.grad_fn._hooks:
        hooks = t.grad_fn._hooks.get(t.output_nr, [])
        hooks[:] = [h for h in hooks if not getattr(h, "retains_grad", False)]
        t._retains_grad = False
    t.grad_fn, t.output_nr, t.requires_grad = node, output_nr, True
    if retained:
        t.retain_grad()


def _saved_output_is(r, t):
    """If the node that made ``r`` saved ``r`` (relu_, sigmoid_, exp_ save their output), it now
    saved ``t``'s memory at its current version: a later in-place change of ``t`` is caught."""
    node = r.grad_fn
    if node._saved:
        mine = r.output_nr
        node._saved = [("out", (mine, t.data), t._version, t._version.value)
                       if kind == "out" and obj[0] == mine else (kind, obj, counter, version)
                       for kind, obj, counter, version in node._saved]


# ----------------------------------------------------------------------------- views (rule 4)

class CopySlices(Function):
    """the base with its view ``steps`` replaced by ``src`` (what writing into a view does to
    its base);  d/dbase = 1 outside the view and 0 inside, d/dsrc = the gradient's same view"""

    @staticmethod
    def forward(ctx, base, src, steps):
        ctx.steps = steps
        return base             # the values went into the base's memory through the view

    @staticmethod
    def backward(ctx, g):
        nb, ns, _ = ctx.needs_input_grad
        gbase = gsrc = None
        if nb:
            keep = array_module(g.data).empty(g.data.shape, g.data.dtype)    # (numpy.ones: 2x the cost)
            keep.fill(1)
            keep = Tensor._make(keep, False, None, 0)
            replay_view(keep, ctx.steps).data[...] = 0    # (a view of a constant: nothing is recorded)
            gbase = g * keep
        if ns:
            gsrc = replay_view(g, ctx.steps)
        return gbase, gsrc, None


def _copy_slices(t, base, steps, r):
    """Rule 4: the ``base`` of view ``t`` gets the history "previous base with ``r`` written at
    ``t``" (``steps`` lead from the base to ``t``); ``t`` then derives its own history again."""
    previous = Tensor._make(base.data, base.requires_grad, base.grad_fn, base.output_nr)
    written = CopySlices.apply(previous, r, tuple(steps))
    _rebase(base, written.grad_fn, written.output_nr)
    refresh_view(t)


# ----------------------------------------------------------------------------- overwriting ops

class Overwrite(Function):
    """x's values replaced by ``src`` (broadcast to x's shape, cast to its dtype): copy_, fill_,
    zero_, the random fills;  d/dx = 0, d/dsrc = the gradient summed back to src's shape"""

    @staticmethod
    def forward(ctx, x, src):
        xp = array_module(x)
        ctx.src_shape = getattr(src, "shape", ())
        return xp.broadcast_to(xp.asarray(src, dtype=x.dtype), x.shape)

    @staticmethod
    def backward(ctx, g):
        nx, ns = ctx.needs_input_grad
        gx = Tensor._make(array_module(g.data).zeros_like(g.data), False, None, 0) if nx else None
        gs = None
        if ns:
            gs = sum_to_shape(g, ctx.src_shape)
        return gx, gs


def overwrite(input, src, op="copy_"):
    """``src`` broadcast to ``input``'s shape, on its device, in its dtype (differentiable in
    ``src``): the out-of-place op behind ``copy_`` and ``fill_`` (whose value is a number or a
    0-d tensor, as PyTorch's)."""
    if op == "fill_" and isinstance(src, Tensor) and src.ndim != 0:
        raise RuntimeError(f"fill_: the value must be a number or a 0-dimensional tensor, got a tensor "
                           f"of shape {tuple(src.shape)}")
    if not isinstance(src, (Tensor, numbers.Number)):          # arrays, lists: a constant
        src = Tensor(to_device(np.asarray(src) if isinstance(src, (list, tuple)) else src, input.device))
    if isinstance(src, Tensor):
        shape = tuple(src.shape)
        if len(shape) > input.ndim or any(s not in (1, n) for s, n in
                                          zip(shape[::-1], tuple(input.shape)[::-1])):
            raise RuntimeError(f"{op}: the source of shape {shape} is not broadcastable to the "
                               f"tensor's shape {tuple(input.shape)}")
        if src.device != input.device:
            src = src.to(input.device)
    return Overwrite.apply(input, src)


# ----------------------------------------------------------------------------- x[key] = value

def setitem(t, key, value):
    """``t[key] = value``: writing into the view ``t[key]`` for basic keys (ints, slices, None,
    ...), the in-place ``index_put`` otherwise; with no graph involved, a plain array write."""
    key = indexing.unwrap_key(key)
    involved = grad_mode._state.enabled and (
        t.requires_grad or (isinstance(value, Tensor) and value.requires_grad)
        or (t._view is not None and view_root(t)[0].requires_grad))
    if not involved:
        _check_no_internal_overlap(t, "__setitem__")
        if isinstance(value, Tensor):
            if value.device != t.device:
                value = value.to(t.device)
            value = value.data
        elif not isinstance(value, numbers.Number):        # arrays, lists: onto t's device
            value = to_device(np.asarray(value) if isinstance(value, (list, tuple)) else value, t.device)
        first, then = indexing.torch_key(key, t.shape)
        indexing.check_key_bounds("setitem", t.shape, first)
        try:
            if then is None:
                t.data[first] = value
            else:
                t.data[first][then] = value
        except IndexError as e:
            raise IndexError(f"setitem: {e} (tensor shape {tuple(t.shape)})") from None
        t._version.value += 1
        return
    if indexing.is_basic(key):
        apply_inplace(indexing.getitem(t, key), "__setitem__", overwrite, (value, "__setitem__"))
    else:
        apply_inplace(t, "__setitem__", indexing.put_key, (key, value))
