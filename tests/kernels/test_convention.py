"""The one convention of the kernel families: a VARIANTS table of the same named tuple per
variant with identical signatures, a PTX signature list, one dispatch helper with one message,
one vocabulary."""
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels
from minigrad.kernels import attention, conv, gru, lstm, pool, rnn
from minigrad.nn import functional as F

FAMILIES = (conv, pool, lstm, gru, rnn, attention)


def _required(fn):
    """The parameters a caller must pass (a partial's bound keywords are not among them)."""
    return [(p.name, p.kind) for p in inspect.signature(fn).parameters.values() if p.default is p.empty]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__.rsplit(".", 1)[1])
def test_every_family_has_the_three_variants_with_identical_signatures(family):
    table = family.VARIANTS
    assert list(table) == ["reference", "cpu", "cuda"]
    kinds = {type(v) for v in table.values()}
    assert len(kinds) == 1 and hasattr(kinds.pop(), "_fields")          # one named tuple type
    for field in table["reference"]._fields:
        sigs = {v: _required(getattr(table[v], field)) for v in table}
        assert sigs["reference"] == sigs["cpu"] == sigs["cuda"], f"{family.__name__}.{field}: {sigs}"
    assert family.PTX_SIGNATURES and all(isinstance(s, str) for _, s in family.PTX_SIGNATURES)


def test_vocabulary_everywhere():
    assert kernels.VOCABULARY == ("reference", "cpu", "cuda", "composite")
    with pytest.raises(ValueError, match="unknown kernel variant 'numba'.*reference, cpu, cuda, composite"):
        kernels.use("numba")
    with kernels.use("reference"):
        assert kernels.current() == "reference"
        with kernels.use(None):
            assert kernels.current() is None
        assert kernels.current() == "reference"
    assert kernels.current() is None
    env = dict(os.environ, MINIGRAD_KERNELS="auto")
    proc = subprocess.run([sys.executable, "-c", "import minigrad"], env=env, capture_output=True, text=True)
    assert proc.returncode != 0 and "MINIGRAD_KERNELS: unknown kernel variant 'auto'" in proc.stderr


def test_choose_by_device_and_forced():
    x = np.zeros((2, 2), np.float32)
    assert kernels.choose("op", x) == "cpu"
    with kernels.use("composite"):
        assert kernels.choose("op", x) == "cpu"                        # conv/pool have no composite
        assert kernels.choose("op", x, has_composite=True) == "composite"
    with kernels.use("cuda"), pytest.raises(kernels.UnsupportedConfig, match="op: the 'cuda' kernel variant cannot run on cpu data"):
        kernels.choose("op", x)


@pytest.mark.parametrize("call", [
    lambda x: F.conv2d(x, mg.zeros(1, 1, 2, 2, dtype=mg.float16)),
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.avg_pool2d(x, 2),
    lambda x: F.scaled_dot_product_attention(x[0], x[0], x[0]),
], ids=["conv2d", "max_pool2d", "avg_pool2d", "scaled_dot_product_attention"])
def test_one_dtype_message_for_every_family(call):
    x = mg.zeros(1, 1, 4, 4, dtype=mg.float16)
    with pytest.raises(kernels.UnsupportedConfig,
                       match=r"^\w+: the 'cpu' kernel variant supports float32 and float64, not float16; "
                             r"use minigrad.kernels.use\('reference'\)$"):
        call(x)
