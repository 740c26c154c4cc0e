"""transformer lesson: the pieces, the task's data, the tiny model's gradients, and a real run."""
import json
import math

import numpy as np
import pytest

import minigrad as mg
from lessons import transformer as tf


def test_reversal_batches_pad_and_mark_start_and_end():
    src, tgt_in, tgt_out = tf.make_batch([np.array([4, 0, 7]), np.array([9])])
    P, B, E = tf.PAD, tf.BOS, tf.EOS
    assert src.numpy().tolist() == [[4, 0, 7, E], [9, E, P, P]]
    assert tgt_in.numpy().tolist() == [[B, 7, 0, 4], [B, 9, P, P]]
    assert tgt_out.numpy().tolist() == [[7, 0, 4, E], [9, E, P, P]]


def test_sampled_strings_respect_lengths_and_skip_held_out_ones():
    rng = np.random.default_rng(0)
    held_out = {tuple(s) for s in tf.sample_digits(np.random.default_rng(1), 300, (2, 2))}
    strings = tf.sample_digits(rng, 500, (2, 4), held_out)
    lengths = [len(s) for s in strings]
    assert min(lengths) == 2 and max(lengths) == 4
    assert all(0 <= d <= 9 for s in strings for d in s)
    assert not any(tuple(s) in held_out for s in strings)
    assert any(len(s) == 2 for s in strings)          # some 2-digit strings are not held out


def test_attention_weights_and_causal_mask():
    keys = mg.tensor([[1.0, 0.0], [0.0, 1.0]])
    values = mg.tensor([[10.0], [20.0]])
    out, w = tf.attention(mg.tensor([[2.0, 0.0]]), keys, values)
    p = 1 / (1 + math.exp(-2 / math.sqrt(2)))           # softmax of (2, 0) / sqrt(2)
    np.testing.assert_allclose(w.numpy(), [[p, 1 - p]], rtol=1e-6)
    np.testing.assert_allclose(out.numpy(), [[10 * p + 20 * (1 - p)]], rtol=1e-6)
    assert tf.causal_mask(3).numpy().tolist() == [[False, True, True], [False, False, True],
                                                  [False, False, False]]
    q = mg.randn(1, 4, 3)
    _, w = tf.attention(q, q, q, mask=~tf.causal_mask(4))
    assert np.allclose(np.triu(w.numpy()[0], 1), 0) and np.allclose(w.numpy().sum(-1), 1)


def test_sinusoidal_positions():
    pe = tf.sinusoidal_positions(50, 8).numpy()
    assert pe.shape == (50, 8)
    np.testing.assert_allclose(pe[0], [0, 1] * 4, atol=1e-7)
    np.testing.assert_allclose(pe[7, 2], math.sin(7 / 10000 ** (2 / 8)), rtol=1e-6)
    np.testing.assert_allclose(pe[7, 3], math.cos(7 / 10000 ** (2 / 8)), rtol=1e-6)
    assert len({tuple(np.round(r, 4)) for r in pe}) == 50                 # every position differs


@pytest.mark.slow     # about 1,000 forward passes of the tiny model: ~30-70 s
def test_tiny_model_gradcheck_every_parameter():
    assert tf.tiny_model_check() < 1e-5


def test_attention_part_checks_the_pieces_against_the_library(tmp_path):
    assert tf.main(["--part", "attention", "--out", str(tmp_path)]) == 0


@pytest.mark.slow
def test_reversal_reaches_99_percent_exact_at_training_lengths(tmp_path):
    assert tf.main(["--part", "reversal", "--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["exact_match_train_lengths"] >= 0.99
    assert metrics["exact_match_longer_lengths"] < metrics["exact_match_train_lengths"]
    for png in ("reversal_loss.png", "accuracy_by_length.png", "attention_maps.png",
                "attention_maps_longer.png"):
        assert (tmp_path / png).stat().st_size > 10_000
