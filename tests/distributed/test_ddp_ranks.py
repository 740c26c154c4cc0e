"""DistributedDataParallel on 2 and 3 ranks (mpiexec in a subprocess, with a timeout) equals
single-process training on the whole batch, float64, to 1e-10: parameters and optimizer state."""
import numpy as np
import pytest

from ._launch import run_ranks
from .workers import OPTIMIZERS, flat_state, small_model, train_single, unused_inputs

import minigrad as mg
import minigrad.nn.functional as F

TOL = 1e-10


def _assert_state_equal(rank_result, prefix, expected, p, r):
    keys = [k for k in rank_result if k.startswith(prefix + "/") and not k.endswith("buckets")
            and "local_grad" not in k and "is_sync" not in k]
    assert sorted(keys) == sorted(expected), (prefix, sorted(set(keys) ^ set(expected)))
    for k in keys:
        np.testing.assert_allclose(rank_result[k], expected[k], rtol=0, atol=TOL,
                                   err_msg=f"{k} on rank {r} of {p}")


@pytest.mark.parametrize("p", [2, 3])
def test_ddp_equals_one_process_on_the_whole_batch(p, tmp_path):
    run = run_ranks(p, "equivalence", tmp_path)
    results = [run.rank(r) for r in range(p)]
    for name in OPTIMIZERS:
        expected = flat_state(name, *train_single(name))
        assert any(k.endswith("exp_avg_sq") or k.endswith("momentum_buffer") for k in expected)
        for r, res in enumerate(results):
            _assert_state_equal(res, name, expected, p, r)
            assert res[f"{name}/buckets"] > 1                      # several buckets were used
    expected = flat_state("no_sync", *train_single("adam", micro=2))
    syncbn = flat_state("syncbn", *train_single("sgd", batchnorm="bn"))
    for r, res in enumerate(results):
        _assert_state_equal(res, "no_sync", expected, p, r)
        _assert_state_equal(res, "syncbn", syncbn, p, r)
        assert res["syncbn/is_sync"]
    # inside no_sync the gradient stayed local: it differs between ranks
    assert not np.allclose(results[0]["no_sync/local_grad_differs"], results[1]["no_sync/local_grad_differs"])


def test_buffers_unused_parameters_and_rank0_checkpoint(tmp_path):
    p = 2
    run = run_ranks(p, "behaviour", tmp_path)
    res = [run.rank(r) for r in range(p)]
    # each rank's BatchNorm updated its running mean from its own data ...
    assert not np.allclose(res[0]["buffers_True/before"], res[1]["buffers_True/before"])
    # ... and the next forward starts from rank 0's (broadcast_buffers=True), or keeps its own
    for r in range(p):
        np.testing.assert_array_equal(res[r]["buffers_True/after"], res[0]["buffers_True/before"])
        np.testing.assert_array_equal(res[r]["buffers_False/after"], res[r]["buffers_False/before"])

    check_unused(res, p)
    for r in range(p):
        message = str(res[r]["unused_error"])
        assert "got no gradient in the last backward: c.weight, c.bias" in message
        assert "find_unused_parameters=True" in message
        assert res[r]["checkpoint/equals_mine"]
    # only rank 0 wrote: one checkpoint, no temporary files left behind
    assert sorted(f.name for f in tmp_path.iterdir() if f.name.startswith((".", "check"))) == ["checkpoint.npz"]


def check_unused(res, p):
    """find_unused_parameters in workers: b is used on rank 0 only, c nowhere."""
    from .workers import _TwoBranches
    local = []
    for r in range(p):
        model = _TwoBranches()
        x, target = unused_inputs(r)
        F.mse_loss(model(mg.tensor(x), use_b=(r == 0)), mg.tensor(target)).backward()
        local.append(model)
    for r in range(p):
        for kind in ("weight", "bias"):
            a = sum(getattr(m.a, kind).grad.numpy() for m in local) / p
            b = getattr(local[0].b, kind).grad.numpy() / p          # zeros from the other rank
            np.testing.assert_allclose(res[r][f"unused/a.{kind}"], a, rtol=0, atol=TOL)
            np.testing.assert_allclose(res[r][f"unused/b.{kind}"], b, rtol=0, atol=TOL)
        assert res[r]["unused/c_grad_is_none"]
