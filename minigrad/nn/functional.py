"""``minigrad.nn.functional`` (F): stateless layers and losses.

Built from the primitive ops in ``minigrad.ops`` and the kernels in ``minigrad.kernels``.
Each section below belongs to one family; keep additions inside their section.
"""
from __future__ import annotations

from ..ops import (elu, gelu, leaky_relu, log_softmax, pad, relu, sigmoid, softmax,  # noqa: F401
                   softplus, tanh)
from ..ops.activation import (celu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, logsigmoid,  # noqa: F401
                              mish, prelu, relu6, rrelu, selu, silu, softmin, softshrink, softsign,
                              tanhshrink, threshold)

# ==== activations, normalization, dropout, embedding, losses (nn issue) ======================
from .functional_layers import (batch_norm, bilinear, dropout, embedding, group_norm, layer_norm,  # noqa: F401,E402
                                linear, normalize, one_hot)
from .functional_losses import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: F401,E402
                                cross_entropy, huber_loss, kl_div, l1_loss, mse_loss, nll_loss,
                                smooth_l1_loss)


# ==== convolution, pooling, resampling (conv kernels issue) =================================
from .functional_conv import conv1d, conv2d, conv_transpose2d  # noqa: E402,F401
from .functional_pool import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d,  # noqa: E402,F401
                              max_pool2d)
from .functional_resample import interpolate  # noqa: E402,F401


# ==== recurrent cells and attention (rnn/attention kernels issue) ===========================
# (rnn/attention kernels issue adds its imports here)
from ..kernels.attention import scaled_dot_product_attention  # noqa: F401,E402
from .functional_attention import multi_head_attention_forward  # noqa: F401,E402
