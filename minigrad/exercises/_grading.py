"""The grader's tools: a case, how it fails, and the comparisons every checker uses.

A checker is a list of ``Case``s. Running a case calls the learner's code and returns ``None``
when it is right or a ``Failure``: what was expected, what came back, and a hint that names the
input, the element and the line of the formula to look at. The comparisons are minigrad's own:
``gradcheck`` against finite differences, minigrad's implementation as the reference on inputs
drawn by Hypothesis, and the shapes and dtypes of what comes back.
"""
from __future__ import annotations

import traceback
from typing import Callable, NamedTuple

import numpy as np

import minigrad as mg
from minigrad.autograd.function import Function
from minigrad.autograd.gradcheck import GradcheckError, gradcheck


class Failure(NamedTuple):
    """One failing case: what was expected, what came back, and where to look."""
    expected: str
    got: str
    hint: str


class Case(NamedTuple):
    """A named check; ``run()`` returns None (pass) or a Failure. A ``drawn`` case (inputs drawn
    by Hypothesis) runs only once every fixed case passes: its shrinking is slow, and a fixed
    case that fails already names the mistake."""
    name: str
    run: Callable[[], Failure | None]
    hint: str = ""
    drawn: bool = False


class Skipped(NamedTuple):
    """A drawn case not run because a fixed case failed."""
    reason: str = "runs once the cases above pass"


def _short(a):
    a = np.asarray(a)
    return np.array2string(a, precision=5, threshold=12, edgeitems=2, separator=", ")


def _where(index):
    return "element " + str(tuple(int(i) for i in index)) if index else "the value"


def compare(what, got, expected, hint, rtol=1e-6, atol=1e-8, dtype=True):
    """A Failure naming the first wrong thing of ``got`` (type, shape, dtype, then the worst
    element), or None when it equals ``expected`` within the tolerances."""
    expected = np.asarray(expected)
    if isinstance(got, mg.Tensor):
        got = got.detach().numpy()
    if not isinstance(got, (np.ndarray, np.generic, float, int)):
        return Failure(f"{what}: an array of shape {expected.shape}",
                       f"{what}: {type(got).__name__} {got!r:.80}", hint)
    got = np.asarray(got)
    if got.shape != expected.shape:
        return Failure(f"{what}: shape {expected.shape}", f"{what}: shape {got.shape}", hint)
    if dtype and got.dtype != expected.dtype:
        return Failure(f"{what}: dtype {expected.dtype}", f"{what}: dtype {got.dtype}",
                       f"keep the input's dtype (no float64 constants such as np.zeros(n) "
                       f"without dtype=); {hint}")
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    if not bad.any():
        return None
    err = np.where(bad, np.abs(np.nan_to_num(got.astype(np.float64), nan=np.inf) - expected), -1)
    i = np.unravel_index(int(np.argmax(err)), expected.shape) if expected.ndim else ()
    if not expected.ndim:
        return Failure(f"{what}: {expected.item():.8g}", f"{what}: {got.item():.8g}", hint)
    return Failure(f"{what}, {_where(i)}: {expected[i]:.8g}   (all: {_short(expected)})",
                   f"{what}, {_where(i)}: {got[i]:.8g}   (all: {_short(got)}; "
                   f"{int(bad.sum())} of {bad.size} elements wrong)", hint)


def first(*failures):
    """The first Failure among ``failures`` (comparisons run in order), or None."""
    return next((f for f in failures if f is not None), None)


def run_gradcheck(what, fn, inputs, hint):
    """gradcheck(fn, inputs) in float64 as a case: the mismatch it reports becomes a Failure."""
    try:
        gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)
    except GradcheckError as e:
        return Failure(f"{what}: the gradient of finite differences",
                       str(e).replace("gradcheck: ", ""), hint)
    return None


def from_arrays(forward, backward):
    """A Function whose forward is ``forward(*arrays) -> array`` and whose backward is
    ``backward(grad, *arrays) -> array or tuple of arrays`` (NumPy in, NumPy out): how the
    learner's NumPy code is put in a graph, for gradcheck to check."""

    class LearnerOp(Function):
        @staticmethod
        def forward(ctx, *arrays):
            ctx.arrays = arrays
            return np.asarray(forward(*arrays))

        @staticmethod
        def backward(ctx, g):
            grads = backward(g.numpy(), *ctx.arrays)
            grads = grads if isinstance(grads, tuple) else (grads,)
            return tuple(None if gr is None else mg.tensor(np.asarray(gr)) for gr in grads)

    return LearnerOp.apply


class _Drawn(Exception):
    """Carries a failing drawn case out of Hypothesis (which shrinks it first)."""


def drawn(strategy, check, examples=25):
    """Run ``check(example) -> Failure | None`` on ``examples`` inputs drawn by Hypothesis
    (derandomized: the same inputs every run) and return the Failure of the smallest failing
    input Hypothesis finds, or None."""
    from hypothesis import HealthCheck, Phase, given, settings

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), print_blob=False, report_multiple_bugs=False,
              phases=(Phase.explicit, Phase.generate, Phase.shrink))
    @given(strategy)
    def run(example):
        failure = check(example)
        if failure is not None:
            raise _Drawn(failure, example)

    try:
        run()
    except _Drawn as e:
        failure, example = e.args
        return failure._replace(expected=f"on the drawn input {example}:\n    {failure.expected}")
    return None


def in_learner_code(exc, path):
    """'ValueError: ... (your file, line N, in f)' for an exception raised by the learner's code,
    with the line of the learner's call that led there when it is in another function."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    where = ""
    if frames:
        where = f" (your file, line {frames[-1].lineno}, in {frames[-1].name}"
        if frames[0].name != frames[-1].name:
            where += f", called from line {frames[0].lineno}, in {frames[0].name}"
        where += ")"
    return f"{type(exc).__name__}: {exc}{where}"


def run_case(case, path):
    """Run one case; an exception from the learner's code is a Failure, not a crash."""
    try:
        return case.run()
    except NotImplementedError as e:
        return Failure("an answer", in_learner_code(e, path),
                       "write your code where the file raises NotImplementedError")
    except _Drawn:
        raise
    except Exception as e:  # the learner's code failed: report it as this case's result
        return Failure("an answer", in_learner_code(e, path), case.hint)
