"""NumPy's spellings of PyTorch's argument names: every PyTorch function and Tensor method that
takes ``dim``/``keepdim`` also takes ``axis``/``keepdims``. The ops and Tensor's methods that
take them carry the ``@numpy_spellings`` decorator.

This module imports nothing of minigrad, so that ``tensor.py`` can use the decorator in the
class body, before the ops exist."""
from __future__ import annotations

import functools
import inspect

NUMPY_SPELLINGS = (("axis", "dim"), ("keepdims", "keepdim"))


def numpy_spellings(fn):
    """``fn`` accepting NumPy's ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``;
    ``fn`` itself if it has neither parameter."""
    params = inspect.signature(fn).parameters
    aliases = tuple((alias, name) for alias, name in NUMPY_SPELLINGS if name in params)
    if not aliases:
        return fn

    @functools.wraps(fn)
    def accepting(*args, **kwargs):
        if kwargs:
            for alias, name in aliases:
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}: got both {name}= and its alias {alias}=")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return accepting
