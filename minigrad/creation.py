"""Creating tensors: tensor, zeros, ones, full, empty, eye, arange, linspace, *_like,
randn, rand, randint, normal, from_numpy.

Defaults as PyTorch: Python floats (and lists of them) become the default dtype (float32),
Python ints become int64, bools become bool; a NumPy array keeps its dtype.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import backend
from ._checks import bool_arg, dtype_arg, errors_named, int_arg, is_int, number_arg, scalar_arg, size_arg, tensor_arg
from .autograd.function import Function
from .tensor import Tensor


def _infer_dtype(data):
    """The dtype PyTorch would give to Python data."""
    arr = np.asarray(data)
    if arr.dtype.kind == "f":
        return backend.get_default_dtype()
    if arr.dtype.kind == "c":
        return _complex_of(backend.get_default_dtype())
    if arr.dtype.kind in "iu":
        return backend.int64
    return arr.dtype


def _complex_of(dtype):
    """The complex dtype with ``dtype``'s precision (PyTorch's default complex dtype)."""
    return np.dtype(np.complex128 if np.dtype(dtype) == np.float64 else np.complex64)


def _finish(arr, device, requires_grad):
    if device is not None:
        arr = backend.to_device(arr, device)
    return Tensor(arr, requires_grad=requires_grad)


def _new(op, arr, requires_grad):
    """What a creation function returns: ``arr`` as a tensor, requiring grad if ``requires_grad``,
    which must be a bool or None (False), as PyTorch's factory functions take it."""
    return Tensor(arr, requires_grad is not None and bool_arg(op, "requires_grad", requires_grad))


@errors_named("tensor")
def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor)."""
    bool_arg("tensor", "requires_grad", requires_grad)
    if data is None:
        raise TypeError("tensor: cannot make a tensor of None (give numbers, nested lists or an array)")
    if dtype is not None:
        dtype = dtype_arg("tensor", dtype)
    if isinstance(data, Tensor):
        arr = data.data.copy()
        if dtype is not None:
            arr = arr.astype(dtype)
    elif hasattr(data, "__cuda_array_interface__") and not isinstance(data, np.ndarray):
        arr = data.astype(dtype) if dtype is not None else data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data, dtype=dtype)
    elif dtype is not None:           # read as it is first: NumPy would make any object a bool by its truth
        arr = np.array(data)
        if arr.dtype.kind == "O" and not all(isinstance(v, (numbers.Number, np.bool_)) for v in arr.flat):
            arr = arr.astype(str)
        try:
            arr = arr if arr.dtype.kind not in "biufcO" else arr.astype(dtype)
        except OverflowError:
            raise RuntimeError(f"tensor: value cannot be converted to type {dtype} without overflow "
                               f"({_short(data)})") from None
    else:
        arr = np.array(data, dtype=_infer_dtype(data))
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"tensor: cannot make a tensor of {type(data).__name__} data {_short(data)} "
                        f"(NumPy makes it dtype {arr.dtype}): give numbers (integers within int64)")
    return _finish(arr, device, requires_grad)


def _short(data):
    text = repr(data)
    return text if len(text) <= 60 else text[:57] + "..."


as_tensor = tensor


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (no copy)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(ndarray).__name__}")
    return Tensor(ndarray)


def _dtype(dtype, op):
    return backend.get_default_dtype() if dtype is None else dtype_arg(op, dtype)


@errors_named("zeros")
def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of the given size filled with 0.

    Args: ``*size`` (ints or one tuple), ``dtype`` (default: get_default_dtype(), float32),
    ``device`` ("cpu" or "cuda"), ``requires_grad`` (default False).
    Returns a new tensor of shape ``size``."""
    xp = backend.module_for("cpu" if device is None else device)
    return _new("zeros", xp.zeros(size_arg("zeros", size), dtype=_dtype(dtype, "zeros")), requires_grad)


@errors_named("ones")
def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of the given size filled with 1.

    Args: ``*size`` (ints or one tuple), ``dtype`` (default: get_default_dtype()), ``device``,
    ``requires_grad`` (default False). Returns a new tensor of shape ``size``."""
    xp = backend.module_for("cpu" if device is None else device)
    return _new("ones", xp.ones(size_arg("ones", size), dtype=_dtype(dtype, "ones")), requires_grad)


@errors_named("empty")
def empty(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of the given size whose values are not initialised (whatever the allocator left).

    Args: ``*size`` (ints or one tuple), ``dtype`` (default: get_default_dtype()), ``device``,
    ``requires_grad``. Returns a new tensor of shape ``size``; fill it before reading it."""
    xp = backend.module_for("cpu" if device is None else device)
    return _new("empty", xp.empty(size_arg("empty", size), dtype=_dtype(dtype, "empty")), requires_grad)


@errors_named("full")
def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of shape ``size`` with every element ``fill_value``.

    Args: ``size`` (a tuple), ``fill_value`` (a number), ``dtype`` (default inferred from
    ``fill_value`` as PyTorch does: bool, int64, the default float dtype or its complex one),
    ``device``, ``requires_grad``. ``fill_value`` must convert to ``dtype``, as PyTorch checks it
    (no NaN or inf into an integer dtype, no finite float beyond the dtype's range)."""
    fill_value = _fill_arg("full", fill_value)
    dtype = _infer_dtype(fill_value) if dtype is None else dtype_arg("full", dtype)
    fill_value = scalar_arg("full", "fill_value", fill_value, dtype)
    xp = backend.module_for("cpu" if device is None else device)
    return _new("full", xp.full(tuple(size), fill_value, dtype=dtype), requires_grad)


def _fill_arg(op, value):
    """A fill value: a number (a bool, an int, a float, a complex number) or a 0-d tensor's
    number, as PyTorch's ``fill_value``; a TypeError for anything else (None, a string)."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return value.item()
    if not isinstance(value, (numbers.Number, np.bool_)):
        raise TypeError(f"{op}: fill_value must be a number, got {value!r} ({type(value).__name__})")
    return value


@errors_named("eye")
def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The identity matrix: out[i, j] = 1 if i == j else 0.

    Args: ``n`` rows, ``m`` columns (default ``n``), ``dtype`` (default: get_default_dtype()),
    ``device``, ``requires_grad``. Returns an (n, m) tensor."""
    n = int_arg("eye", "n", n, min=0)
    m = n if m is None else int_arg("eye", "m", m, min=0)
    xp = backend.module_for("cpu" if device is None else device)
    return _new("eye", xp.eye(n, m, dtype=_dtype(dtype, "eye")), requires_grad)


@errors_named("arange")
def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """The values start, start + step, ... up to but excluding ``end``: out[i] = start + i * step.

    ``arange(end)`` starts at 0. Args: ``start`` (default 0), ``end``, ``step`` (default 1, nonzero,
    with the sign of end - start), ``dtype`` (default int64 when all three are integers, else the
    default float dtype), ``device``, ``requires_grad``. Returns a 1-D tensor of
    ceil((end - start) / step) elements."""
    if end is None:
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        if not isinstance(value, (bool, np.bool_)):         # PyTorch takes a bool as 0 / 1
            number_arg("arange", name, value)
        if is_int(value) and not -2 ** 63 <= value < 2 ** 63:
            raise ValueError(f"arange: {name} must fit in int64, got {value}")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    dtype = _infer_dtype([start, end, step]) if dtype is None else dtype_arg("arange", dtype)
    xp = backend.module_for("cpu" if device is None else device)
    return _new("arange", xp.arange(start, end, step, dtype=dtype), requires_grad)


@errors_named("linspace")
def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, as PyTorch computes them: with
    ``step = (end - start) / (steps - 1)``, the first half is ``start + step * i`` and the second
    ``end - step * (steps - 1 - i)`` (in float64; an infinite step makes NaN where it meets a
    zero, as PyTorch's does: linspace(0, inf, 5) is [nan, inf, nan, nan, nan]). An integer dtype
    takes each value truncated toward zero (linspace(5, -5, 20, dtype=int32) ends ..., -4, -5).
    A complex ``start`` or ``end`` makes the default dtype complex."""
    xp = backend.module_for("cpu" if device is None else device)
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, (numbers.Number, np.bool_)) and not (isinstance(value, Tensor) and value.ndim == 0):
            raise TypeError(f"linspace: {name} must be a number or a 0-d tensor, got {value!r} "
                            f"({type(value).__name__})")
        if is_int(value) and not -2**63 <= value < 2**64:
            raise OverflowError(f"linspace: {name} {value} does not fit in 64 bits (an int64 or uint64)")
    start, end = (v.item() if isinstance(v, (Tensor, np.generic)) else v for v in (start, end))
    complex_bound = isinstance(start, complex) or isinstance(end, complex)
    dt = _complex_of(backend.get_default_dtype()) if dtype is None and complex_bound else _dtype(dtype, "linspace")
    steps = int_arg("linspace", "steps", steps)
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    if dt.kind == "b":
        raise NotImplementedError("linspace: not implemented for dtype bool (as PyTorch)")
    if complex_bound and dt.kind != "c":
        raise RuntimeError(f"linspace: inferred dtype {_complex_of(backend.get_default_dtype())} can't be "
                           f"safely cast to passed dtype {dt} (start {start!r}, end {end!r})")
    if dt.kind in "iu":
        start, end = _integer_bound(start, dt), _integer_bound(end, dt)
    idx = xp.arange(steps, dtype=np.float64)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        values = xp.where((idx < steps // 2) | (steps == 1), start + step * idx, end - step * (steps - 1 - idx))
        return _new("linspace", values.astype(dt), requires_grad)



def _integer_bound(value, dtype):
    """A bound of an integer linspace in ``dtype`` first, as PyTorch converts it: truncated
    toward zero, a negative int bound of an unsigned dtype wrapped around, one out of range
    refused (a float bound must lie within the dtype's range: -0.5 is no uint8)."""
    info = np.iinfo(dtype)
    if not is_int(value):
        f = number_arg("linspace", "start/end", value)
        if not info.min <= f <= info.max:
            raise RuntimeError(f"linspace: {value!r} cannot be converted to {dtype} without overflow")
    v = int(value) if is_int(value) else int(f)
    if not (-info.max if info.min == 0 else info.min) <= v <= info.max:
        raise RuntimeError(f"linspace: {value!r} cannot be converted to {dtype} without overflow")
    return v % (info.max + 1) if info.min == 0 else v


@errors_named("zeros_like")
def zeros_like(input, dtype=None, device=None, requires_grad=False):
    """Zeros with the shape of ``input``, and its dtype and device unless ``dtype``/``device`` are
    given (``requires_grad`` default False)."""
    tensor_arg("zeros_like", "input", input)
    return zeros(input.shape, dtype=input.dtype if dtype is None else dtype,
                 device=input.device if device is None else device, requires_grad=requires_grad)


@errors_named("ones_like")
def ones_like(input, dtype=None, device=None, requires_grad=False):
    """Ones with the shape of ``input``, and its dtype and device unless ``dtype``/``device`` are
    given (``requires_grad`` default False)."""
    tensor_arg("ones_like", "input", input)
    return ones(input.shape, dtype=input.dtype if dtype is None else dtype,
                device=input.device if device is None else device, requires_grad=requires_grad)


@errors_named("empty_like")
def empty_like(input, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor with the shape of ``input``, and its dtype and device unless
    ``dtype``/``device`` are given (``requires_grad`` default False)."""
    tensor_arg("empty_like", "input", input)
    return empty(input.shape, dtype=input.dtype if dtype is None else dtype,
                 device=input.device if device is None else device, requires_grad=requires_grad)


@errors_named("full_like")
def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor with the shape of ``input`` filled with ``fill_value``, in ``input``'s dtype and device
    unless ``dtype``/``device`` are given. ``dtype`` must be a dtype object, not a string."""
    tensor_arg("full_like", "input", input)
    return full(input.shape, fill_value, dtype=input.dtype if dtype is None else dtype,
                device=input.device if device is None else device, requires_grad=requires_grad)


# ----------------------------------------------------------------------------- random

def _rng(op, device, generator):
    return backend.seed_generators_of("cpu" if device is None else device, generator, op)


def _float_draw(op, dtype):
    """The dtype a float sample is drawn in (NumPy's generators draw float32 and float64 only; a
    float16 sample is a float32 one rounded) and the dtype it is returned in."""
    dt = _dtype(dtype, op)
    if dt.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for dtype {dt} (a float dtype is needed, as PyTorch)")
    return (dt if dt.itemsize >= 4 else np.dtype(np.float32)), dt


@errors_named("randn")
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from the device's generator (seed it with manual_seed)."""
    draw, dt = _float_draw("randn", dtype)
    arr = _rng("randn", device, generator).standard_normal(size_arg("randn", size), dtype=draw)
    return _new("randn", arr.astype(dt, copy=False), requires_grad)


@errors_named("rand")
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1)."""
    draw, dt = _float_draw("rand", dtype)
    arr = _rng("rand", device, generator).random(size_arg("rand", size), dtype=draw)
    return _new("rand", arr.astype(dt, copy=False), requires_grad)


@errors_named("randint")
def randint(low=0, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high); ``randint(high, size)`` also works."""
    if size is None:
        low, high, size = 0, low, high
    low, high = int_arg("randint", "low", low), int_arg("randint", "high", high)
    info = np.iinfo(np.int64)
    if not info.min <= low <= info.max or not info.min <= high <= info.max:
        raise RuntimeError(f"randint: low={low} and high={high} must fit in int64")
    if low >= high:
        raise RuntimeError(f"randint: expects low < high, got low={low}, high={high}")
    size = size_arg("randint", (size,))
    dtype = backend.int64 if dtype is None else dtype_arg("randint", dtype)
    if dtype.kind in "biu":
        lowest, highest = (0, 1) if dtype.kind == "b" else (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
        if low < lowest or high - 1 > highest:
            raise RuntimeError(f"randint: [low, high) = [{low}, {high}) is out of bounds for {dtype} "
                               f"([{lowest}, {highest}])")
    arr = _rng("randint", device, generator).integers(low, high, size=size)
    return _new("randint", arr.astype(dtype), requires_grad)


@errors_named("randn_like")
def randn_like(input, dtype=None, device=None, requires_grad=False):
    """Standard normal samples N(0, 1) with the shape of ``input``, in its dtype and device unless
    ``dtype``/``device`` are given; drawn from the device's generator (see manual_seed)."""
    tensor_arg("randn_like", "input", input)
    return randn(input.shape, dtype=input.dtype if dtype is None else dtype,
                 device=input.device if device is None else device, requires_grad=requires_grad)


@errors_named("rand_like")
def rand_like(input, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1) with the shape of ``input``, in its dtype and device unless
    ``dtype``/``device`` are given; drawn from the device's generator (see manual_seed)."""
    tensor_arg("rand_like", "input", input)
    return rand(input.shape, dtype=input.dtype if dtype is None else dtype,
                device=input.device if device is None else device, requires_grad=requires_grad)


@errors_named("randperm")
def randperm(n, generator=None, dtype=None, device=None):
    """A random permutation of 0..n-1."""
    n = int_arg("randperm", "n", n, min=0)
    rng = _rng("randperm", device, generator)
    perm = rng.permutation(n) if hasattr(rng, "permutation") else rng.random(n).argsort()
    return Tensor(perm.astype(backend.int64 if dtype is None else dtype_arg("randperm", dtype)))


@errors_named("normal")
def normal(mean, std, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of N(mean, std^2); ``mean``/``std`` may be tensors (broadcast) or numbers."""
    m = mean.data if isinstance(mean, Tensor) else number_arg("normal", "mean", mean)
    s = std.data if isinstance(std, Tensor) else number_arg("normal", "std", std, min=0.0)
    if isinstance(std, Tensor) and bool((std.data < 0).any()):
        raise RuntimeError(f"normal: std must be >= 0, got a tensor with min {float(std.data.min())}")
    if size is None:
        size = np.broadcast_shapes(getattr(m, "shape", ()), getattr(s, "shape", ()))
        if dtype is None:
            dtype = next((t.dtype for t in (mean, std) if isinstance(t, Tensor)), None)
    if device is None:
        device = next((t.device for t in (mean, std) if isinstance(t, Tensor)), None)
    draw, dt = _float_draw("normal", dtype)
    z = _rng("normal", device, generator).standard_normal(tuple(size), dtype=draw)
    return _new("normal", (z * s + m).astype(dt), requires_grad)


def bernoulli(input, p=None, generator=None):
    """1 with probability ``p`` (or each element of ``input``), else 0; probabilities outside
    [0, 1] or NaN are an error."""
    tensor_arg("bernoulli", "input", input)
    if p is None:
        probs = input.data
        if probs.size and not bool(((probs >= 0) & (probs <= 1)).all()):
            raise RuntimeError("bernoulli: every probability in input must be in [0, 1] (no NaN)")
    else:
        probs = number_arg("bernoulli", "p", p, min=0.0, max=1.0)
    u = _rng("bernoulli", input.device, generator).random(input.shape)
    return Bernoulli.apply(input, (u < probs).astype(input.dtype))


class Bernoulli(Function):
    """a draw of 0 or 1 per element of the probabilities;  d/dp = 0 (as PyTorch's: the result
    requires grad when ``input`` does, and its gradient is zero)"""

    @staticmethod
    def forward(ctx, p, draw):
        return draw

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(g.shape), None


def multinomial(input, num_samples, replacement=False, generator=None):
    """Draw indices with probabilities proportional to the rows of ``input``. The draw runs on the
    host with the CPU generator (one row at a time); the indices land on ``input``'s device."""
    op = "multinomial"
    if tensor_arg(op, "input", input).ndim not in (1, 2) or input.dtype.kind != "f":
        raise RuntimeError(f"{op}: input must be a 1-D or 2-D floating point tensor, got shape "
                           f"{tuple(input.shape)} and dtype {input.dtype}")
    num_samples = int_arg(op, "num_samples", num_samples, min=1)
    replacement = bool_arg(op, "replacement", replacement)
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError(f"{op}: cannot draw {num_samples} samples without replacement from "
                           f"{input.shape[-1]} categories")
    probs = backend.to_numpy(input.data).astype(np.float64)
    rows = probs.reshape(-1, probs.shape[-1])
    if not np.isfinite(probs).all() or (probs < 0).any():
        raise RuntimeError(f"{op}: probabilities must be finite and non-negative")
    if (rows.sum(-1) <= 0).any():
        raise RuntimeError(f"{op}: invalid distribution: a row's probabilities sum to 0")
    if not replacement and ((rows > 0).sum(-1) < num_samples).any():
        raise RuntimeError(f"{op}: a row has fewer than num_samples={num_samples} categories of non-zero "
                           f"probability to draw without replacement")
    rng = _rng(op, "cpu", generator)
    draws = [rng.choice(rows.shape[1], num_samples, replace=replacement, p=r / r.sum()) for r in rows]
    out = np.stack(draws) if draws else np.zeros((0, num_samples))
    out = out.reshape(probs.shape[:-1] + (num_samples,)).astype(np.int64)
    return Tensor(backend.to_device(out, input.device))
