"""style lesson: the photographs, the frozen random-filter network and its receptive fields,
the Gram matrix and the losses, the image-only optimisation, and the bars of style transfer and
deep dream."""
import json

import numpy as np
import pytest

import lessons.style as st
import minigrad as mg


def test_tiny_model_gradcheck_every_model():
    assert st.tiny_model_check() < 1e-5


def test_photographs_are_shrunk_block_means_in_0_1():
    from sklearn.datasets import load_sample_images
    content, style = st.photographs()
    assert tuple(content.shape) == (1, 3, 85, 128) and tuple(style.shape) == (1, 3, 85, 128)
    original = load_sample_images().images[0][:5, :5].astype(np.float64) / 255
    np.testing.assert_allclose(content.numpy()[0, :, 0, 0], original.mean(axis=(0, 1)), rtol=1e-5)
    for image in (content, style):
        assert 0 <= image.numpy().min() and image.numpy().max() <= 1


def test_feature_network_is_frozen_seeded_and_returns_every_layer():
    net = st.feature_net(3)
    assert all(not p.requires_grad for p in net.parameters())
    again, other = st.feature_net(3), st.feature_net(4)
    w = net.layers["relu1_1"].weight.numpy()
    np.testing.assert_array_equal(w, again.layers["relu1_1"].weight.numpy())
    assert not np.array_equal(w, other.layers["relu1_1"].weight.numpy())
    with mg.no_grad():
        features = net(mg.rand(1, 3, 32, 48))
        cut = net(mg.rand(1, 3, 32, 48), last="relu2_2")
    assert list(features) == ["relu1_1", "relu2_1", "relu2_2", "relu3_1", "relu3_2", "relu4_1"]
    assert tuple(features["relu1_1"].shape) == (1, 16, 32, 48)
    assert tuple(features["relu4_1"].shape) == (1, 64, 4, 6)
    assert list(cut) == ["relu1_1", "relu2_1", "relu2_2"]


def test_receptive_fields_match_the_gradient_of_one_unit():
    """A unit's receptive field is where its input gradient is non-zero."""
    net = st.feature_net(0)
    for name in ("relu1_1", "relu2_2", "relu3_1"):
        x = (mg.rand(1, 3, 64, 64) + 0.5).requires_grad_(True)
        features = net(x, last=name)[name]
        h, w = features.shape[2] // 2, features.shape[3] // 2
        # the sum over channels, so that a dead ReLU in one channel does not hide the field
        features[0, :, h, w].sum().backward()
        rows = np.nonzero(np.abs(x.grad.numpy()[0]).sum(axis=(0, 2)))[0]
        assert rows.max() - rows.min() + 1 == st.receptive_field(name), name
    with pytest.raises(KeyError, match="receptive_field"):
        st.receptive_field("relu9_9")


def test_gram_matrix_and_relative_error():
    features = mg.tensor(np.arange(24, dtype=np.float64).reshape(1, 2, 3, 4))
    flat = features.numpy().reshape(2, 12)
    np.testing.assert_allclose(st.gram_matrix(features).numpy()[0], flat @ flat.T / 12)
    # the Gram matrix forgets where: shuffled positions give the same matrix
    order = np.random.default_rng(0).permutation(12)
    shuffled = mg.tensor(flat[:, order].reshape(1, 2, 3, 4))
    np.testing.assert_allclose(st.gram_matrix(shuffled).numpy(), st.gram_matrix(features).numpy())
    a, b = mg.tensor([3.0, 4.0]), mg.tensor([0.0, 2.0])
    assert st.relative_error(a, b).item() == pytest.approx((9 + 4) / 4)


def test_optimise_image_trains_only_the_image_and_keeps_it_in_0_1():
    net = st.feature_net(0)
    start = mg.rand(1, 3, 16, 16)
    target = mg.rand(1, 3, 16, 16)
    with mg.no_grad():
        target_features = net(st.normalise(target))

    def loss_fn(image):
        loss = st.content_loss(net(st.normalise(image)), target_features, "relu2_2")
        return loss, {"content loss": loss.item()}

    result, records = st.optimise_image(start, loss_fn, 30, 0.05, "test")
    assert records[-1]["content loss"] < 0.5 * records[0]["content loss"]
    assert 0 <= result.numpy().min() and result.numpy().max() <= 1
    assert all(p.grad is None for p in net.parameters())       # the network got no gradient
    assert not start.requires_grad                              # the caller's image is untouched


def test_features_part(tmp_path):
    assert st.main(["--part", "features", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["feature_trainable_params"] == 0 and metrics["feature_frozen_params"] > 100_000
    assert (tmp_path / "features.png").stat().st_size > 10_000


@pytest.mark.slow
def test_style_headline(tmp_path):
    assert st.main(["--part", "transfer", "--part", "dream", "--seed", "0", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["style_loss_reduction"] <= 0.1
    assert metrics["content_kept_ratio"] <= 0.5
    assert metrics["dream_feature_norm_gain"] >= 2
    assert (tmp_path / "transfer.png").stat().st_size > 10_000
