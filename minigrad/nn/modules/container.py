"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict.

They register what they hold under the keys "0", "1", ... (lists) or the given names
(dicts), so ``state_dict`` keys read ``0.weight``, ``blocks.2.bias``, as in PyTorch.
"""
from __future__ import annotations

from collections import OrderedDict

from ...tensor import Tensor
from ..parameter import Parameter
from .module import Module


def _index(op, idx, n):
    if not isinstance(idx, int):
        raise TypeError(f"{op}: indices must be integers or slices, got {type(idx).__name__}")
    if not -n <= idx < n:
        raise IndexError(f"{op}: index {idx} is out of range for length {n}")
    return idx % n


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: length, iteration over the modules, append."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class Sequential(_ModuleSequence):
    """Modules called in order, each on the previous one's output.
    ``Sequential(a, b, c)`` or ``Sequential(OrderedDict([("fc", a), ...]))``."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, mod in args[0].items():
                self.add_module(name, mod)
        else:
            for i, mod in enumerate(args):
                self.add_module(str(i), mod)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index("Sequential", idx, len(self))]

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index("Sequential", idx, len(self))]
        self.add_module(key, module)

    def __delitem__(self, idx):
        keys = list(self._modules)
        for key in (keys[idx] if isinstance(idx, slice) else [keys[_index("Sequential", idx, len(self))]]):
            del self._modules[key]
        # renumber so that indices stay 0..n-1 (as PyTorch)
        items = list(self._modules.items())
        self._modules.clear()
        for i, (key, mod) in enumerate(items):
            self._modules[str(i) if key.isdigit() else key] = mod

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules, registered as children (indexable, iterable; no forward)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index("ModuleList", idx, len(self)))]

    def __setitem__(self, idx, module):
        self.add_module(str(_index("ModuleList", idx, len(self))), module)

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._modules.clear()
        self.extend(mods)


class _DictContainer(Module):
    """The dict protocol shared by ModuleDict and ParameterDict, over the registry named by
    ``_registry`` (``"_modules"`` or ``"_parameters"``); ``__setitem__`` registers (each
    class its own kind), so ``update`` and ``d[k] = v`` go through the usual checks."""

    _registry = ""

    def _entries(self):
        return getattr(self, self._registry)

    def __getitem__(self, key):
        return self._entries()[key]

    def __delitem__(self, key):
        del self._entries()[key]

    def __len__(self):
        return len(self._entries())

    def __iter__(self):
        return iter(self._entries())

    def __contains__(self, key):
        return key in self._entries()

    def keys(self):
        return self._entries().keys()

    def values(self):
        return self._entries().values()

    def items(self):
        return self._entries().items()

    def update(self, entries):
        items = entries.items() if hasattr(entries, "items") else entries
        for k, v in items:
            self[k] = v


class ModuleDict(_DictContainer):
    """A dict of modules, registered as children under their keys (insertion order)."""

    _registry = "_modules"

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def pop(self, key):
        return self._modules.pop(key)


def _as_parameter(value):
    return value if isinstance(value, Parameter) or not isinstance(value, Tensor) else Parameter(value)


def _parameters_repr(self):
    """extra_repr of ParameterList and ParameterDict: one line per parameter."""
    return "\n".join(f"({k}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
                     for k, p in self._parameters.items())


class ParameterList(Module):
    """A list of parameters (tensors are wrapped in Parameter), registered as "0", "1", ..."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        return self._parameters[str(_index("ParameterList", idx, len(self)))]

    def __setitem__(self, idx, param):
        self.register_parameter(str(_index("ParameterList", idx, len(self))), _as_parameter(param))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, value):
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    extra_repr = _parameters_repr


class ParameterDict(_DictContainer):
    """A dict of parameters (tensors are wrapped in Parameter), registered under their keys."""

    _registry = "_parameters"

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value))

    extra_repr = _parameters_repr
