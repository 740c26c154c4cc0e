"""A progress bar: tqdm on a terminal, plain periodic lines otherwise (logs, CI, no tqdm).

    bar = progress_bar(range(epochs), desc="LeNet", unit="epoch")
    for epoch in bar:
        ...
        bar.set_postfix({"train loss": f"{loss:.3f}"})     # name what the number is

Without a TTY (or without tqdm installed, or with ``plain=True``) it prints a line such as
``LeNet: epoch 4/10 (40%) 1.2s, train loss=0.532`` about ``lines`` times per pass, and a final
line. ``current()`` is the innermost bar still running: after a Ctrl-C it says how far the work
got ("after epoch 3 of 10").
"""
from __future__ import annotations

import sys
import time
import weakref

_OPEN = []                  # weak references to the bars made, newest last


def _is_open(bar):
    return bar is not None and not getattr(bar, "closed", False) and not getattr(bar, "disable", False)


def current():
    """The innermost progress bar that has not finished, or None."""
    _OPEN[:] = [ref for ref in _OPEN if _is_open(ref())]
    return _OPEN[-1]() if _OPEN else None


def position(bar):
    """``(desc, unit, done, total)`` of a bar: ``done`` iterations finished out of ``total``."""
    return bar.desc or "", getattr(bar, "unit", "it"), int(bar.n), bar.total


def close_all():
    """Close every running bar (so that a terminal's last bar line ends before a message)."""
    while (bar := current()) is not None:
        bar.close()


class PlainProgress:
    """The no-TTY fallback, with the parts of tqdm's interface that lessons use."""

    def __init__(self, iterable=None, total=None, desc=None, file=None, lines=10, disable=False,
                 unit="it"):
        self.iterable = iterable
        self.unit = unit
        self.closed = False
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.total, self.desc, self.disable = total, desc, disable
        self.file = file if file is not None else sys.stderr
        self.every = max(1, (total or 0) // max(1, lines)) if total else 100
        self.n = 0
        self.postfix = ""
        self._start = time.perf_counter()
        self._last_printed = -1

    def __len__(self):
        return self.total if self.total is not None else len(self.iterable)

    def __iter__(self):
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:            # also when the loop is left early (break, an exception)
            self.close()

    def set_postfix(self, ordered_dict=None, refresh=True, **kwargs):
        items = dict(ordered_dict or {}, **kwargs)
        self.postfix = ", ".join(f"{k}={v}" for k, v in items.items())

    def set_description(self, desc=None, refresh=True):
        self.desc = desc

    def update(self, n=1):
        self.n += n
        if self.n % self.every == 0 and self.n != self.total:
            self._print()

    def _print(self):
        if self.disable or self._last_printed == self.n:
            return
        self._last_printed = self.n
        count = f"{self.n}/{self.total} ({100 * self.n // self.total}%)" if self.total else f"{self.n}"
        if self.unit != "it":
            count = f"{self.unit} {count}"
        line = f"{self.desc + ': ' if self.desc else ''}{count} {time.perf_counter() - self._start:.1f}s"
        print(line + (f", {self.postfix}" if self.postfix else ""), file=self.file, flush=True)

    def close(self):
        if not self.closed:
            self._print()
            self.closed = True


def progress_bar(iterable=None, total=None, desc=None, file=None, plain=None, lines=10,
                 disable=False, leave=True, unit="it"):
    """A tqdm bar when ``file`` (default stderr) is a terminal and tqdm is installed, else a
    ``PlainProgress`` printing about ``lines`` lines. ``plain=True/False`` forces the choice.
    ``unit`` names what is counted ("epoch", "step" ...)."""
    stream = file if file is not None else sys.stderr
    if plain is None:
        plain = not (hasattr(stream, "isatty") and stream.isatty())
    if not plain:
        try:
            from tqdm.auto import tqdm  # noqa: PLC0415 - optional package
        except ImportError:
            plain = True
        else:
            bar = tqdm(iterable, total=total, desc=desc, file=stream, disable=disable, leave=leave,
                       dynamic_ncols=True, unit=unit)
            _OPEN.append(weakref.ref(bar))
            return bar
    bar = PlainProgress(iterable, total=total, desc=desc, file=stream, lines=lines, disable=disable,
                        unit=unit)
    _OPEN.append(weakref.ref(bar))
    return bar
