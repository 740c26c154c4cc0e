"""lessons.common's digits judge: accurate, trained once, saved/loaded, and seed-neutral."""
import numpy as np

import minigrad as mg
from lessons import common


def test_judge_is_accurate_cached_saved_and_leaves_the_callers_random_stream_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "_JUDGES", {})
    mg.manual_seed(7)
    expected = mg.randn(3).numpy()
    mg.manual_seed(7)
    model, accuracy = common.digits_classifier("cpu", out=str(tmp_path))
    np.testing.assert_array_equal(mg.randn(3).numpy(), expected)
    assert accuracy >= 0.97
    assert (tmp_path / "digits_classifier.npz").exists()
    assert common.digits_classifier("cpu")[0] is model          # served from memory

    monkeypatch.setattr(common, "_JUDGES", {})                  # a new process: loads the file
    loaded, accuracy_loaded = common.digits_classifier("cpu", out=str(tmp_path))
    assert loaded is not model and accuracy_loaded == accuracy

    _, _, x_test, y_test = common.digits_split()
    assert common.requested_class_accuracy(x_test, y_test) == accuracy
    fractions = common.class_fractions(x_test)
    np.testing.assert_allclose(fractions.sum(), 1.0)
    np.testing.assert_allclose(fractions, np.bincount(y_test, minlength=10) / len(y_test), atol=0.02)
