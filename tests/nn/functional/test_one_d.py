"""The 1-D pooling and transposed convolution (F and nn forms): values, gradients, indices and
shapes equal PyTorch's; gradcheck and gradgradcheck in float64; size-1 and unbatched input."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck

CASES = [
    ("max_pool1d", [(2, 3, 9)], dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool1d", [(2, 3, 9)], dict(kernel_size=2, dilation=2, ceil_mode=True)),
    ("max_pool1d", [(3, 1)], dict(kernel_size=1)),
    ("avg_pool1d", [(2, 3, 9)], dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ("avg_pool1d", [(2, 3, 8)], dict(kernel_size=3, ceil_mode=True)),
    ("adaptive_avg_pool1d", [(2, 3, 10)], dict(output_size=4)),
    ("adaptive_max_pool1d", [(2, 3, 10)], dict(output_size=3)),
    ("conv_transpose1d", [(2, 3, 5), (3, 4, 3), (4,)], dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose1d", [(2, 4, 5), (4, 1, 2)], dict(groups=2, dilation=2)),
    ("conv_transpose1d", [(3, 1), (3, 2, 1)], {}),
]


@pytest.mark.parametrize("name,shapes,kw", CASES)
def test_matches_pytorch(name, shapes, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal(s) for s in shapes]
    ours = [mg.tensor(a, requires_grad=True) for a in arrs]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrs]
    out = getattr(F, name)(*ours, **kw)
    ref = getattr(torch.nn.functional, name)(*theirs, **kw)
    assert out.shape == tuple(ref.shape) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(ref.shape)
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-12, atol=1e-12)
    small = [mg.tensor(a, requires_grad=True) for a in arrs]
    assert gradcheck(lambda *t: getattr(F, name)(*t, **kw), small)
    if name.startswith(("avg", "adaptive_avg", "conv")):
        assert gradgradcheck(lambda *t: getattr(F, name)(*t, **kw), small)


def test_max_pool1d_indices_and_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 3, 11)).astype(np.float32)
    y, i = F.max_pool1d(mg.tensor(x), 3, 2, return_indices=True)
    ty, ti = torch.nn.functional.max_pool1d(torch.tensor(x), 3, 2, return_indices=True)
    np.testing.assert_array_equal(i.data, ti.numpy())
    for ours, theirs in [(nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1)),
                         (nn.AvgPool1d(4, 3), torch.nn.AvgPool1d(4, 3)),
                         (nn.AdaptiveAvgPool1d(5), torch.nn.AdaptiveAvgPool1d(5)),
                         (nn.AdaptiveMaxPool1d(2), torch.nn.AdaptiveMaxPool1d(2))]:
        np.testing.assert_allclose(ours(mg.tensor(x)).data, theirs(torch.tensor(x)).numpy(), rtol=1e-6)
    m = nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1)
    t = torch.nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1)
    assert m.weight.shape == tuple(t.weight.shape) == (3, 4, 3)
    m.weight.data, m.bias.data = t.weight.detach().numpy().copy(), t.bias.detach().numpy().copy()
    np.testing.assert_allclose(m(mg.tensor(x)).data, t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m(mg.tensor(x), output_size=[22]).data,
                               t(torch.tensor(x), output_size=[22]).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_unbatched_input_and_errors():
    x = mg.tensor(np.arange(8.0).reshape(2, 4))
    np.testing.assert_array_equal(F.max_pool1d(x, 2).data, [[1, 3], [5, 7]])
    np.testing.assert_array_equal(F.avg_pool1d(x, 2).data, [[0.5, 2.5], [4.5, 6.5]])
    with pytest.raises(RuntimeError, match="conv_transpose1d: expected a 3-D weight"):
        F.conv_transpose1d(mg.ones(1, 2, 3), mg.ones(2, 2, 1, 1))
    with pytest.raises(RuntimeError, match="max_pool1d"):
        F.max_pool1d(mg.ones(1, 2, 3), 5)
