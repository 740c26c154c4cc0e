"""gradcheck (float64, central differences) of every layer and loss over shapes drawn by
Hypothesis: size-1 and odd sizes, every reduction and option."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck, nudge_from_kinks

REDUCTIONS = st.sampled_from(["none", "mean", "sum"])
small = st.integers(1, 3)
seeds = st.integers(0, 2 ** 16)


def _t(rng, *shape, lo=None, hi=None):
    arr = rng.standard_normal(shape) if lo is None else rng.uniform(lo, hi, shape)
    return mg.tensor(arr, requires_grad=True)


@given(lead=st.lists(small, max_size=2), fin=small, fout=small, bias=st.booleans(), seed=seeds)
def test_linear(lead, fin, fout, bias, seed):
    rng = np.random.default_rng(seed)
    x, w = _t(rng, *lead, fin), _t(rng, fout, fin)
    b = _t(rng, fout) if bias else None
    assert gradcheck(lambda x, w, *b: F.linear(x, w, *b), (x, w) + ((b,) if bias else ()))


@given(lead=st.lists(small, max_size=2), in1=small, in2=small, fout=small, seed=seeds)
def test_bilinear(lead, in1, in2, fout, seed):
    rng = np.random.default_rng(seed)
    x1, x2, w, b = _t(rng, *lead, in1), _t(rng, *lead, in2), _t(rng, fout, in1, in2), _t(rng, fout)
    assert gradcheck(F.bilinear, (x1, x2, w, b))


@given(n=st.integers(2, 3), c=small, spatial=st.lists(small, max_size=2), training=st.booleans(),
       affine=st.booleans(), seed=seeds)
def test_batch_norm_train_and_eval(n, c, spatial, training, affine, seed):
    rng = np.random.default_rng(seed)
    x = _t(rng, n, c, *spatial)
    w, b = (_t(rng, c), _t(rng, c)) if affine else (None, None)
    rm = mg.tensor(rng.standard_normal(c))
    rv = mg.tensor(rng.uniform(0.5, 2, c))
    if training and x.numel() // c < 2:
        x = _t(rng, n, c, *spatial, 2)
    args = (x,) + ((w, b) if affine else ())

    def fn(x, *wb):
        # the running statistics are updated in train mode, but never read there
        return F.batch_norm(x, rm.clone(), rv.clone(), *(wb or (None, None)), training=training, eps=1e-3)
    assert gradcheck(fn, args)


@given(lead=st.lists(small, min_size=1, max_size=2), norm=st.lists(st.integers(2, 3), min_size=1, max_size=2),
       affine=st.booleans(), seed=seeds)
def test_layer_norm(lead, norm, affine, seed):
    rng = np.random.default_rng(seed)
    x = _t(rng, *lead, *norm)
    if affine:
        w, b = _t(rng, *norm), _t(rng, *norm)
        assert gradcheck(lambda x, w, b: F.layer_norm(x, norm, w, b, 1e-3), (x, w, b))
    else:
        assert gradcheck(lambda x: F.layer_norm(x, norm, eps=1e-3), (x,))


@given(n=small, groups=st.integers(1, 2), per_group=st.integers(1, 2), spatial=st.lists(st.integers(2, 3), max_size=1),
       seed=seeds)
def test_group_norm(n, groups, per_group, spatial, seed):
    rng = np.random.default_rng(seed)
    c = groups * per_group
    x = _t(rng, n, c, *spatial)
    if per_group * int(np.prod(spatial)) < 2:
        x = _t(rng, n, c, 2)
    w, b = _t(rng, c), _t(rng, c)
    assert gradcheck(lambda x, w, b: F.group_norm(x, groups, w, b, 1e-3), (x, w, b))


@given(num=st.integers(2, 5), dim=small, idx_shape=st.lists(small, min_size=1, max_size=2),
       padding=st.booleans(), seed=seeds)
def test_embedding(num, dim, idx_shape, padding, seed):
    rng = np.random.default_rng(seed)
    idx = mg.tensor(rng.integers(0, num, idx_shape))
    if not padding:
        assert gradcheck(lambda w: F.embedding(idx, w), (_t(rng, num, dim),))
        return
    # the padding row (0) gets no gradient by design, so it is a constant here; the others are checked
    pad_row = mg.tensor(rng.standard_normal((1, dim)))
    rest = _t(rng, num - 1, dim)
    assert gradcheck(lambda rest: F.embedding(idx, mg.cat([pad_row, rest]), padding_idx=0), (rest,))


@given(shape=st.lists(small, min_size=1, max_size=3), p=st.sampled_from([0.0, 0.3, 0.7]), seed=seeds)
def test_dropout_with_a_fixed_mask(shape, p, seed):
    x = _t(np.random.default_rng(seed), *shape)

    def fn(x):
        mg.manual_seed(seed)          # the same mask at every evaluation
        return F.dropout(x, p)
    assert gradcheck(fn, (x,))


@given(shape=st.lists(small, min_size=1, max_size=3), reduction=REDUCTIONS,
       loss=st.sampled_from(["mse", "l1", "smooth_l1", "smooth_l1_beta0", "huber"]), seed=seeds)
def test_regression_losses(shape, reduction, loss, seed):
    rng = np.random.default_rng(seed)
    x, y = _t(rng, *shape), _t(rng, *shape)
    with mg.no_grad():
        d = nudge_from_kinks(x.detach() - y.detach(), (0.0,), 0.05)
        x.data[...] = y.data + d.data
    fns = {"mse": F.mse_loss, "l1": F.l1_loss, "huber": lambda a, b, reduction: F.huber_loss(a, b, reduction, 0.7),
           "smooth_l1": lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.6),
           "smooth_l1_beta0": lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.0)}
    assert gradcheck(lambda a, b: fns[loss](a, b, reduction=reduction), (x, y))


@given(shape=st.lists(small, min_size=1, max_size=2), reduction=REDUCTIONS, weighted=st.booleans(), seed=seeds)
def test_binary_cross_entropy(shape, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    x, t = _t(rng, *shape, lo=0.05, hi=0.95), _t(rng, *shape, lo=0.0, hi=1.0)
    w = mg.tensor(rng.uniform(0.5, 2, shape[-1:])) if weighted else None
    assert gradcheck(lambda x, t: F.binary_cross_entropy(x, t, w, reduction=reduction), (x, t))


@given(shape=st.lists(small, min_size=1, max_size=2), reduction=REDUCTIONS, weighted=st.booleans(),
       pos=st.booleans(), seed=seeds)
def test_binary_cross_entropy_with_logits(shape, reduction, weighted, pos, seed):
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


@given(n=small, c=st.integers(2, 4), spatial=st.lists(small, max_size=1), reduction=REDUCTIONS,
       weighted=st.booleans(), smoothing=st.sampled_from([0.0, 0.25]), ignore=st.booleans(),
       unbatched=st.booleans(), seed=seeds)
def test_cross_entropy_and_nll_with_class_indices(n, c, spatial, reduction, weighted, smoothing, ignore, unbatched, seed):
    rng = np.random.default_rng(seed)
    x, t = _logits_and_class_indices(rng, n, c, spatial, ignore, unbatched)
    w = mg.tensor(rng.uniform(0.5, 2, c)) if weighted else None
    assert gradcheck(lambda x: F.cross_entropy(x, t, w, reduction=reduction, label_smoothing=smoothing), (x,))
    assert gradcheck(lambda x: F.nll_loss(x, t, w, reduction=reduction), (x,))


@given(n=small, c=st.integers(2, 4), spatial=st.lists(small, max_size=1), reduction=REDUCTIONS,
       ignore=st.booleans(), unbatched=st.booleans(), seed=seeds)
def test_fused_cross_entropy_equals_the_composite_and_is_twice_differentiable(
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


@given(n=small, c=st.integers(2, 4), reduction=REDUCTIONS, weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.25]), seed=seeds)
def test_cross_entropy_with_probabilities(n, c, reduction, weighted, smoothing, seed):
    rng = np.random.default_rng(seed)
    x, t = _t(rng, n, c), _t(rng, n, c, lo=0.0, hi=1.0)
    w = mg.tensor(rng.uniform(0.5, 2, c)) if weighted else None
    assert gradcheck(lambda x, t: F.cross_entropy(x, t, w, reduction=reduction, label_smoothing=smoothing), (x, t))


@given(shape=st.lists(small, min_size=1, max_size=3), reduction=st.sampled_from(["none", "mean", "sum", "batchmean"]),
       log_target=st.booleans(), seed=seeds)
def test_kl_div(shape, reduction, log_target, seed):
    rng = np.random.default_rng(seed)
    x = _t(rng, *shape)
    t = _t(rng, *shape) if log_target else _t(rng, *shape, lo=0.05, hi=1.0)
    assert gradcheck(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target), (x, t))


def test_small_model_through_modules():
    """A whole small model (every layer family, BN in train mode) passes gradcheck."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.GELU(), nn.Unflatten(1, (2, 2)),
                          nn.GroupNorm(1, 2), nn.Flatten(), nn.LayerNorm(4), nn.Tanh(), nn.Linear(4, 3),
                          nn.LogSoftmax(1)).double()
    x = mg.randn(5, 3, dtype=mg.float64, requires_grad=True)
    params = list(model.parameters())
    assert gradcheck(lambda x, *ps: F.nll_loss(model(x), mg.tensor([0, 1, 2, 1, 0])), (x, *params))


@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=3), last=st.booleans(), seed=seeds)
def test_fused_normalize_matches_its_composite_oracle(shape, last, seed):
    """The fused Normalize (used by batch/layer/group norm) equals the composite from
    primitives: values, gradients, and second derivatives (gradgradcheck)."""
    from minigrad.autograd import gradgradcheck
    from minigrad.nn.functional.layers import Normalize, _normalize_composite
    rng = np.random.default_rng(seed)
    x = _t(rng, *shape)
    dims = (x.ndim - 1,) if last else (0,) + tuple(range(2, x.ndim))
    if int(np.prod([shape[d] for d in dims])) < 2:
        return
    g = mg.tensor(rng.standard_normal(shape))
    fused, comp = Normalize.apply(x, dims, 1e-3), _normalize_composite(x, dims, 1e-3)
    np.testing.assert_allclose(fused.detach().numpy(), comp.detach().numpy(), rtol=1e-12, atol=1e-12)
    gf, = mg.autograd.grad(fused, x, g)
    gc, = mg.autograd.grad(comp, x, g)
    np.testing.assert_allclose(gf.numpy(), gc.numpy(), rtol=1e-9, atol=1e-12)
    assert gradgradcheck(lambda x: Normalize.apply(x, dims, 1e-3), (x,))
