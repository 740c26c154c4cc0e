"""The backward engine: order, accumulation, freeing, higher order, hooks, grad modes,
custom Functions, safety errors, deep graphs and memory."""
import gc
import inspect
import tracemalloc
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.autograd import Function, gradcheck


def test_gradient_accumulates_across_backward_calls_and_uses():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]


def test_diamond_graph_sums_both_paths():
    x = mg.tensor(2.0, requires_grad=True)
    a = x * 3
    y = a * a + a.exp()           # a is used twice
    y.backward()
    assert np.isclose(x.grad.item(), 3 * (2 * 6 + np.exp(6)))


def test_backward_on_non_scalar_needs_a_gradient():
    x = mg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(mg.ones(2, 3))
    assert x.grad.tolist() == [[2.0] * 3] * 2


def test_second_backward_through_freed_graph_mentions_retain_graph():
    x = mg.tensor(1.0, requires_grad=True)
    y = x.exp()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    z = x.exp()
    z.backward(retain_graph=True)
    z.backward()
    assert np.isclose(x.grad.item(), 3 * np.e)


def test_inplace_change_of_a_saved_tensor_names_the_op():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = h.exp()                    # Exp saves its output ...
    with mg.no_grad():
        y.add_(1.0)                # ... which is then modified in place
    with pytest.raises(RuntimeError, match=r"Exp: one of the tensors saved for backward \(shape \(2,\), float32\) was modified by an in-place operation: it is at version 1, the op saved version 0"):
        y.sum().backward()


def test_inplace_change_through_a_view_is_detected():
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 2
    y = b * b                      # Mul saves b
    v = b.detach().reshape(3)      # a view of b's data sharing its version counter
    v.mul_(0)
    with pytest.raises(RuntimeError, match="Mul: one of the tensors saved for backward"):
        y.sum().backward()


def test_leaf_requiring_grad_rejects_inplace_outside_no_grad():
    w = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="add_: a leaf Variable that requires grad is being used in an in-place operation"):
        w.add_(1.0)
    with mg.no_grad():
        w.add_(1.0)
    assert w.tolist() == [2.0, 2.0] and w._version.value == 1


def test_devices_mixed_in_one_op_names_both(monkeypatch):
    import minigrad.backend as backend

    class FakeCupyArray(np.ndarray):
        pass
    x = mg.ones(2)
    y = mg.Tensor(np.ones(2).view(FakeCupyArray))
    monkeypatch.setattr(backend, "device_of", lambda a: backend.CUDA if isinstance(a, FakeCupyArray) else backend.CPU)
    with pytest.raises(RuntimeError, match="add: expected all tensors on the same device, found tensors on cpu and cuda:0"):
        x + y


def test_hessian_vector_product_matches_finite_differences_of_the_gradient():
    rng = np.random.default_rng(0)
    W1 = mg.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    W2 = mg.tensor(rng.standard_normal((5, 1)), requires_grad=True)
    X = mg.tensor(rng.standard_normal((6, 4)))

    def loss(w1, w2):
        return ((X @ w1).tanh() @ w2).sigmoid().log().mean()

    v1, v2 = rng.standard_normal((4, 5)), rng.standard_normal((5, 1))
    g1, g2 = mg.autograd.grad(loss(W1, W2), (W1, W2), create_graph=True)
    hv = mg.autograd.grad((g1 * mg.tensor(v1)).sum() + (g2 * mg.tensor(v2)).sum(), (W1, W2))

    eps = 1e-6

    def grads_at(s):
        w1 = mg.tensor(W1.data + s * v1, requires_grad=True)
        w2 = mg.tensor(W2.data + s * v2, requires_grad=True)
        return [g.numpy() for g in mg.autograd.grad(loss(w1, w2), (w1, w2))]
    plus, minus = grads_at(eps), grads_at(-eps)
    for analytic, p, m in zip(hv, plus, minus):
        np.testing.assert_allclose(analytic.numpy(), (p - m) / (2 * eps), rtol=1e-5, atol=1e-8)


def test_third_derivative():
    x = mg.tensor(0.7, dtype=mg.float64, requires_grad=True)
    (g,) = mg.autograd.grad(x.sin() * x, x, create_graph=True)
    (gg,) = mg.autograd.grad(g, x, create_graph=True)
    (ggg,) = mg.autograd.grad(gg, x)
    # d^3/dx^3 x sin x = -3 sin x - x cos x
    assert np.isclose(ggg.item(), -3 * np.sin(0.7) - 0.7 * np.cos(0.7))


def test_grad_returns_tuple_and_does_not_touch_dot_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tensor(3.0, requires_grad=True)
    out = (x * y).sum()
    gx, gy = mg.autograd.grad(out, [x, y])
    assert gx.tolist() == [3.0, 3.0] and gy.item() == 3.0
    assert x.grad is None and y.grad is None
    (gx_only,) = mg.autograd.grad((x * 2).sum(), x)
    assert gx_only.tolist() == [2.0, 2.0]


def test_grad_of_non_leaf_and_unused_inputs():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    (gh,) = mg.autograd.grad(y, h, retain_graph=True)
    assert gh.tolist() == [4.0, 8.0]
    z = mg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        mg.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = mg.autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None and gx.tolist() == [8.0, 16.0]


def test_hooks_on_leaf_and_non_leaf_can_replace_the_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x * 3
    h.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    handle = x.register_hook(lambda g: g + 1)
    h.sum().backward()
    assert seen == [[1.0, 1.0]] and x.grad.tolist() == [31.0, 31.0]
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_retain_grad_keeps_non_leaf_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    h.sum().backward()
    assert h.grad.tolist() == [1.0, 1.0] and h.retains_grad


def test_grad_modes_as_context_managers_and_decorators():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        assert not (x * 2).requires_grad
        with mg.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @mg.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad
    with mg.set_grad_enabled(False):
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()


def test_custom_function_with_ctx_and_needs_input_grad():
    class Cube(Function):
        """x^3 * k;  d/dx = 3 k x^2"""

        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.save_for_backward(x)
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return g * 3 * ctx.k * x * x, None

    x = mg.tensor(np.array([0.5, -1.2, 2.0]), requires_grad=True)
    assert gradcheck(lambda t: Cube.apply(t, 2.0), (x,))
    y = Cube.apply(x, 2.0)
    assert type(y.grad_fn).__name__ == "Cube"
    (gx,) = mg.autograd.grad(y.sum(), x, create_graph=True)     # backward made of differentiable ops
    (gxx,) = mg.autograd.grad(gx.sum(), x)
    np.testing.assert_allclose(gxx.numpy(), 12 * x.detach().numpy())


def test_custom_function_with_wrong_gradient_shape_is_reported():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    x = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(\) for an input of shape \(3,\)"):
        Bad.apply(x).sum().backward()


def test_chain_of_100000_ops_does_not_hit_the_recursion_limit():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_graph_is_freed_after_backward():
    x = mg.randn(5, requires_grad=True)
    y = x.exp() * 2
    node = weakref.ref(y.grad_fn)
    inner = weakref.ref(y.grad_fn.inputs[0][0])      # the edge (node, output_nr) to x.exp()
    loss = y.sum()
    loss.backward()
    del y, loss
    gc.collect()
    assert node() is None and inner() is None


def test_memory_stays_flat_over_1000_training_iterations():
    rng = np.random.default_rng(0)
    W = mg.tensor(rng.standard_normal((32, 16)).astype(np.float32), requires_grad=True)
    X = mg.tensor(rng.standard_normal((64, 32)).astype(np.float32))

    def step():
        loss = ((X @ W).relu() ** 2).mean()
        loss.backward()
        with mg.no_grad():
            W.sub_(W.grad * 1e-3)
        W.grad = None

    for _ in range(50):
        step()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        step()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert grown < 256 * 1024, f"memory grew by {grown} bytes over 1000 iterations"


def test_detach_cuts_the_graph_and_requires_grad_rules():
    x = mg.ones(2, requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    with pytest.raises(RuntimeError, match="only floating point tensors can require gradients"):
        mg.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)


def test_backward_with_inputs_accumulates_only_into_those():
    a = mg.ones(2, requires_grad=True)
    b = mg.ones(2, requires_grad=True)
    (a * b * 3).sum().backward(inputs=[a])
    assert a.grad.tolist() == [3.0, 3.0] and b.grad is None


def test_leaf_grads_never_alias_each_other():
    a = mg.ones(2, requires_grad=True)
    b = mg.ones(2, requires_grad=True)
    (a + b).sum().backward()
    with mg.no_grad():
        a.grad.mul_(10)
    assert b.grad.tolist() == [1.0, 1.0]


def test_post_accumulate_grad_hook_sees_the_accumulated_grad_and_can_be_removed():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    (w * 3.0).sum().backward()
    (w * w).sum().backward()                            # accumulates 2w on top of 3
    handle.remove()
    (w * 1.0).sum().backward()
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(seen[1], [5.0, 7.0])
    w.grad = None
    seen2 = []
    w.register_post_accumulate_grad_hook(lambda t: seen2.append(t.grad.numpy().copy()))
    y = mg.tensor(2.0, requires_grad=True)
    (w * y).sum().backward(inputs=[w])                  # the inputs= path accumulates too
    np.testing.assert_array_equal(seen2[0], [2.0, 2.0])


def test_post_accumulate_grad_hook_fires_once_the_leaf_is_complete_not_at_the_end():
    """The hook of the last layer's weight runs before backward reaches the first layer."""
    x = mg.tensor([1.0, -2.0])
    w1 = mg.tensor([0.5, 0.25], requires_grad=True)
    w2 = mg.tensor([3.0, 4.0], requires_grad=True)
    h = x * w1
    y = (h * w2 + w2).sum()                             # w2 used twice: complete after both edges
    events = []
    h.register_hook(lambda g: events.append("backward reaches h"))
    w1.register_post_accumulate_grad_hook(lambda t: events.append("w1 accumulated"))
    w2.register_post_accumulate_grad_hook(lambda t: events.append(("w2 accumulated", t.grad.tolist())))
    y.backward()
    assert events == [("w2 accumulated", [1.5, 0.5]), "backward reaches h", "w1 accumulated"]
    np.testing.assert_array_equal(w1.grad.numpy(), [3.0, -8.0])


def test_post_accumulate_grad_hook_is_refused_on_non_leaves_and_constants():
    w = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mg.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)


# ----------------------------------------------------------------------------- several roots in one node
# Backward from several outputs of ONE multi-output node (an LSTM's h_n and c_n, or chunk
# pieces) must count that node once, or the inputs upstream never get their gradient.

def test_grad_through_two_outputs_of_one_node_reaches_upstream_leaf():
    x = mg.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    a, b = (x * 2).chunk(2, 1)            # x*2 is upstream of the multi-output chunk node
    (gx,) = mg.autograd.grad([a, b], [x], [mg.ones(1, 2, dtype=mg.float64),
                                           mg.full((1, 2), 3.0, dtype=mg.float64)])
    np.testing.assert_allclose(gx.data, [[2.0, 2.0, 6.0, 6.0]])


def test_backward_through_two_outputs_of_one_node_reaches_upstream_leaf():
    x = mg.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    a, b = (x * 2).chunk(2, 1)
    mg.autograd.backward([a, b], [mg.ones(1, 2, dtype=mg.float64), mg.ones(1, 2, dtype=mg.float64)])
    np.testing.assert_allclose(x.grad.data, [[2.0, 2.0, 2.0, 2.0]])


# ----------------------------------------------------------------------------- where gradients are stored
# .grad accumulated in place (a reference stays valid, as in PyTorch), zero_grad(set_to_none=False)
# zeroing that same tensor, and no Tensor ever holding a NumPy scalar instead of an array.

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
