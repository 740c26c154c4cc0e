"""Bad input: the error type, and a message naming the op and the offending values."""
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits", "kl_div"])
def test_loss_with_mismatched_shapes_names_both(loss):
    with pytest.raises(ValueError, match=rf"{loss}: target shape \(3,\) differs from input shape \(3, 2\)"):
        getattr(F, loss)(mg.rand(3, 2), mg.rand(3))


def test_cross_entropy_errors():
    x = mg.randn(4, 10)
    with pytest.raises(IndexError, match=r"cross_entropy: target class index 12 is out of range for 10 classes"):
        F.cross_entropy(x, mg.tensor([1, 12, 3, 0]))
    with pytest.raises(IndexError, match=r"nll_loss: target class index -2 is out of range for 10 classes"):
        F.nll_loss(x, mg.tensor([1, -2, 3, 0]))
    with pytest.raises(ValueError, match=r"input of shape \(4, 10\) .* must have shape \(4,\), got target shape \(4, 1\)"):
        F.cross_entropy(x, mg.tensor([[1], [2], [3], [0]]))
    with pytest.raises(ValueError, match=r"weight must have shape \(10,\)"):
        F.cross_entropy(x, mg.tensor([1, 2, 3, 0]), weight=mg.ones(3))
    with pytest.raises(ValueError, match=r"probability target must have the input's shape \(4, 10\)"):
        F.cross_entropy(x, mg.rand(4, 9))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.cross_entropy(x, mg.tensor([1, 2, 3, 0]), reduction="avg")
    # ignore_index positions may hold any value
    assert F.cross_entropy(x, mg.tensor([1, -100, 3, 0])).item() > 0


def test_layer_errors():
    with pytest.raises(RuntimeError, match=r"linear: input shape \(2, 5\) does not match weight shape \(3, 4\)"):
        nn.Linear(4, 3)(mg.randn(2, 5))
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input, got 2D input of shape \(2, 3\)"):
        nn.BatchNorm2d(3)(mg.randn(2, 3))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 3 channels in dim 1, got input of shape \(2, 4\)"):
        nn.BatchNorm1d(3)(mg.randn(2, 4))
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training, got input size \(1, 3\)"):
        nn.BatchNorm1d(3)(mg.randn(1, 3))
    with pytest.raises(RuntimeError, match=r"layer_norm: input shape \(2, 5\) does not end with normalized_shape \(4,\)"):
        nn.LayerNorm(4)(mg.randn(2, 5))
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(IndexError, match=r"embedding: index 7 is out of range for 5 rows"):
        nn.Embedding(5, 2)(mg.tensor([1, 7]))
    with pytest.raises(TypeError, match="embedding: indices must be an integer tensor"):
        nn.Embedding(5, 2)(mg.tensor([1.0]))
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))
    with pytest.raises(IndexError, match=r"one_hot: index 3 is out of range for 3 rows"):
        F.one_hot(mg.tensor([0, 3]), 3)
