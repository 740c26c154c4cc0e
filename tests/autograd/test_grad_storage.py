"""Where gradients are stored: ``.grad`` accumulated in place (a reference stays valid, as in
PyTorch), ``zero_grad(set_to_none=False)`` zeroing that same tensor, and no Tensor ever holding a
NumPy scalar instead of an array (NumPy returns scalars from 0-d arithmetic)."""
import gc
import inspect

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim


def test_grad_is_accumulated_in_place_and_a_reference_stays_valid():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    g = w.grad
    (3 * w).sum().backward()
    assert w.grad is g and g.tolist() == [5.0, 7.0]


def test_zero_grad_without_set_to_none_zeroes_the_same_tensor():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(mg.ones(4, 3)).sum().backward()
    refs = [p.grad for p in model.parameters()]
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is r and not r.numpy().any() for p, r in zip(model.parameters(), refs))
    model(mg.ones(4, 3)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad is r and not r.numpy().any() for p, r in zip(model.parameters(), refs))
    model(mg.ones(4, 3)).sum().backward()
    assert model.bias.grad is refs[1] and model.bias.grad.tolist() == [4.0, 4.0]
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_grad_of_a_create_graph_backward_is_not_changed_in_place():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    (x ** 3).sum().backward(create_graph=True)
    assert first.tolist() == [3.0, 12.0] and x.grad.tolist() == [6.0, 24.0]


def test_accumulating_into_a_0d_leaf_keeps_an_array():
    b = mg.tensor(0.5, requires_grad=True)
    for _ in range(3):
        (b * 2).backward()
    assert type(b.grad.data) is np.ndarray and b.grad.data.shape == ()
    assert b.grad.item() == 6.0 and repr(b.grad) == "tensor(6.)" and b.grad.numpy().shape == ()


def _try(fn, *args):
    try:
        return fn(*args)
    except Exception:        # noqa: BLE001 - a scan: functions that need other arguments are skipped
        return None


def test_no_tensor_ever_holds_a_numpy_scalar():
    """Every public op on 0-d tensors, forward, two backwards (accumulation), a double backward
    and in-place updates; then every Tensor alive is scanned."""
    x = mg.tensor(0.7, dtype=mg.float64, requires_grad=True)
    y = mg.tensor(1.3, dtype=mg.float64, requires_grad=True)
    outs = []
    for name in mg.ops.__all__:
        fn = getattr(mg, name)
        n = len([p for p in inspect.signature(fn).parameters.values()
                 if p.default is inspect.Parameter.empty and p.kind == p.POSITIONAL_OR_KEYWORD])
        out = _try(fn, *([x, y][:n] if n <= 2 else []))
        if out is None and n == 1:
            out = _try(fn, x, 0)
        if isinstance(out, mg.Tensor):
            outs.append(out)
    assert len(outs) > 30
    for out in outs:
        if out.requires_grad:
            g = _try(mg.autograd.grad, out.sum(), [x, y], None, True, True, True)
            for gi in g or ():
                if gi is not None and gi.requires_grad:
                    _try(lambda t: t.sum().backward(), gi)
            _try(lambda t: t.sum().backward(), out)
            _try(lambda t: t.sum().backward(), out)
    z = x.detach() * 1
    z.add_(2).mul_(y.detach()).sqrt_().clamp_(0, 1).fill_(0.25)
    z[...] = 3
    ints = mg.tensor(3)
    ints += 2
    ints //= 2
    w = nn.Parameter(mg.tensor(1.0))
    opt = optim.Adam([w], lr=0.1)
    for _ in range(2):
        (w * w).backward()
        opt.step()
    gc.collect()
    tensors = [t for t in gc.get_objects() if issubclass(type(t), mg.Tensor)]
    assert len(tensors) > 50
    bad = [t for t in tensors if type(t.data) is not np.ndarray]
    assert not bad, [(type(t.data), t.shape) for t in bad[:5]]
    assert not [t for t in tensors if t.grad is not None and type(t.grad.data) is not np.ndarray]
