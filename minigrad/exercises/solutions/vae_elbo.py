"""Exercise: the reparameterisation trick and the ELBO of a Gaussian VAE.

Read: docs/READING.md, section 12 (The lessons), then lessons/vae.py (the sections on the
trick and the loss).
Lesson: lessons/vae.py.

The encoder gives mu and logvar = log sigma^2 (N, D). To backpropagate through a sample
z ~ N(mu, sigma^2), draw eps ~ N(0, I) outside the graph and write

    z  = mu + exp(logvar / 2) * eps                     (z is differentiable in mu and logvar)
    KL = 1/2 sum_j (mu_j^2 + exp(logvar_j) - 1 - logvar_j)           per example, (N,)
    -ELBO = mean over the batch of (reconstruction + KL)
    reconstruction = sum_j BCE-with-logits(logits_j, x_j)            per example, (N,)

Write them with minigrad Tensor ops (`mg.exp`, `F.binary_cross_entropy_with_logits(...,
reduction="none")`, `.sum(dim=1)`, `.mean()`): autograd gives the gradients, which the
checker gradchecks.
Check: minigrad exercise check vae_elbo
"""
import minigrad as mg
import minigrad.nn.functional as F


def reparameterise(mu, logvar, eps):
    """z = mu + sigma * eps."""
    # YOUR CODE BEGINS
    return mu + mg.exp(0.5 * logvar) * eps
    # YOUR CODE ENDS


def gaussian_kl(mu, logvar):
    """KL(N(mu, sigma^2) || N(0, I)) of each example, (N,)."""
    # YOUR CODE BEGINS
    return 0.5 * (mu * mu + mg.exp(logvar) - 1 - logvar).sum(dim=1)
    # YOUR CODE ENDS


def negative_elbo(logits, x, mu, logvar):
    """-ELBO averaged over the batch, with a Bernoulli decoder giving ``logits``."""
    # YOUR CODE BEGINS
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    return (reconstruction + gaussian_kl(mu, logvar)).mean()
    # YOUR CODE ENDS
