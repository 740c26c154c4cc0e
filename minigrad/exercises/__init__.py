"""Graded exercises: write a piece of minigrad yourself, and let minigrad check it.

Each exercise is a module of ``minigrad.exercises.solutions``: its docstring holds the task and
the math, its code the reference solution with each part the learner writes between
``# YOUR CODE BEGINS`` and ``# YOUR CODE ENDS``. ``skeleton(name)`` is that file with each such
block replaced by ``raise NotImplementedError``; ``check(name, path)`` imports the learner's file
and runs the exercise's cases (``minigrad.exercises.checks``): gradcheck against finite
differences, comparison with minigrad's own implementation on inputs drawn by Hypothesis,
shapes and dtypes. The ``minigrad exercise`` command is the front door.
"""
from __future__ import annotations

import ast
import importlib.resources
import importlib.util
import re
import sys
import uuid
from pathlib import Path
from typing import NamedTuple

from ._grading import Failure, Skipped, run_case

ORDER = ("broadcasting", "softplus", "topo_order", "cross_entropy", "adam", "conv2d",
         "conv2d_backward", "max_pool", "lstm_cell", "tbptt", "attention", "vae_elbo", "dqn_target")

BEGIN, END = "# YOUR CODE BEGINS", "# YOUR CODE ENDS"
_BLOCK = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*\n",
                    re.MULTILINE | re.DOTALL)


class Exercise(NamedTuple):
    """An exercise as listed: its name, one-line title, what to read and the lesson it serves."""
    name: str
    title: str
    read: str
    lesson: str


def source(name):
    """The text of the exercise's solution module (markers included)."""
    return importlib.resources.files(__name__).joinpath("solutions", f"{name}.py").read_text(encoding="utf-8")


def info(name):
    """The Exercise of ``name``, read from its docstring."""
    doc = ast.get_docstring(ast.parse(source(name))) or ""
    fields = dict(re.findall(r"^(Read|Lesson): (.*(?:\n(?!\w+:|\n).*)*)", doc, re.MULTILINE))
    title = doc.splitlines()[0].removeprefix("Exercise: ").rstrip(".")
    return Exercise(name, title, " ".join(fields.get("Read", "").split()),
                    " ".join(fields.get("Lesson", "").split()))


def exercises():
    """Every Exercise, in the order to do them."""
    return [info(name) for name in ORDER]


def _function_of(text, offset):
    """The name of the innermost def/class enclosing ``offset`` in ``text``."""
    names = re.findall(r"^[ \t]*(?:def|class) (\w+)", text[:offset], re.MULTILINE)
    return names[-1] if names else "this function"


def skeleton(name):
    """The learner's starting file: every solution block replaced by NotImplementedError."""
    text = source(name)

    def stub(match):
        return f'{match.group(1)}raise NotImplementedError("{_function_of(text, match.start())}: your code here")\n'

    return _BLOCK.sub(stub, text)


def solution(name):
    """The reference solution, without the markers."""
    return "".join(line for line in source(name).splitlines(keepends=True)
                   if line.strip() not in (BEGIN, END))


def load(path):
    """Import the learner's file at ``path`` as a fresh module (never cached between checks)."""
    path = Path(path)
    mod_name = f"_minigrad_exercise_{path.stem}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[mod_name]
    return module


def check(name, path):
    """[(case name, None | Failure | Skipped)] of the learner's file ``path`` for exercise ``name``:
    the fixed cases first, then the drawn ones (skipped while a fixed case fails).

    A file that cannot be imported is one failing case."""
    from . import checks
    path = Path(path).resolve()
    try:
        module = load(path)
    except Exception as e:  # a syntax error or a failing import in the learner's file
        from ._grading import in_learner_code
        return [("import your file", Failure("a file that imports", in_learner_code(e, path),
                                             "fix the error above, then check again"))]
    cases = checks.CHECKS[name](module)
    results = [(case.name, run_case(case, path)) for case in cases if not case.drawn]
    fixed_pass = all(f is None for _, f in results)
    results += [(case.name, run_case(case, path) if fixed_pass else Skipped()) for case in cases if case.drawn]
    return results


__all__ = ["ORDER", "Exercise", "Failure", "Skipped", "check", "exercises", "info", "load", "skeleton",
           "solution", "source"]
