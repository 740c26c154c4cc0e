"""Activation modules: PyTorch's constructor arguments, repr, parameters and outputs/gradients
on the same inputs."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

torch = pytest.importorskip("torch")

MODULES = [
    ("SiLU", (), {}), ("Mish", (), {}), ("Hardswish", (), {}), ("Hardsigmoid", (), {}),
    ("ReLU6", (), {"inplace": True}), ("SELU", (), {}), ("LogSigmoid", (), {}), ("Softsign", (), {}),
    ("Tanhshrink", (), {}), ("CELU", (0.5,), {}), ("Hardtanh", (-0.5, 2.0), {}), ("Hardshrink", (0.3,), {}),
    ("Softshrink", (0.3,), {}), ("Threshold", (0.1, 20.0), {}), ("Softmin", (1,), {}), ("Softmax2d", (), {}),
    ("GLU", (1,), {}), ("PReLU", (), {}), ("PReLU", (4,), {"init": 0.1}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_activation_module_matches_pytorch(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    ours.double(), theirs.double()
    ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).uniform(-4, 4, (2, 4, 3, 5))
    xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo * 1), theirs(xt * 1)            # non-leaf inputs, for inplace=True
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-7, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(yo.shape))
    yo.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-12)
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-7, atol=1e-12, err_msg=n)


def test_rrelu_module_uses_random_slopes_only_in_training():
    m = nn.RReLU(0.1, 0.3)
    x = mg.tensor(-np.ones(200))
    assert np.allclose(m.eval()(x).numpy(), -0.2)
    y = m.train()(x).numpy()
    assert y.min() >= -0.3 and y.max() <= -0.1 and y.std() > 0.01
    assert repr(m) == repr(torch.nn.RReLU(0.1, 0.3))


def test_prelu_weight_is_a_learnable_parameter_and_hardtanh_checks_bounds():
    m = nn.PReLU(3)
    assert [n for n, _ in m.named_parameters()] == ["weight"] and m.weight.tolist() == [0.25] * 3
    for low, high in [(2, 1), (1.0, 1.0), (True, 1.0)]:     # PyTorch's assertion: max_val > min_val
        from tests.torch_oracle import raises_as_torch
        raises_as_torch(lambda m: m.nn.Hardtanh(low, high),
                        rf"^Hardtanh: max_val \({high}\) must be greater than min_val \({low}\)$")
    with pytest.raises(TypeError, match=r"^Hardtanh: min_val must be a number, got 'a' \(str\)"):
        nn.Hardtanh("a", 1.0)
    assert repr(nn.Hardtanh(1.0, float("nan"))) == repr(torch.nn.Hardtanh(1.0, float("nan")))


def test_inplace_modules_write_into_their_input():
    x = mg.tensor([-1.0, 2.0])
    for module in (nn.ReLU(inplace=True), nn.SiLU(inplace=0.5), nn.ReLU6(inplace=True), nn.LeakyReLU(0.5, True)):
        y = x * 1
        assert module(y) is y
    y = x * 1
    assert nn.ReLU()(y) is not y and y.tolist() == [-1.0, 2.0]
