"""Greedy and beam search (minigrad.utils.decoding) on hand-made models whose best sequence is known."""
import itertools
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.utils.decoding import beam_search, greedy_decode, select_rows

START, END, A, B, PAD = 0, 1, 2, 3, 4


def markov_step(probabilities, device="cpu"):
    """A step function whose next-token distribution depends only on the last token:
    ``probabilities[last][next]`` (a dict of dicts; missing entries ~ 0)."""
    table = np.full((5, 5), 1e-9)
    for last, row in probabilities.items():
        for nxt, p in row.items():
            table[last, nxt] = p
    logits = mg.tensor(np.log(table), device=device)

    def step(tokens, state):
        return logits.index_select(0, tokens), state
    return step


# greedy takes A (0.6) and then ends (0.4): p = 0.24; the best sequence is B <end>: 0.4 * 0.9 = 0.36
GREEDY_TRAP = {START: {A: 0.6, B: 0.4}, A: {END: 0.4, A: 0.3, B: 0.3}, B: {END: 0.9, A: 0.05, B: 0.05}}


def test_greedy_falls_into_the_trap_and_beam_search_finds_the_best_sequence(device):
    step = markov_step(GREEDY_TRAP, device)
    start = mg.tensor([START], device=device)
    greedy = greedy_decode(step, None, start, END, max_len=5, pad_token=PAD)
    assert greedy.cpu().numpy().tolist() == [[A, END]]
    beam = beam_search(step, None, start, END, max_len=5, pad_token=PAD, beam_size=2)
    assert beam.tokens.cpu().numpy()[0, 0].tolist() == [B, END]
    np.testing.assert_allclose(beam.scores.cpu().numpy()[0, 0], math.log(0.36), rtol=1e-6)
    assert beam.lengths.cpu().numpy()[0, 0] == 2
    assert beam.tokens.cpu().numpy()[0, 1].tolist() == [A, END]                # greedy's, second best
    np.testing.assert_allclose(beam.scores.cpu().numpy()[0, 1], math.log(0.24), rtol=1e-6)


def prefix_model(seed, vocab=5):
    """A step function that depends on the whole prefix (through a GRU cell's state), with the
    state carried in a (named) tuple: beam search must move each kept prefix's state with it."""
    mg.manual_seed(seed)
    cell, embed, out = nn.GRUCell(3, 6).double(), nn.Embedding(vocab, 3).double(), nn.Linear(6, vocab).double()
    with mg.no_grad():
        out.weight.mul_(4.0)                       # peaked distributions, as a trained model's

    def step(tokens, state):
        h = cell(embed(tokens), state["h"])
        return out(h), {"h": h}
    return step


def sequence_log_prob(step, h0, sequence):
    """log P(sequence) under ``step``, by teacher forcing one sequence (stopping after <end>)."""
    state, token, total = {"h": h0}, mg.tensor([START]), 0.0
    for t in sequence:
        scores, state = step(token, state)
        total += float(mg.log_softmax(scores, dim=-1).numpy()[0, t])
        if t == END:
            break
        token = mg.tensor([t])
    return total


@pytest.mark.parametrize("seed", range(4))
def test_beam_width_one_is_greedy(seed):
    step = prefix_model(seed)
    h0 = mg.randn(6, 6, dtype=mg.float64)
    start = mg.full((6,), START, dtype=mg.int64)
    with mg.no_grad():
        greedy = greedy_decode(step, {"h": h0}, start, END, max_len=7, pad_token=PAD).numpy()
        beam = beam_search(step, {"h": h0}, start, END, max_len=7, pad_token=PAD, beam_size=1)
        assert beam.tokens.shape == (6, 1, greedy.shape[1])
        np.testing.assert_array_equal(beam.tokens.numpy()[:, 0], greedy)
        for i in range(6):
            np.testing.assert_allclose(beam.scores.numpy()[i, 0], sequence_log_prob(step, h0[i:i + 1], greedy[i]),
                                       rtol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_a_wide_beam_is_exhaustive_and_its_scores_are_the_sequences_log_probabilities(seed):
    """With beam_size >= the number of prefixes, beam search is an exhaustive search: its best
    sequence is the brute-force best; every returned score is that sequence's own log
    probability (which fails if a state travels with the wrong prefix)."""
    step = prefix_model(seed)
    h0 = mg.randn(2, 6, dtype=mg.float64)
    max_len, k = 3, 125
    with mg.no_grad():
        beam = beam_search(step, {"h": h0}, mg.full((2,), START, dtype=mg.int64), END, max_len, PAD, beam_size=k)
        for i in range(2):
            brute = {}
            for seq in itertools.product([END, A, B, PAD, START], repeat=max_len):
                seq = seq[:seq.index(END) + 1] if END in seq else seq
                brute[seq] = sequence_log_prob(step, h0[i:i + 1], seq)
            best = max(brute, key=brute.get)
            tokens, scores, lengths = (beam.tokens.numpy()[i], beam.scores.numpy()[i], beam.lengths.numpy()[i])
            assert tuple(tokens[0, :lengths[0]]) == best
            np.testing.assert_allclose(scores[0], brute[best], rtol=1e-10)
            assert np.isfinite(scores).sum() == 1 + 4 + 4 * 4 * 5       # every sequence of <= 3 tokens
            assert np.all(np.diff(scores[:85]) <= 0)                      # best first
            for j in range(0, 85, 3):
                seq = tuple(tokens[j, :lengths[j]])
                np.testing.assert_allclose(scores[j], brute[seq], rtol=1e-10)


def test_end_and_length_handling():
    # never ends: every sequence runs to max_len; lengths count every token
    loop = markov_step({START: {A: 0.9, END: 0.1}, A: {A: 0.9, END: 0.1}})
    start = mg.full((3,), START, dtype=mg.int64)
    beam = beam_search(loop, None, start, END, max_len=4, pad_token=PAD, beam_size=2)
    assert beam.tokens.shape == (3, 2, 4)
    assert beam.tokens.numpy()[:, 0].tolist() == [[A, A, A, A]] * 3
    assert beam.lengths.numpy()[:, 0].tolist() == [4, 4, 4]
    assert greedy_decode(loop, None, start, END, 4, PAD).numpy().tolist() == [[A, A, A, A]] * 3
    # ends at once: both searches stop after one step, not at max_len
    stop = markov_step({START: {END: 0.9, A: 0.1}})
    assert greedy_decode(stop, None, start, END, 50, PAD).numpy().tolist() == [[END]] * 3
    beam = beam_search(stop, None, start, END, 50, PAD, beam_size=1)
    assert beam.tokens.numpy().tolist() == [[[END]]] * 3 and beam.lengths.numpy().tolist() == [[1]] * 3
    # rows that end early are padded while the others go on
    mixed = markov_step({START: {END: 0.6, A: 0.4}, A: {B: 0.9, END: 0.1}, B: {END: 0.9, A: 0.1}})
    beam = beam_search(mixed, None, mg.tensor([START]), END, 10, PAD, beam_size=2)
    assert beam.tokens.numpy()[0].tolist() == [[END, PAD, PAD], [A, B, END]]
    assert beam.lengths.numpy()[0].tolist() == [1, 3]
    np.testing.assert_allclose(beam.scores.numpy()[0], np.log([0.6, 0.4 * 0.9 * 0.9]), rtol=1e-6)
    # greedy: a row that has ended emits padding, whatever the model says
    rows = mg.tensor([START, A])
    assert greedy_decode(mixed, None, rows, END, 10, PAD).numpy().tolist() == [[END, PAD], [B, END]]


def test_length_penalty_reranks_by_score_per_token():
    # <end> at once: 0.6; A B <end>: 0.4 * 0.9 * 0.9 = 0.324, per token 0.324 ** (1/3) = 0.69 > 0.6
    mixed = markov_step({START: {END: 0.6, A: 0.4}, A: {B: 0.9, END: 0.1}, B: {END: 0.9, A: 0.1}})
    beam = beam_search(mixed, None, mg.tensor([START]), END, 10, PAD, beam_size=2, length_penalty=1.0)
    assert beam.tokens.numpy()[0].tolist() == [[A, B, END], [END, PAD, PAD]]
    assert beam.lengths.numpy()[0].tolist() == [3, 1]
    np.testing.assert_allclose(beam.scores.numpy()[0], [math.log(0.324) / 3, math.log(0.6)], rtol=1e-6)


def test_select_rows_keeps_the_state_structure():
    from collections import namedtuple
    Pair = namedtuple("Pair", "h c")
    state = {"a": (mg.arange(3), [mg.arange(6).reshape(3, 2)]), "b": Pair(mg.arange(3) * 10, None)}
    moved = select_rows(state, mg.tensor([2, 2, 0]))
    assert moved["a"][0].numpy().tolist() == [2, 2, 0]
    assert moved["a"][1][0].numpy().tolist() == [[4, 5], [4, 5], [0, 1]]
    assert isinstance(moved["b"], Pair) and moved["b"].h.numpy().tolist() == [20, 20, 0] and moved["b"].c is None
    with pytest.raises(TypeError, match="decoding: the state must hold Tensors"):
        select_rows({"x": np.arange(3)}, mg.tensor([0]))


def test_bad_arguments_name_the_function_and_the_value():
    step = markov_step(GREEDY_TRAP)
    with pytest.raises(ValueError, match=r"greedy_decode: start_tokens must be a 1-d int64 Tensor.*\(2, 1\)"):
        greedy_decode(step, None, mg.zeros(2, 1, dtype=mg.int64), END, 5, PAD)
    with pytest.raises(ValueError, match="beam_search: max_len must be a positive int, got 0"):
        beam_search(step, None, mg.tensor([START]), END, 0, PAD)
    with pytest.raises(ValueError, match="beam_search: beam_size must be a positive int, got 0"):
        beam_search(step, None, mg.tensor([START]), END, 5, PAD, beam_size=0)
    with pytest.raises(ValueError, match=r"greedy_decode: step must return scores of shape \(N, V\) with N = 1"):
        greedy_decode(lambda t, s: (mg.zeros(5), s), None, mg.tensor([START]), END, 5, PAD)
