"""The primitive differentiable ops, one file per kind. Each op is a ``Function`` with its
forward and backward side by side, and its public function (``exp``, ``sum``, ``cat`` ...)
written directly below it; each file lists its public functions in ``__all__``."""
from . import arithmetic, indexing, reduction, shape, unary
from .arithmetic import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403

__all__ = arithmetic.__all__ + indexing.__all__ + reduction.__all__ + shape.__all__ + unary.__all__
