"""Hypothesis strategies that draw probes: one valid call per target (``targets.BASES``, or one
made from the parameter names), bent in zero, one or two places by the generator of each bent
parameter's name (``VALUES``): wrong types, floats where ints belong, negatives, NaN/inf, empty and
0-d tensors, other dtypes, non-contiguous layouts, mismatched shapes.
"""
from __future__ import annotations

import math
from typing import NamedTuple

from hypothesis import strategies as st

from .recipes import D, Fn, Raw, T, Arr
from .targets import BASES


class Probe(NamedTuple):
    target: str
    call: tuple         # functions: (args, kwargs); modules: (ctor, args, kwargs, flags); ...
    note: str = ""      # what was bent, for the report

    def __repr__(self):
        return f"Probe({self.target}, {self.call!r}{', ' + self.note if self.note else ''})"


NAN, INF = math.nan, math.inf

# ----------------------------------------------------------------------------- value families

BAD_ANY = [None, "x", Raw("object"), Raw("complex"), [1, "a"]]
BAD_NUMBER = [NAN, INF, -INF, "0.1", True, Raw("complex"), None, (0.5, 0.5)]

ints = st.sampled_from([-2, -1, 0, 1, 2, 3, 5])
bad_ints = st.sampled_from([1.5, 2.0, NAN, True, False, "2", None, (1, 1), [2], 10**20, -(10**20)])
dims = st.one_of(st.integers(-4, 3), st.sampled_from([1.5, None, "0", True, (0, 0), (0, 1), (-1, 1), (), [0], (5,)]))
sizes = st.one_of(st.integers(-2, 5), st.sampled_from(
    [0, 1.5, 2.0, NAN, None, True, "2", (1, 1), (2,), (1, 2, 3), (1.5, 1), (0, 1), (-1, 2), (2, 2), [2, 2], ()]))
floats = st.one_of(st.sampled_from([0.0, 1e-5, 0.1, 0.5, 0.9, 1.0, 1.5, 2.0, 2, 0, -0.5, -1.0, 1e30, 1e-300]),
                   st.sampled_from(BAD_NUMBER))
probabilities = st.sampled_from([0.0, 0.1, 0.5, 1.0, 1, -0.1, 1.5, NAN, INF, "0.5", None, True])
bools = st.sampled_from([True, False, None, 0, 1, 2, "yes", 0.5])
shapes = st.one_of(
    st.lists(st.integers(-1, 4), min_size=0, max_size=4).map(tuple),
    st.sampled_from([(2.0, 3), (1.5,), ("2",), None, (-2, 3), [6], (6,), (3, 2), (2, 3), (-1,), (0,), (2, -1)]))
indices = st.one_of(st.integers(-101, 6), st.sampled_from([1.5, None, "0", True]))
dtypes = st.sampled_from([D("float32"), D("float64"), D("float16"), D("int64"), D("int32"), D("bool"),
                          D("uint8"), None, "float32", 1])
devices = st.sampled_from(["cpu", None, "bogus", 0, "cpu:0"])
callables = st.sampled_from([Fn("decay"), Fn("constant"), Fn("negative"), Fn("raises"), None, 1])

CHOICES = {
    "reduction": ["none", "mean", "sum", "elementwise_mean", "avg", "", None, 1],
    "mode": ["nearest", "bilinear", "linear", "bicubic", "area", "nearest-exact", "trilinear", "constant",
             "reflect", "replicate", "circular", "min", "max", "triangular", "triangular2", "exp_range", "bogus", None],
    "padding_mode": ["zeros", "reflect", "replicate", "circular", "bogus", None],
    "nonlinearity": ["tanh", "relu", "sigmoid", None],
    "rounding_mode": [None, "trunc", "floor", "bogus", 1],
    "approximate": ["none", "tanh", "bogus", None],
    "activation": ["relu", "gelu", "bogus", None],
    "anneal_strategy": ["cos", "linear", "bogus"],
    "threshold_mode": ["rel", "abs", "bogus"],
    "scale_mode": ["cycle", "iterations", "bogus"],
    "interpolation": ["linear", "lower", "higher", "midpoint", "nearest", "bogus"],
    "side": ["left", "right", "bogus", None],
    "equation": ["ij,jk->ik", "ii->i", "i,i->", "bogus", "ij->ji", "...", 1],
}

FAMILY = {}
for _n in ("dim", "dim0", "dim1", "start_dim", "end_dim", "axis", "axis0", "axis1", "source", "destination",
           "dims", "diagonal", "offset"):
    FAMILY[_n] = dims
for _n in ("kernel_size", "stride", "padding", "dilation", "output_padding", "output_size", "groups",
           "num_groups", "chunks", "split_size", "split_size_or_sections", "n", "m", "steps",
           "num_samples", "k", "shifts", "num_heads", "embed_dim_to_check", "repeats", "in_features",
           "out_features", "in1_features", "in2_features", "in_channels", "out_channels", "num_features",
           "num_channels", "hidden_size", "input_size", "num_layers", "num_embeddings", "embedding_dim",
           "embed_dim", "d_model", "nhead", "dim_feedforward", "num_encoder_layers", "num_decoder_layers",
           "step_size", "T_max", "total_steps", "epochs", "steps_per_epoch", "step_size_up",
           "step_size_down", "patience", "cooldown", "batch_size", "num_workers", "max_len", "kdim",
           "vdim", "last_epoch", "start", "end", "step", "low", "high", "divisor_override", "unflattened_size",
           "sizes", "upscale_factor", "num_classes"):
    FAMILY[_n] = st.one_of(sizes, bad_ints)
for _n in ("eps", "momentum", "lr", "alpha", "beta", "delta", "negative_slope", "threshold", "label_smoothing",
           "value", "fill_value", "min", "max", "weight_decay", "gamma", "eta_min", "mean", "std", "scale",
           "scale_factor", "exponent", "a", "b", "norm_type", "max_norm", "rtol", "atol", "lambd",
           "dampening", "rho", "lr_decay", "initial_accumulator_value", "base_lr", "max_lr", "factor",
           "min_lr", "pct_start", "div_factor", "final_div_factor", "base_momentum", "max_momentum",
           "layer_norm_eps", "min_val", "max_val", "lower", "upper", "q", "other", "weight", "end"):
    FAMILY.setdefault(_n, floats)
for _n in ("p", "dropout", "dropout_p"):
    FAMILY[_n] = probabilities
for _n in ("keepdim", "bias", "batch_first", "inplace", "ceil_mode", "count_include_pad", "return_indices",
           "training", "affine", "track_running_stats", "elementwise_affine", "align_corners", "is_causal",
           "need_weights", "add_zero_attn", "bidirectional", "nesterov", "amsgrad", "maximize", "centered",
           "shuffle", "drop_last", "log_target", "descending", "largest", "sorted", "stable", "replacement",
           "unbiased", "three_phase", "cycle_momentum", "norm_first", "add_bias_kv", "average_attn_weights",
           "pin_memory", "equal_nan", "recompute_scale_factor", "antialias", "return_inverse",
           "return_counts", "right", "out_int32", "sparse", "scale_grad_by_freq", "use_separate_proj_weight",
           "copy", "non_blocking", "force", "enable_nested_tensor", "mask_check", "_freeze"):
    FAMILY[_n] = bools
for _n in ("ignore_index", "padding_idx"):
    FAMILY[_n] = indices
for _n in ("shape", "size", "normalized_shape"):
    FAMILY[_n] = shapes
for _n in ("lr_lambda", "collate_fn", "scale_fn"):
    FAMILY[_n] = callables
FAMILY["dtype"] = dtypes
FAMILY["device"] = devices
FAMILY["correction"] = st.sampled_from([0, 1, 2, 5, 100, -1, 1.5, NAN, None, True])
FAMILY["betas"] = st.sampled_from([(0.9, 0.999), (0.0, 0.0), (1.0, 0.999), (-0.1, 0.9), (0.9,), (0.9, 1.5),
                                   (NAN, 0.9), 0.9, None, "0.9"])
FAMILY["milestones"] = st.sampled_from([[2, 4], [4, 2], [2, 2], [], [-1], [1.5], 3, None, "2"])
FAMILY["pad"] = st.sampled_from([(1, 2), (1,), (1, 1, 1), (1.5, 1), (-1, 0), (-5, -5), (0, 0, 0, 0), (2, 2, 2, 2),
                                 (), None, 1, [1, 1], ("1", 1), (100, 0)])
FAMILY["p"] = st.one_of(probabilities, st.sampled_from(["fro", "nuc", 1, 2, INF, -INF, 0, 3, "bogus"]))
for _n, _v in CHOICES.items():
    FAMILY[_n] = st.sampled_from(_v)

# ----------------------------------------------------------------------------- tensors

DTYPES = ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"]
FILLS = ["normal", "positive", "negative", "unit", "zeros", "ones", "int:3", "nan", "inf", "ninf", "large", "huge"]


@st.composite
def bent_tensor(draw, base, allow_other=True):
    """``base`` (a T) changed in one way; ``allow_other``: or replaced by a value of another type."""
    how = draw(st.sampled_from(["grad", "dtype", "fill", "shape", "empty", "scalar", "layout"]
                               + (["other"] if allow_other else [])))
    shape = tuple(base.shape)
    if how == "grad":
        return base._replace(grad=not base.grad)
    if how == "dtype":
        return base._replace(dtype=draw(st.sampled_from(DTYPES)), grad=False)
    if how == "fill":
        return base._replace(fill=draw(st.sampled_from(FILLS)))
    if how == "shape":
        change = draw(st.sampled_from(["add", "drop", "grow", "shrink", "one"]))
        if change == "add" or not shape:
            return base._replace(shape=(1,) + shape)
        i = draw(st.integers(0, len(shape) - 1))
        if change == "drop":
            return base._replace(shape=shape[:i] + shape[i + 1:])
        if change == "grow":
            return base._replace(shape=shape[:i] + (shape[i] + 1,) + shape[i + 1:])
        if change == "shrink":
            return base._replace(shape=shape[:i] + (max(shape[i] - 1, 1),) + shape[i + 1:])
        return base._replace(shape=shape[:i] + (1,) + shape[i + 1:])
    if how == "empty":
        if not shape:
            return base._replace(shape=(0,))
        i = draw(st.integers(0, len(shape) - 1))
        return base._replace(shape=shape[:i] + (0,) + shape[i + 1:])
    if how == "scalar":
        return base._replace(shape=())
    if how == "layout":
        if len(shape) >= 2:
            return base._replace(layout="noncontiguous")
        return base._replace(shape=shape + (2,), layout="noncontiguous")
    return draw(st.sampled_from([None, 1.5, 2, [1.0, 2.0], Arr(shape, base.dtype), "x", True]))


def tensor_like(name):
    return name in TENSOR_NAMES or name.endswith(("_weight", "_bias", "_mask", "_k", "_v"))


TENSOR_NAMES = {"input", "self", "other", "weight", "bias", "target", "x", "tensor", "index", "src", "mask",
                "query", "key", "value", "end", "tensor1", "tensor2", "condition", "input1", "input2",
                "running_mean", "running_var", "hx", "indices", "attn_mask", "key_padding_mask", "pos_weight",
                "boundaries", "sorted_sequence", "vec", "vec1", "vec2", "mat", "mat1", "mat2", "batch1",
                "batch2", "A", "B", "y", "elements", "test_elements", "values", "source", "other_tensor"}


def default_value(name, kind, default, first_tensor):
    """A valid value for a required parameter that ``BASES`` does not name."""
    if kind == "VAR_POSITIONAL":
        return {"shape": (3, 2), "size": (2, 3), "sizes": (2, 3), "dims": (1, 0), "tensors": (T((2, 3)), T((2, 3))),
                "operands": (T((2, 3)), T((3, 2)))}.get(name, ())
    if name in ("tensors", "inputs", "seq"):
        return [T((2, 3)), T((2, 3))]
    if name in ("dim", "dim0", "axis", "start_dim", "source"):
        return 0
    if name in ("dim1", "end_dim", "destination", "axis1"):
        return 1
    if name in ("dims",):
        return (0,)
    if name in ("shape", "size", "sizes"):
        return (3, 2) if first_tensor else (2, 3)
    if name in ("index", "indices"):
        return T((2, 3), "int64", "int:2")
    if name in ("mask", "condition"):
        return T((2, 3), "bool", "bool")
    if tensor_like(name):
        return T((2, 3))
    if name in ("exponent", "value", "fill_value", "other", "min", "max", "alpha", "lambd", "q", "weight"):
        return 0.5
    if name in ("split_size", "split_size_or_sections", "chunks", "k", "n", "repeats", "shifts", "steps",
                "num_samples", "num_classes", "high", "end"):
        return 2
    if name == "equation":
        return "ij,jk->ik"
    if name == "data":
        return [1.0, 2.0]
    return 1


def base_call(target):
    """``{name: recipe}`` for a valid call of a function or method target."""
    base = dict(BASES.get(target.name, {}))
    first_tensor = bool(target.params) and target.params[0][0] in ("input", "self")
    for name, kind, default in target.params:
        if name in base:
            continue
        if kind == "VAR_POSITIONAL" or default is _EMPTY:
            base[name] = default_value(name, kind, default, first_tensor)
    return base


_EMPTY = __import__("inspect").Parameter.empty


def value_for(name, current):
    """The strategy for a bent parameter ``name`` whose valid value is ``current``."""
    if isinstance(current, T):
        return bent_tensor(current, allow_other=name != "self")
    if isinstance(current, (list, tuple)) and current and all(isinstance(c, T) for c in current):
        return st.one_of(
            st.integers(0, len(current) - 1).flatmap(
                lambda i: bent_tensor(current[i]).map(lambda b: type(current)(current[:i]) + type(current)([b])
                                                      + type(current)(current[i + 1:]))),
            st.sampled_from([type(current)(), current[0], [T(())] * 2, [None, current[0]], [1.0, 2.0]]))
    if name in FAMILY:
        return FAMILY[name]
    if current is None and tensor_like(name):
        return st.sampled_from([T((2, 3)), T((3,)), T(()), T((0,)), None, 1.0])
    return st.sampled_from([0, 1, -1, 1.5, NAN, None, True, "x", (1, 2)])


def _split(target, values):
    """Arguments as (args, kwargs): required parameters and *args positionally (in order),
    the rest by keyword."""
    args, kwargs = [], {}
    for name, kind, default in target.params:
        if name not in values:
            continue
        v = values[name]
        if kind == "VAR_POSITIONAL":
            args.extend(v if isinstance(v, (tuple, list)) else [v])
        elif kind == "KEYWORD_ONLY" or (default is not _EMPTY and kind != "POSITIONAL_ONLY"):
            kwargs[name] = v
        else:
            args.append(v)
    return tuple(args), kwargs


def _whole_call(values, how):
    """Every tensor of a call changed together: an empty batch, or float64 everywhere."""
    def change(r):
        if isinstance(r, T):
            if how == "float64" and r.dtype == "float32":
                return r._replace(dtype="float64")
            if how == "batch0" and r.shape and r.shape[0] == first:
                return r._replace(shape=(0,) + tuple(r.shape[1:]))
            return r
        if isinstance(r, (list, tuple)) and type(r) in (list, tuple):
            return type(r)(change(x) for x in r)
        return r
    first = next((r.shape[0] for r in values.values() if isinstance(r, T) and r.shape), None)
    return {k: change(v) for k, v in values.items()}


@st.composite
def function_probe(draw, target):
    values = base_call(target)
    bendable = [p for p in target.params if p[1] != "VAR_KEYWORD"]
    note = []
    how = draw(st.sampled_from(["none", "one", "one", "one", "two", "batch0", "float64"]))
    if how in ("batch0", "float64"):
        values = _whole_call(values, how)
        note.append(how)
    elif bendable and how != "none":
        chosen = draw(st.lists(st.sampled_from(bendable), min_size=1, max_size=1 if how == "one" else 2,
                               unique=True))
        for name, kind, default in chosen:
            current = values.get(name, None if default is _EMPTY else default)
            values[name] = draw(value_for(name, current))
            note.append(name)
    args, kwargs = _split(target, values)
    return Probe(target.name, (args, kwargs), ",".join(note))


@st.composite
def module_probe(draw, target):
    ctor, inputs = BASES.get(target.name, ({}, None))
    ctor = dict(ctor)
    if inputs is None:
        n = 2 if target.short.endswith("Loss") else 1
        inputs = [T((2, 3, 4)), T((2, 3, 4))][:n]
    inputs = list(inputs)
    flags = {}
    how = draw(st.sampled_from(["none", "ctor", "ctor", "input", "input", "batch0", "float64", "double",
                                "eval", "kwarg"]))
    note = how
    if how == "ctor" and target.ctor:
        name, kind, default = draw(st.sampled_from([p for p in target.ctor if p[1] != "VAR_POSITIONAL"]
                                                   or [("x", "", None)]))
        if name != "x":
            ctor[name] = draw(value_for(name, ctor.get(name, None if default is _EMPTY else default)))
            note = f"ctor:{name}"
    elif how == "input":
        i = draw(st.integers(0, len(inputs) - 1))
        inputs[i] = draw(value_for("input", inputs[i]))
        note = f"input{i}"
    elif how == "batch0":
        seq_first = target.short.startswith(("LSTM", "GRU", "RNN", "Multihead", "Transformer", "Positional")) \
            and not target.short.endswith("Cell") and not ctor.get("batch_first")
        axis = 1 if seq_first else 0
        inputs = [r._replace(shape=tuple(r.shape[:axis]) + (0,) + tuple(r.shape[axis + 1:]))
                  if isinstance(r, T) and len(r.shape) > axis else r for r in inputs]
    elif how == "float64":
        inputs = list(_whole_call(dict(enumerate(inputs)), "float64").values())
        flags["double"] = True
    elif how == "double":
        flags["double"] = True
    elif how == "eval":
        flags["eval"] = True
    elif how == "kwarg":
        extra = [p for p in target.params[len(inputs):] if p[1] != "VAR_POSITIONAL"]
        if extra:
            name, kind, default = draw(st.sampled_from(extra))
            kwargs = {name: draw(value_for(name, default if default is not _EMPTY else None))}
            return Probe(target.name, (ctor, tuple(inputs), kwargs, flags), f"kwarg:{name}")
    return Probe(target.name, (ctor, tuple(inputs), {}, flags), note)


OPTIMIZER_PARAMS = ["list", "list", "list", "empty", "tensor", "groups", "duplicate", "no_grad"]


@st.composite
def optimizer_probe(draw, target):
    kwargs = {}
    how = draw(st.sampled_from(["none", "one", "one", "two", "params"]))
    params = "list"
    bendable = [p for p in target.ctor if p[0] != "params"]
    if how in ("one", "two") and bendable:
        for name, kind, default in draw(st.lists(st.sampled_from(bendable), min_size=1,
                                                 max_size=1 if how == "one" else 2, unique=True)):
            kwargs[name] = draw(value_for(name, default))
    elif how == "params":
        params = draw(st.sampled_from(OPTIMIZER_PARAMS))
    return Probe(target.name, (params, kwargs, 3), how if how != "params" else f"params:{params}")


SCHEDULER_BASES = {
    "StepLR": dict(step_size=2), "MultiStepLR": dict(milestones=[2, 4]), "ExponentialLR": dict(gamma=0.9),
    "CosineAnnealingLR": dict(T_max=4), "LambdaLR": dict(lr_lambda=Fn("decay")),
    "OneCycleLR": dict(max_lr=1.0, total_steps=10), "CyclicLR": dict(base_lr=0.01, max_lr=0.1, step_size_up=2),
    "ReduceLROnPlateau": dict(patience=1), "MultiplicativeLR": dict(lr_lambda=Fn("decay")),
    "LinearLR": dict(), "ConstantLR": dict(), "PolynomialLR": dict(total_iters=4),
    "CosineAnnealingWarmRestarts": dict(T_0=3),
}


@st.composite
def scheduler_probe(draw, target):
    kwargs = dict(SCHEDULER_BASES.get(target.short, {}))
    bendable = [p for p in target.ctor if p[0] != "optimizer"]
    how = draw(st.sampled_from(["none", "one", "one", "two"]))
    if how != "none" and bendable:
        for name, kind, default in draw(st.lists(st.sampled_from(bendable), min_size=1,
                                                 max_size=1 if how == "one" else 2, unique=True)):
            kwargs[name] = draw(value_for(name, kwargs.get(name, default if default is not _EMPTY else None)))
    return Probe(target.name, (kwargs, 8), how)


@st.composite
def dataloader_probe(draw, target):
    kwargs = {}
    n = draw(st.sampled_from([10, 10, 10, 1, 0, 7]))
    bendable = [p for p in target.ctor if p[0] not in ("dataset", "generator", "sampler", "batch_sampler")]
    for name, kind, default in draw(st.lists(st.sampled_from(bendable), min_size=0, max_size=2, unique=True)):
        kwargs[name] = draw(value_for(name, default))
    if kwargs.get("num_workers") not in (0, None, False) and not isinstance(kwargs.get("num_workers"), str):
        kwargs["num_workers"] = -1 if kwargs["num_workers"] != 0 else 0   # no worker processes in a probe
    return Probe(target.name, (n, kwargs), ",".join(kwargs))


CHECKPOINT_OBJECTS = ["state_dict", "nested", "dtypes", "empty", "scalar0d", "noncontiguous", "numbers",
                      "strings", "lambda", "set", "object", "parameter", "tuple_keys", "bad_key"]
CORRUPTIONS = ["none", "none", "truncate", "flip", "flip", "append", "random", "empty", "zero_header",
               "directory", "missing", "overwrite_failed"]


@st.composite
def checkpoint_probe(draw, target):
    if target.short == "load_state_dict":
        how = draw(st.sampled_from(["ok", "numpy", "list", "shape", "missing", "unexpected", "float64", "int",
                                    "scalar", "none", "nan", "non_dict"]))
        strict = draw(st.sampled_from([True, False, None, "yes"]))
        return Probe(target.name, (how, strict), f"{how},strict={strict}")
    obj = draw(st.sampled_from(CHECKPOINT_OBJECTS))
    fmt = draw(st.sampled_from(["npz", "npz", "safetensors", "torch", None, "bogus"]))
    corruption = draw(st.sampled_from(CORRUPTIONS))
    where = draw(st.floats(0.0, 1.0))
    return Probe(target.name, (obj, fmt, corruption, where), f"{obj},{fmt},{corruption}")


def probe_strategy(target):
    return {"F": function_probe, "mg": function_probe, "Tensor": function_probe, "nn": module_probe,
            "optim": optimizer_probe, "sched": scheduler_probe, "data": dataloader_probe,
            "ckpt": checkpoint_probe}[target.kind](target)
