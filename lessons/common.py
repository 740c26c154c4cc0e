"""Small helpers more than one lesson needs: the digits split, moving arrays onto a device,
and scoring a classifier. Kept here once, never copied into a lesson."""
from __future__ import annotations

import numpy as np

import minigrad as mg

DIGITS_TEST_SIZE = 360      # 20% of the 1,797 digits, a fixed split so every run scores the same images


def digits_split(split_seed=0):
    """scikit-learn's 1,797 8x8 digits as float32 in [0, 1], split once into train and test.

    Returns ``(x_train, y_train, x_test, y_test)`` as NumPy arrays, x of shape (n, 64). The split
    is fixed by ``split_seed`` (not by the lesson's ``--seed``): seeds change the training, not
    which images are held out.
    """
    from minigrad.data.datasets import load_digits
    x, y = load_digits()
    x, y = x.numpy() / 16.0, y.numpy()
    order = np.random.default_rng(split_seed).permutation(len(x))
    test, train = order[:DIGITS_TEST_SIZE], order[DIGITS_TEST_SIZE:]
    return x[train], y[train], x[test], y[test]


def loader(x, y, batch_size, seed):
    """A DataLoader over the tensors (x, y), reshuffled every epoch by its own seeded generator."""
    from minigrad.data import DataLoader, TensorDataset
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True,
                      generator=mg.Generator().manual_seed(seed))


def as_tensors(*arrays, device="cpu"):
    """NumPy arrays -> minigrad tensors on ``device`` (float arrays keep their dtype)."""
    return tuple(mg.tensor(a, device=device) for a in arrays)


def predict_classes(model, x, batch_size=512):
    """argmax of the model's logits over ``x`` (a Tensor), in eval mode without grad; NumPy int64."""
    was_training = model.training
    model.eval()
    out = []
    with mg.no_grad():
        for i in range(0, x.shape[0], batch_size):
            out.append(model(x[i:i + batch_size]).argmax(dim=1).numpy())
    model.train(was_training)
    return np.concatenate(out)


def classification_accuracy(model, x, y, batch_size=512):
    """Fraction of ``x`` (Tensor) the model classifies as ``y`` (Tensor or array)."""
    y = y.numpy() if hasattr(y, "numpy") else np.asarray(y)
    return float((predict_classes(model, x, batch_size) == y).mean())


def parameters_check(loss_fn, model):
    """Gradcheck ``loss_fn()`` (a scalar built from ``model``) w.r.t. every parameter of the
    model at once, in float64; returns the worst relative error (raises on a mismatch)."""
    model.double()
    params = [p for p in model.parameters() if p.requires_grad]
    return mg.autograd.gradcheck(lambda *ps: loss_fn(), tuple(params), return_error=True)


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, run, filename):
    """Save a lesson's figure as PNG in its output folder, close it, and say where it went."""
    path = run.path(filename)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    pyplot().close(fig)
    print(f"   wrote {path}")
    return path
