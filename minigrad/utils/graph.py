"""Pictures of the autograd graph: ``draw_graph(*outputs)``.

The graph that backward walks is made of two kinds of things: Tensors (data, plus ``grad_fn``,
the node that made them) and Function nodes (which hold the Tensors they were applied to in
``inputs``). ``draw_graph`` walks it from the outputs to the leaves, as the engine does, and
returns it as Graphviz DOT text -- tensors as records (name, shape, dtype, device, a summary
of the values and, after backward, of the gradient), Functions as rounded boxes, data flowing
from the inputs at the top to the outputs at the bottom.

Given a ``path`` ending in .png or .svg it also draws the picture: with Graphviz's ``dot``
when it is installed, else with matplotlib (the ``lessons`` extra) in layers. The backward
graph of a gradient taken with ``create_graph=True`` is a graph like any other, so it draws
too. A node's ``inputs`` are dropped once backward has run through it (to free memory), so
draw before ``backward()`` -- or call ``backward(retain_graph=True)`` to see the gradients.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np

from .. import backend
from ..tensor import Tensor
from .plotting import pyplot

_COLOURS = {"leaf": "#d8e8f8", "output": "#d8f0d8", "tensor": "#f4f4f4", "function": "#fde9c8",
            "saved": "#ffffff", "freed": "#eeeeee"}


def draw_graph(*outputs, show_grads=True, show_saved=False, path=None, names=None):
    """DOT text of the graph that produced ``outputs``; with ``path`` (.png or .svg), also the
    picture there. ``names`` maps names to tensors (``dict(model.named_parameters())``) to
    label them; ``show_saved`` adds what each Function saved for backward."""
    if not outputs:
        raise ValueError("draw_graph: give at least one tensor")
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: output {i} is a {type(t).__name__}, not a Tensor")
    nodes, edges = _walk(outputs, dict(names or {}), show_grads, show_saved)
    dot = _to_dot(nodes, edges)
    if path is not None:
        _render(dot, nodes, edges, os.fspath(path))
    return dot


# ----------------------------------------------------------------------------- the walk

def _walk(outputs, names, show_grads, show_saved):
    """Nodes as {key: (kind, label lines)} in the order found, edges as (from, to, style).

    A node's inputs are its edges: a leaf Tensor, or ``(node, output_nr)`` for a tensor some
    Function made. The node keeps no reference to that tensor (so that it can be freed), only
    its shape and dtype: it is drawn from those."""
    label_of = {id(t): name for name, t in names.items()}
    for i, t in enumerate(outputs):
        label_of.setdefault(id(t), "output" if len(outputs) == 1 else f"output {i}")
    nodes, edges = {}, []
    roots = {id(t) for t in outputs}
    tensors, functions = list(outputs), []
    while tensors or functions:
        if tensors:
            t = tensors.pop()
            key = f"t{id(t)}"
            if key in nodes:
                continue
            kind = "output" if id(t) in roots else "leaf" if t.grad_fn is None and t.requires_grad else "tensor"
            nodes[key] = (kind, _tensor_lines(t, label_of.get(id(t)), show_grads))
            if t.grad_fn is not None:
                edges.append((f"f{id(t.grad_fn)}", key, "solid"))
                functions.append(t.grad_fn)
            continue
        fn = functions.pop()
        fkey = f"f{id(fn)}"
        if fkey in nodes:
            continue
        freed = fn._freed
        name = type(fn).__name__
        nodes[fkey] = ("freed" if freed else "function", [name + (" (freed by backward)" if freed else "")])
        for u in fn.inputs:
            if isinstance(u, Tensor):
                edges.append((f"t{id(u)}", fkey, "solid"))
                tensors.append(u)
            elif u is not None:
                node, nr = u
                tkey = f"o{id(node)}_{nr}"
                if tkey not in nodes:
                    nodes[tkey] = ("tensor", _intermediate_lines(node._out_meta[nr]))
                    edges.append((f"f{id(node)}", tkey, "solid"))
                edges.append((tkey, fkey, "solid"))
                functions.append(node)
        if show_saved:
            _add_saved(fn, fkey, nodes, edges)
    return nodes, edges


def _add_saved(fn, fkey, nodes, edges):
    for i, (kind, obj, _, _) in enumerate(fn._saved):
        if kind == "t" and any(obj is u for u in fn.inputs):      # an input, drawn already
            edges.append((f"t{id(obj)}", fkey, "dashed"))
            continue
        skey = f"s{id(fn)}_{i}"
        if kind == "out":
            lines = [f"saved: its output {obj[0]}", _shape_line(obj[1])]
        elif kind == "t":
            lines = ["saved", _shape_line(obj.data)]
        else:
            lines = ["saved", repr(obj)[:40]]
        nodes[skey] = ("saved", lines)
        edges.append((skey, fkey, "dashed"))


def _shape_line(arr):
    return f"{tuple(arr.shape)} {arr.dtype} {backend.device_of(arr)}"


def _summary(arr):
    """The values of a small array, or its mean and range."""
    a = backend.to_numpy(arr)
    if a.size == 0:
        return "empty"
    if a.dtype.kind == "b":
        return f"{int(a.sum())} of {a.size} True"
    if a.ndim == 0:
        return f"{a.item():.4g}"
    if a.size <= 4:
        return np.array2string(a.reshape(-1), precision=3, separator=", ", suppress_small=True)
    a = a.astype(np.float64)
    return f"mean {a.mean():.3g}, range [{a.min():.3g}, {a.max():.3g}]"


def _tensor_lines(t, name, show_grads):
    default = "parameter" if t.requires_grad and t.grad_fn is None else "tensor"
    lines = [name or default,
             _shape_line(t.data), _summary(t.data)]
    if show_grads and t.grad is not None:
        lines.append("grad " + _summary(t.grad.data))
    return lines


def _intermediate_lines(meta):
    shape, dtype, kind = meta
    device = "cpu" if kind is np.ndarray else "cuda"
    return ["tensor", f"{tuple(shape)} {dtype} {device}", "values not kept"]


# ----------------------------------------------------------------------------- DOT

def _escape(text):
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text


def _to_dot(nodes, edges):
    out = ["digraph minigrad {", '  node [fontname="Helvetica", fontsize=10];']
    for key, (kind, lines) in nodes.items():
        colour = _COLOURS[kind]
        if kind in ("function", "freed"):
            out.append(f'  {key} [shape=box, style="rounded,filled", fillcolor="{colour}", '
                       f'label="{_escape(lines[0])}"];')
        else:
            label = "{" + "|".join(_escape(line) for line in lines) + "}"
            style = "filled,dashed" if kind == "saved" else "filled"
            out.append(f'  {key} [shape=record, style="{style}", fillcolor="{colour}", label="{label}"];')
    for a, b, style in edges:
        out.append(f"  {a} -> {b}" + (" [style=dashed];" if style == "dashed" else ";"))
    out.append("}")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- pictures

def _render(dot, nodes, edges, path):
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".png", ".svg"):
        raise ValueError(f"draw_graph: path must end in .png or .svg, got {path!r}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    exe = shutil.which("dot")
    if exe is not None:
        subprocess.run([exe, f"-T{ext[1:]}", "-o", path], input=dot.encode(), check=True,
                       capture_output=True)
    else:
        _draw_layers(nodes, edges, path)


def _layers(nodes, edges):
    """Each node's row: as low as its consumers allow (a node sits one row above the highest of
    the nodes it feeds; the outputs are on the bottom row), so an input stands next to its use."""
    succs, preds = {k: [] for k in nodes}, {k: [] for k in nodes}
    for a, b, _ in edges:
        succs[a].append(b)
        preds[b].append(a)
    height = {}                       # the longest path from a node down to an output
    for k in nodes:
        stack = [k]
        while stack:
            n = stack[-1]
            todo = [c for c in succs[n] if c not in height]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            height[n] = 1 + max((height[c] for c in succs[n]), default=-1)
    top = max(height.values())
    return {k: top - h for k, h in height.items()}, preds


def _draw_layers(nodes, edges, path):
    """The graph drawn with matplotlib: one row per layer, each row ordered by where its
    nodes' inputs sit (the barycentre), arrows from input to output."""
    layer, preds = _layers(nodes, edges)
    rows = {}
    for k in nodes:
        rows.setdefault(layer[k], []).append(k)
    x = {}
    for r in sorted(rows):
        row = rows[r]
        row.sort(key=lambda k: np.mean([x[p] for p in preds[k]]) if preds[k] else 0.0)
        for i, k in enumerate(row):
            x[k] = i - (len(row) - 1) / 2
    width = max(len(row) for row in rows.values())
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 3.2 * width), max(3.0, 1.6 * len(rows))))
    pos = {k: (x[k] * 3.2, -layer[k] * 1.6) for k in nodes}
    for a, b, style in edges:
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops=dict(arrowstyle="->", color="0.35", linestyle="--" if style == "dashed" else "-",
                                    shrinkA=18, shrinkB=18))
    for k, (kind, lines) in nodes.items():
        box = "round,pad=0.4" if kind in ("function", "freed") else "square,pad=0.4"
        ax.text(*pos[k], "\n".join(lines), ha="center", va="center", fontsize=7,
                bbox=dict(boxstyle=box, facecolor=_COLOURS[kind], edgecolor="0.3",
                          linestyle="--" if kind == "saved" else "-"))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 1.8, max(xs) + 1.8)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    ax.axis("off")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
