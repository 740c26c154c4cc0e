"""Training utilities: checkpoints (minigrad's own, safetensors, PyTorch's), metrics, callbacks,
progress bars, plots, model summary, truncated BPTT, pictures of the autograd graph, a word
tokenizer and a vocabulary, greedy and beam-search decoding.

Heavy optional dependencies (matplotlib, tqdm) are imported only when a function needs them.
"""
from . import callbacks, log, metrics, plotting, progress, serialization  # noqa: F401
from .callbacks import EarlyStopping, SaveBestCheckpoint  # noqa: F401
from .graph import draw_graph  # noqa: F401
from .log import write_metrics  # noqa: F401
from .progress import progress_bar  # noqa: F401
from .safetensors import load_safetensors, safetensors_metadata, save_safetensors  # noqa: F401
from .serialization import CheckpointError, load, save  # noqa: F401
from .summary import ModelSummary, summary  # noqa: F401
from .tbptt import TBPTTResult, detach_state, truncated_bptt  # noqa: F401
from .torch_checkpoint import load_torch  # noqa: F401
from . import data  # noqa: F401,E402  minigrad.utils.data: PyTorch's path to minigrad.data
from . import decoding  # noqa: F401
from .decoding import BeamSearchResult, beam_search, greedy_decode  # noqa: F401
from .text import Vocab, basic_english, build_vocab_from_iterator  # noqa: F401
