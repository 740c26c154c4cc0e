"""Tensor: an array (NumPy or CuPy) plus what autograd needs to differentiate through it.

Every method is written in the class body. A differentiable method is one line that calls its
op in ``minigrad.ops`` (``x.exp()`` is ``ops.exp(x)``, whose ``Exp`` Function holds the forward
and the backward); the rest is bookkeeping: construction, conversions, printing, the in-place
updates (with their version counter) and ``backward``.
"""
from __future__ import annotations

import numbers
import weakref

import numpy as np

from . import backend


class _VersionCounter:
    """Shared by a tensor and its views; bumped by every in-place op on any of them."""
    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class _HookHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook out again."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Tensor:
    """An n-dimensional array that records the ops applied to it, so gradients can flow back.

    Fields:
        data           the array (numpy.ndarray on "cpu", cupy.ndarray on "cuda")
        requires_grad  whether gradients should flow to this tensor
        grad           the accumulated gradient (a Tensor) after backward(), for leaves
        grad_fn        the Function node that produced it (None for leaves)
        output_nr      which output of ``grad_fn`` this tensor is

    Create tensors with ``minigrad.tensor``, ``zeros``, ``randn`` ...; the methods follow
    PyTorch's names, arguments and defaults.
    """
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
        """The sizes of the dimensions, a tuple."""
        return self.data.shape

    @property
    def dtype(self):
        """The element type (a NumPy dtype: minigrad.float32 ...)."""
        return self.data.dtype

    @property
    def device(self):
        """Where the data lives: device('cpu') or device('cuda')."""
        return backend.device_of(self.data)

    @property
    def is_cuda(self):
        """True if the data is on the GPU."""
        return self.device.type == "cuda"

    @property
    def ndim(self):
        """The number of dimensions."""
        return self.data.ndim

    def dim(self):
        """The number of dimensions."""
        return self.data.ndim

    def size(self, dim=None):
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self.data.shape
        return self.data.shape[dim]

    def numel(self):
        """The number of elements."""
        return int(self.data.size)

    def element_size(self):
        """The size of one element in bytes."""
        return self.data.itemsize

    @property
    def is_leaf(self):
        """True for a tensor no recorded op produced (inputs, parameters)."""
        return self.grad_fn is None

    @property
    def T(self):
        """The tensor with its dimensions reversed."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        """The tensor with its last two dimensions swapped (batched matrix transpose)."""
        if self.ndim < 2:
            raise RuntimeError(f"mT: tensor must have at least 2 dims, got shape {tuple(self.shape)}")
        return self.transpose(-2, -1)

    def is_floating_point(self):
        """True for float16/32/64 tensors."""
        return self.dtype.kind == "f"

    # ------------------------------------------------------------------ autograd

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (leaves only) and return self."""
        if requires_grad and self.dtype.kind not in "fc":
            raise RuntimeError(f"requires_grad_: only floating point tensors can require "
                               f"gradients, got dtype {self.dtype}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf "
                               "tensors; use .detach() for a non-leaf tensor")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into each leaf's ``.grad``; ``gradient`` defaults to 1 for one element."""
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

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
        ref = weakref.ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                t.grad = g.detach() if t.grad is None else (t.grad + g).detach()
        self._retains_grad = True
        self.register_hook(keep)

    @property
    def retains_grad(self):
        """True if ``retain_grad()`` was called on this non-leaf tensor."""
        return self._retains_grad

    def detach(self):
        """The same data, cut from the graph (shares the version counter, as a view)."""
        t = Tensor._make(self.data, False, None, 0)
        t._version = self._version
        return t

    def detach_(self):
        """Cut this tensor from the graph in place (not for views)."""
        if self.grad_fn is not None and self.grad_fn.inputs and getattr(type(self.grad_fn), "is_view", False):
            raise RuntimeError("detach_: cannot detach a view in place; use detach()")
        self.grad_fn = None
        self.requires_grad = False
        return self

    # ------------------------------------------------------------------ conversions

    def numpy(self, *, force=False):
        """The data as a NumPy array (shared, not copied); ``force=True`` detaches and copies from the GPU."""
        if self.requires_grad and not force and grad_mode.is_grad_enabled():
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; use "
                               "tensor.detach().numpy()")
        if not isinstance(self.data, np.ndarray):
            if not force:
                raise TypeError("numpy: the tensor is on cuda; use .cpu() first")
            return self.data.get()
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(f"item: a Tensor with {self.numel()} elements cannot be converted "
                               "to a Python scalar")
        return self.data.reshape(()).item() if isinstance(self.data, np.ndarray) else self.data.item()

    def tolist(self):
        """The data as (nested) Python lists."""
        return backend.to_numpy(self.data).tolist()

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """``to(device)``, ``to(dtype)``, ``to(other)``, ``to(device, dtype)``; differentiable."""
        device, dtype = parse_to_args(args, device, dtype)
        out = self
        if device is not None and backend.device(device) != self.device:
            out = ops.shape.ToDevice.apply(out, backend.device(device))
        if dtype is not None and np.dtype(dtype) != out.dtype:
            out = ops.unary.Cast.apply(out, np.dtype(dtype))
        if copy and out is self:
            out = out.clone()
        return out

    # cpu ... half are written in terms of to(), so Module shares them (it has its own to()).

    def cpu(self):
        """``self.to('cpu')``: on the CPU (unchanged if it is there already)."""
        return self.to("cpu")

    def cuda(self, device=None):
        """``self.to('cuda')``: on the GPU (unchanged if it is there already)."""
        return self.to("cuda")

    def float(self):
        """``self.to(float32)`` (a Module converts its floating-point parameters and buffers)."""
        return self.to(backend.float32)

    def double(self):
        """``self.to(float64)`` (a Module converts its floating-point parameters and buffers)."""
        return self.to(backend.float64)

    def half(self):
        """``self.to(float16)`` (a Module converts its floating-point parameters and buffers)."""
        return self.to(backend.float16)

    def long(self):
        """This tensor as int64."""
        return self.to(backend.int64)

    def int(self):
        """This tensor as int32."""
        return self.to(backend.int32)

    def bool(self):
        """This tensor as bool."""
        return self.to(backend.bool_)

    def type_as(self, other):
        """This tensor with the dtype of ``other``."""
        return self.to(other.dtype)

    def clone(self):
        """A copy of the data, differentiable (the gradient flows back to this tensor)."""
        return ops.unary.Clone.apply(self)

    def contiguous(self):
        """This tensor if its data is C-contiguous, else a contiguous copy."""
        if self.data.flags.c_contiguous:
            return self
        return ops.unary.Clone.apply(self)

    def new_zeros(self, *size, dtype=None):
        """Zeros of ``size`` on this tensor's device, with its dtype unless ``dtype`` is given."""
        size = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        xp = backend.array_module(self.data)
        return Tensor(xp.zeros(size, dtype=dtype or self.dtype))

    def new_ones(self, *size, dtype=None):
        """Ones of ``size`` on this tensor's device, with its dtype unless ``dtype`` is given."""
        size = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        xp = backend.array_module(self.data)
        return Tensor(xp.ones(size, dtype=dtype or self.dtype))

    def new_full(self, size, fill_value, dtype=None):
        """``fill_value`` everywhere in a tensor of ``size``, on this tensor's device."""
        xp = backend.array_module(self.data)
        return Tensor(xp.full(size, fill_value, dtype=dtype or self.dtype))

    def new_tensor(self, data, dtype=None):
        """A new tensor from ``data``, on this tensor's device, with its dtype unless ``dtype`` is given."""
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
        return ops.indexing.getitem(self, key)

    def __setitem__(self, key, value):
        """In-place assignment; only for tensors that need no gradient (or under no_grad)."""
        self._check_inplace("__setitem__")
        key = ops.indexing._unwrap_key(key)
        ops.indexing.check_key_bounds("setitem", self.shape, key)
        value = value.data if isinstance(value, Tensor) else value
        if not isinstance(value, numbers.Number):           # arrays, lists: onto this tensor's device
            value = backend.to_device(np.asarray(value) if isinstance(value, (list, tuple)) else value, self.device)
        try:
            self.data[key] = value
        except IndexError as e:
            raise IndexError(f"setitem: {e} (tensor shape {tuple(self.shape)})") from None
        self._version.value += 1

    def gather(self, dim, index):
        """The elements at ``index`` along ``dim``; see minigrad.gather."""
        return ops.gather(self, dim, index)

    def scatter_add(self, dim, index, src):
        """This tensor with ``src`` added at ``index`` along ``dim``; see minigrad.scatter_add."""
        return ops.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        """The entries ``index`` along ``dim``; see minigrad.index_select."""
        return ops.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is True, else this tensor; see minigrad.masked_fill."""
        return ops.masked_fill(self, mask, value)

    def tril(self, diagonal=0):
        """The lower triangle of the last two dims; see minigrad.tril."""
        return ops.tril(self, diagonal)

    def triu(self, diagonal=0):
        """The upper triangle of the last two dims; see minigrad.triu."""
        return ops.triu(self, diagonal)

    # ------------------------------------------------------------------ element-wise functions

    def exp(self):
        """e to the power of each element; see minigrad.exp."""
        return ops.exp(self)

    def log(self):
        """The natural logarithm of each element; see minigrad.log."""
        return ops.log(self)

    def log1p(self):
        """log(1 + x) of each element; see minigrad.log1p."""
        return ops.log1p(self)

    def expm1(self):
        """exp(x) - 1 of each element; see minigrad.expm1."""
        return ops.expm1(self)

    def log2(self):
        """The base-2 logarithm of each element; see minigrad.log2."""
        return ops.log2(self)

    def log10(self):
        """The base-10 logarithm of each element; see minigrad.log10."""
        return ops.log10(self)

    def sqrt(self):
        """The square root of each element; see minigrad.sqrt."""
        return ops.sqrt(self)

    def rsqrt(self):
        """1 / sqrt(x) of each element; see minigrad.rsqrt."""
        return ops.rsqrt(self)

    def square(self):
        """x * x of each element; see minigrad.square."""
        return ops.square(self)

    def reciprocal(self):
        """1 / x of each element; see minigrad.reciprocal."""
        return ops.reciprocal(self)

    def abs(self):
        """The absolute value of each element; see minigrad.abs."""
        return ops.abs(self)

    def neg(self):
        """-x; see minigrad.neg."""
        return ops.neg(self)

    def sin(self):
        """The sine of each element; see minigrad.sin."""
        return ops.sin(self)

    def cos(self):
        """The cosine of each element; see minigrad.cos."""
        return ops.cos(self)

    def tan(self):
        """The tangent of each element; see minigrad.tan."""
        return ops.tan(self)

    def tanh(self):
        """The hyperbolic tangent of each element; see minigrad.tanh."""
        return ops.tanh(self)

    def sigmoid(self):
        """1 / (1 + exp(-x)) of each element; see minigrad.sigmoid."""
        return ops.sigmoid(self)

    def relu(self):
        """max(x, 0) of each element; see minigrad.relu."""
        return ops.relu(self)

    def erf(self):
        """The error function of each element; see minigrad.erf."""
        return ops.erf(self)

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """Each element clamped to [min, max]; see minigrad.clamp."""
        return ops.clamp(self, min, max)

    def clip(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """The same as clamp."""
        return ops.clamp(self, min, max)

    def sign(self):
        """-1, 0 or 1 for each element; not differentiable."""
        return ops.sign(self)

    def floor(self):
        """Each element rounded down; not differentiable."""
        return ops.floor(self)

    def ceil(self):
        """Each element rounded up; not differentiable."""
        return ops.ceil(self)

    def round(self):
        """Each element rounded to the nearest integer (halves to even); not differentiable."""
        return ops.round(self)

    def trunc(self):
        """Each element rounded towards zero; not differentiable."""
        return ops.trunc(self)

    def isnan(self):
        """True where an element is NaN."""
        return ops.isnan(self)

    def isinf(self):
        """True where an element is +-inf."""
        return ops.isinf(self)

    def isfinite(self):
        """True where an element is neither NaN nor +-inf."""
        return ops.isfinite(self)

    # ------------------------------------------------------------------ arithmetic

    def add(self, other, *, alpha=1):
        """self + alpha * other; see minigrad.add."""
        return ops.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        """self - alpha * other; see minigrad.sub."""
        return ops.sub(self, other, alpha=alpha)

    def mul(self, other):
        """self * other; see minigrad.mul."""
        return ops.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        """self / other, or rounded with ``rounding_mode`` 'floor'/'trunc'; see minigrad.div."""
        return ops.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent):
        """self ** exponent; see minigrad.pow."""
        return ops.pow(self, exponent)

    def matmul(self, other):
        """The matrix product self @ other; see minigrad.matmul."""
        return ops.matmul(self, other)

    def maximum(self, other):
        """The element-wise maximum with ``other``; see minigrad.maximum."""
        return ops.maximum(self, other)

    def minimum(self, other):
        """The element-wise minimum with ``other``; see minigrad.minimum."""
        return ops.minimum(self, other)

    def _operand(self, other):
        """``other``'s array if it is a Tensor, else ``other`` itself (a Python scalar)."""
        return other.data if isinstance(other, Tensor) else other

    def __add__(self, other):
        return ops.arithmetic.Add.apply(self, other)

    def __radd__(self, other):
        return ops.arithmetic.Add.apply(other, self)

    def __sub__(self, other):
        return ops.arithmetic.Sub.apply(self, other)

    def __rsub__(self, other):
        return ops.arithmetic.Sub.apply(other, self)

    def __mul__(self, other):
        return ops.arithmetic.Mul.apply(self, other)

    def __rmul__(self, other):
        return ops.arithmetic.Mul.apply(other, self)

    def __truediv__(self, other):
        return ops.arithmetic.Div.apply(self, other)

    def __rtruediv__(self, other):
        return ops.arithmetic.Div.apply(other, self)

    def __floordiv__(self, other):
        return ops.div(self, other, rounding_mode="floor")

    def __rfloordiv__(self, other):
        return ops.div(other, self, rounding_mode="floor")

    def __mod__(self, other):
        return Tensor(self.data % self._operand(other))

    def __pow__(self, exponent):
        return ops.arithmetic.Pow.apply(self, exponent)

    def __rpow__(self, base):
        return ops.pow(base, self)

    def __matmul__(self, other):
        return ops.arithmetic.MatMul.apply(self, other)

    def __rmatmul__(self, other):
        return ops.arithmetic.MatMul.apply(other, self)

    def __neg__(self):
        return ops.arithmetic.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.unary.Abs.apply(self)

    # ------------------------------------------------------------------ reductions

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        """The sum over ``dim`` (all dims when None); see minigrad.sum."""
        return ops.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        """The mean over ``dim`` (all dims when None); see minigrad.mean."""
        return ops.mean(self, dim, keepdim, dtype=dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """The variance over ``dim`` with ``correction`` (1 by default); see minigrad.var."""
        return ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """The standard deviation over ``dim``; see minigrad.std."""
        return ops.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim=None, keepdim=False):
        """The maximum, or ``(values, indices)`` along ``dim``; see minigrad.max."""
        return ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        """The minimum, or ``(values, indices)`` along ``dim``; see minigrad.min."""
        return ops.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        """The maximum over ``dim`` (all dims when empty); see minigrad.amax."""
        return ops.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        """The minimum over ``dim`` (all dims when empty); see minigrad.amin."""
        return ops.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        """The index of the maximum; see minigrad.argmax."""
        return ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        """The index of the minimum; see minigrad.argmin."""
        return ops.argmin(self, dim, keepdim)

    def prod(self, dim=None, keepdim=False):
        """The product over ``dim`` (all elements when None); see minigrad.prod."""
        return ops.prod(self, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over ``dim``, computed stably; see minigrad.logsumexp."""
        return ops.logsumexp(self, dim, keepdim)

    def softmax(self, dim, dtype=None):
        """exp(x) / sum(exp(x)) along ``dim``; see minigrad.softmax."""
        return ops.softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        """x - logsumexp(x) along ``dim``; see minigrad.log_softmax."""
        return ops.log_softmax(self, dim, dtype)

    def cumsum(self, dim):
        """The running sum along ``dim``; see minigrad.cumsum."""
        return ops.cumsum(self, dim)

    def norm(self, p="fro", dim=None, keepdim=False):
        """The p-norm over ``dim`` (2 by default); see minigrad.norm."""
        return ops.norm(self, p, dim, keepdim)

    def all(self, dim=None, keepdim=False):
        """True where every element (along ``dim``) is non-zero."""
        return ops.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        """True where some element (along ``dim``) is non-zero."""
        return ops.any(self, dim, keepdim)

    # ------------------------------------------------------------------ shape

    def reshape(self, *shape):
        """The same elements in a new shape (one size may be -1); see minigrad.reshape."""
        return ops.reshape(self, *shape)

    def view(self, *shape):
        """The same as reshape (minigrad does not track strides); see minigrad.view."""
        return ops.view(self, *shape)

    def view_as(self, other):
        """This tensor reshaped to ``other``'s shape."""
        return ops.reshape(self, other.shape)

    def reshape_as(self, other):
        """This tensor reshaped to ``other``'s shape."""
        return ops.reshape(self, other.shape)

    def permute(self, *dims):
        """The dimensions reordered as ``dims``; see minigrad.permute."""
        return ops.permute(self, *dims)

    def transpose(self, dim0, dim1):
        """Dimensions ``dim0`` and ``dim1`` swapped; see minigrad.transpose."""
        return ops.transpose(self, dim0, dim1)

    def swapaxes(self, axis0, axis1):
        """The same as transpose."""
        return ops.transpose(self, axis0, axis1)

    def movedim(self, source, destination):
        """Dimension(s) ``source`` moved to ``destination``; see minigrad.movedim."""
        return ops.movedim(self, source, destination)

    def squeeze(self, dim=None):
        """Size-1 dimensions removed (only ``dim``, if given); see minigrad.squeeze."""
        return ops.squeeze(self, dim)

    def unsqueeze(self, dim):
        """A size-1 dimension inserted at ``dim``; see minigrad.unsqueeze."""
        return ops.unsqueeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        """Dimensions ``start_dim``..``end_dim`` merged into one; see minigrad.flatten."""
        return ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        """Dimension ``dim`` split into ``sizes``; see minigrad.unflatten."""
        return ops.unflatten(self, dim, sizes)

    def expand(self, *sizes):
        """Broadcast to ``sizes`` without copying (-1 keeps a size); see minigrad.expand."""
        return ops.expand(self, *sizes)

    def expand_as(self, other):
        """Broadcast to ``other``'s shape; see minigrad.expand_as."""
        return ops.expand_as(self, other)

    def broadcast_to(self, shape):
        """Broadcast to ``shape``; see minigrad.broadcast_to."""
        return ops.broadcast_to(self, shape)

    def repeat(self, *sizes):
        """The tensor tiled ``sizes`` times along each dimension; see minigrad.repeat."""
        return ops.repeat(self, *sizes)

    def flip(self, dims):
        """The order of elements reversed along ``dims``; see minigrad.flip."""
        return ops.flip(self, dims)

    def roll(self, shifts, dims=None):
        """Elements shifted cyclically by ``shifts`` along ``dims``; see minigrad.roll."""
        return ops.roll(self, shifts, dims)

    def split(self, split_size, dim=0):
        """Pieces of ``split_size`` (or of the listed sizes) along ``dim``; see minigrad.split."""
        return ops.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        """``chunks`` pieces of (nearly) equal size along ``dim``; see minigrad.chunk."""
        return ops.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        """The slices along ``dim``, as a tuple; see minigrad.unbind."""
        return ops.unbind(self, dim)

    # ------------------------------------------------------------------ comparisons and logic
    # Not differentiable: they give bool tensors outside the graph.

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
        """self == other, element-wise."""
        return self == other

    def ne(self, other):
        """self != other, element-wise."""
        return self != other

    def lt(self, other):
        """self < other, element-wise."""
        return self < other

    def le(self, other):
        """self <= other, element-wise."""
        return self <= other

    def gt(self, other):
        """self > other, element-wise."""
        return self > other

    def ge(self, other):
        """self >= other, element-wise."""
        return self >= other

    def logical_and(self, other):
        """Element-wise logical and."""
        return self._compare(other, lambda a, b: backend.array_module(a).logical_and(a, b))

    def logical_or(self, other):
        """Element-wise logical or."""
        return self._compare(other, lambda a, b: backend.array_module(a).logical_or(a, b))

    def logical_not(self):
        """Element-wise logical not."""
        return Tensor(backend.array_module(self.data).logical_not(self.data))

    def equal(self, other):
        """True if both tensors have the same shape and the same elements."""
        return bool(self.shape == other.shape and (self.data == other.data).all())

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        """True if every element is within ``atol + rtol * |other|`` of ``other``'s."""
        return bool(backend.array_module(self.data).allclose(self.data, other.data, rtol, atol, equal_nan))

    # ------------------------------------------------------------------ in-place updates
    # Each writes into ``self.data`` and bumps the version counter, so that a tensor saved for
    # backward and changed afterwards is caught (see autograd/function.py). On a tensor that
    # requires grad they are refused while grad mode is on (optimizers update under no_grad).

    def _check_inplace(self, op):
        if self.requires_grad and grad_mode.is_grad_enabled():
            kind = "a leaf tensor" if self.grad_fn is None else "a tensor"
            raise RuntimeError(f"{op}: {kind} that requires grad is being used in an in-place "
                               "operation; wrap it in `with minigrad.no_grad():` (as optimizers "
                               "do) or use the out-of-place op")

    def _inplace(self, op, result):
        """Write ``result`` (an array or Tensor of this tensor's shape) into the data."""
        self._check_inplace(op)
        result = result.data if isinstance(result, Tensor) else result
        if result.shape != self.data.shape:
            raise RuntimeError(f"{op}: the result's shape {tuple(result.shape)} does not match "
                               f"the tensor's shape {tuple(self.shape)}")
        self.data[...] = result
        self._version.value += 1
        return self

    def add_(self, other, *, alpha=1):
        """self += alpha * other, in place."""
        o = self._operand(other)
        return self._inplace("add_", self.data + (o if alpha == 1 else alpha * o))

    def sub_(self, other, *, alpha=1):
        """self -= alpha * other, in place."""
        o = self._operand(other)
        return self._inplace("sub_", self.data - (o if alpha == 1 else alpha * o))

    def mul_(self, other):
        """self *= other, in place."""
        return self._inplace("mul_", self.data * self._operand(other))

    def div_(self, other):
        """self /= other, in place."""
        return self._inplace("div_", self.data / self._operand(other))

    def pow_(self, exponent):
        """self **= exponent, in place."""
        return self._inplace("pow_", self.data ** self._operand(exponent))

    def sqrt_(self):
        """The square root of each element, in place."""
        return self._inplace("sqrt_", backend.array_module(self.data).sqrt(self.data))

    def addcmul_(self, tensor1, tensor2, *, value=1):
        """self += value * tensor1 * tensor2, in place."""
        return self._inplace("addcmul_", self.data + value * tensor1.data * tensor2.data)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        """self += value * tensor1 / tensor2, in place."""
        return self._inplace("addcdiv_", self.data + value * tensor1.data / tensor2.data)

    def lerp_(self, end, weight):
        """self += weight * (end - self), in place."""
        return self._inplace("lerp_", self.data + self._operand(weight) * (self._operand(end) - self.data))

    def zero_(self):
        """Fill with zeros, in place."""
        self._check_inplace("zero_")
        self.data[...] = 0
        self._version.value += 1
        return self

    def fill_(self, value):
        """Fill with ``value``, in place."""
        self._check_inplace("fill_")
        self.data[...] = self._operand(value)
        self._version.value += 1
        return self

    def copy_(self, src):
        """Copy ``src`` (broadcast to this shape, moved to this device and dtype) into this tensor."""
        src = src.data if isinstance(src, Tensor) else src
        src = backend.to_device(src, self.device) if hasattr(src, "shape") else src
        xp = backend.array_module(self.data)
        return self._inplace("copy_", xp.broadcast_to(xp.asarray(src, dtype=self.dtype), self.shape))

    def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """Clamp each element to [min, max], in place."""
        xp = backend.array_module(self.data)
        return self._inplace("clamp_", xp.clip(self.data, min, max))

    def maximum_(self, other):
        """The element-wise maximum with ``other``, in place."""
        return self._inplace("maximum_", backend.array_module(self.data).maximum(self.data, self._operand(other)))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        """Fill with samples uniform on [a, b), in place."""
        rng = backend.seed_generators_of(self.device, generator)
        return self._inplace("uniform_", rng.uniform(a, b, self.shape).astype(self.dtype))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Fill with samples of N(mean, std^2), in place."""
        rng = backend.seed_generators_of(self.device, generator)
        return self._inplace("normal_", (rng.standard_normal(self.shape) * std + mean).astype(self.dtype))

    def bernoulli_(self, p=0.5, generator=None):
        """Fill with 1 (probability p) or 0, in place."""
        rng = backend.seed_generators_of(self.device, generator)
        return self._inplace("bernoulli_", (rng.random(self.shape) < p).astype(self.dtype))

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)


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


# The one import cycle in minigrad, broken here: Tensor's methods call the ops and the engine,
# and those build Tensors (Function.apply wraps every result in this class). So they are
# imported once the class exists -- which is why minigrad/__init__.py imports this module first.
from . import ops  # noqa: E402
from .autograd import engine, grad_mode  # noqa: E402
