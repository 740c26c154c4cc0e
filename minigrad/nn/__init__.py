"""Neural-network building blocks: modules (layers, containers, losses), functional forms,
initialisers and utilities, with PyTorch's names, signatures and defaults."""
from . import functional, init  # noqa: F401
from . import utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import Parameter  # noqa: F401
from . import parallel  # noqa: F401,E402  (nn.parallel.DistributedDataParallel)
from .parallel import SyncBatchNorm  # noqa: F401,E402
