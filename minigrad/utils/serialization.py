"""``minigrad.save(obj, path)`` / ``minigrad.load(path)``: checkpoints without pickle.

A checkpoint is an ordinary ``.npz`` file (NumPy's zip of ``.npy`` arrays). Every array in
``obj`` (Tensor data, NumPy arrays, NumPy scalars) becomes one entry ``a0, a1, ...``; the
structure around them — dicts (any JSON-able keys: str, int, float, bool, None, tuples),
lists, tuples, numbers, strings, None — is written as JSON in the entry ``__structure__``.
A checkpoint can hold data, never code: nothing is ever unpickled.

``save(..., format="safetensors")``, or a path ending in ``.safetensors``, writes a flat
``{name: tensor}`` dict (a state dict) as safetensors instead (``minigrad.utils.safetensors``).
``load`` recognises the three formats it reads by their first bytes: minigrad's ``.npz``,
safetensors, and PyTorch's ``torch.save`` zip (read by ``minigrad.utils.load_torch``).

Saving is atomic: the file is written to a temporary file in the same directory, flushed to
disk and then renamed over ``path`` (``minigrad.utils._atomic``); a save that fails or is killed
half-way leaves the previous file untouched, and the next save removes the temporary file a
killed one left behind.

Loading checks everything before trusting it, and every failure is a ``CheckpointError`` (a
``RuntimeError``) naming the file: a truncated or bit-flipped file (the zip's CRCs), a
``.npy`` header whose shape does not match its member's size, a compressed member (``save``
never writes one; it could inflate without bound), a structure that is not what ``save``
writes (wrong JSON types, a dict with fewer values than keys, a reference to a member that is
not a ``.npy`` array). A load never allocates more memory than the file's size.

Differences from ``torch.save``/``torch.load``: no arbitrary Python objects (classes,
functions); tensors come back on the CPU unless ``map_location="cuda"``; a ``Parameter``
comes back as a ``Parameter``, any other tensor as a plain ``Tensor`` with its
``requires_grad``; ``weights_only`` is accepted and changes nothing (minigrad never unpickles,
so every load is as safe as ``weights_only=True``).
"""
from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict

import numpy as np

from .. import backend
from ..nn.parameter import Parameter
from ..tensor import Tensor
from ._atomic import atomic_write
from ._checkpoint import CheckpointError, ZipMembers, fail, reading
from .safetensors import load_safetensors, save_safetensors
from .torch_checkpoint import load_torch

__all__ = ["CheckpointError", "save", "load"]

FORMAT = "minigrad-checkpoint"
VERSION = 1
_STRUCTURE = "__structure__"
_FORMATS = ("npz", "safetensors")


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


# ----------------------------------------------------------------------------- decode

_FIELDS = {"tensor": {"a": str, "requires_grad": bool}, "parameter": {"a": str, "requires_grad": bool},
           "ndarray": {"a": str}, "scalar": {"a": str}, "list": {"v": list}, "tuple": {"v": list},
           "dict": {"k": list, "v": list}, "odict": {"k": list, "v": list}}


class _Decoder:
    """Rebuilds ``obj`` from its structure, checking every node against what ``_encode`` writes
    and reading each referenced array (once) from the zip."""

    def __init__(self, members, map_location):
        self.members, self.map_location, self.used = members, map_location, set()

    def bad(self, message):
        return fail(self.members.path, f"its structure is not one minigrad.save writes: {message}")

    def array(self, name):
        member = name + ".npy"
        if name in self.used:
            raise self.bad(f"array {name!r} is referenced twice")
        if name == _STRUCTURE or member not in self.members:
            raise self.bad(f"it refers to {name!r}, which is not one of its .npy arrays")
        self.used.add(name)
        return self.members.read_npy(member)

    def decode(self, node, where="root"):
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if not isinstance(node, dict):
            raise self.bad(f"{where} is a JSON {type(node).__name__}, not a node")
        kind = node.get("t")
        if kind not in _FIELDS:
            raise self.bad(f"{where} has an unknown node type {kind!r}")
        for key, typ in _FIELDS[kind].items():
            if not isinstance(node.get(key), typ):
                raise self.bad(f"{where} ({kind}) needs a {typ.__name__} {key!r}, got {node.get(key)!r}")
        if kind in ("tensor", "parameter"):
            data = self.array(node["a"])
            if data.dtype.kind not in "biufc":
                raise self.bad(f"{where} is a tensor of dtype {data.dtype}")
            if self.map_location is not None:
                data = backend.to_device(data, self.map_location)
            if kind == "parameter":
                return Parameter(data, requires_grad=node["requires_grad"])
            return Tensor(data, requires_grad=node["requires_grad"])
        if kind == "ndarray":
            return self.array(node["a"])
        if kind == "scalar":
            data = self.array(node["a"])
            if data.shape != ():
                raise self.bad(f"{where} is a scalar of shape {data.shape}")
            return data[()]
        if kind in ("list", "tuple"):
            items = [self.decode(v, f"{where}[{i}]") for i, v in enumerate(node["v"])]
            return tuple(items) if kind == "tuple" else items
        if len(node["k"]) != len(node["v"]):
            raise self.bad(f"{where} is a dict with {len(node['k'])} keys and {len(node['v'])} values")
        out = OrderedDict() if kind == "odict" else {}
        for i, (k, v) in enumerate(zip(node["k"], node["v"])):
            key = self.decode(k, f"{where} key {i}")
            try:
                hash(key)
            except TypeError:
                raise self.bad(f"{where} key {i} is a {type(key).__name__}, which cannot be a key") from None
            out[key] = self.decode(v, f"{where}[{key!r}]")
        return out


# ----------------------------------------------------------------------------- save / load


def _write_npz(fileobj, arrays):
    np.savez(fileobj, **arrays)


def _format_of(path, format):
    if format is None:
        return "safetensors" if str(path).endswith(".safetensors") else "npz"
    if format not in _FORMATS:
        raise ValueError(f"save: unknown format {format!r}; expected one of {_FORMATS}")
    return format


def save(obj, f, format=None):
    """Write ``obj`` (a state dict, an optimizer state, nested dicts/lists of tensors and
    numbers ...) to the path ``f`` atomically. The name is used as given (no ``.npz`` added).

    ``format``: ``"npz"`` (minigrad's checkpoint, the default) or ``"safetensors"`` (a flat
    ``{str: tensor}`` dict only); ``None`` picks safetensors for a ``.safetensors`` path."""
    path = os.fspath(f)
    if _format_of(path, format) == "safetensors":
        save_safetensors(obj, path)
        return
    arrays = {}
    structure = {"format": FORMAT, "version": VERSION, "root": _encode(obj, arrays, "obj")}
    arrays[_STRUCTURE] = np.array(json.dumps(structure))
    atomic_write(path, lambda fh: _write_npz(fh, arrays))


def _sniff(path):
    """'npz', 'torch', 'safetensors' or None, from the file's first bytes and zip listing."""
    with open(path, "rb") as fh:
        head = fh.read(9)
    if head[:4] == b"PK\x03\x04" or head[:4] == b"PK\x05\x06":
        with reading(path, "checkpoint (zip)"), zipfile.ZipFile(path) as zf:
            names = zf.namelist()
        if _STRUCTURE + ".npy" in names:
            return "npz"
        if any(n.endswith("/data.pkl") or n == "data.pkl" for n in names):
            return "torch"
        return None
    if len(head) == 9 and head[8:9] == b"{":
        return "safetensors"
    if head[:1] == b"\x80":
        return "torch"         # a bare pickle: PyTorch's legacy format, which load_torch refuses
    return None


def _load_npz(path, map_location):
    with reading(path, "minigrad checkpoint"), ZipMembers(path) as members:
        if _STRUCTURE + ".npy" not in members:
            raise fail(path, f"it has no {_STRUCTURE!r} entry (not written by minigrad.save)")
        text = members.read_npy(_STRUCTURE + ".npy")
        if text.shape != () or text.dtype.kind != "U":
            raise fail(path, f"its {_STRUCTURE!r} entry is not a string")
        structure = json.loads(str(text[()]))
        if not isinstance(structure, dict):
            raise fail(path, f"its {_STRUCTURE!r} is a JSON {type(structure).__name__}, not an object")
        if structure.get("format") != FORMAT or "root" not in structure:
            raise fail(path, "its structure is not a minigrad checkpoint")
        version = structure.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise fail(path, f"its structure has no valid version ({version!r})")
        if version > VERSION:
            raise fail(path, f"it has format version {version}; this minigrad reads up to "
                             f"version {VERSION}")
        return _Decoder(members, map_location).decode(structure["root"])


def load(f, map_location=None, *, weights_only=None, format=None):
    """Read a checkpoint: minigrad's own (``save``), safetensors, or a ``torch.save`` file.

    ``map_location="cuda"`` puts tensors on the GPU (default: CPU). ``weights_only`` is
    accepted for PyTorch compatibility; every minigrad load is weights-only (nothing is
    unpickled). ``format`` (``"npz"``, ``"safetensors"``, ``"torch"``) skips the detection.
    Raises ``FileNotFoundError`` for a missing file and ``CheckpointError`` naming the path for
    a truncated, corrupt, hostile or foreign file."""
    if weights_only not in (None, True, False):
        raise TypeError(f"load: weights_only must be a bool or None, got {weights_only!r}")
    path = os.fspath(f)
    if map_location is not None:
        map_location = backend.device(map_location)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no checkpoint file at {path!r}")
    if format is None:
        format = _sniff(path)
        if format is None:
            raise fail(path, "it is neither a minigrad checkpoint (.npz with a __structure__), "
                             "nor safetensors, nor a torch.save file")
    if format == "npz":
        return _load_npz(path, map_location)
    if format == "safetensors":
        return load_safetensors(path, device="cpu" if map_location is None else map_location)
    if format == "torch":
        return load_torch(path, map_location=map_location)
    raise ValueError(f"load: unknown format {format!r}; expected 'npz', 'safetensors' or 'torch'")
