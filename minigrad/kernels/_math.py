"""Scalar math that the CPU and the CUDA kernels share: ``fast_exp``, ``sigmoid``, ``tanh``.

Each is a plain Python function -- the readable definition, and what Numba's CUDA simulator
runs -- with one compiled implementation per target, so that a per-element function calling
``sigmoid(z)`` compiles for both (``njit`` on the CPU, ``cuda.jit(device=True)`` on CUDA):

* CPU: Numba calls libm's ``expf`` one element at a time (about 5 ns here: no SVML), which
  would dominate the fused kernels. For float32, ``fast_exp`` computes exp(x) = 2^n * 2^r with
  n = round(x / ln 2), |r| <= 1/2, a degree-6 polynomial for 2^r and the exponent bits for 2^n:
  plain float/int arithmetic, so the loop around it vectorises (about 3 ulp; results below
  2^-126 flush to 0; NaN stays NaN). Callers pass x <= 0 (exp(-inf) = 0), which ``sigmoid`` and
  ``tanh`` arrange by working from -|x|. float64 uses ``math.exp`` (accuracy over speed).
* CUDA: the hardware's ``exp``/``expf`` (registered on the first CUDA use: importing
  numba.cuda costs about a second).

Constants are float32 (``ONE``, ``INF``, ...): exact in both precisions, so float32 data stays
float32 and float64 data float64 (a float64 literal would promote float32 math to float64).
"""
import functools
import math
import types as pytypes

import numpy as np
from llvmlite import ir
from numba import float32, int32, types
from numba.extending import intrinsic, overload

ONE = np.float32(1.0)
TWO = np.float32(2.0)
ZERO = np.float32(0.0)
INF = np.float32(np.inf)


def fast_exp(x):
    """exp(x) for x <= 0 (see the module docstring), in x's precision."""
    return type(x)(math.exp(x))


def sigmoid(x):
    """1 / (1 + exp(-x)), from exp(-|x|) so that nothing overflows."""
    e = fast_exp(-abs(x))
    return ONE / (ONE + e) if x >= ZERO else e / (ONE + e)


def tanh(x):
    """tanh(x) = sign(x) (1 - e) / (1 + e) with e = exp(-2|x|): one exp, several times faster
    than libm's tanh in a Numba loop; absolute error about one machine epsilon."""
    a = abs(x)
    e = fast_exp(-(a + a))
    y = (ONE - e) / (ONE + e)
    return y if x >= ZERO else -y


# ----------------------------------------------------------------------------- CPU implementations

@intrinsic
def _f32_from_bits(typingctx, bits):
    """Reinterpret an int32's bits as a float32 (no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


def _exp32(x):
    t = x * float32(1.4426950408889634)                 # x / ln 2
    t = max(t, float32(-126.0))
    k = int32(t + float32(127.5))                        # floor(t + 1/2) + 127: the biased exponent
    r = t - float32(int32(k - int32(127)))               # in [-1/2, 1/2]
    p = float32(1.5353362e-4)                            # 2^r, minimax on [-1/2, 1/2]
    p = p * r + float32(1.3398874e-3)
    p = p * r + float32(9.6181291e-3)
    p = p * r + float32(5.5504109e-2)
    p = p * r + float32(2.4022650e-1)
    p = p * r + float32(6.9314718e-1)
    p = p * r + float32(1.0)
    y = p * _f32_from_bits(int32(k << int32(23)))
    if t > float32(-126.0):
        return y
    return x if x != x else float32(0.0)                 # NaN stays NaN; tiny results flush to 0


def _exp64(x):
    return math.exp(x)


@overload(fast_exp, target="cpu")
def _fast_exp_cpu(x):
    return _exp32 if x == types.float32 else _exp64


# ----------------------------------------------------------------------------- shared scalar functions

_SHARED = []


def shared(fn):
    """Make the plain scalar function ``fn`` callable by name from CPU kernels now and from
    CUDA kernels after ``register_cuda`` (a small helper that a per-element function calls)."""
    impl = pytypes.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    typer = functools.wraps(fn)(lambda *args: impl)      # Numba wants a second object, same signature
    overload(fn, target="cpu")(typer)
    _SHARED.append((fn, typer))
    return fn


shared(sigmoid)
shared(tanh)


# ----------------------------------------------------------------------------- CUDA implementations

_cuda_registered = False


def register_cuda():
    """Give fast_exp and the shared functions their CUDA implementations (``_cuda`` calls
    this on the first CUDA use)."""
    global _cuda_registered
    if _cuda_registered:
        return
    _cuda_registered = True
    overload(fast_exp, target="cuda")(lambda x: _exp64)
    for fn, typer in _SHARED:
        overload(fn, target="cuda")(typer)
