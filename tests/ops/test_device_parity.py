"""Every op of the PyTorch-fidelity surface on the 'cuda' device (a GPU, or the strict fake
CuPy): the same values and gradients as on the CPU, results and gradients on the device."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.ops import activation as A

rng = np.random.default_rng(0)
X = rng.uniform(0.2, 0.9, (3, 4))
Y = rng.uniform(0.2, 0.9, (3, 4))
W = rng.uniform(0.1, 0.5, (4,))
IDX = np.array([[0, 2, 1, 0], [2, 2, 0, 1]])
COUNTS = np.array([1, 0, 2, 1])

# name -> (function of tensors, the arrays it takes; float arrays require grad)
OPS = {
    "activations": (lambda x: sum(f(x).sum() for f in (A.silu, A.mish, A.logsigmoid, A.selu, A.celu, A.softsign,
                                                      A.hardtanh, A.relu6, A.hardsigmoid, A.hardswish,
                                                      A.hardshrink, A.softshrink, A.tanhshrink,
                                                      lambda t: A.threshold(t, 0.5, 0.0),
                                                      lambda t: A.softmin(t, 1), lambda t: A.glu(t, 1))), [X]),
    "prelu": (lambda x, w: A.prelu(x.unsqueeze(0), w[:3]), [X, W]),
    "unary": (lambda x: sum(f(x).sum() for f in (mg.asin, mg.acos, mg.atan, mg.sinh, mg.cosh, mg.asinh,
                                                 mg.atanh, mg.exp2, mg.log2, mg.log10, mg.reciprocal, mg.frac,
                                                 mg.sign, mg.round, mg.logit, mg.nan_to_num, mg.deg2rad)), [X]),
    "acosh": (lambda x: mg.acosh(x + 1), [X]),
    "pointwise": (lambda a, b: sum(f(a, b).sum() for f in (mg.atan2, mg.hypot, mg.copysign, mg.logaddexp,
                                                           mg.logaddexp2, mg.remainder, mg.fmod, mg.xlogy,
                                                           lambda p, q: mg.lerp(p, q, 0.3),
                                                           lambda p, q: p % q)), [X, Y]),
    "scans": (lambda x: sum(f(x).sum() for f in (lambda t: t.cumsum(1), lambda t: t.cumprod(1),
                                                 lambda t: t.logcumsumexp(1), lambda t: t.cummax(0).values,
                                                 lambda t: t.cummin(1).values)), [X]),
    "sorting": (lambda x: sum(f(x).sum() for f in (lambda t: t.sort(1, descending=True).values,
                                                   lambda t: t.topk(2, 1).values, lambda t: t.kthvalue(2, 1).values,
                                                   lambda t: t.median(1).values, lambda t: t.median(),
                                                   lambda t: mg.quantile(t, mg.tensor([0.2, 0.7], device=t.device), 1),
                                                   lambda t: t.msort())), [X]),
    "einsum": (lambda a, b: mg.einsum("ij,kj->ik", a, b) + mg.einsum("ii->i", a[:, :3]).sum()
               + mg.tensordot(a, b, ([1], [1])), [X, Y]),
    "matrix": (lambda a, b: sum(f(a, b).sum() for f in (lambda p, q: mg.mm(p, q.T), lambda p, q: mg.outer(p[0], q[1]),
                                                        lambda p, q: mg.cross(p[:, :3], q[:, :3]), mg.kron,
                                                        lambda p, q: mg.diag_embed(p, 1), lambda p, q: mg.diag(p),
                                                        lambda p, q: mg.addmm(p[:, :3], p, q.T, beta=0.5),
                                                        lambda p, q: mg.inner(p, q))), [X, Y]),
    "scatter": (lambda x, y: sum(f(x, y).sum() for f in (
        lambda p, q: p.scatter(1, mg.tensor([[0, 2], [3, 1]], device=p.device), q[:2, :2]),
        lambda p, q: p.scatter_add(1, mg.tensor(IDX, device=p.device), q[:2]),
        *[lambda p, q, r=r, s=s: p.scatter_reduce(1, mg.tensor(IDX, device=p.device), q[:2], r, include_self=s)
          for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)])), [X, Y]),
    "index": (lambda x, y: sum(f(x, y).sum() for f in (
        lambda p, q: p.index_add(1, mg.tensor([0, 3], device=p.device), q[:, :2], alpha=2.0),
        lambda p, q: p.index_fill(1, mg.tensor([1], device=p.device), -1.0),
        lambda p, q: p.index_copy(1, mg.tensor([3, 0], device=p.device), q[:, :2]),
        lambda p, q: p.masked_select(q > 0.5), lambda p, q: p.take(mg.tensor([[0, 5]], device=p.device)),
        lambda p, q: mg.take_along_dim(p, mg.argsort(q, 1), 1))), [X, Y]),
    "replicate": (lambda x: sum(f(x).sum() for f in (
        lambda t: t.tile((2, 1)), lambda t: t.repeat_interleave(2, 0),
        lambda t: t.repeat_interleave(mg.tensor(COUNTS, device=t.device), 1), lambda t: t.unfold(1, 2, 1),
        lambda t: mg.meshgrid(t[0], t[1], indexing="xy")[0], lambda t: mg.cartesian_prod(t[0], t[1]))), [X]),
    "shape": (lambda x: sum(f(x).sum() for f in (
        lambda t: mg.pad(t, (-1, 2, 1, -1)), lambda t: t.narrow(1, 1, 2), lambda t: t.rot90(1, (0, 1)),
        lambda t: mg.hstack([t, t]), lambda t: mg.dstack([t, t]), lambda t: mg.column_stack([t[0], t[1]]))), [X]),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_on_the_device_equals_the_cpu(name, cuda_device):
    fn, arrays = OPS[name]
    results = {}
    for dev in ("cpu", cuda_device):
        xs = [mg.tensor(a, device=dev, requires_grad=a.dtype.kind == "f") for a in arrays]
        y = fn(*xs)
        y = y if y.ndim == 0 else y.sum()
        y.backward()
        assert y.device == xs[0].device
        grads = [x.grad for x in xs if x.requires_grad]
        assert all(g is None or g.device == xs[0].device for g in grads)
        results[dev] = (y.item(), [None if g is None else g.numpy(force=True) for g in grads])
    assert np.isclose(results["cpu"][0], results[cuda_device][0], rtol=1e-12)
    for a, b in zip(results["cpu"][1], results[cuda_device][1]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_non_differentiable_ops_on_the_device(cuda_device):
    x = mg.tensor(np.array([[3, 1, 2], [0, 2, 5]]), device=cuda_device)
    assert mg.nonzero(x).device == x.device and mg.nonzero(x, as_tuple=True)[0].device == x.device
    assert mg.unique(x).tolist() == [0, 1, 2, 3, 5] and mg.count_nonzero(x).item() == 5
    assert mg.searchsorted(mg.tensor([1, 3, 5], device=cuda_device), x).tolist() == [[1, 0, 1], [0, 1, 2]]
    assert mg.bucketize(x, mg.tensor([1, 3], device=cuda_device), right=True).device == x.device
    assert (x << 1).tolist() == [[6, 2, 4], [0, 4, 10]] and mg.isclose(x, x).all().item()
    assert x.argsort(1).tolist() == [[1, 2, 0], [0, 1, 2]] and mg.where(x > 2)[1].tolist() == [0, 2]
