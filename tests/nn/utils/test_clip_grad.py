"""nn/utils/clip_grad.py: clip_grad_norm_ and clip_grad_value_, by hand and against PyTorch."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_

G1 = np.array([[3.0, -4.0], [1.0, 2.0]], dtype=np.float32)
G2 = np.array([0.5, -6.0, 2.0], dtype=np.float32)


def _params():
    a, b, c = mg.zeros(2, 2, requires_grad=True), mg.zeros(3, requires_grad=True), mg.zeros(1, requires_grad=True)
    a.grad, b.grad = mg.tensor(G1), mg.tensor(G2)  # c has no grad: skipped
    return [a, b, c]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3, math.inf])
@pytest.mark.parametrize("max_norm", [1.0, 100.0])
def test_clip_grad_norm_by_hand_and_vs_pytorch(norm_type, max_norm):
    params = _params()
    total = clip_grad_norm_(params, max_norm, norm_type)
    flat = np.concatenate([G1.ravel(), G2]).astype(np.float64)
    want_total = np.abs(flat).max() if norm_type == math.inf else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    assert isinstance(total, mg.Tensor) and total.dtype == np.float32
    assert total.item() == pytest.approx(want_total, rel=1e-6)
    coef = min(1.0, max_norm / (want_total + 1e-6))
    np.testing.assert_allclose(params[0].grad.data, G1 * coef, rtol=1e-6)
    np.testing.assert_allclose(params[1].grad.data, G2 * coef, rtol=1e-6)
    assert params[0].grad.dtype == np.float32
    torch = pytest.importorskip("torch")
    tp = [torch.zeros(2, 2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    tp[0].grad, tp[1].grad = torch.tensor(G1), torch.tensor(G2)
    ttotal = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-6)
    np.testing.assert_allclose(params[1].grad.data, tp[1].grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_nonfinite_and_empty():
    p = mg.zeros(2, requires_grad=True)
    p.grad = mg.tensor([1.0, float("inf")])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([mg.zeros(2, requires_grad=True)], 1.0).item() == 0.0


def test_clip_grad_value():
    params = _params()
    clip_grad_value_(params, 2.5)
    np.testing.assert_array_equal(params[0].grad.data, np.clip(G1, -2.5, 2.5))
    np.testing.assert_array_equal(params[1].grad.data, [0.5, -2.5, 2.0])


def test_clip_grad_norm_of_order_zero_counts_non_zero_entries_as_pytorch():
    p = mg.tensor([0.0, 1.0, 2.0], requires_grad=True)
    (p * mg.tensor([0.0, 3.0, -4.0])).sum().backward()
    total = clip_grad_norm_([p], 1.0, norm_type=0)
    assert total.item() == 2.0
    assert np.allclose(p.grad.numpy(), np.array([0.0, 3.0, -4.0]) * (1.0 / (2.0 + 1e-6)))
    with pytest.raises(TypeError, match="clip_grad_norm_: norm_type must be a number"):
        clip_grad_norm_([p], 1.0, norm_type="2")
