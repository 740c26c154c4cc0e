"""Data loading: datasets, samplers, DataLoader, splits (PyTorch's ``torch.utils.data`` names)
and small bundled/offline datasets in ``minigrad.data.datasets``."""
from . import datasets  # noqa: F401
from .dataloader import DataLoader, default_collate  # noqa: F401
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split  # noqa: F401
from .kfold import KFold  # noqa: F401
from .sampler import (BatchSampler, DistributedSampler, RandomSampler, Sampler,  # noqa: F401
                      SequentialSampler, SubsetRandomSampler)
