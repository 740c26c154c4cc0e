"""utils/graph.py: draw_graph's DOT text names every Function and tensor of the graph; pictures
come out with Graphviz's dot and, without it, with matplotlib; a create_graph gradient draws."""
import re
import shutil
import struct

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils import draw_graph


def _small_graph():
    """loss = sum(x * w) + mean(exp(w)): the nodes Mul, Sum, Exp, Mean, Add. (A tensor that
    does not require grad is no input of the backward graph, so x requires grad too.)"""
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = mg.tensor([[0.5, -1.0], [2.0, 0.0]], requires_grad=True)
    return x, w, (x * w).sum() + w.exp().mean()


def _functions(dot):
    return sorted(re.findall(r'shape=box, style="rounded,filled", fillcolor="[^"]+", label="([^"]+)"', dot))


def _png_size(path):
    raw = open(path, "rb").read()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", raw[16:24])


def test_dot_names_every_function_and_tensor_of_a_small_graph():
    x, w, loss = _small_graph()
    dot = draw_graph(loss, names={"x": x, "w": w})
    assert dot.startswith("digraph minigrad {") and dot.rstrip().endswith("}")
    assert _functions(dot) == ["Add", "Exp", "Mean", "Mul", "Sum"]
    records = re.findall(r'shape=record[^\n]*label="\{([^|]*)\|([^|]*)\|', dot)
    names = sorted(name for name, _ in records)
    # x, w, their product, its sum, exp(w), its mean, the output
    assert names == ["output", "tensor", "tensor", "tensor", "tensor", "w", "x"]
    assert ("w", "(2, 2) float32 cpu") in records and ("output", "() float32 cpu") in records
    assert len(re.findall(r" -> ", dot)) == 12       # in and out: Mul 2+1, Sum 1+1, Exp 1+1, Mean 1+1, Add 2+1
    assert "|grad " not in dot                        # no backward yet


def test_values_and_gradients_are_summarised_after_backward():
    x, w, loss = _small_graph()
    loss.backward(retain_graph=True)
    dot = draw_graph(loss, names={"w": w})
    expected = x.detach().numpy() + np.exp(w.detach().numpy()) / 4
    assert f"grad {np.array2string(expected.reshape(-1), precision=3, separator=', ', suppress_small=True)}" in dot
    assert "|grad " not in draw_graph(loss, names={"w": w}, show_grads=False)
    loss.backward()                                   # frees the graph
    assert "freed by backward" in draw_graph(loss)


def test_saved_tensors_are_dashed_edges():
    x, w, loss = _small_graph()
    plain, saved = draw_graph(loss), draw_graph(loss, show_saved=True)
    assert "style=dashed" not in plain
    # Mul saved x and w (its inputs: dashed edges from them), Exp its output (a saved record)
    assert saved.count("[style=dashed]") == 3 and "saved: its output 0" in saved


def test_a_png_is_drawn_by_matplotlib_when_dot_is_not_on_the_path(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shutil.which("dot") is None
    _, w, loss = _small_graph()
    path = tmp_path / "graph.png"
    dot = draw_graph(loss, names={"w": w}, path=path)
    width, height = _png_size(path)
    assert height > width > 100                       # rows from the inputs down to the output
    assert "Mul" in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_dot_renders_png_and_svg(tmp_path):
    _, w, loss = _small_graph()
    draw_graph(loss, path=tmp_path / "g.png")
    assert _png_size(tmp_path / "g.png")[1] > 100
    draw_graph(loss, path=tmp_path / "g.svg")
    svg = (tmp_path / "g.svg").read_text()
    assert "<svg" in svg and ">Exp<" in svg


def test_the_graph_of_a_create_graph_gradient_draws(tmp_path):
    pytest.importorskip("matplotlib")
    w = mg.tensor([0.5, -1.0, 2.0], dtype=mg.float64, requires_grad=True)
    (g,) = mg.autograd.grad((w.exp() * w).sum(), w, create_graph=True)   # (1 + w) exp(w)
    np.testing.assert_allclose(g.detach().numpy(), (1 + w.detach().numpy()) * np.exp(w.detach().numpy()))
    dot = draw_graph(g, names={"w": w, "dL/dw": g}, path=tmp_path / "grad.png")
    fns = _functions(dot)
    assert {"Exp", "Mul", "Add"} <= set(fns) and fns.count("Mul") >= 2   # the backward's ops
    assert "dL/dw" in dot and _png_size(tmp_path / "grad.png")[1] > 100


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="draw_graph: give at least one tensor"):
        draw_graph()
    with pytest.raises(TypeError, match="output 0 is a float"):
        draw_graph(1.0)
    _, _, loss = _small_graph()
    with pytest.raises(ValueError, match=r"path must end in \.png or \.svg"):
        draw_graph(loss, path="graph.pdf")
