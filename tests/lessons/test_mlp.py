"""mlp lesson: the tiny model's gradients, and the headline results on a real seeded run."""
import json

import numpy as np
import pytest

import lessons.mlp as mlp


def test_tiny_model_gradcheck_every_parameter():
    assert mlp.tiny_model_check() < 1e-5


def test_rates_by_threshold_count_as_the_notes_define_them():
    positive = np.array([True, True, False, False, False])
    prob = np.array([0.9, 0.4, 0.6, 0.2, 0.1])
    precision, recall, f1 = mlp.rates_by_threshold(positive, prob, [0.5, 0.3])
    # t = 0.5: TP 1 (0.9), FP 1 (0.6), FN 1 (0.4) -> P = R = F1 = 1/2
    # t = 0.3: TP 2, FP 1, FN 0 -> P = 2/3, R = 1, F1 = 0.8
    np.testing.assert_allclose(precision, [0.5, 2 / 3])
    np.testing.assert_allclose(recall, [0.5, 1.0])
    np.testing.assert_allclose(f1, [0.5, 0.8])


@pytest.mark.slow
def test_headline_regression_digits_and_parameter_counts(tmp_path):
    status = mlp.main(["--part", "regression", "--part", "digits", "--part", "summary",
                       "--seed", "0", "--out", str(tmp_path)])
    assert status == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["regression_rel_gap_to_lstsq"] < 0.01
    assert metrics["digits_test_accuracy"] >= 0.97
    assert metrics["params_mlp"] == 266_610
    assert metrics["params_mlp_bn"] == 271_346
    assert metrics["params_mlp_bn_non_trainable"] == 2_368
    for png in ("regression.png", "digits_loss.png"):
        assert (tmp_path / png).stat().st_size > 10_000


def test_graph_part_draws_the_loss_and_its_gradient(tmp_path):
    assert mlp.main(["--part", "graph", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    # Linear (Permute, MatMul, Add), ReLU, Linear, the fused cross-entropy: 8 Functions; the
    # gradient's graph holds the forward ops it needs and the backward ops on top
    assert metrics["graph_functions"] == 8 and metrics["gradient_graph_functions"] > 8
    for name in ("graph_mlp.png", "graph_gradient.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
