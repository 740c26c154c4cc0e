"""segmentation lesson: the drawn data and its masks, the IoU metric, the boundary pixels,
up-sampling (transposed convolution as the adjoint of convolution), both models' gradients and
shapes, and the U-Net's bar."""
import json

import numpy as np
import pytest

import lessons.segmentation as seg
import minigrad as mg


def test_tiny_model_gradcheck_every_model():
    assert seg.tiny_model_check() < 1e-5


def test_shape_masks_cover_the_expected_pixels():
    circle = seg.shape_mask(1, 16.0, 16.0, 6.0)
    square = seg.shape_mask(2, 16.0, 16.0, 6.0)
    triangle = seg.shape_mask(3, 16.0, 16.0, 6.0)
    assert abs(circle.sum() - np.pi * 36) < 0.1 * np.pi * 36          # ~ pi r^2
    assert square.sum() == 10 * 10                                      # half side 0.85 r = 5.1
    assert abs(triangle.sum() - 2 * 36) < 0.2 * 72                      # base 2r, height 2r
    assert triangle[12, 15] and not triangle[12, 13] and triangle[21, 11]   # narrow at the top
    with pytest.raises(ValueError, match="shape_mask"):
        seg.shape_mask(4, 16.0, 16.0, 6.0)


def test_draw_shapes_is_seeded_and_its_masks_match_the_pixels():
    images, masks = seg.draw_shapes(40, seed=3)
    again, masks_again = seg.draw_shapes(40, seed=3)
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(masks, masks_again)
    assert not np.array_equal(masks, seg.draw_shapes(40, seed=4)[1])
    assert images.shape == (40, 3, 32, 32) and images.dtype == np.float32
    assert masks.shape == (40, 32, 32) and masks.dtype == np.int64
    assert images.min() >= 0 and images.max() <= 1
    assert set(np.unique(masks)) == {0, 1, 2, 3}
    for mask in masks:
        assert 1 <= len(set(np.unique(mask)) - {0}) <= 3
    clean, clean_masks = seg.draw_shapes(40, seed=3, noise_std=0.0)   # the same draws, no noise
    np.testing.assert_array_equal(clean_masks, masks)
    assert 0.06 < (images - clean).std() < seg.NOISE_STD + 1e-3         # the noise (a little clipped)


def test_draw_shapes_without_noise_paints_each_shape_in_one_contrasting_colour():
    images, masks = seg.draw_shapes(20, seed=5, noise_std=0.0)
    for image, mask in zip(images, masks):
        background = image[:, mask == 0]
        assert np.ptp(background, axis=1).max() == 0                    # one background colour
        bg = background[:, 0]
        for c in set(np.unique(mask)) - {0}:
            colour = image[:, mask == c][:, 0]
            assert np.abs(colour - bg).max() >= seg.MIN_CONTRAST - 1e-6


def test_shapes_never_touch():
    """A shape's pixels have no neighbour of another shape class (a background pixel between)."""
    _, masks = seg.draw_shapes(200, seed=6)
    padded = np.pad(masks, ((0, 0), (1, 1), (1, 1)))
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            neighbour = padded[:, 1 + dy:33 + dy, 1 + dx:33 + dx]
            clash = (masks > 0) & (neighbour > 0) & (neighbour != masks)
            assert not clash.any()


def test_confusion_matrix_and_iou():
    truth = np.array([[0, 0, 1, 1], [2, 2, 3, 3]])
    pred = np.array([[0, 1, 1, 1], [2, 0, 3, 0]])
    counts = seg.confusion_matrix(pred, truth)
    assert counts.sum() == 8 and counts[0, 1] == 1 and counts[2, 0] == 1 and counts[3, 0] == 1
    ious = seg.iou_per_class(counts)
    # background: TP 1, FP 2 (a 2 and a 3 called 0), FN 1 -> 1/4; circle: 2 / 3; square 1/2; triangle 1/2
    np.testing.assert_allclose(ious, [1 / 4, 2 / 3, 1 / 2, 1 / 2])
    assert np.isnan(seg.iou_per_class(seg.confusion_matrix([0, 0], [0, 0])))[1:].all()
    assert seg.iou_per_class(seg.confusion_matrix(truth, truth)).tolist() == [1.0] * 4


def test_boundary_pixels():
    mask = np.zeros((1, 6, 6), np.int64)
    mask[0, 2:4, 2:4] = 1
    edge = seg.boundary_pixels(mask)[0]
    assert edge.sum() == 16                  # the 2x2 square and the 12 pixels around it
    assert edge[1:5, 1:5].all() and not edge[0].any() and not edge[:, 5].any()


def test_fcn_and_unet_map_images_to_score_maps_and_differ_by_the_skips():
    x = mg.randn(2, 3, 32, 32)
    fcn, unet = seg.fcn(), seg.unet()
    with mg.no_grad():
        assert tuple(fcn(x).shape) == (2, 4, 32, 32) and tuple(unet(x).shape) == (2, 4, 32, 32)
    count = lambda m: sum(p.numel() for p in m.parameters())
    # the skips double the input channels of each decoder stage's first conv (3x3, no bias)
    w = seg.WIDTH
    assert count(unet) - count(fcn) == 9 * ((2 * w) * (2 * w) + w * w)


def test_upsampling_part(tmp_path):
    assert seg.main(["--part", "upsampling", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["transpose_adjoint_rel_gap"] < 1e-12
    assert metrics["transpose_ones_vs_nearest_max_abs_diff"] == 0.0
    assert (tmp_path / "upsampling.png").stat().st_size > 10_000


def test_data_part(tmp_path):
    assert seg.main(["--part", "data", "--train-size", "200", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    fractions = [metrics[f"pixel_fraction_{c}"] for c in seg.CLASSES]
    assert sum(fractions) == pytest.approx(1.0) and 0.7 < fractions[0] < 0.9
    assert (tmp_path / "data.png").stat().st_size > 10_000


@pytest.mark.slow
def test_unet_headline(tmp_path):
    assert seg.main(["--part", "unet", "--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["unet_mean_iou"] >= 0.90
