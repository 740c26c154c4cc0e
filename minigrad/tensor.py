"""Tensor: an array (NumPy or CuPy) plus what autograd needs to differentiate through it.

Every method is written in the class body. A differentiable method is one line that calls its
op in ``minigrad.ops`` (``x.exp()`` is ``ops.exp(x)``, whose ``Exp`` Function holds the forward
and the backward); the rest is bookkeeping: construction, conversions, printing, the in-place
updates (with their version counter) and ``backward``. A method that takes ``dim``/``keepdim``
carries ``@numpy_spellings``, so that it also takes NumPy's ``axis``/``keepdims``, as in PyTorch.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import backend
from ._checks import (bool_arg, dtype_arg, errors_named, number_arg, operand_arg, range_arg, scalar_arg, size_arg,
                      tensor_arg)
from ._spellings import numpy_spellings


_new_object = object.__new__


class _VersionCounter:
    """Shared by a tensor and its views; bumped by every in-place op on any of them."""
    value = 0           # a class default (no __init__): a new counter costs one allocation


class _HookHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook out again."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Size(tuple):
    """A shape, as ``torch.Size``: a tuple of ints (it equals the plain tuple), printed as
    ``minigrad.Size([2, 3])``; ``numel()`` is the product of the sizes. ``t.shape`` and
    ``t.size()`` return one."""

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __repr__(self):
        return f"minigrad.Size({list(self)})"

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        n = 1
        for d in self:
            n *= d
        return n


def _float_formatter(arr):
    """How PyTorch prints a floating-point tensor (its ``_Formatter``, precision 4): over the
    finite non-zero values, scientific notation if max/min > 1000, max > 1e8 or min < 1e-4;
    else integers as ``3.`` when every value is whole, else 4 decimals; all padded to one width."""
    values = np.abs(arr[np.isfinite(arr) & (arr != 0)].astype(np.float64))
    whole = bool(np.all(values == np.ceil(values)))
    sci = values.size > 0 and bool(values.max() / values.min() > 1000.0 or values.max() > 1.0e8
                                   or values.min() < 1.0e-4)
    if sci:
        text = lambda v: f"{v:.4e}"  # noqa: E731
    elif whole:
        text = lambda v: f"{v:.0f}" + ("" if np.isinf(v) or np.isnan(v) else ".")  # noqa: E731
    else:
        text = lambda v: f"{v:.4f}"  # noqa: E731
    signed = arr[np.isfinite(arr) & (arr != 0)]
    width = 1
    if signed.size:                      # the longest text is at one of the extremes
        extremes = (signed.min(), signed.max(), signed[np.argmin(np.abs(signed))], signed[np.argmax(np.abs(signed))])
        width = max(len(text(float(v))) for v in extremes)
    return lambda v: text(float(v)).rjust(width)


def _left_out(name):
    """The property ``Tensor.<name>`` of a name in ``unsupported.OUT``: reading it raises the
    NotImplementedError (also an AttributeError, so ``hasattr`` is False) naming the PyTorch one."""
    def refuse(self):
        unsupported.refuse("Tensor." + name)
    refuse.__qualname__ = "Tensor." + name
    refuse.__doc__ = f"Left out of minigrad on purpose: reading it raises NotImplementedError ({name})."
    return property(refuse)


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
    __slots__ = ("data", "requires_grad", "grad", "grad_fn", "output_nr", "_version", "_view",
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
        self._view = None
        self._hooks = None
        self._post_accumulate_grad_hooks = None
        self._retains_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data, requires_grad, grad_fn, output_nr):
        """The lean internal constructor (Function.apply's): ``data`` is already an array and
        nothing is checked; every field is set, as __slots__ have no defaults."""
        t = _new_object(Tensor)
        t.data = data
        t.requires_grad = requires_grad
        t.grad = None
        t.grad_fn = grad_fn
        t.output_nr = output_nr
        t._version = _VersionCounter()
        t._view = None
        t._hooks = None
        t._post_accumulate_grad_hooks = None
        t._retains_grad = False
        return t

    # ------------------------------------------------------------------ attributes

    @property
    def shape(self):
        """The sizes of the dimensions, a ``minigrad.Size`` (a tuple)."""
        return Size(self.data.shape)

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

    @numpy_spellings
    def size(self, dim=None):
        """The shape (a ``minigrad.Size``), or the size of dimension ``dim``."""
        if dim is None:
            return Size(self.data.shape)
        if self.ndim == 0:
            raise IndexError(f"size: dimension specified as {dim!r} but the tensor has no dimensions")
        return self.data.shape[ops._util.normalize_dim(dim, self.ndim, "size")]

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

    def is_complex(self):
        """False: minigrad tensors are real (complex dtypes are not supported)."""
        return False

    @property
    def is_sparse(self):
        """False: minigrad tensors are dense."""
        return False

    @property
    def is_quantized(self):
        """False: minigrad has no quantized tensors."""
        return False

    def conj(self):
        """The complex conjugate: the tensor itself, as for every real tensor."""
        return self

    # What minigrad leaves out on purpose (``minigrad.unsupported``): reading one raises
    # NotImplementedError saying so. Properties, not a ``__getattr__``: CPython specializes no
    # attribute read on a class that has one, so every ``t.data`` in the engine would pay for it.
    to_sparse = _left_out("to_sparse")
    to_sparse_coo = _left_out("to_sparse_coo")
    to_sparse_csr = _left_out("to_sparse_csr")
    coalesce = _left_out("coalesce")
    indices = _left_out("indices")
    values = _left_out("values")
    real = _left_out("real")
    imag = _left_out("imag")
    angle = _left_out("angle")
    dequantize = _left_out("dequantize")
    q_scale = _left_out("q_scale")
    bfloat16 = _left_out("bfloat16")

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
        keep.retains_grad = True            # found and moved by an in-place op on this tensor
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
        """``to(device)``, ``to(dtype)``, ``to(other)``, ``to(device, dtype)``; differentiable.
        One or two bools after a dtype or a tensor are ``non_blocking`` and ``copy``, as PyTorch's
        overloads read them; a bool in the dtype's place is the dtype bool (``x.to(True)``), as in PyTorch."""
        if args and type(args[0]) is bool:
            args = (np.dtype(np.bool_),) + args[1:]
        k = 0
        while k < min(2, len(args) - 1) and type(args[len(args) - 1 - k]) is bool:
            k += 1
        flags = list(args[len(args) - k:])
        if flags and not isinstance(args[-k - 1], (str, backend.device)):
            args = args[:-k]
            non_blocking = flags[0]
            copy = flags[1] if len(flags) > 1 else copy
        device, dtype = parse_to_args(args, device, dtype)
        copy = bool_arg("to", "copy", copy)
        bool_arg("to", "non_blocking", non_blocking)
        out = self
        with errors_named("to"):
            device = None if device is None else backend.device(device)
        if device is not None and device != self.device:
            out = ops.shape.ToDevice.apply(out, device)
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
        return self.to(tensor_arg("type_as", "other", other).dtype)

    def type(self, dtype=None, non_blocking=False):
        """Without an argument, the type's name ('minigrad.FloatTensor', 'minigrad.cuda.LongTensor'
        ...); with a dtype (or such a name, 'torch.' accepted too), this tensor as that dtype."""
        bool_arg("type", "non_blocking", non_blocking)
        if dtype is None:
            prefix = "minigrad.cuda." if self.is_cuda else "minigrad."
            return prefix + backend.tensor_type_name(self.dtype)
        if isinstance(dtype, str):
            dtype = backend.dtype_of_type_name(dtype)
        return self.to(dtype)

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
        xp = backend.array_module(self.data)
        return Tensor(xp.zeros(size_arg("new_zeros", size), dtype=self._new_dtype("new_zeros", dtype)))

    def new_ones(self, *size, dtype=None):
        """Ones of ``size`` on this tensor's device, with its dtype unless ``dtype`` is given."""
        xp = backend.array_module(self.data)
        return Tensor(xp.ones(size_arg("new_ones", size), dtype=self._new_dtype("new_ones", dtype)))

    def new_full(self, size, fill_value, dtype=None):
        """``fill_value`` everywhere in a tensor of ``size``, on this tensor's device."""
        xp = backend.array_module(self.data)
        dtype = self._new_dtype("new_full", dtype)
        return Tensor(xp.full(size_arg("new_full", (size,)), scalar_arg("new_full", "fill_value", fill_value, dtype),
                              dtype=dtype))

    def _new_dtype(self, op, dtype):
        """The dtype of a new_* tensor: this one's, unless ``dtype`` (checked) is given."""
        return self.dtype if dtype is None else dtype_arg(op, dtype)

    def new_tensor(self, data, dtype=None):
        """A new tensor from ``data``, on this tensor's device, with its dtype unless ``dtype`` is given."""
        if data is None or isinstance(data, (str, bytes, dict)):
            raise TypeError(f"new_tensor: data must be a number, a sequence or an array, got {type(data).__name__}")
        dtype = self.dtype if dtype is None else dtype_arg("new_tensor", dtype)
        xp = backend.array_module(self.data)
        return Tensor(xp.asarray(backend.to_numpy(data) if not isinstance(data, (list, tuple, int, float)) else data,
                                 dtype=dtype))

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
            body = np.array2string(arr, separator=", ", prefix="tensor(", max_line_width=80,
                                   formatter={"float_kind": _float_formatter(arr)}, threshold=1000,
                                   edgeitems=3)
        else:
            body = np.array2string(arr, separator=", ", prefix="tensor(", max_line_width=80,
                                   threshold=1000, edgeitems=3)
        if arr.size == 0 and arr.shape != (0,):
            extras.append(f"size={tuple(arr.shape)}")
        if arr.dtype not in (backend.get_default_dtype(), backend.int64, backend.bool_):
            extras.append(f"dtype=minigrad.{arr.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{type(self.grad_fn).__name__}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        text = "tensor(" + body
        line = len(text) - text.rfind("\n") + 1
        for extra in extras:                # PyTorch's rule: a suffix that does not fit starts a line
            if line + len(extra) + 2 > 80:
                text += ",\n       " + extra
                line = 7 + len(extra)
            else:
                text += ", " + extra
                line += len(extra) + 2
        return text + ")"

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
        if type(key) is int or type(key) is slice and (key.step is None or key.step > 0):
            return ops.indexing.GetItem.apply(self, key)    # the common keys: nothing to rewrite
        return ops.indexing.getitem(self, key)

    @numpy_spellings
    def gather(self, dim, index):
        """The elements at ``index`` along ``dim``; see minigrad.gather."""
        return ops.gather(self, dim, index)

    @numpy_spellings
    def scatter_add(self, dim, index, src):
        """This tensor with ``src`` added at ``index`` along ``dim``; see minigrad.scatter_add."""
        return ops.scatter_add(self, dim, index, src)

    @numpy_spellings
    def index_select(self, dim, index):
        """The entries ``index`` along ``dim``; see minigrad.index_select."""
        return ops.index_select(self, dim, index)

    @numpy_spellings
    def scatter(self, dim, index, src=None, value=None, *, reduce=None):
        """This tensor with ``src`` written at ``index`` along ``dim``; see minigrad.scatter."""
        return ops.scatter(self, dim, index, src, value, reduce=reduce)

    @numpy_spellings
    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """This tensor with ``src`` reduced in at ``index`` along ``dim``; see minigrad.scatter_reduce."""
        return ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    @numpy_spellings
    def index_add(self, dim, index, source, *, alpha=1):
        """This tensor with ``alpha * source`` added at the entries ``index``; see minigrad.index_add."""
        return ops.index_add(self, dim, index, source, alpha=alpha)

    @numpy_spellings
    def index_fill(self, dim, index, value):
        """This tensor with the entries ``index`` along ``dim`` set to ``value``; see minigrad.index_fill."""
        return ops.index_fill(self, dim, index, value)

    @numpy_spellings
    def index_copy(self, dim, index, source):
        """This tensor with ``source`` copied to the entries ``index``; see minigrad.index_copy."""
        return ops.index_copy(self, dim, index, source)

    def masked_select(self, mask):
        """The elements where ``mask`` is True, 1-D; see minigrad.masked_select."""
        return ops.masked_select(self, mask)

    def take(self, index):
        """The flattened elements at ``index``; see minigrad.take."""
        return ops.take(self, index)

    @numpy_spellings
    def take_along_dim(self, indices, dim=None):
        """The elements at ``indices`` along ``dim``; see minigrad.take_along_dim."""
        return ops.take_along_dim(self, indices, dim)

    def nonzero(self, *, as_tuple=False):
        """The indices of the non-zero elements; see minigrad.nonzero."""
        return ops.nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        """The (n, ndim) indices of the non-zero elements; see minigrad.argwhere."""
        return ops.argwhere(self)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        """The ``offset`` diagonal of the planes (dim1, dim2); see minigrad.diagonal."""
        return ops.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        """A diagonal matrix from a 1-D tensor, or a diagonal of a 2-D one; see minigrad.diag."""
        return ops.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        """The last dim placed on diagonals of new planes; see minigrad.diag_embed."""
        return ops.diag_embed(self, offset, dim1, dim2)

    def trace(self):
        """The sum of the main diagonal of a 2-D tensor; see minigrad.trace."""
        return ops.trace(self)

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

    def absolute(self):
        """The same as abs."""
        return ops.abs(self)


    def neg(self):
        """-x; see minigrad.neg."""
        return ops.neg(self)

    def negative(self):
        """The same as neg."""
        return ops.neg(self)


    def positive(self):
        """The tensor itself (+x); refused on a bool tensor, as PyTorch refuses it."""
        if self.dtype == np.bool_:
            raise RuntimeError("positive: the + operator on a bool tensor is not supported")
        return self

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

    def exp2(self):
        """2 to the power of each element; see minigrad.exp2."""
        return ops.exp2(self)

    def asin(self):
        """The inverse sine of each element; see minigrad.asin."""
        return ops.asin(self)

    def acos(self):
        """The inverse cosine of each element; see minigrad.acos."""
        return ops.acos(self)

    def atan(self):
        """The inverse tangent of each element; see minigrad.atan."""
        return ops.atan(self)

    def arcsin(self):
        """The same as asin."""
        return ops.asin(self)

    def arccos(self):
        """The same as acos."""
        return ops.acos(self)

    def arctan(self):
        """The same as atan."""
        return ops.atan(self)


    def sinh(self):
        """The hyperbolic sine of each element; see minigrad.sinh."""
        return ops.sinh(self)

    def cosh(self):
        """The hyperbolic cosine of each element; see minigrad.cosh."""
        return ops.cosh(self)

    def asinh(self):
        """The inverse hyperbolic sine of each element; see minigrad.asinh."""
        return ops.asinh(self)

    def acosh(self):
        """The inverse hyperbolic cosine of each element; see minigrad.acosh."""
        return ops.acosh(self)

    def atanh(self):
        """The inverse hyperbolic tangent of each element; see minigrad.atanh."""
        return ops.atanh(self)

    def arcsinh(self):
        """The same as asinh."""
        return ops.asinh(self)

    def arccosh(self):
        """The same as acosh."""
        return ops.acosh(self)

    def arctanh(self):
        """The same as atanh."""
        return ops.atanh(self)


    def deg2rad(self):
        """Degrees to radians; see minigrad.deg2rad."""
        return ops.deg2rad(self)

    def rad2deg(self):
        """Radians to degrees; see minigrad.rad2deg."""
        return ops.rad2deg(self)

    def logit(self, eps=None):
        """log(p / (1 - p)); see minigrad.logit."""
        return ops.logit(self, eps)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        """NaN and infinities replaced by numbers; see minigrad.nan_to_num."""
        return ops.nan_to_num(self, nan, posinf, neginf)

    def prelu(self, weight):
        """x where x > 0, else weight * x; see minigrad.prelu."""
        return ops.prelu(self, weight)

    def hardshrink(self, lambd=0.5):
        """x where |x| > lambd, else 0; see minigrad.hardshrink."""
        return ops.hardshrink(self, lambd)

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

    def clamp_min(self, min):  # noqa: A002 - PyTorch's name
        """Each element clamped from below; see minigrad.clamp."""
        with errors_named("clamp_min"):
            return ops.clamp(self, min=min)

    def clamp_max(self, max):  # noqa: A002 - PyTorch's name
        """Each element clamped from above; see minigrad.clamp."""
        with errors_named("clamp_max"):
            return ops.clamp(self, max=max)

    def sign(self):
        """-1, 0 or 1 for each element (gradient 0); see minigrad.sign."""
        return ops.sign(self)

    def sgn(self):
        """The same as sign for real tensors."""
        return ops.sign(self)

    def floor(self):
        """Each element rounded down (gradient 0); see minigrad.floor."""
        return ops.floor(self)

    def ceil(self):
        """Each element rounded up (gradient 0); see minigrad.ceil."""
        return ops.ceil(self)

    def round(self, *, decimals=0):
        """Each element rounded to ``decimals`` decimals, halves to even (gradient 0); see minigrad.round."""
        return ops.round(self, decimals=decimals)

    def trunc(self):
        """Each element rounded towards zero (gradient 0); see minigrad.trunc."""
        return ops.trunc(self)

    def fix(self):
        """The same as trunc."""
        return ops.trunc(self)

    def frac(self):
        """The fractional part x - trunc(x); see minigrad.frac."""
        return ops.frac(self)

    def isnan(self):
        """True where an element is NaN."""
        return ops.isnan(self)

    def isinf(self):
        """True where an element is +-inf."""
        return ops.isinf(self)

    def isfinite(self):
        """True where an element is neither NaN nor +-inf."""
        return ops.isfinite(self)

    def isposinf(self):
        """True where an element is +inf."""
        return ops.isposinf(self)

    def isneginf(self):
        """True where an element is -inf."""
        return ops.isneginf(self)

    def isreal(self):
        """True everywhere (minigrad tensors are real)."""
        return ops.isreal(self)

    def signbit(self):
        """True where the sign bit is set (negative numbers and -0.0)."""
        return ops.signbit(self)

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

    def subtract(self, other, *, alpha=1):
        """The same as sub."""
        return ops.sub(self, other, alpha=alpha)

    def multiply(self, other):
        """The same as mul."""
        return ops.mul(self, other)

    def divide(self, other, *, rounding_mode=None):
        """The same as div."""
        return ops.div(self, other, rounding_mode=rounding_mode)

    def true_divide(self, other):
        """self / other (true division)."""
        return ops.div(self, other)

    def floor_divide(self, other):
        """self / other rounded down (its gradient is 0); see minigrad.floor_divide."""
        with errors_named("floor_divide"):
            return ops.div(self, other, rounding_mode="floor")

    def remainder(self, other):
        """Python's modulus (the sign of other); see minigrad.remainder."""
        return ops.remainder(self, other)

    def fmod(self, other):
        """C's modulus (the sign of self); see minigrad.fmod."""
        return ops.fmod(self, other)

    def atan2(self, other):
        """The angle of the point (other, self); see minigrad.atan2."""
        return ops.atan2(self, other)

    def arctan2(self, other):
        """The same as atan2."""
        return ops.arctan2(self, other)


    def hypot(self, other):
        """sqrt(self^2 + other^2); see minigrad.hypot."""
        return ops.hypot(self, other)

    def copysign(self, other):
        """|self| with the sign of other; see minigrad.copysign."""
        return ops.copysign(self, other)

    def logaddexp(self, other):
        """log(exp(self) + exp(other)); see minigrad.logaddexp."""
        return ops.logaddexp(self, other)

    def logaddexp2(self, other):
        """log2(2^self + 2^other); see minigrad.logaddexp2."""
        return ops.logaddexp2(self, other)

    def lerp(self, end, weight):
        """self + weight * (end - self); see minigrad.lerp."""
        return ops.lerp(self, end, weight)

    def xlogy(self, other):
        """self * log(other), 0 where self is 0; see minigrad.xlogy."""
        return ops.xlogy(self, other)

    def float_power(self, exponent):
        """self ** exponent in float64; see minigrad.float_power."""
        return ops.float_power(self, exponent)

    def where(self, condition, other):
        """self where ``condition`` (a Tensor, as PyTorch's method takes it) holds, else other; see minigrad.where."""
        return ops.where(tensor_arg("where", "condition", condition), self, other)

    def bitwise_and(self, other):
        """Element-wise AND; see minigrad.bitwise_and."""
        return ops.bitwise_and(self, other)

    def bitwise_or(self, other):
        """Element-wise OR; see minigrad.bitwise_or."""
        return ops.bitwise_or(self, other)

    def bitwise_xor(self, other):
        """Element-wise XOR; see minigrad.bitwise_xor."""
        return ops.bitwise_xor(self, other)

    def bitwise_not(self):
        """Element-wise NOT; see minigrad.bitwise_not."""
        return ops.bitwise_not(self)

    def bitwise_left_shift(self, other):
        """self << other; see minigrad.bitwise_left_shift."""
        return ops.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other):
        """self >> other; see minigrad.bitwise_right_shift."""
        return ops.bitwise_right_shift(self, other)

    def mm(self, mat2):
        """The matrix product with a 2-D tensor; see minigrad.mm."""
        return ops.mm(self, mat2)

    def bmm(self, mat2):
        """The batched matrix product; see minigrad.bmm."""
        return ops.bmm(self, mat2)

    def mv(self, vec):
        """The matrix-vector product; see minigrad.mv."""
        return ops.mv(self, vec)

    def dot(self, other):
        """The dot product of two 1-D tensors; see minigrad.dot."""
        return ops.dot(self, other)

    def vdot(self, other):
        """The same as dot for real tensors."""
        with errors_named("vdot"):
            return ops.dot(self, other)

    def inner(self, other):
        """The sum over the last dims of the product; see minigrad.inner."""
        return ops.inner(self, other)

    def outer(self, vec2):
        """The outer product of two 1-D tensors; see minigrad.outer."""
        return ops.outer(self, vec2)

    def ger(self, vec2):
        """The same as outer."""
        return ops.outer(self, vec2)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        """beta * self + alpha * (mat1 @ mat2); see minigrad.addmm."""
        return ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        """beta * self + alpha * (mat @ vec); see minigrad.addmv."""
        return ops.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        """beta * self + alpha * outer(vec1, vec2); see minigrad.addr."""
        return ops.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """beta * self + alpha * bmm(batch1, batch2); see minigrad.baddbmm."""
        return ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """beta * self + alpha * the batch sum of bmm(batch1, batch2); see minigrad.addbmm."""
        return ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    @numpy_spellings
    def cross(self, other, dim=None):
        """The cross product of 3-vectors along ``dim``; see minigrad.cross."""
        return ops.cross(self, other, dim)

    def kron(self, other):
        """The Kronecker product; see minigrad.kron."""
        return ops.kron(self, other)

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
        return ops.remainder(self, other)

    def __rmod__(self, other):
        return ops.remainder(other, self)

    def __lshift__(self, other):
        return ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return ops.bitwise_left_shift(other, self)

    def __rshift__(self, other):
        return ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return ops.bitwise_right_shift(other, self)

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

    @numpy_spellings
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        """The sum over ``dim`` (all dims when None); see minigrad.sum."""
        if dtype is None:       # the common call, straight to the Function (as the operators do)
            return ops.reduction.Sum.apply(self, ops.reduction.reduced_dims(dim, self.data.ndim, "sum"), keepdim)
        return ops.sum(self, dim, keepdim, dtype=dtype)

    @numpy_spellings
    def mean(self, dim=None, keepdim=False, *, dtype=None):
        """The mean over ``dim`` (all dims when None); see minigrad.mean."""
        return ops.mean(self, dim, keepdim, dtype=dtype)

    @numpy_spellings
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """The variance over ``dim`` with ``correction`` (1 by default); see minigrad.var."""
        return ops.var(self, dim, unbiased, keepdim, correction=correction)

    @numpy_spellings
    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """The standard deviation over ``dim``; see minigrad.std."""
        return ops.std(self, dim, unbiased, keepdim, correction=correction)

    @numpy_spellings
    def max(self, dim=None, keepdim=False):
        """The maximum, or ``(values, indices)`` along ``dim``; see minigrad.max."""
        return ops.max(self, dim, keepdim)

    @numpy_spellings
    def min(self, dim=None, keepdim=False):
        """The minimum, or ``(values, indices)`` along ``dim``; see minigrad.min."""
        return ops.min(self, dim, keepdim)

    @numpy_spellings
    def amax(self, dim=(), keepdim=False):
        """The maximum over ``dim`` (all dims when empty); see minigrad.amax."""
        return ops.amax(self, dim, keepdim)

    @numpy_spellings
    def amin(self, dim=(), keepdim=False):
        """The minimum over ``dim`` (all dims when empty); see minigrad.amin."""
        return ops.amin(self, dim, keepdim)

    @numpy_spellings
    def argmax(self, dim=None, keepdim=False):
        """The index of the maximum; see minigrad.argmax."""
        return ops.argmax(self, dim, keepdim)

    @numpy_spellings
    def argmin(self, dim=None, keepdim=False):
        """The index of the minimum; see minigrad.argmin."""
        return ops.argmin(self, dim, keepdim)

    @numpy_spellings
    def prod(self, dim=None, keepdim=False, *, dtype=None):
        """The product over ``dim`` (all elements when None); see minigrad.prod."""
        return ops.prod(self, dim, keepdim, dtype=dtype)

    @numpy_spellings
    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over ``dim``, computed stably; see minigrad.logsumexp."""
        return ops.logsumexp(self, dim, keepdim)

    @numpy_spellings
    def softmax(self, dim, dtype=None):
        """exp(x) / sum(exp(x)) along ``dim``; see minigrad.softmax."""
        return ops.softmax(self, dim, dtype)

    @numpy_spellings
    def log_softmax(self, dim, dtype=None):
        """x - logsumexp(x) along ``dim``; see minigrad.log_softmax."""
        return ops.log_softmax(self, dim, dtype)

    @numpy_spellings
    def cumsum(self, dim, *, dtype=None):
        """The running sum along ``dim``; see minigrad.cumsum."""
        return ops.cumsum(self, dim, dtype=dtype)

    @numpy_spellings
    def cumprod(self, dim, *, dtype=None):
        """The running product along ``dim``; see minigrad.cumprod."""
        return ops.cumprod(self, dim, dtype=dtype)

    @numpy_spellings
    def cummax(self, dim):
        """``(values, indices)`` of the running maximum along ``dim``; see minigrad.cummax."""
        return ops.cummax(self, dim)

    @numpy_spellings
    def cummin(self, dim):
        """``(values, indices)`` of the running minimum along ``dim``; see minigrad.cummin."""
        return ops.cummin(self, dim)

    @numpy_spellings
    def logcumsumexp(self, dim):
        """log(cumsum(exp(x))) along ``dim``, computed stably; see minigrad.logcumsumexp."""
        return ops.logcumsumexp(self, dim)

    @numpy_spellings
    def sort(self, dim=-1, descending=False, stable=False):
        """``(values, indices)`` sorted along ``dim``; see minigrad.sort."""
        return ops.sort(self, dim, descending, stable)

    @numpy_spellings
    def argsort(self, dim=-1, descending=False, stable=False):
        """The indices that sort along ``dim``; see minigrad.argsort."""
        return ops.argsort(self, dim, descending, stable)

    def msort(self):
        """Sorted along dim 0; see minigrad.msort."""
        return ops.msort(self)

    @numpy_spellings
    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
        """``(values, indices)`` of the k largest (or smallest) along ``dim``; see minigrad.topk."""
        return ops.topk.unspelled(self, k, dim, largest, sorted)     # (respelled here already)

    @numpy_spellings
    def kthvalue(self, k, dim=-1, keepdim=False):
        """``(values, indices)`` of the k-th smallest along ``dim``; see minigrad.kthvalue."""
        return ops.kthvalue(self, k, dim, keepdim)

    @numpy_spellings
    def median(self, dim=None, keepdim=False):
        """The lower median, or ``(values, indices)`` along ``dim``; see minigrad.median."""
        return ops.median(self, dim, keepdim)

    @numpy_spellings
    def nanmedian(self, dim=None, keepdim=False):
        """The median ignoring NaNs; see minigrad.nanmedian."""
        return ops.nanmedian(self, dim, keepdim)

    @numpy_spellings
    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        """The q-quantiles along ``dim``; see minigrad.quantile."""
        return ops.quantile(self, q, dim, keepdim, interpolation=interpolation)

    @numpy_spellings
    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        """The distinct elements; see minigrad.unique."""
        return ops.unique(self, sorted, return_inverse, return_counts, dim)

    @numpy_spellings
    def count_nonzero(self, dim=None):
        """The number of non-zero elements over ``dim``; see minigrad.count_nonzero."""
        return ops.count_nonzero(self, dim)

    @numpy_spellings
    def norm(self, p="fro", dim=None, keepdim=False):
        """The p-norm over ``dim`` (2 by default); see minigrad.norm."""
        return ops.norm(self, p, dim, keepdim)

    @numpy_spellings
    def all(self, dim=None, keepdim=False):
        """True where every element (along ``dim``) is non-zero."""
        return ops.all(self, dim, keepdim)

    @numpy_spellings
    def any(self, dim=None, keepdim=False):
        """True where some element (along ``dim``) is non-zero."""
        return ops.any(self, dim, keepdim)

    # ------------------------------------------------------------------ shape

    def reshape(self, *shape):
        """The same elements in a new shape (one size may be -1); see minigrad.reshape."""
        return ops.reshape(self, ops.shape.as_shape(shape))

    def view(self, *shape):
        """The same memory in a new shape (an error where that needs a copy); see minigrad.view."""
        return ops.view(self, *shape)

    def view_as(self, other):
        """This tensor reshaped to ``other``'s shape."""
        with errors_named("view_as"):
            return ops.reshape(self, tensor_arg("view_as", "other", other).shape)

    def reshape_as(self, other):
        """This tensor reshaped to ``other``'s shape."""
        with errors_named("reshape_as"):
            return ops.reshape(self, tensor_arg("reshape_as", "other", other).shape)

    def permute(self, *dims):
        """The dimensions reordered as ``dims``; see minigrad.permute."""
        return ops.permute(self, ops.shape.as_shape(dims))

    def transpose(self, dim0, dim1):
        """Dimensions ``dim0`` and ``dim1`` swapped; see minigrad.transpose."""
        return ops.transpose(self, dim0, dim1)

    def swapaxes(self, axis0, axis1):
        """The same as transpose."""
        return ops.transpose(self, axis0, axis1)

    def swapdims(self, dim0, dim1):
        """The same as transpose."""
        return ops.transpose(self, dim0, dim1)

    def movedim(self, source, destination):
        """Dimension(s) ``source`` moved to ``destination``; see minigrad.movedim."""
        return ops.movedim(self, source, destination)

    def moveaxis(self, source, destination):
        """The same as movedim."""
        with errors_named("moveaxis"):
            return ops.movedim(self, source, destination)

    @numpy_spellings
    def squeeze(self, dim=None):
        """Size-1 dimensions removed (only ``dim``, if given); see minigrad.squeeze."""
        return ops.squeeze(self, dim)

    @numpy_spellings
    def unsqueeze(self, dim):
        """A size-1 dimension inserted at ``dim``; see minigrad.unsqueeze."""
        return ops.unsqueeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        """Dimensions ``start_dim``..``end_dim`` merged into one; see minigrad.flatten."""
        return ops.flatten(self, start_dim, end_dim)

    @numpy_spellings
    def unflatten(self, dim, sizes):
        """Dimension ``dim`` split into ``sizes``; see minigrad.unflatten."""
        return ops.unflatten(self, dim, sizes)

    def expand(self, *sizes):
        """Broadcast to ``sizes`` without copying (-1 keeps a size); see minigrad.expand."""
        return ops.expand(self, *sizes)

    def expand_as(self, other):
        """Broadcast to ``other``'s shape; see minigrad.expand_as."""
        with errors_named("expand_as"):
            return ops.expand_as(self, other)

    def broadcast_to(self, shape):
        """Broadcast to ``shape``; see minigrad.broadcast_to."""
        return ops.broadcast_to(self, shape)

    def repeat(self, *sizes):
        """The tensor tiled ``sizes`` times along each dimension; see minigrad.repeat."""
        return ops.repeat(self, *sizes)

    def tile(self, *dims):
        """The tensor repeated ``dims`` times (missing leading dims count as 1); see minigrad.tile."""
        if not dims:
            raise TypeError("tile: missing the dims argument (x.tile(2, 1) or x.tile((2, 1)))")
        return ops.tile(self, ops.shape.as_shape(dims))

    @numpy_spellings
    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        """Each element repeated ``repeats`` times next to itself; see minigrad.repeat_interleave."""
        return ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def unfold(self, dimension, size, step):
        """The windows of ``size`` every ``step`` along ``dimension``, as a new last dim (a copy)."""
        return ops.replicate.unfold(self, dimension, size, step)

    @numpy_spellings
    def narrow(self, dim, start, length):
        """``length`` entries from ``start`` along ``dim``; see minigrad.narrow."""
        return ops.narrow(self, dim, start, length)

    def rot90(self, k=1, dims=(0, 1)):
        """Rotated by 90 degrees ``k`` times in the plane ``dims``; see minigrad.rot90."""
        return ops.rot90(self, k, dims)

    def t(self):
        """The transpose of a 2-D tensor; see minigrad.t."""
        return ops.t(self)

    def ravel(self):
        """The elements as a 1-D tensor; see minigrad.ravel."""
        return ops.ravel(self)

    def flip(self, *dims):
        """The order of elements reversed along ``dims`` (ints, or one tuple); see minigrad.flip."""
        if not dims:
            raise TypeError("flip: missing the dims argument (x.flip(0), x.flip(0, 1) or x.flip((0, 1)))")
        return ops.flip(self, ops.shape.as_shape(dims))

    def roll(self, shifts, dims=None):
        """Elements shifted cyclically by ``shifts`` along ``dims``; see minigrad.roll."""
        return ops.roll(self, shifts, dims)

    @numpy_spellings
    def split(self, split_size, dim=0):
        """Pieces of ``split_size`` (or of the listed sizes) along ``dim``; see minigrad.split."""
        return ops.split(self, split_size, dim)

    @numpy_spellings
    def chunk(self, chunks, dim=0):
        """``chunks`` pieces of (nearly) equal size along ``dim``; see minigrad.chunk."""
        return ops.chunk(self, chunks, dim)

    @numpy_spellings
    def unbind(self, dim=0):
        """The slices along ``dim``, as a tuple; see minigrad.unbind."""
        return ops.unbind(self, dim)

    # ------------------------------------------------------------------ comparisons and logic
    # Not differentiable: they give bool tensors outside the graph.

    def _compare(self, other, fn, op):
        with errors_named(op):
            return Tensor(fn(self.data, self._operand(other)))

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b, "eq")

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b, "ne")

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b, "lt")

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b, "le")

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b, "gt")

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b, "ge")

    def __and__(self, other):
        return ops.bitwise_and(self, other)

    def __or__(self, other):
        return ops.bitwise_or(self, other)

    def __xor__(self, other):
        return ops.bitwise_xor(self, other)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __invert__(self):
        return Tensor(~self.data)

    def eq(self, other):
        """self == other, element-wise."""
        return self == operand_arg("eq", "other", other)

    def ne(self, other):
        """self != other, element-wise."""
        return self != operand_arg("ne", "other", other)

    def lt(self, other):
        """self < other, element-wise."""
        return self < operand_arg("lt", "other", other)

    def le(self, other):
        """self <= other, element-wise."""
        return self <= operand_arg("le", "other", other)

    def gt(self, other):
        """self > other, element-wise."""
        return self > operand_arg("gt", "other", other)

    def ge(self, other):
        """self >= other, element-wise."""
        return self >= operand_arg("ge", "other", other)

    def logical_and(self, other):
        """Element-wise logical and."""
        return self._compare(tensor_arg("logical_and", "other", other), lambda a, b: backend.array_module(a).logical_and(a, b),
                             "logical_and")

    def logical_or(self, other):
        """Element-wise logical or."""
        return self._compare(tensor_arg("logical_or", "other", other), lambda a, b: backend.array_module(a).logical_or(a, b),
                             "logical_or")

    def logical_not(self):
        """Element-wise logical not."""
        return Tensor(backend.array_module(self.data).logical_not(self.data))

    def equal(self, other):
        """True if both tensors have the same shape and the same elements."""
        tensor_arg("equal", "other", other)
        return bool(self.shape == other.shape and (self.data == other.data).all())

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        """True if every element is within ``atol + rtol * |other|`` of ``other``'s; see minigrad.allclose."""
        return ops.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        """True where an element is within ``atol + rtol * |other|`` of ``other``'s; see minigrad.isclose."""
        return ops.isclose(self, other, rtol, atol, equal_nan)

    # ------------------------------------------------------------------ in-place updates
    # An in-place method is its out-of-place op written back into this tensor's memory, by the one
    # mechanism in autograd/inplace.py (so each twin is one line). PyTorch's rules:
    # - allowed on a tensor made by an op: its grad_fn is rebased onto the op's node, whose
    #   input is its previous history (``out += identity``, ``h.relu_()``, ``y[0] = 5``);
    # - refused on a leaf that requires grad (or a view of one) while grad mode is on: update
    #   parameters under ``no_grad``, as optimizers do;
    # - each bumps the version counter this tensor shares with its views: a node that saved the
    #   tensor and finds another version at backward raises, naming itself and both versions;
    # - writing into a view (``y[0].mul_(2)``, ``y[:, 0] = 0``) rewrites its base's history too;
    # - the result keeps this tensor's shape and must cast to its dtype by PyTorch's rule
    #   (``int_tensor.mul_(1.5)`` raises; copy_, fill_ and ``x[key] = v`` cast their value).

    def _inplace(self, op, fn, *args, **kwargs):
        """``self = fn(self, *args, **kwargs)`` in place, for the method named ``op``."""
        return inplace.apply_inplace(self, op, fn, args, kwargs)

    def add_(self, other, *, alpha=1):
        """self += alpha * other, in place."""
        if type(alpha) is int and alpha == 1:      # the default: no keyword to pass on (a dict per level)
            return self._inplace("add_", ops.add, other)
        return self._inplace("add_", ops.add, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        """self -= alpha * other, in place."""
        if type(alpha) is int and alpha == 1:      # the default: no keyword to pass on (a dict per level)
            return self._inplace("sub_", ops.sub, other)
        return self._inplace("sub_", ops.sub, other, alpha=alpha)

    def mul_(self, other):
        """self *= other, in place."""
        return self._inplace("mul_", ops.mul, other)

    def div_(self, other, *, rounding_mode=None):
        """self /= other (rounded with ``rounding_mode`` 'floor'/'trunc'), in place."""
        return self._inplace("div_", ops.div, other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        """self **= exponent, in place."""
        return self._inplace("pow_", ops.pow, exponent)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        """self += value * tensor1 * tensor2, in place."""
        return self._inplace("addcmul_", ops.addcmul, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        """self += value * tensor1 / tensor2, in place."""
        return self._inplace("addcdiv_", ops.addcdiv, tensor1, tensor2, value=value)

    def lerp_(self, end, weight):
        """self += weight * (end - self), in place."""
        return self._inplace("lerp_", ops.lerp, end, weight)

    def maximum_(self, other):
        """The element-wise maximum with ``other``, in place."""
        return self._inplace("maximum_", ops.maximum, other)

    def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """Clamp each element to [min, max], in place."""
        return self._inplace("clamp_", ops.clamp, min, max)

    def clip_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """The same as clamp_."""
        return self._inplace("clip_", ops.clamp, min, max)

    def masked_fill_(self, mask, value):
        """``value`` where ``mask`` is True, in place."""
        return self._inplace("masked_fill_", ops.masked_fill, mask, value)

    def index_put_(self, indices, values, accumulate=False):
        """``values`` written (or added) at ``indices``, in place; see minigrad.index_put."""
        return self._inplace("index_put_", ops.index_put, indices, values, accumulate)

    @numpy_spellings
    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        """``src`` (or ``value``) written at ``index`` along ``dim``, in place; see minigrad.scatter."""
        return self._inplace("scatter_", ops.scatter, dim, index, src, value, reduce=reduce)

    @numpy_spellings
    def scatter_add_(self, dim, index, src):
        """``src`` added at ``index`` along ``dim``, in place; see minigrad.scatter_add."""
        return self._inplace("scatter_add_", ops.scatter_add, dim, index, src)

    @numpy_spellings
    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        """``src`` reduced in at ``index`` along ``dim``, in place; see minigrad.scatter_reduce."""
        return self._inplace("scatter_reduce_", ops.scatter_reduce, dim, index, src, reduce,
                             include_self=include_self)

    @numpy_spellings
    def index_add_(self, dim, index, source, *, alpha=1):
        """``alpha * source`` added at the entries ``index``, in place; see minigrad.index_add."""
        return self._inplace("index_add_", ops.index_add, dim, index, source, alpha=alpha)

    def __setitem__(self, key, value):
        """``self[key] = value``, in place (``value`` is cast to this tensor's dtype)."""
        inplace.setitem(self, key, value)

    def exp_(self):
        """exp of each element, in place."""
        return self._inplace("exp_", ops.exp)

    def log_(self):
        """log of each element, in place."""
        return self._inplace("log_", ops.log)

    def sqrt_(self):
        """The square root of each element, in place."""
        return self._inplace("sqrt_", ops.sqrt)

    def rsqrt_(self):
        """1 / sqrt(x) of each element, in place."""
        return self._inplace("rsqrt_", ops.rsqrt)

    def abs_(self):
        """|x| of each element, in place."""
        return self._inplace("abs_", ops.abs)

    def neg_(self):
        """-x, in place."""
        return self._inplace("neg_", ops.neg)

    def reciprocal_(self):
        """1 / x of each element, in place."""
        return self._inplace("reciprocal_", ops.reciprocal)

    def square_(self):
        """x * x of each element, in place."""
        return self._inplace("square_", ops.square)

    def sin_(self):
        """sin of each element, in place."""
        return self._inplace("sin_", ops.sin)

    def cos_(self):
        """cos of each element, in place."""
        return self._inplace("cos_", ops.cos)

    def tanh_(self):
        """tanh of each element, in place."""
        return self._inplace("tanh_", ops.tanh)

    def sigmoid_(self):
        """The logistic sigmoid of each element, in place."""
        return self._inplace("sigmoid_", ops.sigmoid)

    def relu_(self):
        """max(x, 0) of each element, in place."""
        return self._inplace("relu_", ops.relu)

    def floor_(self):
        """Each element rounded down, in place."""
        return self._inplace("floor_", ops.floor)

    def ceil_(self):
        """Each element rounded up, in place."""
        return self._inplace("ceil_", ops.ceil)

    def round_(self):
        """Each element rounded to the nearest integer (halves to even), in place."""
        return self._inplace("round_", ops.round)

    def trunc_(self):
        """Each element rounded towards zero, in place."""
        return self._inplace("trunc_", ops.trunc)

    def sign_(self):
        """-1, 0 or 1 for each element, in place."""
        return self._inplace("sign_", ops.sign)

    def tan_(self):
        """tan of each element, in place."""
        return self._inplace("tan_", Tensor.tan)

    def asin_(self):
        """arcsin of each element, in place."""
        return self._inplace("asin_", Tensor.asin)

    def acos_(self):
        """arccos of each element, in place."""
        return self._inplace("acos_", Tensor.acos)

    def atan_(self):
        """arctan of each element, in place."""
        return self._inplace("atan_", Tensor.atan)

    def sinh_(self):
        """sinh of each element, in place."""
        return self._inplace("sinh_", Tensor.sinh)

    def cosh_(self):
        """cosh of each element, in place."""
        return self._inplace("cosh_", Tensor.cosh)

    def asinh_(self):
        """asinh of each element, in place."""
        return self._inplace("asinh_", Tensor.asinh)

    def acosh_(self):
        """acosh of each element, in place."""
        return self._inplace("acosh_", Tensor.acosh)

    def atanh_(self):
        """atanh of each element, in place."""
        return self._inplace("atanh_", Tensor.atanh)

    def arcsin_(self):
        """arcsin of each element (asin_), in place."""
        return self._inplace("arcsin_", Tensor.arcsin)

    def exp2_(self):
        """2**x of each element, in place."""
        return self._inplace("exp2_", Tensor.exp2)

    def expm1_(self):
        """exp(x) - 1 of each element, in place."""
        return self._inplace("expm1_", Tensor.expm1)

    def log2_(self):
        """log2 of each element, in place."""
        return self._inplace("log2_", Tensor.log2)

    def log10_(self):
        """log10 of each element, in place."""
        return self._inplace("log10_", Tensor.log10)

    def log1p_(self):
        """log(1 + x) of each element, in place."""
        return self._inplace("log1p_", Tensor.log1p)

    def erf_(self):
        """The error function of each element, in place."""
        return self._inplace("erf_", Tensor.erf)

    def frac_(self):
        """The fractional part x - trunc(x) of each element, in place."""
        return self._inplace("frac_", Tensor.frac)

    def fix_(self):
        """Each element rounded towards zero (trunc_), in place."""
        return self._inplace("fix_", Tensor.fix)

    def sgn_(self):
        """-1, 0 or 1 for each element (sign_), in place."""
        return self._inplace("sgn_", Tensor.sgn)

    def negative_(self):
        """-x (neg_), in place."""
        return self._inplace("negative_", Tensor.negative)

    def absolute_(self):
        """|x| of each element (abs_), in place."""
        return self._inplace("absolute_", Tensor.absolute)

    def deg2rad_(self):
        """Degrees to radians, in place."""
        return self._inplace("deg2rad_", Tensor.deg2rad)

    def rad2deg_(self):
        """Radians to degrees, in place."""
        return self._inplace("rad2deg_", Tensor.rad2deg)

    def logit_(self, eps=None):
        """log(p / (1 - p)) of each element, in place."""
        return self._inplace("logit_", Tensor.logit, eps)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        """NaN and infinities replaced by numbers, in place."""
        return self._inplace("nan_to_num_", Tensor.nan_to_num, nan, posinf, neginf)

    def atan2_(self, other):
        """atan2(self, other) element-wise, in place."""
        return self._inplace("atan2_", Tensor.atan2, other)

    def arctan2_(self, other):
        """atan2(self, other) element-wise (atan2_), in place."""
        return self._inplace("arctan2_", Tensor.arctan2, other)

    def copysign_(self, other):
        """|self| with the sign of ``other``, in place."""
        return self._inplace("copysign_", Tensor.copysign, other)

    def hypot_(self, other):
        """sqrt(self**2 + other**2), in place."""
        return self._inplace("hypot_", Tensor.hypot, other)

    def fmod_(self, other):
        """The remainder of self / other with the sign of self (C's fmod), in place."""
        return self._inplace("fmod_", Tensor.fmod, operand_arg("fmod_", "other", other))

    def remainder_(self, other):
        """The remainder of self / other with the sign of other (Python's %), in place."""
        return self._inplace("remainder_", Tensor.remainder, other)

    def xlogy_(self, other):
        """self * log(other), 0 where self is 0, in place."""
        return self._inplace("xlogy_", Tensor.xlogy, other)

    def multiply_(self, other):
        """self * other (mul_), in place."""
        return self._inplace("multiply_", Tensor.multiply, other)

    def subtract_(self, other, *, alpha=1):
        """self - alpha * other (sub_), in place."""
        return self._inplace("subtract_", Tensor.subtract, other, alpha=alpha)

    def divide_(self, other, *, rounding_mode=None):
        """self / other (div_), in place."""
        return self._inplace("divide_", Tensor.divide, other, rounding_mode=rounding_mode)

    def true_divide_(self, other):
        """self / other (div_), in place."""
        return self._inplace("true_divide_", Tensor.true_divide, other)

    def floor_divide_(self, other):
        """floor(self / other), in place."""
        return self._inplace("floor_divide_", Tensor.floor_divide, other)

    def clamp_min_(self, min):  # noqa: A002 - PyTorch's name
        """Each element clamped from below, in place."""
        return self._inplace("clamp_min_", Tensor.clamp_min, min)

    def clamp_max_(self, max):  # noqa: A002 - PyTorch's name
        """Each element clamped from above, in place."""
        return self._inplace("clamp_max_", Tensor.clamp_max, max)

    @numpy_spellings
    def cumsum_(self, dim, *, dtype=None):
        """The running sum along ``dim``, in place (``dtype``, if given, must be this tensor's)."""
        _same_dtype_in_place("cumsum_", self, dtype)
        return self._inplace("cumsum_", Tensor.cumsum, dim, dtype=dtype)

    @numpy_spellings
    def cumprod_(self, dim, *, dtype=None):
        """The running product along ``dim``, in place (``dtype``, if given, must be this tensor's)."""
        _same_dtype_in_place("cumprod_", self, dtype)
        return self._inplace("cumprod_", Tensor.cumprod, dim, dtype=dtype)

    def tril_(self, diagonal=0):
        """Zero above the ``diagonal``-th diagonal of the last two dims, in place."""
        return self._inplace("tril_", Tensor.tril, diagonal)

    def triu_(self, diagonal=0):
        """Zero below the ``diagonal``-th diagonal of the last two dims, in place."""
        return self._inplace("triu_", Tensor.triu, diagonal)

    @numpy_spellings
    def index_fill_(self, dim, index, value):
        """The entries ``index`` along ``dim`` set to ``value``, in place."""
        return self._inplace("index_fill_", Tensor.index_fill, dim, index, value)

    @numpy_spellings
    def index_copy_(self, dim, index, source):
        """``source`` copied to the entries ``index`` along ``dim``, in place."""
        return self._inplace("index_copy_", Tensor.index_copy, dim, index, source)

    def eq_(self, other):
        """1 where self == other, else 0, in this dtype, in place."""
        return self._inplace("eq_", ops.unary.compared_in_place, Tensor.eq, other)

    def ne_(self, other):
        """1 where self != other, else 0, in this dtype, in place."""
        return self._inplace("ne_", ops.unary.compared_in_place, Tensor.ne, other)

    def lt_(self, other):
        """1 where self < other, else 0, in this dtype, in place."""
        return self._inplace("lt_", ops.unary.compared_in_place, Tensor.lt, other)

    def le_(self, other):
        """1 where self <= other, else 0, in this dtype, in place."""
        return self._inplace("le_", ops.unary.compared_in_place, Tensor.le, other)

    def gt_(self, other):
        """1 where self > other, else 0, in this dtype, in place."""
        return self._inplace("gt_", ops.unary.compared_in_place, Tensor.gt, other)

    def ge_(self, other):
        """1 where self >= other, else 0, in this dtype, in place."""
        return self._inplace("ge_", ops.unary.compared_in_place, Tensor.ge, other)

    def logical_not_(self):
        """1 where the element is 0, else 0, in this dtype, in place; not recorded by autograd, as in
        PyTorch (see autograd/inplace.py, rule 6)."""
        return inplace.apply_unrecorded(self, "logical_not_", Tensor.logical_not)

    def logical_and_(self, other):
        """1 where both are non-zero, else 0, in this dtype, in place; not recorded (rule 6)."""
        return inplace.apply_unrecorded(self, "logical_and_", Tensor.logical_and, (other,))

    def logical_or_(self, other):
        """1 where either is non-zero, else 0, in this dtype, in place; not recorded (rule 6)."""
        return inplace.apply_unrecorded(self, "logical_or_", Tensor.logical_or, (other,))

    def bitwise_not_(self):
        """Element-wise NOT, in place."""
        return self._inplace("bitwise_not_", Tensor.bitwise_not)

    def bitwise_and_(self, other):
        """Element-wise AND, in place."""
        return self._inplace("bitwise_and_", Tensor.bitwise_and, other)

    def bitwise_or_(self, other):
        """Element-wise OR, in place."""
        return self._inplace("bitwise_or_", Tensor.bitwise_or, other)

    def bitwise_xor_(self, other):
        """Element-wise XOR, in place."""
        return self._inplace("bitwise_xor_", Tensor.bitwise_xor, other)

    def bitwise_left_shift_(self, other):
        """self << other, in place."""
        return self._inplace("bitwise_left_shift_", Tensor.bitwise_left_shift, other)

    def bitwise_right_shift_(self, other):
        """self >> other, in place."""
        return self._inplace("bitwise_right_shift_", Tensor.bitwise_right_shift, other)

    def __imod__(self, other):
        return self.remainder_(other)

    def __ilshift__(self, other):
        return self.bitwise_left_shift_(other)

    def __irshift__(self, other):
        return self.bitwise_right_shift_(other)

    def copy_(self, src, non_blocking=False):
        """Copy ``src`` (broadcast to this shape, moved to this device, cast to this dtype) into
        this tensor; differentiable in ``src``. ``non_blocking`` (a bool) changes nothing here."""
        bool_arg("copy_", "non_blocking", non_blocking)
        if src is None or isinstance(src, (str, bytes)):
            raise TypeError(f"copy_: src must be a Tensor, got {type(src).__name__}")
        return self._inplace("copy_", inplace.overwrite, src, "copy_")

    def fill_(self, value):
        """Fill with ``value`` (a number or a 0-d tensor), in place."""
        return self._inplace("fill_", inplace.overwrite, operand_arg("fill_", "value", value), "fill_")

    def zero_(self):
        """Fill with zeros, in place."""
        return self._inplace("zero_", inplace.overwrite, 0, "zero_")

    def uniform_(self, a=0.0, b=1.0, generator=None):
        """Fill with samples uniform on [a, b), in place."""
        a, b = range_arg("uniform_", "a", a, "b", b)
        rng = backend.seed_generators_of(self.device, generator, "uniform_")
        return self._inplace("uniform_", inplace.overwrite, rng.uniform(a, b, self.shape), "uniform_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Fill with samples of N(mean, std^2), in place."""
        mean, std = number_arg("normal_", "mean", mean), number_arg("normal_", "std", std, min=0.0)
        rng = backend.seed_generators_of(self.device, generator, "normal_")
        return self._inplace("normal_", inplace.overwrite, rng.standard_normal(self.shape) * std + mean,
                             "normal_")

    def bernoulli_(self, p=0.5, generator=None):
        """Fill with 1 (probability p) or 0, in place."""
        if not isinstance(p, Tensor):
            p = number_arg("bernoulli_", "p", p, min=0.0, max=1.0)
        rng = backend.seed_generators_of(self.device, generator, "bernoulli_")
        draws = backend.array_module(self.data).asarray(rng.random(self.shape) < p)   # 0-d: an array, not a bool
        return self._inplace("bernoulli_", inplace.overwrite, draws, "bernoulli_")

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ifloordiv__(self, other):
        return self.div_(other, rounding_mode="floor")

    def __ipow__(self, exponent):
        return self.pow_(exponent)

    def __iand__(self, other):
        return self._inplace("__iand__", Tensor.__and__, other)

    def __ior__(self, other):
        return self._inplace("__ior__", Tensor.__or__, other)

    def __ixor__(self, other):
        return self._inplace("__ixor__", Tensor.__xor__, other)


def _same_dtype_in_place(op, tensor, dtype):
    """An in-place op's ``dtype=``: None or the tensor's own (the result is written into it)."""
    if dtype is not None and dtype_arg(op, dtype) != tensor.dtype:
        raise RuntimeError(f"{op}: dtype {dtype_arg(op, dtype)} must be the tensor's own {tensor.dtype}, as the "
                           f"result is written into it")


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
    if dtype is not None and not isinstance(dtype, np.dtype):
        try:
            dtype = dtype_arg("to", dtype)
        except TypeError:
            raise TypeError(f"to: expected a dtype, a device or a tensor, got {dtype!r} "
                            f"({type(dtype).__name__})") from None
    return device, dtype


# The one import cycle in minigrad, broken here: Tensor's methods call the ops and the engine,
# and those build Tensors (Function.apply wraps every result in this class). So they are
# imported once the class exists -- which is why minigrad/__init__.py imports this module first.
from . import ops, unsupported  # noqa: E402
from .autograd import engine, grad_mode, inplace  # noqa: E402
