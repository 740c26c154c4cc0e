"""Every lesson is written on the one template: a docstring listing its parts; # %% cells; the
data, the model, the loss and the training loop before the parts; part_* functions in the order
of PARTS; then PARTS, tiny_model_check and main; one import style, no private plumbing."""
import ast
import importlib
import re
from pathlib import Path

import pytest

import lessons

LESSON_DIR = Path(lessons.__file__).parent


@pytest.mark.parametrize("name", lessons.LESSONS)
def test_the_lesson_follows_the_template(name):
    source = (LESSON_DIR / f"{name}.py").read_text()
    module = importlib.import_module(f"lessons.{name}")
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree)
    for part in module.PARTS:
        assert f"``{part}``" in docstring, (name, part)                 # the docstring lists its parts
        assert module.PARTS[part].__name__ == f"part_{part}", (name, part)

    headings = re.findall(r"^# (## .*)$", source, re.M)
    order = [next((i for i, h in enumerate(headings) if h.startswith(f"## {word}")), None)
             for word in ("The data", "The model", "The loss", "Part 1", "Running the lesson")]
    assert None not in order and order == sorted(order), (name, headings)
    assert source.count("# %% [markdown]") >= 5 and re.search(r"^# %%$", source, re.M), name

    top = {node.name: node.lineno for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    parts_line = next(node.lineno for node in tree.body if isinstance(node, ast.Assign)
                      and any(getattr(t, "id", None) == "PARTS" for t in node.targets))
    part_lines = [top[f"part_{p}"] for p in module.PARTS]
    assert part_lines == sorted(part_lines), name                       # parts in reading order
    assert max(part_lines) < parts_line < top["tiny_model_check"] < top["main"], name

    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert all(not (isinstance(node, ast.ImportFrom) and node.level) for node in imports), name  # absolute
    assert "import minigrad as mg" in source and "import minigrad.nn.functional as F" in source, name
    assert "from minigrad import nn" in source and "minigrad.nn as nn" not in source, name
    assert "backend" not in source and ".data)" not in source, name    # the public API only
    assert "LAST_RESULT" not in source and "# ====" not in source and "# ----" not in source, name


BARE_NAMES = {"loss", "acc", "accuracy", "val", "score", "error", "err", "metric"}


def _postfix_keys(tree):
    """The string keys of every ``bar.set_postfix({...})`` dict and keyword in a lesson."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "set_postfix":
            for arg in node.args:
                if isinstance(arg, ast.Dict):
                    yield from (k.value for k in arg.keys if isinstance(k, ast.Constant))
            yield from (kw.arg for kw in node.keywords if kw.arg)


@pytest.mark.parametrize("name", lessons.LESSONS)
def test_progress_lines_say_what_each_number_is(name):
    keys = list(_postfix_keys(ast.parse((LESSON_DIR / f"{name}.py").read_text())))
    bare = [k for k in keys if k.lower() in BARE_NAMES]
    assert not bare, (name, bare)                       # 'train loss', never a bare 'loss'
