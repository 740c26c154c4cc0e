"""The optimizers (optimizer.py and one file each): trajectories against formulas written out here
by hand and against PyTorch, param groups, state_dict, bad arguments, and a model trained end to end."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset, datasets, random_split
from minigrad.nn import functional as F
from minigrad.utils import metrics

TARGET = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.5]])
WEIGHT = np.array([[1.0, 2.0, 0.5], [3.0, 1.0, 0.2]])
P0 = np.array([[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]])
STEPS = 6


def loss_grad(p):
    """d/dp of sum(w * (p - t)**2) + 0.1 * sum(p**3): 2 w (p - t) + 0.3 p**2."""
    return 2 * WEIGHT * (p - TARGET) + 0.3 * p ** 2


def mg_loss(p):
    return (mg.tensor(WEIGHT) * (p - mg.tensor(TARGET)) ** 2).sum() + 0.1 * (p ** 3).sum()


def run_minigrad(cls, kwargs, dtype=np.float64, steps=STEPS):
    p = mg.tensor(P0.astype(dtype), requires_grad=True)
    opt = cls([p], **kwargs)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        mg_loss(p).backward()
        opt.step()
        out.append(p.data.copy())
    return np.stack(out)


# ----------------------------------------------------------------------- hand-derived references
def ref_sgd(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    p, buf, out = P0.copy(), None, []
    for _ in range(STEPS):
        g = loss_grad(p) * (-1 if maximize else 1) + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
        out.append(p)
    return np.stack(out)


def ref_adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
             maximize=False, decoupled=False):
    p, m, v, vmax, out = P0.copy(), 0 * P0, 0 * P0, 0 * P0, []
    for t in range(1, STEPS + 1):
        g = loss_grad(p) * (-1 if maximize else 1)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - betas[0] ** t)
        v_hat = (vmax if amsgrad else v) / (1 - betas[1] ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return np.stack(out)


def ref_adamw(weight_decay=1e-2, **kw):
    return ref_adam(weight_decay=weight_decay, decoupled=True, **kw)


def ref_rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                maximize=False):
    p, s, a, b, out = P0.copy(), 0 * P0, 0 * P0, 0 * P0, []
    for _ in range(STEPS):
        g = loss_grad(p) * (-1 if maximize else 1) + weight_decay * p
        s = alpha * s + (1 - alpha) * g ** 2
        a = alpha * a + (1 - alpha) * g
        avg = np.sqrt(s - a ** 2 if centered else s) + eps
        if momentum:
            b = momentum * b + g / avg
            p = p - lr * b
        else:
            p = p - lr * g / avg
        out.append(p)
    return np.stack(out)


def ref_adagrad(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                maximize=False):
    p, s, out = P0.copy(), np.full_like(P0, initial_accumulator_value), []
    for t in range(1, STEPS + 1):
        g = loss_grad(p) * (-1 if maximize else 1) + weight_decay * p
        s = s + g ** 2
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
        out.append(p)
    return np.stack(out)


def ref_adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    p, s, u, out = P0.copy(), 0 * P0, 0 * P0, []
    for _ in range(STEPS):
        g = loss_grad(p) * (-1 if maximize else 1) + weight_decay * p
        s = rho * s + (1 - rho) * g ** 2
        d = np.sqrt(u + eps) / np.sqrt(s + eps) * g
        u = rho * u + (1 - rho) * d ** 2
        p = p - lr * d
        out.append(p)
    return np.stack(out)


CASES = [
    ("SGD", ref_sgd, dict(lr=0.05)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.9)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", ref_adam, dict(lr=0.1)),
    ("Adam", ref_adam, dict(lr=0.1, betas=(0.8, 0.95), eps=1e-3, weight_decay=0.1)),
    ("Adam", ref_adam, dict(lr=0.1, amsgrad=True)),
    ("Adam", ref_adam, dict(lr=0.1, amsgrad=True, weight_decay=0.2, maximize=True)),
    ("AdamW", ref_adamw, dict(lr=0.1)),
    ("AdamW", ref_adamw, dict(lr=0.1, weight_decay=0.3, amsgrad=True)),
    ("AdamW", ref_adamw, dict(lr=0.1, maximize=True)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, alpha=0.9, eps=1e-4, weight_decay=0.1)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, momentum=0.9)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, centered=True)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, centered=True, momentum=0.5, maximize=True)),
    ("Adagrad", ref_adagrad, dict(lr=0.1)),
    ("Adagrad", ref_adagrad, dict(lr=0.1, lr_decay=0.1, weight_decay=0.1)),
    ("Adagrad", ref_adagrad, dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-3, maximize=True)),
    ("Adadelta", ref_adadelta, dict()),
    ("Adadelta", ref_adadelta, dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", ref_adadelta, dict(lr=0.5, maximize=True)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, _, kw in CASES]


@pytest.mark.parametrize("name,ref,kwargs", CASES, ids=IDS)
def test_trajectory_matches_hand_derived_formula(name, ref, kwargs):
    got = run_minigrad(getattr(optim, name), kwargs)
    want = ref(**kwargs)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert not np.allclose(got[-1], P0)  # it really moved


@pytest.mark.parametrize("name,ref,kwargs", CASES, ids=IDS)
def test_trajectory_matches_pytorch(name, ref, kwargs):
    torch = pytest.importorskip("torch")
    p = torch.tensor(P0, requires_grad=True)
    w, t = torch.tensor(WEIGHT), torch.tensor(TARGET)
    kw = dict(kwargs)
    opt = getattr(torch.optim, name)([p], **kw)
    want = []
    for _ in range(STEPS):
        opt.zero_grad()
        ((w * (p - t) ** 2).sum() + 0.1 * (p ** 3).sum()).backward()
        opt.step()
        want.append(p.detach().numpy().copy())
    got = run_minigrad(getattr(optim, name), kwargs)
    np.testing.assert_allclose(got, np.stack(want), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,ref,kwargs", CASES[::3], ids=IDS[::3])
def test_float32_parameters_stay_float32_and_match_pytorch(name, ref, kwargs):
    got = run_minigrad(getattr(optim, name), kwargs, dtype=np.float32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref(**kwargs), rtol=2e-4, atol=2e-5)


def test_defaults_match_pytorch():
    torch = pytest.importorskip("torch")
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"):
        mine = getattr(optim, name)([mg.zeros(2, requires_grad=True)]).defaults
        theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).defaults
        for k, v in mine.items():
            assert theirs[k] == v, (name, k, v, theirs[k])


def test_param_groups_have_their_own_hyperparameters_and_skip_params_without_grad():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0], requires_grad=True)
    c = mg.tensor([5.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [c], "momentum": 0.0})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5, 0.1]
    assert opt.param_groups[2]["momentum"] == 0.0
    (a.sum() + 2 * b.sum()).backward()
    opt.step()
    np.testing.assert_allclose(a.data, [0.9, 1.9], rtol=1e-6)
    np.testing.assert_allclose(b.data, [2.0], rtol=1e-6)
    np.testing.assert_allclose(c.data, [5.0])
    assert c not in opt.state and set(opt.state[a]) == {"momentum_buffer"}


def test_zero_grad_to_none_or_zeros():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([p])
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


def test_step_with_closure_returns_loss():
    p = mg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert loss.item() == 1.0 and p.item() == 0.5


def test_bad_arguments_name_the_optimizer_and_value():
    p = mg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="SGD.*lr=-1"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Adam.*betas"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(TypeError, match="single Tensor"):
        optim.Adam(p)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_state_dict_layout_and_round_trip_in_memory():
    a = mg.tensor(P0.copy(), requires_grad=True)
    b = mg.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1, amsgrad=True)
    for _ in range(2):
        opt.zero_grad()
        (mg_loss(a) + (b ** 2).sum()).backward()
        opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["state"][1]["step"] == 2 and set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    a2 = mg.tensor(a.data.copy(), requires_grad=True)
    b2 = mg.tensor(b.data.copy(), requires_grad=True)
    opt2 = optim.Adam([{"params": [a2]}, {"params": [b2]}], lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.01 and opt2.param_groups[0]["lr"] == 0.1
    for o, x, y in ((opt, a, b), (opt2, a2, b2)):
        o.zero_grad()
        (mg_loss(x) + (y ** 2).sum()).backward()
        o.step()
    np.testing.assert_array_equal(a.data, a2.data)
    np.testing.assert_array_equal(b.data, b2.data)


def test_load_state_dict_rejects_mismatched_groups():
    p, q = mg.zeros(2, requires_grad=True), mg.zeros(3, requires_grad=True)
    sd = optim.SGD([p, q], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([p], lr=0.1).load_state_dict(sd)


def test_adagrad_state_exists_before_first_step_like_pytorch():
    p = mg.zeros(3, requires_grad=True)
    sd = optim.Adagrad([p], initial_accumulator_value=0.25).state_dict()
    assert sd["state"][0]["step"] == 0
    np.testing.assert_array_equal(sd["state"][0]["sum"].data, [0.25] * 3)
    assert math.isclose(optim.Adagrad([p]).defaults["eps"], 1e-10)


# ----------------------------------------------------------------------------- end to end: a model trained with an optimizer

def _mlp(seed):
    mg.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


@pytest.mark.slow
def test_mlp_on_digits_with_adam_reaches_97_percent():
    pytest.importorskip("sklearn")
    x, y = datasets.load_digits()
    x = x / 16.0
    gen = mg.Generator().manual_seed(0)
    train, test = random_split(TensorDataset(x, y), [0.8, 0.2], generator=gen)
    model = _mlp(0)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(train, batch_size=32, shuffle=True, generator=gen)
    for _ in range(15):
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
    model.eval()
    (xt, yt), = list(DataLoader(test, batch_size=len(test)))
    with mg.no_grad():
        acc = metrics.accuracy(yt, model(xt))
    assert acc >= 0.97, acc


@pytest.mark.parametrize("cls, kwargs, error, match", [
    (optim.SGD, dict(lr=float("nan")), ValueError, "SGD: lr must not be NaN"),
    (optim.SGD, dict(lr="0.1"), TypeError, "SGD: lr must be a number"),
    (optim.SGD, dict(lr=0.1, momentum=True), TypeError, "SGD: momentum must be a number"),
    (optim.Adam, dict(betas=(0.9,)), TypeError, "Adam: betas must be a pair"),
    (optim.Adam, dict(betas=(float("nan"), 0.9)), ValueError, r"Adam: betas\[0\] must not be NaN"),
    (optim.AdamW, dict(eps="1e-8"), TypeError, "AdamW: eps must be a number"),
    (optim.RMSprop, dict(alpha=None), TypeError, "RMSprop: alpha must be a number"),
    (optim.Adagrad, dict(lr_decay=float("nan")), ValueError, "Adagrad: lr_decay must not be NaN"),
    (optim.Adadelta, dict(rho="0.9"), TypeError, "Adadelta: rho must be a number"),
])
def test_optimizers_refuse_hyper_parameters_that_are_not_numbers(cls, kwargs, error, match):
    with pytest.raises(error, match=match):
        cls([mg.ones(2, requires_grad=True)], **kwargs)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_overflows_where_pytorchs_does(name):
    """A huge lr overflows: the update multiplies and divides in PyTorch's order (addcmul_'s
    (value * g) * g, addcdiv_'s (value * m) / denom), so the same entries become inf and NaN."""
    torch = pytest.importorskip("torch")
    start = [np.array([0.5, -1.0, 2.0], np.float32), np.array([[1.0, -2.0], [0.25, 3.0]], np.float32)]
    runs = []       # the parameters after each of 3 steps, minigrad's then PyTorch's
    for L in (mg, torch):
        p1, p2 = (L.tensor(a.copy(), requires_grad=True) for a in start)
        opt = getattr(L.optim, name)([p1, p2], lr=1e30)
        for _ in range(3):
            opt.zero_grad()
            (((p1 - 1.0) ** 2 * 3.0).sum() + (p1 * 0.5).sum() + (p2 ** 2).sum()).backward()
            opt.step()
            runs.append([p.detach().numpy().copy() for p in (p1, p2)])
    for ours, theirs in zip(sum(runs[:3], []), sum(runs[3:], [])):
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)
