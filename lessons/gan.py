"""Lesson: adversarial training -- DCGAN, ACGAN and WGAN-GP on the 8x8 digits.

Run it: ``minigrad lesson gan`` (dcgan and acgan ~25 s each, wgan_gp ~90 s of CPU time), or
``--part acgan --seed 3``. Parts, in reading order:

1. ``dcgan``   -- a generator and a discriminator trained against each other; 1,000 samples must
                  cover every class (none under 3%, judged by a separately trained classifier);
2. ``acgan``   -- the generator gets a class, the discriminator also names it: samples of the
                  class asked for (>= 90% recognised by the judge);
3. ``wgan_gp`` -- a critic with an unbounded score and a gradient penalty, which trains through
                  conv2d's backward (second-order convolution gradients).
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
from minigrad.utils.plotting import plot_curves

from lessons.common import (class_fractions, digits_classifier, digits_split, grid_figure,
                            requested_class_accuracy)

NAME = "gan"
SUMMARY = ("DCGAN, ACGAN and WGAN-GP on 8x8 digits: strided (transposed) convolutions, batch norm, "
           "LeakyReLU, label smoothing, a gradient penalty; samples judged by a separately trained classifier")

# %% [markdown]
# Two networks play a game. The discriminator D maps an image to a logit: "how real is this?".
# The generator G maps a 100-long noise vector to an image. D is trained to call real images
# real and G's images fake (binary cross-entropy); then, with D fixed, G is trained to make D
# call its images real. They alternate, batch after batch.
#
# The notes' training tips are all here: images scaled to (-1, 1) and a tanh output, Adam with
# a small learning rate (and beta1 = 0.5), LeakyReLU in D, batch norm in both nets, strided
# convolutions instead of pooling (D halves the size with stride 2, G doubles it with stride-2
# transposed convolutions), and one-sided label smoothing (D's target for real images is 0.9).
#
# How good are the samples? A classifier trained separately on the real digits
# (`lessons.common.digits_classifier`, >= 97% on held-out digits) judges them: ACGAN samples
# should be recognised as the class asked for (>= 90%); 1,000 DCGAN samples should cover every
# class (none under 3%), since a generator that found one good digit and stuck to it ("mode
# collapse") would fool D without learning the data.

# %%
NOISE_SIZE = 100
N_CLASSES = 10
REAL_TARGET = 0.9           # one-sided label smoothing: D aims at 0.9, not 1, for real images


# %% [markdown]
# ## The data
#
# The training split of the digits as (n, 1, 8, 8) images, scaled to (-1, 1) to match G's tanh.
# We work at the digits' own 8x8: 8 -> 4 -> 2 in D and 2 -> 4 -> 8 in G. Upsampling to 16x16
# would add a layer to each net and four times the work for no new information; the judge reads
# 8x8 images, as the dataset has them.

# %%
def digit_images(device):
    """The training split of the digits, scaled from [0, 1] to (-1, 1) to match G's tanh."""
    x_train, y_train, _, _ = digits_split()
    x = mg.tensor(x_train.reshape(-1, 1, 8, 8) * 2 - 1, device=device)
    return x, mg.tensor(y_train, device=device)


def to_unit(images):
    """G's (-1, 1) images back to [0, 1], for the judge and for pictures."""
    return (images + 1) / 2


# %% [markdown]
# ## The model: two networks
#
# ACGAN adds a label: G gets the noise concatenated with a one-hot class, D has 1 + 10 outputs,
# real/fake and the class.

# %%
class Generator(nn.Module):
    """noise (+ one-hot class) -> 2x2 -> 4x4 -> 8x8 image in (-1, 1).

    A linear layer makes a (2*width, 2, 2) block; each stride-2 transposed convolution
    (kernel 4, padding 1) doubles the side; batch norm and ReLU between, tanh at the end.
    """

    def __init__(self, noise_size=NOISE_SIZE, n_classes=0, width=32):
        super().__init__()
        self.width = width
        self.project = nn.Linear(noise_size + n_classes, 2 * width * 2 * 2)
        self.bn0 = nn.BatchNorm2d(2 * width)
        self.up1 = nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1)    # 2 -> 4
        self.bn1 = nn.BatchNorm2d(width)
        self.up2 = nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1)            # 4 -> 8

    def forward(self, z, onehot=None):
        if onehot is not None:
            z = mg.cat([z, onehot], dim=1)
        h = self.project(z).reshape(-1, 2 * self.width, 2, 2)
        h = F.relu(self.bn0(h))
        h = F.relu(self.bn1(self.up1(h)))
        return mg.tanh(self.up2(h))


class Discriminator(nn.Module):
    """8x8 image -> 4x4 -> 2x2 -> logits: [real/fake] (+ 10 class logits for ACGAN).

    Stride-2 convolutions (kernel 4, padding 1) halve the side; LeakyReLU(0.2) everywhere,
    batch norm on the second layer (not on the first, which sees the raw pixels).
    """

    def __init__(self, n_classes=0, width=32):
        super().__init__()
        self.conv1 = nn.Conv2d(1, width, 4, stride=2, padding=1)                   # 8 -> 4
        self.conv2 = nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)           # 4 -> 2
        self.bn2 = nn.BatchNorm2d(2 * width)
        self.head = nn.Linear(2 * width * 2 * 2, 1 + n_classes)

    def forward(self, x):
        h = F.leaky_relu(self.conv1(x), 0.2)
        h = F.leaky_relu(self.bn2(self.conv2(h)), 0.2)
        return self.head(h.flatten(1))


# %% [markdown]
# ## The loss
#
# Binary cross-entropy for real/fake, and for ACGAN the cross-entropy of the class too: each
# net's two losses add up.

# %%
def discriminator_loss(D, real, fake, real_labels=None, fake_labels=None):
    """BCE(D(real), 0.9) + BCE(D(fake), 0); ACGAN adds CE(class | real) + CE(class | fake).

    In training ``fake`` is ``G(z).detach()``: this loss moves D only.
    """
    out_real, out_fake = D(real), D(fake)
    loss = (F.binary_cross_entropy_with_logits(out_real[:, 0], mg.full_like(out_real[:, 0], REAL_TARGET))
            + F.binary_cross_entropy_with_logits(out_fake[:, 0], mg.zeros_like(out_fake[:, 0])))
    if real_labels is not None:
        loss = (loss + F.cross_entropy(out_real[:, 1:], real_labels)
                + F.cross_entropy(out_fake[:, 1:], fake_labels))
    return loss


def generator_loss(D, fake, fake_labels=None):
    """BCE(D(G(z)), 1): G wants D to call its images real (the "non-saturating" form, whose
    gradient stays large while D easily spots fakes); ACGAN adds CE(class | fake)."""
    out = D(fake)
    loss = F.binary_cross_entropy_with_logits(out[:, 0], mg.ones_like(out[:, 0]))
    if fake_labels is not None:
        loss = loss + F.cross_entropy(out[:, 1:], fake_labels)
    return loss


# %% [markdown]
# ## The training loop, shared by DCGAN and ACGAN
#
# On every batch: one D step on real images and detached fakes, then one G step through the
# fixed D. The learning rate holds for the first half, then falls linearly towards zero.

# %%
def sample(G, n, device, labels=None):
    """n images from G in eval mode (batch norm uses its running statistics), no graph."""
    G.eval()
    with mg.no_grad():
        z = mg.randn(n, NOISE_SIZE, device=device)
        onehot = None if labels is None else F.one_hot(labels, N_CLASSES).float()
        images = G(z, onehot)
    G.train()
    return images


def train_gan(run, conditional, epochs, batch_size=32, lr=5e-4, width=32):
    """Alternate a D step and a G step on every batch; returns G and the per-epoch losses.

    A grid of 100 samples (each column one class for ACGAN) is saved after every epoch.
    """
    tag = "acgan" if conditional else "dcgan"
    device = run.device
    mg.manual_seed(run.seed)
    x, y = digit_images(device)
    n_classes = N_CLASSES if conditional else 0
    G = Generator(NOISE_SIZE, n_classes, width).to(device)
    D = Discriminator(n_classes, width).to(device)
    opt_G = optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    # The learning rate holds for the first half, then falls linearly towards zero: the game
    # settles instead of oscillating, and the final G is not a snapshot of a swing.
    half = epochs // 2
    decay = lambda epoch: 1.0 if epoch < half else (epochs - epoch) / (epochs - half)  # noqa: E731
    schedulers = [optim.lr_scheduler.LambdaLR(o, decay) for o in (opt_G, opt_D)]
    grid_labels = mg.arange(100, device=device) % N_CLASSES
    history = {"D loss": [], "G loss": []}
    bar = progress_bar(range(epochs), desc=tag, unit="epoch")
    for epoch in bar:
        order = mg.randperm(x.shape[0], device=device)
        d_sum = g_sum = 0.0
        steps = x.shape[0] // batch_size                    # drop the last, smaller batch
        for i in range(steps):
            idx = order[i * batch_size:(i + 1) * batch_size]
            real = x[idx]
            z = mg.randn(batch_size, NOISE_SIZE, device=device)
            real_labels = fake_labels = onehot = None
            if conditional:
                real_labels = y[idx]
                fake_labels = mg.randint(0, N_CLASSES, (batch_size,), device=device)
                onehot = F.one_hot(fake_labels, N_CLASSES).float()
            fake = G(z, onehot)
            # 1) D step: real -> 0.9, fake -> 0 (fake detached: no gradient reaches G)
            loss_D = discriminator_loss(D, real, fake.detach(), real_labels, fake_labels)
            opt_D.zero_grad()
            loss_D.backward()
            opt_D.step()
            # 2) G step: with D fixed (only G's optimizer steps), make D call the fakes real
            loss_G = generator_loss(D, fake, fake_labels)
            opt_G.zero_grad()
            loss_G.backward()
            opt_G.step()
            d_sum += loss_D.item()
            g_sum += loss_G.item()
        for scheduler in schedulers:
            scheduler.step()
        history["D loss"].append(d_sum / steps)
        history["G loss"].append(g_sum / steps)
        bar.set_postfix({"D loss": f"{history['D loss'][-1]:.3f}", "G loss": f"{history['G loss'][-1]:.3f}"})
        images = sample(G, 100, device, grid_labels if conditional else None)
        _plot_samples(to_unit(images), run, f"{tag}_epoch{epoch + 1:02d}.png", conditional,
                      f"{tag.upper()} after epoch {epoch + 1} of {epochs}")
    plot_curves(history, run.path(f"{tag}_losses.png"), ylabel="mean loss per batch",
                title=f"{tag}: discriminator and generator losses")
    return G, history


def _plot_samples(images, run, filename, conditional, title):
    """100 samples, 10 to a row; for a conditional model each column is the class asked for."""
    if conditional:
        grid_figure(images, run, filename, title, nrow=10, col_labels=[str(c) for c in range(10)],
                    xlabel="the class asked for", ylabel="a new noise vector z for each sample")
    else:
        grid_figure(images, run, filename, title, nrow=10, xlabel="100 samples, each from its own noise z")


# %% [markdown]
# ## Part 1: DCGAN, judged by class coverage

# %%
def part_dcgan(run):
    """DCGAN: the judge sorts 1,000 samples into classes; the rarest class's share (>= 3%)."""
    _, judge_accuracy = digits_classifier(run.device, out=run.out)
    G, history = train_gan(run, conditional=False, epochs=run.epochs_or(12))
    images = sample(G, 1000, run.device)
    fractions = class_fractions(to_unit(images), run.device)
    print("   DCGAN samples per class (judge): " + " ".join(f"{k}:{f:.3f}" for k, f in enumerate(fractions)))
    _plot_samples(to_unit(images[:100]), run, "dcgan_samples.png", False,
                  f"DCGAN: the final generator's samples (rarest class {fractions.min():.1%} of 1,000)")
    return {"dcgan_min_class_fraction": float(fractions.min()),
            "judge_test_accuracy": judge_accuracy,
            "dcgan_final_d_loss": history["D loss"][-1], "dcgan_final_g_loss": history["G loss"][-1]}


# %% [markdown]
# ## Part 2: ACGAN, judged by asking for each class

# %%
def part_acgan(run):
    """ACGAN: ask for 100 samples of each class; how often the judge agrees with the request (>= 90%)."""
    _, judge_accuracy = digits_classifier(run.device, out=run.out)
    G, history = train_gan(run, conditional=True, epochs=run.epochs_or(10), lr=1e-3)
    labels = mg.arange(1000, device=run.device) % N_CLASSES
    images = sample(G, 1000, run.device, labels)
    accuracy = requested_class_accuracy(to_unit(images), labels, run.device)
    print(f"   the judge recognises {accuracy:.1%} of 1,000 ACGAN samples as the class asked for")
    _plot_samples(to_unit(images[:100]), run, "acgan_samples.png", True,
                  f"ACGAN: samples of each class (the judge agrees on {accuracy:.1%} of 1,000)")
    return {"acgan_class_accuracy": accuracy, "judge_test_accuracy": judge_accuracy,
            "acgan_final_d_loss": history["D loss"][-1], "acgan_final_g_loss": history["G loss"][-1]}


# %% [markdown]
# ## Part 3: WGAN-GP, a critic instead of a discriminator
#
# WGAN-GP replaces D by a *critic* C with an unbounded score and trains it to widen the gap
# mean C(real) - mean C(fake), an estimate of the Wasserstein distance between the two
# distributions, under a penalty that keeps C's slope near 1 (Gulrajani et al. 2017). The
# penalty holds a gradient, so training the critic differentiates through conv2d's backward: the
# second-order convolution gradients at work. No label smoothing, no sigmoid, no batch norm in
# C, five critic steps per generator step.

# %%
class Critic(nn.Module):
    """8x8 image -> one unbounded score (no sigmoid): higher means "more like the data".

    The discriminator's layers without batch norm: the gradient penalty asks for the gradient
    of each image's score w.r.t. that image alone, and batch norm would mix the images of a batch.
    """

    def __init__(self, width=32):
        super().__init__()
        self.conv1 = nn.Conv2d(1, width, 4, stride=2, padding=1)                   # 8 -> 4
        self.conv2 = nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)           # 4 -> 2
        self.head = nn.Linear(2 * width * 2 * 2, 1)

    def forward(self, x):
        h = F.leaky_relu(self.conv1(x), 0.2)
        h = F.leaky_relu(self.conv2(h), 0.2)
        return self.head(h.flatten(1))[:, 0]


def gradient_penalty(C, real, fake, eps):
    """mean over the batch of (||d C(x_hat) / d x_hat|| - 1)^2, x_hat = eps * real + (1 - eps) * fake.

    The Wasserstein distance needs a critic whose slope is at most 1 everywhere; WGAN-GP asks for
    slope 1 on random points between real and fake images. ``create_graph=True`` keeps the
    gradient differentiable, so the penalty's own gradient w.r.t. C's weights is a second-order
    derivative: backward through conv2d's backward (conv_transpose2d and the weight gradient).
    """
    x_hat = eps * real + (1 - eps) * fake
    if not x_hat.requires_grad:
        x_hat.requires_grad_(True)
    (slope,) = mg.autograd.grad(C(x_hat).sum(), x_hat, create_graph=True)
    norm = (slope.flatten(1).pow(2).sum(1) + 1e-12).sqrt()
    return ((norm - 1) ** 2).mean()


def critic_loss(C, real, fake, eps, penalty=10.0):
    """C(fake).mean() - C(real).mean() + penalty * gradient penalty: minimising it widens the gap
    between the scores of real and fake images, which estimates the Wasserstein distance.
    Returns ``(loss, gap)``, the gap C(real).mean() - C(fake).mean() as a number."""
    gap = C(real).mean() - C(fake).mean()
    return -gap + penalty * gradient_penalty(C, real, fake, eps), gap.item()


def train_wgan_gp(run, generator_steps, n_critic=5, batch_size=64, lr=2e-4, width=32):
    """``n_critic`` critic steps (each on a fresh random batch) per generator step; Adam with
    beta1 = 0 as the WGAN-GP paper. Returns G and the history of the Wasserstein estimate."""
    device = run.device
    mg.manual_seed(run.seed)
    x, _ = digit_images(device)
    G, C = Generator(NOISE_SIZE, 0, width).to(device), Critic(width).to(device)
    opt_G = optim.Adam(G.parameters(), lr=lr, betas=(0.0, 0.9))
    opt_C = optim.Adam(C.parameters(), lr=lr, betas=(0.0, 0.9))
    history = {"critic: Wasserstein estimate": [], "generator loss": []}
    per_point = max(1, generator_steps // 50)             # points on the loss curves
    w_sum = g_sum = 0.0
    bar = progress_bar(range(generator_steps), desc="wgan_gp", unit="generator step")
    for step in bar:
        for _ in range(n_critic):
            real = x[mg.randint(0, x.shape[0], (batch_size,), device=device)]
            with mg.no_grad():
                fake = G(mg.randn(batch_size, NOISE_SIZE, device=device))
            eps = mg.rand(batch_size, 1, 1, 1, device=device)
            loss_C, gap = critic_loss(C, real, fake, eps)
            opt_C.zero_grad()
            loss_C.backward()
            opt_C.step()
        w_sum += gap                                      # the last critic batch's estimate
        loss_G = -C(G(mg.randn(batch_size, NOISE_SIZE, device=device))).mean()
        opt_G.zero_grad()
        loss_G.backward()
        opt_G.step()
        g_sum += loss_G.item()
        if (step + 1) % per_point == 0:
            history["critic: Wasserstein estimate"].append(w_sum / per_point)
            history["generator loss"].append(g_sum / per_point)
            bar.set_postfix({"Wasserstein estimate": f"{w_sum / per_point:.3f}"})
            w_sum = g_sum = 0.0
        if (step + 1) % max(1, generator_steps // 10) == 0:
            _plot_samples(to_unit(sample(G, 100, device)), run, f"wgan_gp_step{step + 1:05d}.png", False,
                          f"WGAN-GP after generator step {step + 1} of {generator_steps}")
    steps = np.arange(1, len(history["generator loss"]) + 1) * per_point
    plot_curves({name: (steps, np.array(values)) for name, values in history.items()},
                run.path("wgan_gp_losses.png"), xlabel="generator step",
                ylabel=f"mean over {per_point} generator steps",
                title="WGAN-GP: the critic's Wasserstein estimate and the generator loss")
    return G, history


def part_wgan_gp(run):
    """WGAN-GP: a critic with a gradient penalty (second-order conv gradients); the judge sorts
    1,000 samples into classes, as for DCGAN."""
    _, judge_accuracy = digits_classifier(run.device, out=run.out)
    # here an "epoch" is 100 generator steps (500 critic batches of 64, ~22 passes over the digits)
    G, history = train_wgan_gp(run, generator_steps=run.epochs_or(8) * 100)
    images = sample(G, 1000, run.device)
    fractions = class_fractions(to_unit(images), run.device)
    print("   WGAN-GP samples per class (judge): " + " ".join(f"{k}:{f:.3f}" for k, f in enumerate(fractions)))
    _plot_samples(to_unit(images[:100]), run, "wgan_gp_samples.png", False,
                  f"WGAN-GP: the final generator's samples (rarest class {fractions.min():.1%} of 1,000)")
    return {"wgan_gp_min_class_fraction": float(fractions.min()), "judge_test_accuracy": judge_accuracy,
            "wgan_gp_final_wasserstein_estimate": history["critic: Wasserstein estimate"][-1]}


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"dcgan": part_dcgan, "acgan": part_acgan, "wgan_gp": part_wgan_gp}


def tiny_model_check(device="cpu"):
    """Gradcheck (float64) both losses of a tiny ACGAN, and both of a tiny WGAN-GP, w.r.t. every
    parameter of BOTH nets, on ``device``.

    The fakes are not detached here, so D's loss reaches G's parameters too: each loss is
    checked against every parameter of both nets (one call, the two losses as two outputs).
    Three classes and width 1 keep it small; the layers are the lesson's. Returns the worst
    relative error.
    """
    mg.manual_seed(0)
    n_classes = 3
    G = Generator(noise_size=3, n_classes=n_classes, width=1).double().to(device)
    D = Discriminator(n_classes=n_classes, width=1).double().to(device)
    z = mg.randn(4, 3, dtype=mg.float64).to(device)
    labels = mg.tensor([0, 2, 1, 2], device=device)
    onehot = F.one_hot(labels, n_classes).double()
    real = (mg.rand(4, 1, 8, 8, dtype=mg.float64) * 2 - 1).to(device)

    def both_losses(*params):
        fake = G(z, onehot)
        return discriminator_loss(D, real, fake, labels, labels), generator_loss(D, fake, labels)
    params = tuple(G.parameters()) + tuple(D.parameters())
    gan_error = mg.autograd.gradcheck(both_losses, params, return_error=True)

    # WGAN-GP: the critic's loss holds a gradient (the penalty), so its gradient w.r.t. the
    # weights is second order; checked w.r.t. every parameter of the critic and of G.
    G0 = Generator(noise_size=3, width=1).double().to(device)
    C = Critic(width=1).double().to(device)
    eps = mg.rand(4, 1, 1, 1, dtype=mg.float64).to(device)

    def wgan_losses(*params):
        fake = G0(z)
        return critic_loss(C, real, fake, eps)[0], -C(fake).mean()
    params = tuple(G0.parameters()) + tuple(C.parameters())
    wgan_error = mg.autograd.gradcheck(wgan_losses, params, return_error=True)
    return max(gan_error, wgan_error)


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
