"""Data parallelism across processes: DistributedDataParallel and SyncBatchNorm.

Each of p processes (ranks, started by ``mpiexec -n p``) holds a whole copy of the model and
works on its own 1/p of every batch. The loss of the whole batch is the mean of the ranks'
losses, so its gradient is the mean of their gradients:

    grad L = 1/p * sum_r grad L_r          (L_r: the mean loss over rank r's share)

``DistributedDataParallel`` makes every parameter's ``.grad`` that average during
``backward()``; identical optimizer steps from identical starting weights then keep the copies
identical, step after step -- the same training as one process on the whole batch.

How the average is computed while backward is still running (PyTorch's design):

- the gradients are grouped into buckets of about ``bucket_cap_mb`` megabytes, in the reverse
  order of ``module.parameters()`` (roughly the order backward produces them);
- a post-accumulate hook on every parameter copies its finished gradient into its bucket; when
  a bucket is full (and every bucket before it has been started), a non-blocking all-reduce of
  the bucket starts, and runs while backward computes the gradients of earlier layers;
- when the last gradient arrives, every bucket is waited for, divided by p and copied back into
  the parameters' ``.grad`` -- all before ``backward()`` returns.

Buckets are started in the same order on every rank (MPI matches collectives by order).
MPI moves a non-blocking collective along only inside MPI calls, so every hook also asks the
oldest unfinished bucket whether it is done.
"""
from __future__ import annotations

import contextlib

import numpy as np

from .. import backend
from .. import distributed as dist
from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import Tensor
from .modules.module import Module
from .modules.normalization import _BatchNorm

__all__ = ["DistributedDataParallel", "SyncBatchNorm"]

DEFAULT_BUCKET_CAP_MB = 25          # PyTorch's default


class _Bucket:
    """Gradients of a few parameters of one dtype and device, all-reduced as one flat array."""

    def __init__(self, params, xp, dtype):
        self.params = params
        sizes = [p.numel() for p in params]
        ends = np.cumsum(sizes).tolist()
        self.slices = [slice(e - n, e) for n, e in zip(sizes, ends)]
        self.buffer = xp.zeros(ends[-1] if ends else 0, dtype=dtype)
        self.pending = len(params)
        self.work = None

    @property
    def nbytes(self):
        return int(self.buffer.nbytes)


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training across the ranks of the process group.

    At construction every rank checks that all ranks hold the same parameters (names, shapes,
    dtypes) and, with ``init_sync``, copies rank 0's parameters and buffers to every rank.
    During ``backward()`` of a loss computed through this wrapper, gradients are averaged over
    the ranks in buckets (see the module docstring). ``no_sync()`` turns the averaging off for
    the forward passes inside it: gradients then accumulate locally and are averaged by the
    first backward outside it (gradient accumulation). With ``broadcast_buffers`` (default),
    buffers (BatchNorm's running statistics) are copied from rank 0 at the start of each
    forward, as PyTorch does.

    Parameters that get no gradient in a backward: with ``find_unused_parameters=False``
    (default) the averaging cannot finish, and the next forward raises an error naming them;
    with ``find_unused_parameters=True`` the graph is walked after every forward, unused
    parameters contribute zeros, and a parameter unused on every rank keeps its ``.grad``.

    ``device_ids`` and ``output_device`` may be None or name the module's one device (one
    device per process); ``dim`` is accepted for PyTorch's signature and unused, as in
    PyTorch with one device per process. Only the default process group exists.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 init_sync=True, process_group=None, bucket_cap_mb=None, find_unused_parameters=False):
        super().__init__()
        world = dist._world_or_raise("DistributedDataParallel")
        if process_group is not None:
            raise ValueError("DistributedDataParallel: only the default process group "
                             "(process_group=None) is supported")
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got "
                            f"{type(module).__name__}")
        params = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        _check_devices(module, device_ids, output_device)
        cap = DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        if cap < 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be >= 0, got {bucket_cap_mb}")
        self.module = module
        self.dim, self.broadcast_buffers = dim, broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.bucket_cap_mb = cap
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self._world = world
        self._names = {id(p): n for n, p in params}
        buffers = [(n, b) for n, b in module.named_buffers()]
        _verify_same_everywhere(world, params, buffers)
        if init_sync and world.size > 1:
            _broadcast_coalesced(world, [p for _, p in params] + [b for _, b in buffers])
        self._buckets = _make_buckets([p for _, p in reversed(params)], int(cap * 2 ** 20))
        self._where = {}                               # id(param) -> (bucket, slot)
        for i, bucket in enumerate(self._buckets):
            for j, p in enumerate(bucket.params):
                self._where[id(p)] = (i, j)
        self._active = False                           # a synchronised backward is expected
        self._hooked = 0                               # gradients backward delivered so far
        self._next = 0                                 # the next bucket to start
        self._oldest = 0                               # the oldest bucket not known finished
        self._used_work = self._used = None
        self._hook_handles = [p.register_post_accumulate_grad_hook(self._on_gradient)
                              for _, p in params]

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs, **kwargs):
        sync_grads = grad_mode.is_grad_enabled() and self.require_backward_grad_sync
        if sync_grads:
            self.require_forward_param_sync = True
        self._check_previous_backward_finished()
        if self.require_forward_param_sync and self.broadcast_buffers and self._world.size > 1:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_coalesced(self._world, buffers)
        output = self.module(*inputs, **kwargs)
        if sync_grads:
            self._prepare_for_backward(output)
        else:
            self.require_forward_param_sync = False
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, forward passes leave gradient averaging off: ``.grad`` accumulates locally,
        and the first backward after a forward outside averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ------------------------------------------------------------------ the averaging
    def _check_previous_backward_finished(self):
        if not self._active:
            return
        if self._hooked == 0:               # a forward that had no backward (e.g. validation)
            for work in [self._used_work] + [b.work for b in self._buckets[:self._next]]:
                if work is not None:        # started on every rank alike: let them finish
                    work.wait()
            self._active = False
            return
        missing = [name for key, name in self._names.items() if not self._arrived[key]]
        raise RuntimeError(
            "DistributedDataParallel: expected to have finished reduction in the prior iteration "
            "before starting a new one: these parameters got no gradient in the last backward: "
            f"{', '.join(missing)}. Pass find_unused_parameters=True if some parameters are not "
            "used to compute the loss, and make sure every rank's loss depends on the same "
            "parameters.")

    def _prepare_for_backward(self, output):
        self._active, self._hooked, self._next, self._oldest = True, 0, 0, 0
        self._used_work = None
        self._arrived = {id(p): False for b in self._buckets for p in b.params}
        for b in self._buckets:
            b.pending, b.work = len(b.params), None
        if not self.find_unused_parameters:
            return
        reached = _leaves_reached(output)
        params = [p for b in self._buckets for p in b.params]
        self._used = np.array([id(p) in reached for p in params], dtype=np.int32)
        # started before any bucket, at the same point on every rank
        self._used_work = dist._all_reduce_array(self._world, self._used, dist.ReduceOp.MAX,
                                                 transport=self._world.host)
        for p in params:
            if id(p) not in reached:
                self._mark_ready(p)

    def _on_gradient(self, p):
        if self._active:
            self._hooked += 1
            self._mark_ready(p)

    def _mark_ready(self, p):
        i, j = self._where[id(p)]
        if self._arrived[id(p)]:
            raise RuntimeError(f"DistributedDataParallel: parameter {self._names[id(p)]} got a "
                               "second gradient in one backward (a second backward through the "
                               "same forward? use no_sync() to accumulate)")
        self._arrived[id(p)] = True
        bucket = self._buckets[i]
        slot = bucket.buffer[bucket.slices[j]]
        if p.grad is None:
            slot[...] = 0
        else:
            slot[...] = p.grad.data.reshape(-1)
        bucket.pending -= 1
        buckets = self._buckets
        while self._next < len(buckets) and buckets[self._next].pending == 0:
            b = buckets[self._next]
            b.work = dist._all_reduce_array(self._world, b.buffer, dist.ReduceOp.SUM)
            self._next += 1
        if self._next == len(buckets):
            self._finish()
            return
        while self._oldest < self._next and buckets[self._oldest].work.is_completed():
            self._oldest += 1

    def _finish(self):
        """Wait for every bucket; write the averages into ``.grad``."""
        used = None
        if self.find_unused_parameters:
            self._used_work.wait()
            used = iter(self._used.tolist())
        size = self._world.size
        for b in self._buckets:
            b.work.wait()
            b.buffer /= size
            for p, where in zip(b.params, b.slices):
                if used is not None and not next(used):
                    continue                   # unused on every rank: .grad stays as it was
                average = b.buffer[where].reshape(p.shape)
                if p.grad is None:
                    p.grad = Tensor._make(average.copy(), False, None, 0)
                else:
                    p.grad.data[...] = average
        self._active = False

    # ------------------------------------------------------------------ printing
    def extra_repr(self):
        sizes = ", ".join(_bytes(b.nbytes) for b in self._buckets)
        return (f"world_size={self._world.size}, {len(self._buckets)} buckets ({sizes}), "
                f"find_unused_parameters={self.find_unused_parameters}")


def _bytes(n):
    for unit, size in (("MB", 2 ** 20), ("kB", 2 ** 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def _check_devices(module, device_ids, output_device):
    devices = {p.device for p in module.parameters()}
    if device_ids is None and output_device is None:
        return
    if device_ids is not None and len(device_ids) != 1:
        raise ValueError(f"DistributedDataParallel: device_ids can only be None or contain a "
                         f"single element (one device per process), got {device_ids!r}")
    if devices == {backend.device("cpu")}:
        raise ValueError("DistributedDataParallel: device_ids and output_device must be None "
                         "for a module on the cpu")
    for d in list(device_ids or []) + ([output_device] if output_device is not None else []):
        dev = backend.device(f"cuda:{d}" if isinstance(d, int) else d)
        if dev not in devices:
            raise ValueError(f"DistributedDataParallel: device {d!r} is not the module's device "
                             f"({', '.join(sorted(map(str, devices)))})")


def _verify_same_everywhere(world, params, buffers):
    """Every rank holds parameters and buffers of the same names, shapes and dtypes."""
    if world.size == 1:
        return
    mine = [(n, tuple(t.shape), str(t.dtype)) for n, t in params + buffers]
    everyone = world.mpi_comm.allgather(mine)
    first = everyone[0]
    diffs = []
    for r, theirs in enumerate(everyone[1:], start=1):
        if len(theirs) != len(first):
            diffs.append(f"rank {r} has {len(theirs)} tensors, rank 0 has {len(first)}")
        diffs += [f"rank {r} has {b}, rank 0 has {a}" for a, b in zip(first, theirs) if a != b]
    if diffs:
        raise RuntimeError("DistributedDataParallel: the ranks hold different models (parameters "
                           "and buffers must agree in name, shape and dtype): " + "; ".join(diffs[:5]))


def _broadcast_coalesced(world, tensors):
    """Copy rank 0's values of ``tensors`` to every rank: one broadcast per dtype and device."""
    groups = {}
    for t in tensors:
        groups.setdefault((type(t.data), t.data.dtype), []).append(t)
    for group in groups.values():
        xp = backend.array_module(group[0].data)
        flat = xp.concatenate([t.data.reshape(-1) for t in group])
        dist._broadcast_array(world, flat, 0).wait()
        if world.rank != 0:
            start = 0
            for t in group:
                n = t.numel()
                t.data[...] = flat[start:start + n].reshape(t.shape)
                t._version.value += 1
                start += n


def _make_buckets(params, cap_bytes):
    """Consecutive parameters of one dtype and device, up to ``cap_bytes`` per bucket (a
    parameter larger than the cap gets a bucket of its own; a cap of 0: one per parameter)."""
    buckets, current, size = [], [], 0
    for p in params:
        key = (type(p.data), p.data.dtype)
        if current and ((type(current[0].data), current[0].data.dtype) != key
                        or size + p.data.nbytes > cap_bytes):
            buckets.append(current)
            current, size = [], 0
        current.append(p)
        size += p.data.nbytes
    if current:
        buckets.append(current)
    return [_Bucket(b, backend.array_module(b[0].data), b[0].data.dtype) for b in buckets]


def _leaves_reached(output):
    """ids of the leaf tensors the graph behind ``output`` (tensors, nested in lists, tuples
    and dicts) reaches: the parameters this forward used."""
    stack, nodes, leaves, seen = [output], [], set(), set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, Tensor):
            if obj.grad_fn is None:
                leaves.add(id(obj))
            else:
                nodes.append(obj.grad_fn)
        elif isinstance(obj, (list, tuple)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
    while nodes:                      # a node's inputs: None, a leaf, or (node, output_nr)
        node = nodes.pop()
        if node in seen:
            continue
        seen.add(node)
        for edge in node.inputs:
            if type(edge) is tuple:
                nodes.append(edge[0])
            elif edge is not None:
                leaves.add(id(edge))
    return leaves


# =============================================================================================
# SyncBatchNorm: batch statistics over the whole batch, across ranks
# =============================================================================================

def _global_statistics(x, dims):
    """Per-channel mean and biased variance of ``x`` (an array) over the values of every
    rank, and how many values that is: two all-reduces (sum and count, then the squared
    deviations from the global mean, which is more accurate than a sum of squares)."""
    xp = backend.array_module(x)
    local = x.size // x.shape[1]
    stats = xp.concatenate([x.sum(axis=dims).reshape(-1), xp.asarray([local], dtype=x.dtype)])
    _all_reduce_sum(stats)
    count = int(round(float(stats[-1])))
    if count <= 1:
        raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel when training, "
                         f"got {count} over all ranks (input of shape {tuple(x.shape)} here)")
    mean = stats[:-1] / count
    centred = x - mean.reshape(_channel_shape(x))
    var = (centred * centred).sum(axis=dims)
    _all_reduce_sum(var)
    return mean, var / count, count


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _all_reduce_sum(array):
    """Sum ``array`` over the ranks in place (checked: every rank passes the same shape)."""
    dist.all_reduce(Tensor._make(array, False, None, 0), dist.ReduceOp.SUM)


class _SyncNormalize(Function):
    """xhat = (x - mean) * invstd with the statistics of every rank's values (N of them);
    d/dx = invstd * (g - sum_all(g) / N - xhat * sum_all(g * xhat) / N), the two sums
    all-reduced over the ranks."""

    @staticmethod
    def forward(ctx, x, mean, invstd, count, dims):
        xhat = (x - mean) * invstd
        ctx.dims, ctx.count = dims, count
        ctx.save_for_backward(xhat, invstd)
        return xhat

    @staticmethod
    def backward(ctx, g):
        if grad_mode.is_grad_enabled():
            raise RuntimeError("SyncBatchNorm: double backward (create_graph=True) is not "
                               "supported: its gradient all-reduce is not differentiable")
        xhat, invstd = (t.data for t in ctx.saved_tensors)
        g = g.data
        xp = backend.array_module(g)
        sums = xp.stack([g.sum(axis=ctx.dims), (g * xhat).sum(axis=ctx.dims)])
        _all_reduce_sum(sums)
        shape = _channel_shape(g)
        mean_g = (sums[0] / ctx.count).reshape(shape)
        mean_gx = (sums[1] / ctx.count).reshape(shape)
        dx = invstd * (g - mean_g - xhat * mean_gx)
        return Tensor._make(dx, False, None, 0), None, None, None, None


class SyncBatchNorm(_BatchNorm):
    """BatchNorm whose training statistics are those of the whole batch across all ranks:
    mean and variance are all-reduced in forward, and the two sums the input gradient needs
    are all-reduced in backward. On one process, in eval mode or before
    ``init_process_group`` it is ordinary BatchNorm. First-order gradients only."""

    _expected_dims = (2, 3, 4, 5)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        if process_group is not None:
            raise ValueError("SyncBatchNorm: only the default process group (process_group=None) "
                             "is supported")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input):
        if not (self.training and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(input)
        return self._forward_synchronised(input)

    def _forward_synchronised(self, input):
        """Training-mode forward with the statistics of every rank's batch."""
        self._check_input(input)
        factor = self._momentum_factor()
        dims = (0,) + tuple(range(2, input.ndim))
        mean, var, count = _global_statistics(input.data, dims)
        xp = backend.array_module(input.data)
        invstd = 1 / xp.sqrt(var + self.eps)
        shape = _channel_shape(input.data)
        xhat = _SyncNormalize.apply(input, mean.reshape(shape), invstd.reshape(shape), count, dims)
        if self.track_running_stats:
            with grad_mode.no_grad():
                self.running_mean.mul_(1 - factor).add_(Tensor(mean * factor))
                self.running_var.mul_(1 - factor).add_(Tensor(var * (factor * count / (count - 1))))
        out = xhat
        if self.weight is not None:
            out = out * self.weight.reshape(shape)
        if self.bias is not None:
            out = out + self.bias.reshape(shape)
        return out

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm*d replaced by a SyncBatchNorm holding the same
        parameters and buffers (the module itself if it is one)."""
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            sync = cls(module.num_features, module.eps, module.momentum, module.affine,
                       module.track_running_stats, process_group, bias=module.use_bias)
            for name in ("weight", "bias"):
                if getattr(module, name) is not None:
                    setattr(sync, name, getattr(module, name))
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                sync.register_buffer(name, getattr(module, name))
            sync.train(module.training)
            return sync
        for name, child in list(module._modules.items()):
            if child is not None:
                module._modules[name] = cls.convert_sync_batchnorm(child, process_group)
        return module
