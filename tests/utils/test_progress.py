"""utils/progress.py: progress_bar, plain lines without a terminal, tqdm on one."""
import io

import pytest

from minigrad.utils import progress_bar
from minigrad.utils.progress import PlainProgress


def test_progress_plain_lines_without_tty():
    out = io.StringIO()
    bar = progress_bar(range(20), desc="epoch 1", file=out, lines=4)
    assert isinstance(bar, PlainProgress)
    seen = []
    for i in bar:
        seen.append(i)
        bar.set_postfix(loss=f"{1 / (i + 1):.2f}")
    lines = out.getvalue().splitlines()
    assert seen == list(range(20))
    assert lines[0].startswith("epoch 1: 5/20 (25%)") and lines[-1].startswith("epoch 1: 20/20 (100%)")
    assert len(lines) == 4 and lines[-1].endswith("loss=0.05")


def test_progress_uses_tqdm_on_a_tty():
    tqdm = pytest.importorskip("tqdm")

    class FakeTTY(io.StringIO):
        def isatty(self):
            return True
    bar = progress_bar(range(3), file=FakeTTY())
    assert isinstance(bar, tqdm.tqdm) and list(bar) == [0, 1, 2]
