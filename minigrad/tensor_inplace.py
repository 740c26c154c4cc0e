"""Tensor's in-place methods (``add_``, ``zero_``, ``copy_``, ``uniform_`` ...).

Each writes into ``self.data`` and bumps the tensor's version counter, so that a tensor saved
for backward and changed afterwards is caught (see autograd/function.py); on a tensor that
requires grad they are refused while grad mode is on (optimizers update under ``no_grad``).
They are plain functions of ``self``, attached to Tensor as methods at the end of tensor.py.
"""
from __future__ import annotations

from . import backend
from .autograd import grad_mode
from .tensor import Tensor


def _check_inplace(self, op):
    if self.requires_grad and grad_mode.is_grad_enabled():
        kind = "a leaf tensor" if self.grad_fn is None else "a tensor"
        raise RuntimeError(f"{op}: {kind} that requires grad is being used in an in-place "
                           "operation; wrap it in `with minigrad.no_grad():` (as optimizers "
                           "do) or use the out-of-place op")


def _inplace(self, op, result):
    self._check_inplace(op)
    result = result.data if isinstance(result, Tensor) else result
    if result.shape != self.data.shape:
        raise RuntimeError(f"{op}: the result's shape {tuple(result.shape)} does not match "
                           f"the tensor's shape {tuple(self.shape)}")
    self.data[...] = result
    self._version.value += 1
    return self


def add_(self, other, *, alpha=1):
    o = self._operand(other)
    return self._inplace("add_", self.data + (o if alpha == 1 else alpha * o))


def sub_(self, other, *, alpha=1):
    o = self._operand(other)
    return self._inplace("sub_", self.data - (o if alpha == 1 else alpha * o))


def mul_(self, other):
    return self._inplace("mul_", self.data * self._operand(other))


def div_(self, other):
    return self._inplace("div_", self.data / self._operand(other))


def pow_(self, exponent):
    return self._inplace("pow_", self.data ** self._operand(exponent))


def sqrt_(self):
    return self._inplace("sqrt_", backend.array_module(self.data).sqrt(self.data))


def addcmul_(self, tensor1, tensor2, *, value=1):
    return self._inplace("addcmul_", self.data + value * tensor1.data * tensor2.data)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    return self._inplace("addcdiv_", self.data + value * tensor1.data / tensor2.data)


def lerp_(self, end, weight):
    return self._inplace("lerp_", self.data + self._operand(weight) * (self._operand(end) - self.data))


def zero_(self):
    self._check_inplace("zero_")
    self.data[...] = 0
    self._version.value += 1
    return self


def fill_(self, value):
    self._check_inplace("fill_")
    self.data[...] = self._operand(value)
    self._version.value += 1
    return self


def copy_(self, src):
    src = src.data if isinstance(src, Tensor) else src
    src = backend.to_device(src, self.device) if hasattr(src, "shape") else src
    xp = backend.array_module(self.data)
    return self._inplace("copy_", xp.broadcast_to(xp.asarray(src, dtype=self.dtype), self.shape))


def clamp_(self, min=None, max=None):  # noqa: A002
    xp = backend.array_module(self.data)
    return self._inplace("clamp_", xp.clip(self.data, min, max))


def maximum_(self, other):
    return self._inplace("maximum_", backend.array_module(self.data).maximum(self.data, self._operand(other)))


def uniform_(self, a=0.0, b=1.0, generator=None):
    rng = backend.seed_generators_of(self.device, generator)
    return self._inplace("uniform_", rng.uniform(a, b, self.shape).astype(self.dtype))


def normal_(self, mean=0.0, std=1.0, generator=None):
    rng = backend.seed_generators_of(self.device, generator)
    return self._inplace("normal_", (rng.standard_normal(self.shape) * std + mean).astype(self.dtype))


def bernoulli_(self, p=0.5, generator=None):
    rng = backend.seed_generators_of(self.device, generator)
    return self._inplace("bernoulli_", (rng.random(self.shape) < p).astype(self.dtype))


METHODS = (_check_inplace, _inplace, add_, sub_, mul_, div_, pow_, sqrt_, addcmul_, addcdiv_, lerp_,
           zero_, fill_, copy_, clamp_, maximum_, uniform_, normal_, bernoulli_)
