"""Mixed float dtypes, as PyTorch: matrix products, convolutions, recurrent layers, attention and
normalisations refuse a float32 input to a float64 module (one clear error naming the op and
both dtypes); element-wise ops and losses promote."""
import pytest

import minigrad as mg
from minigrad import nn
import minigrad.nn.functional as F

x32 = lambda *shape: mg.randn(*shape)  # noqa: E731


REFUSED = {
    "matmul": lambda: x32(2, 3) @ x32(3, 2).double(),
    "linear": lambda: nn.Linear(3, 4).double()(x32(2, 3)),
    "linear, float32 module": lambda: nn.Linear(3, 4)(x32(2, 3).double()),
    "bilinear": lambda: nn.Bilinear(3, 3, 2).double()(x32(2, 3), x32(2, 3)),
    "conv2d": lambda: nn.Conv2d(1, 2, 3).double()(x32(1, 1, 5, 5)),
    "conv1d": lambda: nn.Conv1d(1, 2, 3).double()(x32(1, 1, 5)),
    "conv2d, float64 bias only": lambda: F.conv2d(x32(1, 1, 5, 5), x32(2, 1, 3, 3), x32(2).double()),
    "prelu": lambda: nn.PReLU().double()(x32(2, 3)),
    "conv_transpose2d": lambda: nn.ConvTranspose2d(1, 2, 3).double()(x32(1, 1, 5, 5)),
    "lstm": lambda: nn.LSTM(3, 4).double()(x32(2, 1, 3)),
    "gru": lambda: nn.GRU(3, 4).double()(x32(2, 1, 3)),
    "batch_norm": lambda: nn.BatchNorm1d(3).double()(x32(2, 3)),
    "layer_norm": lambda: nn.LayerNorm(3).double()(x32(2, 3)),
    "group_norm": lambda: nn.GroupNorm(1, 3).double()(x32(2, 3, 4)),
    "multi-head attention": lambda: nn.MultiheadAttention(4, 2).double()(x32(2, 1, 4), x32(2, 1, 4), x32(2, 1, 4)),
    "scaled_dot_product_attention": lambda: F.scaled_dot_product_attention(
        x32(1, 2, 3), x32(1, 2, 3).double(), x32(1, 2, 3).double()),
}

PROMOTED = {
    "add": lambda: x32(2, 3) + x32(2, 3).double(),
    "mul": lambda: x32(2, 3) * x32(2, 3).double(),
    "mse_loss": lambda: F.mse_loss(x32(2, 3), x32(2, 3).double()),
}


@pytest.mark.parametrize("name", REFUSED)
def test_a_float64_module_refuses_float32_input(name):
    with pytest.raises((RuntimeError, TypeError)) as info:
        REFUSED[name]()
    message = str(info.value)
    assert "float32" in message and "float64" in message, message


def test_the_layer_error_names_the_op_and_says_what_to_do():
    with pytest.raises(RuntimeError, match=r"^Linear: expected scalar type float64 but found float32.*x\.to\(mg\.float64\)"):
        nn.Linear(3, 4).double()(x32(2, 3))
    with pytest.raises(RuntimeError, match=r"matmul: expected both operands to have the same dtype, got float32 and float64"):
        x32(2, 3) @ x32(3, 2).double()
    with pytest.raises(RuntimeError, match=r"^Conv1d: expected scalar type float64 but found float32"):
        nn.Conv1d(1, 2, 3).double()(x32(1, 1, 5))
    with pytest.raises(RuntimeError, match=r"^PReLU: expected scalar type float64 but found float32"):
        nn.PReLU().double()(x32(2, 3))


@pytest.mark.parametrize("name", PROMOTED)
def test_element_wise_ops_and_losses_promote(name):
    assert PROMOTED[name]().dtype == mg.float64


def test_the_same_split_as_pytorch():
    torch = pytest.importorskip("torch")
    t = lambda *shape: torch.randn(*shape)  # noqa: E731
    refused = [lambda: t(2, 3) @ t(3, 2).double(), lambda: torch.nn.Linear(3, 4).double()(t(2, 3)),
               lambda: torch.nn.Conv2d(1, 2, 3).double()(t(1, 1, 5, 5)),
               lambda: torch.nn.LSTM(3, 4).double()(t(2, 1, 3)),
               lambda: torch.nn.BatchNorm1d(3).double()(t(2, 3)),
               lambda: torch.nn.LayerNorm(3).double()(t(2, 3)),
               lambda: torch.nn.PReLU().double()(t(2, 3))]
    for f in refused:
        with pytest.raises((RuntimeError, ValueError)):
            f()
    assert (t(2, 3) * t(2, 3).double()).dtype == torch.float64
    assert torch.nn.functional.mse_loss(t(2, 3), t(2, 3).double()).dtype == torch.float64
