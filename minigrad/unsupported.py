"""What minigrad leaves out on purpose, and the error that says so.

``minigrad.sparse_coo_tensor``, ``minigrad.complex64``, ``Tensor.to_sparse`` ... exist only to
raise ``NotImplementedError`` naming the PyTorch function and the reason, instead of a bare
AttributeError that reads like a typo (it is an AttributeError too, so ``hasattr`` says False). ``OUT`` is the one list; ``minigrad/__init__.py`` serves
its names through a module ``__getattr__`` and the Tensor methods call ``refuse``.
"""
from __future__ import annotations

SPARSE = "sparse tensors are not supported: minigrad tensors are dense NumPy/CuPy arrays"
COMPLEX = ("complex tensors are not supported: minigrad's autograd is for real numbers only "
           "(no complex dtypes, no Wirtinger derivatives)")
QUANTIZED = "quantized tensors and kernels are not supported"
BFLOAT16 = "bfloat16 is not supported: NumPy has no bfloat16 dtype (float16 is)"
COMPILE = "minigrad runs eagerly: there is no graph compiler, tracer or scripting"
FUNCTORCH = "function transforms (vmap, jacrev ...) are not supported; use autograd.grad with create_graph=True"
FFT = "spectral ops (torch.fft) are not supported"
NESTED = "nested (ragged) tensors are not supported; pad and mask instead"
LINALG = ("linear algebra (inverse, determinant, solve, decompositions) is not part of minigrad; "
          "matmul, einsum and norm are")

# name on minigrad (or on Tensor, "Tensor.name") -> (the PyTorch function, why it is out)
OUT = {
    "sparse_coo_tensor": ("torch.sparse_coo_tensor", SPARSE),
    "sparse_csr_tensor": ("torch.sparse_csr_tensor", SPARSE),
    "sparse_csc_tensor": ("torch.sparse_csc_tensor", SPARSE),
    "sparse_bsr_tensor": ("torch.sparse_bsr_tensor", SPARSE),
    "sparse_compressed_tensor": ("torch.sparse_compressed_tensor", SPARSE),
    "sparse": ("torch.sparse", SPARSE),
    "sparse_coo": ("torch.sparse_coo", SPARSE),
    "sparse_csr": ("torch.sparse_csr", SPARSE),
    "Tensor.to_sparse": ("torch.Tensor.to_sparse", SPARSE),
    "Tensor.to_sparse_coo": ("torch.Tensor.to_sparse_coo", SPARSE),
    "Tensor.to_sparse_csr": ("torch.Tensor.to_sparse_csr", SPARSE),
    "Tensor.coalesce": ("torch.Tensor.coalesce", SPARSE),
    "Tensor.indices": ("torch.Tensor.indices", SPARSE),
    "Tensor.values": ("torch.Tensor.values", SPARSE),
    "complex64": ("torch.complex64", COMPLEX),
    "complex128": ("torch.complex128", COMPLEX),
    "complex32": ("torch.complex32", COMPLEX),
    "cfloat": ("torch.cfloat", COMPLEX),
    "cdouble": ("torch.cdouble", COMPLEX),
    "chalf": ("torch.chalf", COMPLEX),
    "complex": ("torch.complex", COMPLEX),
    "polar": ("torch.polar", COMPLEX),
    "view_as_complex": ("torch.view_as_complex", COMPLEX),
    "view_as_real": ("torch.view_as_real", COMPLEX),
    "real": ("torch.real", COMPLEX),
    "imag": ("torch.imag", COMPLEX),
    "angle": ("torch.angle", COMPLEX),
    "Tensor.real": ("torch.Tensor.real", COMPLEX),
    "Tensor.imag": ("torch.Tensor.imag", COMPLEX),
    "Tensor.angle": ("torch.Tensor.angle", COMPLEX),
    "fft": ("torch.fft", FFT),
    "stft": ("torch.stft", FFT),
    "istft": ("torch.istft", FFT),
    "qint8": ("torch.qint8", QUANTIZED),
    "quint8": ("torch.quint8", QUANTIZED),
    "qint32": ("torch.qint32", QUANTIZED),
    "quantize_per_tensor": ("torch.quantize_per_tensor", QUANTIZED),
    "quantize_per_channel": ("torch.quantize_per_channel", QUANTIZED),
    "dequantize": ("torch.dequantize", QUANTIZED),
    "quantization": ("torch.quantization", QUANTIZED),
    "ao": ("torch.ao", QUANTIZED),
    "Tensor.dequantize": ("torch.Tensor.dequantize", QUANTIZED),
    "Tensor.q_scale": ("torch.Tensor.q_scale", QUANTIZED),
    "bfloat16": ("torch.bfloat16", BFLOAT16),
    "Tensor.bfloat16": ("torch.Tensor.bfloat16", BFLOAT16),
    "compile": ("torch.compile", COMPILE),
    "jit": ("torch.jit", COMPILE),
    "fx": ("torch.fx", COMPILE),
    "export": ("torch.export", COMPILE),
    "vmap": ("torch.vmap", FUNCTORCH),
    "func": ("torch.func", FUNCTORCH),
    "nested": ("torch.nested", NESTED),
    "linalg": ("torch.linalg", LINALG),
}


class NotSupportedError(NotImplementedError, AttributeError):
    """What ``refuse`` raises: a NotImplementedError, and an AttributeError too, so that
    ``hasattr(tensor, "real")`` is simply False."""


def message(name):
    """The error text for a name in ``OUT``."""
    torch_name, why = OUT[name]
    shown = name if name.startswith("Tensor.") else f"minigrad.{name}"
    return f"{shown} ({torch_name}): {why}"


def refuse(name):
    """Raise the NotImplementedError for ``name``."""
    raise NotSupportedError(message(name))
