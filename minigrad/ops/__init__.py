"""The primitive differentiable ops, one file per kind. Each op is a ``Function`` with its
forward and backward side by side, and its public function (``exp``, ``sum``, ``cat`` ...)
written directly below it; each file lists its public functions in ``__all__``.

As in PyTorch, every function here that takes ``dim``/``keepdim`` also takes NumPy's
``axis``/``keepdims``: those carry the ``@numpy_spellings`` decorator. Every one names itself
in its errors (``name_ops``: an inner op's name gives way to it, and an argument that is no
Tensor is a TypeError naming the argument)."""
from .._checks import name_ops
from . import (activation, arithmetic, contraction, indexing, matrix, pointwise, reduction, replicate,
               scan, shape, sorting, unary)
from .activation import *  # noqa: F401,F403
from .arithmetic import *  # noqa: F401,F403
from .contraction import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .matrix import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .replicate import *  # noqa: F401,F403
from .scan import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .sorting import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403

__all__ = (activation.__all__ + arithmetic.__all__ + contraction.__all__ + indexing.__all__ + matrix.__all__
           + pointwise.__all__ + reduction.__all__ + replicate.__all__ + scan.__all__ + shape.__all__
           + sorting.__all__ + unary.__all__)

name_ops(__name__, __all__)
