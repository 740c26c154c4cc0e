"""``cupy.random``: the Generator API with CuPy's methods (and none of NumPy's others).

``cupy.random.Generator`` has ``random``, ``uniform``, ``integers``, ``standard_normal``,
``standard_exponential``, ``exponential``, the gamma family, ``beta``, ``poisson``,
``binomial``, ``geometric`` -- but no ``normal``, ``permutation``, ``shuffle`` or ``choice``
(those exist only in the legacy module-level API). Draws are device arrays (0-d when ``size`` is
None) and differ from a NumPy ``PCG64`` stream with the same seed, as cuRAND's do.
"""
from __future__ import annotations

import numpy as np

from ._array import ndarray, storage, wrap


class BitGenerator:
    def __init__(self, seed=None):
        if type(seed) is ndarray:
            seed = seed.get()
        self._seed_seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._np = np.random.Generator(np.random.Philox(self._seed_seq))


class XORWOW(BitGenerator):
    def __init__(self, seed=None, *, size=-1):
        super().__init__(seed)


class MRG32k3a(XORWOW):
    pass


class Philox4x3210(XORWOW):
    pass


def _float_dtype(dtype, what):
    dtype = np.dtype(dtype)
    if dtype.char not in "fd":
        raise TypeError(f"Unsupported dtype {dtype.name} for {what}")
    return dtype


def _size(size):
    return () if size is None else size


def _param(x):
    return storage(x) if type(x) is ndarray else x


class Generator:
    def __init__(self, bit_generator):
        self.bit_generator = bit_generator
        self._g = bit_generator._np

    def random(self, size=None, dtype=np.float64, out=None):
        r = self._g.random(_size(size), dtype=_float_dtype(dtype, "random"))
        if out is not None:
            out._a[...] = r
            return out
        return wrap(np.asarray(r))

    def uniform(self, low=0.0, high=1.0, size=None, dtype=np.float64):
        r = self._g.uniform(_param(low), _param(high), size)
        return wrap(np.asarray(r).astype(dtype, copy=False))

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        lo, hi = (0, int(low)) if high is None else (int(low), int(high))
        if lo > hi - (0 if endpoint else 1):
            raise ValueError("low >= high")
        return wrap(np.asarray(self._g.integers(lo, hi, _size(size), dtype=dtype, endpoint=endpoint)))

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        r = self._g.standard_normal(_size(size), dtype=_float_dtype(dtype, "standard_normal"))
        if out is not None:
            out._a[...] = r
            return out
        return wrap(np.asarray(r))

    def standard_exponential(self, size=None, dtype=np.float64, method="inv", out=None):
        r = self._g.standard_exponential(_size(size), dtype=_float_dtype(dtype, "standard_exponential"))
        return wrap(np.asarray(r))

    def exponential(self, scale=1.0, size=None):
        return wrap(np.asarray(self._g.exponential(_param(scale), size)))

    def standard_gamma(self, shape, size=None, dtype=np.float64, out=None):
        return wrap(np.asarray(self._g.standard_gamma(_param(shape), size).astype(dtype, copy=False)))

    def gamma(self, shape, scale=1.0, size=None):
        return wrap(np.asarray(self._g.gamma(_param(shape), _param(scale), size)))

    def beta(self, a, b, size=None, dtype=np.float64):
        return wrap(np.asarray(self._g.beta(_param(a), _param(b), size).astype(dtype, copy=False)))

    def chisquare(self, df, size=None):
        return wrap(np.asarray(self._g.chisquare(_param(df), size)))

    def poisson(self, lam=1.0, size=None):
        return wrap(np.asarray(self._g.poisson(_param(lam), size)))

    def binomial(self, n, p, size=None):
        return wrap(np.asarray(self._g.binomial(_param(n), _param(p), size)))

    def geometric(self, p, size=None):
        return wrap(np.asarray(self._g.geometric(_param(p), size)))


def default_rng(seed=None):
    return Generator(XORWOW(seed))


# ----------------------------------------------------------------------------- legacy module API
_state = np.random.RandomState(np.random.SeedSequence(0).generate_state(1)[0])


def seed(seed=None):
    _state.seed(None if seed is None else np.random.SeedSequence(seed).generate_state(1)[0])


def rand(*size, dtype=float):
    return wrap(np.asarray(_state.random_sample(size)).astype(dtype))


def randn(*size, dtype=float):
    return wrap(np.asarray(_state.standard_normal(size)).astype(dtype))


def random(size=None, dtype=float):
    return wrap(np.asarray(_state.random_sample(size)).astype(dtype))


random_sample = random


def randint(low, high=None, size=None, dtype=int):
    return wrap(np.asarray(_state.randint(low, high, size, dtype=dtype)))


def normal(loc=0.0, scale=1.0, size=None, dtype=float):
    return wrap(np.asarray(_state.normal(_param(loc), _param(scale), size)).astype(dtype))


def uniform(low=0.0, high=1.0, size=None, dtype=float):
    return wrap(np.asarray(_state.uniform(_param(low), _param(high), size)).astype(dtype))


def standard_normal(size=None, dtype=float):
    return wrap(np.asarray(_state.standard_normal(size)).astype(dtype))


def permutation(a):
    return wrap(_state.permutation(storage(a)))


def shuffle(a):
    _state.shuffle(a._a)


def choice(a, size=None, replace=True, p=None):
    return wrap(np.asarray(_state.choice(storage(a), size, replace, storage(p))))
