"""autoencoder lesson: PCA from the covariance against an SVD and its optimality, principal
angles, the models' gradients (tiny models), and the headline bars on a seeded run."""
import json

import numpy as np
import pytest

import lessons.autoencoder as ae
import minigrad as mg


def test_tiny_model_gradcheck_every_model():
    assert ae.tiny_model_check() < 1e-5


def test_pca_finds_the_axes_of_a_stretched_gaussian():
    rng = np.random.default_rng(0)
    axes, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    x = (rng.normal(size=(20_000, 3)) * [3.0, 1.0, 0.2]) @ axes.T + [1.0, -2.0, 0.5]
    mean, eigenvalues, components = ae.pca(x)
    np.testing.assert_allclose(mean, [1.0, -2.0, 0.5], atol=0.05)
    np.testing.assert_allclose(eigenvalues, [9.0, 1.0, 0.04], rtol=0.05)
    np.testing.assert_allclose(np.abs(np.sum(components * axes, axis=0)), 1.0, atol=1e-3)


def test_pca_reconstruction_is_the_best_rank_k_projection():
    """PCA's k-component reconstruction error equals the sum of the discarded eigenvalues, and no
    other k-dimensional projection does better."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    mean, eigenvalues, components = ae.pca(x)
    k = 2
    error = np.sum((ae.pca_reconstruct(x, mean, components, k) - x) ** 2) / (len(x) - 1)
    assert error == pytest.approx(eigenvalues[k:].sum(), rel=1e-10)
    for _ in range(20):
        q, _ = np.linalg.qr(rng.normal(size=(6, k)))
        other = mean + (x - mean) @ q @ q.T
        assert np.sum((other - x) ** 2) / (len(x) - 1) > error


def test_principal_angles_of_known_subspaces():
    e = np.eye(4)
    assert ae.principal_angles_deg(e[:, :2], e[:, :2] @ [[2.0, 1.0], [0.0, 3.0]]) == pytest.approx([0, 0], abs=1e-6)
    tilted = np.stack([e[:, 0], np.cos(np.radians(30)) * e[:, 1] + np.sin(np.radians(30)) * e[:, 2]], axis=1)
    assert ae.principal_angles_deg(e[:, :2], tilted) == pytest.approx([0, 30], abs=1e-6)


def test_deep_autoencoder_shapes_and_output_range():
    mg.manual_seed(0)
    model = ae.DeepAutoencoder(2)
    with mg.no_grad():
        x = mg.rand(5, 64)
        assert tuple(model.encoder(x).shape) == (5, 2)
        out = model(x).numpy()
    assert out.shape == (5, 64) and out.min() >= 0 and out.max() <= 1


def test_denoising_training_targets_the_clean_image():
    """With noise the loss is measured against the clean input: a model that copies its input
    cannot reach zero, a model trained this way gets below the noise's own MSE."""
    mg.manual_seed(0)
    x = mg.rand(64, 64) * 0.0 + 0.5
    model = ae.LinearAutoencoder(2)
    losses = ae.train_autoencoder(model, x, 30, 0, "denoise", lr=1e-2, batch_size=16, noise=0.3)
    assert losses[-1] < 0.3 ** 2 / 4


@pytest.mark.slow
def test_autoencoder_headline(tmp_path):
    assert ae.main(["--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["pca_svd_eigenvalue_max_abs_diff"] < 1e-12
    assert metrics["linear_ae_rel_gap_to_pca"] <= 0.02
    assert metrics["linear_ae_subspace_angle_deg"] <= 5
    assert metrics["deep_ae_mse_over_pca_mse"] <= 0.85
    assert metrics["denoise_output_mse"] < metrics["denoise_noisy_mse"] / 2
    for png in ("pca_explained_variance.png", "pca_components.png", "linear_ae_vs_pca.png", "linear_ae_basis.png",
                "deep_ae_codes.png", "deep_ae_reconstructions.png", "denoise.png"):
        assert (tmp_path / png).stat().st_size > 5_000
