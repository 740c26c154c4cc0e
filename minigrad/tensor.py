"""Tensor: an array (NumPy or CuPy) plus what autograd needs to differentiate through it.

    data           the array
    requires_grad  whether gradients should flow to this tensor
    grad           the accumulated gradient (a Tensor) after backward(), for leaves
    grad_fn        the Function node that produced it (None for leaves)

Every differentiable method delegates to an op in ``minigrad.ops``; this file only holds the
bookkeeping: construction, conversions, printing, operators and ``backward``; the in-place
updates (with their version counter) are in tensor_inplace.py.
"""
from __future__ import annotations

import numpy as np

from . import backend
from .autograd import engine, grad_mode
from .autograd import function as _function
from .autograd.function import _VersionCounter


class Tensor:
    __slots__ = ("data", "requires_grad", "grad", "grad_fn", "output_nr", "_version",
                 "_hooks", "_post_accumulate_grad_hooks", "_retains_grad", "__weakref__")

    # numpy should defer to our reflected operators (np.float32(2) * t -> Tensor)
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False):
        if isinstance(data, Tensor):
            data = data.data
        if not hasattr(data, "__array_interface__") and not hasattr(data, "__cuda_array_interface__") \
                or isinstance(data, np.generic):
            data = np.asarray(data)
        self.data = data
        self.grad = None
        self.grad_fn = None
        self.output_nr = 0
        self._version = _VersionCounter()
        self._hooks = None
        self._post_accumulate_grad_hooks = None
        self._retains_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data, requires_grad, grad_fn, output_nr):
        """Fast constructor used by Function.apply (no checks)."""
        t = object.__new__(cls)
        t.data = data
        t.requires_grad = requires_grad
        t.grad = None
        t.grad_fn = grad_fn
        t.output_nr = output_nr
        t._version = _VersionCounter()
        t._hooks = None
        t._post_accumulate_grad_hooks = None
        t._retains_grad = False
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return backend.device_of(self.data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def ndim(self):
        return self.data.ndim

    def dim(self):
        return self.data.ndim

    def size(self, dim=None):
        if dim is None:
            return self.data.shape
        return self.data.shape[dim]

    def numel(self):
        return int(self.data.size)

    def element_size(self):
        return self.data.itemsize

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        if self.ndim < 2:
            raise RuntimeError(f"mT: tensor must have at least 2 dims, got shape {tuple(self.shape)}")
        return self.transpose(-2, -1)

    def is_floating_point(self):
        return self.dtype.kind == "f"

    # ------------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.dtype.kind not in "fc":
            raise RuntimeError(f"requires_grad_: only floating point tensors can require "
                               f"gradients, got dtype {self.dtype}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf "
                               "tensors; use .detach() for a non-leaf tensor")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is the upstream gradient; it may be left out only for a tensor with one
        element.
        """
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for scalar "
                                   f"outputs; this tensor has shape {tuple(self.shape)}. Pass "
                                   "gradient= (a tensor of the same shape)")
            gradient = Tensor._make(backend.array_module(self.data).ones_like(self.data), False, None, 0)
        elif not isinstance(gradient, Tensor):
            gradient = Tensor(gradient)
        if gradient.shape != self.shape:
            raise RuntimeError(f"backward: gradient has shape {tuple(gradient.shape)}, but the "
                               f"tensor has shape {tuple(self.shape)}")
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = engine.run_backward([self], [gradient], retain_graph, create_graph, inputs, allow_unused=True)
            for t, g in zip(inputs, grads):
                if g is not None:
                    engine._accumulate(t, g, create_graph)
            return
        engine.run_backward([self], [gradient], retain_graph, create_graph)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a
        replacement gradient. Returns a handle with ``.remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn._hooks is None:
                self.grad_fn._hooks = {}
            hooks = self.grad_fn._hooks.setdefault(self.output_nr, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` (returning None) right after backward has accumulated this
        leaf's gradient into ``.grad``, while the rest of backward may still be running.
        Returns a handle with ``.remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on a "
                               "tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks "
                               "cannot be registered on non-leaf tensors")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = []
        self._post_accumulate_grad_hooks.append(hook)
        return _HookHandle(self._post_accumulate_grad_hooks, hook)

    def retain_grad(self):
        """Keep ``.grad`` for a non-leaf tensor too."""
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref
        ref = weakref.ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                t.grad = g.detach() if t.grad is None else (t.grad + g).detach()
        self._retains_grad = True
        self.register_hook(keep)

    @property
    def retains_grad(self):
        return self._retains_grad

    def detach(self):
        """The same data, cut from the graph (shares the version counter, as a view)."""
        t = Tensor._make(self.data, False, None, 0)
        t._version = self._version
        return t

    def detach_(self):
        if self.grad_fn is not None and self.grad_fn.inputs and getattr(type(self.grad_fn), "is_view", False):
            raise RuntimeError("detach_: cannot detach a view in place; use detach()")
        self.grad_fn = None
        self.requires_grad = False
        return self

    # ------------------------------------------------------------------ conversions
    def numpy(self, *, force=False):
        if self.requires_grad and not force and grad_mode.is_grad_enabled():
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; use "
                               "tensor.detach().numpy()")
        if not isinstance(self.data, np.ndarray):
            if not force:
                raise TypeError("numpy: the tensor is on cuda; use .cpu() first")
            return self.data.get()
        return self.data

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"item: a Tensor with {self.numel()} elements cannot be converted "
                               "to a Python scalar")
        return self.data.reshape(()).item() if isinstance(self.data, np.ndarray) else self.data.item()

    def tolist(self):
        return backend.to_numpy(self.data).tolist()

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """``to(device)``, ``to(dtype)``, ``to(other)``, ``to(device, dtype)``; differentiable."""
        device, dtype = parse_to_args(args, device, dtype)
        out = self
        if device is not None and backend.device(device) != self.device:
            out = _ops.ToDevice.apply(out, backend.device(device))
        if dtype is not None and np.dtype(dtype) != out.dtype:
            out = _ops.Cast.apply(out, np.dtype(dtype))
        if copy and out is self:
            out = out.clone()
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda")

    def float(self):
        return self.to(backend.float32)

    def double(self):
        return self.to(backend.float64)

    def half(self):
        return self.to(backend.float16)

    def long(self):
        return self.to(backend.int64)

    def int(self):
        return self.to(backend.int32)

    def bool(self):
        return self.to(backend.bool_)

    def type_as(self, other):
        return self.to(other.dtype)

    def clone(self):
        return _ops.Clone.apply(self)

    def contiguous(self):
        if self.data.flags.c_contiguous:
            return self
        return _ops.Clone.apply(self)

    def new_zeros(self, *size, dtype=None):
        size = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        xp = backend.array_module(self.data)
        return Tensor(xp.zeros(size, dtype=dtype or self.dtype))

    def new_ones(self, *size, dtype=None):
        size = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        xp = backend.array_module(self.data)
        return Tensor(xp.ones(size, dtype=dtype or self.dtype))

    def new_full(self, size, fill_value, dtype=None):
        xp = backend.array_module(self.data)
        return Tensor(xp.full(size, fill_value, dtype=dtype or self.dtype))

    def new_tensor(self, data, dtype=None):
        xp = backend.array_module(self.data)
        return Tensor(xp.asarray(backend.to_numpy(data) if not isinstance(data, (list, tuple, int, float)) else data,
                                 dtype=dtype or self.dtype))

    def __array__(self, dtype=None, copy=None):
        arr = backend.to_numpy(self.data)
        return arr if dtype is None else arr.astype(dtype)

    # ------------------------------------------------------------------ printing
    def __repr__(self):
        arr = backend.to_numpy(self.data)
        extras = []
        if self.device.type == "cuda":
            extras.append("device='cuda:0'")
        if arr.dtype.kind == "f":
            integral = arr.size > 0 and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))
            body = np.array2string(arr, separator=", ", prefix="tensor(",
                                   floatmode="unique" if integral else "fixed",
                                   precision=4, suppress_small=True, threshold=1000, edgeitems=3)
        else:
            body = np.array2string(arr, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3)
        if arr.size == 0:
            extras.append(f"size={tuple(arr.shape)}")
        if arr.dtype not in (backend.get_default_dtype(), backend.int64, backend.bool_):
            extras.append(f"dtype=minigrad.{arr.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{type(self.grad_fn).__name__}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __str__(self):
        return self.__repr__()

    # ------------------------------------------------------------------ python protocol
    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} elements is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iu" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ indexing
    def __getitem__(self, key):
        return _ops.getitem(self, key)

    def __setitem__(self, key, value):
        """In-place assignment; only for tensors that need no gradient (or under no_grad)."""
        self._check_inplace("__setitem__")
        key = _ops.indexing._unwrap_key(key)
        value = value.data if isinstance(value, Tensor) else value
        try:
            self.data[key] = value
        except IndexError as e:
            raise IndexError(f"setitem: {e} (tensor shape {tuple(self.shape)})") from None
        self._version.value += 1

    # ------------------------------------------------------------------ in-place ops
    # add_, sub_, mul_, zero_, fill_, copy_, uniform_ ... are written in tensor_inplace.py and
    # attached to Tensor at the end of this file.

    # ------------------------------------------------------------------ operators
    def _operand(self, other):
        """``other``'s array if it is a Tensor, else ``other`` itself (a Python scalar)."""
        return other.data if isinstance(other, Tensor) else other

    def __add__(self, other):
        return _ops.Add.apply(self, other)

    def __radd__(self, other):
        return _ops.Add.apply(other, self)

    def __sub__(self, other):
        return _ops.Sub.apply(self, other)

    def __rsub__(self, other):
        return _ops.Sub.apply(other, self)

    def __mul__(self, other):
        return _ops.Mul.apply(self, other)

    def __rmul__(self, other):
        return _ops.Mul.apply(other, self)

    def __truediv__(self, other):
        return _ops.Div.apply(self, other)

    def __rtruediv__(self, other):
        return _ops.Div.apply(other, self)

    def __floordiv__(self, other):
        return _ops.div(self, other, rounding_mode="floor")

    def __rfloordiv__(self, other):
        return _ops.div(other, self, rounding_mode="floor")

    def __mod__(self, other):
        return Tensor(self.data % self._operand(other))

    def __pow__(self, exponent):
        return _ops.Pow.apply(self, exponent)

    def __rpow__(self, base):
        return _ops.pow(base, self)

    def __matmul__(self, other):
        return _ops.MatMul.apply(self, other)

    def __rmatmul__(self, other):
        return _ops.MatMul.apply(other, self)

    def __neg__(self):
        return _ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.Abs.apply(self)

    # in-place operators (x += y) follow the in-place rules
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    # comparisons and logic: not differentiable, give bool tensors
    def _compare(self, other, fn):
        return Tensor(fn(self.data, self._operand(other)))

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __and__(self, other):
        return self._compare(other, lambda a, b: a & b)

    def __or__(self, other):
        return self._compare(other, lambda a, b: a | b)

    def __xor__(self, other):
        return self._compare(other, lambda a, b: a ^ b)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __invert__(self):
        return Tensor(~self.data)

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def logical_and(self, other):
        return self._compare(other, lambda a, b: backend.array_module(a).logical_and(a, b))

    def logical_or(self, other):
        return self._compare(other, lambda a, b: backend.array_module(a).logical_or(a, b))

    def logical_not(self):
        return Tensor(backend.array_module(self.data).logical_not(self.data))

    def equal(self, other):
        return bool(self.shape == other.shape and (self.data == other.data).all())

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return bool(backend.array_module(self.data).allclose(self.data, other.data, rtol, atol, equal_nan))


def parse_to_args(args, device=None, dtype=None):
    """The positional forms of ``to()`` (shared by Tensor.to and Module.to): each of ``args``
    is a device (str or backend.device), a dtype, or a tensor (its device and dtype).
    Returns ``(device, dtype)``, the keyword values where no positional one overrides them."""
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (str, backend.device)):
            device = a
        else:
            dtype = a
    return device, dtype


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# Methods that are plain delegations to a function of minigrad.ops: x.exp() is ops.exp(x).
_METHODS = """
    exp log log1p expm1 log2 log10 sqrt rsqrt square reciprocal abs sin cos tan tanh sigmoid
    relu erf sign floor ceil round trunc isnan isinf isfinite clamp clip
    sum mean max min amax amin argmax argmin prod var std logsumexp cumsum norm all any
    reshape view permute transpose swapaxes movedim squeeze unsqueeze flatten unflatten expand
    expand_as broadcast_to repeat flip roll split chunk unbind
    gather scatter_add index_select masked_fill tril triu
    add sub mul div pow matmul maximum minimum neg
""".split()


_function._Tensor = Tensor

from . import ops as _ops  # noqa: E402  (ops import Tensor from here)


def _delegate(fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = fn.__name__
    method.__qualname__ = f"Tensor.{fn.__name__}"
    method.__doc__ = fn.__doc__
    return method


for _name in _METHODS:
    setattr(Tensor, _name, _delegate(getattr(_ops, _name)))


def _view_as(self, other):
    return self.reshape(other.shape)


Tensor.view_as = _view_as
Tensor.reshape_as = _view_as
Tensor.softmax = _delegate(_ops.softmax)
Tensor.log_softmax = _delegate(_ops.log_softmax)

from . import tensor_inplace as _tensor_inplace  # noqa: E402  (it imports Tensor from here)

for _fn in _tensor_inplace.METHODS:
    _fn.__qualname__ = f"Tensor.{_fn.__name__}"
    setattr(Tensor, _fn.__name__, _fn)
