"""text lesson: the task's data, skip-gram's pairs and loss, the text-CNN's pieces, the tiny
models' gradients, and a real run against the bars."""
import json
import math

import numpy as np
import pytest

import minigrad as mg
from lessons import text


def test_tiny_model_gradcheck_every_parameter():
    assert text.tiny_model_check() < 1e-5


def test_copied_topics_are_dropped():
    topics = {"whole": "a" * 50 + "\n" + "b" * 50 + "\nshort", "part": "b" * 50 + "\nother",
              "own": "c" * 50}
    assert sorted(text.distinct_topics(topics)) == ["own", "whole"]
    kept = text.distinct_topics(text.pydoc_topics())
    assert {"customization", "attribute-access", "try"}.isdisjoint(kept) and "specialnames" in kept


def test_task_passages_split_and_corpus_without_the_test_passages():
    task = text.make_task()
    assert len(task["classes"]) == 8 and task["classes"][0] == "specialnames"
    for name in ("train", "val", "test"):
        assert all(30 <= len(tokens) <= 60 for tokens, _ in task[name])
    sizes = {s: np.bincount([y for _, y in task[s]], minlength=8) for s in ("train", "val", "test")}
    total = sum(sizes.values())
    np.testing.assert_allclose(sizes["train"] / total, 0.7, atol=0.04)
    np.testing.assert_allclose(sizes["test"] / total, 0.2, atol=0.04)
    corpus = {tuple(s) for s in task["corpus"]}
    assert not any(tuple(tokens) in corpus for tokens, _ in task["test"])
    assert all(tuple(tokens) in corpus for tokens, _ in task["train"])
    assert text.make_task()["test"] == task["test"]                  # a fixed split


def test_skipgram_pairs_stay_inside_segments_and_within_the_window():
    segs = [np.array([10, 11, 12]), np.array([20, 21])]
    keep = np.ones(60)
    rng = np.random.default_rng(0)
    centres, contexts = text.skipgram_pairs(segs, 1, keep, rng)
    assert sorted(zip(centres.tolist(), contexts.tolist())) == [
        (10, 11), (11, 10), (11, 12), (12, 11), (20, 21), (21, 20)]
    centres, contexts = text.skipgram_pairs([np.arange(50)], 3, keep, rng)
    gaps = np.abs(centres - contexts)
    assert gaps.min() == 1 and gaps.max() == 3
    assert (gaps == 1).sum() > (gaps == 3).sum()                      # near words count more


def test_subsampling_and_the_loss_at_the_start():
    counts = np.array([1e6, 1.0, 1.0])
    keep = text.keep_probability(counts, t=1e-3)
    f = 1e6 / (1e6 + 2)
    np.testing.assert_allclose(keep, [math.sqrt(1e-3 / f) + 1e-3 / f, 1.0, 1.0])
    zeros = mg.zeros(4), mg.zeros(4, 5)
    np.testing.assert_allclose(text.negative_sampling_loss(*zeros).item(), 6 * math.log(2), rtol=1e-6)
    confident = mg.full((4,), 20.0), mg.full((4, 5), -20.0)
    assert text.negative_sampling_loss(*confident).item() < 1e-7


def test_fixed_length_padding_and_neighbours():
    assert text.choose_length(list(range(1, 101))) == 95
    assert text.pad_truncate([[5, 6], [1, 2, 3, 4]], 3).tolist() == [[5, 6, 0], [1, 2, 3]]
    vectors = np.array([[0, 0], [0, 0], [1, 0], [0.9, 0.1], [-1, 0], [0, 1]], float)
    itos = ["<pad>", "<unk>", "a", "b", "c", "d"]
    assert [w for w, _ in text.nearest_neighbours(vectors, itos, "a", n=3)] == ["b", "d", "c"]


def test_text_cnn_pools_over_time_and_keeps_the_embedding_frozen():
    mg.manual_seed(0)
    model = text.TextCNN(mg.randn(9, 4), 3, kernel_sizes=(2, 3), n_filters=5)
    assert not model.embed.weight.requires_grad
    assert model(mg.tensor([[2, 3, 4, 5, 0, 0, 0], [6, 7, 8, 0, 0, 0, 0]])).shape == (2, 3)
    assert model(mg.tensor([[2, 3, 4, 5, 0]])).shape == (1, 3)       # any length >= the kernels


@pytest.mark.slow        # ~4 min of CPU (word2vec ~85 s, eight text-CNNs ~170 s)
def test_frozen_pretrained_embeddings_reach_the_bars_and_beat_random_ones(tmp_path):
    assert text.main(["--seed", "0", "--out", str(tmp_path)]) == 0
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["textcnn_test_accuracy"] >= 0.70
    assert m["textcnn_pretrained_gain"] >= 0.03
    assert m["textcnn_random_frozen_test_accuracy"] == pytest.approx(
        m["textcnn_test_accuracy"] - m["textcnn_pretrained_gain"])
    assert m["word2vec_final_loss"] < 6 * math.log(2)
    for png in ("word2vec_loss.png", "word2vec_pca.png", "textcnn_lengths.png", "textcnn_curves.png"):
        assert (tmp_path / png).stat().st_size > 10_000
