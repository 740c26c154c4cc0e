"""minigrad.utils.notebook and `minigrad notebook`: every lesson becomes a valid notebook whose
cells are the script's, and one lesson's notebook runs in a kernel with tiny settings."""
import ast
import json
import math
from pathlib import Path

import pytest

import lessons
from minigrad.cli import main

jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")

from minigrad.utils.notebook import lesson_notebook  # noqa: E402

LESSONS = Path(lessons.__file__).parent


@pytest.mark.parametrize("name", lessons.LESSONS)
def test_every_lesson_converts_to_a_valid_notebook_of_its_cells(name, tmp_path, capsys):
    assert main(["notebook", name, "--out", str(tmp_path), "--", "--epochs", "1"]) == 0
    assert f"wrote {tmp_path / (name + '.ipynb')}" in capsys.readouterr().out
    nb = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    script = (LESSONS / f"{name}.py").read_text()
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# Lesson")
    assert nb.cells[-1].cell_type == "code" and nb.cells[-1].source == "main(['--epochs', '1'])"
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert len(markdown) >= script.count("# %% [markdown]") + 1
    code = "\n\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert '__name__ == "__main__"' not in code
    defined = {n.name for n in ast.parse(script).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    in_notebook = {n.name for n in ast.parse(code).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert defined and defined == in_notebook
    assert "jupytext" not in nb.metadata and nb.metadata.kernelspec.name == "python3"


def test_the_notebook_of_a_lesson_file_keeps_its_prose(tmp_path):
    nb = lesson_notebook(LESSONS / "vae.py", ["--part", "vae"])
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## The loss" in prose and "-ELBO(x) = reconstruction + KL" in prose
    assert not any(c.source.startswith("# %%") for c in nb.cells)


@pytest.mark.parametrize("argv, message", [
    (["notebook"], "needs one lesson name"),
    (["notebook", "no_such_lesson"], "unknown lesson 'no_such_lesson'"),
    (["notebook", "vae", "--out"], "--out needs a folder"),
])
def test_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_the_vae_notebook_executes_with_tiny_settings(tmp_path, capsys):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    run = tmp_path / "run"
    assert main(["notebook", "vae", "--out", str(tmp_path), "--execute",
                 "--", "--part", "vae", "--epochs", "1", "--out", str(run)]) == 0
    assert "executed" in capsys.readouterr().out
    nb = nbformat.read(tmp_path / "vae.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))   # every cell, in order
    text = "".join(o.get("text", "") for o in code[-1].outputs)
    assert "test ELBO" in text and not any(o.output_type == "error" for c in code for o in c.outputs)
    elbo = json.loads((run / "metrics.json").read_text())["test_elbo"]
    assert math.isfinite(elbo) and -60 < elbo < -20
