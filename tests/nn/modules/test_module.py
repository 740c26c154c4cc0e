"""Module bookkeeping: registration, iteration, state_dict round trip, load errors, modes,
devices/dtypes, hooks, containers."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(3, 2))
        self.scale = nn.Parameter(mg.ones(1))
        self.register_buffer("steps", mg.zeros(1))
        self.register_buffer("cache", mg.zeros(2), persistent=False)

    def forward(self, x):
        return self.head(self.bn(self.fc1(x))) * self.scale


def test_registration_and_iteration_order():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "head.1.weight", "head.1.bias"]
    assert [n for n, _ in net.named_buffers()] == [
        "steps", "cache", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["fc1", "bn", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "bn", "head", "head.0", "head.1"]
    assert len(list(net.parameters())) == 7 and len(list(net.parameters(recurse=False))) == 1
    assert list(net.children())[2] is net.head and net.get_submodule("head.1") is net.head[1]
    assert net.get_parameter("head.1.bias") is net.head[1].bias
    # state_dict: parameters then persistent buffers per module; "cache" is not persistent
    keys = list(net.state_dict())
    assert keys == ["scale", "steps", "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "bn.running_mean",
                    "bn.running_var", "bn.num_batches_tracked", "head.1.weight", "head.1.bias"]
    # re-assigning and deleting
    net.fc1 = None
    assert "fc1.weight" not in net.state_dict()
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(TypeError, match="cannot assign"):
        net.bn = 3
    with pytest.raises(KeyError, match="can't be empty or contain"):
        net.register_buffer("a.b", mg.zeros(1))


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_state_dict_round_trip_gives_identical_outputs():
    a, b = Net(), Net()
    x = mg.randn(5, 4)
    a.train()
    a(x)                                   # moves the running statistics
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    for (k, v), (k2, v2) in zip(a.state_dict().items(), b.state_dict().items()):
        assert k == k2 and v.dtype == v2.dtype
        np.testing.assert_array_equal(v.numpy(), v2.numpy())
    assert b.bn.num_batches_tracked.item() == 1
    # state_dict values share memory, as PyTorch (clone to keep a snapshot)
    sd = a.state_dict()
    with mg.no_grad():
        a.fc1.weight.add_(1.0)
    np.testing.assert_array_equal(sd["fc1.weight"].numpy(), a.fc1.weight.detach().numpy())


def test_load_state_dict_lists_every_problem_and_changes_nothing():
    net = Net()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    bad = {k: mg.tensor(v.numpy() + 1) for k, v in Net().state_dict().items()}
    del bad["fc1.bias"], bad["bn.running_var"]
    bad["fc1.weight"] = mg.zeros(3, 5)
    bad["extra.weight"] = mg.zeros(2)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(bad)
    msg = str(err.value)
    for piece in ['Missing key(s) in state_dict: "fc1.bias", "bn.running_var"',
                  'Unexpected key(s) in state_dict: "extra.weight"',
                  "size mismatch for fc1.weight: copying a param with shape (3, 5) from checkpoint, "
                  "the shape in current model is (3, 4)"]:
        assert piece in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    # strict=False: loads the rest, reports the keys; a shape mismatch is still an error
    del bad["fc1.weight"]
    res = net.load_state_dict(bad, strict=False)
    assert res.missing_keys == ["fc1.weight", "fc1.bias", "bn.running_var"]
    assert res.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(net.bn.running_mean.numpy(), bad["bn.running_mean"].numpy())
    bad["fc1.weight"] = mg.zeros(1)
    with pytest.raises(RuntimeError, match="size mismatch for fc1.weight"):
        net.load_state_dict(bad, strict=False)


def test_train_eval_requires_grad_zero_grad_apply():
    net = Net()
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(mg.randn(3, 4)).sum().backward()
    assert net.fc1.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert (net.fc1.weight.grad.numpy() == 0).all()
    net.zero_grad()
    assert net.fc1.weight.grad is None
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "BatchNorm1d", "ReLU", "Linear", "Sequential", "Net"]
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_to_dtype_keeps_parameter_identity_and_integer_buffers():
    net = Net()
    w = net.fc1.weight
    net.to(mg.float64)
    assert net.fc1.weight is w and w.dtype == mg.float64
    assert net.bn.running_mean.dtype == mg.float64 and net.bn.num_batches_tracked.dtype == mg.int64
    assert net(mg.randn(3, 4, dtype=mg.float64)).dtype == mg.float64
    net.float()
    assert w.dtype == mg.float32
    net.to("cpu")
    assert w.device == "cpu"
    with pytest.raises(TypeError, match="floating point"):
        net.to(mg.int64)


def test_forward_hooks_and_pre_hooks():
    lin = nn.Linear(2, 2)
    seen = []
    h1 = lin.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    h2 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    out = lin(mg.ones(3, 2))
    assert seen == [(3, 2)]
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(lin.bias.detach().numpy(), (3, 2)))
    h1.remove(), h2.remove()
    lin(mg.ones(1, 2))
    assert seen == [(3, 2)]


def test_containers():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(3, 4)), ("act", nn.ReLU())]))
    assert seq.fc is seq[0] and len(seq) == 2
    seq.append(nn.Linear(4, 1))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias", "2.weight", "2.bias"]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[-1] is seq[2]
    assert seq(mg.randn(5, 3)).shape == (5, 1)
    with pytest.raises(IndexError, match="index 3 is out of range for length 3"):
        seq[3]
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml.insert(1, nn.ReLU())
    assert [type(m).__name__ for m in ml] == ["Linear", "ReLU", "Linear", "Linear"]
    assert list(ml.state_dict())[:3] == ["0.weight", "0.bias", "2.weight"]
    md = nn.ModuleDict({"a": nn.Linear(1, 2), "b": nn.Tanh()})
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    pl = nn.ParameterList([mg.zeros(2), nn.Parameter(mg.ones(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and list(pl.state_dict()) == ["0", "1"]
    pd = nn.ParameterDict({"w": mg.zeros(2, 2)})
    assert isinstance(pd["w"], nn.Parameter) and len(list(pd.parameters())) == 1


def test_repr_tree():
    net = Net()
    text = repr(net)
    assert text.startswith("Net(\n  (fc1): Linear(in_features=4, out_features=3, bias=True)\n")
    assert "  (head): Sequential(\n    (0): ReLU()\n    (1): Linear(in_features=3, out_features=2, bias=True)\n  )" in text


def test_dropout_is_inverted_seeded_and_off_in_eval():
    x = mg.ones(2000)
    mg.manual_seed(3)
    a = F.dropout(x, 0.25)
    mg.manual_seed(3)
    b = F.dropout(x, 0.25)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    vals = set(np.unique(a.numpy()).tolist())
    assert vals == {0.0, np.float32(1 / 0.75)}
    assert abs((a.numpy() == 0).mean() - 0.25) < 0.04
    d = nn.Dropout(0.5).eval()
    assert d(x) is x
    assert (F.dropout(x, 1.0).numpy() == 0).all()
    with pytest.raises(ValueError, match=r"^Dropout: p must be in \[0\.0, 1\.0\], got 1\.5"):
        nn.Dropout(1.5)


def test_embedding_from_pretrained_and_padding_row():
    w = mg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(mg.tensor([2, 0])).numpy(), [[5.0, 6.0], [1.0, 2.0]])
    emb = nn.Embedding(5, 3, padding_idx=1)
    assert (emb.weight.detach().numpy()[1] == 0).all()
    emb(mg.tensor([[1, 2], [1, 1]])).sum().backward()
    assert (emb.weight.grad.numpy()[1] == 0).all() and (emb.weight.grad.numpy()[2] == 1).all()


def test_one_hot_and_normalize():
    np.testing.assert_array_equal(F.one_hot(mg.tensor([0, 2, 1])).numpy(), np.eye(3, dtype=np.int64)[[0, 2, 1]])
    assert F.one_hot(mg.tensor([[1]]), num_classes=4).shape == (1, 1, 4)
    x = mg.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    y = F.normalize(x)
    np.testing.assert_allclose(y.detach().numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_deepcopy_pickle_and_sequential_deletion():
    import copy
    import pickle
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    twin = copy.deepcopy(seq)
    assert isinstance(twin[0].weight, nn.Parameter) and twin[0].weight is not seq[0].weight
    np.testing.assert_array_equal(twin[0].weight.detach().numpy(), seq[0].weight.detach().numpy())
    with mg.no_grad():
        twin[0].weight.zero_()
    assert np.abs(seq[0].weight.detach().numpy()).sum() > 0
    back = pickle.loads(pickle.dumps(seq))
    x = mg.randn(4, 2)
    np.testing.assert_array_equal(back(x).detach().numpy(), seq(x).detach().numpy())
    del seq[1]
    assert len(seq) == 2 and list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert seq(x).shape == (4, 1)


@pytest.mark.parametrize("values", ["numpy", "list"])
def test_load_state_dict_refuses_values_that_are_not_tensors(values):
    m = mg.nn.Linear(2, 1)
    w, b = np.ones((1, 2), np.float32), np.ones(1, np.float32)
    state = {"weight": w, "bias": b} if values == "numpy" else {"weight": w.tolist(), "bias": b.tolist()}
    before = m.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match='While copying the parameter named "weight", expected a Tensor'):
        m.load_state_dict(state)
    assert np.array_equal(m.weight.detach().numpy(), before)
    with pytest.raises(TypeError, match="load_state_dict: expected a dict"):
        m.load_state_dict([mg.ones(1, 2), mg.ones(1)])


def test_a_layer_names_itself_and_a_container_the_layer_that_failed():
    cases = [(lambda: nn.BatchNorm1d(3)(5), TypeError, r"^BatchNorm1d: input must be a Tensor, got int$"),
             (lambda: nn.Upsample(scale_factor=2)(3), TypeError, r"^Upsample: input must be a Tensor, got int$"),
             (lambda: nn.BCELoss()(mg.rand(3), mg.rand(2)), ValueError,
              r"^BCELoss: target shape \(2,\) differs from input shape \(3,\)"),
             (lambda: nn.Sequential(nn.ReLU(), nn.Linear(2, 3))(mg.ones(3)), RuntimeError,
              r"^Linear: input shape \(3,\) does not match weight shape \(3, 2\)")]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()

    class Broken(nn.Module):
        def forward(self, x):
            return x.no_such_attribute
    with pytest.raises(AttributeError):        # a bug in forward stays an AttributeError
        Broken()(mg.ones(2))


def test_minigrads_layers_name_themselves_in_their_constructors_errors():
    cases = [(lambda: nn.PReLU(dtype=mg.int64), RuntimeError, r"^PReLU: only floating point tensors can require gradients"),
             (lambda: nn.BCELoss(weight=1.5), TypeError, r"^BCELoss: cannot assign float object to buffer 'weight'"),
             (lambda: nn.Bilinear(2, -3, 4), ValueError, r"^Bilinear: negative dimension in size \(4, 2, -3\)$"),
             (lambda: nn.GRUCell(2, 3, device="bogus"), ValueError, r"^GRUCell: unknown device 'bogus'")]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()

    class Mine(nn.Module):
        def __init__(self):
            super().__init__()
            raise ValueError("my own message")
    with pytest.raises(ValueError, match=r"^my own message$"):     # a user's model is left as written
        Mine()


def test_layer_sizes_that_would_divide_by_zero_are_refused_in_the_layers_name():
    with pytest.raises(ValueError, match="^GroupNorm: num_groups must be at least 1, got 0"):
        nn.GroupNorm(0, 4)
    with pytest.raises(ValueError, match="^Bilinear: in1_features must be at least 1, got 0"):
        nn.Bilinear(0, 4, 5)
    with pytest.raises(ValueError, match="^PositionalEncoding: d_model must be at least 1, got 0"):
        nn.PositionalEncoding(0)
    with pytest.raises(RuntimeError, match=r"^PositionalEncoding: expected an input of shape \(L, N, 4\), "
                                           r"got \(3, 2, 8\)"):
        nn.PositionalEncoding(4, dropout=0.0)(mg.ones(3, 2, 8))


def test_embedding_padding_idx_must_be_an_int_as_pytorchs():
    pytest.importorskip("torch")
    from tests.torch_oracle import raises_as_torch

    for bad in (True, False):
        raises_as_torch(lambda m: m.nn.Embedding(10, 3, padding_idx=bad)(m.zeros(2, dtype=m.int64)),
                        rf"^Embedding: padding_idx must be an int, got {bad}")
    assert nn.Embedding(10, 3, padding_idx=-1).padding_idx == 9
