"""einsum and tensordot: contractions named by index letters.

``einsum("bij,bjk->bik", a, b)`` multiplies the operands element-wise over every letter and
sums over the letters missing from the output. Everything PyTorch accepts is accepted: the
implicit output (the letters used once, in alphabetical order), ``...`` for broadcast
dimensions, repeated letters in one operand (a diagonal: ``"ii->i"``, a trace: ``"ii"``),
size-1 dimensions broadcasting against a letter's size, and the sublist form
``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

The backward is einsum again. The gradient of operand k contracts the upstream gradient
with all the other operands onto k's letters; a letter repeated in k becomes a fresh letter
tied to it by an identity matrix (the gradient lands on the diagonal), and a letter only k
has is broadcast by a vector of ones. Being einsum, the backward is differentiable again.

The forward is NumPy's einsum: the one-pass C loop for small problems, and for large ones
the contraction order found by ``einsum_path`` (computed once per equation and shapes),
which runs pairwise contractions through BLAS (tensordot).
"""
from __future__ import annotations

import string

import numpy as np

from ..autograd.function import Function
from ..backend import array_module
from ..tensor import Tensor
from .reduction import sum_to_shape

LETTERS = string.ascii_uppercase + string.ascii_lowercase
BLAS_THRESHOLD = 1 << 15          # naive loop size above which a BLAS contraction path pays
_PATHS: dict = {}


def _sublist_equation(args):
    """(equation, operands) from the sublist form einsum(op0, sub0, op1, sub1, ..., [out])."""
    operands, terms = list(args[0::2]), list(args[1::2])
    out = None
    if len(args) % 2:
        out, operands = args[-1], operands[:-1]

    def letters(sub):
        text = []
        for s in sub:
            if s is Ellipsis:
                text.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < len(LETTERS):
                text.append(LETTERS[s])
            else:
                raise ValueError(f"einsum(): expected subscripts in [0, {len(LETTERS)}) or "
                                 f"Ellipsis, got {s!r}")
        return "".join(text)

    eq = ",".join(letters(t) for t in terms)
    return (eq + ("->" + letters(out) if out is not None else "")), operands


def _parse(equation, shapes):
    """The equation with ``...`` replaced by letters and the output made explicit:
    (list of input subscripts, output subscripts, {letter: size})."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        more = "fewer" if len(shapes) < len(terms) else "more"
        raise ValueError(f"einsum(): {more} operands were provided than specified in the "
                         f"equation {equation!r} ({len(shapes)} operands, {len(terms)} terms)")
    for t in terms + ([rhs] if arrow else []):
        bad = set(t.replace("...", "")) - set(LETTERS)
        if bad or t.count("...") > 1 or "." in t.replace("...", ""):
            raise ValueError(f"einsum(): invalid subscript in the equation {equation!r}: letters "
                             f"a-z, A-Z and one '...' per operand are allowed")
    used = set(eq) & set(LETTERS)
    spare = [c for c in LETTERS if c not in used]
    n_ell = 0
    for t, shape in zip(terms, shapes):
        named = len(t.replace("...", ""))
        if "..." in t:
            if len(shape) < named:
                raise ValueError(f"einsum(): the term {t!r} names {named} dimensions but operand has "
                                 f"shape {tuple(shape)}")
            n_ell = max(n_ell, len(shape) - named)
        elif named != len(shape):
            raise ValueError(f"einsum(): the number of subscripts in the equation ({named}) does not "
                             f"match the number of dimensions ({len(shape)}) for operand "
                             f"{terms.index(t)} (shape {tuple(shape)}) and no ellipsis was given")
    ell = "".join(spare[:n_ell])
    inputs = []
    for t, shape in zip(terms, shapes):
        k = len(shape) - len(t.replace("...", ""))
        inputs.append(t.replace("...", ell[n_ell - k:] if k else ""))
    if arrow:
        output = rhs.replace("...", ell)
        for c in output:
            if output.count(c) > 1:
                raise ValueError(f"einsum(): output subscript {c} appears more than once in the output")
            if not any(c in t for t in inputs):
                raise ValueError(f"einsum(): output subscript {c} does not appear in the equation "
                                 f"for any input operand")
    else:
        once = sorted(c for c in set("".join(inputs)) - set(ell) if "".join(inputs).count(c) == 1)
        output = ell + "".join(once)
    sizes = {}
    for k, (t, shape) in enumerate(zip(inputs, shapes)):
        seen = {}
        for c, n in zip(t, shape):
            if c in seen and seen[c] != n:
                raise ValueError(f"einsum(): subscript {c} is repeated for operand {k} but the sizes "
                                 f"don't match, {seen[c]} != {n}")
            seen[c] = n
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                raise ValueError(f"einsum(): subscript {c} has size {n} for operand {k} which does not "
                                 f"broadcast with previously seen size {sizes[c]}")
            if n != 1 or c not in sizes:
                sizes[c] = n
    return inputs, output, sizes


def _contract(equation, arrays):
    """xp.einsum on arrays; NumPy with a cached BLAS path when the problem is large."""
    xp = array_module(arrays[0])
    if xp is not np or len(arrays) < 2:
        return xp.einsum(equation, *arrays)
    key = (equation,) + tuple(a.shape for a in arrays)
    path = _PATHS.get(key)
    if path is None:
        letters = set(equation) - set(",->")
        sizes = {}
        for term, a in zip(equation.split("->")[0].split(","), arrays):
            sizes.update(zip(term, a.shape))
        loop = 1
        for c in letters:
            loop *= sizes.get(c, 1)
        path = np.einsum_path(equation, *arrays, optimize="greedy")[0] if loop > BLAS_THRESHOLD else False
        if len(_PATHS) > 1024:
            _PATHS.clear()
        _PATHS[key] = path
    return np.einsum(equation, *arrays, optimize=path)


class Einsum(Function):
    """y = einsum(eq, x_1, ..., x_n);  d/dx_k = einsum of g with the other operands onto x_k's letters"""

    @staticmethod
    def forward(ctx, *arrays, inputs, output, sizes):
        ctx.inputs_subs, ctx.output, ctx.sizes = inputs, output, sizes
        ctx.save_for_backward(*arrays)
        xp = array_module(arrays[0])
        # a size-1 dim broadcasts against its letter's size (a free, zero-stride view)
        full = [a if all(sizes[c] == n for c, n in zip(t, a.shape)) else
                xp.broadcast_to(a, tuple(sizes[c] for c in t)) for t, a in zip(inputs, arrays)]
        y = _contract(",".join(inputs) + "->" + output, full)
        if getattr(y, "base", None) is not None:
            y = y.copy()              # "ij->ji", "ii->i" give views; the result owns its data
        return y

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        subs, output = ctx.inputs_subs, ctx.output
        grads = []
        for k, (sub, x) in enumerate(zip(subs, operands)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(subs, operands)) if j != k]
            grads.append(_operand_grad(g, output, others, sub, x, ctx.sizes))
        return tuple(grads)


def _operand_grad(g, output, others, sub, x, sizes):
    """d(sum <g, einsum>)/dx for the operand ``x`` with subscripts ``sub``, as one einsum."""
    xp = array_module(g.data)
    used = set(output).union(*[set(s) for s, _ in others], set(sub))
    spare = iter(c for c in LETTERS if c not in used)
    target, terms, extra = [], [output] + [s for s, _ in others], [g] + [o for _, o in others]
    for i, c in enumerate(sub):
        if c in sub[:i]:                            # a repeated letter: the gradient's diagonal
            fresh = next(spare)
            target.append(fresh)
            terms.append(c + fresh)
            extra.append(Tensor(xp.eye(sizes[c], dtype=g.dtype)))
        else:
            target.append(c)
    elsewhere = set("".join(terms))
    for c in dict.fromkeys(sub):
        if c not in elsewhere:                      # a letter only this operand has: broadcast
            terms.append(c)
            extra.append(Tensor(xp.ones(x.shape[sub.index(c)], dtype=g.dtype)))
    gx = Einsum.apply(*extra, inputs=terms, output="".join(target),
                      sizes={**sizes, **{t: sizes[c] for t, c in zip(target, sub)}})
    return sum_to_shape(gx, x.shape) if tuple(gx.shape) != tuple(x.shape) else gx


def einsum(equation, *operands):
    """The Einstein summation ``equation`` over ``operands`` (as torch.einsum; also the sublist
    form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``, and a list of operands)."""
    if not isinstance(equation, str):
        equation, operands = _sublist_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): must provide at least one operand")
    dtypes = {o.dtype for o in operands}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum(): operands must have the same dtype, got "
                           f"{', '.join(str(o.dtype) for o in operands)}")
    inputs, output, sizes = _parse(equation, [tuple(o.shape) for o in operands])
    return Einsum.apply(*operands, inputs=inputs, output=output, sizes=sizes)


def tensordot(a, b, dims=2):
    """Sum over the last ``dims`` dims of ``a`` and the first of ``b`` (an int), or over the
    listed pairs ``dims = ([a dims], [b dims])``; an einsum, so BLAS does the work."""
    if isinstance(dims, int):
        if dims < 0 or dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot: dims ({dims}) must be in [0, {min(a.ndim, b.ndim)}] for "
                               f"shapes {tuple(a.shape)} and {tuple(b.shape)}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both sides of dims must have the same length, got {dims}")
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size "
                               f"{a.shape[i]} in dim {i} and second has size {b.shape[j]} in dim {j}")
    sa = list(LETTERS[:a.ndim])
    sb = list(LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + [c for j, c in enumerate(sb) if j not in db]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


__all__ = ["einsum", "tensordot"]
