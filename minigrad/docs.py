"""The API reference, built offline: ``python -m minigrad.docs --out DIR``.

Writes static HTML: ``index.html`` is docs/READING.md (the engine in reading order), with its
``file.py:a-b`` references linked to the source; one page per public module (``minigrad``,
``minigrad.nn``, ``minigrad.nn.functional``, ``minigrad.optim``, ``minigrad.utils``) with every
public name's signature and docstring -- the derivatives the ops' docstrings state included --
and a link to the lines that define it; and every source file of the package as a page with
numbered, linkable lines. Needs the ``docs`` extra (markdown-it-py, Pygments); no network.
"""
from __future__ import annotations

import argparse
import html
import importlib
import inspect
import os
import re
import shutil
import sys
import types
from pathlib import Path

MODULES = ("minigrad", "minigrad.nn", "minigrad.nn.functional", "minigrad.optim", "minigrad.utils")
ROOT = Path(__file__).resolve().parents[1]      # the repository (or site-packages) holding minigrad

_CSS = """body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
nav a{margin-right:1rem}pre{background:#f6f8fa;padding:.6rem;overflow-x:auto}code{background:#f6f8fa}
.entry{border-top:1px solid #ddd;padding-top:.4rem}.sig{font-family:monospace;font-weight:600}
.src{font-size:.85rem;margin-left:1rem}.kind{color:#666;font-size:.85rem}
table.source td{vertical-align:top}.source pre{margin:0;background:none;padding:0}"""


def public_names(module):
    """The public names of ``module``: its ``__all__``, or every name not starting with _ that
    is not a submodule."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")
                 and not isinstance(getattr(module, n), types.ModuleType)]
    return sorted(names, key=str.lower)


def _kind(obj):
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def _signature(name, obj):
    try:
        return f"{name}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        return name


def _source_link(obj, prefix):
    """``(relative path, first line, last line)`` of where ``obj`` is defined, or None."""
    try:
        target = inspect.unwrap(obj)
        path = Path(inspect.getsourcefile(target)).resolve()
        lines, start = inspect.getsourcelines(target)
    except (TypeError, OSError):
        return None
    try:
        rel = path.relative_to(ROOT).as_posix()
    except ValueError:
        return None
    return f"{prefix}source/{rel}.html#L-{start}", rel, start, start + len(lines) - 1


def doc_of(obj):
    """The docstring shown for ``obj``; None for a function or class without one (data such as a
    dtype is described by its value instead)."""
    if _kind(obj) == "data":
        return f"{type(obj).__name__}: {obj!r}"
    doc = obj.__doc__ if inspect.isclass(obj) else inspect.getdoc(obj)
    return inspect.cleandoc(doc) if doc else None


def _methods(cls):
    """(name, function) of the public methods and properties ``cls`` itself defines."""
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_") and name != "__call__":
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, property):
            out.append((name, value))
    return out


_APPLY = re.compile(r"\b([A-Z]\w*)\.apply\(")


def functions_applied(obj):
    """The autograd Functions whose ``.apply`` the public function ``obj`` calls: their
    docstrings hold the op's derivative."""
    from .autograd.function import Function
    if not inspect.isfunction(obj):
        return []
    obj = inspect.unwrap(obj)         # the op itself, not the wrapper naming it in errors
    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError):
        return []
    found = []
    for cls_name in dict.fromkeys(_APPLY.findall(source)):
        cls = obj.__globals__.get(cls_name)
        if inspect.isclass(cls) and issubclass(cls, Function) and cls.__doc__:
            found.append(cls)
    return found


def _entry(qualname, name, obj, prefix):
    doc = doc_of(obj)
    for fn in functions_applied(obj):
        doc = f"{doc or ''}\n\nFunction {fn.__name__}: {inspect.cleandoc(fn.__doc__)}".strip()
    link = _source_link(obj, prefix)
    src = (f'<a class="src" href="{link[0]}">{html.escape(link[1])}:{link[2]}-{link[3]}</a>' if link else "")
    parts = [f'<div class="entry" id="{html.escape(name)}"><span class="kind">{_kind(obj)}</span> '
             f'<span class="sig">{html.escape(_signature(qualname, obj) if _kind(obj) != "data" else qualname)}</span>{src}',
             f"<pre>{html.escape(doc or 'no docstring')}</pre>"]
    if inspect.isclass(obj):
        for mname, meth in _methods(obj):
            mdoc = inspect.getdoc(meth.fget if isinstance(meth, property) else meth)
            sig = mname if isinstance(meth, property) else _signature(mname, meth)
            parts.append(f'<div class="method" id="{html.escape(name)}.{html.escape(mname)}"><span class="sig">'
                         f'{html.escape(sig)}</span><pre>{html.escape(mdoc or "")}</pre></div>')
    parts.append("</div>")
    return "\n".join(parts)


def _page(title, body, prefix=""):
    nav = " ".join(f'<a href="{prefix}{m}.html">{m}</a>' for m in MODULES)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><nav><a href=\"{prefix}index.html\">Reading minigrad</a> {nav}</nav>\n"
            f"{body}\n</body></html>\n")


def module_page(modname):
    """The HTML page of one module: every public name, its signature, docstring and source."""
    module = importlib.import_module(modname)
    names = public_names(module)
    toc = ", ".join(f'<a href="#{html.escape(n)}">{html.escape(n)}</a>' for n in names)
    doc = inspect.getdoc(module) or ""
    entries = "\n".join(_entry(f"{modname}.{n}", n, getattr(module, n), "") for n in names)
    return _page(modname, f"<h1>{modname}</h1><pre>{html.escape(doc)}</pre><p>{toc}</p>\n{entries}")


SOURCES = ("minigrad", "lessons")                 # the folders rendered as source pages
_REF = re.compile(r"<code>((?:minigrad|lessons)/[\w/]+\.py)(?::(\d+)(?:-\d+)?)?</code>")


def reading_page(markdown_text):
    """docs/READING.md as the front page; its source references become links."""
    from markdown_it import MarkdownIt
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown_text)

    def link(m):
        path, line = m.group(1), m.group(2)
        if not (ROOT / path).exists():
            return m.group(0)
        return f'<a href="source/{path}.html{"#L-" + line if line else ""}">{m.group(0)}</a>'

    return _page("Reading minigrad", _REF.sub(link, body))


def source_page(rel):
    """The source file ``rel`` with numbered lines, each anchored as #L-<n>."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    text = (ROOT / rel).read_text(encoding="utf-8")
    formatter = HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True, cssclass="source")
    prefix = "../" * rel.count("/") + "../"
    style = f"<style>{formatter.get_style_defs('.source')}</style>"
    return _page(rel, f"<h1>{html.escape(rel)}</h1>{style}{highlight(text, PythonLexer(), formatter)}", prefix)


def build(out):
    """Write the whole reference under ``out``; returns the number of pages written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = 0
    reading = ROOT / "docs" / "READING.md"
    front = reading.read_text(encoding="utf-8") if reading.exists() else "# minigrad\n"
    (out / "index.html").write_text(reading_page(front), encoding="utf-8")
    if (ROOT / "docs" / "img").is_dir():                 # the figures READING.md shows
        shutil.copytree(ROOT / "docs" / "img", out / "img", dirs_exist_ok=True)
    pages += 1
    for modname in MODULES:
        (out / f"{modname}.html").write_text(module_page(modname), encoding="utf-8")
        pages += 1
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            target = out / "source" / f"{rel}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source_page(rel), encoding="utf-8")
            pages += 1
    return pages


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minigrad.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, metavar="DIR", help="the folder to write the HTML into")
    args = parser.parse_args(argv)
    try:
        import markdown_it  # noqa: F401
        import pygments  # noqa: F401
    except ImportError as e:
        print(f"python -m minigrad.docs: {e.name} is not installed: pip install 'minigrad[docs]'", file=sys.stderr)
        return 2
    pages = build(args.out)
    print(f"wrote {pages} pages to {args.out}; open {os.path.join(args.out, 'index.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
