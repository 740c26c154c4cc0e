"""The ``minigrad`` command.

    minigrad lessons                 list the lessons: a one-line summary and the last measured result
    minigrad lesson NAME [ARGS...]   run one lesson (ARGS go to it: --part, --epochs, --device ...)
    minigrad bench NAME [ARGS...]    run benchmarks/NAME.py
    minigrad gradcheck NAME [--device cpu|cuda]
                                     gradcheck the lesson's tiny model, print the worst relative error
    minigrad doctor                  versions, whether a GPU is usable (and why not), kernel variants,
                                     Numba's cache and threading layer, BLAS threads: paste it into
                                     a bug report

A user error (unknown lesson or benchmark, a lesson's bad arguments) is one line on stderr and
exit status 2, never a traceback. Lessons are imported only when one is asked for.
"""
from __future__ import annotations

import importlib
import inspect
import os
import platform
import sys

import lessons

from .autograd.gradcheck import GradcheckError

USAGE = """usage: minigrad lessons
       minigrad lesson NAME [--part P] [--device cpu|cuda] [--epochs N] [--seed S] [--out DIR]
       minigrad bench NAME [ARGS...]
       minigrad gradcheck NAME [--device cpu|cuda]
       minigrad doctor"""


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
    device = "cpu"
    if len(args) == 3 and args[1] == "--device":
        args, device = args[:1], args[2]
    if len(args) != 1 or device not in ("cpu", "cuda"):
        raise UsageError("'minigrad gradcheck' needs exactly one lesson name, optionally --device cpu|cuda")
    module = _import_lesson(args[0])
    from minigrad.utils.lesson import LessonError, resolve_device
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


# ----------------------------------------------------------------------------- doctor

def _version(dist):
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _numba_threading_layer():
    """The layer Numba's parallel kernels run on (it is chosen at the first parallel call)."""
    import numba

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
        from threadpoolctl import threadpool_info
    except ImportError:
        limits = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
                  if k in os.environ}
        return f"threads {limits or 'not limited by the environment'} (pip install threadpoolctl for more)"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return "; ".join(f"{p['internal_api']} {p.get('version')}, {p['num_threads']} threads" for p in pools) or "none found"


def _gpu_lines():
    from minigrad import backend
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
    import numba
    import numpy as np

    import minigrad
    from minigrad import backend, kernels

    def probe(fn):
        try:
            return fn()
        except Exception as e:  # a broken piece is reported, never fatal
            return f"error: {type(e).__name__}: {e}"

    def cupy_line():
        cupy_dist = next((d for d in ("cupy-cuda13x", "cupy-cuda12x", "cupy") if _version(d)), None)
        try:
            import cupy
        except ImportError as e:
            return f"not installed ({e})" if cupy_dist is None else f"{cupy_dist} installed but fails to import: {e}"
        return f"{cupy.__version__} ({os.path.dirname(cupy.__file__)})"

    def numba_cuda_line():
        v = _version("numba-cuda")
        if v is None:
            return "not installed (CUDA kernels need it: pip install 'minigrad[cuda13]')"
        from numba import cuda
        sim = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
        seen = "the CUDA simulator (NUMBA_ENABLE_CUDASIM=1, no GPU)" if sim else \
            ("a GPU" if cuda.is_available() else "no GPU")
        return f"{v}; numba.cuda sees {seen}"

    def kernels_line():
        cuda = "cuda (Numba CUDA)" if backend.cuda_is_available() else "cuda (no GPU here)"
        return (f"MINIGRAD_KERNELS={kernels.current()}: CPU arrays run '{kernels.variant_for(np.zeros(1))}' "
                f"(Numba @njit), GPU arrays run {cuda}")

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
    if args:
        raise UsageError(f"'minigrad doctor' takes no arguments, got {' '.join(args)}")
    lines = doctor_report()
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key + ':':<{width + 1}} {value}")
    return 0


COMMANDS = {"lessons": cmd_lessons, "lesson": cmd_lesson, "bench": cmd_bench,
            "gradcheck": cmd_gradcheck, "doctor": cmd_doctor}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print("minigrad: error: a command is needed: lessons, lesson, bench, gradcheck or doctor "
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
