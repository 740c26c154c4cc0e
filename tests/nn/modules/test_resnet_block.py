"""A torchvision-style ResNet basic block -- ``out += identity`` and ``nn.ReLU(inplace=True)`` --
written once for both libraries: with the same weights it trains step by step as PyTorch's does
(loss, outputs, every parameter's gradient, the batch-norm running statistics)."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def basic_block(lib, inplanes, planes, stride):
    nn = lib.nn

    class BasicBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or inplanes != planes:
                self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                                nn.BatchNorm2d(planes))

        def forward(self, x):
            identity = x
            out = self.conv1(x)
            out = self.bn1(out)
            out = self.relu(out)
            out = self.conv2(out)
            out = self.bn2(out)
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            out = self.relu(out)
            return out

    return BasicBlock()


@pytest.mark.parametrize("inplanes,planes,stride", [(4, 4, 1), (3, 6, 2)])
def test_basic_block_with_inplace_ops_trains_as_pytorch(inplanes, planes, stride):
    torch.manual_seed(0)
    theirs = basic_block(torch, inplanes, planes, stride).double()
    ours = basic_block(mg, inplanes, planes, stride).double()
    ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    head_t, head_o = torch.nn.Linear(planes, 3).double(), mg.nn.Linear(planes, 3).double()
    head_o.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in head_t.state_dict().items()})
    params_t = list(theirs.parameters()) + list(head_t.parameters())
    params_o = list(ours.parameters()) + list(head_o.parameters())
    opt_t, opt_o = torch.optim.SGD(params_t, lr=0.1, momentum=0.9), mg.optim.SGD(params_o, lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = rng.standard_normal((4, inplanes, 6, 6))
        target = rng.integers(0, 3, 4)
        out_t = theirs(torch.tensor(x))
        out_o = ours(mg.tensor(x))
        loss_t = torch.nn.functional.cross_entropy(head_t(out_t.mean((2, 3))), torch.tensor(target))
        loss_o = mg.nn.functional.cross_entropy(head_o(out_o.mean((2, 3))), mg.tensor(target))
        np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert loss_o.item() == pytest.approx(loss_t.item(), rel=1e-12)
        assert out_o.grad_fn is not None and (out_o.detach().numpy() >= 0).all()
        opt_t.zero_grad()
        opt_o.zero_grad()
        loss_t.backward()
        loss_o.backward()
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=f"{name}, step {step}")
        opt_t.step()
        opt_o.step()
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(b.numpy(), theirs.get_buffer(name).numpy(), rtol=1e-12, err_msg=name)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
