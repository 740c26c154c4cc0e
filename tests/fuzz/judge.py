"""The verdict on one probe, and the category it counts in.

A probe is good when minigrad
- returns what PyTorch returns (same structure, shapes, dtypes, values within float tolerance,
  the same ``requires_grad``; the same gradients after a backward -- at float16's tolerance
  where a float16 input or dtype rounds them on the way; the same arguments after the
  call, so in-place changes agree) -- or, without PyTorch, returns no float64 that no input asked for;
- or raises a documented exception type (TypeError, ValueError, RuntimeError, IndexError,
  NotImplementedError; CheckpointError is a RuntimeError) -- or the very type PyTorch raises
  (a scheduler resumed without ``initial_lr`` raises KeyError in both, and code written for
  PyTorch catches that one) -- whose message names the op, where PyTorch raises too (or is not
  there to ask); an exception from a function the probe passed in (an ``lr_lambda``) is passed on
  as it is, as PyTorch passes it on;
- or refuses, with an error that names the op, a NaN or a bool that PyTorch takes for a number:
  minigrad's documented argument policy (``minigrad/_checks.py``: NaN is never a valid
  hyper-parameter, a bool is not a number), not a lapse.
- or refuses, with an error that names the op, a call of ``F.hardtanh_`` or ``F.rrelu_`` that their
  out-of-place ops refuse in PyTorch too (``min_val > max_val``, an infinite bound): PyTorch's
  in-place kernels skip the check that ``F.hardtanh`` and ``F.rrelu`` make, minigrad checks both;
- or returns a result for a call whose bent arguments all hold the default of minigrad's one
  signature (``squeeze(x, dim=None)``, ``std(x, unbiased=None)``, ``min(x, keepdim=False)``) where
  PyTorch raised a TypeError: its bindings refuse the default spelled out only because the
  overload that has the argument takes no None or the overload without it takes no keyword,
  and minigrad's call is the call without them, which PyTorch takes;
- or, for ``sum``/``mean``/``prod`` reducing every dim spelled with ``keepdim`` and no ``dim`` (or,
  for ``prod``, ``dim=None``), returns every dim reduced (and kept, with ``keepdim=True``):
  PyTorch refuses those calls only because its overload without ``dim`` has no ``keepdim`` and
  its ``prod`` has no optional ``dim`` (its own ``sum(x, None, True)``, ``nansum`` and ``var``
  take them), a quirk of its signatures that minigrad's one signature
  ``sum(input, dim=None, keepdim=False)`` does not copy.
- or is a ``var``/``std`` spelling that one of PyTorch's overloads takes by position
  (``_variance_spelling``: ``std_mean(x, unbiased=True, keepdim=True)``, ``var(x, dim=0, unbiased=None)``);
- or is one of the few calls listed in ``OVERLOAD_KEYWORDS`` and ``EAGER_CHECKS``, which
  docs/API.md's "Argument checks that differ" gives with their reasons.
- or differs from PyTorch only where PyTorch is arguably wrong and minigrad documents that it
  does not copy it (``VALUE_DEVIATIONS``: sign(NaN), float32 gelu(inf); ``GRAD_DEVIATIONS``:
  group_norm's weight gradient over an empty input), or, for the losses of
  ``PROMOTED_LOSSES``, returns the dtype its input and target promote to where PyTorch returns one
  argument's dtype (the values are then compared in PyTorch's dtype); or returns float32 values
  that differ from PyTorch's but are no further from PyTorch's on the same values made float64
  than PyTorch's float32 ones, on the probe's data or on data moved by float32 rounding errors
  (``_float64_verdict``: the spread of those measures the problem's conditioning in float32;
  PyTorch's float32 batch_norm of -1e9 + d is the inaccurate one there); or, for ``unique``, returns
  a result that does not require grad where PyTorch's does only to fail in backward ("the
  derivative for '_unique2' is not implemented"); or, for ``kthvalue`` and ``topk``, returns
  PyTorch's values with other indices among tied elements, each naming a distinct element equal
  to its value, and PyTorch's gradient at the elements it names (``_tied_choice``: which of tied elements is
  named PyTorch leaves unspecified).

Categories: "empty batches" (a probe with a 0-size tensor), "checkpoints" (save/load), else by what
happened -- both returned: "silently wrong"; PyTorch raised but minigrad returned: "invalid
accepted"; minigrad raised: "poor errors". "memory safety" counts every probe, bad when the
worker process died or hung (decided by the runner, not here).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

import numpy as np

from .execute import backward, format_exception, seed_of
from .recipes import Arr, D, T, tensors_in

CATEGORIES = ["memory safety", "silently wrong", "invalid accepted", "poor errors", "empty batches", "checkpoints"]
DOCUMENTED = (TypeError, ValueError, RuntimeError, IndexError, NotImplementedError)

# Tensor methods whose errors come from the op they are spelled with.
ALIASES = {"clip": "clamp", "concat": "cat", "concatenate": "cat", "divide": "div", "true_divide": "div",
           "multiply": "mul", "subtract": "sub", "negative": "neg", "swapaxes": "transpose",
           "swapdims": "transpose", "reshape_as": "reshape", "view_as": "view", "expand_as": "expand",
           "broadcast_to": "expand", "type_as": "to", "new_zeros": "zeros", "new_ones": "ones",
           "new_full": "full", "new_tensor": "tensor", "float": "to", "double": "to", "half": "to",
           "long": "to", "int": "to", "bool": "to", "absolute": "abs", "arccos": "acos", "arcsin": "asin",
           "arctan": "atan", "fix": "trunc", "greater": "gt", "less": "lt", "not_equal": "ne",
           "greater_equal": "ge", "less_equal": "le", "ger": "outer", "as_tensor": "tensor"}


@dataclass
class Verdict:
    category: str
    ok: bool
    why: str = ""


def _norm(s):
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def names_op(target, message, fn_name=None):
    """Whether an error message names the op the user called."""
    msg = _norm(message)
    names = {target.op, target.op.rstrip("_"), ALIASES.get(target.op.rstrip("_"), ""), fn_name or ""}
    if target.kind == "ckpt":
        names |= {"save", "load", "safetensors", "checkpoint"}
    if any(len(_norm(n)) >= 1 and _norm(n) in msg for n in names if n):
        return True
    if target.kind in ("nn", "optim", "sched", "data"):
        lead = re.match(r"\s*([A-Za-z_][\w.]*)\s*[:(]", str(message))
        return bool(lead) and len(_norm(lead.group(1))) >= 3 and _norm(lead.group(1)) in _norm(target.op)
    return False


def _frame_lib(frame):
    for lib in ("numpy", "numba", "scipy"):
        if f"{lib}/" in frame.replace("\\", "/") and "site-packages" in frame:
            return lib
    return ""


def _is_user_code(frame):
    """Whether ``frame`` is in a function the probe passed in (``recipes.FUNCTIONS``)."""
    from . import recipes
    return bool(frame) and os.path.abspath(frame) == os.path.abspath(recipes.__file__)


def error_problem(target, exc, frame, fn_name=None, theirs=None):
    """None if ``exc`` is a good error, else what is wrong with it; ``theirs``: the exception
    PyTorch raised on the same call (its type is as good as a documented one)."""
    text = format_exception(exc)
    if theirs is not None and type(exc) is type(theirs) and _is_user_code(frame):
        return None      # the caller's own function (an lr_lambda ...) raised: passed on as PyTorch does
    if not isinstance(exc, DOCUMENTED) and not (theirs is not None and type(exc) is type(theirs)):
        if target.kind == "ckpt" and isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
            return None
        return f"undocumented exception type: {text}"
    if type(exc).__module__.startswith(("numba", "numpy")):
        return f"an exception of {type(exc).__module__}: {text}"
    if not names_op(target, str(exc), fn_name):
        lib = _frame_lib(frame)
        return f"message does not name {target.op}{' (raised inside ' + lib + ')' if lib else ''}: {text}"
    return None


# ----------------------------------------------------------------------------- values


def plain(x, depth=0):
    """A library-neutral form of a returned value, for comparison."""
    if depth > 6:
        return ("deep",)
    mod = type(x).__module__ or ""
    if hasattr(x, "shape") and hasattr(x, "requires_grad") and hasattr(x, "dtype"):   # a tensor
        if mod.startswith("torch"):
            if x._is_zerotensor():      # the gradient PyTorch gives an op of zero derivative (sgn)
                x = x.new_zeros(x.shape)
            a = x.detach().cpu().resolve_conj().numpy() if x.dtype.is_complex else x.detach().cpu().numpy()
        else:
            from minigrad import backend
            a = np.asarray(backend.to_numpy(x.data))
        rg = bool(x.requires_grad) if "float" in str(x.dtype) else False
        return ("tensor", a, str(x.dtype).replace("torch.", ""), rg)
    if type(x).__name__ == "Size" or (isinstance(x, tuple) and hasattr(x, "_fields") is False and
                                       all(isinstance(v, int) for v in x) and mod.startswith("torch")):
        return ("seq", [plain(v, depth + 1) for v in x])
    if isinstance(x, (list, tuple)):
        return ("seq", [plain(v, depth + 1) for v in x])
    if isinstance(x, dict):
        return ("dict", {k: plain(v, depth + 1) for k, v in x.items()})
    if isinstance(x, (bool, np.bool_)):
        return ("bool", bool(x))
    if isinstance(x, (int, np.integer)):
        return ("int", int(x))
    if isinstance(x, (float, np.floating)):
        return ("float", float(x))
    if isinstance(x, str):      # a type name is minigrad's own: 'minigrad.FloatTensor' for 'torch.FloatTensor'
        return ("atom", re.sub(r"^(minigrad|torch)\.", "", x))
    if x is None:
        return ("atom", x)
    if isinstance(x, np.dtype) or mod == "torch" and type(x).__name__ == "dtype":
        return ("dtype", str(x).replace("torch.", ""))
    if type(x).__name__ == "device":
        return ("device", str(x).split(":")[0])
    return ("object", type(x).__name__)


def _tolerance(dtype):
    return {"float16": (1e-2, 1e-2), "float32": (2e-4, 1e-5), "float64": (1e-7, 1e-9),
            "float64 oracle": (1e-3, 1e-4)}.get(dtype, (0, 0))


def _close(a, b, dtype, loosest=None):
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "biu" or a.dtype == bool:
        return np.array_equal(a, b)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    rtol, atol = map(max, zip(_tolerance(dtype), _tolerance(loosest)))
    finite = np.isfinite(b64)
    scale = np.max(np.abs(b64[finite])) if finite.any() else 1.0
    with np.errstate(all="ignore"):
        return bool(np.all(np.isclose(a64, b64, rtol=rtol, atol=atol * max(1.0, scale), equal_nan=True)))


def compare(m, t, random=False, where="result", loosest=None):
    """None if minigrad's plain value ``m`` matches PyTorch's ``t``, else the difference; values
    are compared at the tolerance of their dtype, or of ``loosest`` (a dtype name) if it is looser."""
    if m[0] != t[0]:
        if {m[0], t[0]} <= {"int", "float", "bool"} and m[0] != "bool" and t[0] != "bool":
            if not math.isclose(float(m[1]), float(t[1]), rel_tol=1e-4, abs_tol=1e-6):
                return f"{where}: {m[1]!r}, PyTorch {t[1]!r}"
            return None
        return f"{where}: minigrad returned a {m[0]}, PyTorch a {t[0]}"
    kind = m[0]
    if kind == "tensor":
        _, a, dt, rg = m
        _, b, dt2, rg2 = t
        if a.shape != b.shape:
            return f"{where}: shape {a.shape}, PyTorch {b.shape}"
        if dt != dt2:
            return f"{where}: dtype {dt}, PyTorch {dt2}"
        if rg != rg2:
            return f"{where}: requires_grad={rg}, PyTorch {rg2}"
        if not random and not _close(a, b, dt, loosest):
            return f"{where}: values differ (max |diff| {_maxdiff(a, b)}; nan {int(np.isnan(a.astype(float)).sum())} " \
                   f"vs {int(np.isnan(b.astype(float)).sum())})"
        return None
    if kind == "seq":
        if len(m[1]) != len(t[1]):
            return f"{where}: {len(m[1])} items, PyTorch {len(t[1])}"
        for i, (x, y) in enumerate(zip(m[1], t[1])):
            d = compare(x, y, random, f"{where}[{i}]", loosest)
            if d:
                return d
        return None
    if kind == "dict":
        if list(m[1]) != list(t[1]):
            return f"{where}: keys {list(m[1])}, PyTorch {list(t[1])}"
        for k in m[1]:
            d = compare(m[1][k], t[1][k], random, f"{where}[{k!r}]", loosest)
            if d:
                return d
        return None
    if kind == "float":
        if random:
            return None
        x, y = m[1], t[1]
        if math.isnan(x) and math.isnan(y) or math.isclose(x, y, rel_tol=2e-4, abs_tol=1e-6):
            return None
        return f"{where}: {x!r}, PyTorch {y!r}"
    if kind in ("int", "bool", "atom", "dtype", "device"):
        if m[1] != t[1] and not random:
            return f"{where}: {m[1]!r}, PyTorch {t[1]!r}"
        return None
    return None


def _maxdiff(a, b):
    with np.errstate(all="ignore"):
        d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    d = d[np.isfinite(d)]
    return float(d.max()) if d.size else "n/a"


def _asks_float64(probe):
    """Whether any input of the probe is float64 (then a float64 result is honest)."""
    def walk(r):
        if isinstance(r, (T, Arr)):
            return r.dtype == "float64"
        if isinstance(r, D):
            return r.name == "float64"
        if isinstance(r, str):
            return r == "float64"
        if isinstance(r, dict):
            return any(walk(v) for v in r.values())
        if isinstance(r, (list, tuple)):
            return any(walk(v) for v in r)
        return False
    return walk(probe.call)


def _asks_float16(probe):
    """Whether any input of the probe is float16, or a float16 dtype is asked for."""
    def walk(r):
        if isinstance(r, (T, Arr)):
            return r.dtype == "float16"
        if isinstance(r, D):
            return r.name == "float16"
        if isinstance(r, dict):
            return any(walk(v) for v in r.values())
        if isinstance(r, (list, tuple)):
            return any(walk(v) for v in r)
        return False
    return walk(probe.call)


def _float64_in(p):
    if p[0] == "tensor":
        return p[2] == "float64"
    if p[0] in ("seq",):
        return any(_float64_in(v) for v in p[1])
    if p[0] == "dict":
        return any(_float64_in(v) for v in p[1].values())
    return False


def _has_empty(probe):
    return any(0 in tuple(r.shape) for r in tensors_in(probe.call) if isinstance(r.shape, tuple))


def _scalars(recipe):
    """The plain Python numbers and bools of a probe's call (not inside a tensor recipe)."""
    if isinstance(recipe, (bool, float)):
        yield recipe
    elif isinstance(recipe, (tuple, list)) and not isinstance(recipe, (T, Arr, D)):
        for r in recipe:
            yield from _scalars(r)
    elif isinstance(recipe, dict):
        for r in recipe.values():
            yield from _scalars(r)


def _policy_refusal(probe, exc):
    """Whether ``exc`` refuses a NaN, or a bool given for a number, of the probe's call, as
    minigrad's argument checks do on purpose (``minigrad/_checks.py``) where PyTorch takes it."""
    if not isinstance(exc, (TypeError, ValueError)):
        return False
    found = list(_scalars(probe.call))
    text = str(exc)
    if any(isinstance(v, float) and math.isnan(v) for v in found) and "nan" in text.lower():
        return True
    return any(isinstance(v, bool) and re.search(rf"must be (a number|an int)\b.*got {v!r}", text)
               for v in found)


UNCHECKED_TWINS = ("hardtanh_", "rrelu_")      # PyTorch's in-place kernels skip their op's checks

# Calls where minigrad differs from PyTorch on purpose (docs/API.md, "Argument checks that differ"),
# as (op, category, a piece of the message that shows the case):
OVERLOAD_KEYWORDS = (    # PyTorch's overloads tell a keyword from a position; one Python signature cannot
    ("scatter", "src=float"), ("scatter_", "src=float"),        # scatter(dim, index, 1.0) is legal
    ("var", "(dim=bool"), ("var_mean", ", dim=bool"),           # var(True) is PyTorch's unbiased=True
    ("std", "unbiased=NoneType, dim=tuple"),                    # std(dim=...) with the default spelled out
    ("std", "(dim=bool"), ("std_mean", ", dim=bool"),           # std(True) is PyTorch's unbiased=True
    ("where", "input=bool"), ("where", "input=int"), ("where", "input=float"),  # its scalar overload calls it self
)
EAGER_CHECKS = (         # PyTorch takes the value unread, or through a shortcut; minigrad checks it
    ("SGD", "dampening must be a number"), ("MultiStepLR", "gamma must be a number"),
    ("adaptive_avg_pool3d", "expected a 4-D (unbatched) or 5-D (batched) input"),
    ("take_along_dim", "is out of bounds for dimension"),       # PyTorch 2.13 wraps the index unchecked
)


def _documented_difference(target, table, exc):
    """Whether ``exc`` (minigrad's refusal, or PyTorch's) is one of ``table``'s documented cases."""
    return any(target.op == op and piece in str(exc) for op, piece in table)

KEEPDIM_ONLY_WITH_DIM = ("sum", "mean", "prod")    # PyTorch's overloads without dim take no keepdim


def _keepdim_without_dim(target, probe, theirs, m):
    """Whether PyTorch refused ``sum``/``mean``/``prod`` reducing every dim, spelled with
    ``keepdim`` and no ``dim`` or with ``dim=None`` (a TypeError from its overloads), while
    minigrad reduced every dim (keeping them with ``keepdim=True``)."""
    args, kwargs = probe.call if target.kind in ("mg", "Tensor") else ((), {})
    if target.op not in KEEPDIM_ONLY_WITH_DIM or not isinstance(theirs, TypeError) or m[0] != "tensor":
        return False
    if len(args) != 1 or not isinstance(args[0], T) or not set(kwargs) <= {"dim", "keepdim", "dtype"}:
        return False
    keepdim = kwargs.get("keepdim", False)
    if kwargs.get("dim") is not None or not isinstance(keepdim, bool) or "keepdim" not in kwargs and "dim" not in kwargs:
        return False
    return m[1].shape == ((1,) * len(args[0].shape) if keepdim else ())


_SIGN_OF_NAN = (lambda a, b: np.isnan(a) & (b == 0),
                "sign(NaN) is NaN, as in NumPy and the array API; PyTorch's 0 is its open issue 41245")

# Ops whose PyTorch values minigrad deliberately does not copy, each documented in the op's
# docstring: op -> (where PyTorch's value is taken to be minigrad's, given both arrays; why).
VALUE_DEVIATIONS = {
    "sign": _SIGN_OF_NAN,
    "sgn": _SIGN_OF_NAN,
    "gelu": (lambda a, b: np.isposinf(a) & np.isnan(b),
             "gelu(inf) is inf; PyTorch's float32 exact gelu gives NaN (its float64 one inf)"),
}


# Losses whose result dtype minigrad promotes from input and target, as every binary op does,
# where PyTorch's kernel returns input's (huber_loss) or target's (binary_cross_entropy_with_logits)
# dtype: documented in their docstrings.
PROMOTED_LOSSES = ("huber_loss", "HuberLoss", "binary_cross_entropy_with_logits", "BCEWithLogitsLoss")


NOT_DIFFERENTIABLE = ("unique",)    # PyTorch's result requires grad, its backward raises


def _without_grad(t):
    if t[0] == "tensor":
        return t[:3] + (False,)
    if t[0] == "seq":
        return ("seq", [_without_grad(v) for v in t[1]])
    return t


# The same for gradients, on an empty input only.
GRAD_DEVIATIONS = {
    op: (lambda a, b: (a == 0) & np.isnan(b),
         "the gradient of group_norm's weight over no elements is 0 (an empty sum); PyTorch's is NaN")
    for op in ("group_norm", "groupnorm")
}


def _take_ours(m, t, where):
    """PyTorch's plain value ``t`` with minigrad's ``m`` put where ``where(m, t)`` holds."""
    if m[0] == "tensor" and t[0] == "tensor" and m[1].shape == t[1].shape and m[1].dtype.kind == "f" \
            and t[1].dtype.kind == "f":
        b = t[1].copy()
        with np.errstate(all="ignore"):
            at = where(m[1], b)
        b[at] = m[1][at]
        return (t[0], b) + tuple(t[2:])
    if m[0] == t[0] == "seq" and len(m[1]) == len(t[1]):
        return ("seq", [_take_ours(x, y, where) for x, y in zip(m[1], t[1])])
    if m[0] == t[0] == "dict" and list(m[1]) == list(t[1]):
        return ("dict", {k: _take_ours(m[1][k], t[1][k], where) for k in m[1]})
    return t


TIED_CHOICE = ("kthvalue", "topk")     # the index among tied values is unspecified (PyTorch's docs)


def _tied_choice(target, mg, m, t):
    """``(t, move)``: PyTorch's plain result ``t`` of ``kthvalue`` or ``topk`` with minigrad's indices
    put in where the values agree and each of minigrad's indices points at an element equal to (or,
    for NaN, as NaN as) the value beside it, no element named twice -- which of tied elements is
    named is unspecified (PyTorch: "may nondeterministically return indices for any of them" on
    CUDA; on the CPU, the order its quickselect or topk leaves, lowest index first only on dims of
    up to 3 elements) -- and ``move``, which moves PyTorch's input gradient from its index to
    minigrad's (the gradient of the named element); ``(t, None)`` where nothing was put in."""
    if target.op not in TIED_CHOICE or m[0] != "seq" or t[0] != "seq" or len(m[1]) != 2 or len(t[1]) != 2 \
            or mg.args is None:
        return t, None
    (mv, mi), (tv, ti) = m[1], t[1]
    args, kwargs = mg.args
    dim = args[2] if len(args) > 2 else kwargs.get("dim", -1)
    keepdim = target.op == "topk" or (args[3] if len(args) > 3 else kwargs.get("keepdim", False))
    if not (args and hasattr(args[0], "shape") and isinstance(dim, int) and isinstance(keepdim, bool)) or \
            mi[0] != "tensor" or ti[0] != "tensor" or mi[1].shape != ti[1].shape or \
            compare(mv, tv) is not None or np.array_equal(mi[1], ti[1]):
        return t, None
    x = plain(args[0])[1]
    if x.ndim == 0:
        return t, None
    d = dim % x.ndim
    ours, theirs = (i if keepdim else np.expand_dims(i, d) for i in (mi[1], ti[1]))
    value = tv[1] if keepdim else np.expand_dims(tv[1], d)
    if ours.min(initial=0) < 0 or ours.max(initial=0) >= x.shape[d] or \
            np.any(np.diff(np.sort(ours, axis=d), axis=d) == 0):
        return t, None
    named = np.take_along_axis(x, ours, d)
    if not np.all((named == value) | (np.isnan(named) & np.isnan(value))):
        return t, None
    leaf = next((i for i, leaf in enumerate(mg.leaves) if leaf is args[0]), None)

    def move(grads):
        if leaf is None or grads[0] != "seq" or grads[1][leaf][0] != "tensor":
            return grads
        g = grads[1][leaf][1].copy()
        picked = np.take_along_axis(g, theirs, d)
        np.put_along_axis(g, theirs, 0, d)
        np.put_along_axis(g, ours, picked, d)
        items = list(grads[1])
        items[leaf] = (items[leaf][0], g) + tuple(items[leaf][2:])
        return ("seq", items)
    return ("seq", [tv, mi]), move


def _spelled_defaults(target, probe, theirs):
    """Whether PyTorch refused, with a TypeError, a call whose bent arguments (the probe's note;
    tensors aside) all hold the default of minigrad's signature, given by position or keyword."""
    if target.kind not in ("F", "mg", "Tensor") or not isinstance(theirs, TypeError):
        return False
    args, kwargs = probe.call
    names = [name for name, kind, _ in target.params if kind != "VAR_POSITIONAL"]
    defaults = {name: default for name, _, default in target.params}
    passed = dict(zip(names, args), **kwargs)
    bent = [b for b in probe.note.split(",") if b in passed and not isinstance(passed[b], (T, Arr))]
    return bool(bent) and len(args) <= len(names) and all(
        passed[b] is defaults.get(b) or type(passed[b]) is type(defaults.get(b)) and passed[b] == defaults[b]
        for b in bent)


VARIANCE_OPS = ("var", "std", "var_mean", "std_mean")


def _variance_spelling(target, probe, theirs):
    """Whether PyTorch refused, with a TypeError, a ``var``/``std`` (``_mean``) call made only of
    keywords that one of its overloads takes once spelled as minigrad's one signature
    ``var(input, dim=None, unbiased=None, keepdim=False, *, correction=None)`` reads it: ``keepdim``
    or ``unbiased`` with no ``dim`` (PyTorch takes ``var(x, None, True, True)`` by position, not by
    keyword), or ``unbiased=None`` -- minigrad's "not given", ``correction`` decides -- next to a
    valid ``dim``, ``keepdim`` or ``correction``."""
    if target.op not in VARIANCE_OPS or target.kind not in ("mg", "Tensor") or not isinstance(theirs, TypeError):
        return False
    args, kwargs = probe.call
    if len(args) != 1 or not isinstance(args[0], T) or not set(kwargs) <= {"dim", "unbiased", "keepdim", "correction"}:
        return False
    dim, unbiased = kwargs.get("dim"), kwargs.get("unbiased")
    keepdim, correction = kwargs.get("keepdim", False), kwargs.get("correction")
    valid = (dim is None or type(dim) is int or type(dim) is tuple and all(type(d) is int for d in dim)) and \
        type(keepdim) is bool and (unbiased is None or type(unbiased) is bool) and \
        (correction is None or type(correction) in (int, float)) and (unbiased is None or correction is None)
    return valid and (dim is None or unbiased is None) and ("unbiased" in kwargs or "keepdim" in kwargs)


def _torch_incomparable(exc, probe):
    """PyTorch failed for a reason that says nothing about the input: a keyword it spells
    differently, a half-precision kernel it lacks on the CPU, no answer in the worker's time, its
    own ``.view`` inside an op that is no view failing on a non-contiguous input."""
    from .execute import OracleTimeout
    if isinstance(exc, OracleTimeout):
        return True
    text = str(exc)
    if isinstance(exc, TypeError) and "unexpected keyword argument" in text:
        return True
    if "not implemented for 'Half'" in text or isinstance(exc, NotImplementedError):
        return True
    if "view size is not compatible with input tensor's size and stride" in text and \
            not probe.target.rsplit(".", 1)[-1].startswith("view"):
        return True     # a .view inside an op that makes no view (take_along_dim, kron): PyTorch's bug
    return False


RANDOM_KEYS = ("dropout_p", "dropout", "shuffle")


def _random(target, probe):
    """Whether the probe's values are random (then only shapes and dtypes are compared)."""
    if target.random:
        return True

    def walk(r):
        if isinstance(r, dict):
            return any((k in RANDOM_KEYS and v not in (0, 0.0, False, None) and not isinstance(v, str))
                       or walk(v) for k, v in r.items())
        if isinstance(r, (list, tuple)) and not isinstance(r, (T, Arr, D)):
            return any(walk(v) for v in r)
        return False
    if target.kind == "nn" and target.short.startswith("Transformer") and "dropout" not in probe.call[0]:
        return True    # PyTorch's default dropout=0.1
    return walk(probe.call)


def _mg_name(target):
    try:
        from .execute import resolve
        return getattr(resolve(target, "mg"), "__name__", None)
    except Exception:  # noqa: BLE001
        return None


def judge(target, probe, mg, th):
    """The verdict for minigrad's Result ``mg`` against PyTorch's ``th`` (None: no PyTorch to ask)."""
    if target.kind == "ckpt" and target.short == "save_load":
        return judge_checkpoint(target, probe, mg)
    fn_name = _mg_name(target)
    empty = _has_empty(probe)
    torch_returned = th is not None and th.ok
    torch_raised = th is not None and not th.ok and not _torch_incomparable(th.error, probe)
    if th is not None and not th.ok and not torch_raised:
        th = None

    def cat(default):
        return "checkpoints" if target.kind == "ckpt" else "empty batches" if empty else default

    if not mg.ok:
        problem = error_problem(target, mg.error, mg.frame, fn_name, th.error if torch_raised else None)
        if torch_returned:
            if isinstance(mg.error, NotImplementedError) and problem is None:
                return Verdict(cat("poor errors"), True, "not supported, says so")
            if problem is None and _policy_refusal(probe, mg.error):
                return Verdict(cat("poor errors"), True, "refuses a NaN or a bool, as minigrad's checks do")
            if problem is None and target.op in UNCHECKED_TWINS:
                return Verdict(cat("poor errors"), True, "refuses what PyTorch's out-of-place op refuses")
            if problem is None and _documented_difference(target, EAGER_CHECKS, mg.error):
                return Verdict(cat("poor errors"), True, "checks a value PyTorch takes unread (docs/API.md)")
            if isinstance(mg.error, _state_mismatch()):
                return Verdict(cat("silently wrong"), False, str(mg.error))
            return Verdict(cat("poor errors"), False,
                           f"refuses what PyTorch accepts ({mg.stage}): {format_exception(mg.error)}")
        if problem:
            return Verdict(cat("poor errors"), False, problem)
        return Verdict(cat("poor errors"), True)

    m = plain(mg.value)
    if th is None:
        if _float64_in(m) and not _asks_float64(probe):
            return Verdict(cat("silently wrong"), False, "float64 result from inputs that are not float64")
        return _backward_only(target, probe, mg, cat)
    if torch_raised:
        if isinstance(th.error, _state_mismatch()):
            return Verdict(cat("silently wrong"), False, str(th.error))
        if _keepdim_without_dim(target, probe, th.error, m):
            return Verdict(cat("silently wrong"), True, "keepdim without dim: every dim reduced and kept")
        if _spelled_defaults(target, probe, th.error):
            return Verdict(cat("silently wrong"), True, "a default spelled out, which PyTorch's overloads refuse")
        if _variance_spelling(target, probe, th.error):
            return Verdict(cat("invalid accepted"), True, "a var/std spelling PyTorch takes by position (docs/API.md)")
        if _documented_difference(target, OVERLOAD_KEYWORDS, th.error):
            return Verdict(cat("invalid accepted"), True, "a keyword PyTorch's overloads refuse (docs/API.md)")
        return Verdict(cat("invalid accepted"), False,
                       f"accepts what PyTorch refuses ({th.stage}): {format_exception(th.error)}")
    t = plain(th.value)
    t, move_gradient = _tied_choice(target, mg, m, t)
    random = _random(target, probe)
    ours = VALUE_DEVIATIONS.get(target.op.lower().rstrip("_"))
    if target.op in NOT_DIFFERENTIABLE:
        t = _without_grad(t)
    if target.op in PROMOTED_LOSSES and m[0] == t[0] == "tensor" and m[2] != t[2] and \
            m[1].dtype.kind == t[1].dtype.kind == "f":
        m = (m[0], m[1].astype(t[1].dtype), t[2], m[3])
    diff = compare(m, _take_ours(m, t, ours[0]) if ours else t, random)
    if diff is None and mg.args is not None and th.args is not None:
        m_args, t_args = plain(mg.args), plain(th.args)
        diff = compare(m_args, _take_ours(m_args, t_args, ours[0]) if ours else t_args, random,
                       "arguments after the call")
    if diff:
        return _float64_verdict(target, probe, mg, th, m, diff, cat, random)
    if random or target.kind in ("optim", "sched", "data") or target.op in NOT_DIFFERENTIABLE:
        return Verdict(cat("silently wrong"), True)
    g = seed_of(probe) + 1
    ran_mg, ran_t = backward(mg, g, "mg"), backward(th, g, "torch")
    if ran_mg != ran_t:
        return Verdict(cat("silently wrong"), False, f"output requires_grad {ran_mg}, PyTorch {ran_t}")
    if not ran_mg:
        return Verdict(cat("silently wrong"), True)
    if mg.backward_error is not None:
        if th.backward_error is None:
            return Verdict(cat("silently wrong"), False, f"backward fails where PyTorch's runs: "
                                                         f"{format_exception(mg.backward_error)}")
        problem = error_problem(target, mg.backward_error, mg.backward_frame, fn_name)
        return Verdict(cat("poor errors"), problem is None, problem or "")
    if th.backward_error is not None:
        return Verdict(cat("silently wrong"), True, "PyTorch's backward raised, minigrad's ran")
    loosest = "float16" if _asks_float16(probe) else None    # a float16 step rounds every gradient
    grad_ours = GRAD_DEVIATIONS.get(target.op.lower()) if empty else None
    m_g, t_g = plain([leaf.grad for leaf in mg.leaves]), plain([leaf.grad for leaf in th.leaves])
    if move_gradient is not None:
        t_g = move_gradient(t_g)
    diff = compare(m_g, _take_ours(m_g, t_g, grad_ours[0]) if grad_ours else t_g, False, "gradients", loosest)
    if diff is None and "__module__" in mg.named:
        mg_p = plain({k: p.grad for k, p in mg.named["__module__"].named_parameters()})
        t_p = plain({k: p.grad for k, p in th.named["__module__"].named_parameters()})
        diff = compare(mg_p, _take_ours(mg_p, t_p, grad_ours[0]) if grad_ours else t_p, False,
                       "parameter gradients", loosest)
    if diff:
        return _float64_verdict(target, probe, mg, th, m, diff, cat, random)
    return Verdict(cat("silently wrong"), True)


MOVED_RUNS = 4      # PyTorch's float32 runs on the data moved by float32 rounding errors


def _float64_verdict(target, probe, mg, th, m, diff, cat, random):
    """The verdict on float32 values (or gradients) that differ from PyTorch's, judged against
    PyTorch's float64 result on the same values (the exact result, as far as float64 goes): good
    if minigrad's is no further from it than PyTorch's float32 result is, on the probe's data or on
    data moved by float32 rounding errors (``_accurate_enough``), else ``diff``. The moved data
    are as good float32 data as the probe's, so how far PyTorch's float32 results then stray
    measures what the problem's conditioning allows a float32 computation: PyTorch's float32
    batch_norm and layer_norm of -1e9 + d lose the d that minigrad keeps; a Transformer of such
    inputs strays in both libraries."""
    bad = Verdict(cat("silently wrong"), False, diff)
    if "values differ" not in diff or random or _asks_float16(probe) or \
            not any(r.dtype == "float32" for r in tensors_in(probe.call)) or \
            any(isinstance(v, float) and not math.isfinite(v) for v in _scalars(probe.call)):
        return bad         # (a NaN flag may take another path in PyTorch's float64 kernels)
    from .execute import run
    from .recipes import float32_as_float64, float32_moved
    call = probe.call
    if target.kind == "nn":
        call = call[:3] + ({**call[3], "double": True},)
    with float32_as_float64():
        exact = run(target, probe._replace(call=call), "torch", mg)
    rng = np.random.default_rng(seed_of(probe))
    moved = []
    for _ in range(MOVED_RUNS):
        with float32_moved(rng):
            moved.append(run(target, probe, "torch", mg))
    theirs = [th] + [r for r in moved if r.ok]
    if not exact.ok or not _accurate_enough(m, plain(exact.value), [plain(r.value) for r in theirs]):
        return bad
    g = seed_of(probe) + 1
    ran = mg.backward_error is not None or any(leaf.grad is not None for leaf in mg.leaves) or \
        "__module__" in mg.named and any(p.grad is not None for p in mg.named["__module__"].parameters())
    if not ran:
        backward(mg, g, "mg")
        backward(th, g, "torch")
    for r in [exact] + theirs[1:]:
        backward(r, g, "torch")
    if mg.backward_error is not None or th.backward_error is not None or exact.backward_error is not None:
        return bad
    theirs = [r for r in theirs if r.backward_error is None]

    def grads(r):
        return plain([leaf.grad for leaf in r.leaves])

    def parameter_grads(r):
        return plain({k: p.grad for k, p in r.named["__module__"].named_parameters()})
    for of in [grads] + ([parameter_grads] if "__module__" in mg.named else []):
        if not _accurate_enough(of(mg), of(exact), [of(r) for r in theirs]):
            return bad
    return Verdict(cat("silently wrong"), True, "no further from PyTorch's float64 values than its float32 ones")


def _accurate_enough(m, exact, theirs):
    """Whether minigrad's plain value ``m`` equals ``exact`` (PyTorch's float64 one, at the
    oracle's tolerance), or, array by array, has its NaNs where ``exact`` has them and an error
    (the largest absolute difference from ``exact``) no larger than the largest of ``theirs``
    (PyTorch's float32 results, on the probe's data and on data moved by float32 rounding), give
    or take the rounding the float32 comparison allows (``_tolerance``): both libraries far from
    ``exact``, and each other's float32 neighbours."""
    if m[0] != exact[0] or any(t[0] != m[0] for t in theirs):
        return False
    if m[0] == "tensor":
        e = _like(m, exact)
        if compare(m, e, False, loosest=ORACLE) is None:
            return True
        if m[1].shape != e[1].shape or m[1].dtype.kind != "f" or \
                any(t[1].shape != m[1].shape or t[2] != m[2] for t in theirs):
            return False
        if not (np.isnan(m[1]) == np.isnan(exact[1])).all():
            return False
        rtol, atol = _tolerance(m[2])          # and the rounding a float32 comparison allows
        finite = np.isfinite(exact[1])
        scale = float(np.abs(exact[1][finite]).max()) if finite.any() else 1.0
        slack = rtol * scale + atol * max(1.0, scale)
        return _error(m[1], exact[1]) <= max(_error(t[1], exact[1]) for t in theirs) + slack
    if m[0] == "seq":
        n = len(m[1])
        return len(exact[1]) == n and all(len(t[1]) == n for t in theirs) and all(
            _accurate_enough(m[1][i], exact[1][i], [t[1][i] for t in theirs]) for i in range(n))
    if m[0] == "dict":
        keys = list(m[1])
        return list(exact[1]) == keys and all(list(t[1]) == keys for t in theirs) and all(
            _accurate_enough(m[1][k], exact[1][k], [t[1][k] for t in theirs]) for k in keys)
    return compare(m, theirs[0]) is None


def _error(a, exact):
    with np.errstate(all="ignore"):
        d = np.abs(a.astype(np.float64) - exact.astype(np.float64))
    d = d[~np.isnan(exact)]
    return float(d.max()) if d.size else 0.0


ORACLE = "float64 oracle"   # its values carry float64 rounding, amplified as PyTorch's float32 ones are


def _like(m, t):
    """PyTorch's plain value ``t`` with its float64 tensors in the float dtype of minigrad's ``m``."""
    if m[0] == t[0] == "tensor" and t[2] == "float64" and m[1].dtype.kind == "f" and m[2] != "float64":
        with np.errstate(all="ignore"):
            return ("tensor", t[1].astype(m[1].dtype), m[2], t[3])
    if m[0] == t[0] == "seq" and len(m[1]) == len(t[1]):
        return ("seq", [_like(x, y) for x, y in zip(m[1], t[1])])
    if m[0] == t[0] == "dict" and list(m[1]) == list(t[1]):
        return ("dict", {k: _like(m[1][k], t[1][k]) for k in m[1]})
    return t


def _backward_only(target, probe, mg, cat):
    if _random(target, probe) or target.kind in ("optim", "sched", "data", "ckpt"):
        return Verdict(cat("silently wrong"), True)
    if backward(mg, seed_of(probe) + 1, "mg") and mg.backward_error is not None:
        problem = error_problem(target, mg.backward_error, mg.backward_frame, _mg_name(target))
        return Verdict(cat("poor errors"), problem is None, problem or "")
    grads = plain([leaf.grad for leaf in mg.leaves])
    if _float64_in(grads) and not _asks_float64(probe):
        return Verdict(cat("silently wrong"), False, "float64 gradient for inputs that are not float64")
    return Verdict(cat("silently wrong"), True)


def _state_mismatch():
    from .execute import _StateMismatch
    return _StateMismatch


# ----------------------------------------------------------------------------- checkpoints


def _same_checkpoint(saved, loaded, where="checkpoint", exact_kinds=True):
    """None if ``loaded`` equals what was saved (values, dtypes, structure, tensor kinds)."""
    if hasattr(saved, "shape") and hasattr(saved, "requires_grad"):
        if not (hasattr(loaded, "shape") and hasattr(loaded, "requires_grad")):
            return f"{where}: a tensor came back as {type(loaded).__name__}"
        if exact_kinds and type(saved).__name__ == "Parameter" and type(loaded).__name__ != "Parameter":
            return f"{where}: a Parameter came back as {type(loaded).__name__}"
        return compare(plain(loaded), plain(saved), False, where)
    if isinstance(saved, dict):
        if not isinstance(loaded, dict) or list(saved) != list(loaded):
            return f"{where}: keys {list(saved)} came back as {list(loaded) if isinstance(loaded, dict) else loaded!r}"
        for k in saved:
            d = _same_checkpoint(saved[k], loaded[k], f"{where}[{k!r}]", exact_kinds)
            if d:
                return d
        return None
    if isinstance(saved, (list, tuple)):
        if type(saved) is not type(loaded) or len(saved) != len(loaded):
            return f"{where}: {saved!r} came back as {loaded!r}"
        for i, (a, b) in enumerate(zip(saved, loaded)):
            d = _same_checkpoint(a, b, f"{where}[{i}]", exact_kinds)
            if d:
                return d
        return None
    if isinstance(saved, float) and isinstance(loaded, float) and math.isnan(saved) and math.isnan(loaded):
        return None
    if saved != loaded or type(saved) is not type(loaded):
        return f"{where}: {saved!r} came back as {loaded!r}"
    return None


def judge_checkpoint(target, probe, mg):
    import os

    from .execute import FLAT, UNSAVEABLE
    obj_name, fmt, corruption, _ = probe.call
    directory = mg.named.get("directory")
    leftovers = sorted(f for f in os.listdir(directory) if not f.startswith("model")) if directory else []
    if leftovers and corruption != "directory":
        return Verdict("checkpoints", False, f"files left in the directory: {leftovers}")
    if corruption == "overwrite_failed" and mg.named.get("saved_ok"):
        err = mg.named.get("overwrite_error")
        if err is None:
            return Verdict("checkpoints", False, "save of an unsaveable object did not raise")
        if mg.ok:
            d = _same_checkpoint(mg.named["saved"], mg.value)
            return Verdict("checkpoints", d is None, d and f"a failed save lost the previous checkpoint: {d}" or "")
    if not mg.ok:
        problem = error_problem(target, mg.error, mg.frame)
        if problem:
            return Verdict("checkpoints", False, f"{mg.stage}: {problem}")
        # minigrad reads PyTorch's .pt files but writes none: save(format='torch') is refused (the
        # probe gets there for the objects torch.save is not asked to write)
        expected = (mg.stage == "save" and (obj_name in UNSAVEABLE or fmt in ("bogus", "torch") or
                                            fmt == "safetensors" and obj_name not in FLAT)) \
            or (mg.stage == "load" and corruption not in ("none", "overwrite_failed", "append"))
        if not expected:
            return Verdict("checkpoints", False, f"{mg.stage} failed on a sound checkpoint: {format_exception(mg.error)}")
        return Verdict("checkpoints", True)
    if mg.named.get("saved_ok") is None:
        return Verdict("checkpoints", False, f"load of a {corruption} path returned {type(mg.value).__name__}")
    d = _same_checkpoint(mg.named["saved"], mg.value, exact_kinds=fmt not in ("safetensors", "torch"))
    if d:
        return Verdict("checkpoints", False, f"{'a corrupted' if corruption != 'none' else 'the'} file loaded "
                                             f"as something else ({corruption}): {d}")
    return Verdict("checkpoints", True)
