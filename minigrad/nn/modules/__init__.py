"""Modules, one file per family; this file only re-exports them."""
# ==== core modules, layers, losses, containers (nn issue) ===================================
# (nn/optim issue adds its imports here)


# ==== convolution, pooling, upsampling (conv kernels issue) =================================
# (conv/pool kernels issue adds its imports here)


# ==== recurrent layers and attention/transformer (rnn/attention kernels issue) ==============
# (rnn/attention kernels issue adds its imports here)
