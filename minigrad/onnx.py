"""``minigrad.onnx.export(model, args, f)``: a model as an ONNX file, to run it elsewhere
(onnxruntime, a browser, a phone) or to look at its graph (Netron).

How it works: the exporter runs ``model(*args)`` in eval mode under ``no_grad`` and records
what the forward pass does, at two levels:

1. **Layers.** A layer with a direct ONNX counterpart (the table ``_LAYERS``: nn.Linear ->
   Gemm, nn.BatchNorm2d -> BatchNormalization, nn.MaxPool2d -> MaxPool, nn.LSTM -> LSTM ...)
   becomes that node, built from the layer's own attributes -- PyTorch's names: ``stride``,
   ``eps``, ``hidden_size`` -- with its parameters as initializers named by their state_dict
   keys. What the layer computes inside is not recorded.
2. **Ops.** Everywhere else -- between layers (``x.reshape``, ``mg.cat``, ``F.relu``, ``+``, and
   inside layers without an entry -- each ``Function`` applied to a traced tensor becomes ONNX
   nodes (the table ``_FUNCTIONS``, by Function name), built from the Function's arguments.
   ``Function.apply`` calls a hook for this; it is set only while exporting.

Why not the autograd graph: a grad_fn node keeps only what its backward needs (a pooling node
holds index plans, not kernel_size and stride), there is no graph under ``no_grad`` or for
integer tensors, and some layers are several Functions whose ONNX form is one node: batch norm
in eval mode is four arithmetic ops, an LSTM is one Function per layer and direction fed zero
states made by ``mg.zeros``, which would freeze the batch size. The layer knows its arguments;
for everything else the Function does.

A trace is one run: Python control flow is fixed at the branch taken, and a tensor made in the
forward without minigrad's ops (``mg.zeros(...)``, a comparison ``x > 0``, ``x.argmax()``,
``mg.tensor(x.numpy())``) is a constant of the graph. So the exporter traces twice, the second
time with different inputs, and refuses a model whose graph or constants change between the
two runs (a constant that depends on the inputs would be silently wrong). In-place changes to
traced tensors are refused, and an op or a layer setting with no ONNX form raises
``UnsupportedOperatorError`` naming it and the layer it was called from.

``dynamic_axes={"input_0": {0: "batch"}, "output_0": {0: "batch"}}`` names those dims of the
graph's inputs and outputs. Reshapes write the leading dims they keep as ONNX's 0 ("copy")
and one other dim as -1 ("infer"), expands write the dims they keep as 1, and slices run to
the end, so the batch size can change -- as long as the forward makes no constant of the batch's
size. Opsets 17 to 21 (17 by default; Gelu is an ONNX op from 20 on, before that it is written
with Erf; reductions take their axes as an input from 18 on).
"""
from __future__ import annotations

import inspect
import threading

import numpy as np

from . import backend
from . import nn
from .autograd import function as _function
from .autograd import grad_mode
from .nn.functional._arguments import _pair
from .nn.modules.activation import _legacy_softmax_dim
from .tensor import Tensor
from .utils._atomic import atomic_write

__all__ = ["export", "UnsupportedOperatorError"]

_OPSETS = range(17, 22)
_END = 2 ** 63 - 1                 # a slice "to the end"


class UnsupportedOperatorError(RuntimeError):
    """An op, a layer setting or a model feature that has no ONNX form."""


def _onnx():
    try:
        import onnx  # noqa: PLC0415 - optional package
    except ImportError:
        raise ImportError("minigrad.onnx needs the onnx package: pip install onnx "
                          "(or pip install 'minigrad[interop]')") from None
    return onnx


# ============================================================================ the graph


class _Graph:
    """The ONNX graph being built: nodes, initializers, and the name of each traced tensor."""

    def __init__(self, onnx, opset, state_names):
        self.onnx, self.opset = onnx, opset
        self.nodes, self.initializers = [], {}
        self.constants = []            # (name, array, used by): made in the forward, not parameters
        self.values = {}               # id(tensor) -> (name, tensor, version when traced)
        self.by_array = {}             # id(array) -> name: x.detach() shares x's array
        self.state_names = state_names  # id(parameter or buffer) -> state_dict key
        self.scope = [""]              # the path of the layer being run ("features.0")
        self.count = 0

    def where(self):
        return f" (in layer {self.scope[-1]!r})" if self.scope[-1] else ""

    def fresh(self, op):
        self.count += 1
        return f"{self.scope[-1]}/{op}_{self.count}" if self.scope[-1] else f"{op}_{self.count}"

    def bind(self, tensor, name):
        self.values[id(tensor)] = (name, tensor, tensor._version.value)
        self.by_array[id(tensor.data)] = name

    def known(self, t):
        return isinstance(t, Tensor) and (id(t) in self.values or id(t.data) in self.by_array)

    def value(self, t, used_by="an op"):
        """The graph name of ``t``: a traced value, a parameter or buffer (an initializer
        named by its state_dict key), or a constant."""
        if not isinstance(t, Tensor):
            return self.const(np.asarray(t), used_by)
        entry = self.values.get(id(t))
        if entry is not None:
            name, _, version = entry
            if t._version.value != version:
                raise UnsupportedOperatorError(
                    f"export: a traced tensor was changed in place{self.where()} (an in-place op "
                    "such as add_ or masked_fill_ is not recorded); use the out-of-place op")
            return name
        if id(t.data) in self.by_array:
            return self.by_array[id(t.data)]
        array = np.ascontiguousarray(backend.to_numpy(t.data))
        key = self.state_names.get(id(t))
        if key is None:
            return self.const(array, used_by)
        self.initializers.setdefault(key, array)
        return key

    def const(self, array, used_by="an op"):
        name = self.fresh("const")
        self.initializers[name] = array
        self.constants.append((name, array, f"{used_by}{self.where()}"))
        return name

    def ints(self, values):
        """A constant int64 vector: shapes, axes, pads -- fixed by the model, not by the data."""
        name = self.fresh("ints")
        self.initializers[name] = np.asarray(values, dtype=np.int64).reshape(-1)
        return name

    def node(self, op, inputs, outputs=1, **attrs):
        """Append a node; returns its output name (a list of names if ``outputs`` > 1)."""
        name = self.fresh(op)
        outs = [name] if outputs == 1 else [f"{name}:{i}" for i in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), outs, name=name, **attrs))
        return outs[0] if outputs == 1 else outs

    def cast(self, name, from_dtype, to_dtype):
        if np.dtype(from_dtype) == np.dtype(to_dtype):
            return name
        return self.node("Cast", [name], to=self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(to_dtype)))

    def operand(self, a, dtype, used_by):
        """A tensor or a Python number as an input of dtype ``dtype``."""
        if isinstance(a, Tensor):
            return self.cast(self.value(a, used_by), a.dtype, dtype)
        return self.const(np.asarray(a, dtype=dtype), used_by)

    def reduce(self, op, x, axes, keepdims):
        if op == "ReduceSum" or self.opset >= 18:
            return self.node(op, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.node(op, [x], axes=list(axes), keepdims=int(keepdims))

    def unsqueeze(self, x, axes):
        return self.node("Unsqueeze", [x, self.ints(axes)])

    def squeeze(self, x, axes):
        return self.node("Squeeze", [x, self.ints(axes)])


# ============================================================================ ops (Functions)


def _elementwise(op, **attrs):
    def convert(g, args, kwargs, outs):
        return [g.node(op, [g.value(args[0], op)], **attrs)]
    return convert


def _binary(op):
    def convert(g, args, kwargs, outs):
        return [g.node(op, [g.operand(a, outs[0].dtype, op) for a in args[:2]])]
    return convert


def _scalar_attr(op, attr):
    def convert(g, args, kwargs, outs):
        return [g.node(op, [g.value(args[0], op)], **{attr: float(args[1])})]
    return convert


def _gelu(g, args, kwargs, outs):
    x, approximate = g.value(args[0], "Gelu"), args[1]
    if g.opset >= 20:
        return [g.node("Gelu", [x], approximate=approximate)]
    dtype = outs[0].dtype

    def c(v):
        return g.const(np.asarray(v, dtype=dtype), "Gelu")
    if approximate == "tanh":      # x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Mul", [g.node("Add", [x, g.node("Mul", [cube, c(0.044715)])]), c(np.sqrt(2 / np.pi))])
        gate = g.node("Tanh", [inner])
    else:                          # x/2 (1 + erf(x / sqrt(2)))
        gate = g.node("Erf", [g.node("Div", [x, c(np.sqrt(2.0))])])
    return [g.node("Mul", [g.node("Mul", [x, c(0.5)]), g.node("Add", [gate, c(1.0)])])]


def _softplus(g, args, kwargs, outs):
    x, beta = g.value(args[0], "Softplus"), float(args[1])
    if beta == 1.0:
        return [g.node("Softplus", [x])]
    b = g.const(np.asarray(beta, dtype=outs[0].dtype), "Softplus")
    return [g.node("Div", [g.node("Softplus", [g.node("Mul", [x, b])]), b])]


def _clamp(g, args, kwargs, outs):
    x, lo, hi = args[:3]
    dtype = outs[0].dtype
    bounds = ["" if v is None else g.operand(v, dtype, "Clip") for v in (lo, hi)]
    return [g.node("Clip", [g.cast(g.value(x, "Clip"), x.dtype, dtype), *bounds])]


def _cast(g, args, kwargs, outs):
    return [g.cast(g.value(args[0], "Cast"), args[0].dtype, args[1]) if args[0].dtype != np.dtype(args[1])
            else g.node("Identity", [g.value(args[0], "Cast")])]


def _rsqrt(g, args, kwargs, outs):
    return [g.node("Reciprocal", [g.node("Sqrt", [g.value(args[0], "Rsqrt")])])]


def _log1p(g, args, kwargs, outs):
    one = g.const(np.asarray(1, dtype=outs[0].dtype), "Log1p")
    return [g.node("Log", [g.node("Add", [g.value(args[0], "Log1p"), one])])]


def _expm1(g, args, kwargs, outs):
    one = g.const(np.asarray(1, dtype=outs[0].dtype), "Expm1")
    return [g.node("Sub", [g.node("Exp", [g.value(args[0], "Expm1")]), one])]


def _reshape(g, args, kwargs, outs):
    """Leading dims that stay as they were become 0 (copy the input's), the first other dim
    -1 (inferred), so the graph works for other sizes of the leading dims."""
    x, shape = args[0], list(outs[0].shape)
    spec = list(shape)
    i = 0
    while i < min(x.ndim, len(shape)) and x.shape[i] == shape[i]:
        spec[i] = 0
        i += 1
    if i < len(spec) and 0 not in shape:
        spec[i] = -1
    return [g.node("Reshape", [g.value(x, "Reshape"), g.ints(spec)])]


def _permute(g, args, kwargs, outs):
    return [g.node("Transpose", [g.value(args[0], "Transpose")], perm=[int(d) for d in args[1]])]


def _expand(g, args, kwargs, outs):
    x, shape = args[0], list(outs[0].shape)
    lead = len(shape) - x.ndim
    spec = [1 if i >= lead and x.shape[i - lead] == s else s for i, s in enumerate(shape)]
    return [g.node("Expand", [g.value(x, "Expand"), g.ints(spec)])]


def _repeat(g, args, kwargs, outs):
    x, reps = args[0], list(args[1])
    name = g.value(x, "Tile")
    if len(reps) > x.ndim:
        name = g.unsqueeze(name, list(range(len(reps) - x.ndim)))
    return [g.node("Tile", [name, g.ints(reps)])]


def _cat(g, args, kwargs, outs):
    dtype = outs[0].dtype
    return [g.node("Concat", [g.operand(a, dtype, "Concat") for a in args], axis=int(kwargs["dim"]))]


def _stack(g, args, kwargs, outs):
    dim = int(kwargs["dim"])
    parts = [g.unsqueeze(g.value(a, "Concat"), [dim]) for a in args]
    return [g.node("Concat", parts, axis=dim)]


def _split(g, args, kwargs, outs):
    x, sizes, dim = args
    names = g.node("Split", [g.value(x, "Split"), g.ints(sizes)], outputs=len(sizes), axis=int(dim))
    return names if len(sizes) > 1 else [names]


def _constant_pad(g, args, kwargs, outs):
    x, widths, value = args
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    fill = g.const(np.asarray(value, dtype=outs[0].dtype), "Pad")
    return [g.node("Pad", [g.value(x, "Pad"), g.ints(pads), fill], mode="constant")]


def _reduction(op):
    def convert(g, args, kwargs, outs):
        x, dims, keepdim = args[:3]
        if len(args) > 3 and not args[3]:      # AMax(..., largest=False): amin
            op_ = "ReduceMin"
        else:
            op_ = op
        dims = list(dims) if dims is not None else list(range(x.ndim))
        return [g.reduce(op_, g.value(x, op_), dims, keepdim)]
    return convert


def _max_dim(g, args, kwargs, outs):
    x, dim, keepdim, largest = args
    name = g.value(x, "ReduceMax")
    values = g.reduce("ReduceMax" if largest else "ReduceMin", name, [dim], keepdim)
    indices = g.node("ArgMax" if largest else "ArgMin", [name], axis=int(dim), keepdims=int(keepdim))
    return [values, indices]


def _logsumexp(g, args, kwargs, outs):
    """m + log(sum(exp(x - m))) with m the max: no overflow (ONNX's ReduceLogSumExp may not
    subtract the max)."""
    x, dims, keepdim = args
    name = g.value(x, "ReduceLogSumExp")
    dims = list(dims)
    m = g.reduce("ReduceMax", name, dims, True)
    s = g.reduce("ReduceSum", g.node("Exp", [g.node("Sub", [name, m])]), dims, True)
    out = g.node("Add", [g.node("Log", [s]), m])
    return [out if keepdim else g.squeeze(out, dims)]


def _shift_by_max(g, args, kwargs, outs):
    """x - max(x) along dim: the shift softmax and log_softmax start with."""
    x, dim = args
    name = g.value(x, "ShiftByMax")
    return [g.node("Sub", [name, g.reduce("ReduceMax", name, [int(dim)], True)])]


def _normalize(g, args, kwargs, outs):
    """(x - mean) / sqrt(var + eps) over dims: layer_norm, group_norm, batch statistics."""
    x, dims, eps = args
    name, dims = g.value(x, "Normalize"), list(dims)
    centred = g.node("Sub", [name, g.reduce("ReduceMean", name, dims, True)])
    var = g.reduce("ReduceMean", g.node("Mul", [centred, centred]), dims, True)
    eps = g.const(np.asarray(eps, dtype=outs[0].dtype), "Normalize")
    return [g.node("Div", [centred, g.node("Sqrt", [g.node("Add", [var, eps])])])]


def _getitem(g, args, kwargs, outs):
    x, key = args
    items = list(key) if isinstance(key, tuple) else [key]
    if not all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in items):
        raise UnsupportedOperatorError(f"export: indexing with tensors or lists{g.where()} (index "
                                       f"{key!r}); only ints, slices, None and ... are exported")
    if Ellipsis in items:
        i = items.index(Ellipsis)
        items[i:i + 1] = [slice(None)] * (x.ndim - sum(1 for k in items if k is not None and k is not Ellipsis))
    name = g.value(x, "Slice")
    starts, ends, axes, steps, drop, new = [], [], [], [], [], []
    axis = out_axis = 0
    for k in items:
        if k is None:
            new.append(out_axis)
            out_axis += 1
            continue
        if isinstance(k, int):
            starts.append(k)
            ends.append(k + 1 if k != -1 else _END)
            steps.append(1)
            drop.append(axis)
        else:
            if k.step is not None and k.step < 1:
                raise UnsupportedOperatorError(f"export: a slice with step {k.step}{g.where()}")
            starts.append(0 if k.start is None else k.start)
            ends.append(_END if k.stop is None else k.stop)
            steps.append(1 if k.step is None else k.step)
            out_axis += 1
        axes.append(axis)
        axis += 1
    if axes:
        name = g.node("Slice", [name, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if drop:
        name = g.squeeze(name, drop)
    if new:
        name = g.unsqueeze(name, new)
    if not (axes or new):
        name = g.node("Identity", [name])
    return [name]


def _index_select(g, args, kwargs, outs):
    x, dim, index = args
    return [g.node("Gather", [g.value(x, "Gather"), g.value(index, "Gather")], axis=int(dim))]


def _gather(g, args, kwargs, outs):
    x, dim, index = args
    return [g.node("GatherElements", [g.value(x, "GatherElements"), g.value(index, "GatherElements")],
                   axis=int(dim))]


def _where(g, args, kwargs, outs):
    cond, a, b = args
    dtype = outs[0].dtype
    return [g.node("Where", [g.cast(g.value(cond, "Where"), cond.dtype, np.bool_),
                             g.operand(a, dtype, "Where"), g.operand(b, dtype, "Where")])]


def _conv2d(g, args, kwargs, outs):
    x, w, b, geom = args
    kh, kw, sh, sw, ph, pw, dh, dw, groups, ph_end, pw_end = geom
    inputs = [g.value(x, "Conv"), g.value(w, "Conv")] + ([] if b is None else [g.value(b, "Conv")])
    return [g.node("Conv", inputs, kernel_shape=[kh, kw], strides=[sh, sw], pads=[ph, pw, ph_end, pw_end],
                   dilations=[dh, dw], group=int(groups))]


def _conv_transpose2d(g, args, kwargs, outs):
    x, w, b, geom, _hw = args
    kh, kw, sh, sw, ph, pw, dh, dw, groups, ph_out, pw_out = geom
    inputs = [g.value(x, "ConvTranspose"), g.value(w, "ConvTranspose")] + (
        [] if b is None else [g.value(b, "ConvTranspose")])
    return [g.node("ConvTranspose", inputs, kernel_shape=[kh, kw], strides=[sh, sw], pads=[ph, pw, ph, pw],
                   dilations=[dh, dw], group=int(groups), output_padding=[ph - ph_out, pw - pw_out])]


def _use_the_layer(layer):
    def convert(g, args, kwargs, outs):
        raise UnsupportedOperatorError(
            f"export: this op{g.where()} is exported as part of nn.{layer} (its Function does not "
            f"carry the layer's arguments); call the layer instead of the functional form")
    return convert


_FUNCTIONS = {
    "Add": _binary("Add"), "Sub": _binary("Sub"), "Mul": _binary("Mul"), "Div": _binary("Div"),
    "Pow": _binary("Pow"), "MatMul": _binary("MatMul"), "Maximum": _binary("Max"), "Minimum": _binary("Min"),
    "Neg": _elementwise("Neg"), "Exp": _elementwise("Exp"), "Log": _elementwise("Log"),
    "Sqrt": _elementwise("Sqrt"), "Abs": _elementwise("Abs"), "Sin": _elementwise("Sin"),
    "Cos": _elementwise("Cos"), "Tan": _elementwise("Tan"), "Tanh": _elementwise("Tanh"),
    "Sigmoid": _elementwise("Sigmoid"), "ReLU": _elementwise("Relu"), "Erf": _elementwise("Erf"),
    "Clone": _elementwise("Identity"), "LeakyReLU": _scalar_attr("LeakyRelu", "alpha"),
    "ELU": _scalar_attr("Elu", "alpha"), "GELU": _gelu, "Softplus": _softplus, "Clamp": _clamp,
    "Cast": _cast, "Rsqrt": _rsqrt, "Log1p": _log1p, "Expm1": _expm1, "Where": _where,
    "Reshape": _reshape, "Permute": _permute, "Expand": _expand, "Repeat": _repeat, "Cat": _cat,
    "Stack": _stack, "Split": _split, "ConstantPad": _constant_pad,
    "Sum": _reduction("ReduceSum"), "Mean": _reduction("ReduceMean"), "AMax": _reduction("ReduceMax"),
    "MaxDim": _max_dim, "LogSumExp": _logsumexp, "ShiftByMax": _shift_by_max, "Normalize": _normalize,
    "GetItem": _getitem, "IndexSelect": _index_select, "Gather": _gather,
    "Conv2d": _conv2d, "ConvTranspose2d": _conv_transpose2d,
    "MaxPool": _use_the_layer("MaxPool2d or nn.AdaptiveMaxPool2d"),
    "AvgPool": _use_the_layer("AvgPool2d or nn.AdaptiveAvgPool2d"),
    "LSTMFunction": _use_the_layer("LSTM"), "GRUFunction": _use_the_layer("GRU"),
    "RNNTanhFunction": _use_the_layer("RNN"), "RNNReluFunction": _use_the_layer("RNN"),
}


# ============================================================================ layers


def _unsupported(g, what):
    return UnsupportedOperatorError(f"export: {what}{g.where()} has no ONNX form here")


def _linear(g, m, x, a):
    w = g.value(m.weight)
    b = [] if m.bias is None else [g.value(m.bias)]
    if x.ndim == 2:
        return g.node("Gemm", [g.value(x), w, *b], transB=1)
    y = g.node("MatMul", [g.value(x), g.node("Transpose", [w], perm=[1, 0])])
    return g.node("Add", [y, *b]) if b else y


def _batch_norm(g, m, x, a):
    if m.running_mean is None:
        return None                     # batch statistics even in eval: recorded op by op
    dtype = backend.to_numpy(m.running_mean.data).dtype
    scale = g.value(m.weight) if m.weight is not None else g.const(np.ones(m.num_features, dtype))
    bias = g.value(m.bias) if m.bias is not None else g.const(np.zeros(m.num_features, dtype))
    return g.node("BatchNormalization", [g.value(x), scale, bias, g.value(m.running_mean),
                                         g.value(m.running_var)], epsilon=float(m.eps))


def _layer_norm(g, m, x, a):
    k = len(m.normalized_shape)
    dtype = x.dtype
    scale = g.value(m.weight) if m.weight is not None else g.const(np.ones(m.normalized_shape, dtype))
    bias = [] if m.bias is None else [g.value(m.bias)]
    return g.node("LayerNormalization", [g.value(x), scale, *bias], axis=-k, epsilon=float(m.eps))


def _check_4d(g, m, x):
    if x.ndim != 4:
        raise _unsupported(g, f"{type(m).__name__} on a {x.ndim}-D input (only (N, C, H, W))")


def _pool_size(size, k, s, p, d, ceil, torch_rule):
    """Output size of a pooling window sweep; PyTorch drops a last window that would start in
    the right padding (``torch_rule``), ONNX does not."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and torch_rule and (out - 1) * s >= size + p:
        out -= 1
    return out


def _max_pool(g, m, x, a):
    _check_4d(g, m, x)
    if m.return_indices:
        raise _unsupported(g, "MaxPool2d(return_indices=True)")
    k, s, p, d = (_pair(getattr(m, n), n, "export", one_element=True)
                  for n in ("kernel_size", "stride", "padding", "dilation"))
    for axis in range(2):
        size, geometry = x.shape[2 + axis], (k[axis], s[axis], p[axis], d[axis], m.ceil_mode)
        mine, onnx = _pool_size(size, *geometry, True), _pool_size(size, *geometry, False)
        if mine != onnx:
            raise _unsupported(g, f"MaxPool2d(ceil_mode=True) at input size {size} (PyTorch's output "
                                  f"size {mine}, ONNX's {onnx})")
    return g.node("MaxPool", [g.value(x)], kernel_shape=list(k), strides=list(s), pads=[p[0], p[1], p[0], p[1]],
                  dilations=list(d), ceil_mode=int(m.ceil_mode))


def _avg_pool(g, m, x, a):
    _check_4d(g, m, x)
    if m.ceil_mode or m.divisor_override is not None:
        raise _unsupported(g, "AvgPool2d with ceil_mode=True or divisor_override")
    k, s, p = (_pair(getattr(m, n), n, "export", one_element=True)
               for n in ("kernel_size", "stride", "padding"))
    return g.node("AveragePool", [g.value(x)], kernel_shape=list(k), strides=list(s),
                  pads=[p[0], p[1], p[0], p[1]], count_include_pad=int(m.count_include_pad))


def _adaptive_pool(op):
    def convert(g, m, x, a):
        _check_4d(g, m, x)
        if getattr(m, "return_indices", False):
            raise _unsupported(g, "AdaptiveMaxPool2d(return_indices=True)")
        size = m.output_size if isinstance(m.output_size, (tuple, list)) else (m.output_size,) * 2
        out = [x.shape[2 + i] if v is None else int(v) for i, v in enumerate(size)]
        if out == [1, 1]:
            return g.node(f"Global{op}", [g.value(x)])
        if x.shape[2] % out[0] or x.shape[3] % out[1]:
            raise _unsupported(g, f"{type(m).__name__} from {tuple(x.shape[2:])} to {tuple(out)} (windows "
                                  "of different sizes)")
        k = [x.shape[2] // out[0], x.shape[3] // out[1]]
        return g.node("AveragePool" if op == "AveragePool" else "MaxPool", [g.value(x)], kernel_shape=k, strides=k)
    return convert


def _flatten(g, m, x, a):
    if x.ndim < 2 or m.start_dim % x.ndim != 1 or m.end_dim % x.ndim != x.ndim - 1:
        return None                     # not ONNX's Flatten: recorded as a Reshape
    return g.node("Flatten", [g.value(x)], axis=1)


def _softmax(op):
    def convert(g, m, x, a):
        dim = m.dim if m.dim is not None else _legacy_softmax_dim(x.ndim)
        return g.node(op, [g.value(x)], axis=int(dim))
    return convert


def _embedding(g, m, x, a):
    if m.max_norm is not None:
        raise _unsupported(g, "Embedding(max_norm=...) (it renormalises its weight in place)")
    return g.node("Gather", [g.value(m.weight), g.value(x)], axis=0)


# The recurrent layers. ONNX orders the gates of an LSTM (i, o, f, c) and of a GRU (z, r, h);
# PyTorch (i, f, g, o) and (r, z, n). ONNX's GRU with linear_before_reset=1 is PyTorch's GRU.
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}
_ONNX_RNN = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def _gates(array, order):
    return np.concatenate([np.split(array, len(order))[i] for i in order])


def _recurrent(g, m, x, a):
    hx = a.get("hx")
    if x.ndim != 3:
        raise _unsupported(g, f"{type(m).__name__} on an unbatched ({x.ndim}-D) input")
    mode, H, dirs = m.mode, m.hidden_size, 2 if m.bidirectional else 1
    order = _GATE_ORDER[mode]
    states = [] if hx is None else (list(hx) if mode == "LSTM" else [hx])
    state_names = [g.value(s) for s in states]
    y = g.value(x)
    if m.batch_first:
        y = g.node("Transpose", [y], perm=[1, 0, 2])
    finals = [[] for _ in range(2 if mode == "LSTM" else 1)]
    for layer in range(m.num_layers):
        w, r, b = [], [], []
        for direction in range(dirs):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            w.append(_gates(backend.to_numpy(getattr(m, "weight_ih" + suffix).data), order))
            r.append(_gates(backend.to_numpy(getattr(m, "weight_hh" + suffix).data), order))
            if m.bias:
                b.append(np.concatenate([_gates(backend.to_numpy(getattr(m, k + suffix).data), order)
                                         for k in ("bias_ih", "bias_hh")]))
            else:
                b.append(np.zeros(2 * len(order) * H, dtype=w[-1].dtype))
        inputs = [y, g.const(np.stack(w), "W"), g.const(np.stack(r), "R"), g.const(np.stack(b), "B"), ""]
        for s in state_names:
            inputs.append(g.node("Slice", [s, g.ints([layer * dirs]), g.ints([(layer + 1) * dirs]), g.ints([0])]))
        while inputs[-1] == "":
            inputs.pop()
        attrs = {"hidden_size": H, "direction": "bidirectional" if dirs == 2 else "forward"}
        if mode == "GRU":
            attrs["linear_before_reset"] = 1
        if mode.startswith("RNN"):
            attrs["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"] * dirs
        outs = g.node(_ONNX_RNN[mode], inputs, outputs=1 + len(finals), **attrs)
        for f, o in zip(finals, outs[1:]):
            f.append(o)
        # Y (L, dirs, N, H) -> (L, N, dirs * H)
        y = g.node("Reshape", [g.node("Transpose", [outs[0]], perm=[0, 2, 1, 3]), g.ints([0, 0, -1])])
    if m.batch_first:
        y = g.node("Transpose", [y], perm=[1, 0, 2])
    finals = [f[0] if len(f) == 1 else g.node("Concat", f, axis=0) for f in finals]
    return (y, tuple(finals)) if mode == "LSTM" else (y, finals[0])


_LAYERS = {
    nn.Linear: _linear, nn.BatchNorm1d: _batch_norm, nn.BatchNorm2d: _batch_norm,
    nn.LayerNorm: _layer_norm, nn.MaxPool2d: _max_pool, nn.AvgPool2d: _avg_pool,
    nn.AdaptiveAvgPool2d: _adaptive_pool("AveragePool"), nn.AdaptiveMaxPool2d: _adaptive_pool("MaxPool"),
    nn.Flatten: _flatten, nn.Softmax: _softmax("Softmax"), nn.LogSoftmax: _softmax("LogSoftmax"),
    nn.Embedding: _embedding, nn.LSTM: _recurrent, nn.GRU: _recurrent, nn.RNN: _recurrent,
}


# ============================================================================ tracing


def _leaves(obj):
    """The tensors of a nested output (tuples, lists, dicts), in order."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _leaves(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _leaves(o)]
    if obj is None:
        return []
    raise UnsupportedOperatorError(f"export: the model returns a {type(obj).__name__}; outputs must "
                                   "be tensors or tuples, lists and dicts of them")


def _bind(g, out, names):
    if isinstance(out, Tensor):
        g.bind(out, names)
        return
    for o, n in zip(out, names):
        _bind(g, o, n)


class _Tracer:
    """Records one forward pass into a ``_Graph``: the Function hook and the layer wrappers."""

    def __init__(self, graph):
        self.g, self.depth, self.thread = graph, 0, threading.get_ident()

    def on_function(self, cls, args, kwargs, outputs):
        if self.depth or threading.get_ident() != self.thread:
            return
        if not any(self.g.known(a) for a in args):
            return                      # only constants in: the result is a constant too
        convert = _FUNCTIONS.get(cls.__name__)
        if convert is None:
            raise UnsupportedOperatorError(f"export: the op {cls.__name__}{self.g.where()} has no "
                                           "ONNX translation")
        for t, name in zip(outputs, convert(self.g, args, kwargs, outputs)):
            self.g.bind(t, name)

    def wrap(self, module, path):
        """Shadow ``module.forward`` (an instance attribute) while tracing; returns the undo."""
        own = module.__dict__.get("forward")
        original = module.forward
        signature = inspect.signature(original)
        convert = _LAYERS.get(type(module))
        tracer = self

        def forward(*args, **kwargs):
            tracer.g.scope.append(path)
            try:
                names = None
                if convert is not None and not tracer.depth:
                    bound = signature.bind(*args, **kwargs)
                    bound.apply_defaults()
                    first = next(iter(bound.arguments.values()), None)
                    if tracer.g.known(first):
                        names = convert(tracer.g, module, first, bound.arguments)
                if names is None:
                    return original(*args, **kwargs)
                tracer.depth += 1
                try:
                    out = original(*args, **kwargs)
                finally:
                    tracer.depth -= 1
                _bind(tracer.g, out, names)
                return out
            finally:
                tracer.g.scope.pop()

        object.__setattr__(module, "forward", forward)

        def undo():
            if own is None:
                object.__delattr__(module, "forward")
            else:
                object.__setattr__(module, "forward", own)
        return undo


def _trace(onnx, model, args, opset, input_names):
    """One forward pass of ``model(*args)`` recorded; returns (graph, output tensors)."""
    state_names = {id(t): k for k, t in model.state_dict(keep_vars=True).items()}
    g = _Graph(onnx, opset, state_names)
    tracer = _Tracer(g)
    for a, name in zip((a for a in args if isinstance(a, Tensor)), input_names):
        g.bind(a, name)
    if _function._trace_hook is not None:
        raise RuntimeError("export: another export is running (one at a time)")
    undo = [tracer.wrap(m, path) for path, m in model.named_modules()]
    _function._trace_hook = tracer.on_function
    try:
        with grad_mode.no_grad():
            out = model(*args)
    finally:
        _function._trace_hook = None
        for u in undo:
            u()
    return g, out


def _other_inputs(args):
    """Inputs for the second trace: floats moved by noise of their own scale, integers (token
    ids, classes) shuffled -- the same values in other places."""
    rng = np.random.default_rng(0)
    out = []
    for a in args:
        if not isinstance(a, Tensor):
            out.append(a)
            continue
        x = backend.to_numpy(a.data)
        if x.dtype.kind == "f":
            y = x + (np.abs(x).mean() + 0.1) * rng.standard_normal(x.shape)
        else:
            y = rng.permutation(x.reshape(-1)).reshape(x.shape)
        out.append(Tensor(backend.to_device(y.astype(x.dtype), a.device)))
    return tuple(out)


def _same_graph(first, second):
    """Refuse a model whose two traces differ: another path taken, or input-dependent constants."""
    ops = [(n.op_type, [str(at) for at in n.attribute]) for n in first.nodes]
    if ops != [(n.op_type, [str(at) for at in n.attribute]) for n in second.nodes] or \
            len(first.constants) != len(second.constants):
        raise UnsupportedOperatorError(
            "export: the forward records a different graph for other inputs (Python control flow "
            "that depends on the values, such as `if x.sum() > 0`); one ONNX graph cannot hold it")
    for (_, a, used_by), (_, b, _) in zip(first.constants, second.constants):
        if a.shape != b.shape or not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
            raise UnsupportedOperatorError(
                f"export: a tensor used by {used_by} depends on the inputs but is not computed by "
                "minigrad's ops (a comparison such as x > 0, argmax, .numpy(), .item() ...); "
                "in the graph it would be a constant")


def _value_info(onnx, name, tensor, dynamic):
    dims = [dynamic.get(i, s) for i, s in enumerate(tensor.shape)]
    return onnx.helper.make_tensor_value_info(
        name, onnx.helper.np_dtype_to_tensor_dtype(np.dtype(tensor.dtype)), dims)


def _dynamic_dims(dynamic_axes, name):
    spec = (dynamic_axes or {}).get(name, {})
    if isinstance(spec, (list, tuple)):
        return {int(i): f"{name}_dim_{i}" for i in spec}
    return {int(i): str(label) for i, label in spec.items()}


def export(model, args, f, input_names=None, output_names=None, opset_version=17, dynamic_axes=None):
    """Write ``model`` as an ONNX model, traced on ``args`` (a tensor or a tuple of positional
    arguments; non-tensor arguments such as ``None`` are passed through and fixed).

    ``f``: a path or a binary file object. ``input_names``/``output_names``: the graph's
    names for the tensor arguments and for the tensors of the output (flattened, in order;
    default ``input_0, ...``/``output_0, ...``). ``dynamic_axes``: ``{name: {dim: label}}`` or
    ``{name: [dims]}``. The parameters and buffers are initializers named by their state_dict
    keys. The model runs in eval mode (its own mode is restored). Returns the ``onnx.ModelProto``
    (after ``onnx.checker.check_model``)."""
    onnx = _onnx()
    if opset_version not in _OPSETS:
        raise ValueError(f"export: opset_version {opset_version} is not supported; minigrad writes "
                         f"opsets {_OPSETS.start} to {_OPSETS.stop - 1}")
    args = args if isinstance(args, tuple) else (args,)
    n_in = sum(isinstance(a, Tensor) for a in args)
    input_names = list(input_names) if input_names is not None else [f"input_{i}" for i in range(n_in)]
    if len(input_names) != n_in or len(set(input_names)) != n_in:
        raise ValueError(f"export: {n_in} tensor arguments need {n_in} distinct input_names, got {input_names}")
    modes = {m: m.training for m in model.modules()}
    generator = backend.default_generator("cpu")
    rng_state = generator.get_state()
    try:
        model.eval()
        first, out = _trace(onnx, model, args, opset_version, input_names)
        with np.errstate(all="ignore"):        # other inputs may leave the model's domain (a log)
            second, _ = _trace(onnx, model, _other_inputs(args), opset_version, input_names)
    finally:
        generator.set_state(rng_state)
        for m, mode in modes.items():
            object.__setattr__(m, "training", mode)
    _same_graph(first, second)
    g = first
    outputs = _leaves(out)
    output_names = list(output_names) if output_names is not None else [f"output_{i}" for i in range(len(outputs))]
    if len(output_names) != len(outputs) or len(set(output_names)) != len(outputs):
        raise ValueError(f"export: the model returns {len(outputs)} tensors; output_names {output_names} "
                         "must name each once")
    if not any(g.known(t) for t in outputs):
        raise UnsupportedOperatorError("export: no output of the model depends on its inputs")
    rename = {}
    for t, name in zip(outputs, output_names):
        internal = g.value(t, "an output")
        if internal in rename or internal in input_names or internal in g.initializers:
            g.nodes.append(onnx.helper.make_node("Identity", [internal], [name], name=f"{name}/Identity"))
        else:
            rename[internal] = name
    for node in g.nodes:
        for field in (node.input, node.output):
            for i, n in enumerate(field):
                if n in rename:
                    field[i] = rename[n]
    inputs = [_value_info(onnx, name, a, _dynamic_dims(dynamic_axes, name))
              for a, name in zip((a for a in args if isinstance(a, Tensor)), input_names)]
    outs = [_value_info(onnx, name, t, _dynamic_dims(dynamic_axes, name)) for t, name in zip(outputs, output_names)]
    unknown = set(dynamic_axes or {}) - set(input_names) - set(output_names)
    if unknown:
        raise ValueError(f"export: dynamic_axes names {sorted(unknown)}, which are neither inputs "
                         f"{input_names} nor outputs {output_names}")
    initializers = [onnx.numpy_helper.from_array(a, name) for name, a in g.initializers.items()]
    graph = onnx.helper.make_graph(g.nodes, type(model).__name__, inputs, outs, initializers)
    opsets = [onnx.helper.make_opsetid("", opset_version)]
    proto = onnx.helper.make_model(graph, opset_imports=opsets, producer_name="minigrad",
                                   ir_version=onnx.helper.find_min_ir_version_for(opsets))
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    if hasattr(f, "write"):
        f.write(data)
    else:
        atomic_write(f, lambda fh: fh.write(data))
    return proto
