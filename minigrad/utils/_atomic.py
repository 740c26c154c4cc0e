"""``atomic_write(path, write)``: write a file so that readers see the old or the new one, never
half of one. ``write(fileobj)`` fills a temporary file in the same directory; it is flushed to
disk and renamed over ``path`` (``os.replace`` is atomic on POSIX and Windows). If ``write``
raises, the temporary file is removed and ``path`` is untouched. The file gets the permissions
any new file of the user gets (0666 less the umask; an existing file keeps its own), not the
0600 of ``mkstemp``'s temporary file."""
from __future__ import annotations

import os
import tempfile


def atomic_write(path, write, binary=True):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        os.chmod(tmp, _mode_for(path))
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


def _mode_for(path):
    """The permission bits ``path`` should end with: its current ones, or 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
