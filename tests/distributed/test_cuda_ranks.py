"""cuda tensors on 2 ranks, on the fake CuPy (tests/fake_cupy): the mpi backend stages them
through host memory; the nccl backend calls cupy.cuda.nccl, here a stand-in over MPI
(tests/distributed/fake_nccl.py) that reads and writes exactly the device memory minigrad's
pointers and counts name. Every collective must equal its NumPy definition and DDP must equal
one process on the whole batch, as on the cpu. This proves minigrad's calls, not NCCL on GPUs."""
import importlib.util

import pytest

from ._launch import run_ranks
from .test_collectives_ranks import check_collectives
from .test_ddp_ranks import _assert_state_equal, check_unused
from .workers import OPTIMIZERS, flat_state, train_single

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tests.fake_cupy") is None,
                                reason="the fake CuPy (tests/fake_cupy) is not in this checkout")


@pytest.mark.parametrize("backend", ["mpi", "nccl"])
def test_collectives_and_ddp_on_cuda_tensors(backend, tmp_path):
    p = 2
    run = run_ranks(p, "cuda", tmp_path, env={"MINIGRAD_TEST_BACKEND": backend})
    check_collectives(tmp_path, p)
    results = [run.rank(r) for r in range(p)]
    syncbn = flat_state("syncbn", *train_single("sgd", batchnorm="bn"))
    for name in OPTIMIZERS:
        expected = flat_state(name, *train_single(name))
        for r in range(p):
            _assert_state_equal(results[r], name, expected, p, r)
    for r in range(p):
        _assert_state_equal(results[r], "syncbn", syncbn, p, r)
    check_unused(results, p)
    calls = sorted(str(c) for c in run.rank(0)["nccl_calls"])
    assert calls == (["allGather", "allReduce", "bcast", "reduceScatter"] if backend == "nccl" else [])
