"""The backward engine: reverse-mode differentiation over the recorded graph.

``backward`` walks the graph from the outputs to the leaves without recursion (a chain of
100,000 ops is fine): it counts, for every node, how many consumers will send it a gradient,
then runs nodes in Kahn's topological order, each once its gradient is complete. Gradients
of leaves are summed and stored in ``.grad`` as soon as the last node feeding a leaf has run
(as PyTorch's AccumulateGrad does: a parameter's post-accumulate hook fires while the rest of
backward is still running, which is what lets data-parallel training overlap communication);
``grad`` returns them instead.
"""
from __future__ import annotations

from . import grad_mode
from .function import _freed_message


def _collect(roots):
    """Every node reachable from ``roots`` and how many edges point at it; and for every
    leaf (by id) how many edges point at it."""
    deps = {}
    leaf_deps = {}
    stack = list(dict.fromkeys(r for r in roots if r is not None))   # unique, in order
    for r in stack:
        deps[r] = 0
    seen = set(stack)
    while stack:
        node = stack.pop()
        if node._freed:
            raise RuntimeError(_freed_message(node))
        for t in node.inputs:
            if t is not None and t.requires_grad:
                fn = t.grad_fn
                if fn is None:
                    leaf_deps[id(t)] = leaf_deps.get(id(t), 0) + 1
                else:
                    deps[fn] = deps.get(fn, 0) + 1
                    if fn not in seen:
                        seen.add(fn)
                        stack.append(fn)
    return deps, leaf_deps


def _add(a, b):
    return b if a is None else a + b


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None, allow_unused=False):
    """Differentiate ``outputs`` with upstream ``grad_outputs``.

    With ``inputs=None`` gradients of leaves are accumulated into ``.grad`` (``backward``);
    otherwise the gradients w.r.t. ``inputs`` are returned and no ``.grad`` is touched
    (``autograd.grad``).
    """
    from ..tensor import Tensor  # noqa: PLC0415

    if retain_graph is None:
        retain_graph = create_graph
    node_grads = {}     # node -> list of gradients, one per output
    leaf_grads = {}     # id(leaf) -> [leaf, gradient]
    roots = []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError("element of the differentiated tensors does not require grad and "
                               "has no grad_fn (was it computed under no_grad, or from tensors "
                               "without requires_grad=True?)")
        if out.grad_fn is None:
            entry = leaf_grads.setdefault(id(out), [out, None])
            entry[1] = _add(entry[1], g)
        else:
            slots = node_grads.setdefault(out.grad_fn, [None] * len(out.grad_fn._out_meta))
            slots[out.output_nr] = _add(slots[out.output_nr], g)
            roots.append(out.grad_fn)

    capture = None
    if inputs is not None:
        capture = {}
        for t in inputs:
            if t.grad_fn is not None:
                capture[(t.grad_fn, t.output_nr)] = None

    seeded = set(leaf_grads)      # leaves among the outputs: finished after the loop
    deps, leaf_deps = _collect(roots)
    ready = [n for n, d in deps.items() if d == 0]
    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grads = node_grads.pop(node, None)
            if grads is not None:
                if node._hooks:
                    for nr, hooks in node._hooks.items():
                        for hook in hooks:
                            if grads[nr] is not None:
                                new = hook(grads[nr])
                                if new is not None:
                                    grads[nr] = new
                if capture is not None:
                    for nr, g in enumerate(grads):
                        if (node, nr) in capture:
                            capture[(node, nr)] = g
                if any(g is not None for g in grads):
                    grads = [g if g is not None else _zeros(meta) for g, meta in zip(grads, node._out_meta)]
                    in_grads = node.backward(node, *grads)
                else:
                    in_grads = None
            else:
                in_grads = None
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            inputs_of_node = node.inputs
            if in_grads[0] is not None or len(in_grads) > 1:
                if len(in_grads) != len(inputs_of_node):
                    raise RuntimeError(f"{type(node).__name__}.backward returned {len(in_grads)} "
                                       f"gradients, expected {len(inputs_of_node)} (one per input)")
            for t, g in zip(inputs_of_node, in_grads + (None,) * (len(inputs_of_node) - len(in_grads))):
                if t is None or not t.requires_grad:
                    continue
                if g is not None:
                    if g.data.shape != t.data.shape:
                        raise RuntimeError(f"{type(node).__name__}.backward returned a gradient of "
                                           f"shape {tuple(g.shape)} for an input of shape {tuple(t.shape)}")
                    if g.data.dtype != t.data.dtype:
                        g = g.to(t.data.dtype)
                fn = t.grad_fn
                if fn is None:
                    entry = leaf_grads.setdefault(id(t), [t, None])
                    if g is not None:
                        entry[1] = _add(entry[1], g)
                    leaf_deps[id(t)] -= 1
                    if leaf_deps[id(t)] == 0 and inputs is None and id(t) not in seeded:
                        del leaf_grads[id(t)]           # complete: accumulate it now
                        if entry[1] is not None:
                            _finish_leaf(t, entry[1], create_graph)
                else:
                    if g is not None:
                        slots = node_grads.get(fn)
                        if slots is None:
                            slots = node_grads[fn] = [None] * len(fn._out_meta)
                        slots[t.output_nr] = _add(slots[t.output_nr], g)
                    deps[fn] -= 1
                    if deps[fn] == 0:
                        ready.append(fn)
            if not retain_graph:
                node._saved = ()
                node.inputs = ()
                node._freed = True

    if inputs is not None:
        results = []
        for i, t in enumerate(inputs):
            if t.grad_fn is None:
                entry = leaf_grads.get(id(t))
                g = None if entry is None else entry[1]
                if g is not None and t._hooks:
                    for hook in t._hooks:
                        new = hook(g)
                        if new is not None:
                            g = new
            else:
                g = capture[(t.grad_fn, t.output_nr)]
            if g is None and not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) was not used to compute "
                                   "the outputs; pass allow_unused=True to get None for it")
            if g is not None and not create_graph:
                g = g.detach()
            results.append(g)
        return tuple(results)

    for t, g in leaf_grads.values():
        if g is not None:
            _finish_leaf(t, g, create_graph)
    return None


def _finish_leaf(t, g, create_graph):
    """A leaf's gradient is complete: its hooks may replace it, then it is accumulated."""
    if t._hooks:
        for hook in t._hooks:
            new = hook(g)
            if new is not None:
                g = new
    _accumulate(t, g, create_graph)


def _zeros(meta):
    """A zero gradient for an output nobody used (multi-output ops)."""
    from ..tensor import Tensor  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415
    shape, dtype, array_type = meta
    xp = np if array_type is np.ndarray else __import__("cupy")
    return Tensor._make(xp.zeros(shape, dtype), False, None, 0)


def _accumulate(t, g, create_graph):
    """Add ``g`` into ``t.grad``, then call the leaf's post-accumulate hooks with ``t``.
    The stored gradient never aliases another tensor's array."""
    from ..tensor import Tensor  # noqa: PLC0415
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = Tensor._make(g.data.copy(), False, None, 0)
    else:
        t.grad = Tensor._make(t.grad.data + g.data, False, None, 0)
    if t._post_accumulate_grad_hooks:
        for hook in list(t._post_accumulate_grad_hooks):
            hook(t)
