"""Recipes: plain, picklable descriptions of a probe's arguments.

A probe never ships a tensor between processes; it ships a recipe, and ``build`` turns the
recipe into the same value for minigrad and for PyTorch (the same bytes, from a seeded NumPy
generator), so that the two libraries see exactly the same call. A failing probe prints its
recipe, which is all it takes to reproduce it.
"""
from __future__ import annotations

import contextlib
from typing import NamedTuple

import numpy as np


class T(NamedTuple):
    """A tensor. ``fill`` says what is in it:

    normal | positive | negative | unit (in (0, 1)) | zeros | ones | int:K (0..K-1) | bool |
    nan / inf / ninf (normal values with one NaN / +inf / -inf) | large (-1e9 + normal) |
    huge (normal * 1e30) | range (0, 1, 2, ...)

    ``layout`` "noncontiguous" builds a transposed view (ndim >= 2); ``grad`` makes it a leaf
    that requires grad (float dtypes only).
    """
    shape: tuple
    dtype: str = "float32"
    fill: str = "normal"
    grad: bool = False
    layout: str = "contiguous"

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in (("fill", self.fill), ("grad", self.grad),
                                                      ("layout", self.layout))
                        if v != T._field_defaults[k])
        return f"T({self.shape!r}, {self.dtype!r}{extra})"


class Arr(NamedTuple):
    """A NumPy array (not a tensor), made like ``T``'s data."""
    shape: tuple
    dtype: str = "float32"
    fill: str = "normal"


class D(NamedTuple):
    """A dtype by name ("float32", "int64" ...), as ``minigrad.<name>`` / ``torch.<name>``."""
    name: str


class Fn(NamedTuple):
    """A callable from ``FUNCTIONS`` by name (lr_lambda, collate_fn ...)."""
    name: str


class Raw(NamedTuple):
    """A value passed as is to both libraries, shown by its ``label``."""
    label: str


FUNCTIONS = {
    "decay": lambda epoch: 0.9 ** epoch,
    "constant": lambda epoch: 1.0,
    "negative": lambda epoch: -1.0,
    "raises": lambda epoch: 1 / 0,
}

RAW = {
    "object": object(),
    "set": {1, 2},
    "complex": 1 + 2j,
    "bytes": b"ab",
    "ellipsis": Ellipsis,
}


def array(r, rng):
    """The NumPy data of a ``T`` or ``Arr`` recipe."""
    shape = tuple(r.shape)
    fill = r.fill
    if fill == "normal":
        a = rng.standard_normal(shape)
    elif fill == "positive":
        a = rng.uniform(0.1, 2.0, shape)
    elif fill == "negative":
        a = -rng.uniform(0.1, 2.0, shape)
    elif fill == "unit":
        a = rng.uniform(0.05, 0.95, shape)
    elif fill == "zeros":
        a = np.zeros(shape)
    elif fill == "ones":
        a = np.ones(shape)
    elif fill == "range":
        a = np.arange(int(np.prod(shape))).reshape(shape)
    elif fill.startswith("int:"):
        a = rng.integers(0, max(int(fill[4:]), 1), shape)
    elif fill == "bool":
        a = rng.integers(0, 2, shape).astype(bool)
    elif fill in ("nan", "inf", "ninf"):
        a = rng.standard_normal(shape)
        if a.size:
            a.flat[rng.integers(0, a.size)] = {"nan": np.nan, "inf": np.inf, "ninf": -np.inf}[fill]
    elif fill == "large":
        a = -1e9 + rng.standard_normal(shape)
    elif fill == "huge":
        a = rng.standard_normal(shape) * 1e30
    else:
        raise ValueError(f"unknown fill {fill!r}")
    with np.errstate(all="ignore"):
        out = np.asarray(a).astype(r.dtype)
    return widened(out)


_WIDEN = []       # (made float64?, a Generator moving the values by float32 rounding errors, or None)
UNIT_ROUNDOFF = 2.0 ** -24      # float32's: the relative error of rounding a real number to float32


def widened(a):
    """A float32 array as the innermost ``float32_as_float64``/``float32_moved`` block makes it:
    float64 with the same values, or float32 values each moved by a float32 rounding error (times
    1 + e, e uniform in +-float32's unit roundoff, rounded back to float32: the value or a
    neighbour); outside them, ``a``."""
    if not _WIDEN or a.dtype != np.float32:
        return a
    wide, rng = _WIDEN[-1]
    if rng is None:
        return a.astype(np.float64)
    with np.errstate(all="ignore"):
        moved = (a.astype(np.float64) * (1.0 + UNIT_ROUNDOFF * rng.uniform(-1.0, 1.0, a.shape))).astype(np.float32)
    return np.where(np.isfinite(a), moved, a)


@contextlib.contextmanager
def _widening(wide, rng):
    _WIDEN.append((wide, rng))
    try:
        yield
    finally:
        _WIDEN.pop()


def float32_as_float64():
    """Inside: every float32 array a recipe builds (and every float32 parameter a PyTorch module
    takes from minigrad's) is made float64 after it is made (the same values, not new draws): the
    judge's float64 oracle."""
    return _widening(True, None)


def float32_moved(rng):
    """Inside: every such float32 array is moved by a float32 rounding error (``widened``): data
    as well represented in float32 as the probe's own, to see how far float32 results move."""
    return _widening(False, rng)


def build(recipe, lib, rng, leaves):
    """The value ``recipe`` describes, for ``lib`` ("mg" or "torch"). Tensors that require grad
    are appended to ``leaves`` (to compare their gradients afterwards)."""
    if isinstance(recipe, T):
        a = array(recipe, rng)
        noncontiguous = recipe.layout == "noncontiguous" and a.ndim >= 2
        base = np.ascontiguousarray(a.swapaxes(-1, -2)) if noncontiguous else a
        grad = recipe.grad and a.dtype.kind == "f"
        if lib == "mg":
            import minigrad as mg
            t = mg.tensor(base)
            if noncontiguous:
                t = t.transpose(-1, -2)
            if grad:
                t = t.detach().requires_grad_(True)
        else:
            import torch
            t = torch.from_numpy(base.copy())
            if noncontiguous:
                t = t.transpose(-1, -2)
            if grad:
                t = t.detach().requires_grad_(True)
        if grad:
            leaves.append(t)
        return t
    if isinstance(recipe, Arr):
        return array(recipe, rng)
    if isinstance(recipe, D):
        if lib == "mg":
            import minigrad as mg
            return getattr(mg, recipe.name)
        import torch
        return getattr(torch, recipe.name)
    if isinstance(recipe, Fn):
        return FUNCTIONS[recipe.name]
    if isinstance(recipe, Raw):
        return RAW[recipe.label]
    if isinstance(recipe, tuple) and type(recipe) is tuple:
        return tuple(build(r, lib, rng, leaves) for r in recipe)
    if isinstance(recipe, list):
        return [build(r, lib, rng, leaves) for r in recipe]
    if isinstance(recipe, dict):
        return {k: build(v, lib, rng, leaves) for k, v in recipe.items()}
    return recipe


def tensors_in(recipe):
    """Every ``T`` inside a recipe."""
    if isinstance(recipe, T):
        yield recipe
    elif isinstance(recipe, (tuple, list)) and not isinstance(recipe, (Arr, D, Fn, Raw)):
        for r in recipe:
            yield from tensors_in(r)
    elif isinstance(recipe, dict):
        for r in recipe.values():
            yield from tensors_in(r)
