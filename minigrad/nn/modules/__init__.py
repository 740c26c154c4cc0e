"""Modules, one file per family; this file only re-exports them."""
# ==== core modules, layers, losses, containers (nn issue) ===================================
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh  # noqa: F401
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: F401
from .dropout import Dropout  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .linear import Bilinear, Identity, Linear  # noqa: F401
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,  # noqa: F401
                   MSELoss, NLLLoss, SmoothL1Loss)
from .module import Module  # noqa: F401
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm  # noqa: F401
from .sparse import Embedding  # noqa: F401


# ==== convolution, pooling, upsampling (conv kernels issue) =================================
# (conv/pool kernels issue adds its imports here)


# ==== recurrent layers and attention/transformer (rnn/attention kernels issue) ==============
# (rnn/attention kernels issue adds its imports here)
