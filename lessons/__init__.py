"""The lessons: one module per model the notes describe, runnable as ``python -m lessons.<name>``."""
