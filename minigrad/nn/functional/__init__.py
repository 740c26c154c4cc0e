"""``minigrad.nn.functional`` (F): the front door of every layer and loss.

Each function takes PyTorch's arguments, checks them (an error names the function and the
values), and calls a Function: a primitive op, a fused op, or a kernel family's Function.
One module per family; each lists its functions in ``__all__``, and F is built from them.
Argument conventions shared by all of them (int-or-tuple sizes, unbatched input, reduction)
live in ``_arguments.py``. Every function names itself in its errors (``name_ops``).
"""
from ..._checks import name_ops
from . import activations, attention, conv, layers, losses, pool, recurrent, resample
from .activations import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .resample import *  # noqa: F401,F403
from ...ops import pad  # noqa: F401

__all__ = (activations.__all__ + attention.__all__ + conv.__all__ + layers.__all__ + losses.__all__
           + pool.__all__ + recurrent.__all__ + resample.__all__ + ["pad"])

name_ops(__name__, __all__)
