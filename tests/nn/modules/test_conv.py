"""Conv/pooling/upsampling modules: PyTorch's parameter names, shapes, default init bounds,
outputs equal to PyTorch's with the same weights, and a tiny CNN that passes gradcheck."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd import gradcheck


def _copy_to_torch(m, tm):
    import torch
    with torch.no_grad():
        for name, p in m.named_parameters():
            dict(tm.named_parameters())[name].copy_(torch.tensor(p.detach().numpy()))


@pytest.mark.parametrize("make, tmake, xs", [
    (lambda nn_: nn_.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), None, (2, 4, 7, 6)),
    (lambda nn_: nn_.Conv2d(3, 5, (2, 3), padding="same", dilation=2, padding_mode="reflect"), None, (2, 3, 6, 7)),
    (lambda nn_: nn_.Conv2d(3, 5, 3, padding=1, bias=False, padding_mode="circular"), None, (1, 3, 5, 5)),
    (lambda nn_: nn_.Conv1d(4, 6, 3, padding=2, groups=2), None, (2, 4, 9)),
    (lambda nn_: nn_.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1), None, (2, 3, 11)),
    (lambda nn_: nn_.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), None, (2, 4, 3, 4)),
    (lambda nn_: nn_.Conv3d(4, 6, (2, 3, 1), stride=(1, 2, 1), padding=1, groups=2), None, (2, 4, 3, 5, 4)),
    (lambda nn_: nn_.Conv3d(2, 3, 2, padding="same", padding_mode="replicate"), None, (1, 2, 3, 4, 3)),
    (lambda nn_: nn_.ConvTranspose3d(4, 2, (2, 1, 3), stride=2, output_padding=(1, 0, 1), bias=False), None,
     (2, 4, 2, 3, 2)),
])
def test_conv_modules_match_pytorch(make, tmake, xs):
    torch = pytest.importorskip("torch")
    m, tm = make(nn), make(torch.nn).double()
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        assert p.shape == tuple(tp.shape) and p.dtype == mg.float32
    m = m.double() if hasattr(m, "double") else m
    _copy_to_torch(m, tm)
    x = np.random.default_rng(0).standard_normal(xs)
    np.testing.assert_allclose(m(mg.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert repr(m).split("(", 1)[1] == repr(tm).split("(", 1)[1]


def test_default_init_bounds():
    mg.manual_seed(0)
    m = nn.Conv2d(8, 16, 3, groups=2)
    fan_in = 4 * 9
    bound = 1 / math.sqrt(fan_in)       # kaiming_uniform_(a=sqrt(5)) gives the same bound
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound and w.std() > 0.5 * bound / math.sqrt(3)
    t = nn.ConvTranspose2d(8, 6, 3, groups=2)
    assert t.weight.shape == (8, 3, 3, 3) and np.abs(t.weight.detach().numpy()).max() <= 1 / math.sqrt(27)


def test_conv_transpose_output_size():
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = mg.randn(1, 2, 4, 4)
    assert m(x).shape == (1, 3, 7, 7)
    assert m(x, output_size=(8, 8)).shape == (1, 3, 8, 8)
    with pytest.raises(ValueError, match="ConvTranspose2d.*output_size"):
        m(x, output_size=(10, 10))
    mg.manual_seed(0)
    m1 = nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1)
    x1 = mg.randn(2, 3, 11)
    assert m1(x1).shape == (2, 4, 21)
    padded = nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1)
    padded.load_state_dict(m1.state_dict())
    np.testing.assert_array_equal(m1(x1, output_size=[22]).detach().numpy(), padded(x1).detach().numpy())


def test_module_argument_errors():
    with pytest.raises(ValueError, match="Conv2d.*divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="Conv2d.*same.*strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(out_channels=[2]), TypeError, r"ConvTranspose2d: out_channels must be an int, got \[2\]"),
    (dict(groups="2"), TypeError, r"ConvTranspose2d: groups must be an int, got '2'"),
    (dict(device="bogus"), ValueError, r"ConvTranspose2d: unknown device 'bogus'"),
])
def test_conv_module_arguments_name_the_class(kwargs, error, message):
    with pytest.raises(error, match=message):
        nn.ConvTranspose2d(**{**dict(in_channels=4, out_channels=3, kernel_size=3), **kwargs})


_MODULE_INPUTS = [("Conv2d", (1, 4, 6, 6)), ("Conv3d", (1, 4, 5, 5, 5)), ("ConvTranspose2d", (1, 4, 5, 5)),
                  ("ConvTranspose3d", (1, 4, 3, 3, 3)), ("Conv1d", (1, 4, 6))]


@pytest.mark.parametrize("cls, x, arg", [(cls, x, arg) for cls, x in _MODULE_INPUTS
                                         for arg in ("stride", "padding", "dilation", "output_padding")
                                         if arg != "output_padding" or "Transpose" in cls])
def test_conv_modules_take_a_one_element_stride_padding_or_dilation_as_pytorch(cls, x, arg):
    torch = pytest.importorskip("torch")
    kw = dict(in_channels=4, out_channels=3, kernel_size=3, **{arg: [2] if arg != "output_padding" else (1,)})
    if arg == "output_padding":
        kw["stride"] = 2
    ours, theirs = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
        theirs.bias.copy_(torch.tensor(ours.bias.detach().numpy()))
    data = np.random.default_rng(0).standard_normal(x).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(data)).detach().numpy(), theirs(torch.tensor(data)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    assert getattr(ours, arg) == (2 if arg != "output_padding" else 1,) * (len(x) - 2)
    with pytest.raises(ValueError, match=rf"^{cls}: kernel_size must be an int or a tuple of {len(x) - 2} ints"):
        getattr(nn, cls)(4, 3, kernel_size=[3, 3, 3, 3])


def test_pooling_and_upsample_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    pairs = [(nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
             (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
             (nn.AvgPool2d(3, 2, 1, count_include_pad=False), torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False)),
             (nn.AdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3))),
             (nn.AdaptiveMaxPool2d(1), torch.nn.AdaptiveMaxPool2d(1)),
             (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
             (nn.Upsample(size=(5, 9), mode="bilinear", align_corners=True),
              torch.nn.Upsample(size=(5, 9), mode="bilinear", align_corners=True))]
    for m, tm in pairs:
        np.testing.assert_allclose(m(mg.tensor(x)).numpy(), tm(torch.tensor(x)).numpy(), rtol=1e-12)
        assert repr(m).split("(")[0] == repr(tm).split("(")[0]
    y, idx = nn.MaxPool2d(2, return_indices=True)(mg.tensor(x))
    assert idx.dtype == mg.int64 and y.shape == (2, 3, 3, 3)
    v = x.reshape(2, 3, 7, 2, 3)
    for m, tm in [(nn.MaxPool3d((2, 1, 2), padding=(1, 0, 0)), torch.nn.MaxPool3d((2, 1, 2), padding=(1, 0, 0))),
                  (nn.AvgPool3d(2, 1, ceil_mode=True), torch.nn.AvgPool3d(2, 1, ceil_mode=True))]:
        np.testing.assert_allclose(m(mg.tensor(v)).numpy(), tm(torch.tensor(v)).numpy(), rtol=1e-12)
        assert repr(m).split("(")[0] == repr(tm).split("(")[0]
    y, idx = nn.MaxPool3d(2, return_indices=True)(mg.tensor(v))
    np.testing.assert_array_equal(idx.numpy(), torch.nn.MaxPool3d(2, return_indices=True)(torch.tensor(v))[1].numpy())
    u = x.reshape(2, 3, 42)
    for m, tm in [(nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1)), (nn.AvgPool1d(4, 3), torch.nn.AvgPool1d(4, 3)),
                  (nn.AdaptiveAvgPool1d(5), torch.nn.AdaptiveAvgPool1d(5)),
                  (nn.AdaptiveMaxPool1d(2), torch.nn.AdaptiveMaxPool1d(2))]:
        np.testing.assert_allclose(m(mg.tensor(u)).numpy(), tm(torch.tensor(u)).numpy(), rtol=1e-12)
        assert repr(m).split("(")[0] == repr(tm).split("(")[0]


def test_tiny_cnn_gradcheck():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Tanh(), nn.MaxPool2d(2),
                          nn.ConvTranspose2d(2, 2, 2, stride=2), nn.AvgPool2d(2),
                          nn.Upsample(scale_factor=2, mode="bilinear"), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(2, 3)).double()
    x = mg.tensor(np.random.default_rng(1).standard_normal((2, 1, 6, 6)), requires_grad=True)
    params = list(model.parameters())
    assert gradcheck(lambda x, *ps: model(x), (x, *params))


def test_conv_with_zero_output_channels_or_float_geometry_names_the_op():
    F = mg.nn.functional
    with pytest.raises(RuntimeError, match="conv2d: expected weight to be at least 1 at dimension 0"):
        F.conv2d(mg.ones(1, 1, 4, 4), mg.ones(0, 1, 2, 2))
    with pytest.raises(TypeError, match="conv2d: stride must be an int or a tuple of 2 ints"):
        F.conv2d(mg.ones(1, 1, 4, 4), mg.ones(1, 1, 2, 2), stride=1.5)
    with pytest.raises(TypeError, match="conv2d: groups must be an int"):
        F.conv2d(mg.ones(1, 1, 4, 4), mg.ones(1, 1, 2, 2), groups=1.0)
    with pytest.raises(TypeError, match="max_pool2d: kernel_size must be"):
        F.max_pool2d(mg.ones(1, 1, 4, 4), 2.0)


@pytest.mark.parametrize("cls", [nn.MaxPool1d, nn.AdaptiveAvgPool1d, nn.AdaptiveMaxPool1d, nn.ConvTranspose1d])
def test_one_d_modules_have_their_own_signature(cls):
    # a missing argument is reported against the 1-D class, not the 2-D one it builds on
    with pytest.raises(TypeError, match=rf"{cls.__name__}\.__init__\(\) missing"):
        cls()


def test_one_d_modules_take_their_arguments_by_keyword():
    x = mg.tensor(np.arange(12, dtype=np.float32).reshape(1, 2, 6))
    assert nn.MaxPool1d(kernel_size=2, stride=2)(x).tolist() == [[[1, 3, 5], [7, 9, 11]]]
    assert nn.AdaptiveAvgPool1d(output_size=2)(x).tolist() == [[[1, 4], [7, 10]]]
    out, idx = nn.AdaptiveMaxPool1d(output_size=3, return_indices=True)(x)
    assert out.tolist() == [[[1, 3, 5], [7, 9, 11]]] and idx.tolist() == [[[1, 3, 5], [1, 3, 5]]]
    m = nn.ConvTranspose1d(in_channels=2, out_channels=3, kernel_size=2, stride=2, bias=False)
    assert m.weight.shape == (2, 3, 2) and m(x).shape == (1, 3, 12)


def test_a_convolution_wants_a_dtype_not_its_name():
    for make in (lambda: nn.Conv2d(4, 3, 3, dtype="float32"), lambda: nn.Conv1d(4, 3, 3, dtype="float64"),
                 lambda: nn.ConvTranspose3d(4, 3, 2, dtype="float32")):
        with pytest.raises(TypeError, match=r"^Conv(Transpose)?[123]d: dtype must be a dtype .*got the string 'float\d\d'$"):
            make()
    assert nn.Conv2d(4, 3, 3, dtype=mg.float64).weight.dtype == mg.float64
