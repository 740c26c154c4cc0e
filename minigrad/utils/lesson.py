"""What every lesson shares: its command line, device choice, output folder, metrics.json.

A lesson module (``lessons/<name>.py``) defines::

    SUMMARY = "one line: what it rebuilds"
    PARTS = {"regression": part_regression, ...}    # in reading order; no --part runs them all
    def tiny_model_check() -> float                  # worst gradcheck relative error (float64)
    def main(argv=None) -> int                       # return lesson_main(NAME, PARTS, argv, ...)

and runs with ``python -m lessons.<name> [--part P] [--device cpu|cuda] [--epochs N]
[--seed S] [--out DIR]``. Each part gets a ``LessonRun`` and returns a dict of metrics. What
``lesson_main`` promises the user:

- ``--out`` is checked before any work: a file, a folder that cannot be created or written is
  one line on stderr and exit status 2;
- every file a part asked ``run.path()`` for is announced once it is written (``wrote ...``);
- the metrics are merged into ``DIR/metrics.json`` (a partial run keeps the other parts'
  numbers), with a ``"parts"`` record of which parts ran, with which seed, options and minigrad
  version;
- Ctrl-C ends the run with one line (``interrupted after epoch 3 of 10 ...``), keeps what the
  finished parts measured, and exit status 130.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field

from .. import backend
from . import progress
from .log import write_metrics


class LessonError(Exception):
    """A user error in running a lesson: printed as one line, exit status 2, no traceback."""


@dataclass
class LessonRun:
    """The settings of one lesson run, handed to each part."""
    name: str
    device: str = "cpu"
    epochs: int | None = None       # None: the part's own default
    seed: int = 0
    out: str = "runs"
    options: dict = field(default_factory=dict)
    requested: list = field(default_factory=list)   # every path handed out by path(), in order

    def path(self, filename: str) -> str:
        """A file in the output folder (created on demand); announced once it is written."""
        os.makedirs(self.out, exist_ok=True)
        path = os.path.join(self.out, filename)
        if path not in self.requested:
            self.requested.append(path)
        return path

    def epochs_or(self, default: int) -> int:
        return default if self.epochs is None else self.epochs

    def announce_written(self, since: float) -> list:
        """Print ``wrote PATH`` for each requested file written since ``since`` (a time.time());
        numbered series (``dcgan_epoch01.png`` ... ``dcgan_epoch12.png``) as one line."""
        fresh = [p for p in self.requested if os.path.exists(p) and os.path.getmtime(p) >= since - 1]
        for line in _series(fresh):
            print(f"   wrote {line}", flush=True)
        self.requested = [p for p in self.requested if p not in fresh]
        return fresh


def _series(paths):
    """Group paths that differ only in one run of digits: a/b01.png, a/b02.png -> 'a/b{01..02}.png (2 files)'."""
    lines, groups = [], {}
    for path in paths:
        m = re.fullmatch(r"(.*?)(\d+)(\D*)", path)
        key = (m.group(1), m.group(3), len(m.group(2))) if m else (path, None, None)
        if key not in groups:
            groups[key] = []
            lines.append(key)
        groups[key].append(m.group(2) if m else None)
    out = []
    for key in lines:
        numbers = groups[key]
        if len(numbers) < 3:
            out.extend(f"{key[0]}{n}{key[1]}" if n is not None else key[0] for n in numbers)
        else:
            out.append(f"{key[0]}{{{numbers[0]}..{numbers[-1]}}}{key[1]} ({len(numbers)} files)")
    return out


def resolve_device(name: str) -> str:
    """'cpu' or 'cuda'; 'cuda' without a usable GPU is a LessonError."""
    if name == "cpu":
        return "cpu"
    if name in ("cuda", "cuda:0"):
        if not backend.cuda_is_available():
            raise LessonError(f"--device cuda: no usable GPU ({backend.cuda_unavailable_reason()}); "
                              "use --device cpu")
        return "cuda"
    raise LessonError(f"--device {name!r}: unknown device; use cpu or cuda")


def check_out_dir(out: str) -> str:
    """Create the output folder and prove it is writable, before any training; LessonError if not."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise LessonError(f"--out {out}: is a file, not a folder")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise LessonError(f"--out {out}: cannot create the folder ({e.strerror.lower()})") from None
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise LessonError(f"--out {out}: cannot write in the folder ({e.strerror.lower()})") from None
    return out


def _first_paragraph(text):
    return " ".join((text or "").strip().split("\n\n")[0].split())


def _parts_help(parts):
    width = max(len(p) for p in parts)
    lines = [textwrap.fill(_first_paragraph(fn.__doc__) or "-", 96, initial_indent=f"  {name:<{width}}  ",
                           subsequent_indent=" " * (width + 4)) for name, fn in parts.items()]
    return "parts, in reading order (all of them unless --part is given):\n" + "\n".join(lines)


def make_parser(name: str, parts, extra=None, summary=None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"minigrad lesson {name}", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(f"The {name} lesson" + (f": {summary}" if summary else "") + ".", 80),
        epilog=_parts_help(parts) + f"\n\nThe same as: python -m lessons.{name} [options]")
    p.add_argument("--part", action="append", default=None, metavar="P",
                   help="run only this part (repeatable); the parts are listed below")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    p.add_argument("--epochs", type=int, default=None, metavar="N",
                   help="how long each part trains: its number of epochs (default: the part's own; "
                        "parts that count steps or updates multiply them by N)")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="seed of the weights' initialisation and the shuffling (default 0); "
                        "the train/test split stays fixed")
    p.add_argument("--out", default=None, metavar="DIR",
                   help=f"output folder for metrics.json and the figures (default runs/{name}/)")
    if extra is not None:
        extra(p)
    return p


def _version():
    from .. import __version__  # noqa: PLC0415 - minigrad/__init__ imports utils before it sets __version__
    return __version__


class _CtrlC:
    """``with _CtrlC() as ctrl_c:`` turns SIGINT into KeyboardInterrupt as usual, but first notes
    where the work was (``ctrl_c.position``: the innermost running progress bar's position)."""

    def __init__(self):
        self.position, self.previous = None, None

    def _handler(self, signum, frame):
        bar = progress.current()
        self.position = progress.position(bar) if bar is not None else None
        raise KeyboardInterrupt

    def __enter__(self):
        try:
            self.previous = signal.signal(signal.SIGINT, self._handler)
        except ValueError:              # not the main thread: leave the handler alone
            self.previous = None
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _where(interrupted_part, position):
    if position is None:
        return f"in part {interrupted_part}"
    desc, unit, done, total = position
    of = f" of {total}" if total else ""
    what = f"{unit} {done}{of}" if unit != "it" else f"{done}{of} iterations"
    when = f"after {what}" if done else f"during {unit} 1{of}" if unit != "it" else "before the first iteration"
    return f"{when} ({desc}, part {interrupted_part})" if desc else f"{when} (part {interrupted_part})"


def _merge_metrics(path, metrics, records):
    """metrics.json = what was there, updated with this run's metrics and part records."""
    previous = {}
    if os.path.exists(path):
        try:
            with open(path) as f:
                previous = json.load(f)
        except (OSError, ValueError):
            previous = {}
        if not isinstance(previous, dict):
            previous = {}
    parts = previous.pop("parts", None)
    parts = parts if isinstance(parts, dict) else {}
    previous.update(metrics)
    parts.update(records)
    previous["parts"] = parts
    write_metrics(path, previous)


def lesson_main(name: str, parts: dict, argv=None, extra=None, quiet=False) -> int:
    """Parse the command line, run the chosen parts, print and write the metrics.

    ``extra(parser)`` may add lesson-specific options; they land in ``run.options``.
    ``quiet``: run the parts, but print nothing (stdout and stderr, progress bars included)
    and write no metrics.json -- for the processes of a multi-process lesson that do not
    report (every rank but 0).
    Returns the exit status: 0; 2 for a user error (one line on stderr, no traceback);
    130 after Ctrl-C.
    """
    if quiet:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), \
                contextlib.redirect_stderr(sink):
            return _lesson_main(name, parts, argv, extra, write=False)
    return _lesson_main(name, parts, argv, extra, write=True)


def _lesson_main(name, parts, argv, extra, write):
    module = sys.modules.get(next(iter(parts.values())).__module__)
    parser = make_parser(name, parts, extra, getattr(module, "SUMMARY", None))

    def error(message):
        raise LessonError(message)
    parser.error = error
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:         # --help: argparse has printed it
            return e.code or 0
        chosen = args.part or list(parts)
        unknown = [p for p in chosen if p not in parts]
        if unknown:
            raise LessonError(f"unknown part {unknown[0]!r} for lesson {name}; parts: {', '.join(parts)}")
        if args.epochs is not None and args.epochs < 1:
            raise LessonError(f"--epochs must be >= 1, got {args.epochs}")
        device = resolve_device(args.device)
        out = check_out_dir(args.out or os.path.join("runs", name))
    except LessonError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    base = {"part", "device", "epochs", "seed", "out"}
    options = {k: v for k, v in vars(args).items() if k not in base}
    run = LessonRun(name=name, device=device, epochs=args.epochs, seed=args.seed, out=out,
                    options=options)
    metrics_path = os.path.join(out, "metrics.json")
    metrics, records = {}, {}
    start, wall = time.perf_counter(), time.time()
    part = None
    ctrl_c = _CtrlC()
    try:
        with ctrl_c:
            for part in chosen:
                print(f"== {name}: {part}", flush=True)
                part_start, wall = time.perf_counter(), time.time()
                result = parts[part](run) or {}
                metrics.update(result)
                records[part] = {"seed": run.seed, "epochs": run.epochs, "device": run.device,
                                 "options": options, "minigrad_version": _version(),
                                 "seconds": round(time.perf_counter() - part_start, 1),
                                 "finished": time.strftime("%Y-%m-%dT%H:%M:%S"), "metrics": sorted(result)}
                run.announce_written(wall)
                part = None
    except KeyboardInterrupt:
        where = _where(part, ctrl_c.position) if part is not None else "between two parts"
        progress.close_all()
        written = run.announce_written(wall)
        if records and write:
            _merge_metrics(metrics_path, metrics, records)
            print(f"   wrote {metrics_path} (the finished parts: {', '.join(records)})", flush=True)
        kept = bool(written or records)
        print(f"interrupted {where}; "
              + (f"partial results in {os.path.join(out, '')}" if kept else "nothing written"),
              file=sys.stderr, flush=True)
        return 130
    except LessonError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    if not write:
        return 0
    _merge_metrics(metrics_path, metrics, records)
    print(f"== {name}: done in {time.perf_counter() - start:.1f} s; wrote {metrics_path}")
    for k, v in metrics.items():
        print(f"   {k} = {v:.6g}" if isinstance(v, float) else f"   {k} = {v}")
    return 0
