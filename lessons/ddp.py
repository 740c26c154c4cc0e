"""Lesson: data-parallel training -- the same gradient from p processes, ring all-reduce, DDP.

Run it on 2 processes: ``mpiexec -n 2 python -m lessons.ddp`` (or ``minigrad lesson ddp --ranks
2``, which starts mpiexec itself); on one process it runs as a world of one. Parts, in reading
order:

1. ``same_gradient`` -- each rank computes the gradient of its 1/p of the batch; their average
                        (one all-reduce) is the gradient of the whole batch, to rounding;
2. ``ring``          -- ring all-reduce, simulated step by step for p ranks in NumPy: each rank
                        sends 2(p-1)/p of the data, however many ranks there are;
3. ``step_time``     -- one DDP training step on this world: its median time, the time without
                        communication (no_sync), the all-reduce alone, and the effect of the
                        bucket size (one bucket per parameter ... one bucket for all);
4. ``scaling``       -- started on ONE process, it runs ``step_time`` with mpiexec on 1, 2 and 4
                        ranks and writes the scaling table (ranks beyond the cores are marked
                        oversubscribed);
5. ``digits``        -- the mlp lesson's digits MLP trained with DistributedDataParallel and a
                        DistributedSampler; on 2 ranks it reaches the accuracy of 1 rank; rank 0
                        alone writes the checkpoint, atomically.

Only rank 0 prints, plots and writes metrics.json; every rank computes.
"""
# %%
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.utils.data import DataLoader, DistributedSampler, TensorDataset
from minigrad.nn.parallel import DistributedDataParallel as DDP
from minigrad.utils import progress_bar
from minigrad.utils.lesson import LessonError, lesson_main

from lessons.common import (as_tensors, classification_accuracy, digits_split, parameters_check, pyplot,
                            save_figure)
from lessons.mlp import mlp

NAME = "ddp"
SUMMARY = ("data parallelism on MPI: p ranks' averaged gradients equal the whole batch's, ring "
           "all-reduce's 2(p-1)/p cost, DDP step time, bucketing and scaling, the digits MLP on 2 ranks")
INSTALL_HINT = ("pip install \"minigrad[dist]\" (mpi4py and MPICH, whose wheel ships mpiexec), "
                "or start the ranks yourself: mpiexec -n N python -m lessons.ddp")


def rank0():
    return dist.get_rank() == 0


# %% [markdown]
# ## The setting
#
# `mpiexec -n p` starts p copies of this program: the ranks 0 .. p-1. Each calls
# `dist.init_process_group()` and then works on its own share of the data; they talk only
# through collectives, which every rank calls in the same order: `all_reduce` (every rank gets
# the sum, or the average, of every rank's tensor), `broadcast` (rank 0's tensor to all), ...
#
# ## The data
#
# The mlp lesson's: 1,437 training and 360 test digits (`lessons.common.digits_split`); each
# rank takes its own share of every batch.
#
# ## The model
#
# The mlp lesson's digits MLP (`lessons.mlp.mlp`), wrapped in `DistributedDataParallel`.
#
# ## The loss and the training loop
#
# Cross-entropy and Adam, as in the mlp lesson. `DistributedDataParallel` averages the gradients
# over the ranks inside `backward()`, so the training loop is the one-process loop (part 5).

# %% [markdown]
# ## Part 1: the same gradient
#
# The loss of a batch of B samples is the mean of the per-sample losses. Split the batch into p
# equal shards, one per rank:
#
#     L = 1/B sum_i l_i = 1/p sum_r (p/B sum_{i in shard r} l_i) = 1/p sum_r L_r.
#
# The gradient is linear, so grad L = 1/p sum_r grad L_r: each rank differentiates its own
# shard, and one all-reduce (the average over ranks) gives every rank the whole batch's
# gradient. `DistributedDataParallel` does exactly that inside `backward()`.

# %%
def shard(t, rank, size):
    """Rank ``rank``'s contiguous 1/size of the rows of ``t``."""
    n = t.shape[0] // size
    return t[rank * n:(rank + 1) * n]


def part_same_gradient(run):
    """The average of the ranks' shard gradients is the whole batch's gradient (float64)."""
    r, p = dist.get_rank(), dist.get_world_size()
    x_tr, y_tr, _, _ = digits_split()
    batch = 96                                     # divisible by 1, 2, 3 and 4 ranks
    x, y = as_tensors(x_tr[:batch].astype(np.float64), y_tr[:batch], device=run.device)
    mg.manual_seed(run.seed)
    model = mlp(hidden=32).double().to(run.device)

    # the whole batch on this rank: the reference
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    whole = [p_.grad.numpy().copy() for p_ in model.parameters()]

    # this rank's shard only, then the average over the ranks, by hand: one all_reduce each
    model.zero_grad()
    F.cross_entropy(model(shard(x, r, p)), shard(y, r, p)).backward()
    for param in model.parameters():
        dist.all_reduce(param.grad, op=dist.ReduceOp.AVG)
    by_hand = max(float(np.abs(param.grad.numpy() - w).max()) for param, w in zip(model.parameters(), whole))

    # the same with DistributedDataParallel: the averaging happens inside backward()
    ddp = DDP(model)
    model.zero_grad()
    F.cross_entropy(ddp(shard(x, r, p)), shard(y, r, p)).backward()
    with_ddp = max(float(np.abs(param.grad.numpy() - w).max()) for param, w in zip(model.parameters(), whole))
    print(f"   {p} rank(s), {batch // p} samples each: max |averaged gradient - whole-batch gradient| = "
          f"{by_hand:.2e} (all_reduce by hand), {with_ddp:.2e} (DistributedDataParallel), float64")
    return {"same_gradient_max_abs_diff": max(by_hand, with_ddp)}


# %% [markdown]
# ## Part 2: ring all-reduce
#
# Sending everything to rank 0 and the sum back makes rank 0 move 2(p-1)N numbers: it grows with
# p. The ring (Patarasuk & Yuan; what NCCL and MPI libraries use for large messages) cuts each
# rank's array into p chunks and passes chunks to the right-hand neighbour:
#
# - reduce-scatter, p-1 steps: rank r sends chunk (r - s) mod p and adds the chunk it receives;
#   afterwards rank r holds the complete sum of chunk (r + 1) mod p;
# - all-gather, p-1 steps: the complete chunks travel round the ring once more.
#
# Each step every rank sends N/p numbers: 2(p-1)N/p in all, below 2N for any p. With bandwidth
# b, the time is about 2(p-1)/p * N/b plus 2(p-1) latencies: nearly flat in p.

# %%
def ring_all_reduce(arrays):
    """Simulate ring all-reduce on ``arrays`` (one 1-d array per simulated rank). Returns the
    per-rank results and how many numbers each rank sent."""
    p = len(arrays)
    chunks = [np.array_split(a.astype(np.float64), p) for a in arrays]
    sent = np.zeros(p, dtype=np.int64)
    for s in range(p - 1):                                   # reduce-scatter
        outgoing = [(r, (r - s) % p, chunks[r][(r - s) % p].copy()) for r in range(p)]
        for r, c, data in outgoing:
            chunks[(r + 1) % p][c] += data
            sent[r] += data.size
    for s in range(p - 1):                                   # all-gather
        outgoing = [(r, (r + 1 - s) % p, chunks[r][(r + 1 - s) % p].copy()) for r in range(p)]
        for r, c, data in outgoing:
            chunks[(r + 1) % p][c] = data
            sent[r] += data.size
    return [np.concatenate(c) for c in chunks], sent


def part_ring(run):
    """Ring all-reduce simulated for 2 to 16 ranks: the sum everywhere, 2(p-1)/p N sent per rank."""
    n = 120_000                                    # divisible by every p below
    rows = []
    rng = np.random.default_rng(run.seed)
    worst = 0.0
    for p in (2, 3, 4, 8, 16):
        arrays = [rng.standard_normal(n) for _ in range(p)]
        results, sent = ring_all_reduce(arrays)
        total = np.sum(arrays, axis=0)
        worst = max(worst, max(float(np.abs(res - total).max()) for res in results))
        rows.append((p, int(sent.max()), 2 * (p - 1) * n / p, 2 * (p - 1) * n))
    print(f"   ring all-reduce of N = {n:,} numbers; every rank ends with the sum "
          f"(max error {worst:.1e}):")
    print("   ranks | numbers sent per rank (ring) | 2(p-1)/p N | via rank 0: rank 0 moves 2(p-1) N")
    for p, measured, model, naive in rows:
        print(f"   {p:>5} | {measured:>28,} | {model:>10,.0f} | {naive:>12,}")
    return {"ring_max_error": worst, "ring_sent_per_rank_over_n_16_ranks": rows[-1][1] / n}


# %% [markdown]
# ## Part 3: one DDP step on this world -- time, communication, buckets
#
# DDP overlaps communication with backward: gradients are grouped into buckets in reverse layer
# order, and a bucket's non-blocking all-reduce starts as soon as its last gradient is ready,
# while backward goes on with earlier layers. The part times a step with DDP's default buckets
# (25 MB), the same step with no communication at all (inside `no_sync()`), one all-reduce of
# all the gradients alone, and steps with one bucket per parameter and one bucket for all.
# The model is wider than the digits MLP, so that there is something to communicate
# (784-1024-1024-10: 1.9 million parameters, 7.5 MB of float32 gradients by default).

# %%
def step_model(width):
    return nn.Sequential(nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                         nn.Linear(width, 10))


def _median_step_ms(ddp, opt, x, y, steps, sync=True):
    """Median wall time of ``steps`` training steps (after one warm-up), ranks aligned first."""
    def one():
        opt.zero_grad()
        F.cross_entropy(ddp(x), y).backward()
        opt.step()
    context = ddp.no_sync() if not sync else contextlib.nullcontext()
    times = []
    with context:
        one()
        for _ in range(steps):
            dist.barrier()
            start = time.perf_counter()
            one()
            times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def part_step_time(run):
    """Median DDP step time on this world, without communication, the all-reduce alone, and
    by bucket size."""
    r, p = dist.get_rank(), dist.get_world_size()
    width = run.options.get("width") or 1024
    batch = run.options.get("batch") or 256
    steps = run.options.get("steps") or 20
    if batch % p:
        raise LessonError(f"--batch {batch} does not split evenly over {p} ranks")
    rng = np.random.default_rng(run.seed + r)
    x = mg.tensor(rng.standard_normal((batch // p, 784)).astype(np.float32), device=run.device)
    y = mg.tensor(rng.integers(0, 10, batch // p), device=run.device)
    mg.manual_seed(run.seed)
    model = step_model(width).to(run.device)
    n_params = sum(q.numel() for q in model.parameters())
    opt = optim.SGD(model.parameters(), lr=1e-3)

    metrics = {"world_size": p, "oversubscribed": p > (os.cpu_count() or 1), "params": n_params,
               "global_batch": batch}
    ddp = DDP(model)
    metrics["step_ms"] = _median_step_ms(ddp, opt, x, y, steps)
    metrics["step_ms_no_sync"] = _median_step_ms(ddp, opt, x, y, steps, sync=False)
    flat = mg.zeros(n_params, device=run.device)
    times = []
    for _ in range(steps):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(flat)
        times.append((time.perf_counter() - start) * 1e3)
    metrics["allreduce_ms"] = float(np.median(times))
    for cap in (0, 1, 25, 1000):
        bucketed = DDP(model, bucket_cap_mb=cap)
        metrics[f"step_ms_bucket_{cap}mb"] = _median_step_ms(bucketed, opt, x, y, steps)
        metrics[f"buckets_{cap}mb"] = len(bucketed._buckets)
    over = " (oversubscribed: more ranks than cores)" if metrics["oversubscribed"] else ""
    print(f"   {p} rank(s){over}, {n_params:,} parameters, global batch {batch} ({batch // p} per rank):")
    print(f"   step {metrics['step_ms']:.2f} ms; without communication (no_sync) "
          f"{metrics['step_ms_no_sync']:.2f} ms; one all-reduce of all gradients "
          f"{metrics['allreduce_ms']:.2f} ms")
    for cap in (0, 1, 25, 1000):
        print(f"   bucket_cap_mb={cap:<4}: {metrics[f'buckets_{cap}mb']:>2} buckets, step "
              f"{metrics[f'step_ms_bucket_{cap}mb']:.2f} ms")
    return metrics


# %% [markdown]
# ## Part 4: scaling over 1, 2 and 4 ranks
#
# Strong scaling: the global batch stays the same and each of p ranks computes 1/p of it, so
# the ideal step time falls as 1/p while the all-reduce stays (part 2: nearly flat in p). Ranks
# beyond the machine's cores share cores ("oversubscribed") and can only be slower. This part
# is started on one process and starts `mpiexec -n p ... --part step_time` for each p itself.

# %%
SCALING_COLUMNS = ["ranks", "per-rank batch", "step ms", "speedup", "efficiency",
                   "no_sync ms", "all-reduce ms", "1 bucket per parameter ms", "1 bucket ms"]


def part_scaling(run):
    """Runs step_time on 1, 2 and 4 ranks through mpiexec; writes the scaling table."""
    if dist.get_world_size() > 1:
        print("   scaling starts mpiexec itself: run it on one process "
              "(python -m lessons.ddp --part scaling); skipped here")
        return {}
    mpiexec = dist.find_mpiexec()
    if mpiexec is None:
        raise LessonError(f"part scaling needs mpiexec: {INSTALL_HINT}")
    ranks = [int(v) for v in str(run.options.get("scaling_ranks") or "1,2,4").split(",")]
    results = {}
    for p in ranks:
        out = os.path.join(run.out, f"scaling_ranks{p}")
        cmd = [mpiexec, "-n", str(p), sys.executable, "-m", "lessons.ddp", "--part", "step_time",
               "--out", out, "--seed", str(run.seed), "--device", run.device]
        for option in ("width", "batch", "steps"):
            if run.options.get(option):
                cmd += [f"--{option}", str(run.options[option])]
        print(f"   $ mpiexec -n {p} python -m lessons.ddp {' '.join(cmd[6:])}", flush=True)
        status = subprocess.call(cmd)
        if status != 0:
            raise LessonError(f"mpiexec -n {p} ... --part step_time failed with status {status}")
        with open(os.path.join(out, "metrics.json")) as f:
            results[p] = json.load(f)
    base = results[ranks[0]]["step_ms"]             # strong scaling: the same global batch
    rows = []
    for p in ranks:
        m = results[p]
        label = f"{p} (oversubscribed)" if m["oversubscribed"] else str(p)
        speedup = base / m["step_ms"]
        rows.append([label, m["global_batch"] // p, f"{m['step_ms']:.2f}", f"{speedup:.2f}x",
                     f"{speedup * ranks[0] / p:.0%}", f"{m['step_ms_no_sync']:.2f}",
                     f"{m['allreduce_ms']:.2f}", f"{m['step_ms_bucket_0mb']:.2f}",
                     f"{m['step_ms_bucket_1000mb']:.2f}"])
    first = results[ranks[0]]
    table = "\n".join(["| " + " | ".join(SCALING_COLUMNS) + " |", "|" + "---|" * len(SCALING_COLUMNS)]
                      + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])
    note = (f"MLP 784-{run.options.get('width') or 1024}-{run.options.get('width') or 1024}-10 "
            f"({first['params']:,} parameters, float32), global batch {first['global_batch']}, "
            f"SGD; {os.cpu_count()} cores; median of {run.options.get('steps') or 20} steps")
    print(table)
    print(f"   {note}")
    with open(run.path("scaling.md"), "w") as f:
        f.write(table + "\n\n" + note + "\n")
    _plot_scaling(run, ranks, results)
    return {f"scaling_step_ms_{p}": results[p]["step_ms"] for p in ranks}


def _plot_scaling(run, ranks, results):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ranks, [results[p]["step_ms"] for p in ranks], "o-", label="DDP step")
    ax.plot(ranks, [results[p]["step_ms_no_sync"] for p in ranks], "s--", label="no communication (no_sync)")
    ax.set(xlabel="ranks", ylabel="step time (ms)", xticks=ranks,
           title=f"strong scaling, global batch {results[ranks[0]]['global_batch']}")
    ax.legend()
    save_figure(fig, run, "scaling.png")


# %% [markdown]
# ## Part 5: the digits MLP on p ranks
#
# The global batch stays 32: each rank takes 32/p samples. `DistributedSampler` hands rank r
# every p-th index of the epoch's permutation, so the k-th batches of all ranks together are
# the k-th batch of one process visiting the same permutation with batch 32: the same
# training, up to rounding (and the epoch's padding when the training set does not split
# evenly). Rank 0 alone writes the checkpoint, with `mg.save`, which is atomic: a rank killed
# in the middle of a save leaves the previous checkpoint intact.

# %%
def part_digits(run):
    """The mlp lesson's digits MLP with DDP and a DistributedSampler, global batch 32."""
    r, p = dist.get_rank(), dist.get_world_size()
    global_batch = 32
    if global_batch % p:
        raise LessonError(f"the digits part splits a batch of {global_batch} evenly; {p} ranks do not")
    x_tr, y_tr, x_te, y_te = as_tensors(*digits_split(), device=run.device)
    mg.manual_seed(run.seed)                             # the same initial weights on every rank
    model = mlp(hidden=128).to(run.device)
    ddp = DDP(model)
    optimizer = optim.Adam(ddp.parameters(), lr=1e-3)
    train = TensorDataset(x_tr, y_tr)
    sampler = DistributedSampler(train, num_replicas=p, rank=r, shuffle=True, seed=run.seed)
    batches = DataLoader(train, batch_size=global_batch // p, sampler=sampler)
    checkpoint = run.path("ddp_digits.npz") if rank0() else None
    epochs = run.epochs_or(40)
    for epoch in progress_bar(range(epochs), desc=f"digits MLP, {p} rank(s)", unit="epoch"):
        sampler.set_epoch(epoch)                         # a new permutation, the same on every rank
        ddp.train()
        for xb, yb in batches:
            optimizer.zero_grad()
            F.cross_entropy(ddp(xb), yb).backward()      # gradients averaged over the ranks here
            optimizer.step()
        if checkpoint:                                   # rank 0 only; mg.save is atomic
            mg.save({"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict()},
                    checkpoint)
    acc = classification_accuracy(model, x_te, y_te)
    # every rank holds the same weights: compare with rank 0's
    flat = mg.cat([q.detach().reshape(-1) for q in model.parameters()])
    theirs = flat.clone()
    dist.broadcast(theirs, src=0)
    spread = mg.tensor([float((flat - theirs).abs().max().item())])
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    print(f"   {p} rank(s), batch {global_batch // p} per rank: digits test accuracy {acc:.4f}; "
          f"max weight difference between ranks {spread.item():.1e}")
    return {"digits_test_accuracy": acc, "digits_world_size": p,
            "digits_max_weight_diff_between_ranks": spread.item()}


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"same_gradient": part_same_gradient, "ring": part_ring, "step_time": part_step_time,
         "scaling": part_scaling, "digits": part_digits}


def tiny_model_check(device="cpu"):
    """Gradcheck a tiny MLP wrapped in DistributedDataParallel (a world of one when no group
    exists) over every parameter, float64, on ``device``."""
    started = not dist.is_initialized()
    if started:
        dist.init_process_group()
    try:
        mg.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3)).double().to(device)
        ddp = DDP(model)
        x = mg.randn(4, 6, dtype=mg.float64).to(device)
        y = mg.tensor([0, 1, 2, 1], device=device)
        return parameters_check(lambda: F.cross_entropy(ddp(x), y), model)
    finally:
        if started:
            dist.destroy_process_group()


def add_options(parser):
    parser.add_argument("--ranks", type=int, default=None,
                        help="start this many processes with mpiexec (installed with "
                             "pip install 'minigrad[dist]')")
    parser.add_argument("--width", type=int, default=None, help="step_time: hidden width (1024)")
    parser.add_argument("--batch", type=int, default=None, help="step_time: global batch (256)")
    parser.add_argument("--steps", type=int, default=None, help="step_time: timed steps (20)")
    parser.add_argument("--scaling-ranks", default=None, help="scaling: rank counts (1,2,4)")


def _pop_ranks(argv):
    """``--ranks N`` (or ``--ranks=N``) taken out of ``argv``: (N or None, the rest)."""
    rest, ranks, i = [], None, 0
    while i < len(argv):
        a = argv[i]
        if a == "--ranks" and i + 1 < len(argv):
            ranks, i = argv[i + 1], i + 2
            continue
        if a.startswith("--ranks="):
            ranks = a.split("=", 1)[1]
        else:
            rest.append(a)
        i += 1
    if ranks is not None and (not ranks.isdigit() or int(ranks) < 1):
        raise LessonError(f"--ranks must be a positive integer, got {ranks!r}")
    return (None if ranks is None else int(ranks)), rest


def launch(ranks, argv):
    """Run this lesson on ``ranks`` processes: ``mpiexec -n ranks python -m lessons.ddp ARGV``."""
    import importlib.util
    mpiexec = dist.find_mpiexec()
    if mpiexec is None or importlib.util.find_spec("mpi4py") is None:
        missing = "mpiexec" if mpiexec is None else "mpi4py"
        raise LessonError(f"--ranks {ranks} needs {missing}, which is not installed: {INSTALL_HINT}")
    cmd = [mpiexec, "-n", str(ranks), sys.executable, "-m", "lessons.ddp", *argv]
    print(f"$ mpiexec -n {ranks} python -m lessons.ddp {' '.join(argv)}", flush=True)
    return subprocess.call(cmd)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        ranks, argv = _pop_ranks(argv)
        launched = dist._launcher_world_size()
        if ranks is not None and ranks != launched:
            if launched > 1:
                raise LessonError(f"--ranks {ranks}, but mpiexec started {launched} ranks")
            if ranks > 1:
                return launch(ranks, argv)
    except LessonError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    dist.init_process_group()                # the launcher's world, or a world of one
    try:
        return lesson_main(NAME, PARTS, argv, extra=add_options, quiet=not rank0())
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
