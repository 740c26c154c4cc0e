"""captioning lesson: the scenes and their captions, the words, BLEU-4, the attention's cells,
the tiny model's gradients, and a real run against the bars."""
import json

import numpy as np
import pytest

import minigrad as mg
from lessons import captioning as cap


def test_shape_masks():
    assert cap.shape_mask("square", 6).all()
    circle = cap.shape_mask("circle", 8)
    assert circle[4, 4] and not circle[0, 0] and circle.sum() == 52
    triangle = cap.shape_mask("triangle", 8)
    assert triangle[-1].all() and triangle[0].sum() <= 2               # the base at the bottom
    assert np.all(np.diff(triangle.sum(1)) >= 0)                        # widening downwards


def test_scenes_match_their_captions_and_boxes():
    rng = np.random.default_rng(0)
    images, captions, boxes = cap.draw_scenes(rng, 300)
    assert images.shape == (300, 3, 24, 24) and images.dtype == np.float32 and boxes.shape == (300, 2, 4)
    relations = set()
    for image, words, (first, second) in zip(images, captions, boxes):
        assert words[0] != words[-2] and words[0] in cap.COLOURS and words[-2] in cap.COLOURS
        assert words[1] in cap.SHAPES and words[-1] in cap.SHAPES
        relation = " ".join(words[2:-2])
        relations.add(relation)
        # the first-named shape is left of (or above) the second, each in its own half
        axis = 0 if relation == "left of" else 1
        assert first[axis + 2] <= 12 <= second[axis]
        for (x0, y0, x1, y1), colour in ((first, words[0]), (second, words[-2])):
            inside = image[:, y0:y1, x0:x1].reshape(3, -1)
            lit = inside[:, inside.sum(0) > 0]
            np.testing.assert_allclose(lit, np.array(cap.COLOURS[colour], np.float32)[:, None].repeat(lit.shape[1], 1))
        outside = image.sum(0).copy()
        for x0, y0, x1, y1 in (first, second):
            outside[y0:y1, x0:x1] = 0
        assert not outside.any()                                         # nothing drawn outside the boxes
    assert relations == {"left of", "above"}
    again = cap.draw_scenes(np.random.default_rng(0), 300)
    np.testing.assert_array_equal(again[0], images)                      # the seed fixes the scenes


def test_captions_to_indices_and_back():
    tgt_in, tgt_out = cap.encode_captions([["red", "circle", "above", "blue", "square"],
                                           ["green", "triangle", "left", "of", "red", "circle"]])
    P, S, E = cap.PAD, cap.START, cap.END
    v = cap.VOCAB
    assert tgt_in.numpy().tolist() == [
        [S, v["red"], v["circle"], v["above"], v["blue"], v["square"], P],
        [S, v["green"], v["triangle"], v["left"], v["of"], v["red"], v["circle"]]]
    assert tgt_out.numpy().tolist() == [
        [v["red"], v["circle"], v["above"], v["blue"], v["square"], E, P],
        [v["green"], v["triangle"], v["left"], v["of"], v["red"], v["circle"], E]]
    assert cap.decode_caption(tgt_out.numpy()[0].tolist() + [v["red"]]) == ["red", "circle", "above", "blue", "square"]
    with pytest.raises(KeyError, match="'purple'"):
        cap.encode_captions([["purple", "circle"]])


def test_bleu4():
    ref = [["red", "circle", "left", "of", "blue", "square"]]
    assert cap.bleu4(ref, ref) == pytest.approx(1.0)
    assert cap.bleu4([["blue", "circle", "above", "red", "square"]], ref) == 0.0      # no 4-gram in common
    # one word wrong in six: precisions 5/6, 3/5, 2/4, 1/3; the same length, no brevity penalty
    cand = [["red", "circle", "left", "of", "green", "square"]]
    assert cap.bleu4(cand, ref) == pytest.approx((5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25)
    short = [["red", "circle", "left", "of", "blue"]]                 # precisions 1, brevity exp(1 - 6/5)
    assert cap.bleu4(short, ref) == pytest.approx(np.exp(1 - 6 / 5))


def test_cell_masks_mark_the_cells_a_box_overlaps():
    masks = cap.cell_masks(np.array([[[0, 0, 4, 4], [3, 3, 5, 5]], [[20, 0, 24, 24], [0, 0, 24, 24]]]))
    assert masks.shape == (2, 2, 36)
    assert np.flatnonzero(masks[0, 0]).tolist() == [0]
    assert np.flatnonzero(masks[0, 1]).tolist() == [0, 1, 6, 7]
    assert np.flatnonzero(masks[1, 0]).tolist() == list(range(5, 36, 6))
    assert masks[1, 1].all()


def test_teacher_forcing_equals_step_by_step_decoding_and_weights_are_distributions():
    mg.manual_seed(0)
    model = cap.Captioner(channels=4, embed=3, hidden=5, attention_dim=3).double()
    images, captions, _ = cap.draw_scenes(np.random.default_rng(1), 3)
    x = mg.tensor(images, dtype=mg.float64)
    tgt_in, _ = cap.encode_captions(captions)
    with mg.no_grad():
        logits, weights = model(x, tgt_in)
        state = model.decoder.start(model.encoder(x))
        assert state["features"].shape == (3, 36, 4 + 2)        # C channels and (x, y)
        for t in range(tgt_in.shape[1]):
            out, state, w = model.decoder.step(tgt_in[:, t], state)
            np.testing.assert_allclose(out.numpy(), logits.numpy()[:, t], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.numpy().sum(-1), 1.0, rtol=1e-10)
    assert weights.shape == (3, tgt_in.shape[1], 36)


def test_attention_on_object_counts_the_named_shapes_cells():
    """A model whose attention is uniform puts (cells in the box) / 36 on each shape."""
    mg.manual_seed(0)
    model = cap.Captioner(channels=4, embed=3, hidden=5, attention_dim=3)
    mg.nn.init.zeros_(model.decoder.v.weight)                            # every score 0: uniform weights
    images, captions, boxes = cap.draw_scenes(np.random.default_rng(2), 20)
    masks = cap.cell_masks(boxes)
    expected = np.mean([masks[i, s].sum() / 36 for i in range(20) for s in (0, 0, 1, 1)])
    assert cap.attention_on_object(model, images, captions, boxes, "cpu") == pytest.approx(expected, rel=1e-5)


def test_tiny_model_gradcheck_every_parameter():
    assert cap.tiny_model_check() < 1e-5


@pytest.fixture(scope="module")
def seed0_run(tmp_path_factory):
    """The lesson as it runs (1,000 steps, ~100 s CPU), once for the tests below."""
    out = tmp_path_factory.mktemp("captioning")
    assert cap.main(["--seed", "0", "--out", str(out)]) == 0
    return out, json.loads((out / "metrics.json").read_text())


@pytest.mark.slow
def test_headline_exact_captions(seed0_run):
    out, metrics = seed0_run
    assert metrics["caption_exact_match"] >= 0.90
    assert 0.9 <= metrics["caption_bleu4"] <= 1
    assert (out / "captioning_attention.png").stat().st_size > 10_000


@pytest.mark.slow
def test_headline_attention_on_the_named_object(seed0_run):
    assert seed0_run[1]["attention_on_object"] >= 0.5
