"""Decoding a sequence model token by token: greedy search and beam search.

Both drive the model through one function, ``step``, that the caller writes for its model::

    scores, state = step(tokens, state)

``tokens`` (N,) int64 are the tokens just emitted (first the start tokens), ``state`` is whatever
the model carries from one step to the next (an RNN's hidden state, the encoder's output, the
prefix decoded so far ...) as a Tensor or a (nested) tuple, list or dict of Tensors whose first
dimension is the batch, and ``scores`` (N, V) are the next token's unnormalised scores (logits).

- greedy: at every step take the most likely next token (``argmax``). Fast, but a locally best
  token can lead into a globally poor sequence.
- beam search: keep the ``beam_size`` most likely prefixes (by the sum of their tokens' log
  probabilities); each step extends every kept prefix by every token and keeps the ``beam_size``
  best of those ``beam_size * V`` candidates (``topk``). A prefix that has emitted ``end_token``
  is finished: it stays in the beam with its score, extended only by ``pad_token`` at no cost.
  Beam width 1 is greedy search.

Both stop when every sequence has emitted ``end_token`` or after ``max_len`` tokens. A sequence's
tokens after its ``end_token`` are ``pad_token``.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import backend, creation
from ..nn import functional as F
from ..ops import stack, where
from ..tensor import Tensor

BeamSearchResult = namedtuple("BeamSearchResult", ["tokens", "scores", "lengths"])


def select_rows(state, index):
    """``state`` with the rows ``index`` (1-d int64 Tensor) of every Tensor in it, in that order:
    how a beam search carries each kept prefix's state along (a prefix may be kept twice)."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.index_select(0, index)
    if isinstance(state, tuple) and hasattr(state, "_fields"):        # a named tuple
        return type(state)(*(select_rows(s, index) for s in state))
    if isinstance(state, (tuple, list)):
        return type(state)(select_rows(s, index) for s in state)
    if isinstance(state, dict):
        return {k: select_rows(v, index) for k, v in state.items()}
    raise TypeError(f"decoding: the state must hold Tensors (in tuples, lists or dicts), got "
                    f"{type(state).__name__}")


def _check(start_tokens, max_len, op):
    if not isinstance(start_tokens, Tensor) or start_tokens.ndim != 1:
        raise ValueError(f"{op}: start_tokens must be a 1-d int64 Tensor (one start token per "
                         f"sequence), got {tuple(start_tokens.shape) if hasattr(start_tokens, 'shape') else type(start_tokens).__name__}")
    if not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"{op}: max_len must be a positive int, got {max_len!r}")


def _check_scores(scores, n, op):
    if not isinstance(scores, Tensor) or scores.ndim != 2 or scores.shape[0] != n:
        raise ValueError(f"{op}: step must return scores of shape (N, V) with N = {n}, got "
                         f"{tuple(getattr(scores, 'shape', ())) or type(scores).__name__}")


def greedy_decode(step, state, start_tokens, end_token, max_len, pad_token):
    """Emit the most likely next token until every sequence has emitted ``end_token``.

    Returns an int64 Tensor (N, T), T <= ``max_len``: each row's tokens (the start token not
    included), its ``end_token`` if it emitted one, then ``pad_token``. Call it under
    ``no_grad`` (it does not switch gradients off itself).
    """
    _check(start_tokens, max_len, "greedy_decode")
    tokens, out = start_tokens, []
    done = creation.zeros(start_tokens.shape[0], dtype=backend.bool_, device=start_tokens.device)
    for _ in range(max_len):
        scores, state = step(tokens, state)
        _check_scores(scores, start_tokens.shape[0], "greedy_decode")
        tokens = scores.argmax(-1).masked_fill(done, pad_token)    # finished rows: padding
        done = done | (tokens == end_token)
        out.append(tokens)
        if bool(done.all()):
            break
    return stack(out, dim=1)


def beam_search(step, state, start_tokens, end_token, max_len, pad_token, beam_size=4,
                length_penalty=0.0):
    """Keep the ``beam_size`` most likely prefixes of every sequence; return them best first.

    A prefix's score is the sum of its tokens' log probabilities (``log_softmax`` of the
    scores), ``end_token`` included. With ``length_penalty`` = a > 0 the beams are finally
    ranked by score / length^a (the search itself keeps the plain sums), which favours longer
    sequences: a plain sum only falls as tokens are added.

    Returns ``BeamSearchResult(tokens, scores, lengths)``: tokens (N, beam_size, T) int64 (as
    ``greedy_decode``: the start token not included, ``pad_token`` after ``end_token``), their
    scores (N, beam_size) (divided by length^a when ``length_penalty`` = a > 0) and lengths
    (N, beam_size) (the tokens up to and including ``end_token``). ``tokens[:, 0]`` is the best
    sequence. A beam that was never filled (fewer than ``beam_size`` prefixes exist) scores
    ``-inf``. Call it under ``no_grad``.
    """
    _check(start_tokens, max_len, "beam_search")
    if not isinstance(beam_size, int) or beam_size < 1:
        raise ValueError(f"beam_search: beam_size must be a positive int, got {beam_size!r}")
    n, k, device = start_tokens.shape[0], beam_size, start_tokens.device
    on_device = lambda a: creation.tensor(a, device=device)            # noqa: E731
    rows = on_device(np.repeat(np.arange(n), k))                    # each sequence k times
    state, tokens = select_rows(state, rows), start_tokens.index_select(0, rows)
    offsets = on_device(np.arange(n)[:, None] * k)                  # row of each sequence's beam 0
    finished = creation.zeros(n * k, dtype=backend.bool_, device=device)
    lengths = creation.zeros(n * k, dtype=backend.int64, device=device)
    beam_scores, history = None, []
    for _ in range(max_len):
        scores, state = step(tokens, state)
        _check_scores(scores, n * k, "beam_search")
        vocab = scores.shape[1]
        logp = F.log_softmax(scores, dim=-1)
        if beam_scores is None:                  # at the start only beam 0 is live (the k are equal)
            first = np.full((n * k, 1), -np.inf, dtype=np.dtype(scores.dtype.name))
            first[::k] = 0.0
            beam_scores = on_device(first)
        # a finished prefix can only be padded, at no cost: it keeps its score
        pad_only = np.full(vocab, -np.inf, dtype=np.dtype(scores.dtype.name))
        pad_only[pad_token] = 0.0
        logp = where(finished.unsqueeze(1), on_device(pad_only), logp)
        total = (beam_scores + logp).reshape(n, k * vocab)
        values, index = total.topk(k)                               # the k best of k * V candidates
        parent = (offsets + index // vocab).reshape(n * k)           # the prefix each one extends
        tokens = (index % vocab).reshape(n * k)
        lengths = lengths.index_select(0, parent) + (~finished.index_select(0, parent)).long()
        finished = finished.index_select(0, parent) | (tokens == end_token)
        state = select_rows(state, parent)
        history = [h.index_select(0, parent) for h in history] + [tokens]
        beam_scores = values.reshape(n * k, 1)
        if bool(finished.all()):
            break
    out, scores, lengths = stack(history, dim=1), beam_scores.reshape(n, k), lengths.reshape(n, k)
    if length_penalty:
        scores = scores / lengths.to(scores.dtype) ** length_penalty
        scores, order = scores.topk(k)                              # re-rank by the normalised score
        lengths = lengths.gather(1, order)
        out = out.index_select(0, (offsets + order).reshape(n * k))
    return BeamSearchResult(out.reshape(n, k, out.shape[1]), scores, lengths)
