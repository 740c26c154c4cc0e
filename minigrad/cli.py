"""The ``minigrad`` command.

    minigrad lessons                 list the lessons: a one-line summary and the last measured result
    minigrad lesson NAME [ARGS...]   run one lesson (ARGS go to it: --part, --epochs, --device ...)
    minigrad bench NAME [ARGS...]    run benchmarks/NAME.py
    minigrad gradcheck NAME          gradcheck the lesson's tiny model, print the worst relative error
    minigrad graph NAME [PATH]       draw the autograd graph of the lesson's tiny model (.png, .svg
                                     or .dot; default runs/NAME/tiny_model_graph.png)

A user error (unknown lesson or benchmark, a lesson's bad arguments) is one line on stderr and
exit status 2, never a traceback. Lessons are imported only when one is asked for.
"""
from __future__ import annotations

import importlib
import inspect
import os
import sys

import lessons

from . import autograd
from .autograd.gradcheck import GradcheckError
from .utils.graph import draw_graph

USAGE = """usage: minigrad lessons
       minigrad lesson NAME [--part P] [--device cpu|cuda] [--epochs N] [--seed S] [--out DIR]
       minigrad bench NAME [ARGS...]
       minigrad gradcheck NAME
       minigrad graph NAME [PATH]"""


class UsageError(Exception):
    """Bad command line: one line on stderr, exit status 2."""


def _import_lesson(name):
    """The lesson module; an unknown name is a UsageError."""
    if name not in lessons.LESSONS:
        raise UsageError(f"unknown lesson {name!r}; lessons: {', '.join(lessons.LESSONS)}")
    return importlib.import_module(f"lessons.{name}")


def cmd_lessons(args):
    if args:
        raise UsageError(f"'minigrad lessons' takes no arguments, got {' '.join(args)}")
    rows = []
    for name in lessons.LESSONS:
        try:
            module = _import_lesson(name)
        except Exception as e:  # a lesson that fails to import is reported, not fatal
            rows.append((name, f"cannot be imported: {type(e).__name__}: {e}", ""))
            continue
        rows.append((name, getattr(module, "SUMMARY", ""), getattr(module, "LAST_RESULT", "")))
    width = max(len(r[0]) for r in rows)
    for name, summary, result in rows:
        print(f"{name:<{width}}  {summary}")
        if result:
            print(f"{'':<{width}}  last result: {result}")
    return 0


def cmd_lesson(args):
    if not args:
        raise UsageError("'minigrad lesson' needs a lesson name; see 'minigrad lessons'")
    module = _import_lesson(args[0])
    return module.main(list(args[1:]))


def cmd_bench(args):
    if not args:
        raise UsageError("'minigrad bench' needs a benchmark name, e.g. 'minigrad bench conv'")
    name = args[0]
    if not name.isidentifier():
        raise UsageError(f"unknown benchmark {name!r}")
    try:
        module = importlib.import_module(f"benchmarks.{name}")
    except ModuleNotFoundError as e:
        if e.name in ("benchmarks", f"benchmarks.{name}"):
            raise UsageError(f"unknown benchmark {name!r}; benchmarks are the modules in benchmarks/")
        raise
    main = getattr(module, "main", None)
    if main is None:
        raise UsageError(f"benchmark {name!r} has no main()")
    takes_argv = bool(inspect.signature(main).parameters)
    if not takes_argv and args[1:]:
        raise UsageError(f"benchmark {name!r} takes no arguments, got {' '.join(args[1:])}")
    status = main(list(args[1:])) if takes_argv else main()
    return status if isinstance(status, int) else 0


def cmd_gradcheck(args):
    if len(args) != 1:
        raise UsageError("'minigrad gradcheck' needs exactly one lesson name")
    module = _import_lesson(args[0])
    try:
        worst = module.tiny_model_check()
    except GradcheckError as e:
        print(f"{args[0]}: gradcheck FAILED: {e}", file=sys.stderr)
        return 1
    print(f"{args[0]}: tiny model gradcheck passed (float64, every parameter); "
          f"worst relative error {worst:.3e}")
    return 0


class _Captured(Exception):
    """Stops a tiny_model_check once the outputs of its first gradchecked function are known."""


def tiny_model_outputs(module):
    """The outputs of the first function the lesson's ``tiny_model_check`` gradchecks -- the tiny
    model's loss (or outputs), with its graph. The check is stopped there: nothing is checked."""
    def capture(func, inputs, **_):
        inputs = inputs if isinstance(inputs, tuple) else tuple(inputs)
        outputs = func(*inputs)
        raise _Captured(outputs if isinstance(outputs, tuple) else (outputs,))

    real = autograd.gradcheck
    autograd.gradcheck = capture
    try:
        module.tiny_model_check()
    except _Captured as got:
        return got.args[0]
    finally:
        autograd.gradcheck = real
    raise UsageError(f"lesson {module.__name__}'s tiny_model_check gradchecks no function")


def cmd_graph(args):
    if len(args) not in (1, 2):
        raise UsageError("'minigrad graph' needs a lesson name and optionally a file (.png, .svg or .dot)")
    module = _import_lesson(args[0])
    path = args[1] if len(args) == 2 else os.path.join("runs", args[0], "tiny_model_graph.png")
    if os.path.splitext(path)[1].lower() not in (".png", ".svg", ".dot"):
        raise UsageError(f"'minigrad graph': {path!r} must end in .png, .svg or .dot")
    outputs = tiny_model_outputs(module)
    if path.lower().endswith(".dot"):
        dot = draw_graph(*outputs)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write(dot)
    else:
        dot = draw_graph(*outputs, path=path)
    print(f"{args[0]}: wrote {path} (the tiny model's graph: {dot.count('shape=box')} Functions)")
    return 0


COMMANDS = {"lessons": cmd_lessons, "lesson": cmd_lesson, "bench": cmd_bench,
            "gradcheck": cmd_gradcheck, "graph": cmd_graph}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print("minigrad: error: a command is needed: lessons, lesson, bench, gradcheck or graph "
              "(minigrad --help)", file=sys.stderr)
        return 2
    if argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    command, args = argv[0], argv[1:]
    try:
        if command not in COMMANDS:
            raise UsageError(f"unknown command {command!r}; commands: {', '.join(COMMANDS)}")
        return COMMANDS[command](args)
    except UsageError as e:
        print(f"minigrad: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
