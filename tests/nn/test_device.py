"""Layers, losses, optimizers and helpers on device='cuda' give what they give on 'cpu', and keep
their results on the device. Each check builds the module or inputs once on the CPU, copies them
to the GPU, runs forward and backward on both, and compares values and gradients. The shapes are
tiny: on the fake CuPy the CUDA kernels run in Numba's simulator, a Python thread per CUDA thread.
"""
import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import functional as F

RTOL, ATOL = 1e-9, 1e-12


def _host(t):
    return None if t is None else t.detach().cpu().numpy()


def _both(fn, *arrays, device, seed=0):
    """fn(*tensors) on cpu and on ``device`` from the same float64 arrays (requiring grad),
    backpropagated with the same upstream gradient; returns [(outputs, grads)] for cpu, device."""
    results = []
    for dev in ("cpu", device):
        xs = [mg.tensor(a, device=dev, requires_grad=a.dtype.kind == "f") for a in arrays]
        out = fn(*xs)
        outs = out if isinstance(out, tuple) else (out,)
        assert all(o.device == dev for o in outs if isinstance(o, mg.Tensor))
        g = [mg.tensor(np.random.default_rng(seed).standard_normal(o.shape), device=dev) for o in outs]
        mg.autograd.backward([o for o in outs], g)
        results.append(([_host(o) for o in outs], [_host(x.grad) for x in xs if x.requires_grad]))
    return results


def _assert_same(results, rtol=RTOL, atol=ATOL):
    (out_c, grad_c), (out_d, grad_d) = results
    for a, b in zip(out_c + grad_c, out_d + grad_d):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("name", ["conv2d", "conv_transpose2d", "conv1d", "max_pool2d", "avg_pool2d",
                                  "adaptive_avg_pool2d", "adaptive_max_pool2d"])
def test_conv_and_pool(name, cuda_device):
    x, w2, w1 = _rand(1, 2, 5, 5), _rand(2, 1, 3, 3, seed=1), _rand(2, 2, 3, seed=2)
    fns = {"conv2d": (lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=2), x, w2),
           "conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), x, w2),
           "conv1d": (lambda x, w: F.conv1d(x, w, padding=1), x[:, :, 0], w1),
           "max_pool2d": (lambda x: F.max_pool2d(x, 2, stride=2, padding=1), x),
           "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, stride=2, ceil_mode=True), x),
           "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)), x),
           "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, 2), x)}
    fn, *arrays = fns[name]
    _assert_same(_both(fn, *arrays, device=cuda_device))


WINDOW_OPS = {"unfold": (lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), (2, 3, 5, 6)),
              "fold": (lambda c: F.fold(c, (4, 5), 2, padding=1, stride=2), (2, 12, 9)),
              "max_unpool2d": (lambda x: F.max_unpool2d(*F.max_pool2d(x, 3, 1, 1, return_indices=True), 3, 1, 1),
                               (2, 2, 4, 5)),
              "max_pool3d": (lambda x: F.max_pool3d(x, 2, (1, 2, 1), padding=(1, 0, 1), ceil_mode=True), (2, 2, 3, 4, 3)),
              "avg_pool3d": (lambda x: F.avg_pool3d(x, (2, 1, 2), 1, padding=(1, 0, 1), count_include_pad=False), (2, 2, 3, 4, 3)),
              "interpolate linear": (lambda x: F.interpolate(x, scale_factor=1.5, mode="linear")
                                     + F.interpolate(x, size=6, mode="nearest-exact"), (2, 2, 4)),
              "interpolate bicubic": (lambda x: F.interpolate(x, size=(5, 3), mode="bicubic", align_corners=True),
                                      (1, 2, 3, 4)),
              "interpolate trilinear": (lambda x: F.interpolate(x, size=(2, 5, 3), mode="trilinear")
                                        + F.interpolate(x, size=(2, 5, 3), mode="nearest"), (1, 2, 3, 4, 2)),
              "interpolate antialias": (lambda x: F.interpolate(x, size=(2, 5), mode="bicubic", antialias=True)
                                        + F.interpolate(x, size=(2, 5), mode="lanczos", antialias=True), (1, 2, 5, 4)),
              "interpolate area": (lambda x: F.interpolate(x, size=(2, 3, 2), mode="area"), (1, 2, 3, 4, 3)),
              "adaptive_avg_pool3d": (lambda x: F.adaptive_avg_pool3d(x, (2, None, 2)), (2, 2, 3, 4, 3)),
              "adaptive_max_pool3d": (lambda x: F.adaptive_max_pool3d(x, (2, None, 2)), (2, 2, 3, 4, 3)),
              "max_unpool1d and 3d": (lambda x: F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2).sum()
                                      + F.max_unpool1d(*F.max_pool1d(x[:, :, 0, 0], 2, return_indices=True), 2).sum(),
                                      (2, 2, 4, 4, 4))}


def test_interpolate_uint8(cuda_device):
    a = np.random.default_rng(0).integers(0, 256, (2, 3, 5, 7)).astype(np.uint8)
    for kw in (dict(scale_factor=1.7, mode="bilinear"), dict(size=(3, 9), mode="bicubic", antialias=True)):
        y = F.interpolate(mg.tensor(a, device=cuda_device), **kw)
        assert y.device == cuda_device and y.dtype == np.uint8
        np.testing.assert_array_equal(_host(y), F.interpolate(mg.tensor(a), **kw).numpy())


def test_conv3d_and_conv_transpose3d(cuda_device):
    x, w = _rand(1, 2, 3, 4, 3), _rand(2, 1, 2, 3, 2, seed=1)
    _assert_same(_both(lambda x, w: (F.conv3d(x, w, stride=(1, 2, 1), padding=1, groups=2),
                                     F.conv_transpose3d(x, w, groups=2, padding=(1, 1, 0), dilation=(1, 1, 2))),
                       x, w, device=cuda_device))


@pytest.mark.parametrize("name", sorted(WINDOW_OPS))
def test_window_ops(name, cuda_device):
    fn, shape = WINDOW_OPS[name]
    _assert_same(_both(fn, _rand(*shape), device=cuda_device))


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_recurrent_layers(cls, cuda_device):
    mg.manual_seed(0)
    layer = cls(3, 2, num_layers=2, bidirectional=True, dtype=mg.float64)
    gpu_layer = copy.deepcopy(layer).to(cuda_device)
    res = _both(lambda x: layer(x)[0] if x.device == "cpu" else gpu_layer(x)[0], _rand(3, 2, 3), device=cuda_device)
    _assert_same(res)
    for p, q in zip(layer.parameters(), gpu_layer.parameters()):
        assert q.grad.device == cuda_device
        np.testing.assert_allclose(_host(q.grad), _host(p.grad), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("causal", [False, True])
def test_scaled_dot_product_attention(causal, cuda_device):
    q, k, v = _rand(2, 3, 4), _rand(2, 3, 4, seed=1), _rand(2, 3, 2, seed=2)
    _assert_same(_both(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=causal),
                       q, k, v, device=cuda_device))


def test_transformer_layer_and_multihead_attention(cuda_device):
    mg.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0).double()
    mha = nn.MultiheadAttention(4, 2).double()
    mask = np.triu(np.ones((3, 3), dtype=bool), 1)
    outs = []
    for dev in ("cpu", cuda_device):
        lay, att = copy.deepcopy(layer).to(dev), copy.deepcopy(mha).to(dev)
        x = mg.tensor(_rand(3, 2, 4), device=dev, requires_grad=True)
        y = lay(x, src_mask=mg.tensor(mask, device=dev)) + att(x, x, x, need_weights=False)[0]
        y.sum().backward()
        outs.append([_host(y), _host(x.grad)] + [_host(p.grad) for p in lay.parameters()])
    for a, b in zip(*outs):
        np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", ["cross_entropy", "cross_entropy_smooth", "nll_loss", "mse_loss",
                                  "bce_with_logits", "bce", "smooth_l1_loss", "kl_div", "huber_loss",
                                  "l1_loss"])
def test_losses(name, cuda_device):
    logits, target = _rand(4, 3), np.array([0, 2, 1, 2])
    probs = 1 / (1 + np.exp(-_rand(4, 3, seed=1)))
    fns = {"cross_entropy": (lambda x, t: F.cross_entropy(x, t, ignore_index=1), logits, target),
           "cross_entropy_smooth": (lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1,
                                                                 weight=mg.tensor([1.0, 2.0, 0.5], dtype=mg.float64, device=x.device)),
                                    logits, target),
           "nll_loss": (lambda x, t: F.nll_loss(F.log_softmax(x, 1), t), logits, target),
           "mse_loss": (lambda x, y: F.mse_loss(x, y), logits, probs),
           "bce_with_logits": (lambda x, y: F.binary_cross_entropy_with_logits(x, y), logits, probs),
           "bce": (lambda x, y: F.binary_cross_entropy(x.sigmoid(), y), logits, probs),
           "smooth_l1_loss": (lambda x, y: F.smooth_l1_loss(x, y), logits, probs),
           "kl_div": (lambda x, y: F.kl_div(F.log_softmax(x, 1), y, reduction="batchmean"), logits, probs),
           "huber_loss": (lambda x, y: F.huber_loss(x, y, delta=0.5), logits, probs),
           "l1_loss": (lambda x, y: F.l1_loss(x, y), logits, probs)}
    fn, *arrays = fns[name]
    _assert_same(_both(fn, *arrays, device=cuda_device))


@pytest.mark.parametrize("name", ["layer_norm", "group_norm", "batch_norm", "embedding", "one_hot",
                                  "gelu", "interpolate", "softmax", "linear"])
def test_layers(name, cuda_device):
    x = _rand(2, 4, 3, 3)
    fns = {"layer_norm": (lambda x: F.layer_norm(x, (3, 3)), x),
           "group_norm": (lambda x: F.group_norm(x, 2), x),
           "batch_norm": (lambda x: F.batch_norm(x, None, None, training=True), x),
           "embedding": (lambda i, w: F.embedding(i, w, padding_idx=0), np.array([[0, 2], [3, 2]]), _rand(4, 3)),
           "one_hot": (lambda i, x: F.one_hot(i, 4).double() * x, np.array([0, 3, 1]), _rand(3, 4)),
           "gelu": (lambda x: F.gelu(x) + F.gelu(x, approximate="tanh"), x),
           "interpolate": (lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
                           + F.interpolate(x, size=(6, 6), mode="nearest"), x),
           "softmax": (lambda x: F.softmax(x, 1) * F.log_softmax(x, -1), x),
           "linear": (lambda x, w, b: F.linear(x, w, b), _rand(2, 3), _rand(4, 3), _rand(4))}
    fn, *arrays = fns[name]
    _assert_same(_both(fn, *arrays, device=cuda_device))


def test_batch_norm_module_running_stats_stay_on_device(cuda_device):
    bn = nn.BatchNorm2d(3).double()
    gpu = copy.deepcopy(bn).to(cuda_device)
    x = _rand(4, 3, 2, 2)
    for m, dev in ((bn, "cpu"), (gpu, cuda_device)):
        m(mg.tensor(x, device=dev))
        m.eval()
        m(mg.tensor(x, device=dev))
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        b = getattr(gpu, name)
        assert b.device == cuda_device
        np.testing.assert_allclose(_host(b), _host(getattr(bn, name)), rtol=RTOL)


def test_dropout_draws_its_mask_on_the_device(cuda_device):
    mg.manual_seed(0)
    x = mg.ones(2000, dtype=mg.float64, device=cuda_device)
    y = F.dropout(x, 0.25, training=True)
    kept = _host(y) != 0
    assert y.device == cuda_device and 0.70 < kept.mean() < 0.80
    np.testing.assert_allclose(_host(y)[kept], 1 / 0.75)
    assert F.dropout(x, 0.25, training=False) is x


def test_random_creation_on_the_device(cuda_device):
    mg.manual_seed(0)
    made = {"randn": mg.randn(3, 4, device=cuda_device), "rand": mg.rand(5, device=cuda_device),
            "randint": mg.randint(0, 7, (6,), device=cuda_device), "randperm": mg.randperm(9, device=cuda_device),
            "normal": mg.normal(mg.zeros(4, device=cuda_device), 2.0),
            "bernoulli": mg.bernoulli(mg.full((5,), 0.5, device=cuda_device)),
            "multinomial": mg.multinomial(mg.tensor([[0.0, 1.0, 3.0]], device=cuda_device), 2)}
    for name, t in made.items():
        assert t.device == cuda_device, name
    assert sorted(_host(made["randperm"]).tolist()) == list(range(9))
    assert 0 <= _host(made["randint"]).min() and _host(made["randint"]).max() < 7
    assert 0 not in _host(made["multinomial"])
    w = mg.empty(3, 5, device=cuda_device)
    for init in (nn.init.kaiming_uniform_, nn.init.xavier_normal_, nn.init.orthogonal_, nn.init.trunc_normal_):
        init(w)
        assert w.device == cuda_device and np.isfinite(_host(w)).all(), init.__name__


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_optimizer_steps_equal_cpu(name, cuda_device):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    kwargs = {"SGD": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), "Adam": dict(lr=0.01, amsgrad=True),
              "AdamW": dict(lr=0.01), "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
              "Adagrad": dict(lr=0.1), "Adadelta": dict(lr=1.0)}[name]
    x, y = _rand(5, 3), _rand(5, 2, seed=1)
    trained = []
    for dev in ("cpu", cuda_device):
        m = copy.deepcopy(model).to(dev)
        opt = getattr(optim, name)(m.parameters(), **kwargs)
        for _ in range(3):
            opt.zero_grad()
            F.mse_loss(m(mg.tensor(x, device=dev)), mg.tensor(y, device=dev)).backward()
            nn.utils.clip_grad_norm_(m.parameters(), 0.5)
            opt.step()
        assert all(p.device == dev for p in m.parameters())
        trained.append([_host(p) for p in m.parameters()])
    for a, b in zip(*trained):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)


def test_tensor_conversions_on_the_device(cuda_device):
    t = mg.tensor([[1.5, -2.0]], device=cuda_device)
    assert t.tolist() == [[1.5, -2.0]] and t[0, 1].item() == -2.0 and "cuda" in repr(t)
    assert t.cpu().numpy().tolist() == [[1.5, -2.0]] and t.to("cpu").device == "cpu"
    with pytest.raises(TypeError, match="cuda"):
        t.numpy()
    assert bool((t > 0).any()) and float(t.sum()) == -0.5 and int(t.argmax()) == 0


def test_summary_and_checkpoints_of_a_device_model(cuda_device, tmp_path):
    from minigrad.utils import summary
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 2)).to(cuda_device)
    text = str(summary(model, (1, 4, 4)))
    assert "Conv2d" in text and "Linear" in text
    path = tmp_path / "model.npz"
    mg.save(model.state_dict(), path)
    loaded = mg.load(path)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(_host(loaded[name]), _host(value))
    clone = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 2)).to(cuda_device)
    clone.load_state_dict(loaded)
    assert all(p.device == cuda_device for p in clone.parameters())
    x = mg.randn(2, 1, 4, 4, device=cuda_device)
    model.eval(), clone.eval()
    np.testing.assert_allclose(_host(clone(x)), _host(model(x)))


@pytest.mark.parametrize("name", ["getitem", "getitem_list", "setitem", "embedding", "cross_entropy",
                                  "index_select", "gather", "one_hot"])
def test_out_of_range_indices_raise_on_the_device(name, cuda_device):
    """CuPy wraps out-of-range integer indices around; minigrad must raise as on the CPU: the
    same error type (PyTorch's, which differs between ops) and the same message."""
    def bad(device):
        w = mg.randn(4, 3, device=device)
        idx = lambda values: mg.tensor(values, device=device)  # noqa: E731
        return {"getitem": lambda: w[idx([1, 7])], "getitem_list": lambda: w[:, [0, -4]],
                "setitem": lambda: w.__setitem__(idx([4]), 0.0),
                "embedding": lambda: F.embedding(idx([1, 5]), w),
                "cross_entropy": lambda: F.cross_entropy(w, idx([0, 3, 1, 1])),
                "index_select": lambda: mg.index_select(w, 0, idx([9])),
                "gather": lambda: w.gather(1, idx([[3], [0], [0], [0]])),
                "one_hot": lambda: F.one_hot(idx([5]), 3)}[name]
    with pytest.raises((IndexError, RuntimeError), match="out of (bounds|range)") as on_cpu:
        bad("cpu")()
    with pytest.raises(type(on_cpu.value)) as on_device:
        bad(cuda_device)()
    assert str(on_device.value) == str(on_cpu.value)


def test_setitem_takes_host_values_into_a_device_tensor(cuda_device):
    t = mg.zeros(2, 3, device=cuda_device)
    t[0] = np.array([1.0, 2.0, 3.0])
    t[1, :2] = [4.0, 5.0]
    t[:, 2] = mg.tensor([7.0, 8.0])                      # a cpu tensor's values
    assert t.device == cuda_device and t.tolist() == [[1.0, 2.0, 7.0], [4.0, 5.0, 8.0]]
