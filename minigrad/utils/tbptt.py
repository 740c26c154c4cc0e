"""Truncated backpropagation through time, Williams & Peng's BPTT(k1, k2).

A recurrent model reads a long stream one time step after another. Backpropagating through
the whole stream costs memory proportional to its length, so we truncate: **every k1 steps,
backpropagate through the last k2 steps (k2 >= k1), carry the state forward, and cut the
graph beyond k2 steps.**

Precisely, at the update that ends at step t (t = k1, 2 k1, ..., and finally T, the end of
the stream, if T is not a multiple of k1), with ``k = t - (previous update's t)`` new steps:

- the window is the k new steps and the k2 - k1 steps before them: [max(0, t - k - (k2 - k1)),
  t), that is the last k2 steps (fewer at the start of the stream, and at its end when the
  last update has only k < k1 new steps); the state entering it is the (detached) state the
  model had at the window's start, so nothing flows back beyond the window;
- the model is run over the window with the CURRENT parameters (the window's older k2 - k
  steps are recomputed: k2/k1 times the forward cost, and the exact gradient of a
  well-defined function, rather than a mix of activations computed under older parameters);
- the loss that is backpropagated is ``loss_fn(outputs, targets)`` on the LAST k STEPS ONLY
  (the new steps): the earlier steps of the window carry gradient through the state, their
  own losses are not counted again;
- then ``on_update()`` is called (typically ``optimizer.step(); optimizer.zero_grad()``);
  without it gradients accumulate in ``.grad`` across updates, as with ``backward``.

Special cases: k1 = k2 = T is full BPTT; k1 = k2 = k cuts the stream into independent
blocks of k steps whose incoming state is held fixed; k2 > k1 lets gradients of the newest
k1 losses reach k2 steps back.

The model is driven through ``step_fn(model, inputs_chunk, state) -> (outputs, new_state)``
on chunks along ``time_dim``: an ``nn.LSTM`` needs just ``lambda m, x, s: m(x, s)``. The state
is a Tensor, a tuple/list of Tensors (the LSTM's (h, c)) or None (the model's default).

It lives in ``minigrad.utils`` with the other training-loop helpers, not in ``nn``: it is not
a layer, it drives a model, a loss and an optimizer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ops import cat


@dataclass
class TBPTTResult:
    """What ``truncated_bptt`` returns: the loss of every update (floats), and the state at
    the end of the stream (detached), to carry into the next stream."""
    losses: list = field(default_factory=list)
    state: object = None


def detach_state(state):
    """The state with every Tensor in it detached: the graph is cut here."""
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    return state.detach()


def _narrow(x, dim, start, stop):
    return x[(slice(None),) * dim + (slice(start, stop),)]


def truncated_bptt(model, inputs, targets, step_fn, loss_fn, k1, k2=None, state=None,
                   on_update=None, time_dim=0):
    """Train ``model`` on one long stream with BPTT(k1, k2); see the module docstring.

    ``inputs`` and ``targets`` are Tensors with time along ``time_dim``; ``loss_fn(outputs,
    targets)`` gets the outputs and targets of the last k1 (new) steps of each window,
    concatenated along ``time_dim``. Returns a ``TBPTTResult``.
    """
    k2 = k1 if k2 is None else k2
    if not (isinstance(k1, int) and isinstance(k2, int) and 1 <= k1 <= k2):
        raise ValueError(f"truncated_bptt: need integers 1 <= k1 <= k2, got k1={k1}, k2={k2}")
    T = inputs.shape[time_dim]
    if targets.shape[time_dim] != T:
        raise ValueError(f"truncated_bptt: inputs have {T} steps along dim {time_dim} but targets "
                         f"have {targets.shape[time_dim]}")
    result = TBPTTResult()
    starts = {0: detach_state(state)}      # detached states at the steps where windows begin
    t = 0
    while t < T:
        end = min(t + k1, T)
        begin = max(0, t - (k2 - k1))
        carry_at = max(0, end - (k2 - k1))              # where the next window begins
        cuts = sorted({begin, carry_at, t, end})
        s = starts[begin]
        outputs = []
        for a, b in zip(cuts, cuts[1:]):
            out, s = step_fn(model, _narrow(inputs, time_dim, a, b), s)
            if a >= t:                                   # the new steps: their losses count
                outputs.append(out)
            if b == carry_at:
                starts[carry_at] = detach_state(s)
        for old in [k for k in starts if k < carry_at]:   # states no window needs any more
            del starts[old]
        loss = loss_fn(outputs[0] if len(outputs) == 1 else cat(outputs, time_dim),
                       _narrow(targets, time_dim, t, end))
        loss.backward()
        if on_update is not None:
            on_update()
        result.losses.append(float(loss.item()))
        result.state = detach_state(s)
        t = end
    return result
