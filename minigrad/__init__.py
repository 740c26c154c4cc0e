"""minigrad: a small, readable deep-learning engine written from scratch.

The public surface mirrors PyTorch's names: ``minigrad.tensor``, ``minigrad.zeros``,
``minigrad.no_grad``, ``minigrad.autograd.grad``, ``minigrad.nn``, ``minigrad.optim`` ...
"""
from .tensor import Size, Tensor  # first: tensor.py imports the ops and the engine once Tensor exists
from . import autograd, backend  # noqa: I001
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                       set_grad_enabled)
from .backend import (Generator, bool_, device, float16, float32, float64, get_default_dtype,
                      int8, int16, int32, int64, manual_seed, set_default_dtype, uint8)
from .creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full,
                       full_like, linspace, multinomial, normal, ones, ones_like, rand, rand_like,
                       randint, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .threads import get_num_threads, set_num_threads
from ._checks import tensor_arg as _tensor_arg
from .ops import *  # noqa: F401,F403  the functional forms: mg.exp, mg.cat, mg.where ...
from .utils.serialization import load, save  # noqa: E402  mg.save / mg.load

bool = bool_  # noqa: A001  (PyTorch's name)
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

__version__ = "0.1.0"

from . import data, distributed, nn, onnx, optim, unsupported, utils  # noqa: E402,F401  (as torch.nn, torch.onnx ...)


class cuda:
    """``minigrad.cuda.is_available()``: True only if CuPy imports and a GPU really answers."""

    @staticmethod
    def is_available():
        return backend.cuda_is_available()

    @staticmethod
    def manual_seed(seed):
        if backend.cuda_is_available():
            backend.default_generator("cuda").manual_seed(seed)

    @staticmethod
    def synchronize():
        if backend.cuda_is_available():
            backend._cupy.cuda.Device().synchronize()


def __getattr__(name):
    """Only reached for a missing name: what minigrad leaves out on purpose (sparse tensors,
    complex dtypes, quantization, torch.compile ...) raises NotImplementedError saying so."""
    if name in unsupported.OUT:
        unsupported.refuse(name)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")


def is_tensor(obj):
    """True if ``obj`` is a minigrad Tensor (a Parameter included); False for a NumPy array or a number."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of ``input``: the product of its shape (1 for a 0-d tensor)."""
    return _tensor_arg("numel", "input", input).numel()
