"""NumPy's spellings of PyTorch's argument names: every PyTorch function and Tensor method that
takes ``dim``/``keepdim`` also takes ``axis``/``keepdims``. The ops and Tensor's methods that
take them carry the ``@numpy_spellings`` decorator, which also refuses a ``keepdim`` that is not
a bool (``keepdim=1``, ``keepdim=None``), as PyTorch does.

This module imports nothing of minigrad, so that ``tensor.py`` can use the decorator in the
class body, before the ops exist."""
from __future__ import annotations

import functools
import inspect
import sys

import numpy as np

NUMPY_SPELLINGS = (("axis", "dim"), ("keepdims", "keepdim"))


def numpy_spellings(fn, renamed=None):
    """``fn`` accepting NumPy's ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``;
    ``fn`` itself if it has neither parameter. A ``keepdim`` given must be a bool.

    ``renamed(exc, args, kwargs)``, if given, turns an exception ``fn`` raises into the one to
    raise instead (or None to let it pass): how ``errors_named`` makes one wrapper that both
    respells and names the op, instead of two nested ones."""
    params = inspect.signature(fn).parameters
    aliases = tuple((alias, name) for alias, name in NUMPY_SPELLINGS if name in params)
    if not aliases:
        return fn
    spelled = {"keepdim"} | {alias for alias, _ in aliases}     # the keywords to look at
    names = list(params)
    keepdim_at = names.index("keepdim") if "keepdim" in params and \
        params["keepdim"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD else sys.maxsize  # (never)

    @functools.wraps(fn)
    def accepting(*args, **kwargs):
        try:
            if kwargs and not spelled.isdisjoint(kwargs):
                kwargs = _respelled(fn, aliases, kwargs)
            if len(args) > keepdim_at and type(args[keepdim_at]) is not bool:
                _check_keepdim(fn, args[keepdim_at])
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - ``renamed`` passes on all it does not rename
            replacement = None if renamed is None else renamed(exc, args, kwargs)
            if replacement is None:
                raise
            raise replacement from exc

    accepting.unspelled = fn
    return accepting


def _respelled(fn, aliases, kwargs):
    """``kwargs`` (the wrapper's own dict) with each NumPy spelling replaced by PyTorch's, and
    its ``keepdim`` checked."""
    for alias, name in aliases:
        if alias in kwargs:
            if name in kwargs:
                raise TypeError(f"{fn.__name__}: got both {name}= and its alias {alias}=")
            kwargs[name] = kwargs.pop(alias)
    if "keepdim" in kwargs:
        _check_keepdim(fn, kwargs["keepdim"])
    return kwargs


def _check_keepdim(fn, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn.__name__}: keepdim must be a bool, got {value!r} ({type(value).__name__})")
