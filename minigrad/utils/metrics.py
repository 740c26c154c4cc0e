"""Classification metrics with scikit-learn's definitions and numbers.

Inputs may be Tensors, NumPy/CuPy arrays or lists; results are Python floats or NumPy arrays.
``y_pred`` given as 2-d scores/logits (N, C) is turned into labels by ``argmax`` over dim 1.

    accuracy   = mean(y_pred == y_true)
    precision  = TP / (TP + FP)        recall = TP / (TP + FN)
    f1         = 2 P R / (P + R)       (computed as 2 TP / (2 TP + FP + FN), as scikit-learn)
    average    'binary' (the pos_label class), 'micro' (pooled counts), 'macro' (plain mean
               over classes), 'weighted' (mean weighted by support), None (one per class)
    roc_curve  false/true positive rates at every distinct score threshold (highest first,
               plus ``inf``), collinear points dropped
    auc        trapezoidal area under a monotonic curve
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor


def _np(x):
    """``x`` (a Tensor, a NumPy or CuPy array, a list) as a NumPy array on the host."""
    if isinstance(x, Tensor):
        x = x.data
    return np.asarray(backend.to_numpy(x) if hasattr(x, "__cuda_array_interface__") else x)


def _labels(y_true, y_pred, op):
    y_true, y_pred = _np(y_true), _np(y_pred)
    if y_pred.ndim == 2 and y_true.ndim == 1:
        y_pred = y_pred.argmax(axis=1)
    y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{op}: y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the true labels (``accuracy_score`` in scikit-learn)."""
    y_true, y_pred = _labels(y_true, y_pred, "accuracy")
    return float(np.mean(y_true == y_pred))


accuracy_score = accuracy


def confusion_matrix(y_true, y_pred, labels=None):
    """``C[i, j]`` = number of samples of true class ``labels[i]`` predicted as ``labels[j]``
    (``labels`` defaults to the sorted union of both label sets)."""
    y_true, y_pred = _labels(y_true, y_pred, "confusion_matrix")
    labels = np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)
    n = len(labels)
    order = np.argsort(labels)
    t = np.searchsorted(labels, y_true, sorter=order)
    p = np.searchsorted(labels, y_pred, sorter=order)
    t, p = order[np.minimum(t, n - 1)], order[np.minimum(p, n - 1)]
    keep = (labels[t] == y_true) & (labels[p] == y_pred)  # samples whose labels are not listed drop out
    return np.bincount(t[keep] * n + p[keep], minlength=n * n).reshape(n, n).astype(np.int64)


def _counts(y_true, y_pred, labels):
    """Per class in ``labels``: true positives, false positives, false negatives, counted
    over all samples (a sample of an unlisted class is still a false positive/negative)."""
    every = np.union1d(np.union1d(y_true, y_pred), labels)
    cm = confusion_matrix(y_true, y_pred, every)
    idx = np.searchsorted(every, labels)
    tp = np.diag(cm).astype(np.float64)
    return tp[idx], (cm.sum(axis=0) - tp)[idx], (cm.sum(axis=1) - tp)[idx]


def _divide(num, den, zero_division):
    den_safe = np.where(den == 0, 1, den)
    return np.where(den == 0, zero_division, num / den_safe)


def _score(kind, y_true, y_pred, labels, pos_label, average, zero_division):
    y_true_a, y_pred_a = _labels(y_true, y_pred, kind)
    present = np.union1d(y_true_a, y_pred_a)
    if average == "binary":
        if len(present) > 2:
            raise ValueError(f"{kind}: average='binary' needs two classes, got labels "
                             f"{present.tolist()}; choose average='micro', 'macro' or 'weighted'")
        labels = [pos_label]
    elif labels is None:
        labels = present
    elif average not in ("micro", "macro", "weighted", None):
        raise ValueError(f"{kind}: unknown average {average!r}")
    tp, fp, fn = _counts(y_true_a, y_pred_a, np.asarray(labels))
    if average == "micro":
        tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
    if kind == "precision":
        per_class = _divide(tp, tp + fp, zero_division)
    elif kind == "recall":
        per_class = _divide(tp, tp + fn, zero_division)
    else:
        per_class = _divide(2 * tp, 2 * tp + fp + fn, zero_division)
    if average is None:
        return per_class
    if average == "weighted":
        support = tp + fn
        return float(np.average(per_class, weights=support)) if support.sum() else float(zero_division)
    return float(per_class.mean())


def precision_score(y_true, y_pred, labels=None, pos_label=1, average="binary", zero_division=0.0):
    return _score("precision", y_true, y_pred, labels, pos_label, average, zero_division)


def recall_score(y_true, y_pred, labels=None, pos_label=1, average="binary", zero_division=0.0):
    return _score("recall", y_true, y_pred, labels, pos_label, average, zero_division)


def f1_score(y_true, y_pred, labels=None, pos_label=1, average="binary", zero_division=0.0):
    return _score("f1", y_true, y_pred, labels, pos_label, average, zero_division)


precision, recall = precision_score, recall_score


def roc_curve(y_true, y_score, pos_label=None, drop_intermediate=True):
    """``(fpr, tpr, thresholds)`` for a binary problem, as scikit-learn computes them."""
    y_true, y_score = _np(y_true).reshape(-1), _np(y_score).reshape(-1).astype(np.float64)
    if y_true.shape != y_score.shape:
        raise ValueError(f"roc_curve: y_true has {y_true.size} labels but y_score has {y_score.size}")
    if pos_label is None:
        classes = np.unique(y_true)
        if not set(classes.tolist()) <= {0, 1, -1}:
            raise ValueError(f"roc_curve: y_true has labels {classes.tolist()}; pass pos_label=")
        pos_label = 1
    positive = (y_true == pos_label).astype(np.float64)
    order = np.argsort(y_score, kind="mergesort")[::-1]
    y_score, positive = y_score[order], positive[order]
    last_of_each = np.r_[np.where(np.diff(y_score))[0], y_true.size - 1]
    tps = np.cumsum(positive)[last_of_each]
    fps = 1 + last_of_each - tps
    thresholds = y_score[last_of_each]
    if drop_intermediate and len(fps) > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    tps, fps, thresholds = np.r_[0, tps], np.r_[0, fps], np.r_[np.inf, thresholds]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr, thresholds


def auc(x, y):
    """Area under the curve through the points ``(x, y)`` by the trapezoid rule; ``x`` must be
    monotonic (increasing or decreasing)."""
    x, y = _np(x).astype(np.float64).reshape(-1), _np(y).astype(np.float64).reshape(-1)
    if x.size < 2:
        raise ValueError(f"auc: at least 2 points are needed to compute an area, got {x.size}")
    dx = np.diff(x)
    direction = 1.0
    if np.any(dx < 0):
        if not np.all(dx <= 0):
            raise ValueError(f"auc: x is neither increasing nor decreasing: {x.tolist()[:10]}...")
        direction = -1.0
    return float(direction * np.trapezoid(y, x))


def roc_auc_score(y_true, y_score):
    """Area under the ROC curve (binary)."""
    fpr, tpr, _ = roc_curve(y_true, y_score, drop_intermediate=False)
    return auc(fpr, tpr)
