"""An accurate erf for NumPy arrays: NumPy has none, so Numba vectorizes ``math.erf``."""
import math

import numba


@numba.vectorize(["float32(float32)", "float64(float64)"], cache=True)
def erf_numba(x):
    return math.erf(x)
