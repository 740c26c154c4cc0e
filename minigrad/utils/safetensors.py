"""safetensors: ``save_safetensors(state_dict, path, metadata=None)`` and
``load_safetensors(path, device="cpu")``.

The format (Hugging Face's, read by ``safetensors.torch.load_file`` and most model hubs) is::

    8 bytes      N, the header's length (unsigned, little-endian)
    N bytes      a JSON object: {"__metadata__": {str: str},                    (optional)
                                 name: {"dtype": "F32", "shape": [2, 3],
                                        "data_offsets": [begin, end]}, ...}
    the rest     the tensors' bytes, C order, little-endian; offsets count from here

minigrad reads and writes it itself (about a hundred lines) rather than through the
``safetensors`` package: the package's NumPy API cannot load bfloat16, and a reader of our own
checks the header the way every other minigrad checkpoint is checked, with errors that name
the file. The package is the oracle in the tests: each side reads what the other writes.

Writing: tensors are laid out by decreasing item size, then name (as the package does), so
every tensor is aligned to its item size (the header lists them in the dict's order); the
header is padded with spaces to a multiple of 8.
The format has no checksum, so minigrad adds one: the CRC-32 of every tensor's bytes, as JSON
in the metadata entry ``"minigrad.crc32"`` (other readers ignore it; minigrad checks it when it
is there, so a flipped bit in a file minigrad wrote is an error, not a silently different
number). The write is atomic (``minigrad.utils._atomic``).

Reading: the header must be at most 100 MB and fit in the file; each tensor's byte range must
hold exactly its shape times its item size; the ranges must tile the data with no gap, overlap
or excess, ending at the end of the file. Anything else is a ``CheckpointError`` naming the
file. dtypes: F64, F32, F16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL keep their NumPy dtype;
**BF16 loads as float32** (NumPy and minigrad have no bfloat16; the conversion is exact);
the 8-bit float formats are refused.
"""
from __future__ import annotations

import json
import math
import os
import struct
import zlib

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._atomic import atomic_write
from ._checkpoint import bfloat16_to_float32, fail, nbytes_of, reading

__all__ = ["save_safetensors", "load_safetensors", "safetensors_metadata"]

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}
_MAX_HEADER = 100_000_000
_CRC = "minigrad.crc32"


# ----------------------------------------------------------------------------- write


def _array_of(name, value):
    if isinstance(value, Tensor):
        value = value.data
    if hasattr(value, "__cuda_array_interface__"):
        value = backend.to_numpy(value)
    if not isinstance(value, np.ndarray):
        hint = " (use minigrad.save for nested checkpoints)" if isinstance(value, (dict, list, tuple)) else ""
        raise TypeError(f"save_safetensors: safetensors holds a flat {{name: tensor}} dict; "
                        f"{name!r} is a {type(value).__name__}{hint}")
    dtype = value.dtype.newbyteorder("<") if value.dtype.byteorder == ">" else value.dtype
    if dtype not in _NAMES:
        raise TypeError(f"save_safetensors: {name!r} has dtype {value.dtype}, which safetensors "
                        f"cannot hold (supported: {', '.join(sorted(_DTYPES))})")
    return np.asarray(value, dtype=dtype, order="C")      # (ascontiguousarray would make 0-d 1-d)


def save_safetensors(state_dict, path, metadata=None):
    """Write ``{name: tensor}`` (a state dict) as a safetensors file, atomically.
    ``metadata``: an optional ``{str: str}`` dict, stored in the header's ``__metadata__``
    (with minigrad's ``"minigrad.crc32"`` entry)."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"save_safetensors: expected a dict of tensors, got {type(state_dict).__name__}")
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"save_safetensors: tensor names must be strings, got {name!r}")
        if name == "__metadata__":
            raise ValueError("save_safetensors: '__metadata__' is reserved for the metadata")
        arrays[name] = _array_of(name, value)
    header = {}
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in metadata.items()):
            raise TypeError(f"save_safetensors: metadata must be a dict of str to str, got {metadata!r}")
        if _CRC in metadata:
            raise ValueError(f"save_safetensors: the metadata key {_CRC!r} is minigrad's own")
    crcs = {name: zlib.crc32(a.reshape(-1).view(np.uint8)) for name, a in arrays.items()}
    header["__metadata__"] = {**(metadata or {}), _CRC: json.dumps(crcs, separators=(",", ":"))}
    order = sorted(arrays, key=lambda n: (-arrays[n].dtype.itemsize, n))
    offsets, offset = {}, 0
    for name in order:
        offsets[name] = [offset, offset + arrays[name].nbytes]
        offset += arrays[name].nbytes
    for name, a in arrays.items():          # the header keeps the dict's order
        header[name] = {"dtype": _NAMES[a.dtype], "shape": list(a.shape), "data_offsets": offsets[name]}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)

    def write(fh):
        fh.write(struct.pack("<Q", len(text)))
        fh.write(text)
        for name in order:
            fh.write(arrays[name].reshape(-1).view(np.uint8))
    atomic_write(os.fspath(path), write)


# ----------------------------------------------------------------------------- read


def _unique_keys(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"the header names {k!r} twice")
        out[k] = v
    return out


def _is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _read_header(fh, path):
    """The checked header: (metadata, [(name, dtype code, shape, begin, end)], data start,
    {name: CRC-32} when minigrad wrote the file)."""
    size = os.fstat(fh.fileno()).st_size
    head = fh.read(8)
    if len(head) < 8:
        raise fail(path, f"it is {size} bytes long, too short for a safetensors header")
    (n,) = struct.unpack("<Q", head)
    if n > _MAX_HEADER or 8 + n > size:
        raise fail(path, f"its header claims {n} bytes, but the file holds {size - 8} after the "
                         f"length (and at most {_MAX_HEADER} are allowed)")
    header = json.loads(fh.read(n).decode("utf-8"), object_pairs_hook=_unique_keys)
    if not isinstance(header, dict):
        raise fail(path, f"its header is a JSON {type(header).__name__}, not an object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise fail(path, "its __metadata__ is not a dict of str to str")
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict):
            raise fail(path, f"tensor {name!r}: its entry is not an object")
        code, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if code not in _DTYPES and code != "BF16":
            raise fail(path, f"tensor {name!r} has dtype {code!r}; minigrad reads "
                             f"{', '.join(sorted([*_DTYPES, 'BF16']))}")
        if not isinstance(shape, list) or not all(_is_count(s) for s in shape):
            raise fail(path, f"tensor {name!r} has an invalid shape {shape!r}")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets)
                or offsets[0] > offsets[1]):
            raise fail(path, f"tensor {name!r} has invalid data_offsets {offsets!r}")
        expected = nbytes_of(shape, "<u2" if code == "BF16" else _DTYPES[code])
        if offsets[1] - offsets[0] != expected:
            raise fail(path, f"tensor {name!r} of shape {shape} and dtype {code} needs {expected} "
                             f"bytes, but its data_offsets {offsets} span {offsets[1] - offsets[0]}")
        entries.append((name, code, tuple(shape), offsets[0], offsets[1]))
    data_size = size - 8 - n
    end = 0
    for name, _, _, begin, stop in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin != end:
            what = "overlaps the tensor before it" if begin < end else f"leaves a gap at byte {end}"
            raise fail(path, f"tensor {name!r} (data_offsets [{begin}, {stop}]) {what}")
        end = stop
    if end != data_size:
        raise fail(path, f"its tensors end at byte {end} of the data, but the file holds "
                         f"{data_size} bytes of data")
    crcs = None
    if _CRC in metadata:
        crcs = json.loads(metadata.pop(_CRC))
        if (not isinstance(crcs, dict) or set(crcs) != {e[0] for e in entries}
                or not all(_is_count(c) for c in crcs.values())):
            raise fail(path, f"its {_CRC!r} metadata does not list a CRC-32 for each tensor")
    return metadata, entries, 8 + n, crcs


def load_safetensors(path, device="cpu"):
    """``{name: Tensor}`` from a safetensors file (any writer's). Raises ``FileNotFoundError``
    for a missing file, ``CheckpointError`` naming the file for anything it cannot trust."""
    path = os.fspath(path)
    device = backend.device(device)
    out = {}
    with reading(path, "safetensors file"), open(path, "rb") as fh:
        _, entries, start, crcs = _read_header(fh, path)
        for name, code, shape, begin, stop in entries:
            fh.seek(start + begin)
            array = np.empty(math.prod(shape), dtype="<u2" if code == "BF16" else _DTYPES[code])
            if array.size and fh.readinto(array.view(np.uint8)) != stop - begin:
                raise fail(path, f"tensor {name!r}: the file ends inside its data")
            if crcs is not None and zlib.crc32(array.view(np.uint8)) != crcs[name]:
                raise fail(path, f"tensor {name!r}: its bytes do not match the CRC-32 minigrad "
                                 "wrote with them (the file was damaged)")
            array = array.reshape(shape)
            if code == "BF16":
                array = bfloat16_to_float32(array)
            array = array.astype(array.dtype.newbyteorder("="), copy=False)
            out[name] = Tensor(backend.to_device(array, device))
    return out


def safetensors_metadata(path):
    """The ``__metadata__`` dict of a safetensors file (``{}`` when it has none), without
    minigrad's own CRC entry."""
    path = os.fspath(path)
    with reading(path, "safetensors file"), open(path, "rb") as fh:
        return _read_header(fh, path)[0]
