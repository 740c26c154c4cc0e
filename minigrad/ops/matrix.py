"""Matrix products and matrix structure: mm, bmm, mv, dot, outer, the fused-looking
addmm/addmv/addr/baddbmm/addbmm, cross, kron; diagonal/diag/diag_embed and trace.

The products are matmul (BLAS) with PyTorch's shape checks, so their backward is matmul's.
Reading a diagonal and writing one are each other's backward: ``Diagonal`` <->
``DiagonalScatter`` (the gradient written onto the diagonal of zeros).
"""
from __future__ import annotations

from .._checks import errors_named, int_arg, tensor_arg
from .._spellings import numpy_spellings
from ..autograd.function import Function
from ..backend import array_module
from ._util import normalize_dim
from .arithmetic import matmul
from .contraction import tensordot
from .shape import roll


def _require_dims(op, name, t, ndim):
    if t.ndim != ndim:
        raise RuntimeError(f"{op}: {name} must be a {ndim}-D tensor, got shape {tuple(t.shape)}")


def _require_same_dtype(op, *tensors):
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError(f"{op}: expected all tensors to have the same dtype, got "
                           f"{', '.join(str(t.dtype) for t in tensors)}")


def mm(input, mat2):
    """The matrix product of two 2-D tensors."""
    _require_dims("mm", "input", input, 2)
    _require_dims("mm", "mat2", mat2, 2)
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                           f"({input.shape[0]}x{input.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    _require_same_dtype("mm", input, mat2)
    return matmul(input, mat2)


def bmm(input, mat2):
    """The batched matrix product of two 3-D tensors with the same batch size (no broadcasting)."""
    tensor_arg("bmm", "input", input)
    tensor_arg("bmm", "mat2", mat2)
    _require_dims("bmm", "batch1", input, 3)
    _require_dims("bmm", "batch2", mat2, 3)
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"bmm: expected batch2 of shape ({input.shape[0]}, {input.shape[2]}, *), got "
                           f"{tuple(mat2.shape)} for batch1 of shape {tuple(input.shape)}")
    _require_same_dtype("bmm", input, mat2)
    return matmul(input, mat2)


def mv(input, vec):
    """The product of a matrix and a vector."""
    _require_dims("mv", "input", input, 2)
    _require_dims("mv", "vec", vec, 1)
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got input {tuple(input.shape)} and vec {tuple(vec.shape)}")
    _require_same_dtype("mv", input, vec)
    return matmul(input, vec)


def dot(input, other):
    """The dot product of two 1-D tensors of the same size."""
    tensor_arg("dot", "input", input)
    tensor_arg("dot", "other", other)
    _require_dims("dot", "input", input, 1)
    _require_dims("dot", "other", other, 1)
    if input.shape != other.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements")
    _require_same_dtype("dot", input, other)
    return matmul(input, other)


vdot = dot


@errors_named("inner")
def inner(input, other):
    """The sum over the last dims of the product (``dot`` for 1-D tensors; a number scales)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: the last dims of input {tuple(input.shape)} and other "
                           f"{tuple(other.shape)} must match")
    return tensordot(input, other, ([-1], [-1]))


def outer(input, vec2):
    """The outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j]."""
    _require_dims("outer", "input", input, 1)
    _require_dims("outer", "vec2", vec2, 1)
    return input.unsqueeze(1) * vec2.unsqueeze(0)


ger = outer


@errors_named("addmm")
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2); with beta = 0 the input is ignored (NaN too)."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


@errors_named("addmv")
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec)."""
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


@errors_named("addr")
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2)."""
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha)


@errors_named("baddbmm")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * bmm(batch1, batch2)."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


@errors_named("addbmm")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i])."""
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha)


def _scaled_sum(input, product, beta, alpha):
    """beta * input + alpha * product; beta = 0 leaves the input out (its NaNs too), as PyTorch."""
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)


@numpy_spellings
def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (the first dim of size 3 when None, as torch.cross)."""
    if tensor_arg("cross", "other", other).dtype != tensor_arg("cross", "input", input).dtype:
        raise RuntimeError(f"cross: expected other of the input's dtype {input.dtype}, got {other.dtype}")
    if input.ndim != other.ndim:
        raise RuntimeError(f"cross: input {tuple(input.shape)} and other {tuple(other.shape)} must have "
                           "the same number of dims")
    if dim is None:
        dim = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input {tuple(input.shape)}")
    d = normalize_dim(dim, input.ndim, "cross")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"cross: inputs dimension {d} must have length 3, got {tuple(input.shape)} "
                           f"and {tuple(other.shape)}")
    return roll(input, -1, d) * roll(other, -2, d) - roll(input, -2, d) * roll(other, -1, d)


def kron(input, other):
    """The Kronecker product: every element of ``input`` times the whole of ``other``."""
    tensor_arg("kron", "input", input)
    tensor_arg("kron", "other", other)
    n = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    inter_a, inter_b = [], []
    for sa, sb in zip(a.shape, b.shape):
        inter_a += [sa, 1]
        inter_b += [1, sb]
    out = a.reshape(inter_a) * b.reshape(inter_b)
    return out.reshape(tuple(sa * sb for sa, sb in zip(a.shape, b.shape)))


# ----------------------------------------------------------------------------- diagonals

def _diagonal_positions(xp, n, offset):
    """Rows and columns of the ``n`` elements of the ``offset`` diagonal."""
    rows = xp.arange(n) + max(-offset, 0)
    return rows, rows - max(-offset, 0) + max(offset, 0)


def _diagonal_length(shape, offset, d1, d2):
    return max(0, min(shape[d1] + min(offset, 0), shape[d2] - max(offset, 0)))


class Diagonal(Function):
    """the ``offset`` diagonal of dims (d1, d2), as a last dim;  backward: the gradient written
    onto the diagonal of zeros (DiagonalScatter)"""

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.offset, ctx.d1, ctx.d2 = x.shape, offset, d1, d2
        return array_module(x).diagonal(x, offset, d1, d2).copy()

    @staticmethod
    def backward(ctx, g):
        return DiagonalScatter.apply(g, ctx.shape, ctx.offset, ctx.d1, ctx.d2), None, None, None


class DiagonalScatter(Function):
    """zeros(shape) with g (diagonal as last dim) written onto the ``offset`` diagonal of dims
    (d1, d2);  backward: the diagonal of the gradient (Diagonal)"""

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        xp = array_module(g)
        ctx.offset, ctx.d1, ctx.d2 = offset, d1, d2
        out = xp.zeros(shape, dtype=g.dtype)
        planes = xp.moveaxis(out, (d1, d2), (-2, -1))          # a view: writing it writes out
        rows, cols = _diagonal_positions(xp, g.shape[-1], offset)
        planes[..., rows, cols] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return Diagonal.apply(gg, ctx.offset, ctx.d1, ctx.d2), None, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The ``offset`` diagonal of the planes (dim1, dim2), as the last dim (a copy, not a view)."""
    d1 = normalize_dim(dim1, input.ndim, "diagonal")
    d2 = normalize_dim(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dimensions dim1 and dim2 cannot be identical, got {dim1} and {dim2}")
    return Diagonal.apply(input, int_arg("diagonal", "offset", offset), d1, d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose ``offset`` diagonals in the planes (dim1, dim2) are the last dim of
    ``input``, zeros elsewhere."""
    offset = int_arg("diag_embed", "offset", offset)
    n_out = input.ndim + 1
    d1 = normalize_dim(dim1, n_out, "diag_embed")
    d2 = normalize_dim(dim2, n_out, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical, got {dim1} and {dim2}")
    n = (input.shape[-1] if input.ndim else 1) + abs(int(offset))
    rest = list(input.shape[:-1])
    shape = []
    for i in range(n_out):
        shape.append(n if i in (d1, d2) else rest.pop(0))
    x = input if input.ndim else input.reshape(1)
    return DiagonalScatter.apply(x, tuple(shape), int(offset), d1, d2)


def diag(input, diagonal=0):
    """A 1-D tensor as the ``diagonal``-th diagonal of a square matrix, or the ``diagonal``-th
    diagonal of a 2-D tensor as a 1-D one."""
    diagonal = int_arg("diag", "diagonal", diagonal)
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1)
    raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got shape {tuple(input.shape)}")


def trace(input):
    """The sum of the main diagonal of a 2-D tensor."""
    _require_dims("trace", "input", input, 2)
    return Diagonal.apply(input, 0, 0, 1).sum()


__all__ = ["mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addr",
           "baddbmm", "addbmm", "cross", "kron", "diagonal", "diag_embed", "diag", "trace"]
