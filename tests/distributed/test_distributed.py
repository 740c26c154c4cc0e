"""minigrad.distributed and DistributedDataParallel in a world of one process (no launcher):
the API, its errors, and DDP's bookkeeping. The multi-rank behaviour is in *_ranks.py."""
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.parallel import DistributedDataParallel as DDP


def _no_mpi():
    raise ImportError("mpi4py is not installed (test)")


@pytest.fixture(params=["mpi", "without mpi4py"])
def world(request, monkeypatch):
    """A world of one: through MPI when mpi4py loads here, and through the fallback."""
    for var in dist._LAUNCHER_SIZE_VARS:
        monkeypatch.delenv(var, raising=False)
    if request.param == "mpi":
        if not dist.is_mpi_available():
            pytest.skip("mpi4py cannot load an MPI library here (pip install -e '.[dist]')")
    else:
        monkeypatch.setattr(dist, "_load_mpi", _no_mpi)
    dist.init_process_group("mpi")
    yield request.param
    dist.destroy_process_group()


def test_using_the_group_before_init_names_init_process_group():
    assert not dist.is_initialized()
    for call in (dist.get_rank, dist.get_world_size, dist.barrier, lambda: dist.all_reduce(mg.ones(2)),
                 lambda: DDP(nn.Linear(2, 2))):
        with pytest.raises(RuntimeError, match="init_process_group"):
            call()


def test_a_world_of_one(world):
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    assert dist.get_backend() == "mpi"
    assert sys.excepthook is sys.__excepthook__ or sys.excepthook is not dist._abort_on_uncaught_exception
    x = np.arange(6.0).reshape(2, 3)
    for op in dist.ReduceOp:
        t = mg.tensor(x)
        dist.all_reduce(t, op=op)
        np.testing.assert_array_equal(t.numpy(), x)
    t = mg.tensor(x)
    dist.broadcast(t, src=0)
    np.testing.assert_array_equal(t.numpy(), x)
    out = [mg.zeros(2, 3, dtype=mg.float64)]
    dist.all_gather(out, mg.tensor(x))
    np.testing.assert_array_equal(out[0].numpy(), x)
    o = mg.zeros(3, dtype=mg.float64)
    dist.reduce_scatter(o, [mg.tensor(x[0])])
    np.testing.assert_array_equal(o.numpy(), x[0])
    work = dist.all_reduce(mg.tensor(x), async_op=True)
    assert isinstance(work, dist.Work) and work.wait() and work.is_completed()
    assert dist.barrier() is None


def test_bad_arguments_are_named(world):
    with pytest.raises(TypeError, match="AVG needs a floating-point tensor, got int64"):
        dist.all_reduce(mg.tensor([1, 2]), op=dist.ReduceOp.AVG)
    with pytest.raises(TypeError, match="op must be a ReduceOp"):
        dist.all_reduce(mg.ones(2), op="sum")
    with pytest.raises(ValueError, match=r"src=1 is not a rank of this world \(0 .. 0\)"):
        dist.broadcast(mg.ones(2), src=1)
    with pytest.raises(ValueError, match="tensor_list must hold world_size = 1 tensors, got 2"):
        dist.all_gather([mg.ones(2), mg.ones(2)], mg.ones(2))
    with pytest.raises(ValueError, match=r"input_list\[0\] has shape \(3,\)"):
        dist.reduce_scatter(mg.ones(2), [mg.ones(3)])
    with pytest.raises(ValueError, match="only the default group"):
        dist.all_reduce(mg.ones(2), group="world")
    with pytest.raises(TypeError, match="expected a minigrad Tensor, got ndarray"):
        dist.all_reduce(np.ones(2))
    with pytest.raises(RuntimeError, match="twice"):
        dist.init_process_group()


def test_init_arguments_are_checked(monkeypatch):
    monkeypatch.setattr(dist, "_load_mpi", _no_mpi)
    for var in dist._LAUNCHER_SIZE_VARS:
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="unknown backend 'gloo'"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="init_method='tcp://x:1' is not supported"):
        dist.init_process_group(init_method="tcp://x:1")
    with pytest.raises(ValueError, match="world_size=2, but the MPI launcher started 1"):
        dist.init_process_group(world_size=2)
    with pytest.raises(TypeError, match="timedelta"):
        dist.init_process_group(timeout=5)
    monkeypatch.setenv("PMI_SIZE", "2")
    with pytest.raises(RuntimeError, match="a world of 2 ranks needs MPI, but mpi4py is not installed"):
        dist.init_process_group()
    assert not dist.is_initialized()


def _mlp():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3)).double()


def _data():
    rng = np.random.default_rng(1)
    return mg.tensor(rng.standard_normal((8, 4))), mg.tensor(rng.integers(0, 3, 8))


def test_ddp_in_a_world_of_one_is_plain_training(world):
    x, y = _data()
    plain, wrapped = _mlp(), _mlp()
    ddp = DDP(wrapped, bucket_cap_mb=0)
    assert len(ddp._buckets) == 4 and "world_size=1, 4 buckets" in repr(ddp)
    for model in (plain, ddp):
        opt = mg.optim.Adam(model.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
    for a, b in zip(plain.parameters(), wrapped.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert list(ddp.state_dict()) == ["module." + k for k in plain.state_dict()]


def test_buckets_are_started_while_backward_is_still_running(world, monkeypatch):
    """One parameter per bucket: the last layer's buckets start before backward has reached
    the first layer, and backward returns only after all of them finished."""
    events = []
    started = dist._all_reduce_array

    def record(w, array, op, *args, **kwargs):
        events.append(("start", array.size))
        return started(w, array, op, *args, **kwargs)
    monkeypatch.setattr(dist, "_all_reduce_array", record)
    model = _mlp()
    ddp = DDP(model, bucket_cap_mb=0)

    def mark(module, args, out):
        out.register_hook(lambda g: events.append("backward reaches layer 0"))
    model[0].register_forward_hook(mark)
    x, y = _data()
    F.cross_entropy(model(x), y).backward()             # not through ddp: nothing to average
    assert events == ["backward reaches layer 0"]
    events.clear()
    model.zero_grad()
    F.cross_entropy(ddp(x), y).backward()
    # buckets in reverse parameter order: 2.bias (3), 2.weight (15), 0.bias (5), 0.weight (20)
    assert events == [("start", 3), ("start", 15), "backward reaches layer 0", ("start", 5), ("start", 20)]
    assert all(b.work.is_completed() for b in ddp._buckets) and not ddp._active


def test_unused_parameters_raise_at_the_next_forward_unless_found(world):
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(3, 2), nn.Linear(3, 2)

        def forward(self, x):
            return self.used(x)
    x = mg.ones(4, 3)
    ddp = DDP(Branchy())
    ddp(x).sum().backward()
    with pytest.raises(RuntimeError, match="got no gradient in the last backward: unused.weight, unused.bias"):
        ddp(x)
    model = Branchy()
    ddp = DDP(model, find_unused_parameters=True)
    ddp(x)                                      # a forward without backward is no error either
    for _ in range(2):
        ddp(x).sum().backward()
    assert model.unused.weight.grad is None and model.used.weight.grad is not None
    np.testing.assert_allclose(model.used.bias.grad.numpy(), [8.0, 8.0])   # two backwards of 4 rows


def test_no_sync_a_forward_without_backward_and_constructor_errors(world):
    model = _mlp()
    ddp = DDP(model)
    x, y = _data()
    with ddp.no_sync():
        F.cross_entropy(ddp(x), y).backward()
        assert not ddp._active
    ddp(x)                                          # validation-style forward: no backward follows
    F.cross_entropy(ddp(x), y).backward()           # ... and training goes on
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
        DDP(nn.ReLU())
    with pytest.raises(ValueError, match="must be None for a module on the cpu"):
        DDP(_mlp(), device_ids=[0])
    with pytest.raises(ValueError, match="single element"):
        DDP(_mlp(), device_ids=[0, 1])
    with pytest.raises(TypeError, match="must be an nn.Module"):
        DDP(lambda x: x)


def test_sync_batchnorm_in_a_world_of_one_is_batchnorm(world):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    weight = model[1].weight
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], nn.SyncBatchNorm) and converted[1].weight is weight
    mg.manual_seed(0)
    reference = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    x = mg.randn(6, 3, dtype=mg.float64)
    np.testing.assert_array_equal(converted(x).detach().numpy(), reference(x).detach().numpy())
    np.testing.assert_array_equal(converted[1].running_var.numpy(), reference[1].running_var.numpy())


def test_sync_batchnorm_synchronised_path_gradchecks_and_equals_batchnorm(world):
    """The all-reduce path itself (taken only on several ranks), run in a world of one:
    it equals BatchNorm, and its hand-written backward passes gradcheck in float64."""
    mg.manual_seed(0)
    sync = nn.SyncBatchNorm(3).double()
    plain = nn.BatchNorm2d(3).double()
    for m in (sync, plain):
        with mg.no_grad():
            m.weight.copy_(mg.tensor([0.5, 2.0, -1.0], dtype=mg.float64))
            m.bias.copy_(mg.tensor([0.1, 0.0, 0.3], dtype=mg.float64))
    x = mg.randn(4, 3, 2, 5, dtype=mg.float64, requires_grad=True)
    np.testing.assert_allclose(sync._forward_synchronised(x).detach().numpy(),
                               plain(x).detach().numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(sync.running_var.numpy(), plain.running_var.numpy(), rtol=1e-13)
    weights = mg.randn(4, 3, 2, 5, dtype=mg.float64)
    assert mg.autograd.gradcheck(lambda x, w, b: (sync._forward_synchronised(x) * weights).sum(),
                                 (x, sync.weight, sync.bias))
    y = sync._forward_synchronised(x)
    with pytest.raises(RuntimeError, match="double backward"):
        mg.autograd.grad((y * weights).sum(), x, create_graph=True)
