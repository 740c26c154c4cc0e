"""minigrad.docs: the offline API reference has an entry with a docstring for every public name
of minigrad, minigrad.nn, minigrad.nn.functional, minigrad.optim and minigrad.utils, READING.md
as its front page, and links that lead to existing pages and lines."""
import importlib
import re
from html.parser import HTMLParser

import pytest

pytest.importorskip("markdown_it")
pytest.importorskip("pygments")

from minigrad import docs  # noqa: E402

# Public names allowed to go without a docstring of their own: none (a new public name without
# one fails the test; list one here only with the reason it is not meant to be documented).
UNDOCUMENTED = {}


class _Page(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.ids, self.hrefs = set(), []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("api")
    assert docs.main(["--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("modname", docs.MODULES)
def test_every_public_name_has_an_entry_and_a_docstring(site, modname):
    module = importlib.import_module(modname)
    names = docs.public_names(module)
    assert len(names) >= 5
    page = _Page((site / f"{modname}.html").read_text())
    assert set(names) <= page.ids
    missing = {n for n in names if docs.doc_of(getattr(module, n)) is None}
    listed = UNDOCUMENTED.get(modname, set())
    assert missing <= listed, f"public names of {modname} without a docstring: {sorted(missing - listed)}"
    assert listed <= set(names)


def test_the_pages_show_the_derivatives_and_signatures(site):
    text = (site / "minigrad.html").read_text()
    assert "minigrad.exp(input, *, out=None)" in text or "minigrad.exp(" in text
    exp = text[text.index('id="exp"'):]
    assert "Function Exp: exp(x);  d/dx = exp(x)" in exp[:exp.index('class="entry"', 10)]
    functional = (site / "minigrad.nn.functional.html").read_text()
    assert "minigrad.nn.functional.conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)" in functional


def test_the_front_page_is_reading_md_with_links_to_the_source(site):
    index = (site / "index.html").read_text()
    assert "<h1>Reading minigrad</h1>" in index
    assert 'href="source/minigrad/backend.py.html#L-' in index


def test_every_link_leads_to_a_page_and_line_that_exist(site):
    pages = ["index.html"] + [f"{m}.html" for m in docs.MODULES]
    ids = {}
    checked = 0
    for name in pages:
        for href in _Page((site / name).read_text()).hrefs:
            path, _, anchor = href.partition("#")
            target = site / path if path else site / name
            assert target.exists(), f"{name}: {href}"
            if anchor:
                if target not in ids:
                    ids[target] = _Page(target.read_text()).ids
                assert anchor in ids[target], f"{name}: {href}"
            checked += 1
    assert checked > 500


def test_the_source_pages_number_every_line(site):
    text = (site / "source" / "minigrad" / "backend.py.html").read_text()
    n_lines = (docs.ROOT / "minigrad" / "backend.py").read_text().count("\n")
    assert f'id="L-{n_lines}"' in text and re.search(r'<span class="nf">array_module</span>', text)
