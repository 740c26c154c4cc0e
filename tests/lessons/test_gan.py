"""gan lesson: both nets' shapes, the losses' gradients (tiny model), and a seeded real run."""
import json

import numpy as np
import pytest

import lessons.gan as gan
import minigrad as mg
from minigrad.nn import functional as F


def test_tiny_model_gradcheck_both_losses_every_parameter_of_both_nets():
    assert gan.tiny_model_check() < 1e-5


def test_generator_maps_noise_to_8x8_images_in_minus_one_one_and_discriminator_to_logits():
    mg.manual_seed(0)
    G, D = gan.Generator(n_classes=10, width=4), gan.Discriminator(n_classes=10, width=4)
    z = mg.randn(5, gan.NOISE_SIZE) * 50          # large noise: tanh must still bound the pixels
    images = G(z, F.one_hot(mg.arange(5), 10).float())
    assert images.shape == (5, 1, 8, 8)
    assert np.all(np.abs(images.detach().numpy()) < 1)
    assert D(images).shape == (5, 11)
    assert gan.Discriminator(width=4)(images).shape == (5, 1)


def test_discriminator_loss_uses_smoothed_real_target():
    """A D that outputs logit 0 everywhere: each BCE term is log 2, whatever the target."""
    class Constant(mg.nn.Module):
        def forward(self, x):
            return mg.zeros(x.shape[0], 1)
    real = fake = mg.zeros(3, 1, 8, 8)
    assert gan.discriminator_loss(Constant(), real, fake).item() == pytest.approx(2 * np.log(2), rel=1e-6)

    class Confident(mg.nn.Module):       # logit +20 for everything: real term ~ 0.1 * 20
        def forward(self, x):
            return mg.full((x.shape[0], 1), 20.0)
    loss = gan.discriminator_loss(Confident(), real, fake).item()
    assert loss == pytest.approx((1 - gan.REAL_TARGET) * 20 + 20, rel=1e-4)


def test_unknown_part_is_a_user_error(tmp_path, capsys):
    assert gan.main(["--part", "wgan", "--out", str(tmp_path)]) == 2
    assert "unknown part 'wgan'" in capsys.readouterr().err


@pytest.mark.slow
def test_acgan_and_dcgan_samples_pass_the_judge(tmp_path):
    assert gan.main(["--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["judge_test_accuracy"] >= 0.97
    assert metrics["acgan_class_accuracy"] >= 0.90
    assert metrics["dcgan_min_class_fraction"] >= 0.03
    for png in ("dcgan_samples.png", "acgan_samples.png", "dcgan_losses.png", "acgan_losses.png",
                "dcgan_epoch01.png", "acgan_epoch01.png"):
        assert (tmp_path / png).stat().st_size > 2_000
