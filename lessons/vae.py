"""Lesson: the variational autoencoder, and its conditional form, on the 8x8 digits.

Run it: ``minigrad lesson vae`` (both parts, ~10 s of CPU time), or ``--part cvae --seed 2``.
Parts, in reading order:

1. ``vae``  -- a VAE with a 2-D latent: the test ELBO, the whole latent space drawn as a grid of
               decoded digits, where the test digits' codes fall, interpolations between digits;
2. ``cvae`` -- the conditional VAE: ask the decoder for a class, and let a separately trained
               classifier judge whether it delivered (>= 90%).
"""
# %%
from __future__ import annotations

import sys
from statistics import NormalDist

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.utils import progress_bar
from minigrad.utils.lesson import lesson_main
from minigrad.utils.plotting import plot_curves

from lessons.common import (as_tensors, digits_classifier, digits_split, grid_figure, pyplot,
                            requested_class_accuracy, save_figure)

NAME = "vae"
SUMMARY = ("VAE and conditional VAE on 8x8 digits: reparameterisation, ELBO = reconstruction + KL, "
           "a 2-D latent grid, interpolations, class-conditional samples judged by a classifier")
N_CLASSES = 10

# %% [markdown]
# ## The data
#
# scikit-learn's 1,797 handwritten digits, 8x8 pixels with intensities in [0, 1], split once
# into 1,437 training and 360 test images (`lessons.common.digits_split`; the split does not
# change with `--seed`).
#
# ## The model
#
# An autoencoder squeezes an image into a code and rebuilds it. A VAE makes the code a
# distribution: the encoder gives features, two linear heads turn them into the mean mu and the
# log-variance log(sigma^2) of a Gaussian over a small latent z, and the decoder rebuilds the
# image from one sample of it. With a one-hot class fed to both the encoder and the decoder it
# is the conditional VAE (CVAE) of part 2.

# %%
class VAE(nn.Module):
    """x (64) [+ one-hot class] -> hidden -> (mu, logvar) ; z [+ one-hot class] -> hidden -> 64 logits.

    With ``n_classes`` > 0 it is the conditional VAE: the class goes into both encoder and decoder.
    """

    def __init__(self, latent_size=2, n_classes=0, hidden=256):
        super().__init__()
        self.latent_size, self.n_classes = latent_size, n_classes
        self.encoder = nn.Sequential(nn.Linear(64 + n_classes, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent_size)
        self.logvar = nn.Linear(hidden, latent_size)
        self.decoder = nn.Sequential(nn.Linear(latent_size + n_classes, hidden), nn.ReLU(),
                                     nn.Linear(hidden, 64))

    def encode(self, x, onehot=None):
        h = self.encoder(x if onehot is None else mg.cat([x, onehot], dim=1))
        return self.mu(h), self.logvar(h)

    def decode(self, z, onehot=None):
        """Pixel logits; ``sigmoid`` of them are the decoded intensities in [0, 1]."""
        return self.decoder(z if onehot is None else mg.cat([z, onehot], dim=1))


# %% [markdown]
# To let the gradient pass through the sampling, the sample is written z = mu + sigma * eps
# with eps ~ N(0, I) drawn outside the graph (the reparameterisation trick): z is then an
# ordinary differentiable function of mu and sigma.

# %%
def reparameterise(mu, logvar, eps):
    """z = mu + sigma * eps, sigma = exp(logvar / 2): eps is a constant, z is differentiable."""
    return mu + mg.exp(0.5 * logvar) * eps


# %% [markdown]
# ## The loss
#
# Minus the ELBO (evidence lower bound) of each image x:
#
#     -ELBO(x) = reconstruction + KL
#              = -log p(x | z)  +  KL( N(mu, sigma^2) || N(0, I) )
#     KL       = 1/2 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)
#
# with a Bernoulli decoder on the [0, 1] pixel intensities, so the reconstruction term is the
# binary cross-entropy summed over the 64 pixels. The KL term pulls every code towards N(0, I),
# which is what makes the latent space continuous: at generation time we drop the encoder,
# draw z ~ N(0, I) and decode.

# %%
def negative_elbo(model, x, onehot=None, eps=None):
    """Mean over the batch of (reconstruction, KL), in nats per image; -ELBO = their sum.

    ``eps`` (n, latent) defaults to a fresh N(0, I) draw; pass a fixed one to make the loss a
    deterministic function of the parameters (as the gradcheck does).
    """
    mu, logvar = model.encode(x, onehot)
    if eps is None:
        eps = mg.randn(*mu.shape, device=mu.device, dtype=mu.dtype)
    z = reparameterise(mu, logvar, eps)
    logits = model.decode(z, onehot)
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    kl = 0.5 * (mu * mu + mg.exp(logvar) - 1 - logvar).sum(dim=1)
    return reconstruction.mean(), kl.mean()


def test_elbo(model, x, y=None, samples=10):
    """The ELBO (nats per image, higher is better) on held-out images, averaged over
    ``samples`` draws of eps so the number does not jump with one draw."""
    onehot = F.one_hot(y, N_CLASSES).float() if y is not None else None
    with mg.no_grad():
        total = 0.0
        for _ in range(samples):
            reconstruction, kl = negative_elbo(model, x, onehot)
            total += (reconstruction + kl).item()
    return -total / samples


# %% [markdown]
# ## The training loop
#
# Minibatch Adam on -ELBO, shared by both parts; after every epoch the test -ELBO is measured.

# %%
def train_vae(run, tag, latent_size, n_classes, epochs, batch_size=64, lr=1e-3):
    """Minibatch Adam on -ELBO; returns the model, the test tensors and the loss history."""
    device = run.device
    mg.manual_seed(run.seed)
    x_train, y_train, x_test, y_test = digits_split()
    x, y, xt, yt = as_tensors(x_train, y_train, x_test, y_test, device=device)
    model = VAE(latent_size, n_classes).to(device)
    opt = optim.Adam(model.parameters(), lr=lr)
    history = {"train -ELBO": [], "test -ELBO": []}
    bar = progress_bar(range(epochs), desc=tag, unit="epoch")
    for _ in bar:
        order = mg.randperm(x.shape[0], device=device)
        total = 0.0
        for i in range(0, x.shape[0], batch_size):
            idx = order[i:i + batch_size]
            onehot = F.one_hot(y[idx], N_CLASSES).float() if n_classes else None
            reconstruction, kl = negative_elbo(model, x[idx], onehot)
            loss = reconstruction + kl
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history["train -ELBO"].append(total / x.shape[0])
        history["test -ELBO"].append(-test_elbo(model, xt, yt if n_classes else None))
        bar.set_postfix({"train -ELBO": f"{history['train -ELBO'][-1]:.2f}",
                         "test -ELBO": f"{history['test -ELBO'][-1]:.2f}"})
    plot_curves(history, run.path(f"{tag}_loss.png"), ylabel="-ELBO, nats per image (lower is better)",
                title=f"{tag}: reconstruction + KL, train and test")
    return model, xt, yt


def decoded(model, z, onehot=None):
    """Decoded images in [0, 1], shape (n, 8, 8)."""
    with mg.no_grad():
        return mg.sigmoid(model.decode(z, onehot)).reshape(-1, 8, 8)


# %% [markdown]
# ## Part 1: a VAE with a 2-D latent
#
# With only two latent numbers the whole latent space fits in one picture: decode z on a grid
# and see the digits morph into each other; encode the test digits and see where each class
# lives; walk in a straight line from one digit's code to another's.

# %%
def normal_quantiles(n):
    """n points of N(0, 1) at equal probability steps (so the grid covers where codes live)."""
    return [NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, n)]


INTERPOLATION_PAIRS = [(0, 6), (1, 7), (3, 8), (4, 9), (2, 5)]


def part_vae(run):
    """A VAE with a 2-D latent: the test ELBO, the latent grid of decoded digits, the codes, interpolations."""
    model, xt, yt = train_vae(run, "vae", latent_size=2, n_classes=0, epochs=run.epochs_or(30))
    model.eval()
    elbo = test_elbo(model, xt)
    print(f"   test ELBO {elbo:.2f} nats per image (2-D latent)")
    # The 2-D latent grid: decode z on a 15 x 15 grid of N(0, 1) quantiles, z[1] growing upwards.
    q = normal_quantiles(15)
    grid = mg.tensor([[a, b] for b in reversed(q) for a in q], device=run.device)
    _plot_latent_grid(decoded(model, grid), q, run)
    _plot_codes(model, xt, yt, run)
    # Interpolation: walk in a straight line between the codes (means) of two test digits.
    labels = yt.numpy()
    rows = []
    with mg.no_grad():
        mu, _ = model.encode(xt)
    t = mg.linspace(0, 1, 10, device=run.device).reshape(10, 1)
    for a, b in INTERPOLATION_PAIRS:
        ia, ib = int(np.flatnonzero(labels == a)[0]), int(np.flatnonzero(labels == b)[0])
        rows.append(decoded(model, mu[ia:ia + 1] * (1 - t) + mu[ib:ib + 1] * t))
    _plot_interpolation(mg.cat(rows, dim=0), t.numpy()[:, 0], run)
    return {"test_elbo": elbo}


def _plot_latent_grid(images, q, run):
    ticks = [f"{v:.2f}".replace("-0.00", "0.00") for v in q]
    grid_figure(images, run, "vae_latent_grid.png", nrow=len(q), col_labels=ticks,
                row_labels=ticks[::-1], xlabel="z[0]", ylabel="z[1]",
                title="VAE: the decoder over the 2-D latent space\n"
                      "(z on a 15 x 15 grid of N(0, 1) quantiles, 5% to 95%)")


def _plot_codes(model, x, y, run):
    """Where the encoder puts each test digit (its mu), coloured by class."""
    plt = pyplot()
    with mg.no_grad():
        mu, _ = model.encode(x)
    mu, labels = mu.numpy(), y.numpy()
    fig, ax = plt.subplots(figsize=(6, 5))
    points = ax.scatter(mu[:, 0], mu[:, 1], c=labels, cmap="tab10", s=10, vmin=-0.5, vmax=9.5)
    fig.colorbar(points, ax=ax, ticks=range(10), label="digit")
    ax.set(xlabel="z[0]", ylabel="z[1]", title="VAE: the test digits' codes (the encoder's mu)")
    save_figure(fig, run, "vae_latent_codes.png")


def _plot_interpolation(images, t, run):
    grid_figure(images, run, "vae_interpolation.png", nrow=len(t),
                col_labels=[f"{v:.2f}" for v in t],
                row_labels=[f"{a} to {b}" for a, b in INTERPOLATION_PAIRS],
                xlabel="t, decoding z = (1 - t) * mu(first digit) + t * mu(second digit)",
                ylabel="the two test digits", title="VAE: straight lines in the latent space")


# %% [markdown]
# ## Part 2: the conditional VAE
#
# The class is fed to both the encoder and the decoder, so the latent z only has to hold what
# the class does not say (the slant, the thickness, the style). Ask the decoder for each class
# 100 times with z ~ N(0, I); a classifier trained separately on the real digits
# (`lessons.common.digits_classifier`, >= 97% on held-out digits) judges whether it delivered.

# %%
def part_cvae(run):
    """The conditional VAE: decode z ~ N(0, I) with each class 100 times; the judge's agreement (>= 90%)."""
    _, judge_accuracy = digits_classifier(run.device, out=run.out)
    model, xt, yt = train_vae(run, "cvae", latent_size=8, n_classes=N_CLASSES, epochs=run.epochs_or(15))
    model.eval()
    elbo = test_elbo(model, xt, yt)
    labels = mg.arange(1000, device=run.device) % N_CLASSES
    z = mg.randn(1000, model.latent_size, device=run.device)
    images = decoded(model, z, F.one_hot(labels, N_CLASSES).float())
    accuracy = requested_class_accuracy(images, labels, run.device)
    print(f"   the judge recognises {accuracy:.1%} of 1,000 samples as the class asked for; "
          f"test ELBO {elbo:.2f} nats per image (8-D latent and the class)")
    _plot_cvae_samples(model, accuracy, run)
    return {"cvae_class_accuracy": accuracy, "cvae_test_elbo": elbo, "judge_test_accuracy": judge_accuracy}


def _plot_cvae_samples(model, accuracy, run, rows=8):
    """One z per row, decoded with every class: the class changes the digit, z its style."""
    z = mg.randn(rows, model.latent_size, device=run.device)[mg.tensor(np.repeat(np.arange(rows), N_CLASSES))]
    labels = mg.arange(rows * N_CLASSES, device=run.device) % N_CLASSES
    images = decoded(model, z, F.one_hot(labels, N_CLASSES).float())
    grid_figure(images, run, "cvae_samples.png", nrow=N_CLASSES, col_labels=[str(c) for c in range(10)],
                xlabel="the class asked for", ylabel="one z ~ N(0, I) per row, the same for the whole row",
                title=f"CVAE: samples of each class (the judge agrees on {accuracy:.1%} of 1,000)")


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"vae": part_vae, "cvae": part_cvae}


def tiny_model_check(device="cpu"):
    """Gradcheck (float64) the -ELBO of a tiny conditional VAE, with a fixed eps, w.r.t. every
    parameter (encoder, both heads, decoder), on ``device``. Returns the worst relative error."""
    mg.manual_seed(0)
    model = VAE(latent_size=2, n_classes=N_CLASSES, hidden=5).double().to(device)
    x = mg.rand(4, 64, dtype=mg.float64).to(device)
    onehot = F.one_hot(mg.tensor([1, 4, 4, 9], device=device), N_CLASSES).double()
    eps = mg.randn(4, 2, dtype=mg.float64).to(device)

    def loss(*params):
        reconstruction, kl = negative_elbo(model, x, onehot, eps)
        return reconstruction + kl
    return mg.autograd.gradcheck(loss, tuple(model.parameters()), return_error=True)


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
