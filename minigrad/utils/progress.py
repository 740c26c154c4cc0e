"""A progress bar: tqdm on a terminal, plain periodic lines otherwise (logs, CI, no tqdm).

    for x, y in progress_bar(loader, desc="epoch 1"):
        ...
        bar.set_postfix(loss=f"{loss.item():.3f}")   # keep the returned object to do this

Without a TTY (or without tqdm installed, or with ``plain=True``) it prints a line such as
``epoch 1: 40/100 (40%) 1.2s, loss=0.532`` about ``lines`` times per pass, and a final line.
"""
from __future__ import annotations

import sys
import time


class PlainProgress:
    """The no-TTY fallback, with the parts of tqdm's interface that lessons use."""

    def __init__(self, iterable=None, total=None, desc=None, file=None, lines=10, disable=False):
        self.iterable = iterable
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
        for item in self.iterable:
            yield item
            self.update(1)
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
        line = f"{self.desc + ': ' if self.desc else ''}{count} {time.perf_counter() - self._start:.1f}s"
        print(line + (f", {self.postfix}" if self.postfix else ""), file=self.file, flush=True)

    def close(self):
        self._print()


def progress_bar(iterable=None, total=None, desc=None, file=None, plain=None, lines=10,
                 disable=False, leave=True):
    """A tqdm bar when ``file`` (default stderr) is a terminal and tqdm is installed, else a
    ``PlainProgress`` printing about ``lines`` lines. ``plain=True/False`` forces the choice."""
    stream = file if file is not None else sys.stderr
    if plain is None:
        plain = not (hasattr(stream, "isatty") and stream.isatty())
    if not plain:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            plain = True
        else:
            return tqdm(iterable, total=total, desc=desc, file=stream, disable=disable, leave=leave,
                        dynamic_ncols=True)
    return PlainProgress(iterable, total=total, desc=desc, file=stream, lines=lines, disable=disable)
