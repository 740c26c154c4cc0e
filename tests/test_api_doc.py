"""docs/API.md, the API coverage table, agrees with the package: every name it lists as
supported exists, every name it lists as out raises NotImplementedError, and every public op,
F function and nn module is listed."""
import inspect
import re
from pathlib import Path

import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

DOC = Path(__file__).resolve().parents[1] / "docs" / "API.md"
ROOTS = {"mg": mg, "Tensor": mg.Tensor, "F": F, "nn": nn, "optim": mg.optim, "data": mg.data,
         "utils": mg.utils}
NAME = re.compile(r"`((?:mg|Tensor|F|nn|optim|data|utils)\.[A-Za-z_][\w.]*)`")


def _sections():
    """(kind, names) for each **Supported:** / **Differs:** / **Out:** paragraph."""
    text = DOC.read_text()
    body = text[text.index("\n## "):]
    out = []
    for para in re.split(r"\n(?=\*\*[A-Z][^*]*\*\*)|\n## ", body):
        kind = re.match(r"\*\*(Supported|Differs|Out):\*\*", para)
        if kind:
            out.append((kind.group(1), NAME.findall(para)))
    return out


def _resolve(name):
    root, *parts = name.split(".")
    obj = mg.ones(1) if root == "Tensor" else ROOTS[root]
    for p in parts:
        obj = getattr(obj, p)
    return obj


def _listed(kinds=("Supported", "Differs")):
    return {n for kind, names in _sections() if kind in kinds for n in names}


def test_the_doc_has_sections_with_names():
    kinds = [k for k, _ in _sections()]
    assert kinds.count("Supported") >= 8 and "Out" in kinds
    assert len(_listed()) > 300


@pytest.mark.parametrize("name", sorted(_listed()))
def test_every_supported_name_exists(name):
    root, *parts = name.split(".")
    obj = mg.Tensor if root == "Tensor" else ROOTS[root]
    for p in parts[:-1]:
        obj = getattr(obj, p)
    assert hasattr(obj, parts[-1]) or (root == "Tensor" and hasattr(mg.ones(1), parts[-1]))


@pytest.mark.parametrize("name", sorted(_listed(("Out",))))
def test_every_name_listed_as_out_raises_not_implemented(name):
    with pytest.raises(NotImplementedError, match=re.escape(name.split(".")[-1])):
        _resolve(name)


def test_every_public_op_function_and_module_is_listed():
    listed = _listed()
    missing = [f"mg.{n}" for n in mg.ops.__all__ if f"mg.{n}" not in listed]
    f_names = getattr(F, "__all__", None) or [n for n, v in vars(F).items()
                                              if not n.startswith("_") and inspect.isfunction(v)]
    missing += [f"F.{n}" for n in f_names if f"F.{n}" not in listed]
    modules = [n for n, v in vars(nn).items() if inspect.isclass(v) and issubclass(v, nn.Module)
               and not n.startswith("_")]
    missing += [f"nn.{n}" for n in modules if f"nn.{n}" not in listed]
    assert missing == []
