"""``atomic_write(path, write)``: write a file so that readers see the old or the new one, never
half of one.

1. Temporary files of the same target left by an earlier save that was killed (``kill -9``, a
   power cut: nothing ran to remove them) are deleted. They are named ``.<name>.<8 chars>.tmp``
   and nothing else in the folder matches that pattern.
2. ``write(fileobj)`` fills a new temporary file ``.<name>.<random>.tmp`` in the same folder.
   It gets the permissions any new file of the user gets (0666 less the umask, as with
   ``open(path, "w")``; not the 0600 of ``tempfile.mkstemp``), or, when ``path`` exists, the
   permissions of the file it replaces.
3. The file is flushed to disk (``fsync``) and renamed over ``path``: ``os.replace`` is atomic
   on POSIX and Windows, so a reader sees either the old file or the new one.
4. The folder is flushed to disk too, so that the rename itself survives a power cut.

If ``write`` raises, the temporary file is removed and ``path`` is untouched. Two processes
saving the same path at the same moment are not supported: one of them may find its temporary
file removed by the other and fail with ``FileNotFoundError`` (the target stays a whole file).
"""
from __future__ import annotations

import os
import re
import secrets


def _stale_temporaries(directory, name):
    pattern = re.compile(r"\." + re.escape(name) + r"\.[a-z0-9_]{8}\.tmp")
    try:
        entries = os.listdir(directory)
    except OSError:
        return []
    return [os.path.join(directory, e) for e in entries if pattern.fullmatch(e)]


def _create_temporary(directory, name):
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _fsync_directory(directory):
    if os.name != "posix":          # Windows cannot open a folder; NTFS journals the rename
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path, write, binary=True):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    for stale in _stale_temporaries(directory, name):
        try:
            os.unlink(stale)
        except FileNotFoundError:
            pass
    fd, tmp = _create_temporary(directory, name)
    try:
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
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
    _fsync_directory(directory)
    return path
