"""``minigrad.save(obj, path)`` / ``minigrad.load(path)``: checkpoints without pickle.

A checkpoint is an ordinary ``.npz`` file (NumPy's zip of ``.npy`` arrays). Every array in
``obj`` (Tensor data, NumPy arrays, NumPy scalars) becomes one entry ``a0, a1, ...``; the
structure around them — dicts (any JSON-able keys: str, int, float, bool, None, tuples),
lists, tuples, numbers, strings, None — is written as JSON in the entry ``__structure__``.
Loading uses ``allow_pickle=False``: a checkpoint can hold data, never code.

Saving is atomic: the file is written to a temporary file in the same directory, flushed to
disk and then renamed over ``path`` with ``os.replace``; a save that fails half-way leaves the
previous file untouched. Loading a truncated or corrupt file raises ``CheckpointError``
(a ``RuntimeError``) naming the path.

Differences from ``torch.save``: no arbitrary Python objects (classes, functions); tensors
come back on the CPU unless ``map_location="cuda"``; a ``Parameter`` comes back as a
``Parameter``, any other tensor as a plain ``Tensor`` with its ``requires_grad``.
"""
from __future__ import annotations

import json
import os
import struct
import zipfile
from collections import OrderedDict

import numpy as np

from .. import backend
from ..tensor import Tensor
from ._atomic import atomic_write

FORMAT = "minigrad-checkpoint"
VERSION = 1
_STRUCTURE = "__structure__"


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read: truncated, corrupt, or not a minigrad checkpoint."""


# ----------------------------------------------------------------------------- encode


def _encode(obj, arrays, where):
    """A JSON-able node for ``obj``; arrays are moved into ``arrays`` and referenced by name."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, float)) and type(obj) in (int, float):
        return obj
    if isinstance(obj, Tensor):
        name = f"a{len(arrays)}"
        arrays[name] = backend.to_numpy(obj.data)
        kind = "parameter" if type(obj).__name__ == "Parameter" else "tensor"
        return {"t": kind, "a": name, "requires_grad": bool(obj.requires_grad)}
    if isinstance(obj, (np.ndarray, np.generic)) or hasattr(obj, "__cuda_array_interface__"):
        name = f"a{len(arrays)}"
        arrays[name] = np.asarray(backend.to_numpy(obj) if not isinstance(obj, np.generic) else obj)
        if arrays[name].dtype.hasobject:
            raise TypeError(f"save: object arrays cannot be saved without pickle (at {where})")
        return {"t": "scalar" if isinstance(obj, np.generic) else "ndarray", "a": name}
    if isinstance(obj, (int, float)):  # int/float subclasses, e.g. IntEnum
        return int(obj) if isinstance(obj, int) else float(obj)
    if isinstance(obj, dict):
        keys, values = [], []
        for k, v in obj.items():
            keys.append(_encode(k, arrays, f"{where} key {k!r}"))
            values.append(_encode(v, arrays, f"{where}[{k!r}]"))
        return {"t": "odict" if isinstance(obj, OrderedDict) else "dict", "k": keys, "v": values}
    if isinstance(obj, (list, tuple)):
        return {"t": "tuple" if isinstance(obj, tuple) else "list",
                "v": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot save an object of type {type(obj).__name__} (at {where}); "
                    "checkpoints hold tensors, arrays, numbers, strings, None and "
                    "dicts/lists/tuples of them — never code")


def _decode(node, arrays, map_location):
    if not isinstance(node, dict):
        return node
    kind = node["t"]
    if kind in ("tensor", "parameter"):
        data = arrays[node["a"]]
        if map_location is not None:
            data = backend.to_device(data, map_location)
        if kind == "parameter":
            from ..nn.parameter import Parameter
            return Parameter(data, requires_grad=node["requires_grad"])
        return Tensor(data, requires_grad=node["requires_grad"])
    if kind == "ndarray":
        return arrays[node["a"]]
    if kind == "scalar":
        return arrays[node["a"]][()]
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays, map_location) for v in node["v"]]
        return tuple(items) if kind == "tuple" else items
    if kind in ("dict", "odict"):
        pairs = ((_decode(k, arrays, map_location), _decode(v, arrays, map_location))
                 for k, v in zip(node["k"], node["v"]))
        return OrderedDict(pairs) if kind == "odict" else dict(pairs)
    raise ValueError(f"unknown node type {kind!r}")


# ----------------------------------------------------------------------------- save / load


def _write_npz(fileobj, arrays):
    np.savez(fileobj, **arrays)


def save(obj, f):
    """Write ``obj`` (a state dict, an optimizer state, nested dicts/lists of tensors and
    numbers ...) to the path ``f`` atomically. The name is used as given (no ``.npz`` added)."""
    path = os.fspath(f)
    arrays = {}
    structure = {"format": FORMAT, "version": VERSION, "root": _encode(obj, arrays, "obj")}
    arrays[_STRUCTURE] = np.array(json.dumps(structure))
    atomic_write(path, lambda fh: _write_npz(fh, arrays))


def load(f, map_location=None):
    """Read a checkpoint written by ``save``. ``map_location="cuda"`` puts tensors on the GPU
    (default: CPU). Raises ``FileNotFoundError`` for a missing file and ``CheckpointError``
    naming the path for a truncated, corrupt or foreign file."""
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no checkpoint file at {path!r}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            if _STRUCTURE not in npz.files:
                raise ValueError(f"it has no {_STRUCTURE!r} entry (not written by minigrad.save)")
            structure = json.loads(str(npz[_STRUCTURE][()]))
            if structure.get("format") != FORMAT:
                raise ValueError("its structure is not a minigrad checkpoint")
            if structure.get("version", 0) > VERSION:
                raise ValueError(f"it has format version {structure['version']}; this minigrad "
                                 f"reads up to version {VERSION}")
            arrays = {name: npz[name] for name in npz.files if name != _STRUCTURE}
        return _decode(structure["root"], arrays, map_location)
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, KeyError, IndexError, TypeError,
            OSError, EOFError, NotImplementedError, RuntimeError, struct.error) as e:
        # what zipfile / NumPy / json raise on damaged bytes (ValueError covers JSON errors)
        raise CheckpointError(f"load: {path!r} is not a readable minigrad checkpoint (truncated "
                              f"or corrupt?): {type(e).__name__}: {e}") from e
