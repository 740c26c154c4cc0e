"""Learning-rate schedulers: the same lr sequences as PyTorch, and the documented closed forms."""
import math

import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler as lrs


def _params():
    return [{"params": [mg.zeros(2, requires_grad=True)]},
            {"params": [mg.zeros(1, requires_grad=True)], "lr": 0.05}]


def sequence(opt, sched, n, metric=None):
    """lr of each group and (if cycled) momentum of group 0, after construction and each step."""
    out = []
    for i in range(n):
        m = opt.param_groups[0].get("momentum", opt.param_groups[0].get("betas", (None,))[0])
        out.append(([float(g["lr"]) for g in opt.param_groups], m))
        opt.step()
        if metric is None:
            sched.step()
        else:
            sched.step(metric[i])
    return out


SCHEDULES = [
    ("LambdaLR", dict(lr_lambda=lambda e: 0.9 ** e + 0.01 * e), "SGD", dict(lr=0.1)),
    ("StepLR", dict(step_size=3, gamma=0.5), "SGD", dict(lr=0.1)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3), "SGD", dict(lr=0.1)),
    ("ExponentialLR", dict(gamma=0.8), "SGD", dict(lr=0.1)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.001), "SGD", dict(lr=0.1)),
    ("StepLR", dict(step_size=1.5, gamma=0.5), "SGD", dict(lr=0.1)),      # any non-zero period, as PyTorch
    ("StepLR", dict(step_size=-2, gamma=0.5), "SGD", dict(lr=0.1)),
    ("CosineAnnealingLR", dict(T_max=-3, eta_min=0.001), "SGD", dict(lr=0.1)),
    ("CosineAnnealingLR", dict(T_max=2.5), "SGD", dict(lr=0.1)),
    ("CosineAnnealingLR", dict(T_max=-1e20), "SGD", dict(lr=0.1)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up="2", step_size_down=-4.5), "SGD",
     dict(lr=0.1, momentum=0.9)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3), "SGD", dict(lr=0.1, momentum=0.9)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=2, step_size_down=4,
                      mode="triangular2"), "SGD", dict(lr=0.1, momentum=0.9)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9),
     "Adam", dict(lr=0.1)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=2, cycle_momentum=False), "Adagrad", dict(lr=0.1)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=20), "SGD", dict(lr=0.1, momentum=0.9)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.3], epochs=4, steps_per_epoch=5, pct_start=0.4,
                        anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0), "Adam", dict(lr=0.1)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=20, three_phase=True), "SGD", dict(lr=0.1, momentum=0.9)),
]


@pytest.mark.parametrize("name,kwargs,opt_name,opt_kwargs", SCHEDULES,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SCHEDULES)])
def test_sequence_matches_pytorch(name, kwargs, opt_name, opt_kwargs):
    torch = pytest.importorskip("torch")
    n = 19 if name == "OneCycleLR" else 20
    opt = getattr(optim, opt_name)(_params(), **opt_kwargs)
    mine = sequence(opt, getattr(lrs, name)(opt, **kwargs), n)
    topt = getattr(torch.optim, opt_name)(
        [{"params": [torch.zeros(2, requires_grad=True)]},
         {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.05}], **opt_kwargs)
    theirs = sequence(topt, getattr(torch.optim.lr_scheduler, name)(topt, **kwargs), n)
    for (lr_a, m_a), (lr_b, m_b) in zip(mine, theirs):
        assert lr_a == pytest.approx(lr_b, rel=1e-12, abs=1e-15)
        assert (m_a is None) == (m_b is None) and (m_a is None or m_a == pytest.approx(m_b, rel=1e-12))


def test_closed_forms():
    opt = optim.SGD(_params(), lr=0.1)
    sched = lrs.CosineAnnealingLR(opt, T_max=8, eta_min=0.01)
    for e in range(1, 8):
        sched.step()
        want = 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * e / 8)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(want, rel=1e-12)
    opt = optim.SGD(_params(), lr=0.1)
    sched = lrs.StepLR(opt, step_size=2, gamma=0.5)
    got = []
    for _ in range(6):
        got.append(sched.get_last_lr()[0])
        sched.step()
    assert got == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    opt = optim.SGD(_params(), lr=1.0)
    sched = lrs.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.5, anneal_strategy="linear",
                           div_factor=10.0, final_div_factor=1.0)
    assert sched.get_last_lr()[0] == pytest.approx(0.1)
    for _ in range(4):
        sched.step()
    assert sched.get_last_lr()[0] == pytest.approx(1.0)  # peak at step pct_start * total - 1
    for _ in range(5):
        sched.step()
    assert sched.get_last_lr()[0] == pytest.approx(0.1)


PLATEAU_METRICS = [1.0, 0.9, 0.9, 0.91, 0.9, 0.95, 0.89999, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75,
                   0.76, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3]


@pytest.mark.parametrize("kwargs", [
    dict(patience=1),
    dict(mode="max", factor=0.5, patience=0, cooldown=2),
    dict(patience=2, threshold=0.05, threshold_mode="abs", min_lr=[0.02, 0.001]),
    dict(patience=0, factor=0.5, threshold=0.0, min_lr=0.099, eps=1e-3),
])
def test_reduce_on_plateau_matches_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    opt = optim.SGD(_params(), lr=0.1)
    mine = sequence(opt, lrs.ReduceLROnPlateau(opt, **kwargs), 20, PLATEAU_METRICS)
    topt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]},
                            {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.05}], lr=0.1)
    theirs = sequence(topt, torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs), 20, PLATEAU_METRICS)
    assert [lr for m in mine for lr in m[0]] == pytest.approx([lr for t in theirs for lr in t[0]], rel=1e-12)
    assert len({tuple(m[0]) for m in mine}) > 1  # the schedule really reduced


def test_reduce_on_plateau_by_hand():
    opt = optim.SGD(_params(), lr=1.0)
    sched = lrs.ReduceLROnPlateau(opt, patience=2, factor=0.5)
    for m in (3.0, 2.0, 2.0, 2.0):
        sched.step(m)
    assert sched.get_last_lr()[0] == 1.0  # two bad epochs = patience: no reduction yet
    sched.step(2.0)
    assert sched.get_last_lr() == [0.5, 0.025]


def test_scheduler_state_dict_resumes_the_sequence():
    opt = optim.SGD(_params(), lr=0.1)
    sched = lrs.MultiStepLR(opt, milestones=[3, 6], gamma=0.5)
    for _ in range(4):
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 4
    opt2 = optim.SGD(_params(), lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    sched2 = lrs.MultiStepLR(opt2, milestones=[1], gamma=0.9)
    sched2.load_state_dict(state)
    for _ in range(4):
        sched.step()
        sched2.step()
        assert sched.get_last_lr() == sched2.get_last_lr()
    assert sched2.get_last_lr()[0] == pytest.approx(0.025)


def test_scheduler_errors():
    opt = optim.Adagrad(_params())
    with pytest.raises(ValueError, match="neither 'momentum' nor 'betas'"):
        lrs.OneCycleLR(opt, max_lr=0.1, total_steps=5)
    with pytest.raises(ValueError, match="total_steps"):
        lrs.OneCycleLR(optim.SGD(_params(), lr=0.1, momentum=0.9), max_lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        lrs.StepLR(optim.SGD(_params(), lr=0.1), step_size=2, last_epoch=3)
    sched = lrs.OneCycleLR(optim.SGD(_params(), lr=0.1, momentum=0.9), max_lr=0.1, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="total steps is 2"):
        sched.step()


def test_schedulers_refuse_zero_periods_naming_the_class():
    opt = optim.SGD([mg.ones(2, requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="StepLR: step_size must not be 0"):
        lrs.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match=r"CosineAnnealingLR: T_max must not be 0 .*got 0.0"):
        lrs.CosineAnnealingLR(opt, T_max=0.0)
    with pytest.raises(ValueError, match=r"CyclicLR: step_size_up \+ step_size_down .* must not be 0, got 2 \+ -2"):
        lrs.CyclicLR(opt, 0.01, 0.1, step_size_up=2, step_size_down=-2)
    with pytest.raises(TypeError, match="StepLR: step_size must be a number, got '2'"):
        lrs.StepLR(opt, step_size="2")
    with pytest.raises(TypeError, match="CyclicLR: step_size_up must be a number, got 'a'"):
        lrs.CyclicLR(opt, 0.01, 0.1, step_size_up="a")
    with pytest.raises(TypeError, match="CyclicLR: scale_fn must be a function.*got 1"):
        lrs.CyclicLR(opt, 0.01, 0.1, scale_fn=1)
    with pytest.raises(TypeError, match="CyclicLR: base_momentum must be a number, got None"):
        lrs.CyclicLR(opt, 0.01, 0.1, base_momentum=None)
    with pytest.raises(NotImplementedError, match=r"CyclicLR: a complex max_momentum is not supported, got 1j"):
        lrs.CyclicLR(opt, 0.01, 0.1, max_momentum=1j)


@pytest.mark.parametrize("make, error, message", [
    (lambda opt: lrs.LambdaLR(opt, lr_lambda=None), TypeError, r"LambdaLR: lr_lambda must be a function .*got None"),
    (lambda opt: lrs.LambdaLR(opt, lr_lambda=[abs, abs]), ValueError, r"LambdaLR: expected 1 values for lr_lambda"),
    (lambda opt: lrs.OneCycleLR(opt, max_lr=1.0, total_steps="2"), TypeError,
     r"OneCycleLR: total_steps must be an int"),
    (lambda opt: lrs.OneCycleLR(opt, max_lr=1.0, epochs=2.0, steps_per_epoch=2), TypeError,
     r"OneCycleLR: epochs must be an int, got 2.0"),
    (lambda opt: lrs.ReduceLROnPlateau(opt, patience=(1, 1)), TypeError,
     r"ReduceLROnPlateau: patience must be a number"),
    (lambda opt: lrs.ReduceLROnPlateau(opt, min_lr=1 + 2j), TypeError, r"ReduceLROnPlateau: min_lr must be a number"),
    (lambda opt: lrs.ReduceLROnPlateau(opt, cooldown=float("nan")), ValueError,
     r"ReduceLROnPlateau: cooldown must not be NaN"),
    (lambda opt: lrs.ReduceLROnPlateau(opt, factor="0.5"), TypeError, r"ReduceLROnPlateau: factor must be a number"),
    (lambda opt: lrs.ExponentialLR(opt, gamma=None), TypeError, r"ExponentialLR: gamma must be a number, got None"),
    (lambda opt: lrs.MultiStepLR(opt, milestones=3), TypeError, r"MultiStepLR: milestones must be an iterable of epochs, got 3"),
    (lambda opt: lrs.MultiStepLR(opt, [2, 4], gamma="0.1"), TypeError, r"MultiStepLR: gamma must be a number"),
    (lambda opt: lrs.OneCycleLR(opt, max_lr=1.0, total_steps=10, final_div_factor=0.0), ValueError,
     r"OneCycleLR: final_div_factor must not be 0"),
    (lambda opt: lrs.OneCycleLR(opt, max_lr=1.0, total_steps=10, max_momentum=None), TypeError,
     r"OneCycleLR: max_momentum must be a number, got None"),
])
def test_scheduler_arguments_are_checked_naming_the_class(make, error, message):
    with pytest.raises(error, match=message):
        make(optim.SGD([mg.ones(2, requires_grad=True)], lr=0.1, momentum=0.9))


@pytest.mark.parametrize("milestones", [None, "2", [1.5], (2, 2), {3}])
def test_multisteplr_counts_any_iterable_of_milestones_as_pytorch(milestones):
    torch = pytest.importorskip("torch")
    opt = optim.SGD([mg.ones(2, requires_grad=True)], lr=1.0)
    topt = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=1.0)
    ours, theirs = lrs.MultiStepLR(opt, milestones, gamma=0.5), torch.optim.lr_scheduler.MultiStepLR(topt, milestones, 0.5)
    for _ in range(5):
        opt.step(), topt.step()
        ours.step(), theirs.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr())


def test_reduce_lr_on_plateau_takes_a_negative_cooldown_and_min_lr_as_pytorch():
    """A cooldown below 0 is no cooldown and a min_lr below 0 (-inf too) no floor: PyTorch takes
    both, and the lrs then follow PyTorch's."""
    torch = pytest.importorskip("torch")
    for kw in (dict(cooldown=-2), dict(min_lr=-math.inf), dict(min_lr=-1.0), dict(cooldown=1.5)):
        ours = optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1)
        theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        a, b = lrs.ReduceLROnPlateau(ours, patience=1, **kw), torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, patience=1, **kw)
        for metric in (1.0, 2.0, 3.0, 4.0, 5.0, 0.5, 6.0, 7.0):
            a.step(metric)
            b.step(metric)
            assert math.isclose(ours.param_groups[0]["lr"], theirs.param_groups[0]["lr"], rel_tol=1e-12), kw
    with pytest.raises(ValueError, match=r"^ReduceLROnPlateau: min_lr must not be NaN"):
        lrs.ReduceLROnPlateau(optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1), min_lr=math.nan)


def test_cyclic_lr_checks_its_lrs_and_step_sizes_naming_itself():
    torch = pytest.importorskip("torch")
    opt = optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    cases = [(dict(base_lr="0.1", max_lr=0.1), TypeError, r"^CyclicLR: base_lr must be a number, got '0.1'"),
             (dict(base_lr=None, max_lr=0.1), TypeError, r"^CyclicLR: base_lr must be a number, got None"),
             (dict(base_lr=0.01, max_lr="0.1"), TypeError, r"^CyclicLR: max_lr must be a number, got '0.1'"),
             (dict(base_lr=0.01, max_lr=1j), NotImplementedError, r"^CyclicLR: a complex max_lr is not supported, got 1j"),
             (dict(base_lr=0.01, max_lr=0.1, step_size_up=math.nan), ValueError, r"^CyclicLR: step_size_up must not be NaN")]
    for kwargs, error, message in cases:
        kwargs.setdefault("step_size_up", 2)
        with pytest.raises(error, match=message):
            lrs.CyclicLR(opt, **kwargs)
        if error is not NotImplementedError:    # PyTorch fails too (on the first lr it computes), naming nothing
            theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
            with pytest.raises(error):
                torch.optim.lr_scheduler.CyclicLR(theirs, **kwargs)
    ours = optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    a, b = lrs.CyclicLR(ours, -1.0, 0.1, step_size_up="2"), torch.optim.lr_scheduler.CyclicLR(theirs, -1.0, 0.1, step_size_up="2")
    for _ in range(5):
        a.step()
        b.step()
        assert math.isclose(ours.param_groups[0]["lr"], theirs.param_groups[0]["lr"], rel_tol=1e-12)


def test_reduce_lr_on_plateau_says_a_complex_eps_is_not_supported():
    """PyTorch takes a complex eps (it compares its absolute change with it); minigrad's
    schedulers work with real numbers and say so."""
    opt = optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(NotImplementedError, match=r"^ReduceLROnPlateau: a complex eps is not supported, got \(1\+2j\)"):
        lrs.ReduceLROnPlateau(opt, eps=1 + 2j)
    with pytest.raises(TypeError, match=r"^ReduceLROnPlateau: eps must be a number, got '1e-8'"):
        lrs.ReduceLROnPlateau(opt, eps="1e-8")
    assert lrs.ReduceLROnPlateau(opt, eps=1e-6).eps == 1e-6
