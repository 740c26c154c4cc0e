"""vae lesson: the reparameterisation and KL, the ELBO's gradients (tiny model), a seeded real run."""
import json

import numpy as np
import pytest

import lessons.vae as vae
import minigrad as mg


def test_tiny_model_gradcheck_elbo_with_fixed_eps_every_parameter():
    assert vae.tiny_model_check() < 1e-5


def test_reparameterise_is_mu_plus_sigma_eps_and_differentiable():
    mu = mg.tensor([0.5, -1.0], requires_grad=True)
    logvar = mg.tensor([0.0, 2.0], requires_grad=True)
    eps = mg.tensor([1.5, -0.5])
    z = vae.reparameterise(mu, logvar, eps)
    np.testing.assert_allclose(z.detach().numpy(), [0.5 + 1.5, -1.0 - 0.5 * np.e], rtol=1e-6)
    z.sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), [1, 1])
    np.testing.assert_allclose(logvar.grad.numpy(), [0.5 * 1.5, 0.5 * np.e * -0.5], rtol=1e-6)


def test_kl_term_matches_the_closed_form():
    """Encoder heads forced to mu = 1, logvar = log 4 on a 2-D latent: KL = 2 * (1 + 4 - 1 - log 4) / 2."""
    mg.manual_seed(0)
    model = vae.VAE(latent_size=2, hidden=3)
    with mg.no_grad():
        for head, value in ((model.mu, 1.0), (model.logvar, np.log(4.0))):
            head.weight.zero_()
            head.bias.fill_(value)
    _, kl = vae.negative_elbo(model, mg.rand(6, 64), eps=mg.zeros(6, 2))
    assert kl.item() == pytest.approx(4 - np.log(4), rel=1e-5)


@pytest.mark.slow
def test_cvae_samples_pass_the_judge_and_test_elbo_is_reported(tmp_path):
    assert vae.main(["--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["cvae_class_accuracy"] >= 0.90
    assert -40 < metrics["test_elbo"] < -15          # nats per image, 2-D latent
    assert metrics["cvae_test_elbo"] > metrics["test_elbo"]   # the class is extra information
    for png in ("vae_latent_grid.png", "vae_interpolation.png", "vae_latent_codes.png", "vae_loss.png",
                "cvae_samples.png", "cvae_loss.png"):
        assert (tmp_path / png).stat().st_size > 2_000
