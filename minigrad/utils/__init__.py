"""Training utilities: checkpoints, metrics, callbacks, progress bars, plots, model summary.

Heavy optional dependencies (matplotlib, tqdm) are imported only when a function needs them.
"""
# --- optim helper: serialization, metrics, callbacks, progress, plotting, log ---------------
# --- end optim helper ------------------------------------------------------------------------

# --- nn helper: summary -----------------------------------------------------------------------
from .summary import ModelSummary, summary  # noqa: F401
# --- end nn helper ----------------------------------------------------------------------------
