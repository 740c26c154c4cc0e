"""A lesson as a Jupyter notebook: its ``# %%`` cells through jupytext, optionally executed.

The lessons stay Python files (their tests run the scripts); their cells are in jupytext's
percent format, prose in ``# %% [markdown]`` cells. ``lesson_notebook`` reads one, turns its
module docstring into the first markdown cell and the script's ``if __name__ == "__main__":``
ending into a cell that calls ``main([...])`` with the lesson arguments given, and writes an
``.ipynb``; ``execute_notebook`` runs it in a fresh kernel with nbclient. Both need the
``notebooks`` extra (jupytext, nbclient, ipykernel), imported only when asked for.
"""
from __future__ import annotations

import ast
import os

_MAIN_GUARD = 'if __name__ == "__main__":'


def _first_cell_markdown(nb, nbformat):
    """Make the module docstring (jupytext keeps it as a code cell) the notebook's title cell."""
    if not nb.cells or nb.cells[0].cell_type != "code":
        return
    source = nb.cells[0].source
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    doc = ast.get_docstring(tree, clean=True)
    if doc is None:
        return
    rest = tree.body[1:]
    title, _, body = doc.partition("\n")
    cells = [nbformat.v4.new_markdown_cell(f"# {title}\n{body}")]
    if rest:
        lines = source.splitlines()
        cells.append(nbformat.v4.new_code_cell("\n".join(lines[rest[0].lineno - 1:])))
    nb.cells[0:1] = cells


def _main_cell(nb, lesson_args, nbformat):
    """Replace the ``if __name__ == "__main__": sys.exit(main())`` ending with ``main([...])``."""
    call = f"main({list(lesson_args)!r})"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and _MAIN_GUARD in cell.source:
            head = cell.source[:cell.source.index(_MAIN_GUARD)].rstrip()
            nb.cells[i:i + 1] = ([nbformat.v4.new_code_cell(head)] if head else []) + [
                nbformat.v4.new_markdown_cell("Run the lesson's parts (`main(['--help'])` lists its options):"),
                nbformat.v4.new_code_cell(call)]
            return
    nb.cells.append(nbformat.v4.new_code_cell(call))


def lesson_notebook(path, lesson_args=()):
    """The notebook (an nbformat v4 node) of the lesson file ``path``."""
    import jupytext
    import nbformat
    nb = jupytext.read(path, fmt="py:percent")
    _first_cell_markdown(nb, nbformat)
    _main_cell(nb, lesson_args, nbformat)
    nb.metadata.pop("jupytext", None)          # a plain notebook, not paired to the script
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.validate(nb)
    return nb


def execute_notebook(nb, cwd, timeout=600):
    """Run every code cell of ``nb`` in order in a fresh python3 kernel started in ``cwd``; the
    outputs are stored in ``nb``. A failing cell raises nbclient's CellExecutionError."""
    from nbclient import NotebookClient
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": os.fspath(cwd)}}).execute()
    return nb


def write_notebook(nb, path):
    """Write ``nb`` as .ipynb JSON (through a temporary file, so a failure leaves no half file)."""
    import nbformat
    from ._atomic import atomic_write
    atomic_write(path, lambda f: nbformat.write(nb, f), binary=False)
