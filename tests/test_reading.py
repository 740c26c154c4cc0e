"""docs/READING.md: every `path:START-END` (`symbol`) reference points at a file that exists,
with the symbol defined within those lines; every test it names exists. Code moves; when it
does, this fails and says where the symbol is now, instead of the page misleading a reader."""
import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
READING = ROOT / "docs" / "READING.md"
CODE_REF = re.compile(r"`([\w./-]+\.py):(\d+)-(\d+)` \(`([\w.]+)`\)")
TEST_REF = re.compile(r"`(tests/[\w./-]+\.py)::(\w+)`")


def _definition(path, symbol):
    """(first line, last line) of ``symbol`` (``Class.method`` allowed; ``__doc__`` is the
    module docstring) in the file, or None if it is not defined there."""
    tree = ast.parse((ROOT / path).read_text())
    if symbol == "__doc__":
        first = tree.body[0] if tree.body else None
        is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
        return (first.lineno, first.end_lineno) if is_doc else None
    body, node = tree.body, None
    for part in symbol.split("."):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            return None
        body = node.body
    return min([node.lineno] + [d.lineno for d in node.decorator_list]), node.end_lineno


def _refs(pattern):
    return pattern.findall(READING.read_text())


def test_the_reading_path_has_references_to_check():
    code, tests = _refs(CODE_REF), _refs(TEST_REF)
    assert len(code) >= 30 and len(tests) >= 20
    steps = re.findall(r"^## (\d+)\. ", READING.read_text(), re.M)
    assert steps == [str(i) for i in range(1, 13)]
    images = re.findall(r"\]\((img/[\w.-]+)\)", READING.read_text())
    assert len(images) == 3 and all((READING.parent / image).is_file() for image in images)


@pytest.mark.parametrize("path,start,end,symbol", _refs(CODE_REF))
def test_each_code_reference_names_lines_that_define_the_symbol(path, start, end, symbol):
    assert (ROOT / path).is_file(), f"{path} does not exist"
    where = _definition(path, symbol)
    assert where is not None, f"{symbol} is not defined in {path}"
    assert (int(start), int(end)) == where, \
        f"READING.md says {path}:{start}-{end} for {symbol}; it is now at {path}:{where[0]}-{where[1]}"


@pytest.mark.parametrize("path,name", _refs(TEST_REF))
def test_each_named_test_exists(path, name):
    assert (ROOT / path).is_file(), f"{path} does not exist"
    assert _definition(path, name) is not None, f"{path} has no {name}"


def renumber():
    """Rewrite every code reference's line range to where its symbol is now (run after moving
    code: ``python -m tests.test_reading``); references to missing symbols are left to fail."""
    def fix(m):
        path, start, end, symbol = m.groups()
        where = (ROOT / path).is_file() and _definition(path, symbol)
        return f"`{path}:{where[0]}-{where[1]}` (`{symbol}`)" if where else m.group(0)
    READING.write_text(CODE_REF.sub(fix, READING.read_text()))


if __name__ == "__main__":
    renumber()
