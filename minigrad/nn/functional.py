"""``minigrad.nn.functional`` (F): stateless layers and losses.

Built from the primitive ops in ``minigrad.ops`` and the kernels in ``minigrad.kernels``.
Each section below belongs to one family; keep additions inside their section.
"""
from __future__ import annotations

from ..ops import (elu, gelu, leaky_relu, log_softmax, pad, relu, sigmoid, softmax,  # noqa: F401
                   softplus, tanh)

# ==== activations, normalization, dropout, embedding, losses (nn issue) ======================
# (nn/optim issue adds its functions here)


# ==== convolution, pooling, resampling (conv kernels issue) =================================
# (conv/pool kernels issue adds its imports here)


# ==== recurrent cells and attention (rnn/attention kernels issue) ===========================
# (rnn/attention kernels issue adds its imports here)
from ..kernels.attention import scaled_dot_product_attention  # noqa: F401,E402
