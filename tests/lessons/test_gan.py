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
    assert gan.main(["--part", "dcgan", "--part", "acgan", "--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["judge_test_accuracy"] >= 0.97
    assert metrics["acgan_class_accuracy"] >= 0.90
    assert metrics["dcgan_min_class_fraction"] >= 0.03
    for png in ("dcgan_samples.png", "acgan_samples.png", "dcgan_losses.png", "acgan_losses.png",
                "dcgan_epoch01.png", "acgan_epoch01.png"):
        assert (tmp_path / png).stat().st_size > 2_000


def test_gradient_penalty_of_a_linear_critic_is_its_slope_norm_minus_one_squared():
    """C(x) = <a, x> has gradient a at every point: the penalty is (||a|| - 1)^2 exactly, and its
    gradient w.r.t. a is 2 (||a|| - 1) a / ||a|| (a second-order derivative of C)."""
    rng = np.random.default_rng(0)
    a = mg.tensor(rng.normal(size=(1, 1, 8, 8)), requires_grad=True)

    class Linear(mg.nn.Module):
        def forward(self, x):
            return (x * a).flatten(1).sum(1)
    real, fake = mg.tensor(rng.normal(size=(5, 1, 8, 8))), mg.tensor(rng.normal(size=(5, 1, 8, 8)))
    eps = mg.tensor(rng.random((5, 1, 1, 1)))
    penalty = gan.gradient_penalty(Linear(), real, fake, eps)
    norm = np.linalg.norm(a.detach().numpy())
    assert penalty.item() == pytest.approx((norm - 1) ** 2, rel=1e-9)
    penalty.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * (norm - 1) * a.detach().numpy() / norm, rtol=1e-7)


def test_critic_has_no_batch_norm_so_each_score_depends_on_its_own_image_only():
    mg.manual_seed(0)
    C = gan.Critic(width=4)
    x = mg.randn(6, 1, 8, 8)
    alone = C(x[:1]).item()
    assert C(x).shape == (6,)
    assert C(x)[0].item() == pytest.approx(alone, rel=1e-5)


@pytest.mark.slow
def test_wgan_gp_samples_cover_every_class(tmp_path):
    assert gan.main(["--part", "wgan_gp", "--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["wgan_gp_min_class_fraction"] >= 0.03
    for png in ("wgan_gp_samples.png", "wgan_gp_losses.png", "wgan_gp_step00800.png"):
        assert (tmp_path / png).stat().st_size > 2_000
