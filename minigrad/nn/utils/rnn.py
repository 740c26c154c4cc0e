"""``nn.utils.rnn.pad_sequence``: variable-length sequences padded into one tensor, PyTorch's
arguments. (Packed sequences are not there: pad, and mask or take the states at the lengths.)"""
from __future__ import annotations

from ..._checks import tensor_arg
from ...ops import pad, stack


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack ``sequences`` -- tensors (L_i, *) with the same trailing dims -- into (L_max, B, *)
    (``batch_first``: (B, L_max, *)), each padded with ``padding_value`` on ``padding_side``
    ('right' or 'left'). Differentiable in every sequence."""
    op = "pad_sequence"
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError(f"{op}: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"{op}: padding_side must be 'left' or 'right', got {padding_side!r}")
    for s in sequences:
        tensor_arg(op, "sequences", s)
        if s.ndim == 0 or s.shape[1:] != sequences[0].shape[1:]:
            raise RuntimeError(f"{op}: every sequence must be (L, *) with the same trailing dims, got shapes "
                               f"{[tuple(t.shape) for t in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        widths = [0, 0] * (s.ndim - 1) + ([0, missing] if padding_side == "right" else [missing, 0])
        padded.append(pad(s, widths, value=padding_value))
    return stack(padded, 0 if batch_first else 1)
