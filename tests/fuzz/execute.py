"""Run one probe on one library ("mg" or "torch") and return what happened: the value, or the
exception with the file of the frame that raised it, plus what the comparison needs afterwards
(the leaves whose gradients to compare, the arguments as they are after the call, a module's
parameters)."""
from __future__ import annotations

import math
import os
import tempfile
import traceback
import zlib
from dataclasses import dataclass, field

import numpy as np

from .recipes import build
from .targets import torch_counterpart


@dataclass
class Result:
    value: object = None
    error: BaseException | None = None
    frame: str = ""                 # the innermost frame's file, for errors
    leaves: list = field(default_factory=list)
    args: object = None             # the built arguments (compared after the call: in-place changes)
    named: dict = field(default_factory=dict)   # module parameters / optimizer state, by name
    stage: str = ""                 # where it failed: "construct", "call", "backward"
    backward_error: BaseException | None = None
    backward_frame: str = ""

    @property
    def ok(self):
        return self.error is None


def seed_of(probe):
    """The probe's seed: its data, a module's initial weights. The judge's float64 run of a module
    (the ``double`` flag) keeps the seed of the probe it checks, so it sees the same values."""
    call = probe.call
    if len(call) == 4 and isinstance(call[3], dict) and "double" in call[3]:
        probe = probe._replace(call=call[:3] + ({k: v for k, v in call[3].items() if k != "double"},))
    return zlib.crc32(repr(probe).encode())


def _innermost(exc):
    tb = exc.__traceback__
    frame = ""
    while tb is not None:
        frame = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return frame


def _fail(res, exc, stage):
    res.error, res.frame, res.stage = exc, _innermost(exc), stage
    return res


def resolve(target, lib):
    if lib == "torch":
        return torch_counterpart(target)
    import minigrad as mg
    import minigrad.nn.functional as F
    where = {"F": F, "mg": mg, "Tensor": mg.Tensor, "nn": mg.nn, "optim": mg.optim,
             "sched": mg.optim.lr_scheduler, "data": mg.data}[target.kind]
    return getattr(where, target.short)


def run(target, probe, lib, mg_result=None):
    """The probe's call on ``lib``; never raises (the exception is in the Result). A module's
    PyTorch run takes minigrad's parameters, as they were before minigrad's call, from
    ``mg_result``. The library's generator is seeded from the probe first, so that a module's
    initial weights (and any other draw) are the probe's own, whatever ran before it in the worker."""
    rng = np.random.default_rng(seed_of(probe))
    _lib(lib).manual_seed(seed_of(probe))
    res = Result()
    try:
        if target.kind == "nn":
            mg_state = mg_result.named.get("__state__") if mg_result is not None else None
            return _module(target, probe, lib, rng, res, mg_state)
        runner = {"F": _function, "mg": _function, "Tensor": _function, "optim": _optimizer,
                  "sched": _scheduler, "data": _dataloader, "ckpt": _checkpoint}[target.kind]
        return runner(target, probe, lib, rng, res)
    except Exception as exc:  # noqa: BLE001 - every exception is judged
        return _fail(res, exc, res.stage or "call")


# ----------------------------------------------------------------------------- functions


def _function(target, probe, lib, rng, res):
    fn = resolve(target, lib)
    args, kwargs = probe.call
    res.stage = "build"
    a = build(args, lib, rng, res.leaves)
    k = build(kwargs, lib, rng, res.leaves)
    res.args = (a, k)
    res.stage = "call"
    res.value = fn(*a, **k)
    res.stage = ""
    return res


# ----------------------------------------------------------------------------- modules


def _state_of(mg_module):
    """A copy of a minigrad module's parameters and buffers, as NumPy arrays by name."""
    from minigrad import backend
    return {k: np.array(backend.to_numpy(v.data)) for k, v in mg_module.state_dict().items()}


def _state_to_torch(mg_state, torch_module):
    """Copy minigrad's parameters and buffers (``_state_of``) into the PyTorch module (the same
    names)."""
    import torch

    from .recipes import widened
    state = {k: torch.from_numpy(widened(v).copy()) for k, v in mg_state.items()}
    missing, unexpected = [], []
    own = torch_module.state_dict()
    for k in own:
        if k not in state:
            missing.append(k)
    for k in state:
        if k not in own:
            unexpected.append(k)
    if missing or unexpected:
        raise _StateMismatch(f"state_dict keys differ from PyTorch's: missing {missing}, extra {unexpected}")
    for k, v in state.items():
        if tuple(own[k].shape) != tuple(v.shape):
            raise _StateMismatch(f"state_dict[{k!r}] has shape {tuple(v.shape)}, PyTorch's {tuple(own[k].shape)}")
    torch_module.load_state_dict(state)


class _StateMismatch(Exception):
    pass


class OracleTimeout(Exception):
    """PyTorch took longer than the worker's ``ORACLE_TIMEOUT`` (it has no size check where
    minigrad refuses at once, e.g. a recurrent module with 10**20 layers); nothing to compare."""


def _module(target, probe, lib, rng, res, mg_state=None):
    ctor, inputs, fkw, flags = probe.call
    cls = resolve(target, lib)
    res.stage = "construct"
    c = build(ctor, lib, rng, [])
    module = cls(**c)
    if flags.get("double"):
        module = module.double()
    if flags.get("eval"):
        module.eval()
    if lib == "mg":     # before the call, which may change it (Embedding's max_norm, BatchNorm's stats)
        res.named["__state__"] = _state_of(module)
    elif mg_state is not None:
        _state_to_torch(mg_state, module)
    res.named["__module__"] = module
    res.stage = "build"
    a = build(inputs, lib, rng, res.leaves)
    k = build(fkw, lib, rng, res.leaves)
    res.args = (a, k)
    res.stage = "call"
    res.value = module(*a, **k)
    res.stage = ""
    return res


# ----------------------------------------------------------------------------- optimizers


def _lib(lib):
    if lib == "mg":
        import minigrad
        return minigrad
    import torch
    return torch


def _optimizer(target, probe, lib, rng, res):
    kind, kwargs, steps = probe.call
    L = _lib(lib)
    cls = resolve(target, lib)
    p1 = L.tensor(np.array([0.5, -1.0, 2.0], dtype=np.float32), requires_grad=True)
    p2 = L.tensor(np.array([[1.0, -2.0], [0.25, 3.0]], dtype=np.float32), requires_grad=True)
    params = {"list": [p1, p2], "empty": [], "tensor": p1, "groups": [{"params": [p1]}, {"params": [p2], "lr": 0.05}],
              "duplicate": [p1, p1], "no_grad": [p1, p2]}[kind]
    res.stage = "construct"
    opt = cls(params, **build(kwargs, lib, rng, []))
    res.stage = "call"
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((p1 - 1.0) ** 2 * 3.0).sum() + (p1 * 0.5).sum()
        if kind != "no_grad":
            loss = loss + (p2 ** 2).sum()
        loss.backward()
        opt.step()
        trajectory.append([p1.detach().clone(), p2.detach().clone()])
    res.value = trajectory
    res.stage = ""
    return res


def _scheduler(target, probe, lib, rng, res):
    kwargs, steps = probe.call
    L = _lib(lib)
    cls = resolve(target, lib)
    p = L.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    opt = L.optim.SGD([p], lr=0.1, momentum=0.9)
    res.stage = "construct"
    sched = cls(opt, **build(kwargs, lib, rng, []))
    res.stage = "call"
    lrs = []
    metrics = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4]
    for i in range(steps):
        opt.step()
        if target.short == "ReduceLROnPlateau":
            sched.step(metrics[i % len(metrics)])
        else:
            sched.step()
        g = opt.param_groups[0]
        lrs.append((float(g["lr"]), float(g.get("momentum", 0.0))))
    res.value = lrs
    res.stage = ""
    return res


def _dataloader(target, probe, lib, rng, res):
    n, kwargs = probe.call
    L = _lib(lib)
    x = L.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2))
    y = L.tensor(np.arange(n, dtype=np.int64))
    if lib == "mg":
        dataset = L.data.TensorDataset(x, y)
        loader_cls = L.data.DataLoader
    else:
        import torch.utils.data as tud
        dataset = tud.TensorDataset(x, y)
        loader_cls = tud.DataLoader
    res.stage = "construct"
    loader = loader_cls(dataset, **build(kwargs, lib, rng, []))
    res.stage = "call"
    batches = [list(b) if isinstance(b, (list, tuple)) else b for b in loader]   # a collate_fn may return anything
    try:
        length = len(loader)
    except TypeError:
        length = None
    res.value = (length, batches)
    res.stage = ""
    return res


# ----------------------------------------------------------------------------- checkpoints


def checkpoint_object(name, L):
    """The object a save/load probe saves (minigrad's, or PyTorch's ``L``)."""
    g = np.random.default_rng(7)

    def t(shape, dtype=np.float32):
        return L.tensor(g.standard_normal(shape).astype(dtype))
    if name == "state_dict":
        return {"weight": t((2, 3)), "bias": t((2,))}
    if name == "nested":
        return {"model": {"w": t((2, 2))}, "step": 3, "hist": [1.0, 2.5], "name": "x",
                "opt": {"lr": 0.1, "betas": (0.9, 0.99)}, "none": None}
    if name == "dtypes":
        return {d: L.tensor(np.arange(4).astype(d)) for d in
                ("float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool")}
    if name == "empty":
        return {"e": L.zeros(0, 3), "f": L.zeros(2, 0)}
    if name == "scalar0d":
        return {"s": L.tensor(3.5), "i": L.tensor(2)}
    if name == "noncontiguous":
        return {"t": t((3, 4)).transpose(0, 1)}
    if name == "numbers":
        return {"nan": math.nan, "inf": math.inf, "big": 2 ** 70, "neg": -1, "f": 0.1}
    if name == "strings":
        return {"s": "h\u00e9llo", "e": ""}
    if name == "lambda":
        return {"f": lambda: 1}
    if name == "set":
        return {"s": {1, 2}}
    if name == "object":
        return {"o": object()}
    if name == "parameter":
        return {"p": L.nn.Parameter(t((2,)))}
    if name == "tuple_keys":
        return {(1, 2): t((2,))}
    if name == "bad_key":
        return {1.5j: 1}
    raise ValueError(name)


UNSAVEABLE = {"lambda", "set", "object", "bad_key"}
FLAT = {"state_dict", "dtypes", "empty", "scalar0d", "noncontiguous", "parameter"}


def _corrupt(path, corruption, where):
    size = os.path.getsize(path)
    at = min(int(where * size), max(size - 1, 0))
    if corruption == "truncate":
        with open(path, "r+b") as f:
            f.truncate(at)
    elif corruption == "flip":
        with open(path, "r+b") as f:
            f.seek(at)
            b = f.read(1)
            f.seek(at)
            f.write(bytes([(b[0] if b else 0) ^ 0xFF]))
    elif corruption == "append":
        with open(path, "ab") as f:
            f.write(b"\x00junk" * 10)
    elif corruption == "random":
        with open(path, "wb") as f:
            f.write(np.random.default_rng(int(where * 1e6)).bytes(size))
    elif corruption == "empty":
        open(path, "wb").close()
    elif corruption == "zero_header":
        with open(path, "r+b") as f:
            f.write(b"\x00" * min(64, size))


def _checkpoint(target, probe, lib, rng, res):
    import minigrad as mg
    if target.short == "load_state_dict":
        return _load_state_dict(probe, lib, res)
    if lib != "mg":
        return None
    obj_name, fmt, corruption, where = probe.call
    directory = tempfile.mkdtemp(prefix="fuzz_ckpt_")
    res.named["directory"] = directory
    suffix = ".safetensors" if fmt == "safetensors" else ".pt"
    path = os.path.join(directory, "model" + suffix)
    obj = checkpoint_object(obj_name, mg)
    res.named["saved"] = obj
    if corruption == "missing":
        res.stage = "load"
        res.value = mg.load(path)
        return res
    if corruption == "directory":
        res.stage = "load"
        res.value = mg.load(directory)
        return res
    res.stage = "save"
    if fmt == "torch":
        try:
            import torch
        except ImportError:
            fmt = "npz"
    if fmt == "torch" and obj_name not in UNSAVEABLE and obj_name != "tuple_keys":
        torch.save(checkpoint_object(obj_name, torch), path)
        res.named["saved"] = checkpoint_object(obj_name, mg)
    elif fmt in (None, "npz"):
        mg.save(obj, path)
    else:
        mg.save(obj, path, format=fmt)
    res.named["saved_ok"] = True
    if corruption == "overwrite_failed":
        try:
            mg.save(checkpoint_object("lambda", mg), path)
        except Exception as exc:  # noqa: BLE001
            res.named["overwrite_error"] = exc
    else:
        _corrupt(path, corruption, where)
    res.stage = "load"
    res.value = mg.load(path)
    res.stage = ""
    return res


def _load_state_dict(probe, lib, res):
    how, strict = probe.call
    L = _lib(lib)
    module = L.nn.Linear(3, 2)
    with L.no_grad():       # the same starting values in both libraries (kept where nothing loads)
        module.weight.copy_(L.tensor(np.full((2, 3), 0.25, np.float32)))
        module.bias.copy_(L.tensor(np.full(2, -0.5, np.float32)))
    res.named["__module__"] = module
    g = np.random.default_rng(3)
    w, b = g.standard_normal((2, 3)).astype(np.float32), g.standard_normal(2).astype(np.float32)
    state = {"weight": L.tensor(w), "bias": L.tensor(b)}
    if how == "numpy":
        state = {"weight": w, "bias": b}
    elif how == "list":
        state = {"weight": w.tolist(), "bias": b.tolist()}
    elif how == "shape":
        state["weight"] = L.tensor(np.ones((3, 3), np.float32))
    elif how == "missing":
        del state["bias"]
    elif how == "unexpected":
        state["extra"] = L.tensor(np.ones(1, np.float32))
    elif how == "float64":
        state = {k: L.tensor(v.astype(np.float64)) for k, v in (("weight", w), ("bias", b))}
    elif how == "int":
        state = {k: L.tensor(np.round(v).astype(np.int64)) for k, v in (("weight", w), ("bias", b))}
    elif how == "scalar":
        state["bias"] = L.tensor(np.float32(1.0))
    elif how == "none":
        state["bias"] = None
    elif how == "nan":
        state["weight"] = L.tensor(np.full((2, 3), np.nan, np.float32))
    elif how == "non_dict":
        state = [state["weight"], state["bias"]]
    res.stage = "call"
    kwargs = {} if strict is None else {"strict": strict}
    out = module.load_state_dict(state, **kwargs)
    res.value = (sorted(getattr(out, "missing_keys", [])), sorted(getattr(out, "unexpected_keys", [])),
                 module.weight.detach(), module.bias.detach())
    res.stage = ""
    return res


def backward(res, grad_seed, lib):
    """Backward from the first floating output that requires grad, with a seeded gradient;
    returns whether a backward ran."""
    out = first_tensor(res.value)
    if out is None or not getattr(out, "requires_grad", False) or not _is_float(out):
        return False
    g = np.random.default_rng(grad_seed).standard_normal(tuple(out.shape)).astype(str(out.dtype).replace("torch.", ""))
    L = _lib(lib)
    grad = L.tensor(g) if lib == "mg" else L.from_numpy(g)
    try:
        out.backward(grad)
    except Exception as exc:  # noqa: BLE001
        res.backward_error, res.backward_frame = exc, _innermost(exc)
    return True


def _is_float(t):
    return "float" in str(t.dtype)


def first_tensor(value):
    if hasattr(value, "shape") and hasattr(value, "requires_grad"):
        return value
    if isinstance(value, (tuple, list)):
        for v in value:
            t = first_tensor(v)
            if t is not None:
                return t
    return None


def format_exception(exc):
    return f"{type(exc).__name__}: {exc}".split("\n")[0][:300]


def tail(exc):
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-3:])

