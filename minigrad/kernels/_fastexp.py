"""``fast_exp(x)``: an exp that LLVM can vectorise inside Numba loops.

Numba calls libm's ``expf`` one element at a time (about 5 ns here: no SVML), which would
dominate the fused attention kernels. For float32 this computes exp(x) = 2^n * 2^r with
n = round(x / ln 2), |r| <= 1/2, a degree-6 polynomial for 2^r and the exponent bits for 2^n:
all plain float/int arithmetic, so the loop vectorises (about 3 ulp, results below 2^-126
flush to 0, +inf is not handled: callers pass x <= 0, as softmax does after subtracting the
row maximum). float64 uses ``math.exp`` (exact to the last bit; accuracy over speed).
"""
import math

from llvmlite import ir
from numba import float32, int32, types
from numba.extending import intrinsic, overload


@intrinsic
def _f32_from_bits(typingctx, bits):
    """Reinterpret an int32's bits as a float32 (no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


def fast_exp(x):
    """exp(x) for x <= 0 (see the module docstring); Python fallback for readers."""
    return math.exp(x)


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
    return y if t > float32(-126.0) else float32(0.0)


def _exp64(x):
    return math.exp(x)


@overload(fast_exp)
def _fast_exp_overload(x):
    if x == types.float32:
        return _exp32
    return _exp64
