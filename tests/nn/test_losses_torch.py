"""Every loss, every reduction and option, against PyTorch on the same numbers (values and
input gradients)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

pytestmark = pytest.mark.filterwarnings("ignore:reduction. .mean. divides:UserWarning")
REDUCTIONS = ["none", "mean", "sum"]


def _both(arr, requires_grad=True):
    return (mg.tensor(arr, requires_grad=requires_grad),
            torch.tensor(arr, requires_grad=requires_grad))


def _compare(ours, theirs, inputs_ours, inputs_theirs, atol=1e-10):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=atol, rtol=1e-7)
    seed = np.random.default_rng(1).standard_normal(tuple(ours.shape))
    ours.backward(mg.tensor(seed))
    theirs.backward(torch.tensor(seed))
    for a, b in zip(inputs_ours, inputs_theirs):
        ga, gb = a.grad.numpy(), b.grad.numpy()
        known = np.isfinite(gb)      # PyTorch's d/dtarget is nan/inf at target 0 (kl_div)
        assert np.isfinite(ga).all()
        np.testing.assert_allclose(ga[known], gb[known], atol=atol, rtol=1e-7)


rng = np.random.default_rng(0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.7}),
                                         ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {"delta": 0.6})])
def test_regression_losses(name, kwargs, reduction):
    x, tx = _both(rng.standard_normal((4, 3)))
    y, ty = _both(rng.standard_normal((4, 3)))
    _compare(getattr(F, name)(x, y, reduction=reduction, **kwargs),
             getattr(TF, name)(tx, ty, reduction=reduction, **kwargs), [x, y], [tx, ty])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weight", [False, True])
def test_binary_cross_entropy(reduction, with_weight):
    p = rng.uniform(0.05, 0.95, (5, 2))
    p[0, 0], p[1, 1] = 0.0, 1.0                       # the -100 clamp of log(0)
    x, tx = _both(p)
    y, ty = _both(rng.uniform(0, 1, (5, 2)))
    w = rng.uniform(0.5, 2, (2,)) if with_weight else None
    ours = F.binary_cross_entropy(x, y, None if w is None else mg.tensor(w), reduction=reduction)
    theirs = TF.binary_cross_entropy(tx, ty, None if w is None else torch.tensor(w), reduction=reduction)
    _compare(ours, theirs, [x], [tx])
    # d/dtarget: PyTorch's is inf where the log is clamped; ours uses the clamped logs there
    g_ours, g_theirs = y.grad.numpy(), ty.grad.numpy()
    finite = np.isfinite(g_theirs)
    assert (~finite).sum() == 2
    np.testing.assert_allclose(g_ours[finite], g_theirs[finite], rtol=1e-7)
    assert np.isfinite(g_ours).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weight,with_pos", [(False, False), (True, False), (False, True), (True, True)])
def test_bce_with_logits(reduction, with_weight, with_pos):
    x, tx = _both(rng.standard_normal((4, 3)) * 3)
    y, ty = _both(rng.uniform(0, 1, (4, 3)))
    w = rng.uniform(0.5, 2, (4, 1)) if with_weight else None
    pw = rng.uniform(0.5, 3, (3,)) if with_pos else None
    ours = F.binary_cross_entropy_with_logits(x, y, None if w is None else mg.tensor(w), reduction=reduction,
                                              pos_weight=None if pw is None else mg.tensor(pw))
    theirs = TF.binary_cross_entropy_with_logits(tx, ty, None if w is None else torch.tensor(w), reduction=reduction,
                                                 pos_weight=None if pw is None else torch.tensor(pw))
    _compare(ours, theirs, [x, y], [tx, ty])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3), (4,)])
@pytest.mark.parametrize("with_weight", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_class_indices(reduction, shape, with_weight, label_smoothing, ignore):
    C = shape[0] if len(shape) == 1 else shape[1]
    x, tx = _both(rng.standard_normal(shape))
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = rng.integers(0, C, tshape)
    if ignore and t.ndim:
        t.reshape(-1)[::3] = 1                        # ignore_index=1: a real class, ignored
    w = rng.uniform(0.5, 2, (C,)) if with_weight else None
    kw = dict(reduction=reduction, label_smoothing=label_smoothing, ignore_index=1 if ignore else -100)
    ours = F.cross_entropy(x, mg.tensor(t), None if w is None else mg.tensor(w), **kw)
    theirs = TF.cross_entropy(tx, torch.tensor(t), None if w is None else torch.tensor(w), **kw)
    _compare(ours, theirs, [x], [tx])
    ours = F.nll_loss(F.log_softmax(x.detach().requires_grad_(), 0 if len(shape) == 1 else 1), mg.tensor(t),
                      None if w is None else mg.tensor(w), ignore_index=kw["ignore_index"], reduction=reduction)
    theirs = TF.nll_loss(TF.log_softmax(tx.detach(), 0 if len(shape) == 1 else 1), torch.tensor(t),
                         None if w is None else torch.tensor(w), ignore_index=kw["ignore_index"], reduction=reduction)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), atol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weight", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_probabilities(reduction, with_weight, label_smoothing):
    x, tx = _both(rng.standard_normal((5, 3, 2)))
    p = rng.uniform(0, 1, (5, 3, 2))
    p /= p.sum(1, keepdims=True)
    y, ty = _both(p)
    w = rng.uniform(0.5, 2, (3,)) if with_weight else None
    ours = F.cross_entropy(x, y, None if w is None else mg.tensor(w), reduction=reduction, label_smoothing=label_smoothing)
    theirs = TF.cross_entropy(tx, ty, None if w is None else torch.tensor(w), reduction=reduction,
                              label_smoothing=label_smoothing)
    _compare(ours, theirs, [x, y], [tx, ty])


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x, tx = _both(np.log(rng.dirichlet(np.ones(4), 3)))
    t = rng.dirichlet(np.ones(4), 3)
    t[0, 1] = 0.0                                     # 0 log 0 = 0
    if log_target:
        t = np.log(rng.dirichlet(np.ones(4), 3))
    y, ty = _both(t)
    _compare(F.kl_div(x, y, reduction=reduction, log_target=log_target),
             TF.kl_div(tx, ty, reduction=reduction, log_target=log_target), [x, y], [tx, ty])


def test_loss_modules_match_functional():
    x = mg.randn(4, 3, dtype=mg.float64)
    t = mg.tensor([0, 2, 1, 2])
    w = mg.tensor([1.0, 2.0, 0.5], dtype=mg.float64)
    crit = nn.CrossEntropyLoss(weight=w, reduction="sum", label_smoothing=0.1)
    assert crit(x, t).item() == F.cross_entropy(x, t, w, reduction="sum", label_smoothing=0.1).item()
    assert "weight" in dict(crit.named_buffers())
    y = mg.rand(4, 3, dtype=mg.float64)
    assert nn.MSELoss(reduction="none")(x, y).shape == (4, 3)
    assert nn.BCEWithLogitsLoss(pos_weight=mg.tensor([2.0], dtype=mg.float64))(x, y).item() == pytest.approx(
        F.binary_cross_entropy_with_logits(x, y, pos_weight=mg.tensor([2.0], dtype=mg.float64)).item())
    assert nn.KLDivLoss(reduction="batchmean")(F.log_softmax(x, 1), F.softmax(y, 1)).item() == pytest.approx(
        F.kl_div(F.log_softmax(x, 1), F.softmax(y, 1), reduction="batchmean").item())
    # the deprecated flags map onto reduction, as PyTorch
    assert nn.L1Loss(size_average=False).reduction == "sum"
    assert nn.L1Loss(reduce=False).reduction == "none"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huge_logits_give_finite_losses_and_gradients(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], dtype=dtype)
    x = mg.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([1, 1]))
    loss.backward()
    tx = torch.tensor(logits, requires_grad=True)
    TF.cross_entropy(tx, torch.tensor([1, 1])).backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-6)
    z = mg.tensor(logits, requires_grad=True)
    bce = F.binary_cross_entropy_with_logits(z, mg.tensor(np.array([[0, 1, 1], [1, 0, 0]], dtype=dtype)))
    bce.backward()
    assert np.isfinite(bce.item()) and np.isfinite(z.grad.numpy()).all()
    tz = torch.tensor(logits, requires_grad=True)
    tbce = TF.binary_cross_entropy_with_logits(tz, torch.tensor(np.array([[0, 1, 1], [1, 0, 0]], dtype=dtype)))
    tbce.backward()
    np.testing.assert_allclose(bce.item(), (4e4 + np.log(2) + 5 + np.log1p(np.exp(-5))) / 6, rtol=1e-6)
    np.testing.assert_allclose(bce.item(), tbce.item(), rtol=1e-6)
    np.testing.assert_allclose(z.grad.numpy(), tz.grad.numpy(), atol=1e-6)
