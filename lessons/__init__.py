"""The lessons: one module per model family, each runnable as ``python -m lessons.<name>``.

Each lesson module reads top to bottom like a chapter (data, model, loss, training loop,
result) and defines ``SUMMARY``, ``LAST_RESULT``, ``PARTS``, ``tiny_model_check()`` and
``main(argv=None)`` (see ``minigrad.utils.lesson``). The ``minigrad`` command lists and runs
them by the names below, importing each only when it is needed.
"""

# The curriculum, in reading order.
LESSONS = ("mlp", "cnn", "lstm", "transformer", "gan", "vae", "dqn")
