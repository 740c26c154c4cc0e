"""architectures lesson: every block's gradients, the parameter counts, the blocks' wiring, the
batch-norm activations, and the headline bars (degradation, the ResNet's accuracy)."""
import json

import numpy as np
import pytest

import lessons.architectures as arch
import minigrad as mg
from minigrad import nn


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_tiny_model_gradcheck_every_model():
    assert arch.tiny_model_check() < 1e-5


def test_separable_block_has_one_over_c_plus_one_over_k_squared_of_the_parameters():
    for c in (8, 64, 256):
        ratio = count(arch.separable_block(c)) / count(nn.Conv2d(c, c, 3, bias=False))
        assert ratio == pytest.approx(1 / c + 1 / 9, rel=1e-12)
    assert count(arch.separable_block(64)) == 9 * 64 + 64 * 64


def test_taxonomy_part_reports_the_exact_ratio(tmp_path):
    assert arch.main(["--part", "taxonomy", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["separable_param_ratio"] == pytest.approx((9 * 64 + 64 * 64) / (9 * 64 * 64), abs=1e-12)
    assert round(metrics["separable_param_ratio"], 4) == 0.1267
    assert (tmp_path / "separable_params.png").stat().st_size > 10_000


def test_basic_block_projects_the_identity_only_when_the_shape_changes():
    assert arch.BasicBlock(16, 16).downsample is None
    block = arch.BasicBlock(16, 32, stride=2)
    assert isinstance(block.downsample[0], nn.Conv2d) and block.downsample[0].kernel_size == (1, 1)
    with mg.no_grad():
        assert tuple(block(mg.randn(2, 16, 8, 8)).shape) == (2, 32, 4, 4)


def test_basic_block_adds_its_input_back():
    """With the residual's last batch norm scaled to zero the block is relu(x)."""
    block = arch.BasicBlock(4, 4).eval()
    with mg.no_grad():
        block.bn2.weight.fill_(0.0)
        block.bn2.bias.fill_(0.0)
        x = mg.randn(2, 4, 5, 5)
        np.testing.assert_allclose(block(x).numpy(), np.maximum(x.numpy(), 0), atol=1e-6)


def test_inception_concatenates_its_four_branches():
    block = arch.Inception(16, 8, 8, 16, 4, 4, 4)
    with mg.no_grad():
        out = block(mg.randn(2, 16, 7, 7))
    assert tuple(out.shape) == (2, 8 + 16 + 4 + 4, 7, 7)


def test_depthwise_conv_filters_each_channel_on_its_own():
    depthwise = arch.depthwise_separable(8, 16)[0][0]
    assert depthwise.groups == 8 and tuple(depthwise.weight.shape) == (8, 1, 3, 3)


def test_squeeze_excitation_scales_each_channel_by_a_weight_in_0_1():
    se = arch.SqueezeExcitation(8)
    x = mg.rand(3, 8, 5, 5) + 0.5
    with mg.no_grad():
        scale = (se(x) / x).numpy()
    # one weight per (image, channel), the same at every pixel, strictly between 0 and 1
    np.testing.assert_allclose(scale, scale[:, :, :1, :1] * np.ones_like(scale), rtol=1e-5)
    assert (scale > 0).all() and (scale < 1).all()


def test_plain_and_residual_deep_cnns_have_the_same_parameters_and_differ_only_by_the_skip():
    mg.manual_seed(0)
    plain, residual = arch.DeepCNN(skip=False), arch.DeepCNN(skip=True)
    residual.load_state_dict(plain.state_dict())
    assert count(plain) == count(residual)
    assert len(plain.convs) + 2 == 20                  # a 20-layer network
    x = mg.randn(2, 1, 14, 14)
    with mg.no_grad():
        assert not np.allclose(plain(x).numpy(), residual(x).numpy())


def test_every_family_maps_an_image_to_ten_logits():
    for name, (_, build) in arch.FAMILIES.items():
        with mg.no_grad():
            assert tuple(build()(mg.randn(2, 1, 28, 28)).shape) == (2, 10), name


def test_batchnorm_part_meets_its_bars(tmp_path):
    assert arch.main(["--part", "batchnorm", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["act_std_last_no_bn"] < 0.25
    assert 0.4 <= metrics["act_std_last_bn"] <= 2
    assert (tmp_path / "batchnorm_activations.png").stat().st_size > 10_000


@pytest.mark.slow
def test_degradation_headline(tmp_path):
    assert arch.main(["--part", "degradation", "--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["degradation_loss_ratio"] >= 1.5
    assert metrics["degradation_plain_first_grad_norm"] < 1e-3 * metrics["degradation_residual_first_grad_norm"]
    assert (tmp_path / "degradation.png").stat().st_size > 10_000


@pytest.mark.slow
def test_resnet_headline(tmp_path):
    assert arch.main(["--part", "families", "--families", "resnet", "--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert (tmp_path / "families.png").stat().st_size > 10_000
    suffix = "_digits" if "resnet_digits_test_accuracy" in metrics else ""
    assert metrics[f"resnet{suffix}_test_accuracy"] >= (0.98 if suffix else 0.90)
