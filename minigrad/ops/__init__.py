"""The primitive differentiable ops, grouped by kind. Each is a ``Function`` with its
forward and backward side by side; the lower-case functions are the public forms."""
from . import indexing
from .arithmetic import (Add, Div, MatMul, Maximum, Minimum, Mul, Neg, Pow, Sub, Where, add, div,
                         divide, matmul, maximum, minimum, mul, multiply, neg, negative, pow, sub,
                         subtract, true_divide, where)
from .indexing import (GetItem, IndexScatter, gather, getitem, index_select, masked_fill, scatter_add,
                       tril, triu)
from .reduction import (all, amax, amin, any, argmax, argmin, cumsum, log_softmax, logsumexp, max,
                        mean, min, norm, prod, softmax, std, sum, sum_to_shape, var)
from .shape import (ToDevice, broadcast_to, cat, chunk, concat, concatenate, expand, expand_as,
                    flatten, flip, movedim, pad, permute, repeat, reshape, roll, split, squeeze,
                    stack, swapaxes, swapdims, transpose, unbind, unflatten, unsqueeze, view)
from .unary import (Abs, Cast, Clone, abs, ceil, clamp, clip, cos, elu, erf, exp, expm1, floor, gelu,
                    isfinite, isinf, isnan, leaky_relu, log, log1p, log2, log10, reciprocal, relu,
                    round, rsqrt, sigmoid, sign, sin, softplus, sqrt, square, tan, tanh, trunc)

__all__ = [n for n in dir() if not n.startswith("_")]
