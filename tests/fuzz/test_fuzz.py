"""The bad-input fuzz suite in the test run: the ci profile (3 probes per target, every public
function, Tensor method, module, optimizer, scheduler, the DataLoader and save/load), each probe
in a worker process. It fails on a crash or a hang of a worker, on a harness error, and on a bad
probe whose (category, target) is not in ``known_bad.txt``; ``python -m tests.fuzz`` prints the
same table and every bad probe, ``--profile long`` draws 60 per target."""
import os

import numpy as np
import pytest

import minigrad as mg

from .execute import Result, _innermost, run
from .judge import judge
from .recipes import FUNCTIONS, Fn, T
from .runner import PROFILES, bad_pairs, draw, execute, read_known, report, table, targets
from .strategies import Probe


def _use_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def test_ci_profile_finds_nothing_new(capsys):
    use_torch = _use_torch()
    n = PROFILES[os.environ.get("MINIGRAD_FUZZ_PROFILE", "ci")]
    found = targets()
    probes = [p for t in found for p in draw(t, n)]
    records = execute(probes, use_torch)
    with capsys.disabled():
        print(f"\nfuzz: {len(found)} targets, {len(probes)} probes, PyTorch {'on' if use_torch else 'off'}")
        report(probes, records, limit=0)
    counts = table(probes, records)
    crashed = [(p, r) for p, r in zip(probes, records) if r[1] == "memory safety"]
    assert not crashed, f"worker processes died or hung: {crashed}"
    harness = [(p, r) for p, r in zip(probes, records) if r[1] == "harness"]
    assert not harness, f"the judge failed: {harness}"
    assert counts["memory safety"] == [len(probes), len(probes), 0]
    if use_torch:
        new = sorted(set(bad_pairs(probes, records)) - read_known())
        why = {(r[1], p.target): (r[3], p) for p, r in zip(probes, records) if not r[2]}
        assert not new, "bad probes outside known_bad.txt:\n" + "\n".join(
            f"[{c}] {t}: {why[(c, t)][0]}\n    e.g. {why[(c, t)][1]!r}" for c, t in new)


def test_a_dying_worker_is_a_memory_safety_failure_and_the_run_goes_on(monkeypatch):
    monkeypatch.setenv("MINIGRAD_FUZZ_ABORT_AT", "1")
    probes = [Probe("mg.exp", ((T((2, 3)),), {})), Probe("mg.exp", ((T((2, 3)),), {})),
              Probe("mg.exp", ((T((3,)),), {}))]
    records = execute(probes, use_torch=False)
    assert [r[1:3] for r in records] == [["silently wrong", True], ["memory safety", False],
                                         ["silently wrong", True]]
    assert "died" in records[1][3] and "signal 6" in records[1][3]


def test_a_pytorch_that_does_not_answer_leaves_minigrad_judged_alone(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv("MINIGRAD_FUZZ_ORACLE_TIMEOUT", "2")
    probe = Probe("nn.GRU", ({"input_size": 4, "hidden_size": 5, "num_layers": 10**20},
                             (T((3, 2, 4)),), {}, {}), "ctor:num_layers")
    [record] = execute([probe], use_torch=True, timeout=60.0)
    assert record[1:3] == ["poor errors", True], record


def _target(name):
    return next(t for t in targets() if t.name == name)


def test_judge_flags_a_float64_result_and_an_error_that_names_no_op():
    import minigrad as mg
    probe = Probe("mg.exp", ((T((2, 3)),), {}))
    target = _target("mg.exp")
    float64 = Result(value=mg.ones(2, 3, dtype=mg.float64))
    verdict = judge(target, probe, float64, None)
    assert (verdict.category, verdict.ok) == ("silently wrong", False) and "float64" in verdict.why
    assert judge(target, probe, Result(value=mg.ones(2, 3)), None).ok
    anonymous = Result(error=ValueError("operands could not be broadcast"))
    verdict = judge(target, probe, anonymous, None)
    assert (verdict.category, verdict.ok) == ("poor errors", False) and "does not name exp" in verdict.why
    assert judge(target, probe, Result(error=ValueError("exp: bad input")), None).ok
    assert not judge(target, probe, Result(error=ZeroDivisionError("exp: division by zero")), None).ok


def test_judge_compares_with_pytorch():
    torch = pytest.importorskip("torch")
    import minigrad as mg
    probe = Probe("mg.exp", ((T((2,), fill="zeros"),), {}))
    target = _target("mg.exp")
    theirs = Result(value=torch.tensor([1.0, 1.0]))
    assert judge(target, probe, Result(value=mg.tensor([1.0, 1.0])), theirs).ok
    verdict = judge(target, probe, Result(value=mg.tensor([1.0, 2.5])), theirs)
    assert (verdict.category, verdict.ok) == ("silently wrong", False) and "values differ" in verdict.why
    refused = Result(error=RuntimeError("exp: no"))
    verdict = judge(target, probe, Result(value=mg.tensor([1.0, 2.0])), refused)
    assert (verdict.category, verdict.ok) == ("invalid accepted", False)
    empty = Probe("mg.exp", ((T((0,)),), {}))
    verdict = judge(target, empty, Result(error=RuntimeError("exp: empty")), Result(value=torch.ones(0)))
    assert (verdict.category, verdict.ok) == ("empty batches", False)


def test_judge_takes_pytorchs_own_exception_type_and_refused_nan_or_bool():
    torch = pytest.importorskip("torch")
    sched = _target("sched.ExponentialLR")
    probe = Probe("sched.ExponentialLR", ({"gamma": 0.9, "last_epoch": 2}, 8), "one")
    ours = Result(error=KeyError("ExponentialLR: param 'initial_lr' is not specified"))
    assert judge(sched, probe, ours, Result(error=KeyError("param 'initial_lr' is not specified"))).ok
    verdict = judge(sched, probe, ours, Result(error=RuntimeError("no")))
    assert (verdict.category, verdict.ok) == ("poor errors", False) and "undocumented" in verdict.why
    target = _target("F.softplus")
    returned = Result(value=torch.ones(2, 3))
    nan = Probe("F.softplus", ((T((2, 3)),), {"beta": float("nan")}))
    assert judge(target, nan, Result(error=ValueError("softplus: beta must not be NaN")), returned).ok
    flag = Probe("F.softplus", ((T((2, 3)),), {"beta": True}))
    assert judge(target, flag, Result(error=TypeError("softplus: beta must be a number, got True (bool)")),
                 returned).ok
    verdict = judge(target, flag, Result(error=ValueError("softplus: beta is too large")), returned)
    assert (verdict.category, verdict.ok) == ("poor errors", False) and "refuses what PyTorch accepts" in verdict.why


def test_judge_passes_on_an_exception_of_the_callers_own_function():
    pytest.importorskip("torch")
    sched = _target("sched.LambdaLR")
    probe = Probe("sched.LambdaLR", ({"lr_lambda": Fn("raises")}, 8), "one")
    with pytest.raises(ZeroDivisionError) as info:
        FUNCTIONS["raises"](0)
    ours = Result(error=info.value, frame=_innermost(info.value))
    assert judge(sched, probe, ours, Result(error=ZeroDivisionError("division by zero"))).ok
    verdict = judge(sched, probe, Result(error=ZeroDivisionError("division by zero"), frame=__file__),
                    Result(error=ZeroDivisionError("division by zero")))
    assert (verdict.category, verdict.ok) == ("poor errors", False)


def test_judge_compares_type_names_without_the_librarys_name():
    pytest.importorskip("torch")
    target = _target("Tensor.type")
    probe = Probe("Tensor.type", ((T((0, 3)),), {}), "batch0")
    assert judge(target, probe, Result(value="minigrad.FloatTensor"), Result(value="torch.FloatTensor")).ok
    verdict = judge(target, probe, Result(value="minigrad.LongTensor"), Result(value="torch.FloatTensor"))
    assert (verdict.category, verdict.ok) == ("empty batches", False) and "LongTensor" in verdict.why


def test_judge_reads_pytorchs_zero_tensor_gradient_of_sgn():
    pytest.importorskip("torch")
    probe = Probe("mg.sgn", ((T((2, 3), "float32", grad=True),), {}))
    [record] = execute([probe], use_torch=True, timeout=120.0)
    assert record[1:3] == ["silently wrong", True], record


def test_judge_accepts_the_documented_differences_and_nothing_next_to_them():
    torch = pytest.importorskip("torch")
    import minigrad as mg
    nan = float("nan")
    sign, probe = _target("mg.sign"), Probe("mg.sign", ((T((2,), fill="nan"),), {}))
    assert judge(sign, probe, Result(value=mg.tensor([nan, 1.0])), Result(value=torch.tensor([0.0, 1.0]))).ok
    assert not judge(sign, probe, Result(value=mg.tensor([nan, 1.0])), Result(value=torch.tensor([0.0, -1.0]))).ok
    assert not judge(_target("mg.exp"), Probe("mg.exp", probe.call), Result(value=mg.tensor([nan, 1.0])),
                     Result(value=torch.tensor([0.0, 1.0]))).ok
    huber = _target("F.huber_loss")
    probe = Probe("F.huber_loss", ((T((2,), fill="zeros"), T((2,), "float64", fill="zeros")), {}))
    assert judge(huber, probe, Result(value=mg.tensor(np.float64(0.0))), Result(value=torch.tensor(0.0))).ok
    assert not judge(huber, probe, Result(value=mg.tensor(np.float64(0.5))), Result(value=torch.tensor(0.0))).ok
    unique = _target("mg.unique")
    probe = Probe("mg.unique", ((T((3,), fill="range", grad=True),), {}))
    theirs = Result(value=torch.tensor([1.0, 2.0], requires_grad=True) * 1)
    assert judge(unique, probe, Result(value=mg.tensor([1.0, 2.0])), theirs).ok
    assert not judge(unique, probe, Result(value=mg.tensor([1.0, 3.0])), theirs).ok


def test_judge_takes_a_default_spelled_out_that_pytorchs_overloads_refuse():
    pytest.importorskip("torch")
    import minigrad as mg
    target = _target("mg.squeeze")
    refused = Result(error=TypeError("squeeze() received an invalid combination of arguments"))
    spelled = Probe("mg.squeeze", ((T((2, 1)),), {"dim": None}), "dim")
    assert judge(target, spelled, Result(value=mg.ones(2)), refused).ok
    other = Probe("mg.squeeze", ((T((2, 1)),), {"dim": 1.5}), "dim")
    verdict = judge(target, other, Result(value=mg.ones(2)), refused)
    assert (verdict.category, verdict.ok) == ("invalid accepted", False)
    runtime = judge(target, spelled, Result(value=mg.ones(2)), Result(error=RuntimeError("squeeze: no")))
    assert (runtime.category, runtime.ok) == ("invalid accepted", False)


def test_judge_compares_gradients_at_float16_tolerance_only_where_float16_is_asked_for():
    from .judge import _asks_float16, compare
    from .recipes import D
    assert _asks_float16(Probe("mg.cumprod", ((T((2,), grad=True), 0), {"dtype": D("float16")})))
    assert _asks_float16(Probe("mg.add", ((T((2,)), T((2,), "float16")), {})))
    assert not _asks_float16(Probe("mg.cumprod", ((T((2,), grad=True), 0), {"dtype": D("float32")})))
    ours, theirs = ("tensor", np.array([1.0, 2.001], np.float32), "float32", False), \
        ("tensor", np.array([1.0, 2.0], np.float32), "float32", False)
    assert compare(ours, theirs, False, "gradients", "float16") is None
    assert "values differ" in compare(ours, theirs, False, "gradients")


def test_judge_takes_float32_values_as_close_as_pytorchs_to_its_float64_ones():
    pytest.importorskip("torch")
    large = Probe("nn.BatchNorm1d", ({"num_features": 4}, (T((3, 4), fill="large"),), {}, {}), "input0")
    [record] = execute([large], use_torch=True, timeout=120.0)
    assert record[1:4] == ["silently wrong", True, "no further from PyTorch's float64 values than its float32 ones"], \
        record


def test_judge_leaves_pytorchs_own_view_failure_out_of_the_comparison():
    pytest.importorskip("torch")
    import minigrad as mg
    target = _target("mg.take_along_dim")
    probe = Probe("mg.take_along_dim", ((T((2, 3), layout="noncontiguous"), T((2, 3), "int64", "int:2")), {}), "input")
    bug = Result(error=RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                                    "dimension spans across two contiguous subspaces). Use .reshape(...) instead."))
    assert judge(target, probe, Result(value=mg.ones(6)), bug).ok
    view = _target("Tensor.view")
    verdict = judge(view, Probe("Tensor.view", ((T((2, 3), layout="noncontiguous"), 6), {}), "self"),
                    Result(value=mg.ones(6)), bug)
    assert (verdict.category, verdict.ok) == ("invalid accepted", False)


def test_judge_takes_a_refusal_of_an_in_place_twin_that_pytorch_checks_only_out_of_place():
    torch = pytest.importorskip("torch")
    probe = Probe("F.hardtanh_", ((T((2, 3)),), {"min_val": float("inf")}), "min_val")
    ours = Result(error=ValueError("hardtanh_: min_val (inf) cannot be greater than max_val (1.0)"))
    assert judge(_target("F.hardtanh_"), probe, ours, Result(value=torch.ones(2, 3))).ok
    softplus = Probe("F.softplus", ((T((2, 3)),), {"beta": 2.0}), "beta")
    verdict = judge(_target("F.softplus"), softplus, Result(error=ValueError("softplus: no")),
                    Result(value=torch.ones(2, 3)))
    assert (verdict.category, verdict.ok) == ("poor errors", False)


def test_judge_takes_the_documented_differences_and_nothing_near_them():
    torch = pytest.importorskip("torch")
    probe = Probe("F.adaptive_avg_pool3d", ((T((2, 3, 4)), 1), {}), "input")
    ours = Result(error=RuntimeError("adaptive_avg_pool3d: expected a 4-D (unbatched) or 5-D (batched) input, got "
                                     "input of shape (2, 3, 4)"))
    assert judge(_target("F.adaptive_avg_pool3d"), probe, ours, Result(value=torch.ones(2, 1, 1))).ok
    other = Result(error=RuntimeError("adaptive_avg_pool3d: output_size must be positive, got 1"))
    verdict = judge(_target("F.adaptive_avg_pool3d"), probe, other, Result(value=torch.ones(2, 1, 1)))
    assert (verdict.category, verdict.ok) == ("poor errors", False)
    var = Probe("Tensor.var", ((T((2, 3)),), {"dim": True}), "dim")
    refusal = Result(error=TypeError("var() received an invalid combination of arguments - got (dim=bool, ), but"))
    assert judge(_target("Tensor.var"), var, Result(value=mg.ones(())), refusal).ok
    verdict = judge(_target("Tensor.var"), var, Result(value=mg.ones(())),
                    Result(error=TypeError("var() received an invalid combination of arguments - got (dim=str, )")))
    assert (verdict.category, verdict.ok) == ("invalid accepted", False)
    keepdim = Result(error=TypeError("var() received an invalid combination of arguments - got (keepdim=bool, )"))
    verdict = judge(_target("Tensor.var"), var, Result(value=mg.ones(())), keepdim)
    assert (verdict.category, verdict.ok) == ("invalid accepted", False)


def test_judge_takes_pytorchs_positional_variance_spellings_and_nothing_near_them():
    pytest.importorskip("torch")
    import minigrad as mg
    refusal = Result(error=TypeError("std_mean() received an invalid combination of arguments - got (Tensor, "
                                     "keepdim=bool, unbiased=bool), but expected one of"))
    ours = Result(value=(mg.ones(1, 1), mg.ones(1, 1)))
    for kwargs in ({"unbiased": True, "keepdim": True}, {"unbiased": None, "keepdim": True},
                   {"dim": 0, "unbiased": None}, {"correction": 5, "unbiased": None}):
        probe = Probe("mg.std_mean", ((T((2, 3)),), kwargs), ",".join(kwargs))
        assert judge(_target("mg.std_mean"), probe, ours, refusal).ok, kwargs
    for kwargs in ({"dim": "0", "unbiased": None}, {"unbiased": True, "correction": 1}, {"keepdim": 1, "unbiased": None},
                   {"dim": 0, "unbiased": True, "keepdim": True, "mean": 1}):
        probe = Probe("mg.std_mean", ((T((2, 3)),), kwargs), ",".join(kwargs))
        verdict = judge(_target("mg.std_mean"), probe, ours, refusal)
        assert (verdict.category, verdict.ok) == ("invalid accepted", False), kwargs
    where = Probe("mg.where", ((T((2, 3), "bool", fill="bool"),), {"input": True, "other": T((2, 3))}), "input")
    refused = TypeError("where() received an invalid combination of arguments - got (Tensor, other=Tensor, input=bool)")
    assert judge(_target("mg.where"), where, Result(value=mg.ones(2, 3)), Result(error=refused)).ok
    refused = TypeError("where() received an invalid combination of arguments - got (Tensor, other=Tensor, input=str)")
    verdict = judge(_target("mg.where"), where, Result(value=mg.ones(2, 3)), Result(error=refused))
    assert (verdict.category, verdict.ok) == ("invalid accepted", False)


def test_a_save_in_pytorchs_format_is_refused_and_counts_as_expected():
    """minigrad reads PyTorch's .pt files but writes none: save(format='torch') raises ValueError."""
    pytest.importorskip("torch")
    probes = [Probe("ckpt.save_load", ("tuple_keys", "torch", "none", 0.5), "tuple_keys,torch,none"),
              Probe("ckpt.save_load", ("tuple_keys", "npz", "none", 0.5), "tuple_keys,npz,none")]
    refused, saved = execute(probes, use_torch=True, timeout=120.0)
    assert refused[1:3] == ["checkpoints", True] and saved[1:3] == ["checkpoints", True], (refused, saved)


def test_judge_takes_a_zero_group_norm_weight_gradient_over_an_empty_input():
    pytest.importorskip("torch")
    empty = Probe("nn.GroupNorm", ({"num_groups": 2, "num_channels": 4}, (T((2, 4, 0)),), {}, {}), "input0")
    [record] = execute([empty], use_torch=True, timeout=120.0)
    assert record[1:3] == ["empty batches", True], record


def test_a_dataloaders_batches_are_whatever_its_collate_fn_returns():
    torch = pytest.importorskip("torch")
    probe = Probe("data.DataLoader", (7, {"collate_fn": Fn("negative")}))
    target = _target("data.DataLoader")
    ours, theirs = run(target, probe, "mg"), run(target, probe, "torch")
    assert ours.ok and theirs.ok and ours.value == (7, [-1.0] * 7)
    assert judge(target, probe, ours, theirs).ok


def test_a_module_probe_has_its_own_weights_and_pytorch_gets_them_as_they_were_before_the_call():
    pytest.importorskip("torch")
    import minigrad as mg
    target = _target("nn.Linear")
    probe = Probe("nn.Linear", ({"in_features": 3, "out_features": 2}, (T((4, 3)),), {}, {}), "input0")
    first = run(target, probe, "mg").named["__state__"]
    mg.randn(100)       # a draw in between, as an earlier probe in the same worker makes
    again = run(target, probe, "mg").named["__state__"]
    assert all(np.array_equal(first[k], again[k]) for k in first)
    renormed = Probe("nn.Embedding", ({"num_embeddings": 10, "embedding_dim": 3, "max_norm": -float("inf")},
                                      (T((2, 5), "int64", fill="int:10"),), {}, {}), "ctor:max_norm")
    [record] = execute([renormed], use_torch=True, timeout=120.0)
    assert record[1:3] == ["silently wrong", True], record


def test_judge_takes_another_index_among_tied_kth_values_with_the_gradient_moved_to_it():
    torch = pytest.importorskip("torch")
    import minigrad as mg
    tied = Probe("Tensor.kthvalue", ((T((2, 3), fill="zeros", grad=True), 2), {}), "self")
    [record] = execute([tied], use_torch=True, timeout=120.0)
    assert record[1:3] == ["silently wrong", True], record
    target = _target("Tensor.kthvalue")
    probe = Probe("Tensor.kthvalue", ((T((1, 3)), 2), {}), "self")
    x = np.array([[2.0, 5.0, 2.0]], np.float32)
    theirs = Result(value=torch.tensor(x).kthvalue(2), args=((torch.tensor(x), 2), {}))
    for index, ok in ((2, True), (1, False)):      # the other 2.0; the 5.0
        ours = Result(value=(mg.tensor([2.0]), mg.tensor([index])), args=((mg.tensor(x), 2), {}))
        verdict = judge(target, probe, ours, theirs)
        assert (verdict.category, verdict.ok) == ("silently wrong", ok), (index, verdict)


def test_judge_takes_topks_other_indices_among_tied_values_with_the_gradient_moved_to_them():
    """On a dim of 10 PyTorch's topk names tied elements in its own order, minigrad's in the
    stable sort's; both are right, a repeated or unequal element is not."""
    torch = pytest.importorskip("torch")
    import minigrad as mg
    tied = Probe("Tensor.topk", ((T((2, 10), fill="int:3", grad=True), 4), {}), "self")
    [record] = execute([tied], use_torch=True, timeout=120.0)
    assert record[1:3] == ["silently wrong", True], record
    target = _target("Tensor.topk")
    probe = Probe("Tensor.topk", ((T((10,)), 4), {}), "self")
    x = np.array([5, 1, 5, 3, 5, 2, 7, 7, 1, 0], np.float32)
    theirs = Result(value=torch.tensor(x).topk(4), args=((torch.tensor(x), 4), {}))
    assert theirs.value.indices.tolist() != [6, 7, 0, 2]
    for indices, ok in (([6, 7, 0, 2], True), ([7, 6, 2, 4], True), ([6, 6, 0, 2], False), ([6, 7, 0, 3], False)):
        ours = Result(value=(mg.tensor([7.0, 7.0, 5.0, 5.0]), mg.tensor(indices)), args=((mg.tensor(x), 4), {}))
        verdict = judge(target, probe, ours, theirs)
        assert (verdict.category, verdict.ok) == ("silently wrong", ok), (indices, verdict)


def test_judge_takes_float32_values_no_further_from_float64_than_pytorchs_whatever_ran_before():
    """A Transformer of -1e9 inputs: both libraries' float32 results are far from PyTorch's float64
    ones (and their gradients 1e10 away); minigrad's is judged by the error of PyTorch's float32
    results on the probe's data and on data moved by float32 rounding, not by a factor of it, and
    the same whatever probes ran before it in the worker (it passed or failed by them)."""
    pytest.importorskip("torch")
    ctor = {"d_model": 8, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1, "dim_feedforward": 16,
            "dropout": 0.0}
    large = Probe("nn.Transformer", (ctor, (T((3, 2, 8), fill="large"), T((4, 2, 8))), {}, {}), "input0")
    before = Probe("nn.Linear", ({"in_features": 3, "out_features": 2}, (T((4, 3)),), {}, {}), "input0")
    records = execute([before, before, large], use_torch=True, timeout=240.0)
    assert records[2][1:4] == ["silently wrong", True, "no further from PyTorch's float64 values than its float32 ones"], \
        records[2]
    target = _target("nn.Transformer")
    ours = run(target, large, "mg")
    theirs = run(target, large, "torch", ours)
    ours.value = ours.value + 10.0      # 10 further from the float64 result than any float32 one
    verdict = judge(target, large, ours, theirs)
    assert (verdict.category, verdict.ok) == ("silently wrong", False), verdict


def test_the_float64_oracle_of_a_module_probe_sees_the_probes_own_values():
    """The judge's float64 run of a module (the ``double`` flag) draws the probe's data and weights,
    made float64, not another draw; so a BatchNorm2d of values whose float32 squares overflow,
    which minigrad normalises to float64's answer (PyTorch's float32 gives 0), is judged good."""
    torch = pytest.importorskip("torch")
    from .recipes import float32_as_float64
    target = _target("nn.BatchNorm2d")
    huge = Probe("nn.BatchNorm2d", ({"num_features": 4}, (T((2, 4, 3, 3), fill="huge"),), {}, {}), "input0")
    ours = run(target, huge, "mg")
    doubled = huge._replace(call=huge.call[:3] + ({"double": True},))
    with float32_as_float64():
        exact = run(target, doubled, "torch", ours)
    assert exact.ok and exact.value.dtype == torch.float64
    np.testing.assert_array_equal(exact.args[0][0].detach().numpy(), ours.args[0][0].numpy().astype(np.float64))
    [record] = execute([huge], use_torch=True, timeout=120.0)
    assert record[1:4] == ["silently wrong", True, "no further from PyTorch's float64 values than its float32 ones"], \
        record
