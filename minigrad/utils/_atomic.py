"""``atomic_write(path, write)``: write a file so that readers see the old or the new one, never
half of one. ``write(fileobj)`` fills a temporary file in the same directory; it is flushed to
disk and renamed over ``path`` (``os.replace`` is atomic on POSIX and Windows). If ``write``
raises, the temporary file is removed and ``path`` is untouched."""
from __future__ import annotations

import os
import tempfile


def atomic_write(path, write, binary=True):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
