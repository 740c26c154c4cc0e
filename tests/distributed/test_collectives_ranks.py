"""The collectives on 2 and 3 ranks (mpiexec in a subprocess, with a timeout) against their
NumPy definitions; disagreeing calls; a failing rank; a late rank."""
import numpy as np
import pytest

from ._launch import run_ranks
from .workers import collective_input, product_input

RANKS = [2, 3]


@pytest.mark.parametrize("p", RANKS)
def test_every_collective_equals_its_numpy_definition(p, tmp_path):
    run_ranks(p, "collectives", tmp_path)
    check_collectives(tmp_path, p)


def check_collectives(out, p):
    """Every rank's results of workers.run_collectives against the NumPy definitions."""
    inputs = np.stack([collective_input(r) for r in range(p)])
    expected = {
        "all_reduce_SUM": inputs.sum(0), "all_reduce_AVG": inputs.sum(0) / p,
        "all_reduce_MAX": inputs.max(0), "all_reduce_MIN": inputs.min(0),
        "all_reduce_PRODUCT": np.prod([product_input(r) for r in range(p)], axis=0),
        "all_reduce_noncontiguous": sum(collective_input(r, (4, 3)) for r in range(p)),
        "all_reduce_0d": sum(collective_input(r, ()) for r in range(p)),
        "async_result": inputs.sum(0),
        "broadcast": collective_input(p - 1),
        "all_gather": inputs,
    }
    for dtype in ("float32", "int64", "int32"):
        expected[f"all_reduce_SUM_{dtype}"] = sum(collective_input(r, dtype=np.dtype(dtype)) for r in range(p))
    # rank r's input_list[i] is collective_input(r * p + i); rank i receives the reduction of slot i
    slots = np.array([[collective_input(r * p + i, (2, 3)) for i in range(p)] for r in range(p)])
    for r in range(p):
        res = _load(out, r)
        for name, value in expected.items():
            np.testing.assert_array_equal(res[name], value, err_msg=f"{name} on rank {r}")
            assert res[name].dtype == np.asarray(value).dtype, name
        np.testing.assert_array_equal(res["reduce_scatter_SUM"], slots[:, r].sum(0))
        np.testing.assert_array_equal(res["reduce_scatter_MAX"], slots[:, r].max(0))
        np.testing.assert_allclose(res["reduce_scatter_AVG"], slots[:, r].sum(0) / p, rtol=1e-15)
        assert tuple(res["all_reduce_empty_shape"]) == (0, 2)
        assert res["version_bumped"] and res["async_completed"]
    # the last rank slept 0.5 s before the barrier: nobody left it earlier
    assert min(_load(out, r)["barrier_wait"] for r in range(p - 1)) >= 0.4


def _load(out, r):
    with np.load(out / f"rank{r}.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("p", [3])
def test_disagreeing_calls_raise_the_same_clear_error_on_every_rank(p, tmp_path):
    run_ranks(p, "mismatch", tmp_path)
    messages = [{k: str(v) for k, v in _load(tmp_path, r).items() if k != "after"} for r in range(p)]
    for r in range(p):                  # every rank names its own call, then lists them all
        for name in messages[0]:
            assert messages[r][name].split(": ", 1)[1] == messages[0][name].split(": ", 1)[1]
        np.testing.assert_array_equal(_load(tmp_path, r)["after"], [p, p])
    m = messages[0]
    assert "ranks disagree" in m["shape"]
    assert "rank 0: all_reduce(op=SUM, shape (3,), float32)" in m["shape"]
    assert "rank 2: all_reduce(op=SUM, shape (5,), float32)" in m["shape"]
    assert "rank 0: all_reduce(op=SUM, shape (3,), float32); rank 1: all_reduce(op=SUM, shape (3,), float64)" in m["dtype"]
    assert "rank 0: all_reduce(op=SUM" in m["op"] and "rank 1: all_reduce(op=MAX" in m["op"]
    assert "rank 0: all_reduce(" in m["collective"] and "rank 1: broadcast(src=0" in m["collective"]
    assert "ranks hold different models" in m["model"]
    assert "rank 2 has ('weight', (3, 3), 'float64'), rank 0 has ('weight', (2, 3), 'float64')" in m["model"]
    assert "rank 1" not in m["model"]


def test_a_rank_that_raises_stops_every_rank_and_is_named(tmp_path):
    from minigrad import load
    result = run_ranks(3, "fault", tmp_path, timeout=120, expect_success=False)
    assert result.returncode != 0
    assert "rank 1 of 3 failed with ValueError: injected failure on rank 1 at step 2" in result.output
    assert "MPI_Abort" in result.output
    assert "finished" not in result.output
    # rank 0 saves after each step; step 2 needs rank 1, so the last save is of step 1 (or of
    # step 0 if the abort came in the middle of saving step 1: the file is atomic, never torn)
    checkpoint = load(tmp_path / "checkpoint.npz")
    assert checkpoint["step"] in (0, 1) and checkpoint["model"]["0.weight"].shape == (8, 6)


def test_a_rank_late_by_more_than_the_timeout_is_reported_not_waited_for(tmp_path):
    result = run_ranks(2, "timeout", tmp_path, timeout=120, expect_success=False)
    assert result.returncode != 0
    line = next(x for x in result.output.splitlines() if x.startswith("RuntimeError"))
    assert line.startswith("RuntimeError: all_reduce: ") and \
        "rank 0 of 2 waited more than 1 s for the other ranks" in line
    assert "rank 0 of 2 failed with RuntimeError" in result.output
    assert "finished" not in result.output
