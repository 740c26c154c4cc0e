"""cnn lesson: the tiny CNN's gradients, the counts and shapes, and LeNet's headline accuracy."""
import json

import numpy as np
import pytest

import lessons.cnn as cnn
import minigrad as mg


def test_tiny_model_gradcheck_every_parameter():
    assert cnn.tiny_model_check() < 1e-5


def test_conv_parameter_formula_and_keras_cnn_count():
    assert cnn.conv_params(5, 5, 1, 6) == 156
    assert cnn.conv_params(5, 5, 6, 16) == 2416
    assert sum(p.numel() for p in cnn.keras_cnn().parameters()) == 1_413_834


def test_lenet_shapes_follow_the_notes():
    model = cnn.lenet()
    x = mg.zeros(2, 1, 32, 32)
    shapes = []
    with mg.no_grad():
        for layer in model:
            x = layer(x)
            shapes.append(tuple(x.shape[1:]))
    assert shapes[0] == (6, 28, 28) and shapes[2] == (6, 14, 14)
    assert shapes[3] == (16, 10, 10) and shapes[5] == (16, 5, 5) and shapes[-1] == (10,)


def test_random_shift_moves_whole_images_and_fills_the_border():
    x = mg.tensor(np.arange(2 * 1 * 5 * 5, dtype=np.float32).reshape(2, 1, 5, 5))
    y = cnn.random_shift(x, 2, -1.0, np.random.default_rng(3)).numpy()
    for i in range(2):
        inside = y[i, 0][y[i, 0] >= 0]
        assert set(inside.tolist()) <= set(x.numpy()[i, 0].ravel().tolist())
        # a shift keeps neighbours neighbours: consecutive values along rows stay consecutive
        rows = [r[r >= 0] for r in y[i, 0]]
        assert all(np.all(np.diff(r) == 1) for r in rows if r.size > 1)


def test_pooling_part_measures_the_receptive_field(tmp_path):
    assert cnn.main(["--part", "pooling", "--part", "filters", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "pooling_receptive_field.png").stat().st_size > 10_000
    assert (tmp_path / "filters.png").stat().st_size > 10_000


@pytest.mark.slow
def test_lenet_digits_headline(tmp_path):
    assert cnn.main(["--part", "lenet", "--part", "padding", "--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["lenet_test_accuracy"] >= 0.98
    assert metrics["params_keras_cnn"] == 1_413_834
    for png in ("lenet_digits_loss.png", "lenet_digits_predictions.png", "padding_stride.png"):
        assert (tmp_path / png).stat().st_size > 10_000


def test_interop_part_saves_lenet_as_safetensors_and_onnx_with_the_same_predictions(tmp_path):
    pytest.importorskip("onnx")
    assert cnn.main(["--part", "interop", "--epochs", "1", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["interop_test_accuracy"] > 0.5
    assert metrics["interop_onnx_agree"] == 360 and metrics["interop_onnx_max_logit_diff"] < 1e-4
    state = mg.load(tmp_path / "lenet.safetensors")
    assert sorted(state) == sorted(cnn.lenet().state_dict())
    try:
        import safetensors.torch  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return
    assert metrics["interop_torch_agree"] == 360 and metrics["interop_torch_max_logit_diff"] < 1e-4
