"""``write_metrics(path, metrics)``: a lesson's results as a small JSON file, written atomically.

Tensors, NumPy numbers and arrays become plain JSON numbers and lists, so other tools (the
README table, CI checks) can read the file without minigrad.
"""
from __future__ import annotations

import json
import os

from .. import backend
from ..tensor import Tensor
from ._atomic import atomic_write


def _plain(obj):
    if isinstance(obj, Tensor):
        obj = obj.data
    if hasattr(obj, "shape") and hasattr(obj, "dtype"):
        arr = backend.to_numpy(obj) if hasattr(obj, "__cuda_array_interface__") else obj
        return arr.tolist() if hasattr(arr, "tolist") else arr
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def write_metrics(path, metrics):
    """Write ``metrics`` (a dict of numbers, strings, lists, tensors ...) as indented JSON."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    text = json.dumps(_plain(metrics), indent=2, sort_keys=True) + "\n"
    atomic_write(path, lambda fh: fh.write(text), binary=False)
    return path


def read_metrics(path):
    with open(path) as fh:
        return json.load(fh)
