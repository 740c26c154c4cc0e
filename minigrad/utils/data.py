"""``minigrad.utils.data``: PyTorch's home of the data-loading names (``torch.utils.data``).

The very objects of ``minigrad.data`` (Dataset, TensorDataset, DataLoader, the samplers,
random_split ...), so that ``from minigrad.utils.data import DataLoader`` and
``from minigrad.data import DataLoader`` give the same class.
"""
from ..data import *  # noqa: F401,F403
