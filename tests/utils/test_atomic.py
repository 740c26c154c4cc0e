"""atomic_write: files come out with the user's normal permissions, not mkstemp's 0600."""
import os
import stat

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
