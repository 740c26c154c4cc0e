"""Hypothesis strategies for shapes and data used across the op tests."""
import numpy as np
from hypothesis import strategies as st

import minigrad as mg


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Small shapes, 0-d included by default; sizes 1 and odd sizes come up often."""
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcast_pair(draw, max_dims=3):
    """Two shapes that broadcast together (size-1 dims and missing leading dims included)."""
    out = draw(shapes(0, max_dims))
    a, b = [], []
    for s in out:
        a.append(draw(st.sampled_from([s, 1])))
        b.append(draw(st.sampled_from([s, 1])))
    a = tuple(a[draw(st.integers(0, len(a))):])
    b = tuple(b[draw(st.integers(0, len(b))):])
    return a, b


def make(shape, seed, device="cpu", low=-2.0, high=2.0, requires_grad=True, dtype=np.float64):
    """A float64 tensor of uniform values in [low, high) from a seeded NumPy generator."""
    arr = np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)
    return mg.tensor(arr, device=device, requires_grad=requires_grad)


seeds = st.integers(0, 2**31 - 1)
