"""``load_torch(path)``: read a ``torch.save`` file (a state dict, an optimizer's state, nested
dicts and lists of tensors) without PyTorch, and without running anything the file contains.

What ``torch.save`` writes (PyTorch >= 1.6) is a zip file::

    archive/data.pkl          a pickle of the object; each tensor inside it is a call
                              torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
                              stride, requires_grad, backward_hooks), and each storage a
                              "persistent id" ('storage', torch.FloatStorage, key, location, numel)
    archive/data/<key>        the storage's raw bytes (numel elements)
    archive/byteorder         "little" or "big"
    archive/version ...       (not needed here)

A pickle is a small program: its GLOBAL opcodes import any callable by name and REDUCE calls
it, which is how a malicious file runs ``os.system``. The unpickler below looks up every
global in an explicit table -- the tensor and parameter rebuild functions, the storage types,
``collections.OrderedDict`` and ``torch.Size`` -- each mapped to minigrad's own stand-in, never
to PyTorch; any other global is refused with an error naming it, before anything is called.
So nothing in the file is executed, and PyTorch need not be installed.

Tensors come back as minigrad Tensors (``Parameter`` where the file holds one), each an own
contiguous copy: a view (a slice, a transpose: an offset and strides into its storage) is
gathered, and tensors that shared a storage no longer share memory. Storages are read with
their sizes checked against the zip (``minigrad.utils._checkpoint.ZipMembers``), so a hostile
file cannot make the load allocate more than its own size. dtypes keep their NumPy dtype
(float16 included); **bfloat16 becomes float32** (exact). Refused with a clear error: the
legacy non-zip format (PyTorch < 1.6, or ``_use_new_zipfile_serialization=False``), a pickled
``nn.Module`` (``torch.save(model)``: save ``model.state_dict()`` instead), TorchScript
archives, sparse, quantized and other tensor kinds.
"""
from __future__ import annotations

import io
import os
import pickle
from collections import OrderedDict

import numpy as np

from .. import backend
from ..nn.parameter import Parameter
from ..tensor import Tensor
from ._checkpoint import ZipMembers, bfloat16_to_float32, fail, reading

__all__ = ["load_torch"]

_STORAGE_DTYPES = {
    "DoubleStorage": "f8", "FloatStorage": "f4", "HalfStorage": "f2", "BFloat16Storage": "u2",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?", "ComplexDoubleStorage": "c16", "ComplexFloatStorage": "c8",
}


class _StorageType:
    """What the pickle's ``torch.FloatStorage`` (etc.) stands for here: a dtype."""

    def __init__(self, name):
        self.name, self.bfloat16 = name, name == "BFloat16Storage"
        self.code = _STORAGE_DTYPES[name]


class _Storage:
    """One ``data/<key>`` member, read when a tensor first needs it."""

    def __init__(self, loader, kind, key, numel):
        self.loader, self.kind, self.key, self.numel = loader, kind, key, numel
        self._array = None

    def array(self):
        if self._array is None:
            dtype = np.dtype(self.kind.code).newbyteorder(">" if self.loader.big_endian else "<")
            self._array = self.loader.members.read_array(self.loader.prefix + "data/" + self.key,
                                                         (self.numel,), dtype)
        return self._array


class _Rebuilt:
    """A tensor the pickle asked for; turned into a minigrad Tensor after unpickling."""
    __slots__ = ("array", "requires_grad", "parameter")

    def __init__(self, array, requires_grad=False, parameter=False):
        self.array, self.requires_grad, self.parameter = array, requires_grad, parameter

    def __setstate__(self, state):
        raise pickle.UnpicklingError("the pickle sets attributes on a tensor (BUILD), which "
                                     "torch.save never writes")


class _StateDict(OrderedDict):
    """``collections.OrderedDict`` as the pickle sees it: ``state_dict()`` attaches a
    ``_metadata`` attribute (module versions) with BUILD, which is accepted and dropped."""

    def __setstate__(self, state):
        pass


def _is_int(v, low=0):
    return isinstance(v, int) and not isinstance(v, bool) and v >= low


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    """The tensor ``storage[storage_offset:]`` viewed with ``size`` and ``stride`` (elements)."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError(f"a tensor is rebuilt from {type(storage).__name__}, not a storage")
    size, stride = tuple(size), tuple(stride)
    if (not _is_int(storage_offset) or len(size) != len(stride)
            or not all(_is_int(s) for s in size) or not all(_is_int(s) for s in stride)):
        raise pickle.UnpicklingError(f"invalid tensor geometry: offset {storage_offset!r}, size "
                                     f"{size!r}, stride {stride!r}")
    data = storage.array()
    if 0 in size:
        view = np.empty(size, dtype=data.dtype)
    else:
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.numel:
            raise pickle.UnpicklingError(f"a tensor of size {size}, stride {stride} and offset "
                                         f"{storage_offset} reaches element {last} of a storage "
                                         f"of {storage.numel}")
        view = np.lib.stride_tricks.as_strided(data[storage_offset:], shape=size,
                                               strides=[s * data.itemsize for s in stride])
    array = np.array(view, dtype=data.dtype.newbyteorder("="), order="C")
    if storage.kind.bfloat16:
        array = bfloat16_to_float32(array)
    return _Rebuilt(array, bool(requires_grad))


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    if not isinstance(data, _Rebuilt):
        raise pickle.UnpicklingError(f"a parameter is rebuilt from {type(data).__name__}, not a tensor")
    return _Rebuilt(data.array, bool(requires_grad), parameter=True)


def _size(dims=()):
    return tuple(dims)


_GLOBALS = {
    ("collections", "OrderedDict"): _StateDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): _size,
    **{("torch", name): _StorageType(name) for name in _STORAGE_DTYPES},
}


def _refusal(path, module, name):
    what = f"{module}.{name}"
    if module.startswith("__torch__"):
        hint = " (a TorchScript archive, torch.jit.save; load it with PyTorch)"
    elif module.startswith("torch.nn.modules") or module == "__main__":
        hint = " (a pickled module, torch.save(model); save model.state_dict() instead)"
    elif module.startswith("torch"):
        hint = " (a tensor kind or object minigrad does not read: only dense tensors, dicts and lists)"
    else:
        hint = ""
    return fail(path, f"the pickle asks for the global {what}, which is not a tensor, a storage "
                      f"or an OrderedDict; refused before anything ran{hint}")


class _Unpickler(pickle.Unpickler):
    """Resolves globals only through ``_GLOBALS`` and storages only through the zip."""

    def __init__(self, data, loader):
        super().__init__(io.BytesIO(data))
        self.loader, self.storages = loader, {}

    def find_class(self, module, name):
        try:
            return _GLOBALS[(module, name)]
        except (KeyError, TypeError):
            raise _refusal(self.loader.members.path, module, name) from None

    def persistent_load(self, pid):
        if (not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage"
                or not isinstance(pid[1], _StorageType) or not isinstance(pid[2], str)
                or not _is_int(pid[4])):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r} (expected a storage)")
        _, kind, key, _location, numel = pid
        if key not in self.storages:
            self.storages[key] = _Storage(self.loader, kind, key, numel)
        storage = self.storages[key]
        if storage.kind is not kind or storage.numel != numel:
            raise pickle.UnpicklingError(f"storage {key!r} is declared twice with different types or sizes")
        return storage


class _Loader:
    def __init__(self, members, prefix, big_endian):
        self.members, self.prefix, self.big_endian = members, prefix, big_endian


def _convert(obj, device):
    """The unpickled object with every rebuilt tensor made a minigrad Tensor on ``device``."""
    if isinstance(obj, _Rebuilt):
        data = backend.to_device(obj.array, device)
        if obj.parameter:
            return Parameter(data, requires_grad=obj.requires_grad)
        return Tensor(data, requires_grad=obj.requires_grad)
    if isinstance(obj, _Storage):
        raise pickle.UnpicklingError("the file holds a bare storage, not a tensor")
    if isinstance(obj, _StateDict):
        return OrderedDict((k, _convert(v, device)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: _convert(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        items = [_convert(v, device) for v in obj]
        return items if isinstance(obj, list) else tuple(items)
    if isinstance(obj, (_StorageType,)) or callable(obj):
        raise pickle.UnpicklingError(f"the file holds a {type(obj).__name__} object, not data")
    return obj


def load_torch(path, map_location=None):
    """The object a ``torch.save`` file holds (usually a state dict: an ``OrderedDict`` of
    Tensors), with tensors on ``map_location`` (default CPU). Raises ``FileNotFoundError`` for a
    missing file and ``CheckpointError`` naming the file for anything else it cannot read."""
    path = os.fspath(path)
    device = backend.device("cpu" if map_location is None else map_location)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_torch: no file at {path!r}")
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head[:4] != b"PK\x03\x04":
        legacy = head[:1] == b"\x80"
        raise fail(path, "it is PyTorch's legacy (pre-1.6, non-zip) format; re-save it with a "
                         "current PyTorch: torch.save(torch.load(path), path)" if legacy
                   else "it is not a torch.save file (not a zip archive)")
    with reading(path, "torch.save file"), ZipMembers(path) as members:
        pickles = [n for n in members.names() if n == "data.pkl" or n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise fail(path, f"it holds {len(pickles)} data.pkl members; a torch.save file has one")
        prefix = pickles[0][:-len("data.pkl")]
        big_endian = False
        if prefix + "byteorder" in members:
            order = members.read_bytes(prefix + "byteorder", members.info(prefix + "byteorder").file_size)
            if order not in (b"little", b"big"):
                raise fail(path, f"its byteorder is {order[:20]!r}")
            big_endian = order == b"big"
        if any(n.startswith(prefix + "code/") for n in members.names()):
            raise fail(path, "it is a TorchScript archive (torch.jit.save); minigrad reads "
                             "torch.save files of tensors")
        data = members.read_bytes(pickles[0], members.info(pickles[0]).file_size)
        obj = _Unpickler(data, _Loader(members, prefix, big_endian)).load()
        return _convert(obj, device)
