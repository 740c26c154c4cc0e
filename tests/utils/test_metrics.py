"""Metrics equal scikit-learn's numbers."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.utils import metrics

skm = pytest.importorskip("sklearn.metrics")

RNG = np.random.default_rng(0)
Y3 = RNG.integers(0, 3, 60)
P3 = np.where(RNG.random(60) < 0.6, Y3, RNG.integers(0, 3, 60))
Y2 = RNG.integers(0, 2, 50)
S2 = np.round(RNG.random(50) * 0.6 + Y2 * 0.3, 1)  # rounded: ties between scores


def test_accuracy_on_tensors_arrays_and_logits():
    assert metrics.accuracy(mg.tensor(Y3), mg.tensor(P3)) == pytest.approx(skm.accuracy_score(Y3, P3))
    logits = np.eye(3)[P3] * 2.0 - 1.0
    assert metrics.accuracy(Y3, mg.tensor(logits)) == pytest.approx(skm.accuracy_score(Y3, P3))
    with pytest.raises(ValueError, match="60 labels but y_pred has 59"):
        metrics.accuracy(Y3, P3[:-1])


@pytest.mark.parametrize("labels", [None, [2, 0, 1], [0, 1]])
def test_confusion_matrix(labels):
    got = metrics.confusion_matrix(mg.tensor(Y3), P3, labels=labels)
    np.testing.assert_array_equal(got, skm.confusion_matrix(Y3, P3, labels=labels))


@pytest.mark.parametrize("average", ["micro", "macro", "weighted", None])
@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score"])
def test_multiclass_scores(name, average):
    np.testing.assert_allclose(getattr(metrics, name)(Y3, mg.tensor(P3), average=average),
                               getattr(skm, name)(Y3, P3, average=average), rtol=1e-12)


@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score"])
def test_binary_scores_and_zero_division(name):
    pred = (S2 > 0.5).astype(int)
    assert getattr(metrics, name)(Y2, pred) == pytest.approx(getattr(skm, name)(Y2, pred))
    assert getattr(metrics, name)(Y2, pred, pos_label=0) == pytest.approx(getattr(skm, name)(Y2, pred, pos_label=0))
    none = np.zeros(10, dtype=int)
    assert getattr(metrics, name)(none, none) == getattr(skm, name)(none, none, zero_division=0.0)


@pytest.mark.parametrize("drop", [True, False])
def test_roc_curve_and_auc(drop):
    fpr, tpr, thr = metrics.roc_curve(mg.tensor(Y2), mg.tensor(S2), drop_intermediate=drop)
    want = skm.roc_curve(Y2, S2, drop_intermediate=drop)
    for a, b in zip((fpr, tpr, thr), want):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert metrics.auc(fpr, tpr) == pytest.approx(skm.auc(*want[:2]), rel=1e-12)
    assert metrics.roc_auc_score(Y2, S2) == pytest.approx(skm.roc_auc_score(Y2, S2), rel=1e-12)
    assert metrics.auc([1.0, 0.5, 0.0], [1.0, 1.0, 0.0]) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="neither increasing nor decreasing"):
        metrics.auc([0.0, 1.0, 0.5], [0.0, 1.0, 1.0])
