"""Lesson: autoencoders and PCA -- compress an image into a few numbers and rebuild it.

Run it: ``minigrad lesson autoencoder`` (all parts), or ``--part linear --seed 2``.
Parts, in reading order:

1. ``pca``     -- principal component analysis from scratch: the covariance matrix, its
                  eigen-decomposition, components sorted by eigenvalue, explained variance; checked
                  against an SVD of the centred data;
2. ``linear``  -- a linear autoencoder (code sizes k = 2, 8, 16) trained with MSE reaches PCA's
                  reconstruction error and its decoder spans PCA's subspace (largest principal
                  angle <= 5 degrees) -- the subspace, not the components themselves;
3. ``deep``    -- a deep non-linear autoencoder with a 2-D code beats PCA's 2-D reconstruction
                  (MSE ratio <= 0.85); the 2-D codes of both, coloured by digit;
4. ``denoise`` -- a denoising autoencoder: noisy digits in, clean digits out.
"""
# %%
from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.utils import progress_bar
from minigrad.utils.lesson import lesson_main

from lessons.common import as_tensors, digits_split, grid_figure, parameters_check, pyplot, save_figure

NAME = "autoencoder"
SUMMARY = ("autoencoders and PCA on the 8x8 digits: PCA from the covariance's eigenvectors, a linear "
           "autoencoder finds PCA's subspace, a deep one beats it at k = 2, a denoising autoencoder")

# %% [markdown]
# ## The data
#
# scikit-learn's 1,797 handwritten digits, 8x8 = 64 pixels with intensities in [0, 1], split once
# into 1,437 training and 360 test images (`lessons.common.digits_split`; `--seed` changes the
# training, never the split). No label is used to train anything in this lesson: an autoencoder
# is unsupervised, its target is its own input. The labels only colour the scatter plots.
#
# ## PCA, the linear baseline
#
# PCA projects the n-dimensional data onto k new orthogonal axes, chosen so that the variance
# along each is as large as possible and the new coordinates are uncorrelated. Both wishes are
# read off the covariance matrix C = Xc^T Xc / (N - 1) of the centred data Xc: its
# eigenvectors (C v = lambda v) are the axes, and each eigenvalue lambda is the variance along
# its axis. Sorting the eigenvalues from the largest, the first k eigenvectors are the k
# principal components, and lambda_i / sum(lambda) is the share of the variance each explains.
# Keeping k of them and projecting back, x ~ mean + V_k V_k^T (x - mean), is the best rank-k
# linear reconstruction in squared error.

# %%
def pca(x):
    """PCA of the rows of ``x`` (N, n) from the eigen-decomposition of their covariance matrix.

    Returns ``(mean, eigenvalues, components)``: the mean (n,), the eigenvalues sorted from the
    largest (n,), and the unit eigenvectors as the columns of ``components`` (n, n) in that order.
    """
    mean = x.mean(axis=0)
    centred = x - mean
    covariance = centred.T @ centred / (len(x) - 1)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)     # symmetric: real, ascending
    order = np.argsort(eigenvalues)[::-1]
    return mean, eigenvalues[order], eigenvectors[:, order]


def pca_reconstruct(x, mean, components, k):
    """Project onto the first ``k`` components and back: mean + V_k V_k^T (x - mean)."""
    v = components[:, :k]
    return mean + (x - mean) @ v @ v.T


def mse(a, b):
    """Mean squared error per pixel (the autoencoders' loss, F.mse_loss's default reduction)."""
    return float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))


# %% [markdown]
# ## The models
#
# An autoencoder is an encoder that squeezes the 64 pixels into a code of k numbers and a decoder
# that rebuilds the 64 pixels from the code. With one Linear layer each and nothing between them
# it is linear, like PCA; with hidden layers and ReLUs it can bend its code around the data.

# %%
class LinearAutoencoder(nn.Module):
    """x (64) -> Linear -> code (k) -> Linear -> x_hat (64): no non-linearity anywhere."""

    def __init__(self, k, n=64):
        super().__init__()
        self.encoder = nn.Linear(n, k)
        self.decoder = nn.Linear(k, n)

    def forward(self, x):
        return self.decoder(self.encoder(x))


class DeepAutoencoder(nn.Module):
    """x (64) -> 256 -> 64 -> code (k) -> 64 -> 256 -> x_hat (64), ReLU between the layers and
    a sigmoid at the end (the pixels are in [0, 1])."""

    def __init__(self, k, n=64, hidden=(256, 64)):
        super().__init__()
        sizes = (n, *hidden)
        down = [layer for i in range(len(hidden)) for layer in (nn.Linear(sizes[i], sizes[i + 1]), nn.ReLU())]
        up = [layer for i in reversed(range(len(hidden)))
              for layer in (nn.Linear(sizes[i + 1], sizes[i]), nn.ReLU() if i else nn.Sigmoid())]
        self.encoder = nn.Sequential(*down, nn.Linear(sizes[-1], k))
        self.decoder = nn.Sequential(nn.Linear(k, sizes[-1]), nn.ReLU(), *up)

    def forward(self, x):
        return self.decoder(self.encoder(x))


# %% [markdown]
# ## The loss and the training loop
#
# The reconstruction's mean squared error against the input itself (for the denoising
# autoencoder, against the clean image while the input is a noisy copy). Minibatch Adam with
# the learning rate decayed by a cosine schedule to zero, so the last steps settle into the
# minimum rather than rattle around it.

# %%
def reconstruction_loss(model, x_in, target):
    return F.mse_loss(model(x_in), target)


def train_autoencoder(model, x, epochs, seed, desc, lr=1e-3, batch_size=64, noise=0.0):
    """Minibatch Adam on the reconstruction MSE of ``x`` (a Tensor); with ``noise`` > 0 the input
    is x plus Gaussian noise of that std, drawn afresh each step, the target the clean x.
    Returns the per-epoch mean training loss."""
    opt = optim.Adam(model.parameters(), lr=lr)
    steps = epochs * -(-x.shape[0] // batch_size)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    generator = np.random.default_rng(seed)
    losses = []
    bar = progress_bar(range(epochs), desc=desc, unit="epoch")
    for _ in bar:
        order = generator.permutation(x.shape[0])
        total = 0.0
        for i in range(0, len(order), batch_size):
            target = x[mg.tensor(order[i:i + batch_size], device=x.device)]
            x_in = target + noise * mg.randn(*target.shape, device=x.device) if noise else target
            loss = reconstruction_loss(model, x_in, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            scheduler.step()
            total += loss.item() * target.shape[0]
        losses.append(total / x.shape[0])
        bar.set_postfix({"mse": f"{losses[-1]:.5f}"})
    return losses


def reconstructed(model, x):
    """The model's reconstruction of ``x`` (a Tensor) as a NumPy array, in eval mode, no grad."""
    model.eval()
    with mg.no_grad():
        return model(x).cpu().numpy()


# %% [markdown]
# ## Part 1: PCA from scratch
#
# The eigenvalues fall fast: a few directions hold most of the digits' variance. The SVD of the
# centred data, Xc = U S V^T, gives the same thing another way: the right singular vectors V are
# the covariance's eigenvectors and S^2 / (N - 1) its eigenvalues.

# %%
def part_pca(run):
    """PCA from the covariance's eigen-decomposition, checked against an SVD; explained variance."""
    x_train, _, _, _ = digits_split()
    x = x_train.astype(np.float64)
    mean, eigenvalues, components = pca(x)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    eigen_diff = float(np.max(np.abs(s ** 2 / (len(x) - 1) - eigenvalues)))
    # Eigenvectors are defined up to sign: compare |cos| of each pair of matching components
    # (only where the eigenvalue is clearly non-zero: the digits' always-blank border pixels
    # make a null space whose basis is arbitrary).
    live = eigenvalues > 1e-8 * eigenvalues[0]
    cos = np.abs(np.sum(vt.T[:, live] * components[:, live], axis=0))
    component_diff = float(np.max(np.abs(cos - 1)))
    explained = eigenvalues / eigenvalues.sum()
    cumulative = np.cumsum(explained)
    print(f"   {x.shape[1]} pixels; the first 2 components explain {cumulative[1]:.1%} of the variance, "
          f"8 explain {cumulative[7]:.1%}, 16 explain {cumulative[15]:.1%}")
    print(f"   eigen-decomposition vs SVD: eigenvalues differ by at most {eigen_diff:.1e}, "
          f"components (up to sign) by {component_diff:.1e}")
    _plot_pca(run, explained, mean, components)
    return {"pca_svd_eigenvalue_max_abs_diff": eigen_diff, "pca_svd_component_max_abs_diff": component_diff,
            "pca_explained_variance_2": float(cumulative[1]), "pca_explained_variance_8": float(cumulative[7]),
            "pca_explained_variance_16": float(cumulative[15])}


def _plot_pca(run, explained, mean, components):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    i = np.arange(1, len(explained) + 1)
    ax.bar(i, explained, color="C0", label="explained by each component (eigenvalue / sum)")
    ax.plot(i, np.cumsum(explained), color="C1", marker=".", label="cumulative")
    for k in (2, 8, 16):
        ax.axvline(k, color="0.6", ls=":", lw=1)
        ax.annotate(f"k={k}: {np.cumsum(explained)[k - 1]:.0%}", (k, np.cumsum(explained)[k - 1]),
                    textcoords="offset points", xytext=(4, -14), fontsize=8)
    ax.set(xlabel="principal component (sorted by eigenvalue)", ylabel="share of the variance",
           title="PCA of the 8x8 digits: the eigenvalues of the covariance matrix", ylim=(0, 1.02))
    ax.legend(loc="center right", fontsize=8)
    ax.grid(alpha=0.3)
    save_figure(fig, run, "pca_explained_variance.png")
    images = [mean] + [0.5 + components[:, j] / (2 * np.abs(components[:, j]).max()) for j in range(15)]
    grid_figure(np.stack(images).reshape(-1, 8, 8), run, "pca_components.png", nrow=16, cell=0.8,
                col_labels=["mean"] + [f"PC {j + 1}" for j in range(15)],
                title="the mean digit and the first 15 principal components\n"
                      "(grey = 0, white = positive, black = negative)")


# %% [markdown]
# ## Part 2: a linear autoencoder finds PCA's subspace
#
# (It is trained on the whole training set at every step, 6,000 steps: the last directions to
# settle are rotations between the k-th and the (k+1)-th component, whose eigenvalues differ by
# under 15%, so the loss barely changes along them; minibatch noise would hide that slope.)
#
# The known result: a linear autoencoder trained to its minimum in squared error reconstructs
# as well as PCA with the same k, and the columns of its decoder span the same k-dimensional
# subspace as the first k principal components. Not the components themselves: for any
# invertible k x k matrix A, the encoder A E and the decoder D A^-1 reconstruct exactly as well,
# so nothing makes the decoder's columns orthogonal, unit-length or sorted by variance.
#
# Two subspaces are compared by their principal angles: with orthonormal bases Q1 and Q2, the
# singular values of Q1^T Q2 are the cosines of the angles; the largest angle is 0 when the
# subspaces are the same.

# %%
CODE_SIZES = (2, 8, 16)


def principal_angles_deg(a, b):
    """The principal angles (degrees, ascending) between the column spaces of ``a`` and ``b``."""
    qa, _ = np.linalg.qr(a)
    qb, _ = np.linalg.qr(b)
    cosines = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1.0, 1.0)
    return np.degrees(np.arccos(cosines))          # cosines descending: angles ascending


def part_linear(run):
    """Linear autoencoders, k = 2, 8, 16: training MSE within 2% of PCA's, decoder subspace
    within 5 degrees of PCA's, yet the decoder's columns are not the principal components."""
    x_train, _, _, _ = digits_split()
    mean, _, components = pca(x_train.astype(np.float64))
    (x,) = as_tensors(x_train, device=run.device)
    results, curves = {}, {}
    for k in CODE_SIZES:
        mg.manual_seed(run.seed)
        model = LinearAutoencoder(k).to(run.device)
        curves[k] = train_autoencoder(model, x, run.epochs_or(6000), run.seed, f"linear k={k}", lr=3e-2,
                                      batch_size=x.shape[0])
        ae_mse = mse(reconstructed(model, x), x_train)
        pca_mse = mse(pca_reconstruct(x_train, mean, components, k), x_train)
        decoder = model.decoder.weight.detach().cpu().numpy().astype(np.float64)     # (64, k)
        angles = principal_angles_deg(decoder, components[:, :k])
        results[k] = {"ae": ae_mse, "pca": pca_mse, "gap": (ae_mse - pca_mse) / pca_mse,
                      "angle": float(angles[-1]), "decoder": decoder}
        print(f"   k={k:2d}: training MSE {ae_mse:.5f} vs PCA {pca_mse:.5f} (gap {results[k]['gap']:+.2%}); "
              f"largest principal angle to PCA's subspace {angles[-1]:.2f} degrees")
    worst_gap = max(r["gap"] for r in results.values())
    worst_angle = max(r["angle"] for r in results.values())
    # The subspace, not the components: how well each decoder column lines up with its best PC.
    k = 8
    d = results[k]["decoder"] / np.linalg.norm(results[k]["decoder"], axis=0)
    cos = np.abs(components[:, :k].T @ d)                         # (PC, decoder column)
    best = float(np.mean(cos.max(axis=0)))
    print(f"   k=8: a decoder column's |cos| with its closest principal component is {best:.2f} on average "
          f"(1 would mean the columns are the components); the largest |cos| between two decoder "
          f"columns is {np.max(np.abs(d.T @ d - np.eye(k))):.2f} (0 would mean orthogonal)")
    _plot_linear(run, curves, results)
    _plot_subspace_not_components(run, cos, d, components[:, :k])
    return {"linear_ae_rel_gap_to_pca": worst_gap, "linear_ae_subspace_angle_deg": worst_angle,
            **{f"linear_ae_rel_gap_to_pca_k{k}": r["gap"] for k, r in results.items()},
            **{f"linear_ae_subspace_angle_deg_k{k}": r["angle"] for k, r in results.items()},
            "linear_ae_k8_mean_best_abs_cos_to_pc": best}


def _plot_linear(run, curves, results):
    plt = pyplot()
    fig, (ax, ax_angle) = plt.subplots(1, 2, figsize=(12, 4.2))
    for i, (k, losses) in enumerate(curves.items()):
        ax.plot(np.arange(1, len(losses) + 1), losses, color=f"C{i}", label=f"linear autoencoder, k={k}")
        ax.axhline(results[k]["pca"], color=f"C{i}", ls="--", lw=1, label=f"PCA, k={k}")
    ax.set_yscale("log")
    ax.set(xlabel="step (each on the whole training set)", ylabel="training reconstruction MSE per pixel",
           title="a linear autoencoder descends to PCA's error")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    ks = list(results)
    bars = ax_angle.bar([f"k={k}" for k in ks], [results[k]["angle"] for k in ks], color="C0")
    ax_angle.bar_label(bars, [f"{results[k]['angle']:.2f} deg\ngap {results[k]['gap']:+.2%}" for k in ks], fontsize=8)
    ax_angle.axhline(5, color="C3", ls="--", label="5 degrees")
    ax_angle.set(ylabel="largest principal angle (degrees)", ylim=(0, 6.5),
                 title="decoder columns' subspace vs the first k principal components")
    ax_angle.legend(fontsize=8)
    save_figure(fig, run, "linear_ae_vs_pca.png")


def _plot_subspace_not_components(run, cos, d, pcs):
    plt = pyplot()
    k = cos.shape[0]
    fig = plt.figure(figsize=(12, 4.6))
    ax = fig.add_subplot(1, 2, 1)
    im = ax.imshow(cos, cmap="viridis", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax, label="|cos| between the two vectors")
    ax.set_xticks(range(k), [f"D{j + 1}" for j in range(k)])
    ax.set_yticks(range(k), [f"PC {j + 1}" for j in range(k)])
    ax.set(xlabel="decoder column (k=8)", ylabel="principal component",
           title="same subspace, different basis:\nno decoder column is a principal component")
    for row, vectors, name in ((0, pcs, "PC"), (1, d, "D")):
        for j in range(k):
            a = fig.add_subplot(2, 2 * k, (2 * k) * row + k + j + 1)
            a.imshow(vectors[:, j].reshape(8, 8), cmap="gray", vmin=-np.abs(vectors[:, j]).max(),
                     vmax=np.abs(vectors[:, j]).max())
            a.set_xticks([])
            a.set_yticks([])
            a.set_title(f"{name}{' ' if name == 'PC' else ''}{j + 1}", fontsize=8)
    fig.text(0.73, 0.96, "top: the first 8 principal components; bottom: the 8 decoder columns",
             ha="center", fontsize=9)
    save_figure(fig, run, "linear_ae_basis.png")


# %% [markdown]
# ## Part 3: a deep autoencoder beats PCA at k = 2
#
# With two numbers per image PCA keeps only the two directions of largest variance and loses
# the rest. A non-linear encoder can lay the digits out on a curved 2-D sheet instead, and its
# decoder can bend that sheet back into pixel space: the reconstructions are better than any
# linear 2-D projection can give (the notes: autoencoders do what PCA does, and better). The
# reconstruction error is measured on the 360 held-out test digits, PCA fitted on the training
# digits only.

# %%
def part_deep(run):
    """A deep autoencoder with a 2-D code vs PCA with 2 components: test MSE ratio <= 0.85; the
    codes of both coloured by digit; reconstructions side by side."""
    x_train, _, x_test, y_test = digits_split()
    mean, _, components = pca(x_train.astype(np.float64))
    x, xt = as_tensors(x_train, x_test, device=run.device)
    mg.manual_seed(run.seed)
    model = DeepAutoencoder(2).to(run.device)
    losses = train_autoencoder(model, x, run.epochs_or(100), run.seed, "deep k=2", lr=2e-3)
    deep = reconstructed(model, xt)
    linear = pca_reconstruct(x_test, mean, components, 2)
    deep_mse, pca_mse = mse(deep, x_test), mse(linear, x_test)
    ratio = deep_mse / pca_mse
    print(f"   test MSE with a 2-D code: deep autoencoder {deep_mse:.5f}, PCA {pca_mse:.5f}; ratio {ratio:.3f}")
    with mg.no_grad():
        codes = model.encoder(xt).cpu().numpy()
    _plot_codes(run, (x_test - mean) @ components[:, :2], codes, y_test, pca_mse, deep_mse)
    _plot_reconstructions(run, x_test, linear, deep)
    return {"deep_ae_mse_over_pca_mse": ratio, "deep_ae_test_mse": deep_mse, "pca2_test_mse": pca_mse,
            "deep_ae_final_train_mse": losses[-1]}


def _plot_codes(run, pca_codes, deep_codes, labels, pca_mse, deep_mse):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for ax, codes, name, err in ((axes[0], pca_codes, "PCA: the first 2 principal components", pca_mse),
                                 (axes[1], deep_codes, "deep autoencoder: its 2-D code", deep_mse)):
        points = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=12, vmin=-0.5, vmax=9.5)
        ax.set(xlabel="code[0]", ylabel="code[1]", title=f"{name}\n(test reconstruction MSE {err:.4f})")
    fig.colorbar(points, ax=axes, ticks=range(10), label="digit (not used in training)")
    save_figure(fig, run, "deep_ae_codes.png")


def _plot_reconstructions(run, x, linear, deep, n=12):
    images = np.concatenate([x[:n], np.clip(linear[:n], 0, 1), deep[:n]]).reshape(-1, 8, 8)
    grid_figure(images, run, "deep_ae_reconstructions.png", nrow=n, cell=0.8,
                row_labels=["test digit", "PCA, k=2", "deep AE, k=2"],
                title="reconstructions from two numbers per image")


# %% [markdown]
# ## Part 4: a denoising autoencoder
#
# Corrupt the input, keep the clean image as the target: to rebuild a clean digit from a noisy
# one the autoencoder has to learn what digits look like rather than copy pixels. Here the
# noise is Gaussian with std 0.3 (the pixels are in [0, 1]), drawn afresh every step, and the
# code has 16 numbers.

# %%
NOISE = 0.3


def part_denoise(run):
    """A denoising autoencoder (k = 16, Gaussian noise std 0.3): the test digits' MSE before and
    after, and the before/after grid."""
    x_train, _, x_test, _ = digits_split()
    x, xt = as_tensors(x_train, x_test, device=run.device)
    mg.manual_seed(run.seed)
    model = DeepAutoencoder(16).to(run.device)
    train_autoencoder(model, x, run.epochs_or(100), run.seed, "denoising k=16", lr=2e-3, noise=NOISE)
    noisy = xt + NOISE * mg.randn(*xt.shape, device=run.device)
    cleaned = reconstructed(model, noisy)
    noisy = noisy.cpu().numpy()
    before, after = mse(noisy, x_test), mse(cleaned, x_test)
    print(f"   test digits with noise std {NOISE}: MSE to the clean digit {before:.4f} before, {after:.4f} "
          f"after the denoising autoencoder ({before / after:.1f}x smaller)")
    _plot_denoise(run, x_test, noisy, cleaned, before, after)
    return {"denoise_noisy_mse": before, "denoise_output_mse": after}


def _plot_denoise(run, x, noisy, cleaned, before, after, n=12):
    images = np.concatenate([x[:n], np.clip(noisy[:n], 0, 1), cleaned[:n]]).reshape(-1, 8, 8)
    grid_figure(images, run, "denoise.png", nrow=n, cell=0.8,
                row_labels=["clean", f"+ noise ({before:.3f})", f"denoised ({after:.3f})"],
                title=f"a denoising autoencoder (Gaussian noise, std {NOISE}; MSE to the clean digit in brackets)")


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"pca": part_pca, "linear": part_linear, "deep": part_deep, "denoise": part_denoise}


def tiny_model_check(device="cpu"):
    """Gradcheck (float64) the reconstruction MSE of a tiny linear and a tiny deep autoencoder,
    and the denoising loss with a fixed noise, w.r.t. every parameter, on ``device``. Returns the
    worst relative error."""
    mg.manual_seed(0)
    x = mg.rand(4, 6, dtype=mg.float64).to(device)
    noisy = x + 0.3 * mg.randn(4, 6, dtype=mg.float64).to(device)
    linear = LinearAutoencoder(2, n=6).to(device)
    deep = DeepAutoencoder(2, n=6, hidden=(5, 3)).to(device)
    worst = parameters_check(lambda: reconstruction_loss(linear, x, x), linear)
    worst = max(worst, parameters_check(lambda: reconstruction_loss(deep, x, x), deep))
    return max(worst, parameters_check(lambda: reconstruction_loss(deep, noisy, x), deep))


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
