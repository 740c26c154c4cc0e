"""The programs the multi-rank tests start with ``mpiexec -n P python -m tests.distributed.workers
NAME OUT``. Each rank writes what it computed to ``OUT/rank<r>.npz``; the tests (one process)
compare that with the NumPy definition or with single-process training. The inputs and models
are built here by functions the tests call too, so both sides use the very same numbers."""
from __future__ import annotations

import datetime
import os
import sys
import time

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.parallel import DistributedDataParallel as DDP

# ---------------------------------------------------------------------------- shared inputs


def collective_input(rank, shape=(3, 4), dtype=np.float64):
    """Rank r's input to the collectives: distinct per rank, exactly representable."""
    rng = np.random.default_rng(100 + rank)
    if np.dtype(dtype).kind == "f":
        return (rng.integers(-8, 9, size=shape) / 4).astype(dtype)
    return rng.integers(-5, 6, size=shape).astype(dtype)


def product_input(rank, shape=(3, 4)):
    return (np.random.default_rng(200 + rank).integers(1, 4, size=shape) * 0.5).astype(np.float64)


GLOBAL_BATCH = 24          # divisible by 2 and 3 ranks (and by the micro-batches)
STEPS = 3


def batches():
    """STEPS global batches of (x, y) for a 6-feature, 3-class problem, float64."""
    rng = np.random.default_rng(7)
    return [(rng.standard_normal((GLOBAL_BATCH, 6)), rng.integers(0, 3, GLOBAL_BATCH)) for _ in range(STEPS)]


def small_model(batchnorm=None):
    """6 -> 8 (tanh) -> 3 in float64, the same weights every call; ``batchnorm`` in
    (None, "bn", "sync") puts a BatchNorm1d or SyncBatchNorm after the first layer."""
    mg.manual_seed(3)
    layers = [nn.Linear(6, 8)]
    if batchnorm == "bn":
        layers.append(nn.BatchNorm1d(8))
    elif batchnorm == "sync":
        layers.append(nn.SyncBatchNorm(8))
    layers += [nn.Tanh(), nn.Linear(8, 3)]
    return nn.Sequential(*layers).double()


OPTIMIZERS = {
    "sgd": lambda params: mg.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "adam": lambda params: mg.optim.Adam(params, lr=0.05, weight_decay=1e-3),
}


def shard(array, rank, size):
    n = len(array) // size
    return array[rank * n:(rank + 1) * n]


def flat_state(prefix, model, optimizer):
    """Parameters, buffers and optimizer state as a flat dict of arrays."""
    out = {f"{prefix}/{k}": v.cpu().numpy() for k, v in model.state_dict().items()}
    for i, state in optimizer.state_dict()["state"].items():
        for k, v in state.items():
            out[f"{prefix}/opt{i}/{k}"] = v.cpu().numpy() if isinstance(v, mg.Tensor) else np.asarray(v)
    return out


def train_single(optimizer_name, batchnorm=None, micro=1):
    """The reference: one process on the whole batch (``micro`` equal micro-batches whose
    gradients accumulate, loss scaled by 1/micro -- the same as the whole batch at once)."""
    model = small_model(batchnorm)
    opt = OPTIMIZERS[optimizer_name](model.parameters())
    for x, y in batches():
        opt.zero_grad()
        for m in range(micro):
            xm, ym = shard(x, m, micro), shard(y, m, micro)
            (F.cross_entropy(model(mg.tensor(xm)), mg.tensor(ym)) / micro).backward()
        opt.step()
    return model, opt


# ---------------------------------------------------------------------------- the programs


def run_collectives(out, device="cpu"):
    r, p = dist.get_rank(), dist.get_world_size()
    res = {}

    def on(array):
        return mg.tensor(array, device=device)

    def back(t):
        assert t.device.type == device, (t.device, device)
        return t.cpu().numpy()
    for op in ("SUM", "AVG", "MAX", "MIN"):
        t = on(collective_input(r))
        dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
        res[f"all_reduce_{op}"] = back(t)
    t = on(product_input(r))
    dist.all_reduce(t, op=dist.ReduceOp.PRODUCT)
    res["all_reduce_PRODUCT"] = back(t)
    for dtype in (np.float32, np.int64, np.int32):
        t = on(collective_input(r, dtype=dtype))
        dist.all_reduce(t)
        res[f"all_reduce_SUM_{np.dtype(dtype).name}"] = back(t)
    base = on(collective_input(r, (4, 3)))
    view = base.T                                      # not contiguous: the result lands in base
    version = view._version.value
    dist.all_reduce(view)
    res["all_reduce_noncontiguous"] = back(base)
    res["version_bumped"] = np.asarray(view._version.value > version)
    t = on(collective_input(r, ()))
    dist.all_reduce(t)
    res["all_reduce_0d"] = back(t)
    t = on(np.zeros((0, 2)))
    dist.all_reduce(t)
    res["all_reduce_empty_shape"] = np.asarray(t.shape)
    t = on(collective_input(r))
    work = dist.all_reduce(t, async_op=True)
    res["async_result"] = (work.wait() and back(t))
    res["async_completed"] = np.asarray(work.is_completed())

    t = on(collective_input(r))
    dist.broadcast(t, src=p - 1)
    res["broadcast"] = back(t)

    gathered = [mg.zeros(3, 4, dtype=mg.float64, device=device) for _ in range(p)]
    dist.all_gather(gathered, on(collective_input(r)))
    res["all_gather"] = np.stack([back(g) for g in gathered])

    for op in ("SUM", "MAX", "AVG"):
        output = mg.zeros(2, 3, dtype=mg.float64, device=device)
        dist.reduce_scatter(output, [on(collective_input(r * p + i, (2, 3))) for i in range(p)],
                            op=getattr(dist.ReduceOp, op))
        res[f"reduce_scatter_{op}"] = back(output)

    if r == p - 1:
        time.sleep(0.5)
    start = time.monotonic()
    dist.barrier()
    res["barrier_wait"] = np.asarray(time.monotonic() - start)
    _save(out, r, res)


def _ddp_steps(res, r, p, device="cpu"):
    """k DDP steps with SGD and with Adam, 1/p of each batch per rank, several buckets."""
    for name in OPTIMIZERS:
        model = small_model().to(device)
        ddp = DDP(model, bucket_cap_mb=0.0001)          # several buckets: about 100 bytes each
        opt = OPTIMIZERS[name](ddp.parameters())
        for x, y in batches():
            opt.zero_grad()
            F.cross_entropy(ddp(mg.tensor(shard(x, r, p), device=device)),
                            mg.tensor(shard(y, r, p), device=device)).backward()
            opt.step()
        res.update(flat_state(name, model, opt))
        res[f"{name}/buckets"] = np.asarray(len(ddp._buckets))


def run_equivalence(out):
    """k DDP steps with SGD and with Adam; gradient accumulation with no_sync; SyncBatchNorm."""
    r, p = dist.get_rank(), dist.get_world_size()
    res = {}
    _ddp_steps(res, r, p)

    model = small_model()                                   # 2 micro-batches per rank
    ddp = DDP(model)
    opt = OPTIMIZERS["adam"](ddp.parameters())
    for x, y in batches():
        xr, yr = shard(x, r, p), shard(y, r, p)
        opt.zero_grad()
        with ddp.no_sync():
            (F.cross_entropy(ddp(mg.tensor(shard(xr, 0, 2))), mg.tensor(shard(yr, 0, 2))) / 2).backward()
        res["no_sync/local_grad_differs"] = model[0].weight.grad.numpy().copy()
        (F.cross_entropy(ddp(mg.tensor(shard(xr, 1, 2))), mg.tensor(shard(yr, 1, 2))) / 2).backward()
        opt.step()
    res.update(flat_state("no_sync", model, opt))

    _syncbn_steps(res, r, p)
    _save(out, r, res)


class _TwoBranches(nn.Module):
    def __init__(self):
        super().__init__()
        mg.manual_seed(5)
        # float64, as the inputs: a float32 layer refuses float64 input (as in PyTorch)
        self.a, self.b, self.c = (nn.Linear(4, 2).double() for _ in range(3))

    def forward(self, x, use_b):
        y = self.a(x)
        return y + self.b(x) if use_b else y


def unused_inputs(rank):
    rng = np.random.default_rng(50 + rank)
    return rng.standard_normal((5, 4)), rng.standard_normal((5, 2))


def _unused(res, r, device="cpu"):
    """find_unused_parameters: b is used on rank 0 only, c on no rank."""
    model = _TwoBranches().to(device)
    ddp = DDP(model, find_unused_parameters=True)
    xs, target = unused_inputs(r)
    F.mse_loss(ddp(mg.tensor(xs, device=device), use_b=(r == 0)), mg.tensor(target, device=device)).backward()
    for name in ("a", "b"):
        for kind in ("weight", "bias"):
            res[f"unused/{name}.{kind}"] = getattr(getattr(model, name), kind).grad.cpu().numpy()
    res["unused/c_grad_is_none"] = np.asarray(model.c.weight.grad is None and model.c.bias.grad is None)


def _syncbn_steps(res, r, p, device="cpu"):
    model = nn.SyncBatchNorm.convert_sync_batchnorm(small_model("bn")).to(device)
    ddp = DDP(model, bucket_cap_mb=0)
    opt = OPTIMIZERS["sgd"](ddp.parameters())
    for x, y in batches():
        opt.zero_grad()
        F.cross_entropy(ddp(mg.tensor(shard(x, r, p), device=device)),
                        mg.tensor(shard(y, r, p), device=device)).backward()
        opt.step()
    res.update(flat_state("syncbn", model, opt))
    res["syncbn/is_sync"] = np.asarray(isinstance(model[1], nn.SyncBatchNorm))


def run_behaviour(out):
    """Buffers from rank 0 at each forward; find_unused_parameters; the error without it;
    a rank-0-only checkpoint."""
    r, p = dist.get_rank(), dist.get_world_size()
    res = {}
    x = mg.tensor(np.random.default_rng(r).standard_normal((6, 6)) + r)   # rank-dependent data
    for flag in (True, False):
        model = small_model("bn")
        ddp = DDP(model, broadcast_buffers=flag)
        F.cross_entropy(ddp(x), mg.tensor(np.zeros(6, dtype=np.int64))).backward()
        res[f"buffers_{flag}/before"] = model[1].running_mean.numpy().copy()
        ddp.eval()
        with mg.no_grad():
            ddp(x)
        res[f"buffers_{flag}/after"] = model[1].running_mean.numpy().copy()

    _unused(res, r)
    xs, target = unused_inputs(r)
    model = _TwoBranches()
    ddp = DDP(model)                                    # find_unused_parameters=False
    loss = F.mse_loss(ddp(mg.tensor(xs), use_b=True), mg.tensor(target))
    loss.backward()                                     # c gets no gradient: averaging unfinished
    try:
        ddp(mg.tensor(xs), use_b=True)
        res["unused_error"] = np.asarray("no error")
    except RuntimeError as e:
        res["unused_error"] = np.asarray(str(e))

    model = small_model()
    ddp = DDP(model)
    opt = OPTIMIZERS["adam"](ddp.parameters())
    path = os.path.join(out, "checkpoint.npz")
    for x, y in batches():
        opt.zero_grad()
        F.cross_entropy(ddp(mg.tensor(shard(x, r, p))), mg.tensor(shard(y, r, p))).backward()
        opt.step()
        if r == 0:
            mg.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, path)
        dist.barrier()
    loaded = mg.load(path)["model"]
    res["checkpoint/equals_mine"] = np.asarray(all(np.array_equal(loaded[k].numpy(), v.numpy())
                                                   for k, v in model.state_dict().items()))
    _save(out, r, res)


def run_mismatch(out):
    """Disagreeing calls raise the same clear error on every rank, and the world stays usable."""
    r, p = dist.get_rank(), dist.get_world_size()
    res = {}
    cases = {
        "shape": lambda: dist.all_reduce(mg.ones(3 + r)),
        "dtype": lambda: dist.all_reduce(mg.ones(3, dtype=mg.float64 if r else mg.float32)),
        "op": lambda: dist.all_reduce(mg.ones(3), op=dist.ReduceOp.MAX if r else dist.ReduceOp.SUM),
        "collective": lambda: dist.broadcast(mg.ones(3), src=0) if r else dist.all_reduce(mg.ones(3)),
        "model": lambda: DDP(nn.Linear(3, 2 + (r == p - 1)).double()),
    }
    for name, call in cases.items():
        try:
            call()
            res[name] = np.asarray("no error")
        except RuntimeError as e:
            res[name] = np.asarray(str(e))
    t = mg.ones(2)
    dist.all_reduce(t)                                  # still in step after the errors
    res["after"] = t.numpy()
    _save(out, r, res)


def run_fault(out):
    """Rank 1 raises in the middle of training; rank 0 checkpoints every step."""
    r, p = dist.get_rank(), dist.get_world_size()
    model = small_model()
    ddp = DDP(model)
    opt = OPTIMIZERS["sgd"](ddp.parameters())
    path = os.path.join(out, "checkpoint.npz")
    for step in range(50):
        x, y = batches()[step % STEPS]
        if r == 1 and step == 2:
            raise ValueError("injected failure on rank 1 at step 2")
        opt.zero_grad()
        F.cross_entropy(ddp(mg.tensor(shard(x, r, p))), mg.tensor(shard(y, r, p))).backward()
        opt.step()
        if r == 0:
            mg.save({"step": step, "model": model.state_dict()}, path)
    print(f"rank {r} finished", flush=True)


def run_timeout(out):
    """A rank that is late by more than the timeout: the waiting rank raises and aborts."""
    r = dist.get_rank()
    if r == 1:
        time.sleep(4)
    dist.all_reduce(mg.ones(2))
    print(f"rank {r} finished", flush=True)


def run_cuda(out):
    """On the fake CuPy: the collectives on cuda tensors, and DDP steps on a cuda model
    (backend from MINIGRAD_TEST_BACKEND: mpi stages through the host, nccl calls the stand-in)."""
    r, p = dist.get_rank(), dist.get_world_size()
    run_collectives(out, device="cuda")
    res = dict(np.load(os.path.join(out, f"rank{r}.npz")))
    _ddp_steps(res, r, p, device="cuda")
    _unused(res, r, device="cuda")
    _syncbn_steps(res, r, p, device="cuda")
    transport = dist._world.transport
    res["nccl_calls"] = np.asarray(sorted(set(getattr(transport, "communicator", None).calls))
                                   if dist.get_backend() == "nccl" else [])
    _save(out, r, res)


PROGRAMS = {"collectives": run_collectives, "equivalence": run_equivalence, "behaviour": run_behaviour,
            "mismatch": run_mismatch, "fault": run_fault, "timeout": run_timeout, "cuda": run_cuda}


def _save(out, rank, results):
    np.savez(os.path.join(out, f"rank{rank}.npz"), **results)


def _fake_cuda():
    """The fake CuPy (tests/fake_cupy) with the stand-in for cupy.cuda.nccl, before minigrad
    asks for CuPy."""
    from tests.distributed import fake_nccl
    from tests.fake_cupy import install
    fake_nccl.install(install())


def main(argv):
    name, out = argv
    timeout = datetime.timedelta(seconds=1) if name == "timeout" else None
    backend = "mpi"
    if name == "cuda":
        _fake_cuda()
        backend = os.environ["MINIGRAD_TEST_BACKEND"]
    dist.init_process_group(backend, timeout=timeout)
    PROGRAMS[name](out)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1:])
