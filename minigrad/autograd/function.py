"""Function: one differentiable operation, and the node it leaves in the graph.

A primitive op subclasses ``Function`` and writes two static methods side by side::

    class Exp(Function):
        '''exp(x);  d/dx = exp(x)'''

        @staticmethod
        def forward(ctx, x):                 # raw arrays in, raw arrays out
            y = array_module(x).exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):              # Tensors in, Tensors out
            (y,) = ctx.saved_tensors
            return grad * y

``forward`` runs on the arrays (NumPy or CuPy) and is never recorded. ``backward`` runs on
Tensors with ordinary differentiable ops: the engine calls it under ``no_grad`` for a plain
``backward()``, and with recording on for ``create_graph=True`` -- so the very same code gives
first-order gradients cheaply and higher-order gradients when they are asked for.

``ctx`` is the node itself (as in PyTorch). Non-tensor arguments (Python numbers, tuples of
dims ...) pass through to ``forward`` unchanged and get ``None`` as their gradient. Use
``MyOp.apply(*args)`` to call an op, never ``forward`` directly.
"""
from __future__ import annotations

import re

import numpy as np

from ..backend import array_module
from ..tensor import Tensor
from . import anomaly_mode, grad_mode

_trace_hook = None  # minigrad.onnx's tracer while it records a forward: hook(cls, args, kwargs, outputs)


class Function:
    """Base class of every differentiable op; an instance is a node of the graph."""

    is_view = False   # True for ops whose output may be a view of their first input (reshape,
                      # permute, basic indexing ...): an output that shares the input's memory
                      # shares its version counter and remembers how to replay the view

    # Per-node fields; class-level defaults so that creating a node costs one allocation.
    inputs = ()                # per argument, where its gradient goes: None (no gradient
                               # wanted), the leaf Tensor, or (node, output_nr) of the tensor's
                               # producer -- recorded at apply time, so that an in-place op
                               # that later rebases the tensor's grad_fn cannot reroute it
    needs_input_grad = ()      # per argument: does it want a gradient?
    _to_save = ()
    _saved = ()
    _non_diff = ()
    _out_meta = ()             # per output: (shape, dtype, array type), to fill missing grads
    _hooks = None              # output_nr -> [hook]; hooks of non-leaf tensors
    _freed = False
    _anomaly_stack = None      # the forward call's stack, kept while anomaly detection is on

    # -- what forward may call on ctx --------------------------------------------------------
    def save_for_backward(self, *values):
        """Keep arrays (inputs, outputs or intermediates) for ``backward``.

        Inputs and outputs come back in ``saved_tensors`` as the very Tensors of the graph
        (so higher-order gradients flow through them); other arrays come back as constants.
        """
        self._to_save = values

    def mark_non_differentiable(self, *arrays):
        """Outputs that carry no gradient (indices, masks)."""
        self._non_diff = arrays

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_freed_message(self))
        out = []
        for kind, obj, counter, version in self._saved:
            if counter is not None and counter.value != version:
                data = obj[1] if kind == "out" else obj.data
                raise RuntimeError(
                    f"{type(self).__name__}: one of the tensors saved for backward (shape "
                    f"{tuple(data.shape)}, {data.dtype}) was modified by an in-place operation: "
                    f"it is at version {counter.value}, the op saved version {version}; use an "
                    "out-of-place op, or .clone() it first")
            if kind == "out":   # rebuild the output as a graph Tensor: no reference cycle kept
                obj = Tensor._make(obj[1], True, self, obj[0])
            out.append(obj)
        return tuple(out)

    # -- the op interface ------------------------------------------------------------------
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op: ``forward`` on the arguments' arrays, its results wrapped as Tensors.

        The call is recorded only when grad mode is on and some Tensor argument requires grad:
        then ``ctx`` becomes a node of the graph (``inputs`` says where each argument's gradient
        goes, ``_out_meta`` describes the outputs, what ``forward`` saved is resolved against
        the graph's Tensors) and the floating-point outputs get ``grad_fn = ctx``. Otherwise --
        under ``no_grad``, or on constants only -- none of that is built: the outputs are plain
        Tensors and what ``forward`` saved is dropped.
        """
        arrays = []
        needs = []
        edges = []
        data_type = None
        wanted = False                        # does some Tensor argument require grad?
        for a in args:
            if isinstance(a, Tensor):
                if a._view is not None and a._view[2] != a._version.value:
                    refresh_view(a)           # an in-place op changed its history since
                d = a.data
                if type(d) is not data_type:
                    if data_type is not None:
                        _raise_device_mismatch(cls, args)
                    data_type = type(d)
                arrays.append(d)
                if a.requires_grad:
                    wanted = True
                    needs.append(True)
                    fn = a.grad_fn
                    edges.append(a if fn is None else (fn, a.output_nr))
                else:
                    needs.append(False)
                    edges.append(None)
            else:
                arrays.append(a)
                needs.append(False)
                edges.append(None)
        if data_type is None:
            _raise_no_tensor(cls, args)
        enabled = grad_mode._state.enabled      # (per thread: read once, it costs a lookup)
        record = wanted and enabled
        ctx = _new_object(cls)                # the node; its other fields are class defaults
        ctx.needs_input_grad = tuple(needs)
        try:
            raw = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        except ValueError as e:      # NumPy's shape errors, re-raised naming the op and shapes
            raise RuntimeError(_value_error_message(cls, args, e)) from e
        if type(raw) is tuple:
            outs = raw
            results = tuple([_wrap(o, i, ctx, record) for i, o in enumerate(raw)])
        else:
            outs = (raw,)
            if type(raw) in _ARRAY_TYPES and not ctx._non_diff:    # _wrap's common case, written out
                if record and raw.dtype.kind in "fc":
                    results = (_make_tensor(raw, True, ctx, 0),)
                else:
                    results = (_make_tensor(raw, False, None, 0),)
            else:
                results = (_wrap(raw, 0, ctx, record),)

        if anomaly_mode._enabled:    # off by default: this test is all it costs
            anomaly_mode.check_outputs(cls, [r.data for r in results])
            if record:
                anomaly_mode.record(ctx)
        if cls.is_view:
            _track_views(cls, args, kwargs, results, enabled)
        if record:
            ctx.inputs = tuple(edges)
            if len(results) == 1:
                d = results[0].data
                ctx._out_meta = ((d.shape, d.dtype, type(d)),)
            else:
                ctx._out_meta = tuple([(r.data.shape, r.data.dtype, type(r.data)) for r in results])
            if ctx._to_save:
                ctx._saved = _resolve_saved(ctx, ctx._to_save, args, outs, results)
                ctx._to_save = ()
        elif ctx._to_save:
            ctx._to_save = ()
        if _trace_hook is not None:
            _trace_hook(cls, args, kwargs, results)
        return results if type(raw) is tuple else results[0]


_new_object = object.__new__
_make_tensor = Tensor._make       # the plain function (a staticmethod)
_ARRAY_TYPES = {np.ndarray}      # cupy.ndarray joins on first sight
_PYTHON_NUMBERS = frozenset({bool, int, float, complex})


def _wrap(o, i, ctx, record):
    """An op's raw output as a Tensor (0-d NumPy scalars become 0-d arrays); a differentiable
    output of a recorded call is output ``i`` of ``ctx``."""
    raw = o
    if type(o) not in _ARRAY_TYPES:
        if isinstance(o, np.generic):             # what NumPy's full reductions return
            o = np.asarray(o)
        elif type(o).__name__ == "ndarray" and hasattr(o, "__cuda_array_interface__"):
            _ARRAY_TYPES.add(type(o))
        else:
            o = array_module(o).asarray(o)
    if record and o.dtype.kind in "fc" and not (ctx._non_diff and any(raw is n for n in ctx._non_diff)):
        return _make_tensor(o, True, ctx, i)
    return _make_tensor(o, False, None, i)


# A view tensor remembers where it came from in ``tensor._view``, a tuple
#     (parent, step, version):
# the tensor it was made from, the view op as ``(Function, arguments, keywords, output index)``
# (None for a view made under no_grad, which has no history to replay), and the version of the
# shared counter at which its ``grad_fn`` was last derived. An in-place op anywhere on the
# memory bumps the counter; a view whose version is behind then derives its ``grad_fn`` again,
# by replaying its step on its (itself brought up to date) parent, when it is next used.

def _track_views(cls, args, kwargs, results, grad_enabled):
    """For a view op: every output that shares memory with the input is a view of it -- it
    shares the input's version counter (so an in-place change through either is seen by every
    node that saved the other) and remembers how it was made."""
    src = args[0]
    d = src.data
    owner = d if d.base is None else d.base       # the array that holds the memory
    parent_view = src._view
    step = None
    if grad_enabled and (parent_view is None or parent_view[1] is not None):   # replayable
        step = (cls, args[1:], kwargs, None)
    counter = src._version
    if len(results) == 1:
        r = results[0]
        b = r.data.base             # NumPy and CuPy: a view's base is the array owning the memory
        if b is not None and (b is owner or b is d):
            r._version, r._view = counter, (src, step, counter.value)
        return
    for i, r in enumerate(results):  # (several outputs: output i of the step)
        b = r.data.base
        if b is not None and (b is owner or b is d):
            r._version, r._view = counter, (src, step and step[:3] + (i,), counter.value)


def view_root(t):
    """The tensor owning the memory of view ``t``, and the steps leading from it to ``t`` (None
    if a step was made under no_grad)."""
    steps = []
    while t._view is not None:
        t, step, _ = t._view
        if step is None:
            steps = None
        elif steps is not None:
            steps.append(step)
    return t, None if steps is None else steps[::-1]


def replay_view(base, steps):
    """The view that ``steps`` lead to, applied afresh to the tensor ``base``."""
    t = base
    for cls, rest, kwargs, nr in steps:
        out = cls.apply(t, *rest, **kwargs)
        t = out if nr is None else out[nr]
    return t


def refresh_view(t):
    """Derive the view ``t``'s ``grad_fn`` again from its parent's current history (an in-place
    op on the memory has changed some history since)."""
    parent, step, _ = t._view
    if step is not None:
        if parent._view is not None and parent._view[2] != parent._version.value:
            refresh_view(parent)
        node = t.grad_fn
        if node is not None and parent.requires_grad and not node._saved and not node._freed:
            t.grad_fn = _over_new_input(node, parent)      # the cheap way: no replay needed
        else:
            if grad_mode._state.enabled:
                fresh = replay_view(parent, (step,))
            else:
                with grad_mode.enable_grad():
                    fresh = replay_view(parent, (step,))
            t.grad_fn, t.output_nr, t.requires_grad = fresh.grad_fn, fresh.output_nr, fresh.requires_grad
    t._view = (parent, step, t._version.value)


def _over_new_input(node, parent):
    """A copy of the view node ``node`` whose input is ``parent``'s current history: what
    replaying the view would record, as a view op's node keeps only shapes and keys (nothing
    saved, nothing that depends on the input's history)."""
    fresh = _new_object(type(node))
    fresh.__dict__.update(node.__dict__)
    fresh._hooks = None                    # (hooks belong to the old node, as after a replay)
    fn = parent.grad_fn
    fresh.inputs = (parent if fn is None else (fn, parent.output_nr),) + node.inputs[1:]
    fresh.needs_input_grad = (True,) + node.needs_input_grad[1:]
    return fresh


def _resolve_saved(ctx, values, args, raw_outs, results):
    saved = []
    for v in values:
        if v is None or type(v) in _PYTHON_NUMBERS:      # a constant (Mul's factor 2, an unneeded input)
            saved.append(("c", v, None, 0))
            continue
        if isinstance(v, Tensor):
            saved.append(("t", v, v._version, v._version.value))
            continue
        for a in args:
            if isinstance(a, Tensor) and a.data is v:
                saved.append(("t", a, a._version, a._version.value))
                break
        else:
            for raw, r in zip(raw_outs, results):
                if raw is v or r.data is v:
                    if r.grad_fn is ctx:
                        saved.append(("out", (r.output_nr, r.data), r._version, r._version.value))
                    else:
                        saved.append(("t", Tensor._make(v, False, None, 0), r._version, r._version.value))
                    break
            else:
                if hasattr(v, "dtype") and hasattr(v, "shape"):     # an intermediate array
                    if type(v) not in _ARRAY_TYPES:                   # (a NumPy scalar: made 0-d)
                        v = array_module(v).asarray(v)
                    saved.append(("t", Tensor._make(v, False, None, 0), None, 0))
                else:
                    saved.append(("c", v, None, 0))
    return saved


def _freed_message(node):
    return (f"{type(node).__name__}: trying to backward through the graph a second time (or to "
            "read saved tensors after they were freed). Saved values are freed when you call "
            ".backward() or autograd.grad(); pass retain_graph=True to the first call if you "
            "need to backward through the graph again.")


_NAMES_AN_OP = re.compile(r"[A-Za-z_][\w.]*: ")


def _value_error_message(cls, args, error):
    """A ValueError from inside ``forward`` as a message that names the op once: a message that
    already starts with an op's name ("lstm: ...") is kept, any other (NumPy's) gets the
    Function's name and the input shapes."""
    message = str(error)
    if _NAMES_AN_OP.match(message):
        return message
    shapes = " and ".join(str(tuple(a.shape)) for a in args if isinstance(a, Tensor))
    return f"{cls.__name__.lower()}: {message} (input shapes {shapes})"


def _raise_no_tensor(cls, args):
    """An op called on no Tensor at all (``mg.sigmoid(0.5)``, ``mg.erf([1.0])``): PyTorch's
    TypeError, naming the op, instead of an AttributeError from inside ``forward``."""
    got = ", ".join(type(a).__name__ for a in args) or "nothing"
    raise TypeError(f"{cls.__name__.lower()}: expected a Tensor input, got {got}")


def _raise_device_mismatch(cls, args):
    devs = [str(a.device) for a in args if isinstance(a, Tensor)]
    first = devs[0]
    other = next(d for d in devs if d != first)
    raise RuntimeError(f"{cls.__name__.lower()}: expected all tensors on the same device, "
                       f"found tensors on {first} and {other}")
