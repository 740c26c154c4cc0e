"""What the fuzz suite probes, found by walking the package (a new function is covered the day it
is exported): every function of ``minigrad`` and ``minigrad.nn.functional``, every public Tensor
method, every module class of ``minigrad.nn``, every optimizer and scheduler, the DataLoader, and
save/load.

A target knows its parameters (from ``inspect.signature``) and its PyTorch counterpart (found by
name; None when PyTorch has none). ``BASES`` holds, for the targets whose arguments must fit
together (conv's weight and input, a loss's target), one valid call that the probes then bend.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from .recipes import T

# Tensor methods and functions not worth a probe: conversions to other devices, hooks, printing,
# the autograd entry points (exercised by every probe's backward), the global-state switches.
SKIP = {
    "Tensor.backward", "Tensor.register_hook", "Tensor.register_post_accumulate_grad_hook",
    "Tensor.retain_grad", "Tensor.cuda", "Tensor.numpy", "Tensor.detach_", "Tensor.requires_grad_",
    "Tensor.data_ptr", "Tensor.untyped_storage", "Tensor.storage", "Tensor.pin_memory",
    "mg.manual_seed", "mg.set_default_dtype", "mg.get_default_dtype", "mg.is_grad_enabled",
    "mg.set_grad_enabled", "mg.load", "mg.save", "mg.from_numpy", "mg.set_printoptions",
    "mg.use_deterministic_algorithms", "mg.seed", "mg.initial_seed", "mg.compile",
}

# Targets whose values are random: only shapes and dtypes are compared.
RANDOM = ("rand", "bernoulli", "normal", "multinomial", "uniform_", "dropout", "Dropout", "empty",
          "exponential_", "geometric_", "cauchy_", "log_normal_", "random_", "rrelu", "RReLU",
          "PositionalEncoding")

# Module classes that are not layers one can build from numbers: containers, bases, the ones
# that need a process group or another module.
MODULE_SKIP = {"Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential",
               "RNNBase", "RNNCellBase", "SyncBatchNorm", "TransformerEncoder", "TransformerDecoder"}

IMG = T((2, 4, 6, 6))

# One valid call per target that needs more than "a (2, 3) float tensor"; name -> arguments.
# Modules: "nn.X" -> (constructor kwargs, forward args).
BASES = {
    "F.conv1d": dict(input=T((2, 4, 7)), weight=T((3, 4, 3)), bias=T((3,))),
    "F.conv2d": dict(input=IMG, weight=T((3, 4, 3, 3)), bias=T((3,))),
    "F.conv_transpose2d": dict(input=IMG, weight=T((4, 3, 3, 3)), bias=T((3,))),
    "F.conv3d": dict(input=T((2, 4, 3, 4, 5)), weight=T((3, 4, 2, 2, 2)), bias=T((3,))),
    "F.conv_transpose3d": dict(input=T((2, 4, 3, 4, 5)), weight=T((4, 3, 2, 2, 2)), bias=T((3,))),
    "F.unfold": dict(input=IMG, kernel_size=2),
    "F.fold": dict(input=T((2, 8, 9)), output_size=(4, 4), kernel_size=2),
    "F.linear": dict(input=T((2, 4)), weight=T((3, 4)), bias=T((3,))),
    "F.bilinear": dict(input1=T((2, 3)), input2=T((2, 4)), weight=T((5, 3, 4)), bias=T((5,))),
    "F.batch_norm": dict(input=T((3, 4)), running_mean=T((4,), fill="zeros"),
                         running_var=T((4,), fill="ones"), weight=T((4,)), bias=T((4,))),
    "F.layer_norm": dict(input=T((2, 3, 4)), normalized_shape=(4,), weight=T((4,)), bias=T((4,))),
    "F.group_norm": dict(input=T((2, 4, 3)), num_groups=2, weight=T((4,)), bias=T((4,))),
    "F.embedding": dict(input=T((2, 5), "int64", "int:10"), weight=T((10, 3))),
    "F.one_hot": dict(tensor=T((5,), "int64", "int:4"), num_classes=4),
    "F.cross_entropy": dict(input=T((4, 5)), target=T((4,), "int64", "int:5")),
    "F.nll_loss": dict(input=T((4, 5)), target=T((4,), "int64", "int:5")),
    "F.binary_cross_entropy": dict(input=T((4, 3), fill="unit"), target=T((4, 3), fill="unit")),
    "F.binary_cross_entropy_with_logits": dict(input=T((4, 3)), target=T((4, 3), fill="unit")),
    "F.kl_div": dict(input=T((4, 3)), target=T((4, 3), fill="unit")),
    "F.adaptive_avg_pool2d": dict(input=IMG, output_size=(2, 3)),
    "F.adaptive_max_pool2d": dict(input=IMG, output_size=(2, 3)),
    "F.avg_pool2d": dict(input=IMG, kernel_size=2),
    "F.max_pool2d": dict(input=IMG, kernel_size=2),
    "F.avg_pool3d": dict(input=T((2, 3, 4, 4, 4)), kernel_size=2),
    "F.max_pool3d": dict(input=T((2, 3, 4, 4, 4)), kernel_size=2),
    "F.interpolate": dict(input=T((2, 3, 4, 4)), scale_factor=2),
    "F.pad": dict(input=T((2, 3, 4)), pad=(1, 2)),
    "F.scaled_dot_product_attention": dict(query=T((2, 3, 4)), key=T((2, 5, 4)), value=T((2, 5, 4))),
    "F.multi_head_attention_forward": dict(
        query=T((3, 2, 8)), key=T((3, 2, 8)), value=T((3, 2, 8)), embed_dim_to_check=8, num_heads=2,
        in_proj_weight=T((24, 8)), in_proj_bias=T((24,)), bias_k=None, bias_v=None,
        add_zero_attn=False, dropout_p=0.0, out_proj_weight=T((8, 8)), out_proj_bias=T((8,))),
    "F.softmax": dict(input=T((2, 3)), dim=-1),
    "F.log_softmax": dict(input=T((2, 3)), dim=-1),
    "mg.matmul": dict(input=T((2, 3)), other=T((3, 4))),
    "Tensor.matmul": dict(self=T((2, 3)), other=T((3, 4))),
    "mg.gather": dict(input=T((3, 4)), dim=1, index=T((3, 2), "int64", "int:4")),
    "Tensor.gather": dict(self=T((3, 4)), dim=1, index=T((3, 2), "int64", "int:4")),
    "mg.scatter_add": dict(input=T((3, 4)), dim=1, index=T((3, 2), "int64", "int:4"), src=T((3, 2))),
    "Tensor.scatter_add": dict(self=T((3, 4)), dim=1, index=T((3, 2), "int64", "int:4"), src=T((3, 2))),
    "mg.index_select": dict(input=T((3, 4)), dim=0, index=T((5,), "int64", "int:3")),
    "Tensor.index_select": dict(self=T((3, 4)), dim=0, index=T((5,), "int64", "int:3")),
    "mg.masked_fill": dict(input=T((2, 3)), mask=T((2, 3), "bool", "bool"), value=-1e9),
    "Tensor.masked_fill": dict(self=T((2, 3)), mask=T((2, 3), "bool", "bool"), value=-1e9),
    "mg.where": dict(condition=T((2, 3), "bool", "bool"), input=T((2, 3)), other=T((2, 3))),
    "mg.cat": dict(tensors=[T((2, 3)), T((1, 3))], dim=0),
    "mg.concat": dict(tensors=[T((2, 3)), T((1, 3))], dim=0),
    "mg.concatenate": dict(tensors=[T((2, 3)), T((1, 3))], dim=0),
    "mg.stack": dict(tensors=[T((2, 3)), T((2, 3))], dim=0),
    "mg.multinomial": dict(input=T((2, 4), fill="positive"), num_samples=2),
    "mg.bernoulli": dict(input=T((2, 3), fill="unit")),
    "Tensor.addcmul_": dict(self=T((2, 3)), tensor1=T((2, 3)), tensor2=T((2, 3))),
    "Tensor.addcdiv_": dict(self=T((2, 3)), tensor1=T((2, 3)), tensor2=T((2, 3), fill="positive")),
    "Tensor.lerp_": dict(self=T((2, 3)), end=T((2, 3)), weight=0.5),
    "mg.normal": dict(mean=0.0, std=1.0, size=(2, 3)),
    "mg.full": dict(size=(2, 3), fill_value=1.5),
    "Tensor.new_full": dict(self=T((2, 3)), size=(2, 3), fill_value=1.5),
    "mg.eye": dict(n=3),
    "mg.randperm": dict(n=5),
    "mg.randint": dict(low=0, high=5, size=(2, 3)),
    "mg.arange": dict(start=0, end=5, step=1),
    "mg.linspace": dict(start=0.0, end=1.0, steps=5),
    "mg.tensor": dict(data=[[1.0, 2.0], [3.0, 4.0]]),
    "mg.as_tensor": dict(data=[[1.0, 2.0], [3.0, 4.0]]),
    "Tensor.new_tensor": dict(self=T((2, 3)), data=[1.0, 2.0]),
    "mg.unflatten": dict(input=T((2, 6)), dim=1, sizes=(2, 3)),
    "Tensor.unflatten": dict(self=T((2, 6)), dim=1, sizes=(2, 3)),
    # modules: (constructor kwargs, forward args)
    "nn.Linear": (dict(in_features=4, out_features=3), [T((2, 4))]),
    "nn.Bilinear": (dict(in1_features=3, in2_features=4, out_features=5), [T((2, 3)), T((2, 4))]),
    "nn.Conv1d": (dict(in_channels=4, out_channels=3, kernel_size=3), [T((2, 4, 7))]),
    "nn.Conv2d": (dict(in_channels=4, out_channels=3, kernel_size=3), [IMG]),
    "nn.ConvTranspose2d": (dict(in_channels=4, out_channels=3, kernel_size=3), [IMG]),
    "nn.Conv3d": (dict(in_channels=4, out_channels=3, kernel_size=2), [T((2, 4, 3, 4, 5))]),
    "nn.ConvTranspose3d": (dict(in_channels=4, out_channels=3, kernel_size=2), [T((2, 4, 3, 4, 5))]),
    "nn.Unfold": (dict(kernel_size=2), [IMG]),
    "nn.Fold": (dict(output_size=(4, 4), kernel_size=2), [T((2, 8, 9))]),
    "nn.BatchNorm1d": (dict(num_features=4), [T((3, 4))]),
    "nn.BatchNorm2d": (dict(num_features=4), [IMG]),
    "nn.LayerNorm": (dict(normalized_shape=4), [T((2, 3, 4))]),
    "nn.GroupNorm": (dict(num_groups=2, num_channels=4), [T((2, 4, 3))]),
    "nn.Embedding": (dict(num_embeddings=10, embedding_dim=3), [T((2, 5), "int64", "int:10")]),
    "nn.LSTM": (dict(input_size=4, hidden_size=5), [T((3, 2, 4))]),
    "nn.GRU": (dict(input_size=4, hidden_size=5), [T((3, 2, 4))]),
    "nn.RNN": (dict(input_size=4, hidden_size=5), [T((3, 2, 4))]),
    "nn.LSTMCell": (dict(input_size=4, hidden_size=5), [T((2, 4))]),
    "nn.GRUCell": (dict(input_size=4, hidden_size=5), [T((2, 4))]),
    "nn.RNNCell": (dict(input_size=4, hidden_size=5), [T((2, 4))]),
    "nn.MultiheadAttention": (dict(embed_dim=8, num_heads=2), [T((3, 2, 8)), T((4, 2, 8)), T((4, 2, 8))]),
    "nn.TransformerEncoderLayer": (dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0), [T((3, 2, 8))]),
    "nn.TransformerDecoderLayer": (dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0),
                                   [T((3, 2, 8)), T((4, 2, 8))]),
    "nn.Transformer": (dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                            dim_feedforward=16, dropout=0.0), [T((3, 2, 8)), T((4, 2, 8))]),
    "nn.PositionalEncoding": (dict(d_model=8, dropout=0.0), [T((3, 2, 8))]),
    "nn.MaxPool2d": (dict(kernel_size=2), [IMG]),
    "nn.AvgPool2d": (dict(kernel_size=2), [IMG]),
    "nn.MaxPool3d": (dict(kernel_size=2), [T((2, 3, 4, 4, 4))]),
    "nn.AvgPool3d": (dict(kernel_size=2), [T((2, 3, 4, 4, 4))]),
    "nn.AdaptiveAvgPool2d": (dict(output_size=(2, 3)), [IMG]),
    "nn.AdaptiveMaxPool2d": (dict(output_size=(2, 3)), [IMG]),
    "nn.Upsample": (dict(scale_factor=2), [T((2, 3, 4, 4))]),
    "nn.Unflatten": (dict(dim=1, unflattened_size=(2, 2)), [T((3, 4))]),
    "nn.Softmax": (dict(dim=-1), [T((2, 3))]),
    "nn.LogSoftmax": (dict(dim=-1), [T((2, 3))]),
    "nn.CrossEntropyLoss": (dict(), [T((4, 5)), T((4,), "int64", "int:5")]),
    "nn.NLLLoss": (dict(), [T((4, 5)), T((4,), "int64", "int:5")]),
    "nn.BCELoss": (dict(), [T((4, 3), fill="unit"), T((4, 3), fill="unit")]),
    "nn.KLDivLoss": (dict(), [T((4, 3)), T((4, 3), fill="unit")]),
}

# Forward arity of the loss modules and the like (input, target).
TWO_INPUTS = ("Loss",)


@dataclass
class Target:
    kind: str              # "F", "mg", "Tensor", "nn", "optim", "sched", "data", "ckpt"
    name: str              # "F.conv2d", "Tensor.add", "nn.Conv2d" ...
    op: str                # the name an error message must mention
    params: list = field(default_factory=list)   # [(name, kind, default)] of the call probed
    random: bool = False
    ctor: list = field(default_factory=list)     # modules / optimizers / schedulers: constructor params

    @property
    def short(self):
        return self.name.split(".", 1)[1]


def _params(fn, drop_self=False):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            continue
        default = inspect.Parameter.empty if p.default is p.empty else p.default
        out.append((p.name, p.kind.name, default))
    if drop_self and out and out[0][0] == "self":
        out = out[1:]
    return out


def _is_random(name):
    return any(r in name for r in RANDOM)


def _functions(module, prefix, names):
    out = []
    for n in names:
        if n.startswith("_"):
            continue
        fn = getattr(module, n, None)
        if fn is None or inspect.isclass(fn) or inspect.ismodule(fn) or not callable(fn):
            continue
        name = f"{prefix}.{n}"
        if name in SKIP:
            continue
        params = _params(fn)
        if params is None:
            continue
        out.append(Target(prefix, name, n, params, _is_random(n)))
    return out


def discover():
    """Every target, in a stable order."""
    import minigrad as mg
    import minigrad.nn as nn
    import minigrad.nn.functional as F
    import minigrad.optim as optim
    from minigrad.optim import lr_scheduler

    targets = []
    f_names = getattr(F, "__all__", None) or dir(F)
    targets += _functions(F, "F", sorted(set(f_names)))
    mg_names = [n for n in dir(mg) if not n.startswith("_")]
    targets += _functions(mg, "mg", sorted(mg_names))
    for n, v in sorted(vars(mg.Tensor).items()):
        if n.startswith("_") or isinstance(v, property) or not callable(v) or f"Tensor.{n}" in SKIP:
            continue
        params = _params(v)
        if params is None:
            continue
        params[0] = ("self", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty)
        targets.append(Target("Tensor", f"Tensor.{n}", n, params, _is_random(n)))
    for n in sorted(dir(nn)):
        cls = getattr(nn, n)
        if not (inspect.isclass(cls) and issubclass(cls, nn.Module)) or n in MODULE_SKIP:
            continue
        ctor = _params(cls.__init__, drop_self=True)
        fwd = _params(cls.forward, drop_self=True)
        if ctor is None or fwd is None:
            continue
        targets.append(Target("nn", f"nn.{n}", n, fwd, _is_random(n), ctor))
    for n in sorted(dir(optim)):
        cls = getattr(optim, n)
        if inspect.isclass(cls) and issubclass(cls, optim.Optimizer) and cls is not optim.Optimizer:
            targets.append(Target("optim", f"optim.{n}", n, [], False, _params(cls.__init__, True)))
    base = getattr(lr_scheduler, "LRScheduler", None)
    for n in sorted(dir(lr_scheduler)):
        cls = getattr(lr_scheduler, n)
        if not inspect.isclass(cls) or n.startswith("_") or cls.__module__ != lr_scheduler.__name__:
            continue
        if cls is base or (base is not None and not issubclass(cls, base) and n != "ReduceLROnPlateau"):
            continue
        targets.append(Target("sched", f"sched.{n}", n, [], False, _params(cls.__init__, True)))
    targets.append(Target("data", "data.DataLoader", "DataLoader", [], False,
                          _params(mg.data.DataLoader.__init__, True)))
    targets.append(Target("ckpt", "ckpt.save_load", "load", [], False, []))
    targets.append(Target("ckpt", "ckpt.load_state_dict", "load_state_dict", [], False, []))
    return targets


def torch_counterpart(target):
    """The PyTorch callable named like ``target`` (None if PyTorch has none)."""
    import torch
    kind, short = target.kind, target.short
    where = {"F": torch.nn.functional, "mg": torch, "Tensor": torch.Tensor, "nn": torch.nn,
             "optim": torch.optim, "sched": torch.optim.lr_scheduler,
             "data": torch.utils.data}.get(kind)
    if where is None:
        return None
    return getattr(where, short, None)
