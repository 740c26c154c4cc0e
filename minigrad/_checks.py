"""Checking the Python arguments of a public function: one way to say "op: name must be ...,
got ...", shared by the ops, tensor creation, nn.functional, the optimizers, the schedulers and
the data loader.

These checks look at Python values only (an int, a float, a tuple of ints), never at a tensor's
data, so they cost nothing next to the op itself. PyTorch's rules: a bool is not an int (it is
``True``, not ``1``), a float is never silently truncated to an int, NaN is never a valid
hyper-parameter.
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
import re
import sys
import types

import numpy as np

from ._spellings import numpy_spellings


def is_int(value):
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value):
    """A real Python or NumPy number, not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _got(value):
    return f"{value!r} ({type(value).__name__})"


def int_arg(op, name, value, min=None):  # noqa: A002 - PyTorch's word
    """``value`` as an int; a TypeError for anything else (a float, a bool, a string), a
    ValueError below ``min``."""
    if type(value) is not int:          # a NumPy integer, or not an int at all
        if not is_int(value):
            raise TypeError(f"{op}: {name} must be an int, got {_got(value)}")
        value = int(value)
    if min is not None and value < min:
        raise ValueError(f"{op}: {name} must be at least {min}, got {value}")
    return value


def ints_arg(op, name, value, n=None, min=None, one_element=False, sequence=False):  # noqa: A002
    """An int, or a sequence of ints, as a tuple of ``n`` ints (an int is repeated ``n``
    times; ``one_element``: a 1-sequence too). ``n=None``: any length, an int gives a 1-tuple.
    ``sequence``: only a tuple or list, as PyTorch's ``flip(input, dims)`` and ``tile`` take (an
    int is a TypeError). Each must fit in int64, as PyTorch's sizes do (a ValueError, not an
    overflow inside a kernel)."""
    if sequence and not isinstance(value, (tuple, list)):
        raise TypeError(f"{op}: {name} must be a tuple of ints, got {_got(value)}")
    if isinstance(value, (tuple, list)):
        if one_element and len(value) == 1 and n is not None:
            value = tuple(value) * n
        if n is not None and len(value) != n:
            one = ", a 1-tuple" if one_element else ""
            raise ValueError(f"{op}: {name} must be an int{one} or a tuple of {n} ints, got {value!r}")
        if not all(is_int(v) for v in value):
            raise TypeError(f"{op}: {name} must be an int or a tuple of ints, got {value!r}")
        out = tuple(int(v) for v in value)
    elif is_int(value):
        out = (int(value),) * (1 if n is None else n)
    else:
        what = "an int" if n is None or n == 1 else f"an int or a tuple of {n} ints"
        raise TypeError(f"{op}: {name} must be {what}, got {_got(value)}")
    if any(not -2 ** 63 <= v < 2 ** 63 for v in out):
        raise ValueError(f"{op}: {name} must fit in int64, got {value!r}")
    if min is not None and any(v < min for v in out):
        raise ValueError(f"{op}: {name} must be at least {min}, got {value!r}")
    return out


def size_arg(op, size):
    """A shape given as ints or one sequence of ints (``zeros(2, 3)``, ``zeros((2, 3))``), as a
    tuple of non-negative ints. No size at all is a TypeError, as in PyTorch (``zeros(())`` is
    the 0-d tensor)."""
    if not size:
        raise TypeError(f"{op}: missing the size argument (give () for a 0-d tensor)")
    if len(size) == 1 and isinstance(size[0], (tuple, list)) or len(size) == 1 and \
            type(size[0]).__name__ == "Size":
        size = tuple(size[0])
    if not all(is_int(s) for s in size):
        raise TypeError(f"{op}: size must be a tuple of ints, got {tuple(size)!r}")
    size = tuple(int(s) for s in size)
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: negative dimension in size {size}")
    return size


def number_arg(op, name, value, min=None, max=None, min_open=False, max_open=False):  # noqa: A002
    """``value`` as a float: a real number (not a bool, not a string), never NaN, within
    ``[min, max]`` (an end is excluded when ``min_open``/``max_open``)."""
    if not is_number(value):
        raise TypeError(f"{op}: {name} must be a number, got {_got(value)}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{op}: {name} must not be NaN")
    low_bad = min is not None and (value < min or min_open and value == min)
    high_bad = max is not None and (value > max or max_open and value == max)
    if low_bad or high_bad:
        lo = "(" if min_open else "["
        hi = ")" if max_open else "]"
        raise ValueError(f"{op}: {name} must be in {lo}{'-inf' if min is None else min}, "
                         f"{'inf' if max is None else max}{hi}, got {value}")
    return value


def scalar_arg(op, name, value, dtype):
    """``value``, a Python or NumPy number (a bool, an int, a float, a complex), which must convert
    to ``dtype`` as PyTorch's ``checked_convert`` converts a scalar argument: into a real dtype
    no complex with a non-zero imaginary part, no finite value beyond the dtype's largest (inf and
    NaN stay themselves), into an integer dtype only a finite value within its range -- except
    that a negative int down to -max wraps around into an unsigned dtype (-1 is uint8's 255). A
    RuntimeError "value cannot be converted to type ... without overflow", as PyTorch's."""
    if not isinstance(value, (numbers.Number, np.bool_)):
        raise TypeError(f"{op}: {name} must be a number, got {_got(value)}")
    dtype = np.dtype(dtype)
    if dtype.kind in "bc" or isinstance(value, (bool, np.bool_)):
        return value
    real = value.real if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real) else value
    fits = real is value or value.imag == 0
    if dtype.kind == "f":
        fits = fits and not (math.isfinite(real) and abs(real) > float(np.finfo(dtype).max))
    else:
        info = np.iinfo(dtype)
        wraps = info.min == 0 and isinstance(real, numbers.Integral) and -info.max <= real < 0
        fits = fits and (wraps or (isinstance(real, numbers.Integral) or math.isfinite(real)) and info.min <= real <= info.max)
        if fits and wraps:
            return int(real) % (info.max + 1)
    if not fits:
        raise RuntimeError(f"{op}: {name} {value!r} cannot be converted to type {dtype} without overflow")
    return real


def range_arg(op, low_name, low, high_name, high):
    """The bounds of a uniform draw as floats: numbers, ``low <= high``, and ``high - low``
    finite (NumPy's uniform overflows beyond it); RuntimeErrors, as PyTorch's."""
    low, high = number_arg(op, low_name, low), number_arg(op, high_name, high)
    if low > high:
        raise RuntimeError(f"{op}: expects {low_name} <= {high_name}, got {low_name}={low}, {high_name}={high}")
    if not math.isfinite(high - low):
        raise RuntimeError(f"{op}: {high_name} - {low_name} must be finite, got {low_name}={low}, "
                         f"{high_name}={high}")
    return low, high


def bool_arg(op, name, value):
    """``value`` as a bool; a TypeError for anything that is not a bool."""
    if type(value) is bool:
        return value
    if not isinstance(value, np.bool_):
        raise TypeError(f"{op}: {name} must be a bool, got {_got(value)}")
    return bool(value)


def dtype_arg(op, value, name="dtype"):
    """``value`` as a NumPy dtype of numbers or bools (minigrad.float32, np.int64, Python's
    ``float`` ...); a TypeError for anything else (an int, a NaN, a string: PyTorch takes no
    dtype by name, so neither does minigrad)."""
    if isinstance(value, str):
        raise TypeError(f"{op}: {name} must be a dtype (minigrad.float32 ...), got the string {value!r}")
    try:
        dtype = np.dtype(value) if value is not None and not is_number(value) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in "biufc":
        raise TypeError(f"{op}: {name} must be a dtype (minigrad.float32 ...), got {_got(value)}")
    return dtype


def accumulate_dtype_arg(op, input, dtype):
    """``dtype=`` of a sum or a product (``sum``, ``prod``, ``cumsum``, ``cumprod``) as a NumPy
    dtype: while grad mode is on and ``input`` requires grad it must be a floating point or
    complex dtype, as PyTorch's (autograd cannot follow an integer or bool result)."""
    from .autograd.grad_mode import is_grad_enabled

    dtype = dtype_arg(op, dtype)
    if dtype.kind in "biu" and input.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}: autograd does not support dtype {dtype} (input requires grad); "
                           f"use a floating point dtype, or detach() the input first")
    return dtype


def choice_arg(op, name, value, choices):
    """``value``, which must be one of ``choices``."""
    if not any(value is c or (type(value) is type(c) and value == c) for c in choices):
        raise ValueError(f"{op}: {name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def tensor_arg(op, name, value, optional=False):
    """``value``, which must be a Tensor (or None, if ``optional``: a loss's ``weight=None``)."""
    if not isinstance(value, _tensor.Tensor) and not (optional and value is None):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")
    return value


def operand_arg(op, name, value):
    """``value``, which must be a Tensor or a number (bool, int, float, complex; a NumPy scalar
    too) -- what PyTorch's element-wise ops take for an operand: a NumPy array, a list, a string
    or None is a TypeError (``x + array`` goes through NumPy, ``x.add(array)`` is refused)."""
    if isinstance(value, (_tensor.Tensor, numbers.Number, np.bool_)):
        return value
    raise TypeError(f"{op}: {name} must be a Tensor or a number, got {type(value).__name__}")


def memory_bytes():
    """This machine's physical memory in bytes (where the OS does not say: 2**63, no bound): no
    allocation of more can succeed, so a size that needs more is refused up front."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 2 ** 63


_RENAMED = (TypeError, ValueError, RuntimeError, IndexError, NotImplementedError)
_OP_PREFIX = re.compile(r"[A-Za-z_][\w.]*(?:\(\))?: ")


def _library_error(exc):
    """Whether ``exc`` is an exception class of NumPy or Numba (AxisError, UFuncTypeError,
    TypingError ...): a reader's ``except ValueError`` still catches its documented base."""
    return (type(exc).__module__ or "").startswith(("numpy", "numba"))


def named_error(op, exc):
    """``exc`` as the error of ``op``, or None to let it pass unchanged."""
    kind = type(exc)
    if kind not in _RENAMED:
        if not _library_error(exc) or not isinstance(exc, _RENAMED):
            return None
        kind = next(k for k in _RENAMED if isinstance(exc, k))
    message = str(exc)
    own = message.startswith((op + ":", op + "():"))       # einsum(): ... names einsum, as PyTorch's
    if own and kind is type(exc):
        return None
    inner = _OP_PREFIX.match(message)
    return kind(f"{op}: {message[inner.end():] if inner else message}")


def not_a_tensor(op, exc, fn, args, kwargs):
    """The TypeError for an AttributeError raised by reading a Tensor's attribute (``.ndim``,
    ``.dtype`` ...) off an argument the caller passed that is no Tensor, naming the argument
    as the signature does; None when the AttributeError came from anywhere else."""
    name = getattr(exc, "name", None)
    if not isinstance(name, str) or not hasattr(_tensor.Tensor, name):
        return None
    obj = getattr(exc, "obj", None)
    try:
        passed = inspect.signature(fn).bind_partial(*args, **kwargs).arguments
    except (TypeError, ValueError):
        return None
    for param, value in passed.items():
        if isinstance(value, dict):
            continue
        found = [(param, value)]
        if isinstance(value, (tuple, list)):
            found += [(f"{param}[{i}]", v) for i, v in enumerate(value)]
        for label, v in found:
            if v is obj and not isinstance(v, _tensor.Tensor):
                return TypeError(f"{op}: {label} must be a Tensor, got {type(v).__name__}")
    return None


class errors_named:  # noqa: N801 - used as a decorator and a ``with`` block, as contextlib's are
    """An op built from other ops (``addmm`` from ``mm``, ``lerp`` from ``sub``, a layer from
    ``linear``, an in-place method from its out-of-place op): an error one of those raises is
    re-raised, of the same type, naming the op the user called -- once: the inner op's own
    name in front of the message gives way to the outer one (``mm: mat1 and mat2 shapes cannot
    be multiplied (2x3 and 2x3)`` leaves ``addmm`` as ``addmm: mat1 and mat2 shapes cannot be
    multiplied (2x3 and 2x3)``; the inner error stays as ``__cause__``). Nested ops so name
    only the outermost. An error class of NumPy or Numba becomes its documented base (an
    AxisError an IndexError ...); other subclasses (CheckpointError) pass unchanged. As a
    decorator it also turns an AttributeError that an argument which is no Tensor raised
    (``t(5)`` reading ``5 .ndim``) into a TypeError naming that argument."""

    def __init__(self, op):
        self.op = op

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        renamed = named_error(self.op, exc) if kind is not None else None
        if renamed is not None:
            raise renamed from exc
        return False

    def __call__(self, fn):
        op = self.op
        inner = getattr(fn, "unspelled", None)
        if inner is not None:             # a @numpy_spellings function: one wrapper does both
            named = numpy_spellings(inner, lambda exc, args, kwargs: renamed_error(op, exc, inner, args, kwargs))
        else:
            @functools.wraps(fn)
            def named(*args, **kwargs):
                try:
                    return fn(*args, **kwargs)
                except Exception as exc:  # noqa: BLE001 - renamed_error passes on all it does not rename
                    renamed = renamed_error(op, exc, fn, args, kwargs)
                    if renamed is None:
                        raise
                    raise renamed from exc
        named.op_name = op
        return named


def renamed_error(op, exc, fn, args, kwargs):
    """The error ``op`` raises instead of ``exc``, raised by ``fn(*args, **kwargs)`` (None: let
    ``exc`` pass): ``not_a_tensor`` for an AttributeError, else ``named_error``."""
    if isinstance(exc, AttributeError):
        return not_a_tensor(op, exc, fn, args, kwargs)
    return named_error(op, exc)


def name_ops(module, names):
    """Every function ``names`` lists in the module called ``module`` (its ``__all__``) made to
    name itself in its errors, as ``@errors_named(name)`` would (a function already so named is
    kept), there and in the file that defines it, so that the op you read is the op you get."""
    module = sys.modules[module]
    for name in names:
        fn = getattr(module, name, None)
        if not isinstance(fn, types.FunctionType) or getattr(fn, "op_name", None) == name:
            continue
        named = errors_named(name)(fn)
        home = sys.modules.get(fn.__module__)
        if home is not None and getattr(home, name, None) is fn:
            setattr(home, name, named)
        setattr(module, name, named)


# The module, not the class: tensor.py imports this one, so at this point it may be half-run;
# tensor_arg, operand_arg and not_a_tensor read ``_tensor.Tensor`` when called (an import inside them would
# cost more than the check itself).
from . import tensor as _tensor  # noqa: E402
