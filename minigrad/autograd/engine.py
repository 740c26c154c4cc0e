"""The backward engine: reverse-mode differentiation over the recorded graph.

``run_backward`` walks the graph from the outputs to the leaves without recursion (a chain of
100,000 ops is fine). It is Kahn's algorithm: count, for every node, how many consumers will
send it a gradient; then run each node once all of them have, passing the gradients its
``backward`` returns on to the nodes that made its inputs. Gradients of leaves are summed and
returned (``grad``) or stored in ``.grad`` (``backward``) as soon as the last node feeding a
leaf has run -- as PyTorch's AccumulateGrad does: a parameter's post-accumulate hook fires
while the rest of backward is still running, which lets data-parallel training overlap
communication with computation.

The graph: a Tensor made by an op has ``grad_fn``, the op's node (a ``Function`` instance) and
``output_nr``, which of the node's outputs it is. A node's ``inputs`` say, per argument, where
its gradient goes: the pair ``(node, output_nr)`` of the tensor it was applied to, or that
tensor itself if it is a leaf (None where no gradient is wanted). They are recorded when the op
runs, not looked up later, because a tensor's ``grad_fn`` can change: an in-place op
(``y.add_(1)``, ``y[0] = 5``) rebases it onto a new node whose input is the old history (see
``autograd/inplace.py``), and a consumer recorded before it must still send its gradient to the
old value. A node waits for one gradient per output and sends one per input.
"""
from __future__ import annotations

import numpy as np

from ..backend import array_module, module_for
from ..tensor import Tensor
from . import anomaly_mode, grad_mode
from .function import _freed_message, refresh_view


# ----------------------------------------------------------------------------- entry points

def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` (the sum of each one's vector-Jacobian product
    with its entry of ``grad_tensors``) into the ``.grad`` of the leaves; with ``inputs``, into
    those tensors' ``.grad`` only."""
    tensors = _as_list(tensors)
    grads = default_grads(tensors, grad_tensors, "backward")
    if inputs is None:
        run_backward(tensors, grads, retain_graph, create_graph)
        return
    inputs = _as_list(inputs)
    found = run_backward(tensors, grads, retain_graph, create_graph, inputs, allow_unused=True)
    for t, g in zip(inputs, found):
        if g is not None:
            accumulate(t, g, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` w.r.t. ``inputs`` (each a tensor or a sequence), returned as a
    tuple; no ``.grad`` is touched. ``create_graph=True`` makes the result differentiable."""
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    grads = default_grads(outputs, grad_outputs, "grad")
    return run_backward(outputs, grads, retain_graph, create_graph, inputs, allow_unused)


def _as_list(tensors):
    """The tensors as a list, each a view's ``grad_fn`` brought up to date first."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    for t in tensors:
        if t._view is not None and t._view[2] != t._version.value:
            refresh_view(t)
    return tensors


def edge_of(t):
    """Where a gradient for tensor ``t`` goes: ``(t.grad_fn, t.output_nr)``, or ``t`` for a leaf."""
    return t if t.grad_fn is None else (t.grad_fn, t.output_nr)


def default_grads(outputs, grads, op):
    """The upstream gradient of each output, as a Tensor of the output's shape: the one given,
    or ones for a one-element output (``loss.backward()`` means d loss / d loss = 1)."""
    if grads is None:
        grads = [None] * len(outputs)
    elif isinstance(grads, Tensor):
        grads = [grads]
    else:
        grads = list(grads)
    if len(grads) != len(outputs):
        raise RuntimeError(f"{op}: got {len(grads)} gradients for {len(outputs)} outputs")
    filled = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(f"{op}: grad can be implicitly created only for scalar outputs; "
                                   f"output {i} has shape {tuple(out.shape)}: pass its gradient "
                                   "(a tensor of the same shape)")
            one = array_module(out.data).array(1, dtype=out.data.dtype)   # (numpy.ones: 3x the cost)
            g = Tensor._make(one.reshape(out.data.shape), False, None, 0)
        elif not isinstance(g, Tensor):
            g = Tensor(g)
        if g.shape != out.shape:
            raise RuntimeError(f"{op}: the gradient of output {i} has shape {tuple(g.shape)}, but "
                               f"the output has shape {tuple(out.shape)}")
        filled.append(g)
    return filled


# ----------------------------------------------------------------------------- the algorithm

def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None, allow_unused=False):
    """Differentiate ``outputs`` with upstream ``grad_outputs``.

    With ``inputs=None`` gradients of leaves are accumulated into ``.grad`` (``backward``);
    otherwise the gradients w.r.t. ``inputs`` are returned and no ``.grad`` is touched
    (``grad``). Backward functions run under ``no_grad`` unless ``create_graph``.
    """
    if retain_graph is None:
        retain_graph = create_graph
    node_grads = {}     # node -> one gradient slot per output
    leaf_grads = {}     # id(leaf) -> [leaf, gradient]
    roots = _seed(outputs, grad_outputs, node_grads, leaf_grads)
    seeded = set(leaf_grads)          # leaves among the outputs: finished after the loop
    captured = None if inputs is None else _capture_slots(inputs)
    pending, leaf_pending = _count_consumers(roots)
    ready = [node for node, n in pending.items() if n == 0]
    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            in_grads = _run_node(node, node_grads.pop(node, None), captured)
            for edge, g in zip(node.inputs, in_grads):
                if edge is None:
                    continue
                if g is not None:
                    _send(edge, _checked(node, edge, g), node_grads, leaf_grads)
                if type(edge) is tuple:
                    fn = edge[0]
                    pending[fn] -= 1
                    if pending[fn] == 0:
                        ready.append(fn)
                else:
                    leaf_pending[id(edge)] -= 1
                    if leaf_pending[id(edge)] == 0 and inputs is None and id(edge) not in seeded:
                        _finish_leaf(edge, leaf_grads.pop(id(edge), [edge, None])[1], create_graph)
            if not retain_graph:
                _free(node)
    if inputs is not None:
        return _results(inputs, leaf_grads, captured, create_graph, allow_unused)
    for t, g in leaf_grads.values():
        _finish_leaf(t, g, create_graph)
    return None


# ----------------------------------------------------------------------------- the steps

def _seed(outputs, grad_outputs, node_grads, leaf_grads):
    """Put each output's upstream gradient in its slot; return the nodes to start from."""
    roots = []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError("element of the differentiated tensors does not require grad and "
                               "has no grad_fn (was it computed under no_grad, or from tensors "
                               "without requires_grad=True?)")
        _send(edge_of(out), g, node_grads, leaf_grads)
        if out.grad_fn is not None:
            roots.append(out.grad_fn)
    return roots


def _count_consumers(roots):
    """Every node reachable from ``roots`` with how many edges point at it, and the same count
    for every leaf (by id), found depth-first."""
    pending, leaf_pending = {}, {}
    stack = list(dict.fromkeys(roots))   # unique, in order
    for r in stack:
        pending[r] = 0
    seen = set(stack)
    while stack:
        node = stack.pop()
        if node._freed:
            raise RuntimeError(_freed_message(node))
        for edge in node.inputs:
            if edge is None:
                continue
            if type(edge) is tuple:
                fn = edge[0]
                pending[fn] = pending.get(fn, 0) + 1
                if fn not in seen:
                    seen.add(fn)
                    stack.append(fn)
            else:
                leaf_pending[id(edge)] = leaf_pending.get(id(edge), 0) + 1
    return pending, leaf_pending


def run_hooks(hooks, grad):
    """Pass ``grad`` through each hook in turn; a hook may return a replacement."""
    for hook in hooks:
        new = hook(grad)
        if new is not None:
            grad = new
    return grad


def _send(edge, g, node_grads, leaf_grads):
    """Add gradient ``g`` to what ``edge`` has received: the output slot ``(node, output_nr)``,
    or the leaf tensor's own entry."""
    if type(edge) is tuple:
        fn, nr = edge
        slots = node_grads.get(fn)
        if slots is None:
            slots = node_grads[fn] = [None] * len(fn._out_meta)
        slots[nr] = g if slots[nr] is None else slots[nr] + g
    else:
        entry = leaf_grads.setdefault(id(edge), [edge, None])
        entry[1] = g if entry[1] is None else entry[1] + g


def _run_node(node, grads, captured):
    """One step of the loop: the node's output gradients through its hooks (and into
    ``captured`` for ``grad``), then its backward; one gradient (or None) per input."""
    if grads is None:                 # reachable, but no gradient arrived (all paths gave None)
        return (None,) * len(node.inputs)
    if node._hooks:
        for nr, hooks in node._hooks.items():
            if grads[nr] is not None:
                grads[nr] = run_hooks(hooks, grads[nr])
    if captured is not None:
        _capture(node, grads, captured)
    return _call_backward(node, grads)


def _call_backward(node, grads):
    """Run ``node.backward`` on its output gradients (zeros for an unused output); return one
    gradient (or None) per input. A node none of whose outputs got a gradient sends None."""
    if len(grads) > 1:                # (one output always has its gradient: _run_node)
        if all(g is None for g in grads):
            return (None,) * len(node.inputs)
        grads = [g if g is not None else _zeros(meta) for g, meta in zip(grads, node._out_meta)]
    if anomaly_mode._enabled:
        in_grads = anomaly_mode.checked_backward(node, grads)
    else:
        in_grads = node.backward(node, *grads)
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    n = len(node.inputs)
    if len(in_grads) == n:
        return in_grads
    if not (len(in_grads) == 1 and in_grads[0] is None):
        raise RuntimeError(f"{type(node).__name__}.backward returned {len(in_grads)} "
                           f"gradients, expected {n} (one per input)")
    return in_grads + (None,) * (n - len(in_grads))


def _checked(node, edge, g):
    """``g`` as the gradient of the input behind ``edge``: the same shape (else an error) and
    dtype as that input had."""
    if type(edge) is tuple:
        shape, dtype = edge[0]._out_meta[edge[1]][:2]
    else:
        shape, dtype = edge.data.shape, edge.data.dtype
    if g.data.shape != shape:
        raise RuntimeError(f"{type(node).__name__}.backward returned a gradient of shape "
                           f"{tuple(g.shape)} for an input of shape {tuple(shape)}")
    return g if g.data.dtype == dtype else g.to(dtype)


def _finish_leaf(t, g, create_graph):
    """A leaf's gradient is complete: its hooks may replace it, then it is accumulated."""
    if g is not None:
        accumulate(t, run_hooks(t._hooks, g) if t._hooks else g, create_graph)


def _free(node):
    """Drop what the node saved for backward: its memory goes back as soon as it has run."""
    node._saved = ()
    node.inputs = ()
    node._freed = True


def _capture_slots(inputs):
    """For ``grad``: the (node, output) slots of the non-leaf ``inputs``, to be filled in."""
    return {(t.grad_fn, t.output_nr): None for t in inputs if t.grad_fn is not None}


def _capture(node, grads, captured):
    for nr, g in enumerate(grads):
        if (node, nr) in captured:
            captured[(node, nr)] = g


def _results(inputs, leaf_grads, captured, create_graph, allow_unused):
    """The gradients ``grad`` returns, one per input (None for an unused one if allowed)."""
    results = []
    for i, t in enumerate(inputs):
        if t.grad_fn is None:
            entry = leaf_grads.get(id(t))
            g = None if entry is None else entry[1]
            if g is not None and t._hooks:
                g = run_hooks(t._hooks, g)
        else:
            g = captured[(t.grad_fn, t.output_nr)]
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) was not used to compute "
                               "the outputs; pass allow_unused=True to get None for it")
        results.append(g if g is None or create_graph else g.detach())
    return tuple(results)


def _zeros(meta):
    """A zero gradient for an output nobody used (multi-output ops)."""
    shape, dtype, array_type = meta
    xp = np if array_type is np.ndarray else module_for("cuda")
    return Tensor._make(xp.zeros(shape, dtype), False, None, 0)


def accumulate(t, g, create_graph):
    """Add ``g`` into ``t.grad``, then call the leaf's post-accumulate hooks with ``t``.

    As PyTorch's AccumulateGrad: the first gradient is stored as a copy (it never aliases
    another tensor's array); later ones are added into that same tensor in place, so a reference
    ``g = p.grad`` stays valid -- except with ``create_graph=True`` or when ``.grad`` itself is
    part of a graph, where the sum is a new (differentiable) tensor.
    """
    grad = t.grad
    if grad is None:
        t.grad = g if create_graph else Tensor._make(g.data.copy(), False, None, 0)
    elif create_graph or grad.requires_grad or grad.data.shape != g.data.shape:
        t.grad = grad + g
    else:
        grad.data += g.data
        grad._version.value += 1
    if t._post_accumulate_grad_hooks:
        for hook in list(t._post_accumulate_grad_hooks):
            hook(t)


def zero_grad(t, set_to_none=True):
    """Reset ``t.grad`` (for ``Optimizer.zero_grad`` and ``Module.zero_grad``): to None, or -- as
    PyTorch does -- cut it from any graph and fill that same tensor with zeros in place."""
    if t.grad is None:
        return
    if set_to_none:
        t.grad = None
        return
    grad = t.grad
    if grad.grad_fn is not None:
        grad.detach_()
    else:
        grad.requires_grad = False
    grad.data[...] = 0
    grad._version.value += 1
