"""seq2seq lesson: the generated data, the batches, decoding, the tiny models' gradients, and a real run."""
import datetime
import json

import numpy as np
import pytest

import minigrad as mg
from lessons import seq2seq as s2s


def test_dates_are_written_in_every_format_and_translate_to_iso():
    day = datetime.date(1987, 5, 3)                                  # a Sunday
    written = {s2s.write_date(day, f) for f in s2s.FORMATS}
    assert len(written) == len(s2s.FORMATS)
    assert {"3 May 1987", "May 3, 1987", "Sunday, May 3, 1987", "Sun 3 May 1987", "May 3rd, 1987",
            "the 3rd of May 1987", "03.05.1987", "5/3/1987", "1987/05/03", "3 MAY 1987", "May. 3, 1987",
            "3 may 1987", "Sunday 3rd May 1987", "03 May 1987"} == written
    assert [s2s.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]
    pairs = s2s.sample_dates(np.random.default_rng(0), np.arange(s2s.FIRST_DAY, s2s.LAST_DAY + 1), 200)
    for text, iso in pairs:
        day = datetime.date.fromisoformat(iso)
        assert 1900 <= day.year <= 2099 and str(day.year) in text


def test_held_out_days_are_fixed_and_never_drawn_for_training():
    test_a, train_a = s2s.split_days()
    test_b, _ = s2s.split_days()
    np.testing.assert_array_equal(test_a, test_b)                   # the same whatever the seed
    assert len(test_a) == s2s.TEST_DAYS and len(train_a) == s2s.LAST_DAY - s2s.FIRST_DAY + 1 - s2s.TEST_DAYS
    held = {datetime.date.fromordinal(int(d)).isoformat() for d in test_a}
    drawn = s2s.sample_dates(np.random.default_rng(5), train_a, 5000)
    assert not held & {iso for _, iso in drawn}


def test_reversals_and_vocabularies():
    pairs = s2s.sample_reversals(np.random.default_rng(0), 300)
    assert {len(s) for s, _ in pairs} <= set(range(4, 31)) and min(len(s) for s, _ in pairs) == 4
    assert all(t == s[::-1] and set(s) <= set(s2s.SYMBOLS) for s, t in pairs)
    src_vocab, tgt_vocab = s2s.date_vocabularies()
    assert tgt_vocab.get_itos() == ["<pad>", "<start>", "<end>", "-"] + list("0123456789")
    written = "".join(text for text, _ in s2s.sample_dates(np.random.default_rng(1), s2s.split_days()[1], 3000))
    assert set(written) <= set(src_vocab.get_itos())                 # every character is known
    with pytest.raises(KeyError, match="'#' is not in the vocabulary"):
        s2s.encode_chars(src_vocab, "3 May #1987")
    iso = s2s.encode_chars(tgt_vocab, "1987-05-03")
    assert s2s.decode_chars(tgt_vocab, [s2s.START] + iso + [s2s.END, 5, 6]) == "1987-05-03"


def test_batches_pad_and_mark_start_and_end():
    vocab = s2s.char_vocab("ab")
    a, b = vocab["a"], vocab["b"]
    P, S, E = s2s.PAD, s2s.START, s2s.END
    src, tgt_in, tgt_out = s2s.make_batch([("aab", "ba"), ("b", "abba")], vocab, vocab)
    assert src.numpy().tolist() == [[a, a, b], [b, P, P]]
    assert tgt_in.numpy().tolist() == [[S, b, a, P, P], [S, a, b, b, a]]
    assert tgt_out.numpy().tolist() == [[b, a, E, P, P], [a, b, b, a, E]]


def test_fixed_context_is_the_last_forward_and_first_backward_state_of_each_string():
    mg.manual_seed(0)
    vocab = s2s.char_vocab("ab")
    model = s2s.Seq2Seq(len(vocab), len(vocab), attention=True, embed=4, hidden=5)
    src, tgt_in, _ = s2s.make_batch([("abab", "a"), ("ba", "a")], vocab, vocab)
    with mg.no_grad():
        state = model.encode(src)
        h = state["h"].numpy()
        np.testing.assert_array_equal(state["c"].numpy()[0], np.concatenate([h[0, 3, :5], h[0, 0, 5:]]))
        np.testing.assert_array_equal(state["c"].numpy()[1], np.concatenate([h[1, 1, :5], h[1, 0, 5:]]))
        _, _, weights = model.decode(tgt_in, state)
    w = weights.numpy()
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-6)
    assert np.all(w[1, :, 2:] == 0)                                  # no weight on the padding


def test_step_by_step_decoding_equals_the_teacher_forced_decoder():
    """The decoder run once over a whole target and run one character at a time through the
    decoding helper's step give the same scores: greedy decoding scores what training trained."""
    vocab = s2s.char_vocab("abc")
    for attention in (True, False):
        mg.manual_seed(1)
        model = s2s.Seq2Seq(len(vocab), len(vocab), attention=attention, embed=4, hidden=6).double()
        src, tgt_in, _ = s2s.make_batch([("abcab", "cab"), ("ca", "bca")], vocab, vocab)
        with mg.no_grad():
            whole = model(src, tgt_in).numpy()
            step, state = s2s.decoder_step(model), model.encode(src)
            for t in range(tgt_in.shape[1]):
                scores, state = step(tgt_in[:, t], state)
                np.testing.assert_allclose(scores.numpy(), whole[:, t], rtol=1e-10, atol=1e-12)


def test_tiny_models_gradcheck_every_parameter():
    assert s2s.tiny_model_check() < 1e-5


@pytest.mark.slow     # both parts as the lesson runs them: ~140 s CPU (dates ~55 s, reversal ~80 s)
def test_headline_dates_and_long_inputs(tmp_path):
    assert s2s.main(["--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["seq2seq_attention_exact_match"] >= 0.99
    assert metrics["attention_gain_long"] >= 0.2
    for png in ("dates_attention.png", "long_by_length.png", "long_attention.png"):
        assert (tmp_path / png).stat().st_size > 10_000


def test_a_string_is_encoded_and_decoded_the_same_whatever_its_padding():
    """Neither GRU direction reads padding: the same string alone or padded in a batch with a
    longer one gets the same encoder states, context and decoder scores."""
    vocab = s2s.char_vocab("abc")
    for attention in (True, False):
        mg.manual_seed(2)
        model = s2s.Seq2Seq(len(vocab), len(vocab), attention=attention, embed=4, hidden=5).double()
        with mg.no_grad():
            alone = s2s.make_batch([("abc", "ca")], vocab, vocab)
            padded = s2s.make_batch([("abc", "ca"), ("cabbacab", "ca")], vocab, vocab)
            a, b = model.encode(alone[0]), model.encode(padded[0])
            np.testing.assert_allclose(b["h"].numpy()[0, :3], a["h"].numpy()[0], rtol=1e-12)
            np.testing.assert_allclose(b["c"].numpy()[0], a["c"].numpy()[0], rtol=1e-12)
            np.testing.assert_allclose(model(padded[0], padded[1]).numpy()[0], model(*alone[:2]).numpy()[0],
                                       rtol=1e-10)


def test_reverse_index_reverses_each_row_and_keeps_the_padding():
    mask = mg.tensor([[True, True, True, False], [True, False, False, False]])
    assert s2s.reverse_index(mask).numpy()[..., 0].tolist() == [[2, 1, 0, 3], [0, 1, 2, 3]]
