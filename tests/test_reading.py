"""docs/READING.md: every `path:START-END` (`symbol`) reference points at a file that exists,
with the symbol defined within those lines; every test it names exists; each step tries the
exercises whose ``Read:`` names it, and only those. Code moves; when it does, this fails and says
where the symbol is now, instead of the page misleading a reader."""
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


def _steps():
    """{step number: (title, text)} of READING.md's steps."""
    parts = re.split(r"^## (\d+)\. (.*?) -- .*$", READING.read_text(), flags=re.M)
    return {int(n): (title, text) for n, title, text in zip(parts[1::3], parts[2::3], parts[3::3])}


def _recorded_steps(read):
    """[(number, title)] of the steps of READING.md that an exercise's ``Read:`` names, as in
    'docs/READING.md, sections 2 (Function) and 3 (Unary ops: ...), then ...' (titles may hold
    parentheses)."""
    m = re.match(r"docs/READING\.md, sections? ", read)
    steps, rest = [], read[m.end():] if m else ""
    while (n := re.match(r"(?:and )?(\d+) \(", rest)):
        depth, i = 1, n.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(rest[i], 0)
            i += 1
        steps.append((int(n.group(1)), rest[n.end():i - 1]))
        rest = rest[i:].lstrip()
    return steps


TRY_IT = re.compile(r"^Try it: `minigrad exercise start (\w+)` -- (.+)\.$", re.M)


def test_each_exercise_is_tried_at_its_step_and_each_step_tries_its_exercises():
    from minigrad import exercises
    steps = _steps()
    tried = {name: n for n, (_, text) in steps.items() for name, _ in TRY_IT.findall(text)}
    for e in exercises.exercises():
        recorded = _recorded_steps(e.read)
        assert recorded, f"exercise {e.name}: its Read: names no step of READING.md ({e.read})"
        for n, title in recorded:
            assert n in steps, f"exercise {e.name} names step {n}; READING.md has steps 1-{max(steps)}"
            assert title.startswith(steps[n][0]) or steps[n][0].startswith(title), \
                f"exercise {e.name} names step {n} ({title}); READING.md's step {n} is {steps[n][0]}"
        assert tried.get(e.name) == recorded[-1][0], \
            f"READING.md's step {recorded[-1][0]} has no 'Try it: `minigrad exercise start {e.name}`' line" \
            if e.name not in tried else \
            f"exercise {e.name} is tried at step {tried[e.name]}, but its Read: names {recorded}"
    for n, (_, text) in steps.items():
        for name, title in TRY_IT.findall(text):
            assert name in exercises.ORDER, f"step {n} tries exercise {name}, which does not exist"
            assert title == exercises.info(name).title, f"step {n}: {name} is {exercises.info(name).title!r}"
    named = re.findall(r"minigrad exercise (?:start|check|show|solution) (\w+)", READING.read_text())
    assert set(named) - {"NAME"} <= set(exercises.ORDER)
    assert len(TRY_IT.findall(READING.read_text())) == len(exercises.ORDER)


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
