"""minigrad.utils.lesson: --out checked first, files announced, metrics merged with a record of
the parts, Ctrl-C as one line and exit status 130."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from minigrad.utils import progress_bar
from minigrad.utils.lesson import lesson_main


def _parts(calls):
    def part_one(run):
        """The first part: writes a figure and a numbered series."""
        calls.append("one")
        for name in ("figure.png", "grid01.png", "grid02.png", "grid03.png"):
            with open(run.path(name), "w") as f:
                f.write("x")
        return {"one_metric": 1.5}

    def part_two(run):
        """The second part: a metric that depends on the seed."""
        calls.append("two")
        return {"two_metric": float(run.seed)}
    return {"one": part_one, "two": part_two}


@pytest.mark.parametrize("bad", ["a_file", "a_file/below", "/proc/minigrad-cannot-be-here"])
def test_a_bad_out_is_one_line_and_status_2_before_any_work(bad, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("not a folder")
    calls = []
    assert lesson_main("toy", _parts(calls), ["--out", bad]) == 2
    err = capsys.readouterr().err
    assert calls == [] and len(err.strip().splitlines()) == 1
    assert err.startswith(f"minigrad lesson toy: error: --out {bad}: ") and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_an_unwritable_out_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert lesson_main("toy", _parts([]), ["--out", str(locked)]) == 2
    finally:
        locked.chmod(0o700)
    assert "cannot write in the folder" in capsys.readouterr().err


def test_files_are_announced_and_a_partial_run_merges_into_metrics(tmp_path, capsys):
    calls = []
    assert lesson_main("toy", _parts(calls), ["--out", str(tmp_path), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'figure.png'}" in out
    assert f"wrote {tmp_path}/grid{{01..03}}.png (3 files)" in out
    assert f"wrote {tmp_path / 'metrics.json'}" in out
    assert lesson_main("toy", _parts(calls), ["--out", str(tmp_path), "--part", "two", "--seed", "5"]) == 0
    assert calls == ["one", "two", "two"]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["one_metric"] == 1.5 and metrics["two_metric"] == 5.0      # merged, not replaced
    parts = metrics["parts"]
    assert parts["one"]["seed"] == 3 and parts["two"]["seed"] == 5
    assert parts["two"]["metrics"] == ["two_metric"]
    import minigrad
    assert parts["one"]["minigrad_version"] == minigrad.__version__


def test_help_lists_the_parts_with_their_first_docstring_line(capsys):
    assert lesson_main("toy", _parts([]), ["--help"]) == 0
    out = capsys.readouterr().out
    assert "one  The first part: writes a figure and a numbered series." in out
    assert "two  The second part" in out and "--seed S" in out


def test_ctrl_c_is_one_line_keeps_the_finished_parts_and_exits_130(tmp_path, capsys):
    def part_slow(run):
        """Interrupted in its fourth epoch."""
        for epoch in progress_bar(range(10), desc="slow", unit="epoch"):
            if epoch == 3:
                signal.raise_signal(signal.SIGINT)          # what Ctrl-C sends
    parts = dict(_parts([]), slow=part_slow)
    assert lesson_main("toy", parts, ["--out", str(tmp_path)]) == 130
    captured = capsys.readouterr()
    last = captured.err.strip().splitlines()[-1]
    assert last == f"interrupted after epoch 3 of 10 (slow, part slow); partial results in {tmp_path}/"
    assert "Traceback" not in captured.err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["one_metric"] == 1.5 and set(metrics["parts"]) == {"one", "two"}


def test_ctrl_c_in_a_real_process(tmp_path):
    """SIGINT sent to a running lesson: one line, exit status 130, no traceback."""
    (tmp_path / "toy_lesson.py").write_text(textwrap.dedent('''
        import sys, time
        from minigrad.utils import progress_bar
        from minigrad.utils.lesson import lesson_main

        def part_train(run):
            """Trains for ten slow epochs."""
            for epoch in progress_bar(range(10), desc="toy", unit="epoch", plain=True, lines=10):
                time.sleep(0.3)

        sys.exit(lesson_main("toy", {"train": part_train}, sys.argv[1:]))
    '''))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    proc = subprocess.Popen([sys.executable, str(tmp_path / "toy_lesson.py"), "--out", str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stderr.readline()                   # the first progress line: epoch 1 is done
    assert line.startswith("toy: epoch 1/10"), line
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("interrupted after epoch ")
    assert err.strip().splitlines()[-1].endswith("(toy, part train); nothing written")
