"""Only the declared runtime dependencies are needed: minigrad's module-level imports are the
standard library, its own modules and pyproject's ``dependencies``; and in a process where every
optional package (scikit-learn, matplotlib, tqdm, PyTorch, ...) is made unimportable, the core,
nn and kernel families import and run forward and backward, equal to the NumPy reference."""
import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = (ROOT / "pyproject.toml").read_text()

# distribution name -> the module it is imported as, for what pyproject declares
IMPORT_NAME = {"scikit-learn": "sklearn", "numba-cuda": "numba_cuda", "cupy-cuda12x": "cupy",
               "cupy-cuda13x": "cupy"}
# optional packages minigrad or its tests may use, refused in the subprocess below
OPTIONAL = ("sklearn", "matplotlib", "tqdm", "torch", "safetensors", "onnx", "onnxruntime",
            "mpi4py", "cupy", "cupyx", "hypothesis", "pytest", "PIL", "pandas")


def _names(block):
    """The import names of the requirement strings in a TOML list ``block``."""
    names = set()
    for req in re.findall(r'"([^"]+)"', block):
        dist = re.match(r"[A-Za-z0-9_.\-]+", req).group(0).lower()
        names.add(IMPORT_NAME.get(dist, dist.replace("-", "_")))
    return names


def _declared():
    block = re.search(r"^dependencies = \[(.*?)^\]", PYPROJECT, re.S | re.M).group(1)
    return _names(re.sub(r"#.*", "", block))


def test_optional_packages_are_not_runtime_dependencies_and_scipy_is():
    declared = _declared()
    assert {"numpy", "numba", "threadpoolctl", "scipy"} <= declared
    assert not declared & set(OPTIONAL), declared & set(OPTIONAL)


def _module_level_imports(path):
    """Top-level package names imported at module level (not inside a function or a try whose
    handler catches ImportError) in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    found = []

    def visit(body):
        for node in body:
            if isinstance(node, ast.Import):
                found.extend((a.name.split(".")[0], node.lineno) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.append((node.module.split(".")[0], node.lineno))
            elif isinstance(node, ast.Try):
                guarded = any(h.type is not None and "ImportError" in ast.unparse(h.type) for h in node.handlers)
                if not guarded:
                    visit(node.body)
            elif isinstance(node, ast.If):
                visit(node.body)
                visit(node.orelse)
    visit(tree.body)
    return found


# modules that may import an optional package at module level: they are loaded only by the
# command that needs it (``minigrad exercise NAME`` loads the checks, which draw with Hypothesis)
OPTIONAL_AT_MODULE_LEVEL = {"minigrad/exercises/checks.py": {"hypothesis"}}


def test_minigrad_imports_only_declared_packages_at_module_level():
    # lessons and benchmarks ship in the same distribution; llvmlite is Numba's own dependency
    allowed = _declared() | set(sys.stdlib_module_names) | {"minigrad", "lessons", "benchmarks", "llvmlite"}
    bad = [f"{path.relative_to(ROOT).as_posix()}:{line} imports {name}"
           for path in sorted((ROOT / "minigrad").rglob("*.py"))
           for name, line in _module_level_imports(path)
           if name not in allowed | OPTIONAL_AT_MODULE_LEVEL.get(path.relative_to(ROOT).as_posix(), set())]
    assert not bad, "\n".join(bad)


SCRIPT = textwrap.dedent("""
    import importlib.abc, sys

    REFUSED = set(sys.argv[1].split(","))

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in REFUSED:
                raise ModuleNotFoundError(f"No module named {name!r} (refused by the test)", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
    for name in list(sys.modules):
        if name.split(".")[0] in REFUSED:
            del sys.modules[name]

    import numpy as np
    import minigrad as mg
    import minigrad.kernels
    import minigrad.nn as nn
    import minigrad.nn.functional as F

    def run(variant, seed=0):
        mg.manual_seed(seed)
        rng = np.random.default_rng(seed)
        def t(*shape):
            return mg.tensor(rng.standard_normal(shape), requires_grad=True)
        x2, w2, x1, w1 = t(2, 3, 7, 7), t(4, 3, 3, 3), t(2, 3, 9), t(4, 3, 3)
        q, k, v = t(2, 5, 8), t(2, 6, 8), t(2, 6, 4)
        seq = t(5, 2, 3)
        mask = mg.tensor(rng.random((5, 6)) > 0.3)
        lstm, gru, rnn = nn.LSTM(3, 4), nn.GRU(3, 4), nn.RNN(3, 4)
        for m in (lstm, gru, rnn):
            m.double()
        with minigrad.kernels.use(variant):
            outs = {
                "conv2d": F.conv2d(x2, w2, padding=1, stride=2),
                "conv1d": F.conv1d(x1, w1, padding=1),
                "conv_transpose2d": F.conv_transpose2d(x2, w2.transpose(0, 1), stride=2),
                "max_pool2d": F.max_pool2d(x2, 2),
                "avg_pool2d": F.avg_pool2d(x2, 3, stride=2, padding=1),
                "attention": F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                "attention_causal": F.scaled_dot_product_attention(q, k[:, :5], v[:, :5], is_causal=True),
                "lstm": lstm(seq)[0],
                "gru": gru(seq)[0],
                "rnn": rnn(seq)[0],
                "gelu": F.gelu(x2),
            }
            leaves = [x2, w2, x1, w1, q, k, v, seq] + [p for m in (lstm, gru, rnn) for p in m.parameters()]
            total = sum((o * mg.tensor(rng.standard_normal(o.shape))).sum() for o in outs.values())
            total.backward()
        return ({n: o.detach().numpy() for n, o in outs.items()},
                [p.grad.numpy() if p.grad is not None else None for p in leaves])

    ours, grads = run("cpu")
    ref, ref_grads = run("reference")
    for name in ours:
        np.testing.assert_allclose(ours[name], ref[name], rtol=1e-9, atol=1e-10, err_msg=name)
    for i, (g, r) in enumerate(zip(grads, ref_grads)):
        assert g is not None and r is not None, i
        np.testing.assert_allclose(g, r, rtol=1e-8, atol=1e-9, err_msg=f"gradient {i}")
    leaked = sorted(n for n in sys.modules if n.split(".")[0] in REFUSED)
    assert not leaked, leaked
    print("ok", len(ours), "families")
""")


def test_kernels_run_without_any_optional_package():
    refused = ",".join(OPTIONAL)
    probe = subprocess.run([sys.executable, "-c", SCRIPT, refused], cwd=ROOT, capture_output=True,
                           text=True, timeout=900, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert probe.returncode == 0, probe.stdout[-3000:] + probe.stderr[-3000:]
    assert "ok 11 families" in probe.stdout


# the test tools come from the "test" extra; every other optional package is refused
TEST_TOOLS = {"pytest", "hypothesis"}

COLLECT = textwrap.dedent("""
    import importlib.abc, sys

    REFUSED = set(sys.argv[1].split(","))

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in REFUSED:
                raise ModuleNotFoundError(f"No module named {name!r} (refused by the test)", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
    import pytest
    sys.exit(pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *sys.argv[2:]]))
""")


def test_core_nn_and_kernel_tests_need_only_the_declared_packages_and_the_test_extra():
    """Every core, nn and kernel test module imports, or skips (PyTorch's comparisons), with
    only the declared dependencies and pytest/hypothesis: none needs scikit-learn, matplotlib,
    tqdm ... (The whole run in that environment: the command in the fidelity notes.)"""
    refused = ",".join(sorted(set(OPTIONAL) - TEST_TOOLS))
    dirs = ["tests/ops", "tests/nn", "tests/kernels", "tests/autograd", "tests/test_tensor.py",
            "tests/test_creation.py", "tests/test_backend.py"]
    probe = subprocess.run([sys.executable, "-c", COLLECT, refused, *dirs], cwd=ROOT, capture_output=True,
                           text=True, timeout=900, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert probe.returncode == 0, probe.stdout[-3000:] + probe.stderr[-3000:]
    assert re.search(r"\b\d{3,} tests collected", probe.stdout), probe.stdout[-2000:]
    assert "error" not in probe.stdout.lower().split("collected")[-1], probe.stdout[-2000:]
