"""The README's first example prints what the README says it prints, its test command is the
line .ci/run reads, and its first screen links the reading path."""
import contextlib
import io
import re
from pathlib import Path

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_the_first_example_prints_what_the_readme_shows():
    code, printed = re.search(r"<!-- example -->\n```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```",
                              README, re.S).groups()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == printed


def test_the_test_command_is_where_ci_reads_it():
    command = re.search(r"<!-- test-command -->\n```bash\n(.*)\n```", README).group(1)
    assert command.startswith("pip install -e \".[test,") and command.endswith("python -m pytest")
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci


def test_the_first_screen_links_the_reading_path():
    first_screen = "\n".join(README.splitlines()[:24])
    assert "[docs/READING.md](docs/READING.md)" in first_screen
    assert (Path(__file__).parents[1] / "docs" / "READING.md").is_file()
