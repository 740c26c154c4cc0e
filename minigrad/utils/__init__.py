"""Utilities around training: truncated BPTT (``tbptt``), and the shared loop helpers."""
