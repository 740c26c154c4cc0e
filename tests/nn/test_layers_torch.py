"""Layers with identical weights give PyTorch's outputs and gradients; parameter and buffer
names match PyTorch's state_dict keys."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

torch = pytest.importorskip("torch")


def _copy_weights(ours, theirs):
    """Load PyTorch's state into ours through load_state_dict (the keys must agree)."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


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


@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    ours, theirs = nn.Linear(5, 3, bias=bias).double(), torch.nn.Linear(5, 3, bias=bias).double()
    _copy_weights(ours, theirs)
    _run_both(ours, theirs, rng.standard_normal((4, 2, 5)))


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


def test_embedding_max_norm_renormalises_looked_up_rows_like_pytorch():
    w = rng.standard_normal((6, 3)) * 3
    ours = nn.Embedding.from_pretrained(mg.tensor(w), freeze=False, max_norm=1.5)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, max_norm=1.5)
    idx = np.array([[0, 2, 2], [5, 0, 1]])
    np.testing.assert_allclose(ours(mg.tensor(idx)).detach().numpy(), theirs(torch.tensor(idx)).detach().numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
    assert np.allclose(ours.weight.detach().numpy()[3], w[3])          # not looked up: untouched


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


def test_repr_matches_pytorch():
    ours = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3), nn.Dropout(0.2),
                         nn.Sequential(nn.LayerNorm(3), nn.Embedding(5, 3, padding_idx=0)), nn.GroupNorm(1, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.BatchNorm1d(3), torch.nn.Dropout(0.2),
                                 torch.nn.Sequential(torch.nn.LayerNorm(3), torch.nn.Embedding(5, 3, padding_idx=0)),
                                 torch.nn.GroupNorm(1, 3))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


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
