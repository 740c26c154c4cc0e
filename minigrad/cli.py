"""The ``minigrad`` command.

Each command is a ``cmd_*`` function below whose docstring is its ``--help``: the first line is
its summary in ``minigrad --help``. A user error (an unknown lesson or benchmark, a lesson's bad
arguments) is one line on stderr and exit status 2, never a traceback; Ctrl-C is one line and
exit status 130. Lessons and benchmarks are imported only when one is asked for.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import os
import pkgutil
import platform
import sys
import textwrap
from importlib.metadata import PackageNotFoundError, version

import numba
import numpy as np

import benchmarks
import lessons
from lessons.results import RESULTS, SOURCE

import minigrad

from . import __version__, autograd, backend, kernels
from .autograd.gradcheck import GradcheckError
from .utils.graph import draw_graph
from .utils.lesson import LessonError, resolve_device


class UsageError(Exception):
    """Bad command line: one line on stderr, exit status 2."""


def _help_wanted(args):
    return bool(args) and args[0] in ("-h", "--help")


def _doc(fn):
    return inspect.cleandoc(fn.__doc__ or "")


def _listing(rows):
    """'  name  text' lines, the text wrapped under itself."""
    width = max((len(name) for name, _ in rows), default=0)
    return "\n".join(textwrap.fill(text, 96, initial_indent=f"  {name:<{width}}  ",
                                    subsequent_indent=" " * (width + 4), break_on_hyphens=False)
                     for name, text in rows)


# ----------------------------------------------------------------------------- lessons

def _lesson_names():
    return lessons.LESSONS


def _import_lesson(name):
    names = _lesson_names()
    if name not in names:
        raise UsageError(f"unknown lesson {name!r}; lessons: {', '.join(names)}")
    return importlib.import_module(f"lessons.{name}")


def _your_last_run(name, headline):
    """'your last run (runs/NAME/metrics.json, seed 0): metric value, ...' or None."""
    path = os.path.join("runs", name, "metrics.json")
    try:
        with open(path) as f:
            metrics = json.load(f)
    except (OSError, ValueError):
        return None
    values = [f"{k} {metrics[k]:.3g}" if isinstance(metrics[k], float) else f"{k} {metrics[k]}"
              for k in headline if k in metrics]
    if not values:
        return None
    parts = metrics.get("parts") if isinstance(metrics.get("parts"), dict) else {}
    seeds = sorted({str(r.get("seed")) for r in parts.values() if isinstance(r, dict)})
    finished = max((str(r.get("finished", "")) for r in parts.values() if isinstance(r, dict)), default="")
    about = ", ".join(x for x in (f"seed {'/'.join(seeds)}" if seeds else "",
                                  finished.replace("T", " ")) if x)
    return f"your last run ({path}{', ' + about if about else ''}): " + "; ".join(values)


def cmd_lessons(args):
    """List the lessons: what each rebuilds, its measured result, and your own last run.

    usage: minigrad lessons

    "measured" is the result written down in lessons/results.py: each lesson run by hand on
    seeds 0-4, given as worst / median over the five seeds. "your last run" is read from
    runs/NAME/metrics.json under the current folder, when you have run the lesson there.
    """
    if args:
        raise UsageError(f"'minigrad lessons' takes no arguments, got {' '.join(args)}")
    names = _lesson_names()
    width = max(len(n) for n in names)
    pad = " " * (width + 2)
    for name in names:
        try:
            summary = _import_lesson(name).SUMMARY
        except Exception as e:  # a lesson that fails to import is reported, not fatal
            summary = f"cannot be imported: {type(e).__name__}: {e}"
        lines = [summary]
        measured = RESULTS.get(name)
        if measured is None:
            lines.append("measured: not yet")
        else:
            lines.append(f"measured ({SOURCE}): {measured.result}; {measured.time}")
            mine = _your_last_run(name, measured.headline)
            if mine:
                lines.append(mine)
        for i, line in enumerate(lines):
            print(textwrap.fill(line, 100, initial_indent=f"{name if i == 0 else '':<{width}}  ",
                                subsequent_indent=pad + ("" if i == 0 else "  "), break_on_hyphens=False))
    print("\nRun one: minigrad lesson NAME  (its parts and options: minigrad lesson NAME --help)")
    return 0


def _lesson_list():
    rows = []
    for name in _lesson_names():
        try:
            summary = _import_lesson(name).SUMMARY
        except Exception as e:
            summary = f"cannot be imported: {type(e).__name__}: {e}"
        rows.append((name, summary))
    return _listing(rows)


def cmd_lesson(args):
    """Run a lesson: all its parts, or the ones named with --part.

    usage: minigrad lesson NAME [--part P] [--device cpu|cuda] [--epochs N] [--seed S] [--out DIR]

    Writes the figures and metrics.json under --out (default runs/NAME/) and prints its
    metrics. 'minigrad lesson NAME --help' lists the lesson's parts and its own options.
    """
    if not args:
        raise UsageError("'minigrad lesson' needs a lesson name; lessons: " + ", ".join(_lesson_names()))
    return _import_lesson(args[0]).main(list(args[1:]))


# -------------------------------------------------------------------------- benchmarks

def _benchmarks():
    """{name: first line of its docstring} for the modules of the benchmarks package (not imported)."""
    found = {}
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        spec = importlib.util.find_spec(f"benchmarks.{info.name}")
        try:
            with open(spec.origin, encoding="utf-8") as f:
                doc = ast.get_docstring(ast.parse(f.read())) or ""
        except (OSError, SyntaxError):
            doc = ""
        found[info.name] = " ".join(doc.split("\n\n")[0].split())
    return found


def _benchmark_list():
    return _listing(list(_benchmarks().items()))


def cmd_bench(args):
    """Run a benchmark (benchmarks/NAME.py): timings against the reference and PyTorch.

    usage: minigrad bench NAME [ARGS...]    (the same as python -m benchmarks.NAME [ARGS...])

    'minigrad bench NAME --help' shows a benchmark's own options. Timings mean something only
    on a quiet machine.
    """
    if not args:
        raise UsageError("'minigrad bench' needs a benchmark name; benchmarks: " + ", ".join(_benchmarks()))
    name = args[0]
    if name not in _benchmarks():
        raise UsageError(f"unknown benchmark {name!r}; benchmarks: {', '.join(_benchmarks())}")
    module = importlib.import_module(f"benchmarks.{name}")
    main = getattr(module, "main", None)
    if main is None:
        raise UsageError(f"benchmark {name!r} has no main()")
    takes_argv = bool(inspect.signature(main).parameters)
    if not takes_argv and args[1:]:
        raise UsageError(f"benchmark {name!r} takes no arguments, got {' '.join(args[1:])}")
    status = main(list(args[1:])) if takes_argv else main()
    return status if isinstance(status, int) else 0


# --------------------------------------------------------------------------- gradcheck

def cmd_gradcheck(args):
    """Gradcheck a lesson's tiny model in float64 and print the worst relative error.

    usage: minigrad gradcheck NAME [--device cpu|cuda]

    Every lesson has a tiny version of its model (its tiny_model_check()); this compares the
    gradient of its loss w.r.t. every parameter with finite differences, on the CPU or the GPU.
    Exit status 1 if the check fails.
    """
    device = "cpu"
    if len(args) == 3 and args[1] == "--device":
        args, device = args[:1], args[2]
    if len(args) != 1 or device not in ("cpu", "cuda"):
        raise UsageError("'minigrad gradcheck' needs exactly one lesson name, optionally --device cpu|cuda; "
                         "lessons: " + ", ".join(_lesson_names()))
    module = _import_lesson(args[0])
    try:
        resolve_device(device)
    except LessonError as e:
        raise UsageError(str(e))
    try:
        worst = module.tiny_model_check(device=device)
    except GradcheckError as e:
        print(f"{args[0]}: gradcheck FAILED on {device}: {e}", file=sys.stderr)
        return 1
    print(f"{args[0]}: tiny model gradcheck passed on {device} (float64, every parameter); "
          f"worst relative error {worst:.3e}")
    return 0


# ------------------------------------------------------------------------------- graph

class _Captured(Exception):
    """Stops a tiny_model_check once the outputs of its first gradchecked function are known."""


def tiny_model_outputs(module):
    """The outputs of the first function the lesson's ``tiny_model_check`` gradchecks -- the tiny
    model's loss (or outputs), with its graph. The check is stopped there: nothing is checked."""
    def capture(func, inputs, **_):
        outputs = func(*(inputs if isinstance(inputs, tuple) else tuple(inputs)))
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
    """Draw the autograd graph of a lesson's tiny model (the one 'minigrad gradcheck' checks).

    usage: minigrad graph NAME [PATH]

    PATH ends in .png or .svg (drawn with Graphviz's dot if it is installed, else with
    matplotlib) or .dot (the DOT text); the default is runs/NAME/tiny_model_graph.png. Tensors
    are records (shape, dtype, device, values), Functions rounded boxes.
    """
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


# ---------------------------------------------------------------------------- exercises

def _exercise_names():
    from . import exercises
    return exercises.ORDER


def _exercise_list():
    from . import exercises
    return _listing([(e.name, f"{e.title}. Read {e.read} Lesson: {e.lesson}") for e in exercises.exercises()])


def _exercise_args(sub, args):
    """(NAME, DIR) of 'minigrad exercise SUB NAME [--dir DIR]'."""
    rest = list(args)
    folder = "exercises"
    if "--dir" in rest:
        i = rest.index("--dir")
        if i + 1 >= len(rest):
            raise UsageError(f"'minigrad exercise {sub}': --dir needs a folder")
        folder = rest.pop(i + 1)
        rest.pop(i)
    if len(rest) != 1:
        raise UsageError(f"'minigrad exercise {sub}' needs one exercise name"
                         f"{' and optionally --dir DIR' if sub in ('start', 'check') else ''}; "
                         f"exercises: {', '.join(_exercise_names())}")
    if rest[0] not in _exercise_names():
        raise UsageError(f"unknown exercise {rest[0]!r}; exercises: {', '.join(_exercise_names())}")
    if sub not in ("start", "check") and "--dir" in args:
        raise UsageError(f"'minigrad exercise {sub}' takes no --dir")
    return rest[0], folder


def _learner_file(name, folder):
    path = os.path.abspath(os.path.join(folder, f"{name}.py"))
    package = os.path.dirname(os.path.abspath(__file__))
    if os.path.commonpath([path, package]) == package:
        raise UsageError(f"{folder!r} is inside the installed minigrad package; work in a folder of your own")
    return path


def _print_check(name, shown, results):
    from .exercises import Skipped
    failed = [case for case, f in results if f is not None and not isinstance(f, Skipped)]
    skipped = [case for case, f in results if isinstance(f, Skipped)]
    print(f"{name}: checking {shown} ({len(results)} cases)")
    for case, failure in results:
        if isinstance(failure, Skipped):
            print(f"  skip  {case} ({failure.reason})")
            continue
        print(f"  {'FAIL' if failure else 'ok  '}  {case}")
        if failure and failure.got.startswith("NotImplementedError"):
            print(f"          not written yet: {failure.got}")
        elif failure:
            for label, text in (("expected", failure.expected), ("got", failure.got), ("hint", failure.hint)):
                print(textwrap.indent(f"{label + ':':<9} {text}", " " * 10))
    if failed:
        print(f"{name}: {len(failed)} of {len(results)} cases fail"
              f"{f', {len(skipped)} skipped' if skipped else ''}; edit {shown} and check again")
    else:
        print(f"{name}: all {len(results)} cases pass")
    return 1 if failed else 0


def cmd_exercise(args):
    """Graded exercises: write a piece of the engine, and let minigrad check it.

    usage: minigrad exercise list
           minigrad exercise show NAME                the task and the math
           minigrad exercise start NAME [--dir DIR]   copy the skeleton to DIR/NAME.py
           minigrad exercise check NAME [--dir DIR]   grade DIR/NAME.py
           minigrad exercise solution NAME            the reference solution

    DIR defaults to exercises/ under the current folder; start never overwrites your file. check
    grades with minigrad's own tools -- gradcheck against finite differences, minigrad's
    implementation on inputs drawn by Hypothesis, shapes and dtypes -- and prints, for each
    failing case, what was expected, what came back and a hint. Exit status 0 when every case
    passes, 1 when one fails, 2 on a usage error.
    """
    if not args:
        raise UsageError("'minigrad exercise' needs list, show, start, check or solution")
    sub, rest = args[0], args[1:]
    from . import exercises
    if sub == "list":
        if rest:
            raise UsageError(f"'minigrad exercise list' takes no arguments, got {' '.join(rest)}")
        print(_exercise_list())
        print("\nStart one: minigrad exercise start NAME; then minigrad exercise check NAME")
        return 0
    if sub not in ("show", "start", "check", "solution"):
        raise UsageError(f"unknown exercise command {sub!r}; use list, show, start, check or solution")
    name, folder = _exercise_args(sub, rest)
    if sub == "show":
        ex = exercises.info(name)
        print(ast.get_docstring(ast.parse(exercises.source(name))))
        print(f"\nStart: minigrad exercise start {ex.name}")
        return 0
    if sub == "solution":
        print(exercises.solution(name), end="")
        return 0
    path = _learner_file(name, folder)
    shown = os.path.relpath(path)
    if sub == "start":
        if os.path.exists(path):
            raise UsageError(f"{shown} exists already: edit it and run 'minigrad exercise check {name}' "
                             "(delete it to start over)")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "x", encoding="utf-8") as f:
            f.write(exercises.skeleton(name))
        print(f"wrote {shown}: write your code where it raises NotImplementedError, then run "
              f"'minigrad exercise check {name}{'' if folder == 'exercises' else ' --dir ' + folder}'")
        return 0
    if not os.path.exists(path):
        raise UsageError(f"{shown} does not exist: run 'minigrad exercise start {name}"
                         f"{'' if folder == 'exercises' else ' --dir ' + folder}' first")
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        raise UsageError("the checker draws its inputs with Hypothesis: pip install 'minigrad[exercises]'")
    return _print_check(name, shown, exercises.check(name, path))


# ---------------------------------------------------------------------------- notebooks

def cmd_notebook(args):
    """Write a lesson as a Jupyter notebook (its # %% cells), and optionally run it.

    usage: minigrad notebook NAME [--out DIR] [--execute] [-- LESSON ARGS...]

    Writes DIR/NAME.ipynb (default notebooks/ under the current folder) from lessons/NAME.py
    through jupytext: the prose cells become markdown, the code cells code, and the last cell
    calls the lesson's main with LESSON ARGS (e.g. -- --part vae --epochs 1). --execute runs
    the notebook in a fresh kernel (nbclient) in DIR and saves it with its outputs. Needs the
    notebooks extra: pip install 'minigrad[notebooks]'.
    """
    lesson_args = []
    if "--" in args:
        i = args.index("--")
        args, lesson_args = args[:i], args[i + 1:]
    rest, folder, execute = list(args), "notebooks", False
    if "--execute" in rest:
        rest.remove("--execute")
        execute = True
    if "--out" in rest:
        i = rest.index("--out")
        if i + 1 >= len(rest):
            raise UsageError("'minigrad notebook': --out needs a folder")
        folder = rest.pop(i + 1)
        rest.pop(i)
    if len(rest) != 1:
        raise UsageError("'minigrad notebook' needs one lesson name, optionally --out DIR, --execute and "
                         "-- LESSON ARGS; lessons: " + ", ".join(_lesson_names()))
    name = rest[0]
    if name not in _lesson_names():
        raise UsageError(f"unknown lesson {name!r}; lessons: {', '.join(_lesson_names())}")
    try:
        import jupytext  # noqa: F401
        import nbformat  # noqa: F401
        if execute:
            import nbclient  # noqa: F401
    except ImportError as e:
        raise UsageError(f"{e.name} is not installed: pip install 'minigrad[notebooks]'")
    from .utils.notebook import execute_notebook, lesson_notebook, write_notebook
    source = importlib.util.find_spec(f"lessons.{name}").origin
    nb = lesson_notebook(source, lesson_args)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.ipynb")
    if execute:
        execute_notebook(nb, folder)
    write_notebook(nb, path)
    cells = sum(c.cell_type == "code" for c in nb.cells)
    print(f"{name}: wrote {path} ({len(nb.cells)} cells, {cells} of code{', executed' if execute else ''})")
    return 0


# ------------------------------------------------------------------------------ doctor

def _version(dist):
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _numba_threading_layer():
    """The layer Numba's parallel kernels run on (it is chosen at the first parallel call)."""

    @numba.njit(parallel=True)
    def probe(n):
        s = 0
        for i in numba.prange(n):
            s += i
        return s
    probe(4)
    return numba.threading_layer()


def _blas():
    try:
        from threadpoolctl import threadpool_info  # noqa: PLC0415 - optional package
    except ImportError:
        limits = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
                  if k in os.environ}
        return f"threads {limits or 'not limited by the environment'} (pip install threadpoolctl for more)"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return "; ".join(f"{p['internal_api']} {p.get('version')}, {p['num_threads']} threads" for p in pools) or "none found"


def _gpu_lines():
    if not backend.cuda_is_available():
        return [("GPU usable", f"no: {backend.cuda_unavailable_reason()}")]
    cp = backend._cupy
    props = cp.cuda.runtime.getDeviceProperties(0)
    runtime, driver = cp.cuda.runtime.runtimeGetVersion(), cp.cuda.runtime.driverGetVersion()
    return [("GPU usable", f"yes: device 0 of {cp.cuda.runtime.getDeviceCount()}: {backend.cuda_device_name()}, "
                           f"compute capability {props['major']}.{props['minor']}, "
                           f"{props['totalGlobalMem'] / 2**30:.1f} GiB"),
            ("CUDA", f"runtime {runtime // 1000}.{runtime % 1000 // 10}, driver {driver // 1000}.{driver % 1000 // 10}")]


def doctor_report():
    """(name, value) lines describing this installation; a probe that fails reports its error."""

    def probe(fn):
        try:
            return fn()
        except Exception as e:  # a broken piece is reported, never fatal
            return f"error: {type(e).__name__}: {e}"

    def cupy_line():
        cupy_dist = next((d for d in ("cupy-cuda13x", "cupy-cuda12x", "cupy") if _version(d)), None)
        try:
            import cupy  # noqa: PLC0415 - optional package, GPU only
        except ImportError as e:
            return f"not installed ({e})" if cupy_dist is None else f"{cupy_dist} installed but fails to import: {e}"
        return f"{cupy.__version__} ({os.path.dirname(cupy.__file__)})"

    def numba_cuda_line():
        v = _version("numba-cuda")
        if v is None:
            return "not installed (CUDA kernels need it: pip install 'minigrad[cuda13]')"
        from numba import cuda  # noqa: PLC0415 - optional package, GPU only
        sim = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
        seen = "the CUDA simulator (NUMBA_ENABLE_CUDASIM=1, no GPU)" if sim else \
            ("a GPU" if cuda.is_available() else "no GPU")
        return f"{v}; numba.cuda sees {seen}"

    def kernels_line():
        forced = kernels.current()
        if forced not in (None, "auto"):
            return f"forced to {forced!r} (MINIGRAD_KERNELS or minigrad.kernels.use)"
        gpu = "" if backend.cuda_is_available() else " (no GPU here)"
        return ("the data's device decides (MINIGRAD_KERNELS unset): Numba CPU kernels on CPU arrays, "
                f"Numba CUDA kernels on GPU arrays{gpu}")

    cache = numba.config.CACHE_DIR or "next to the sources (__pycache__); set NUMBA_CACHE_DIR to move it"
    lines = [("minigrad", f"{minigrad.__version__} ({os.path.dirname(minigrad.__file__)})"),
             ("Python", f"{platform.python_version()} ({sys.executable}) on {platform.platform()}"),
             ("NumPy", np.__version__),
             ("Numba", f"{numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads"),
             ("numba-cuda", probe(numba_cuda_line)),
             ("CuPy", probe(cupy_line))]
    gpu = probe(_gpu_lines)
    lines += gpu if isinstance(gpu, list) else [("GPU usable", gpu)]
    lines += [("kernels", probe(kernels_line)),
              ("Numba cache", cache),
              ("Numba threading layer", probe(_numba_threading_layer)),
              ("BLAS", probe(_blas))]
    torch = _version("torch")
    lines.append(("PyTorch", f"{torch} (optional, benchmarks compare with it)" if torch else "not installed (optional)"))
    return lines


def cmd_doctor(args):
    """Describe this installation for a bug report: versions, the GPU, kernels, threads.

    usage: minigrad doctor

    Prints the versions of Python, NumPy, Numba, numba-cuda and CuPy; whether a GPU is usable
    and, if not, why; the kernel variant each device runs; Numba's cache folder, thread count and
    threading layer; the BLAS library and its threads. Always exit status 0: a piece that fails
    to answer is reported on its line.
    """
    if args:
        raise UsageError(f"'minigrad doctor' takes no arguments, got {' '.join(args)}")
    lines = doctor_report()
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key + ':':<{width + 1}} {value}")
    return 0


# ------------------------------------------------------------------------------- main

COMMANDS = {"lessons": cmd_lessons, "lesson": cmd_lesson, "bench": cmd_bench,
            "gradcheck": cmd_gradcheck, "graph": cmd_graph, "exercise": cmd_exercise,
            "notebook": cmd_notebook, "doctor": cmd_doctor}
HELP_LISTS = {"lesson": ("lessons", _lesson_list), "gradcheck": ("lessons", _lesson_list),
              "graph": ("lessons", _lesson_list), "exercise": ("exercises", _exercise_list),
              "notebook": ("lessons", _lesson_list),
              "bench": ("benchmarks", _benchmark_list)}   # what a command's --help lists


def _usage():
    width = max(len(c) for c in COMMANDS)
    lines = [f"minigrad {__version__}: a deep-learning engine written to be read.", "",
             "usage: minigrad COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {(_doc(fn).splitlines() or [''])[0]}" for name, fn in COMMANDS.items()]
    lines += ["", "minigrad COMMAND --help shows a command's usage; minigrad --version its version."]
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(f"minigrad: error: a command is needed: {', '.join(COMMANDS)} (minigrad --help)",
              file=sys.stderr)
        return 2
    if argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    if argv[0] in ("-V", "--version"):
        print(f"minigrad {__version__}")
        return 0
    command, args = argv[0], argv[1:]
    try:
        if command not in COMMANDS:
            raise UsageError(f"unknown command {command!r}; commands: {', '.join(COMMANDS)}")
        if _help_wanted(args):
            listing = HELP_LISTS.get(command)
            print(_doc(COMMANDS[command]) + (f"\n\n{listing[0]}:\n{listing[1]()}" if listing else ""))
            return 0
        return COMMANDS[command](args)
    except UsageError as e:
        print(f"minigrad: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("minigrad: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
