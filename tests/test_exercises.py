"""minigrad.exercises and `minigrad exercise`: every reference solution passes its checker, the
untouched skeleton fails, a planted typical mistake fails with a message that points at it, and
the command's usage errors exit with status 2."""
import os
from pathlib import Path

import pytest

import minigrad as mg
from minigrad import cli, exercises

pytest.importorskip("hypothesis")

SOLUTIONS = Path(exercises.__file__).parent / "solutions"


def _failures(name, path):
    return [(case, f) for case, f in exercises.check(name, path)
            if f is not None and not isinstance(f, exercises.Skipped)]


def _write(tmp_path, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return path


def test_there_are_at_least_ten_exercises_each_with_a_task_reading_and_lesson():
    listed = exercises.exercises()
    assert len(listed) >= 10 and [e.name for e in listed] == list(exercises.ORDER)
    for e in listed:
        assert e.title and e.read and e.lesson, e
        assert exercises.BEGIN in exercises.source(e.name)
        assert f"minigrad exercise check {e.name}" in exercises.source(e.name)


@pytest.mark.parametrize("name", exercises.ORDER)
def test_the_reference_solution_passes_every_case(name):
    results = exercises.check(name, SOLUTIONS / f"{name}.py")
    assert len(results) >= 5 and sum(case.drawn for case in _cases(name)) >= 1
    assert [(case, f) for case, f in results if f is not None] == []    # none failed, none skipped


def _cases(name):
    from minigrad.exercises import checks
    return checks.CHECKS[name](exercises.load(SOLUTIONS / f"{name}.py"))


@pytest.mark.parametrize("name", exercises.ORDER)
def test_the_untouched_skeleton_fails_and_says_what_to_write(name, tmp_path):
    skeleton = exercises.skeleton(name)
    assert exercises.BEGIN not in skeleton and "raise NotImplementedError" in skeleton
    assert exercises.info(name).title in skeleton          # the task and the math travel with it
    results = exercises.check(name, _write(tmp_path, name, skeleton))
    failures = _failures(name, tmp_path / f"{name}.py")
    assert failures and all(f is not None for _, f in results)
    assert all("NotImplementedError" in f.got and "your file, line" in f.got for _, f in failures)


def test_the_solution_shown_is_the_checked_code_without_markers():
    for name in exercises.ORDER:
        text = exercises.solution(name)
        assert exercises.BEGIN not in text and exercises.END not in text
        assert "NotImplementedError" not in text
        compile(text, name, "exec")


# (exercise, the correct line, the typical mistake, text the failing case must show)
PLANTED = [
    ("broadcasting", "return sum_to_shape(g * b, a.shape), sum_to_shape(g * a, b.shape)",
     "return g * b, g * a", "shape (3, 1)"),                                # forgot the reduction
    ("softplus", "return grad * mg.sigmoid(x)", "return grad * mg.sigmoid(-x)", "sigmoid(x)"),
    ("topo_order", "if consumers[edge[0]] == 0:", "if True:", "Mul"),       # no counting: DFS order
    ("cross_entropy", "return g / len(t)", "return g", "1/N"),
    ("adam", "m_hat = m / (1 - beta1 ** t)", "m_hat = m", "step 1"),         # no bias correction
    ("conv2d", "return (H + 2 * padding - k) // stride + 1", "return (H + 2 * padding - k) // stride",
     "out_size(H=5, k=3, stride=1, padding=0): 3"),                         # off by one in im2col
    ("conv2d_backward", "j:j + stride * (OW - 1) + 1:stride] += c6[:, :, i, j]",
     "j:j + stride * (OW - 1) + 1:stride] = c6[:, :, i, j]", "col2im"),     # overlaps overwritten
    ("max_pool", "np.add.at(gx[n, c], idx[n, c].reshape(-1), gy[n, c].reshape(-1))",
     "gx[n, c][idx[n, c].reshape(-1)] = gy[n, c].reshape(-1)", "np.add.at"),
    ("lstm_cell", "dc = dc_in + dh * o * (1 - tc * tc)", "dc = dc_in + dh * o", "dx (N 3, input 4, hidden 2), element"),
    ("tbptt", "append((max(0, t - (k2 - k1))", "append((max(0, t - k2)", "update 1"),
    ("tbptt", "append((max(0, t - (k2 - k1))", "append((max(0, t - (k2 - k1) - 1)", "one step too long"),
    ("attention", "q @ k.transpose(-2, -1)", "q @ k", "transpose"),          # a missing transpose
    ("attention", "math.sqrt(E)", "E", "sqrt(E)"),
    ("vae_elbo", "mg.exp(0.5 * logvar) * eps", "mg.exp(logvar) * eps", "exp(logvar / 2)"),
    ("dqn_target", "gamma * (1 - terminated) * best", "gamma * best", "terminated"),
]


@pytest.mark.parametrize("name, right, wrong, shown", PLANTED, ids=[f"{p[0]}-{i}" for i, p in enumerate(PLANTED)])
def test_a_planted_mistake_fails_with_a_message_that_points_at_it(name, right, wrong, shown, tmp_path):
    source = exercises.solution(name)
    assert source.count(right) == 1
    failures = _failures(name, _write(tmp_path, name, source.replace(right, wrong)))
    assert failures, f"the checker of {name} accepts the mistake {wrong!r}"
    text = "\n".join(f"{case}\n{f.expected}\n{f.got}\n{f.hint}" for case, f in failures)
    assert shown in text
    assert "NotImplementedError" not in text


# The training step of tbptt: (the mistake, [(correct text, mistaken text)], what its failures must say)
TBPTT_PLANTED = [
    ("no detach", [("entering[s + 1] = h.detach()", "entering[s + 1] = h")],
     "the hidden state was not detached at the window start"),
    ("no detach, each window run from step 0", [("h, loss = entering[begin], 0", "h, loss = h0, 0"),
                                                ("range(begin, end)", "range(end)")],
     "the hidden state was not detached at the window start: gradients flow past k2 steps"),
    ("k1 and k2 swapped", [("tbptt_windows(xs.shape[0], k1, k2)", "tbptt_windows(xs.shape[0], k2, k1)")],
     "k1 and k2 swapped"),
    ("window cut at t: k2 ignored", [("h, loss = entering[begin], 0", "h, loss = entering[t], 0"),
                                     ("range(begin, end)", "range(t, end)")], "the gradient stops at t"),
    ("off by one: step t's loss left out", [("if s >= t:", "if s > t:")], "the loss of step t was not counted"),
    ("the window's older losses counted", [("if s >= t:", "if True:")], "older steps were counted too"),
]


@pytest.mark.parametrize("mistake, edits, shown", TBPTT_PLANTED, ids=[p[0] for p in TBPTT_PLANTED])
def test_a_planted_tbptt_training_step_mistake_is_named(mistake, edits, shown, tmp_path):
    source = exercises.solution("tbptt")
    for right, wrong in edits:
        assert source.count(right) == 1
        source = source.replace(right, wrong)
    failures = _failures("tbptt", _write(tmp_path, "tbptt", source))
    gradient_failures = [(case, f) for case, f in failures if case.startswith("gradients")]
    assert gradient_failures and len(gradient_failures) == len(failures), f"the checker of tbptt accepts: {mistake}"
    hints = [f.hint for _, f in gradient_failures]
    # every failing case names the mistake, but one whose code fails otherwise (a window left with
    # no loss: autograd.grad of the int 0) reports that error, with the case's hint
    assert any(shown in hint for hint in hints), hints
    named = [f for _, f in gradient_failures if f.expected != "an answer"]
    assert named and all(shown in f.hint and "tbptt_gradients(T=" in f.expected for f in named), hints


def test_tbptt_gradients_are_the_library_truncated_bptt_and_full_bptt_at_k1_k2_T():
    from minigrad.exercises import checks
    solution = exercises.load(SOLUTIONS / "tbptt.py")
    for T, k1, k2 in [(7, 2, 4), (6, 3, 3), (5, 5, 5), (4, 1, 4)]:
        stream = checks._stream(T, seed=T)
        library = checks.reference_tbptt_gradients(*stream, k1, k2)
        model = checks._window_gradients(*stream, checks.reference_windows(T, k1, k2), lambda b, t: t)
        learner = solution.tbptt_gradients(checks._rnn_step, checks._squared_error, *stream, k1, k2)
        assert checks._same_gradients(model, library) and checks._same_gradients(learner, library)
    params, xs, ys, h0 = stream                              # k1 = k2 = T = 4: one update, full BPTT
    h, loss = h0, 0
    for s in range(4):
        h = checks._rnn_step(params, xs[s], h)
        loss = loss + checks._squared_error(h, ys[s])
    full = [tuple(g.numpy() for g in mg.autograd.grad(loss, params))]
    assert checks._same_gradients(checks.reference_tbptt_gradients(*stream, 4, 4), full)


def test_a_wrong_element_is_named_with_expected_and_got(tmp_path):
    source = exercises.solution("cross_entropy").replace("return g / len(t)", "return g")
    (case, f), *_ = _failures("cross_entropy", _write(tmp_path, "cross_entropy", source))
    assert case == "cross_entropy_backward of (4, 5) logits"
    assert "element (" in f.expected and "element (" in f.got and "of 20 elements wrong" in f.got


def test_a_file_that_does_not_import_is_one_failing_case(tmp_path):
    [(case, f)] = exercises.check("adam", _write(tmp_path, "adam", "def adam_step(:\n"))
    assert case == "import your file" and "SyntaxError" in f.got


# ------------------------------------------------------------------------------ the command

def _run(capsys, *argv):
    status = cli.main(["exercise", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_start_check_solution_round_trip(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = _run(capsys, "start", "dqn_target")
    path = tmp_path / "exercises" / "dqn_target.py"
    assert status == 0 and path.read_text() == exercises.skeleton("dqn_target")
    status, out, _ = _run(capsys, "check", "dqn_target")
    assert status == 1 and "FAIL" in out and "not written yet: NotImplementedError" in out
    assert f"of {len(exercises.check('dqn_target', path))} cases fail" in out
    path.write_text(exercises.solution("dqn_target").replace("(1 - terminated) * ", ""))
    status, out, _ = _run(capsys, "check", "dqn_target")
    assert status == 1 and "expected:" in out and "got:" in out and "hint:" in out
    status, out, _ = _run(capsys, "solution", "dqn_target")
    assert status == 0
    path.write_text(out)
    status, out, _ = _run(capsys, "check", "dqn_target")
    assert status == 0 and "all 5 cases pass" in out and "FAIL" not in out


def test_start_refuses_to_overwrite_the_learners_file(tmp_path, capsys):
    folder = tmp_path / "mine"
    assert _run(capsys, "start", "adam", "--dir", str(folder))[0] == 0
    (folder / "adam.py").write_text("# my work\n")
    status, _, err = _run(capsys, "start", "adam", "--dir", str(folder))
    assert status == 2 and "exists already" in err
    assert (folder / "adam.py").read_text() == "# my work\n"


@pytest.mark.parametrize("argv, message", [
    ((), "needs list, show, start, check or solution"),
    (("frobnicate",), "unknown exercise command"),
    (("show", "nope"), "unknown exercise 'nope'"),
    (("start",), "needs one exercise name"),
    (("start", "adam", "--dir"), "--dir needs a folder"),
    (("show", "adam", "--dir", "x"), "takes no --dir"),
    (("list", "extra"), "takes no arguments"),
    (("check", "adam", "--dir", "no_such_folder"), "does not exist: run 'minigrad exercise start adam"),
])
def test_usage_errors_exit_2_with_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(capsys, *argv)
    assert status == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_start_never_writes_inside_the_package(capsys):
    package = os.path.dirname(exercises.__file__)
    status, _, err = _run(capsys, "start", "adam", "--dir", package)
    assert status == 2 and "inside the installed minigrad package" in err
    assert not os.path.exists(os.path.join(package, "adam.py"))


def test_list_and_show(capsys):
    status, out, _ = _run(capsys, "list")
    assert status == 0 and all(name in out for name in exercises.ORDER)
    status, out, _ = _run(capsys, "show", "conv2d")
    assert status == 0 and "OH = (H + 2p - kh) // s + 1" in out and "minigrad exercise start conv2d" in out
