"""What every lesson shares: its command line, device choice, output folder, metrics.json.

A lesson module (``lessons/<name>.py``) defines::

    SUMMARY = "one line: what it rebuilds"
    PARTS = {"regression": run_regression, ...}     # ordered: no --part runs them all
    def tiny_model_check() -> float                  # worst gradcheck relative error (float64)
    def main(argv=None) -> int                       # return lesson_main(NAME, PARTS, argv, ...)

and runs with ``python -m lessons.<name> [--part P] [--device cpu|cuda] [--epochs N]
[--seed S] [--out DIR]``. Each part gets a ``LessonRun`` and returns a dict of metrics;
they are merged, printed and written to ``DIR/metrics.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field

from .. import backend
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

    def path(self, filename: str) -> str:
        """A file in the output folder (created on demand)."""
        os.makedirs(self.out, exist_ok=True)
        return os.path.join(self.out, filename)

    def epochs_or(self, default: int) -> int:
        return default if self.epochs is None else self.epochs


def resolve_device(name: str) -> str:
    """'cpu' or 'cuda'; 'cuda' without a usable GPU is a LessonError."""
    if name == "cpu":
        return "cpu"
    if name in ("cuda", "cuda:0"):
        if not backend.cuda_is_available():
            raise LessonError("--device cuda: no usable GPU (CuPy missing or no CUDA device answers); "
                              "use --device cpu")
        return "cuda"
    raise LessonError(f"--device {name!r}: unknown device; use cpu or cuda")


def make_parser(name: str, parts, extra=None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m lessons.{name}",
                                description=f"minigrad lesson: {name}")
    p.add_argument("--part", action="append", default=None,
                   help=f"run only this part (repeatable); parts: {', '.join(parts)}")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    p.add_argument("--epochs", type=int, default=None, help="override each part's number of epochs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help=f"output folder (default runs/{name}/)")
    if extra is not None:
        extra(p)
    return p


def lesson_main(name: str, parts: dict, argv=None, extra=None) -> int:
    """Parse the command line, run the chosen parts, print and write the metrics.

    ``extra(parser)`` may add lesson-specific options; they land in ``run.options``.
    Returns the exit status: 0, or 2 for a user error (one line on stderr, no traceback).
    """
    parser = make_parser(name, parts, extra)


    def error(message):
        raise LessonError(message)
    parser.error = error
    try:
        args = parser.parse_args(argv)
        chosen = args.part or list(parts)
        unknown = [p for p in chosen if p not in parts]
        if unknown:
            raise LessonError(f"unknown part {unknown[0]!r} for lesson {name}; parts: {', '.join(parts)}")
        if args.epochs is not None and args.epochs < 1:
            raise LessonError(f"--epochs must be >= 1, got {args.epochs}")
        device = resolve_device(args.device)
        base = {"part", "device", "epochs", "seed", "out"}
        run = LessonRun(name=name, device=device, epochs=args.epochs, seed=args.seed,
                        out=args.out or os.path.join("runs", name),
                        options={k: v for k, v in vars(args).items() if k not in base})
        metrics = {}
        start = time.perf_counter()
        for part in chosen:
            print(f"== {name}: {part}", flush=True)
            result = parts[part](run) or {}
            metrics.update(result)
        metrics_path = run.path("metrics.json")
        previous = {}
        if os.path.exists(metrics_path) and args.part:
            try:
                with open(metrics_path) as f:
                    previous = json.load(f)
            except (OSError, ValueError):
                previous = {}
        previous.update(metrics)
        write_metrics(metrics_path, previous)
        print(f"== {name}: done in {time.perf_counter() - start:.1f} s; metrics in {metrics_path}")
        for k, v in metrics.items():
            print(f"   {k} = {v:.6g}" if isinstance(v, float) else f"   {k} = {v}")
        return 0
    except LessonError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
