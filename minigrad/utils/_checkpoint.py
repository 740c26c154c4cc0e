"""Reading checkpoint files that may be damaged or hostile: what the three readers share
(``minigrad.load``'s ``.npz``, safetensors, PyTorch's zip).

- ``CheckpointError``: the one exception every failed load raises, naming the file.
- ``reading(path, kind)``: a ``with`` block that turns whatever a damaged file makes zipfile,
  json, pickle or NumPy raise into that error (with the original as its cause).
- ``ZipMembers``: a zip file whose members are read with their sizes checked first. A member
  must be stored uncompressed (``ZIP_STORED``, which ``np.savez`` and ``torch.save`` both write)
  and hold exactly the bytes its header (a ``.npy`` header, a tensor's shape) declares, and
  the members read add up to at most the file's size. So a load never allocates more memory
  than the file occupies on disk: a 1 MB member that would inflate to 1 GiB, or a header
  claiming 10^15 elements, is refused before anything is allocated.
- ``bfloat16_to_float32``: NumPy has no bfloat16; its bits are the top half of a float32.
"""
from __future__ import annotations

import contextlib
import math
import os
import zipfile

import numpy as np


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read: truncated, corrupt, hostile or of another kind."""


@contextlib.contextmanager
def reading(path, kind):
    """Run the body; any failure becomes ``CheckpointError`` naming ``path`` and ``kind``."""
    try:
        yield
    except CheckpointError:
        raise
    except Exception as e:      # zipfile, json, pickle, struct, NumPy, MemoryError, RecursionError
        raise CheckpointError(f"load: {os.fspath(path)!r} is not a readable {kind} (truncated or "
                              f"corrupt?): {type(e).__name__}: {e}") from e


def fail(path, message):
    """A ``CheckpointError`` for ``path`` with a reason found by a reader's own checks."""
    return CheckpointError(f"load: {os.fspath(path)!r}: {message}")


def nbytes_of(shape, dtype):
    """Bytes of an array of ``shape`` and ``dtype``; exact (Python ints), so never overflows."""
    return math.prod(int(s) for s in shape) * np.dtype(dtype).itemsize


class ZipMembers:
    """The members of a zip file, read with their declared sizes checked first (see above)."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self.zip = zipfile.ZipFile(self.path)
        self._names = set(self.zip.namelist())
        self._budget = os.path.getsize(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.zip.close()

    def names(self):
        return self.zip.namelist()

    def __contains__(self, name):
        return name in self._names

    def info(self, name):
        try:
            return self.zip.getinfo(name)
        except KeyError:
            raise fail(self.path, f"it has no member {name!r}") from None

    def _open(self, name, nbytes, declared=""):
        info = self.info(name)
        if info.compress_type != zipfile.ZIP_STORED:
            raise fail(self.path, f"member {name!r} is compressed; checkpoints store their members "
                                  "uncompressed (a compressed member could inflate without bound)")
        if info.file_size != nbytes or info.compress_size != nbytes:
            raise fail(self.path, f"member {name!r} holds {info.file_size} bytes, but its header "
                                  f"declares {nbytes}{declared}")
        if nbytes > self._budget:
            raise fail(self.path, f"its members add up to more bytes than the file holds (member "
                                  f"{name!r}: {nbytes} bytes)")
        self._budget -= nbytes
        return self.zip.open(info)

    def read_bytes(self, name, nbytes):
        """The member's ``nbytes`` bytes (its CRC checked)."""
        with self._open(name, nbytes) as fh:
            data = fh.read()
        if len(data) != nbytes:
            raise fail(self.path, f"member {name!r} ends after {len(data)} of {nbytes} bytes")
        return data

    def read_array(self, name, shape, dtype, offset=0):
        """The member as a writable array of ``shape`` and ``dtype``; the member holds exactly
        ``offset`` bytes of header (skipped) and then the array's bytes."""
        dtype = np.dtype(dtype)
        nbytes = nbytes_of(shape, dtype)
        declared = f" ({offset} bytes of header, then shape {tuple(shape)} of {dtype}: {nbytes} bytes)"
        with self._open(name, offset + nbytes, declared) as fh:
            if offset:
                fh.read(offset)
            out = np.empty(int(math.prod(shape)), dtype=dtype)
            got = fh.readinto(out.view(np.uint8)) if nbytes else 0
            fh.read(1)          # at the end: the zip reader checks the member's CRC
        if got != nbytes:
            raise fail(self.path, f"member {name!r} ends after {got} of {nbytes} bytes")
        return out.reshape(tuple(int(s) for s in shape))

    def read_npy(self, name, max_header_size=10000):
        """A ``.npy`` member, checked against its header: no pickled objects, exactly the
        bytes the header's shape and dtype declare."""
        info = self.info(name)
        with self.zip.open(info) as fh:        # the header only: a few hundred bytes
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh, max_header_size)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh, max_header_size)
            else:
                raise fail(self.path, f"member {name!r} has .npy version {version}")
            offset = fh.tell()
        if dtype.hasobject:
            raise fail(self.path, f"member {name!r} holds Python objects (a pickle); minigrad "
                                  "checkpoints hold data only")
        array = self.read_array(name, shape[::-1] if fortran else shape, dtype, offset)
        return array.T if fortran else array


def bfloat16_to_float32(bits):
    """float32 values of bfloat16 numbers given as their uint16 bit patterns (exact)."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
