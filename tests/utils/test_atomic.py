"""atomic_write, by which every checkpoint and metrics file is written: files come out with
the user's normal permissions, not mkstemp's 0600; and kill -9 during saves (a forked child saves
checkpoints in a loop and is killed with SIGKILL at random moments) never loses the last
checkpoint: after every kill it loads, whole and consistent, no older than the last save that
finished, and the next save removes the temporary files the kills left."""
import os
import signal
import stat
import time

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils._atomic import atomic_write
from minigrad.utils.log import write_metrics


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_files_get_0666_less_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.bin", lambda fh: fh.write(b"x"))
        mg.save({"w": mg.ones(2)}, tmp_path / "ckpt.npz")
        write_metrics(str(tmp_path / "metrics.json"), {"acc": 0.5})
        os.umask(0o077)
        atomic_write(tmp_path / "private.bin", lambda fh: fh.write(b"x"))
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.bin") == 0o644
    assert _mode(tmp_path / "ckpt.npz") == 0o644
    assert _mode(tmp_path / "metrics.json") == 0o644
    assert _mode(tmp_path / "private.bin") == 0o600


def test_an_existing_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    atomic_write(path, lambda fh: fh.write(b"new"))
    assert path.read_bytes() == b"new" and _mode(path) == 0o640


# ---- kill -9 during saves

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")

_BASE = np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32)     # 4 MB


def _checkpoint(step):
    return {"step": step, "w": mg.tensor(_BASE + np.float32(step))}


def _temporaries(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


def _fork(loop):
    pid = os.fork()
    if pid == 0:                      # the child: never returns into pytest
        try:
            loop()
        finally:
            os._exit(0)
    return pid


def _kill(pid):
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


@needs_fork
def test_kill_9_at_random_moments_never_loses_the_last_checkpoint(tmp_path):
    path, progress = tmp_path / "ckpt.npz", tmp_path / "done"
    mg.save(_checkpoint(0), path)
    rng = np.random.default_rng(20)
    last, kills_with_temporaries = 0, 0
    for _ in range(20):
        start = last + 1

        def loop(start=start):
            step = start
            while True:
                mg.save(_checkpoint(step), path)
                progress.write_text(str(step))       # written only after the save returned
                step += 1
        pid = _fork(loop)
        time.sleep(float(rng.uniform(0.0, 0.25)))
        _kill(pid)
        text = progress.read_text() if progress.exists() else ""     # empty: killed while writing it
        finished = int(text) if text else last
        got = mg.load(path)
        assert got["step"] >= max(finished, last)        # no save that returned is lost
        np.testing.assert_array_equal(got["w"].numpy(), _BASE + np.float32(got["step"]))
        kills_with_temporaries += bool(_temporaries(tmp_path))
        last = got["step"]
    mg.save(_checkpoint(last + 1), path)             # the next save cleans up
    assert _temporaries(tmp_path) == [] and mg.load(path)["step"] == last + 1
    print(f"\n20 kills, {kills_with_temporaries} left temporary files; last step {last}")


@needs_fork
def test_kill_9_in_the_middle_of_writing_leaves_the_old_file_and_the_next_save_cleans(tmp_path):
    path, ready = tmp_path / "ckpt.npz", tmp_path / "half-written"
    mg.save(_checkpoint(1), path)

    def half_a_save():
        def write(fh):
            fh.write(b"PK\x03\x04" + bytes(1000))
            fh.flush()
            ready.write_text("yes")
            time.sleep(60)
        atomic_write(path, write)
    pid = _fork(half_a_save)
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ready.exists()
    _kill(pid)
    assert len(_temporaries(tmp_path)) == 1
    assert mg.load(path)["step"] == 1
    mg.save(_checkpoint(2), path)
    assert _temporaries(tmp_path) == [] and mg.load(path)["step"] == 2
