"""The lessons: one module per model family, each runnable as ``python -m lessons.<name>``.

Each lesson module reads top to bottom like a chapter, on one template: the docstring listing
its parts, the data, the model, the loss, the training loop, the ``part_*`` functions in
reading order (their figures drawn by ``_plot_*`` helpers), then ``PARTS``,
``tiny_model_check()`` and ``main(argv=None)`` (see ``minigrad.utils.lesson``). ``# %%``
markers cut it into notebook cells. The measured results live in ``lessons/results.py``.
The ``minigrad`` command lists and runs them by the names below, importing each only when it
is needed.
"""

# The curriculum, in reading order (docs/CURRICULUM.md says what each lesson reproduces).
LESSONS = ("mlp", "cnn", "architectures", "transfer", "segmentation", "style", "lstm", "transformer", "gan",
           "autoencoder", "vae", "dqn", "ddp", "text", "seq2seq", "captioning",
           "bert")
