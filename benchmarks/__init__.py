"""Benchmarks, runnable as ``python -m benchmarks.<name>`` (or ``minigrad bench <name>``)."""
