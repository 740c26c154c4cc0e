"""NumPy's spellings of PyTorch's argument names: every PyTorch function and Tensor method that
takes ``dim``/``keepdim`` also takes ``axis``/``keepdims``. The ops and Tensor's methods that
take them carry the ``@numpy_spellings`` decorator, which also refuses a ``keepdim`` that is not
a bool (``keepdim=1``, ``keepdim=None``), as PyTorch does.

This module imports nothing of minigrad, so that ``tensor.py`` can use the decorator in the
class body, before the ops exist."""
from __future__ import annotations

import functools
import inspect

import numpy as np

NUMPY_SPELLINGS = (("axis", "dim"), ("keepdims", "keepdim"))


def numpy_spellings(fn):
    """``fn`` accepting NumPy's ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``;
    ``fn`` itself if it has neither parameter. A ``keepdim`` given must be a bool."""
    params = inspect.signature(fn).parameters
    aliases = tuple((alias, name) for alias, name in NUMPY_SPELLINGS if name in params)
    if not aliases:
        return fn
    names = list(params)
    keepdim_at = names.index("keepdim") if "keepdim" in params and \
        params["keepdim"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD else None

    @functools.wraps(fn)
    def accepting(*args, **kwargs):
        if kwargs:
            for alias, name in aliases:
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}: got both {name}= and its alias {alias}=")
                    kwargs[name] = kwargs.pop(alias)
            if "keepdim" in kwargs:
                _check_keepdim(fn, kwargs["keepdim"])
        if keepdim_at is not None and len(args) > keepdim_at:
            _check_keepdim(fn, args[keepdim_at])
        return fn(*args, **kwargs)

    return accepting


def _check_keepdim(fn, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn.__name__}: keepdim must be a bool, got {value!r} ({type(value).__name__})")
