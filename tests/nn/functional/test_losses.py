"""nn/functional/losses.py: every loss, every reduction and option, against PyTorch on the same
numbers (values and input gradients), gradcheck over Hypothesis shapes, and bad input."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck, nudge_from_kinks

try:
    import torch
    TF = torch.nn.functional
except ImportError:              # the comparisons with PyTorch skip; the other tests run
    torch = TF = None
with_torch = pytest.mark.skipif(torch is None, reason="needs PyTorch (an optional import)")

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


@with_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.7}),
                                         ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {"delta": 0.6}),
                                         ("huber_loss", {"delta": float("inf")})])
def test_regression_losses(name, kwargs, reduction):
    x, tx = _both(rng.standard_normal((4, 3)))
    y, ty = _both(rng.standard_normal((4, 3)))
    _compare(getattr(F, name)(x, y, reduction=reduction, **kwargs),
             getattr(TF, name)(tx, ty, reduction=reduction, **kwargs), [x, y], [tx, ty])


@with_torch
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


@with_torch
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


@with_torch
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


@with_torch
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


@with_torch
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


@with_torch
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


# ----------------------------------------------------------------------------- gradcheck (float64) over shapes drawn by Hypothesis: every reduction and option

SOME_REDUCTION = st.sampled_from(["none", "mean", "sum"])
small = st.integers(1, 3)
seeds = st.integers(0, 2 ** 16)


def _t(rng, *shape, lo=None, hi=None):
    arr = rng.standard_normal(shape) if lo is None else rng.uniform(lo, hi, shape)
    return mg.tensor(arr, requires_grad=True)


@given(shape=st.lists(small, min_size=1, max_size=3), reduction=SOME_REDUCTION,
       loss=st.sampled_from(["mse", "l1", "smooth_l1", "smooth_l1_beta0", "huber"]), seed=seeds)
def test_gradcheck_regression_losses(shape, reduction, loss, seed):
    rng = np.random.default_rng(seed)
    x, y = _t(rng, *shape), _t(rng, *shape)
    with mg.no_grad():
        d = nudge_from_kinks(x.detach() - y.detach(), (0.0,), 0.05)
        x.data[...] = y.data + d.data
    fns = {"mse": F.mse_loss, "l1": F.l1_loss, "huber": lambda a, b, reduction: F.huber_loss(a, b, reduction, 0.7),
           "smooth_l1": lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.6),
           "smooth_l1_beta0": lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.0)}
    assert gradcheck(lambda a, b: fns[loss](a, b, reduction=reduction), (x, y))


@given(shape=st.lists(small, min_size=1, max_size=2), reduction=SOME_REDUCTION, weighted=st.booleans(), seed=seeds)
def test_gradcheck_binary_cross_entropy(shape, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    x, t = _t(rng, *shape, lo=0.05, hi=0.95), _t(rng, *shape, lo=0.0, hi=1.0)
    w = mg.tensor(rng.uniform(0.5, 2, shape[-1:])) if weighted else None
    assert gradcheck(lambda x, t: F.binary_cross_entropy(x, t, w, reduction=reduction), (x, t))


@given(shape=st.lists(small, min_size=1, max_size=2), reduction=SOME_REDUCTION, weighted=st.booleans(),
       pos=st.booleans(), seed=seeds)
def test_gradcheck_binary_cross_entropy_with_logits(shape, reduction, weighted, pos, seed):
    rng = np.random.default_rng(seed)
    x, t = _t(rng, *shape), _t(rng, *shape, lo=0.0, hi=1.0)
    w = _t(rng, *shape[-1:], lo=0.5, hi=2) if weighted else None
    pw = _t(rng, *shape[-1:], lo=0.5, hi=3) if pos else None
    extra = tuple(v for v in (w, pw) if v is not None)

    def fn(x, t, *wp):
        it = iter(wp)
        return F.binary_cross_entropy_with_logits(x, t, next(it) if weighted else None, reduction=reduction,
                                                  pos_weight=next(it) if pos else None)
    assert gradcheck(fn, (x, t) + extra)


def _logits_and_class_indices(rng, n, c, spatial, ignore, unbatched):
    """Logits (c,) or (n, c, *spatial) and integer targets; with ``ignore`` the first target is
    -100 (ignored) when there is more than one."""
    shape, tshape = ((c,), ()) if unbatched else ((n, c, *spatial), (n, *spatial))
    x = _t(rng, *shape)
    t = rng.integers(0, c, tshape)
    if ignore and t.size > 1:
        t.reshape(-1)[0] = -100
    return x, mg.tensor(t)


@given(n=small, c=st.integers(2, 4), spatial=st.lists(small, max_size=1), reduction=SOME_REDUCTION,
       weighted=st.booleans(), smoothing=st.sampled_from([0.0, 0.25]), ignore=st.booleans(),
       unbatched=st.booleans(), seed=seeds)
def test_gradcheck_cross_entropy_and_nll_with_class_indices(n, c, spatial, reduction, weighted, smoothing, ignore, unbatched, seed):
    rng = np.random.default_rng(seed)
    x, t = _logits_and_class_indices(rng, n, c, spatial, ignore, unbatched)
    w = mg.tensor(rng.uniform(0.5, 2, c)) if weighted else None
    assert gradcheck(lambda x: F.cross_entropy(x, t, w, reduction=reduction, label_smoothing=smoothing), (x,))
    assert gradcheck(lambda x: F.nll_loss(x, t, w, reduction=reduction), (x,))


@given(n=small, c=st.integers(2, 4), spatial=st.lists(small, max_size=1), reduction=SOME_REDUCTION,
       ignore=st.booleans(), unbatched=st.booleans(), seed=seeds)
def test_gradcheck_fused_cross_entropy_equals_the_composite_and_is_twice_differentiable(
        n, c, spatial, reduction, ignore, unbatched, seed):
    """cross_entropy with class indices (no weight, no smoothing) is one fused node; it must give
    the composite nll_loss(log_softmax(x))'s values and gradients, and pass gradgradcheck."""
    rng = np.random.default_rng(seed)
    x, t = _logits_and_class_indices(rng, n, c, spatial, ignore, unbatched)
    class_dim = 0 if unbatched else 1
    fused = F.cross_entropy(x, t, reduction=reduction)
    assert fused.grad_fn.__class__.__name__ == "CrossEntropyIndices"
    composite = F.nll_loss(F.log_softmax(x, class_dim), t, reduction=reduction)
    np.testing.assert_allclose(fused.detach().numpy(), composite.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = mg.tensor(rng.normal(size=fused.shape))
    (gx_fused,) = mg.autograd.grad(fused, x, g)
    (gx_composite,) = mg.autograd.grad(composite, x, g)
    np.testing.assert_allclose(gx_fused.numpy(), gx_composite.numpy(), rtol=1e-10, atol=1e-12)
    assert gradgradcheck(lambda x: F.cross_entropy(x, t, reduction=reduction), (x,))


@given(n=small, c=st.integers(2, 4), reduction=SOME_REDUCTION, weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.25]), seed=seeds)
def test_gradcheck_cross_entropy_with_probabilities(n, c, reduction, weighted, smoothing, seed):
    rng = np.random.default_rng(seed)
    x, t = _t(rng, n, c), _t(rng, n, c, lo=0.0, hi=1.0)
    w = mg.tensor(rng.uniform(0.5, 2, c)) if weighted else None
    assert gradcheck(lambda x, t: F.cross_entropy(x, t, w, reduction=reduction, label_smoothing=smoothing), (x, t))


@given(shape=st.lists(small, min_size=1, max_size=3), reduction=st.sampled_from(["none", "mean", "sum", "batchmean"]),
       log_target=st.booleans(), seed=seeds)
def test_gradcheck_kl_div(shape, reduction, log_target, seed):
    rng = np.random.default_rng(seed)
    x = _t(rng, *shape)
    t = _t(rng, *shape) if log_target else _t(rng, *shape, lo=0.05, hi=1.0)
    assert gradcheck(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target), (x, t))


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_loss_with_mismatched_shapes_names_both(loss):
    with pytest.raises(ValueError, match=rf"{loss}: target shape \(3,\) differs from input shape \(3, 2\)"):
        getattr(F, loss)(mg.rand(3, 2), mg.rand(3))


@with_torch
def test_kl_div_broadcasts_input_and_target_as_pytorch():
    x, tx = _both(np.log(rng.dirichlet(np.ones(3), 1)))
    t, tt = _both(rng.dirichlet(np.ones(3), 4))
    for reduction in ("mean", "sum", "batchmean"):
        _compare(F.kl_div(x, t, reduction=reduction), TF.kl_div(tx, tt, reduction=reduction), [x, t], [tx, tt])
    with pytest.raises(RuntimeError, match=r"kl_div: target shape \(3,\) does not broadcast with input shape \(3, 2\)"):
        F.kl_div(mg.rand(3, 2), mg.rand(3))


@pytest.mark.parametrize("call, error, message", [
    (lambda x, t: F.smooth_l1_loss(x, t, beta="0.1"), TypeError, r"smooth_l1_loss: beta must be a number, got '0.1'"),
    (lambda x, t: F.smooth_l1_loss(x, t, beta=-1.0), ValueError, r"smooth_l1_loss: beta must be in \[0.0, inf\]"),
    (lambda x, t: F.huber_loss(x, t, delta=None), TypeError, r"huber_loss: delta must be a number, got None"),
    (lambda x, t: F.huber_loss(x, t, delta=0.0), ValueError, r"huber_loss: delta must be in \(0.0, inf\], got 0.0"),
    (lambda x, t: nn.HuberLoss(delta=None)(x, t), TypeError, r"^HuberLoss: delta must be a number, got None"),
    (lambda x, t: F.smooth_l1_loss(x, None), TypeError, r"smooth_l1_loss: target must be a Tensor, got NoneType"),
    (lambda x, t: F.cross_entropy(x, t.numpy()), TypeError, r"cross_entropy: target must be a Tensor, got ndarray"),
])
def test_loss_hyper_parameters_are_checked(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.rand(2, 3), mg.rand(2, 3))


def test_elementwise_mean_is_pytorchs_old_spelling_of_mean():
    x, t = mg.rand(2, 3), mg.rand(2, 3)
    assert F.huber_loss(x, t, reduction="elementwise_mean").item() == F.huber_loss(x, t).item()
    assert nn.MSELoss(reduction="elementwise_mean")(x, t).item() == F.mse_loss(x, t).item()
    logits, labels = mg.randn(4, 5), mg.tensor([0, 1, 2, 3])
    assert F.cross_entropy(logits, labels, reduction="elementwise_mean").item() == F.cross_entropy(logits, labels).item()


def test_cross_entropy_errors():
    x = mg.randn(4, 10)
    with pytest.raises(IndexError, match=r"cross_entropy: target class index 12 is out of range for 10 classes"):
        F.cross_entropy(x, mg.tensor([1, 12, 3, 0]))
    with pytest.raises(IndexError, match=r"nll_loss: target class index -2 is out of range for 10 classes"):
        F.nll_loss(x, mg.tensor([1, -2, 3, 0]))
    with pytest.raises(RuntimeError, match=r"input of shape \(4, 10\) .* must have shape \(4,\), got target shape \(4, 1\)"):
        F.cross_entropy(x, mg.tensor([[1], [2], [3], [0]]))
    with pytest.raises(RuntimeError, match=r"weight must have shape \(10,\)"):
        F.cross_entropy(x, mg.tensor([1, 2, 3, 0]), weight=mg.ones(3))
    with pytest.raises(RuntimeError, match=r"probability target must have the input's shape \(4, 10\)"):
        F.cross_entropy(x, mg.rand(4, 9))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.cross_entropy(x, mg.tensor([1, 2, 3, 0]), reduction="avg")
    with pytest.raises(TypeError, match=r"nll_loss: weight must be a Tensor, got float"):
        F.nll_loss(x, mg.tensor([1, 2, 3, 0]), weight=0.5)
    with pytest.raises(ValueError, match=r"cross_entropy: label_smoothing must not be NaN"):
        F.cross_entropy(x, mg.tensor([1, 2, 3, 0]), label_smoothing=float("nan"))
    with pytest.raises(TypeError, match=r"cross_entropy: label_smoothing must be a number, got '0.1'"):
        F.cross_entropy(x, mg.tensor([1, 2, 3, 0]), label_smoothing="0.1")
    # ignore_index positions may hold any value
    assert F.cross_entropy(x, mg.tensor([1, -100, 3, 0])).item() > 0


@pytest.mark.parametrize("call", [
    lambda x: F.cross_entropy(x, mg.tensor([-100, -100, -100])),
    lambda x: F.nll_loss(x, mg.tensor([1, 1, 1]), ignore_index=1),
    lambda x: F.cross_entropy(x, mg.tensor([2, 2, 2]), ignore_index=2, label_smoothing=0.1),
    lambda x: F.cross_entropy(x, mg.tensor([2, 2, 2]), weight=mg.ones(4), ignore_index=2),
])
def test_every_target_ignored_gives_nan_loss_and_zero_gradient(call):
    # PyTorch: the mean over no positions is nan, the gradient 0 (a step changes nothing)
    x = mg.randn(3, 4, requires_grad=True)
    loss = call(x)
    loss.backward()
    assert np.isnan(loss.item())
    assert np.array_equal(x.grad.numpy(), np.zeros((3, 4), np.float32))


@pytest.mark.parametrize("loss", ["smooth_l1_loss", "huber_loss"])
def test_smooth_l1_and_huber_with_an_inf_target_have_finite_gradients(loss):
    x = mg.zeros(3, requires_grad=True)
    getattr(F, loss)(x, mg.tensor([float("inf"), 0.0, 0.5])).backward()
    assert np.allclose(x.grad.numpy(), [-1 / 3, 0.0, -0.5 / 3])


def test_binary_cross_entropy_refuses_a_nan_probability():
    with pytest.raises(ValueError, match="binary_cross_entropy: all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([0.5, float("nan")]), mg.tensor([1.0, 0.0]))


def test_cross_entropy_refuses_ignore_index_with_probability_targets():
    with pytest.raises(ValueError, match="cross_entropy: ignore_index is not supported"):
        F.cross_entropy(mg.randn(3, 4), F.softmax(mg.randn(3, 4), -1), ignore_index=1)


@with_torch
def test_class_target_of_the_wrong_shape_raises_pytorchs_error_type():
    """A 2-D class-index target for (N, C) input, or one of the wrong size for (N, C, d):
    RuntimeError, as PyTorch (it was ValueError); for 1-D input PyTorch raises ValueError."""
    cases = [((2, 3), [[0, 1], [1, 2]]), ((2, 3, 4), [[0, 1], [1, 2]]), ((3,), [0, 1]), ((4, 10), [[1], [2], [3], [0]])]
    for shape, target in cases:
        for ours_fn, theirs_fn in [(F.cross_entropy, TF.cross_entropy), (F.nll_loss, TF.nll_loss)]:
            with pytest.raises(Exception) as theirs:
                theirs_fn(torch.zeros(shape), torch.tensor(target))
            with pytest.raises(Exception) as ours:
                ours_fn(mg.zeros(shape), mg.tensor(target))
            assert type(ours.value) is type(theirs.value), (shape, target, ours.value, theirs.value)


@pytest.mark.parametrize("op", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_the_regression_losses_broadcast_the_target_with_pytorchs_warning(op):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    with pytest.warns(UserWarning, match=rf"^{op}: using a target size \(3,\) that is different to the input size \(2, 3\)"):
        ours = getattr(F, op)(mg.tensor(x), mg.tensor(y))
    with pytest.warns(UserWarning):
        theirs = getattr(torch.nn.functional, op)(torch.tensor(x), torch.tensor(y))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-5)
    with pytest.raises(RuntimeError, match=rf"^{op}: target shape \(3, 2\) does not broadcast with input shape \(2, 3\)$"):
        getattr(F, op)(mg.ones(2, 3), mg.ones(3, 2))


def test_cross_entropy_smooths_only_with_a_positive_label_smoothing_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 3)).astype(np.float32), np.array([0, 2, 1, 1])
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t)).item()
    for eps in (-0.5, float("-inf")):
        assert F.cross_entropy(mg.tensor(x), mg.tensor(t), label_smoothing=eps).item() == pytest.approx(theirs, rel=1e-5)
    for eps in (1.5, float("inf")):
        with pytest.raises(RuntimeError, match=rf"^cross_entropy: label_smoothing must be between 0.0 and 1.0, got {eps}$"):
            F.cross_entropy(mg.tensor(x), mg.tensor(t), label_smoothing=eps)


def test_legacy_flags_are_read_by_their_truth_as_pytorch():
    x, t = mg.ones(4, 5), mg.tensor([0, 1, 2, 3])
    assert F.cross_entropy(x, t, reduce=0).shape == (4,)
    assert F.cross_entropy(x, t, size_average=0).item() == pytest.approx(4 * np.log(5), rel=1e-5)
    assert nn.L1Loss(reduce=0).reduction == "none" and nn.L1Loss(size_average=0, reduce=1).reduction == "sum"


def test_binary_cross_entropy_weights_must_be_tensors():
    p = mg.full((2, 3), 0.5)
    with pytest.raises(TypeError, match=r"^binary_cross_entropy: weight must be a Tensor, got float$"):
        F.binary_cross_entropy(p, p, weight=-1.0)
    with pytest.raises(TypeError, match=r"^binary_cross_entropy_with_logits: pos_weight must be a Tensor, got float$"):
        F.binary_cross_entropy_with_logits(p, p, pos_weight=1.0)


def test_kl_div_log_target_is_a_bool_as_pytorchs():
    x = mg.ones(2, 3)
    with pytest.raises(TypeError, match="^kl_div: log_target must be a bool, got None"):
        F.kl_div(x, x, log_target=None)
    with pytest.raises(TypeError, match="^KLDivLoss: log_target must be a bool, got 'yes'"):
        nn.KLDivLoss(log_target="yes")(x, x)


def test_class_targets_are_int64_and_bce_targets_probabilities_of_the_inputs_dtype_as_pytorch():
    logits = mg.ones(4, 5)
    for op in ("cross_entropy", "nll_loss"):
        with pytest.raises(RuntimeError, match=rf"^{op}: expected a class-index target of dtype int64 \(or uint8\), "
                                               r"as PyTorch, got int32"):
            getattr(F, op)(logits, mg.tensor([1, 2, 3, 4], dtype=mg.int32))
        with pytest.raises(TypeError, match=rf"^{op}: ignore_index must be an int, got None"):
            getattr(F, op)(logits, mg.tensor([1, 2, 3, 4]), ignore_index=None)
    assert F.nll_loss(logits, mg.tensor([1, 2, 3, 4], dtype=mg.uint8)).item() == -1.0
    p = mg.full((2, 3), 0.5)
    with pytest.raises(RuntimeError, match="^binary_cross_entropy: expected a target of the input's dtype float32, "
                                           "got float64"):
        F.binary_cross_entropy(p, p.double())
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: all elements of target should be between 0 and 1, "
                                         r"got values in \[2, 2\]$"):
        F.binary_cross_entropy(p, p * 4)
    with pytest.raises(ValueError, match="^BCELoss: all elements of target should be between 0 and 1"):
        nn.BCELoss()(p, p * float("nan"))


def test_kl_div_of_a_negative_target_is_nan_as_pytorchs():
    loss = F.kl_div(mg.zeros(3), mg.tensor([0.5, 0.0, -1.0]), reduction="none").numpy()
    assert np.isnan(loss[2]) and loss[1] == 0.0 and np.isclose(loss[0], 0.5 * np.log(0.5))


def test_losses_refuse_the_dtypes_pytorchs_refuse():
    x, i, b = mg.randn(2, 3), mg.ones(2, 3, dtype=mg.int32), mg.ones(2, 3, dtype=mg.bool)
    for call, message in [(lambda: F.l1_loss(b, x), r"l1_loss: a bool input or target is not supported"),
                          (lambda: nn.L1Loss()(x, b), r"L1Loss: a bool input or target is not supported"),
                          (lambda: F.huber_loss(i, x), r"huber_loss: result type float32 can't be cast to .* int32"),
                          (lambda: F.binary_cross_entropy_with_logits(x, i.long()),
                           r"binary_cross_entropy_with_logits: the target must be a floating point tensor .*int64"),
                          (lambda: nn.BCEWithLogitsLoss()(x, b), r"BCEWithLogitsLoss: the target must be a floating point"),
                          (lambda: F.kl_div(x, i.to(mg.uint8)), r"kl_div: integral inputs are not supported"),
                          (lambda: nn.KLDivLoss()(i.to(mg.uint8), x), r"KLDivLoss: integral inputs are not supported")]:
        with pytest.raises(RuntimeError, match=message):
            call()
    assert F.l1_loss(i, x).dtype == mg.float32 and F.huber_loss(x, i).dtype == mg.float32      # as PyTorch
