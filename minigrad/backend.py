"""Devices, array modules and random generators.

A device is "cpu" (arrays are NumPy arrays) or "cuda" (arrays are CuPy arrays).
Ops never import NumPy for computation: they ask the data for its namespace with
``array_module(x)`` and call ``xp.exp`` etc., so the same code runs on both.
CuPy is imported lazily, the first time something asks for "cuda".
"""
from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------- devices


class device:
    """A device, as ``torch.device``: ``device("cpu")``, ``device("cuda")``, ``device("cuda:0")``.

    minigrad knows one GPU, index 0, and one CPU (``"cpu:0"`` is ``"cpu"``, as a PyTorch tensor
    made on ``"cpu:0"`` is on ``"cpu"``); an int is a GPU's index, as in PyTorch (``device=0``
    is ``"cuda:0"``). A device compares equal to its string form, so
    ``t.device == "cpu"`` works.
    """

    __slots__ = ("type", "index")

    def __init__(self, spec="cpu"):
        if isinstance(spec, device):
            self.type, self.index = spec.type, spec.index
            return
        if isinstance(spec, (int, np.integer)) and not isinstance(spec, (bool, np.bool_)):
            if spec < 0:
                raise RuntimeError(f"device: a device index must not be negative, got {spec}")
            spec = f"cuda:{spec}"       # PyTorch's convention: an int is an accelerator's index
        if not isinstance(spec, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda', got {spec!r}")
        kind, _, idx = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise ValueError(f"device: unknown device {spec!r}; minigrad knows 'cpu' and 'cuda'")
        if idx and idx != "0":
            raise ValueError(f"device: unsupported device {spec!r}; minigrad knows 'cpu' and 'cuda:0'")
        self.type = kind
        self.index = 0 if kind == "cuda" else None

    def __str__(self):
        return "cpu" if self.type == "cpu" else "cuda:0"

    def __repr__(self):
        return f"device(type='{self.type}'" + (", index=0)" if self.type == "cuda" else ")")

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (ValueError, TypeError):
                return False
        return isinstance(other, device) and other.type == self.type

    def __hash__(self):
        return hash(self.type)


_device = device
CPU = device("cpu")
CUDA = device("cuda")

# --------------------------------------------------------------------------- CuPy, lazily

_cupy = None
_cuda_ok = None
_cuda_why = None


def _import_cupy():
    global _cupy
    if _cupy is None:
        import cupy  # noqa: PLC0415 - imported only when a GPU is asked for

        _cupy = cupy
    return _cupy


def cuda_is_available() -> bool:
    """True only if CuPy imports, reports a device, and a small op really runs. Never raises;
    ``cuda_unavailable_reason()`` says what failed."""
    global _cuda_ok, _cuda_why
    if _cuda_ok is None:
        try:
            cp = _import_cupy()
            if not cp.is_available():
                _cuda_why = "CuPy imports but reports no CUDA device"
            elif float((cp.arange(3.0) * 2).sum().get()) != 6.0:
                _cuda_why = "a test computation on the GPU returned a wrong result"
        except ImportError as e:
            _cuda_why = f"CuPy is not installed ({e})"
        except Exception as e:  # CUDARuntimeError, driver errors ...
            _cuda_why = f"CuPy failed: {type(e).__name__}: {e}"
        _cuda_ok = _cuda_why is None
    return _cuda_ok


def cuda_unavailable_reason():
    """Why ``cuda_is_available()`` is False (one line), or None when a GPU is usable."""
    return None if cuda_is_available() else _cuda_why


def cuda_device_name() -> str:
    """The name of CUDA device 0 as the runtime reports it (needs a usable GPU)."""
    cp = _require_cuda("cuda_device_name")
    name = cp.cuda.runtime.getDeviceProperties(0)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def _require_cuda(op="to"):
    if not cuda_is_available():
        raise RuntimeError(f"{op}: device 'cuda' requested but no usable GPU was found "
                           "(CuPy missing, or no CUDA device answers); use device='cpu'")
    return _cupy


def array_module(x):
    """The array namespace of ``x``: ``numpy`` for NumPy data, ``cupy`` for CuPy data."""
    if type(x) is np.ndarray or isinstance(x, (np.ndarray, np.generic)):
        return np
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return _cupy
    return np


def module_for(dev) -> object:
    """The array namespace for a device."""
    dev = device(dev)
    return np if dev.type == "cpu" else _require_cuda()


def device_of(x) -> device:
    """The device an array lives on."""
    return CPU if isinstance(x, (np.ndarray, np.generic)) else CUDA


def to_device(x, dev):
    """Move an array to ``dev``; returns ``x`` itself when it is already there."""
    dev = device(dev)
    if dev.type == "cpu":
        return x if isinstance(x, np.ndarray) else x.get()
    cp = _require_cuda()
    return x if isinstance(x, cp.ndarray) else cp.asarray(x)


def to_numpy(x) -> np.ndarray:
    return x if isinstance(x, np.ndarray) else x.get()

# --------------------------------------------------------------------------- dtypes

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
bool_ = np.dtype("bool")

_default_dtype = float32

# PyTorch's legacy type names, as ``Tensor.type()`` reports and accepts them
TYPE_NAMES = {float16: "HalfTensor", float32: "FloatTensor", float64: "DoubleTensor",
              int8: "CharTensor", uint8: "ByteTensor", int16: "ShortTensor", int32: "IntTensor",
              int64: "LongTensor", bool_: "BoolTensor"}


def tensor_type_name(dtype):
    """'FloatTensor' for float32, 'LongTensor' for int64 ..."""
    return TYPE_NAMES[np.dtype(dtype)]


def dtype_of_type_name(name):
    """The dtype of a type name: 'FloatTensor', 'minigrad.FloatTensor', 'torch.cuda.LongTensor' ..."""
    short = name.rsplit(".", 1)[-1]
    for dtype, type_name in TYPE_NAMES.items():
        if type_name == short:
            return dtype
    raise ValueError(f"type: invalid type {name!r}; known: {', '.join(sorted(TYPE_NAMES.values()))}")


def set_default_dtype(dtype):
    """Set the dtype that Python floats and lists of floats become (float32 by default)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default_dtype = dtype


def get_default_dtype():
    """The floating dtype that factories (zeros, randn, tensor of Python floats ...) use when no
    dtype is given: float32 unless changed with set_default_dtype."""
    return _default_dtype


def is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"

# --------------------------------------------------------------------------- random numbers


class Generator:
    """A random generator bound to one device, like ``torch.Generator``.

    CPU generators wrap ``numpy.random.Generator(PCG64(seed))``, so a seeded CPU run is
    bit-for-bit repeatable; CUDA generators wrap ``cupy.random.Generator``.
    """

    def __init__(self, device="cpu"):
        self.device = _device(device)
        self._seed = 0
        self.manual_seed(0)

    def manual_seed(self, seed):
        self._seed = int(seed)
        if self.device.type == "cpu":
            self.rng = np.random.Generator(np.random.PCG64(self._seed))
        else:
            cp = _require_cuda("Generator")
            self.rng = cp.random.Generator(cp.random.XORWOW(self._seed))
        return self

    def initial_seed(self):
        return self._seed

    def get_state(self):
        if self.device.type != "cpu":
            raise NotImplementedError("Generator.get_state: only CPU generator state can be saved")
        return self.rng.bit_generator.state

    def set_state(self, state):
        if self.device.type != "cpu":
            raise NotImplementedError("Generator.set_state: only CPU generator state can be restored")
        self.rng.bit_generator.state = state


_generators: dict = {}


def default_generator(dev="cpu") -> Generator:
    """The per-device generator that ``manual_seed`` seeds."""
    dev = device(dev)
    gen = _generators.get(dev.type)
    if gen is None:
        gen = _generators[dev.type] = Generator(dev)
    return gen


def manual_seed(seed):
    """Seed the generator of every device (CUDA too, once CuPy is in use)."""
    default_generator("cpu").manual_seed(seed)
    if "cuda" in _generators or (_cuda_ok is True):
        default_generator("cuda").manual_seed(seed)
    return default_generator("cpu")


def seed_generators_of(dev, generator=None, op="generator"):
    """The numpy/cupy random generator to draw from for ``dev``; ``op`` names the caller in the
    error for a ``generator`` that is not a Generator."""
    if generator is not None:
        if not isinstance(generator, Generator):
            raise TypeError(f"{op}: generator must be a minigrad.Generator, got {type(generator).__name__}")
        if generator.device != device(dev):
            raise RuntimeError(f"expected a generator for device '{device(dev)}', "
                               f"got one for '{generator.device}'")
        return generator.rng
    return default_generator(dev).rng
