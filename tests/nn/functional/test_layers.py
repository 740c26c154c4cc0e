"""nn/functional/layers.py: linear, bilinear, dropout, the normalisations, embedding, one_hot,
cosine_similarity, pairwise_distance.

Against PyTorch (layers with identical weights give its outputs and gradients; parameter and
buffer names match its state_dict keys), gradcheck over Hypothesis shapes, and bad input."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.nn.functional.layers import Normalize, _normalize_composite
from tests.strategies import broadcast_pair, make, seeds

try:
    import torch
except ImportError:              # the comparisons with PyTorch skip; the other tests run
    torch = None
with_torch = pytest.mark.skipif(torch is None, reason="needs PyTorch (an optional import)")


def _copy_weights(ours, theirs):
    """Load PyTorch's state into ours through load_state_dict (the keys must agree)."""
    ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def _run_both(ours, theirs, x, atol=1e-10):
    xo = mg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-7)
    g = np.random.default_rng(3).standard_normal(tuple(yo.shape))
    yo.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), atol=atol, rtol=1e-7)
    named_t = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        if p.requires_grad:
            np.testing.assert_allclose(p.grad.numpy(), named_t[name].grad.numpy(), atol=atol, rtol=1e-7)
    for name, b in theirs.named_buffers():
        np.testing.assert_allclose(dict(ours.named_buffers())[name].numpy(), b.numpy(), atol=atol, rtol=1e-7)


rng = np.random.default_rng(0)


@with_torch
@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    ours, theirs = nn.Linear(5, 3, bias=bias).double(), torch.nn.Linear(5, 3, bias=bias).double()
    _copy_weights(ours, theirs)
    _run_both(ours, theirs, rng.standard_normal((4, 2, 5)))


@with_torch
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (3, 3, 4, 2))])
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine,track", [(True, True), (False, True), (True, False)])
def test_batchnorm_train_then_eval(cls, shape, momentum, affine, track):
    ours = getattr(nn, cls)(3, momentum=momentum, affine=affine, track_running_stats=track).double()
    theirs = getattr(torch.nn, cls)(3, momentum=momentum, affine=affine, track_running_stats=track).double()
    if affine:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-1, 1)
    _copy_weights(ours, theirs)
    for _ in range(3):                      # running stats over several batches
        _run_both(ours, theirs, rng.standard_normal(shape) * 2 + 1)
    if track:
        assert ours.num_batches_tracked.item() == 3 and ours.num_batches_tracked.dtype == mg.int64
        assert ours.num_batches_tracked.shape == ()
    ours.eval(), theirs.eval()
    ours.zero_grad(), theirs.zero_grad()
    _run_both(ours, theirs, rng.standard_normal(shape))


@with_torch
@pytest.mark.parametrize("shape,normalized,affine,bias", [((4, 6), (6,), True, True), ((2, 3, 4, 5), (4, 5), True, False),
                                                          ((3, 5), 5, False, True)])
def test_layernorm(shape, normalized, affine, bias):
    ours = nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias).double()
    theirs = torch.nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias).double()
    if affine:
        with torch.no_grad():
            for p in theirs.parameters():
                p.uniform_(-1, 1)
    _copy_weights(ours, theirs)
    _run_both(ours, theirs, rng.standard_normal(shape) * 3)


@with_torch
@pytest.mark.parametrize("shape,groups,affine", [((2, 6, 4), 3, True), ((3, 4, 2, 3), 2, True), ((2, 4), 4, False)])
def test_groupnorm(shape, groups, affine):
    ours = nn.GroupNorm(groups, shape[1], affine=affine).double()
    theirs = torch.nn.GroupNorm(groups, shape[1], affine=affine).double()
    if affine:
        with torch.no_grad():
            for p in theirs.parameters():
                p.uniform_(-1, 1)
    _copy_weights(ours, theirs)
    _run_both(ours, theirs, rng.standard_normal(shape))


@with_torch
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding(padding_idx):
    ours = nn.Embedding(7, 4, padding_idx=padding_idx).double()
    theirs = torch.nn.Embedding(7, 4, padding_idx=padding_idx).double()
    _copy_weights(ours, theirs)
    idx = rng.integers(0, 7, (3, 5))
    idx[0, :3] = [2, 6, 2]
    yo, yt = ours(mg.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy())
    g = rng.standard_normal(tuple(yo.shape))
    yo.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), atol=1e-12)
    if padding_idx is not None:
        assert (ours.weight.grad.numpy()[padding_idx] == 0).all()
        assert (ours.weight.detach().numpy()[padding_idx] == 0).all() or padding_idx is None


@with_torch
def test_embedding_max_norm_renormalises_looked_up_rows_like_pytorch():
    w = rng.standard_normal((6, 3)) * 3
    ours = nn.Embedding.from_pretrained(mg.tensor(w), freeze=False, max_norm=1.5)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, max_norm=1.5)
    idx = np.array([[0, 2, 2], [5, 0, 1]])
    np.testing.assert_allclose(ours(mg.tensor(idx)).detach().numpy(), theirs(torch.tensor(idx)).detach().numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
    assert np.allclose(ours.weight.detach().numpy()[3], w[3])          # not looked up: untouched


@with_torch
def test_activations_match_pytorch():
    x = rng.standard_normal((3, 4)) * 3
    pairs = [(nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)), (nn.ELU(0.7), torch.nn.ELU(0.7)),
             (nn.GELU(), torch.nn.GELU()), (nn.GELU("tanh"), torch.nn.GELU("tanh")), (nn.Sigmoid(), torch.nn.Sigmoid()),
             (nn.Tanh(), torch.nn.Tanh()), (nn.Softplus(2.0, 5.0), torch.nn.Softplus(2.0, 5.0)),
             (nn.Softmax(1), torch.nn.Softmax(1)), (nn.LogSoftmax(0), torch.nn.LogSoftmax(0)),
             (nn.Flatten(0), torch.nn.Flatten(0)), (nn.Identity(), torch.nn.Identity())]
    for ours, theirs in pairs:
        _run_both(ours, theirs, x)
    _run_both(nn.Unflatten(1, (2, 2)), torch.nn.Unflatten(1, (2, 2)), x)


@with_torch
def test_repr_matches_pytorch():
    ours = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Dropout(0.2),
                         nn.Sequential(nn.LayerNorm(3), nn.Embedding(5, 3, padding_idx=0)), nn.GroupNorm(1, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.BatchNorm1d(3), torch.nn.Dropout(0.2),
                                 torch.nn.Sequential(torch.nn.LayerNorm(3), torch.nn.Embedding(5, 3, padding_idx=0)),
                                 torch.nn.GroupNorm(1, 3))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


@with_torch
def test_bilinear():
    ours, theirs = nn.Bilinear(3, 4, 2).double(), torch.nn.Bilinear(3, 4, 2).double()
    _copy_weights(ours, theirs)
    assert repr(ours) == repr(theirs)
    x1, x2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    a1, a2 = mg.tensor(x1, requires_grad=True), mg.tensor(x2, requires_grad=True)
    b1, b2 = torch.tensor(x1, requires_grad=True), torch.tensor(x2, requires_grad=True)
    yo, yt = ours(a1, a2), theirs(b1, b2)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-10)
    yo.sum().backward(), yt.sum().backward()
    for a, b in [(a1, b1), (a2, b2), (ours.weight, theirs.weight), (ours.bias, theirs.bias)]:
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    bound = 1 / np.sqrt(300)
    w = nn.Bilinear(300, 2, 40).weight.detach().numpy()
    assert np.abs(w).max() <= bound * (1 + 1e-6) and np.abs(w).max() > 0.99 * bound


# ----------------------------------------------------------------------------- gradcheck (float64) over shapes drawn by Hypothesis

small = st.integers(1, 3)
seeds = st.integers(0, 2 ** 16)


def _t(rng, *shape, lo=None, hi=None):
    arr = rng.standard_normal(shape) if lo is None else rng.uniform(lo, hi, shape)
    return mg.tensor(arr, requires_grad=True)


@given(lead=st.lists(small, max_size=2), fin=small, fout=small, bias=st.booleans(), seed=seeds)
def test_gradcheck_linear(lead, fin, fout, bias, seed):
    rng = np.random.default_rng(seed)
    x, w = _t(rng, *lead, fin), _t(rng, fout, fin)
    b = _t(rng, fout) if bias else None
    assert gradcheck(lambda x, w, *b: F.linear(x, w, *b), (x, w) + ((b,) if bias else ()))


@given(lead=st.lists(small, max_size=2), in1=small, in2=small, fout=small, seed=seeds)
def test_gradcheck_bilinear(lead, in1, in2, fout, seed):
    rng = np.random.default_rng(seed)
    x1, x2, w, b = _t(rng, *lead, in1), _t(rng, *lead, in2), _t(rng, fout, in1, in2), _t(rng, fout)
    assert gradcheck(F.bilinear, (x1, x2, w, b))


@given(n=st.integers(2, 3), c=small, spatial=st.lists(small, max_size=2), training=st.booleans(),
       affine=st.booleans(), seed=seeds)
def test_gradcheck_batch_norm_train_and_eval(n, c, spatial, training, affine, seed):
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
def test_gradcheck_layer_norm(lead, norm, affine, seed):
    rng = np.random.default_rng(seed)
    x = _t(rng, *lead, *norm)
    if affine:
        w, b = _t(rng, *norm), _t(rng, *norm)
        assert gradcheck(lambda x, w, b: F.layer_norm(x, norm, w, b, 1e-3), (x, w, b))
    else:
        assert gradcheck(lambda x: F.layer_norm(x, norm, eps=1e-3), (x,))


@given(n=small, groups=st.integers(1, 2), per_group=st.integers(1, 2), spatial=st.lists(st.integers(2, 3), max_size=1),
       seed=seeds)
def test_gradcheck_group_norm(n, groups, per_group, spatial, seed):
    rng = np.random.default_rng(seed)
    c = groups * per_group
    x = _t(rng, n, c, *spatial)
    if per_group * int(np.prod(spatial)) < 2:
        x = _t(rng, n, c, 2)
    w, b = _t(rng, c), _t(rng, c)
    assert gradcheck(lambda x, w, b: F.group_norm(x, groups, w, b, 1e-3), (x, w, b))


@given(num=st.integers(2, 5), dim=small, idx_shape=st.lists(small, min_size=1, max_size=2),
       padding=st.booleans(), seed=seeds)
def test_gradcheck_embedding(num, dim, idx_shape, padding, seed):
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
def test_gradcheck_dropout_with_a_fixed_mask(shape, p, seed):
    x = _t(np.random.default_rng(seed), *shape)

    def fn(x):
        mg.manual_seed(seed)          # the same mask at every evaluation
        return F.dropout(x, p)
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize("kw,error,message", [
    (dict(p=1.5), ValueError, r"p must be in \[0.0, 1.0\], got 1.5"),
    (dict(p=-0.1), ValueError, r"p must be in \[0.0, 1.0\], got -0.1"),
    (dict(p="0.5"), TypeError, "p must be a number, got '0.5'"),
    (dict(training="yes"), TypeError, "training must be a bool, got 'yes'"),
    (dict(training=None), TypeError, "training must be a bool, got None")])
def test_dropout_checks_p_and_its_flags_as_pytorch(kw, error, message):
    with pytest.raises(error, match=rf"^dropout: {message}"):
        F.dropout(mg.ones(2, 3), **kw)


def test_dropout_refuses_an_integer_input_in_training_only_as_pytorch():
    x = mg.ones(2, 3, dtype=mg.int32)
    with pytest.raises(RuntimeError, match="^dropout: expected a floating point input in training, got int32"):
        F.dropout(x)
    with pytest.raises(RuntimeError, match="^Dropout: expected a floating point input"):
        nn.Dropout()(x)
    assert F.dropout(x, training=False) is x and F.dropout(x, 0.0) is x
    with pytest.raises(ValueError, match=r"^Dropout: p must be in \[0.0, 1.0\], got 2.0"):
        nn.Dropout(2.0)


def test_embedding_flags_are_bools_and_padding_idx_an_int_as_pytorchs():
    idx, weight = mg.tensor([1, 2]), mg.ones(4, 3)
    with pytest.raises(TypeError, match="^embedding: sparse must be a bool, got None"):
        F.embedding(idx, weight, sparse=None)
    with pytest.raises(TypeError, match=r"^Embedding: scale_grad_by_freq must be a bool, got 0 \(int\)"):
        nn.Embedding(4, 3, scale_grad_by_freq=0)(idx)
    with pytest.raises(TypeError, match=r"^embedding: padding_idx must be an int, got 1.5 \(float\)"):
        F.embedding(idx, weight, padding_idx=1.5)


def test_batch_norm_training_is_a_bool_and_eps_non_negative_as_pytorch():
    x, mean, var = mg.randn(3, 4), mg.zeros(4), mg.ones(4)
    with pytest.raises(TypeError, match=r"^batch_norm: training must be a bool, got 0 \(int\)"):
        F.batch_norm(x, mean, var, training=0)
    with pytest.raises(ValueError, match=r"^batch_norm: eps must be non-negative \(and positive in training\), "
                                         r"got -inf"):
        F.batch_norm(x, mean, var, eps=-float("inf"))
    with pytest.raises(ValueError, match="^BatchNorm1d: eps must be non-negative .* got 0.0"):
        nn.BatchNorm1d(4, eps=0.0)(x)
    assert F.batch_norm(x, mean, var, eps=0.0).shape == (3, 4)          # eps 0 is fine outside training
    with pytest.raises(TypeError, match="^batch_norm: momentum must be a number, got 1j"):
        F.batch_norm(x, mean, var, training=True, momentum=1j)
    with pytest.raises(RuntimeError, match="^batch_norm: is not differentiable with respect to running_var"):
        F.batch_norm(x, mean, mg.ones(4, requires_grad=True))                # as PyTorch's native_batch_norm
    with mg.no_grad():
        assert F.batch_norm(x, mean.requires_grad_(), var).shape == (3, 4)


def test_layer_norm_and_group_norm_check_eps_and_the_normalized_shape_as_pytorch():
    x = mg.randn(2, 4, 3)
    with pytest.raises(TypeError, match=r"^layer_norm: eps must be a number, got 1j \(complex\)"):
        F.layer_norm(x, (3,), eps=1j)
    with pytest.raises(TypeError, match=r"^group_norm: eps must be a number, got None"):
        F.group_norm(x, 2, eps=None)
    with pytest.raises(TypeError, match=r"^TransformerEncoderLayer: eps must be a number, got 1j"):
        nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, layer_norm_eps=1j)(mg.randn(3, 2, 4))
    with pytest.raises(RuntimeError, match=r"^LayerNorm: expected normalized_shape to have at least one element"):
        nn.LayerNorm(())(x)


@with_torch
@pytest.mark.parametrize("name, args, shape", [("BatchNorm1d", (4,), (3, 4)), ("GroupNorm", (2, 4), (2, 4, 3)),
                                               ("LayerNorm", (3,), (2, 4, 3))])
def test_normalization_layers_take_a_float16_input_with_float32_parameters_as_pytorch(name, args, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float16)
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    a, b = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    ya.float().sum().backward(), yb.float().sum().backward()
    assert ya.dtype == mg.float16 and a.grad.dtype == mg.float16 and ours.weight.grad.dtype == mg.float32
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), atol=1e-3)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-3)
    if name == "BatchNorm1d":
        assert ours.running_var.dtype == mg.float32
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="batch_norm: expected scalar type float16 but found float32"):
        F.batch_norm(mg.ones(3, 4), mg.zeros(4), mg.ones(4, dtype=mg.float16))     # the mix the other way round


def test_one_hot_takes_an_int64_index_tensor_as_pytorch():
    with pytest.raises(RuntimeError, match="^one_hot: is only applicable to an int64 index tensor, as PyTorch's, "
                                           "got int32"):
        F.one_hot(mg.tensor([1, 2], dtype=mg.int32))


def test_gradcheck_small_model_through_modules():
    """A whole small model (every layer family, BN in train mode) passes gradcheck."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.GELU(), nn.Unflatten(1, (2, 2)),
                          nn.GroupNorm(1, 2), nn.Flatten(), nn.LayerNorm(4), nn.Tanh(), nn.Linear(4, 3),
                          nn.LogSoftmax(1)).double()
    x = mg.randn(5, 3, dtype=mg.float64, requires_grad=True)
    params = list(model.parameters())
    assert gradcheck(lambda x, *ps: F.nll_loss(model(x), mg.tensor([0, 1, 2, 1, 0])), (x, *params))


@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=3), last=st.booleans(), seed=seeds)
def test_gradcheck_fused_normalize_matches_its_composite_oracle(shape, last, seed):
    """The fused Normalize (used by batch/layer/group norm) equals the composite from
    primitives: values, gradients, and second derivatives (gradgradcheck)."""
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


@with_torch
@pytest.mark.parametrize("scale", [1e20, 1e30, 1e38])
@pytest.mark.parametrize("name", ["layer_norm", "group_norm", "batch_norm", "LayerNorm", "GroupNorm",
                                  "BatchNorm1d"])
def test_normalizations_of_float32_values_whose_squares_overflow_give_float64s_answer(name, scale):
    """float32 values beyond sqrt(float max) (~1.8e19) normalise to what PyTorch's float64
    computation gives (values and gradients, to float32 rounding); their squares overflow in a
    plain float32 variance, which made the output the bias (PyTorch's float32 layer_norm and
    group_norm give NaN there, its batch_norm 0). A double backward stays finite too."""
    rng = np.random.default_rng(7)
    a = np.clip(rng.standard_normal((3, 4, 5)) * scale, -3e38, 3e38).astype(np.float32)
    g = rng.standard_normal(a.shape)
    weight, bias = np.linspace(0.5, 1.5, 4), np.linspace(-1, 1, 4)

    def run(lib, dtype):
        x = lib.tensor(a.astype(dtype), requires_grad=True)
        w = lib.tensor(weight.astype(dtype), requires_grad=True)
        b = lib.tensor(bias.astype(dtype), requires_grad=True)
        functional = F if lib is mg else torch.nn.functional
        if name == "layer_norm":
            y = functional.layer_norm(x.transpose(1, 2), (4,), w, b)
        elif name == "group_norm":
            y = functional.group_norm(x, 2, w, b)
        elif name == "batch_norm":
            y = functional.batch_norm(x, None, None, w, b, training=True)
        else:
            module = {"LayerNorm": lib.nn.LayerNorm(4), "GroupNorm": lib.nn.GroupNorm(2, 4),
                      "BatchNorm1d": lib.nn.BatchNorm1d(4)}[name].to(getattr(lib, str(np.dtype(dtype))))
            y = module(x.transpose(1, 2) if name == "LayerNorm" else x)
            w, b = module.weight, module.bias
        y.backward(lib.tensor(g.astype(dtype)).reshape(y.shape))
        return [t.detach().numpy() for t in (y, x.grad, w.grad, b.grad)]
    ours, exact = run(mg, np.float32), run(torch, np.float64)
    for o, e in zip(ours, exact):
        assert o.dtype == np.float32 and np.isfinite(o).all()
        np.testing.assert_allclose(o, e, rtol=2e-5, atol=2e-5 * np.abs(e).max())
    x = mg.tensor(a, requires_grad=True)
    y = Normalize.apply(x, (2,), 1e-5)
    gx, = mg.autograd.grad(y, x, mg.tensor(g.astype(np.float32)), create_graph=True)
    gg, = mg.autograd.grad((gx * gx).sum(), x)
    assert np.isfinite(gx.detach().numpy()).all() and np.isfinite(gg.numpy()).all()


def test_normalize_of_a_nan_or_inf_stays_nan_only_in_its_group():
    """A NaN or inf in a group makes that group's output NaN, the others untouched, also where
    another group's squares overflow and take the scaled path."""
    a = np.array([[1.0, 2.0, 3.0], [np.nan, 1.0, 2.0], [np.inf, 1.0, 2.0], [1e30, -1e30, 0.0]], np.float32)
    out = Normalize.apply(mg.tensor(a), (1,), 1e-5).numpy()
    assert np.isnan(out[1:3]).all()
    np.testing.assert_allclose(out[0], [-1.2247, 0.0, 1.2247], atol=1e-4)
    np.testing.assert_allclose(out[3], [1.2247, -1.2247, 0.0], atol=1e-4)


def test_layer_errors():
    with pytest.raises(RuntimeError, match=r"^Linear: input shape \(2, 5\) does not match weight shape \(3, 4\)"):
        nn.Linear(4, 3)(mg.randn(2, 5))
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input, got 2D input of shape \(2, 3\)"):
        nn.BatchNorm2d(3)(mg.randn(2, 3))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 3 channels in dim 1, got input of shape \(2, 4\)"):
        nn.BatchNorm1d(3)(mg.randn(2, 4))
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training, got input size \(1, 3\)"):
        nn.BatchNorm1d(3)(mg.randn(1, 3))
    with pytest.raises(RuntimeError, match=r"^LayerNorm: input shape \(2, 5\) does not end with normalized_shape \(4,\)"):
        nn.LayerNorm(4)(mg.randn(2, 5))
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(IndexError, match=r"^Embedding: index 7 is out of range for 5 rows"):
        nn.Embedding(5, 2)(mg.tensor([1, 7]))
    with pytest.raises(TypeError, match="^Embedding: indices must be an integer tensor"):
        nn.Embedding(5, 2)(mg.tensor([1.0]))
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))
    with pytest.raises(IndexError, match=r"one_hot: index 3 is out of range for 3 rows"):
        F.one_hot(mg.tensor([0, 3]), 3)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.bilinear(mg.ones(2, 3), mg.ones(2, 4), mg.ones(5, 3, 4), mg.ones(5, 2)), RuntimeError,
     r"bilinear: bias must have shape \(5,\) for weight shape \(5, 3, 4\), got \(5, 2\)"),
    (lambda: F.bilinear(mg.ones(2, 3), mg.ones(2, 4), mg.ones(5, 3, 4), mg.ones(1, 5)), RuntimeError,
     r"bilinear: bias must have shape \(5,\) .* got \(1, 5\)"),         # PyTorch refuses it too (no broadcast)
    (lambda: F.pad(mg.ones(2, 3), (1, 1), value=(0.5, 0.5)), TypeError, r"pad: value must be a real number, got \(0.5"),
    (lambda: F.pad(mg.ones(2, 3), (1, 1), value=1j), TypeError, r"pad: value must be a real number, got 1j"),
    (lambda: F.pad(mg.ones(2, 3), (1, 1), value=1e39), RuntimeError, r"pad: value 1e\+39 cannot be converted"),
    (lambda: F.normalize(mg.ones(2, 3), eps=(0.5, 0.5)), TypeError,
     r"normalize: eps must be a number, got \(0.5, 0.5\)"),
    (lambda: F.linear(2, mg.ones(3, 4)), TypeError, r"linear: input must be a Tensor, got int"),
    (lambda: nn.Linear(4, 3)(2), TypeError, r"^Linear: input must be a Tensor, got int"),
    (lambda: nn.Unflatten(1, 2), TypeError, r"Unflatten: unflattened_size must be a tuple of ints, got 2 \(int\)"),
    (lambda: nn.Unflatten(1, (2, 1.5)), TypeError, r"Unflatten: unflattened_size must be an int or a tuple of ints"),
    (lambda: nn.Linear("2", 3), TypeError, r"Linear: in_features must be an int, got '2'"),
    (lambda: nn.Linear(4, -1), ValueError, r"Linear: out_features must be at least 0, got -1"),
    (lambda: nn.Linear(4, 3, dtype=mg.int64), RuntimeError, r"Linear: only floating point"),
    (lambda: F.bilinear(mg.ones(2, 3), [1.0, 2.0], mg.ones(5, 3, 4)), TypeError, r"bilinear: input2 must be a Tensor"),
    (lambda: F.bilinear(mg.ones(2, 3), mg.ones(2, 4), mg.ones(())), RuntimeError, r"bilinear: weight must be 3-D"),
    (lambda: F.normalize(mg.ones(2, 3), dim=3), IndexError, r"normalize: dimension out of range"),
    (lambda: F.normalize(mg.ones(2, 3), p="nuc"), RuntimeError, r"normalize: p='nuc' needs dim to be a 2-tuple, got 1"),
    (lambda: F.normalize(mg.ones(2, 3), p="max"), ValueError, r"normalize: p must be a number, 'fro' or 'nuc'"),
    (lambda: F.embedding(mg.tensor([1]), mg.ones(3, 2), max_norm=1j), TypeError, r"embedding: max_norm must be a number"),
    (lambda: nn.PReLU(init="0.1"), TypeError, r"PReLU: init must be a number, got '0.1'"),
    (lambda: F.interpolate(mg.ones(1, 1, 2, 2), scale_factor=float("inf")), RuntimeError,
     r"interpolate: scale_factor inf makes an output size that cannot be converted to int64"),
    (lambda: F.normalize(mg.ones(2, 3, dtype=mg.bool)), RuntimeError, r"normalize: needs a floating point input, got bool"),
    (lambda: F.normalize(mg.ones(2, 3, dtype=mg.int64)), RuntimeError, r"normalize: needs a floating point input"),
])
def test_layer_arguments_are_checked_with_the_op_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_prelu_takes_an_int_init_as_a_float_slope_as_pytorch():
    prelu = nn.PReLU(init=0)
    assert prelu.weight.dtype == mg.float32 and prelu.weight.tolist() == [0.0]


def test_linear_checks_bias_shape_and_dtypes_naming_the_op():
    with pytest.raises(RuntimeError, match=r"linear: bias must have shape \(4,\)"):
        F.linear(mg.ones(2, 3), mg.ones(4, 3), mg.ones(5))
    with pytest.raises(RuntimeError, match="linear: expected scalar type float32 but found int64"):
        F.linear(mg.ones(2, 3, dtype=mg.int64), mg.ones(4, 3))
    assert F.linear(mg.ones(2, 3), mg.ones(4, 3), mg.ones(4)).tolist() == [[4.0] * 4] * 2
    for shape in ((1, 4), (2, 4), (2, 1), ()):                     # what broadcasts to the output, as PyTorch's
        assert F.linear(mg.ones(2, 3), mg.ones(4, 3), mg.ones(shape)).tolist() == [[4.0] * 4] * 2
    with pytest.raises(RuntimeError, match=r"linear: bias must have shape \(4,\) .* got \(4, 1\)"):
        F.linear(mg.ones(2, 3), mg.ones(4, 3), mg.ones(4, 1))


def test_layer_norm_and_group_norm_check_the_affine_shapes():
    with pytest.raises(RuntimeError, match="layer_norm: weight must have shape normalized_shape"):
        F.layer_norm(mg.ones(2, 3), (3,), weight=mg.ones(4))
    with pytest.raises(RuntimeError, match="group_norm: bias must have shape"):
        F.group_norm(mg.ones(2, 4, 3), 2, bias=mg.ones(3))
    with pytest.raises(ValueError, match="group_norm: num_groups must be at least 1"):
        F.group_norm(mg.ones(2, 4, 3), 0)


def test_empty_batches_as_pytorch():
    bn = nn.BatchNorm1d(3)
    x = mg.ones(0, 3, requires_grad=True)
    out = bn(x)
    out.sum().backward()
    assert tuple(out.shape) == (0, 3) and bn.running_mean.tolist() == [0.0] * 3
    assert bn.running_var.tolist() == [1.0] * 3 and bn.weight.grad.tolist() == [0.0] * 3
    assert tuple(nn.BatchNorm2d(3)(mg.ones(0, 3, 2, 2)).shape) == (0, 3, 2, 2)
    assert tuple(F.group_norm(mg.ones(0, 4, 3), 2, weight=mg.ones(4)).shape) == (0, 4, 3)
    assert tuple(nn.GroupNorm(2, 4)(mg.ones(2, 4, 0)).shape) == (2, 4, 0)      # empty groups
    emb = nn.Embedding(5, 3)
    emb(mg.tensor(np.zeros(0, np.int64))).sum().backward()
    assert np.array_equal(emb.weight.grad.numpy(), np.zeros((5, 3), np.float32))
    w = mg.ones(4, 3, requires_grad=True)
    mg.index_select(w, 0, mg.tensor(np.zeros(0, np.int64))).sum().backward()
    assert np.array_equal(w.grad.numpy(), np.zeros((4, 3), np.float32))


def test_batch_norm_of_an_empty_input_takes_any_channel_count_as_pytorch():
    """PyTorch checks no channels of an empty input: BatchNorm1d(4) of a (3, 0) input is an empty
    (3, 0) output, the running statistics untouched, the batch counted, a zero weight gradient
    (was refused: 'expected 4 channels'); only an empty weight or bias is refused (PyTorch reads
    weight[0] and bias[0])."""
    for training in (True, False):
        bn = nn.BatchNorm1d(4)
        bn.train(training)
        x = mg.ones(3, 0, requires_grad=True)
        out = bn(x)
        out.sum().backward()
        assert out.shape == (3, 0) and x.grad.shape == (3, 0)
        assert bn.running_mean.tolist() == [0.0] * 4 and bn.running_var.tolist() == [1.0] * 4
        assert bn.num_batches_tracked.item() == int(training) and bn.weight.grad.tolist() == [0.0] * 4
    assert F.batch_norm(mg.ones(3, 0, 5), mg.zeros(4), mg.ones(4), training=True).shape == (3, 0, 5)
    assert F.batch_norm(mg.ones(0, 4), mg.zeros(4), mg.ones(4), mg.ones(3), training=True).shape == (0, 4)
    with pytest.raises(IndexError, match=r"^batch_norm: index 0 out of range for the weight of shape \(0,\)"):
        F.batch_norm(mg.ones(0, 4), mg.zeros(4), mg.ones(4), mg.ones(0), mg.ones(4), training=True)
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected more than 1 value per channel .* \(1, 0\)"):
        nn.BatchNorm1d(4)(mg.ones(1, 0))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 4 channels in dim 1, got input of shape \(3, 2\)"):
        nn.BatchNorm1d(4)(mg.ones(3, 2))


def test_embedding_says_sparse_gradients_are_not_supported():
    with pytest.raises(NotImplementedError, match=r"^embedding: sparse=True and scale_grad_by_freq=True are not supported"):
        F.embedding(mg.tensor([0, 1]), mg.ones(3, 2), sparse=True)


@with_torch
@given(pair=broadcast_pair(max_dims=3), dim=st.integers(-1, 0), seed=seeds,
       eps=st.sampled_from([1e-8, 0.5]))
def test_cosine_similarity_matches_pytorch_and_gradchecks(pair, dim, seed, eps):
    """Broadcast shapes (size-1 and missing dims included); the norm's floor at eps is outside
    the graph, as PyTorch's."""
    from tests.torch_oracle import torch_check
    sa, sb = pair
    assume(max(len(sa), len(sb)) >= 1)
    a, b = make(sa, seed), make(sb, seed + 1)
    shape = np.broadcast_shapes(sa, sb)
    norms = [np.linalg.norm(np.broadcast_to(t.detach().numpy(), shape), axis=dim) for t in (a, b)]
    if min(n.min(initial=np.inf) for n in norms) > eps + 1e-3:      # below eps: PyTorch's gradient ignores the floor
        assert gradcheck(lambda u, v: F.cosine_similarity(u, v, dim, eps), (a, b))
    torch_check(lambda u, v: F.cosine_similarity(u, v, dim, eps),
                lambda u, v: torch.nn.functional.cosine_similarity(u, v, dim, eps),
                [a.detach().numpy().copy(), b.detach().numpy().copy()])
    # float32: a gradient that is 0 in exact arithmetic comes out as a few 1e-6 in either library
    torch_check(lambda u, v: nn.CosineSimilarity(dim, eps)(u, v), lambda u, v: torch.nn.CosineSimilarity(dim, eps)(u, v),
                [a.detach().numpy().astype(np.float32), b.detach().numpy().astype(np.float32)], atol=1e-5, rtol=1e-5)


@with_torch
@given(pair=broadcast_pair(max_dims=3), p=st.sampled_from([1.0, 2.0, 3.0]), keepdim=st.booleans(), seed=seeds)
def test_pairwise_distance_matches_pytorch_and_gradchecks(pair, p, keepdim, seed):
    from tests.torch_oracle import torch_check
    sa, sb = pair
    assume(max(len(sa), len(sb)) >= 1)
    a, b = make(sa, seed), make(sb, seed + 1)
    assert gradcheck(lambda u, v: F.pairwise_distance(u, v, p, keepdim=keepdim), (a, b))
    torch_check(lambda u, v: nn.PairwiseDistance(p, keepdim=keepdim)(u, v),
                lambda u, v: torch.nn.PairwiseDistance(p, keepdim=keepdim)(u, v),
                [a.detach().numpy().copy(), b.detach().numpy().copy()])


def test_cosine_similarity_by_hand_and_errors():
    a = mg.tensor([[1.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(F.cosine_similarity(a, mg.tensor([[0.0, 2.0]])).numpy(), [0.0, 2 ** -0.5])
    assert F.cosine_similarity(mg.zeros(1, 3), mg.ones(1, 3)).tolist() == [0.0]
    assert F.pairwise_distance(mg.tensor([[3.0, 0.0]]), mg.tensor([[0.0, 4.0]]), eps=0.0).tolist() == [5.0]
    with pytest.raises(RuntimeError, match="cosine_similarity: expected the common dtype .* floating point"):
        F.cosine_similarity(mg.tensor([1, 2]), mg.tensor([2, 1]), 0)


@with_torch
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 3), 2), ((5, 2, 9, 3, 2), 3), ((4, 2, 2), 2), ((2, 3, 4, 5), 1),
                                     ((0, 4, 3, 3), 2)])
def test_pixel_shuffle_and_unshuffle_match_pytorch(shape, r):
    """Any batch dims; values and gradients as PyTorch's, and each the other's inverse. (PyTorch's
    gradient of an empty batch has the wrong shape, and its pixel_unshuffle of one keeps the input's
    shape: those are compared on values and shapes of the shuffle only.)"""
    from tests.torch_oracle import torch_check
    a = np.random.default_rng(0).standard_normal(shape)
    nonempty = 0 not in shape
    torch_check(lambda x: F.pixel_shuffle(x, r), lambda x: torch.nn.functional.pixel_shuffle(x, r), [a], check_grad=nonempty)
    torch_check(lambda x: nn.PixelShuffle(r)(x), lambda x: torch.nn.PixelShuffle(r)(x), [a], check_grad=nonempty)
    b = F.pixel_shuffle(mg.tensor(a), r).numpy()
    if nonempty:
        torch_check(lambda x: F.pixel_unshuffle(x, r), lambda x: torch.nn.functional.pixel_unshuffle(x, r), [b])
        torch_check(lambda x: nn.PixelUnshuffle(r)(x), lambda x: torch.nn.PixelUnshuffle(r)(x), [b])
        x = mg.tensor(a, requires_grad=True)
        assert gradcheck(lambda t: F.pixel_shuffle(t, r), (x,))
        assert gradcheck(lambda t: F.pixel_unshuffle(t, r), (mg.tensor(b, requires_grad=True),))
    np.testing.assert_array_equal(F.pixel_unshuffle(mg.tensor(b), r).numpy(), a)
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))


def test_pixel_shuffle_errors_name_the_op_and_values():
    with pytest.raises(RuntimeError, match=r"pixel_shuffle: the channel dimension 7 .* divisible by upscale_factor\*\*2 = 4"):
        F.pixel_shuffle(mg.ones(2, 7, 3, 3), 2)
    with pytest.raises(RuntimeError, match=r"pixel_shuffle: expects input to have at least 3 dimensions.*\(8, 3\)"):
        F.pixel_shuffle(mg.ones(8, 3), 2)
    with pytest.raises(RuntimeError, match="pixel_unshuffle: expects a positive downscale_factor, but got 0"):
        F.pixel_unshuffle(mg.ones(1, 1, 4, 4), 0)
    with pytest.raises(RuntimeError, match=r"pixel_unshuffle: the height 3 and width 3 .* divisible by downscale_factor = 2"):
        F.pixel_unshuffle(mg.ones(2, 1, 3, 3), 2)
