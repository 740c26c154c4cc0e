"""Small helpers more than one lesson needs: the digits split, the pydoc text corpus, moving
arrays onto a device, scoring a classifier, and the training loops. Kept here once, never
copied into a lesson."""
from __future__ import annotations

import math
import os

import numpy as np

import minigrad as mg
from minigrad import backend, nn, optim
from minigrad.data.datasets import load_digits
from minigrad.utils import progress_bar
from minigrad.utils.data import DataLoader, TensorDataset
from minigrad.utils.plotting import make_grid
from minigrad.utils.plotting import pyplot  # noqa: F401  (the lessons draw with it)

DIGITS_TEST_SIZE = 360      # 20% of the 1,797 digits, a fixed split so every run scores the same images


def digits_split(split_seed=0):
    """scikit-learn's 1,797 8x8 digits as float32 in [0, 1], split once into train and test.

    Returns ``(x_train, y_train, x_test, y_test)`` as NumPy arrays, x of shape (n, 64). The split
    is fixed by ``split_seed`` (not by the lesson's ``--seed``): seeds change the training, not
    which images are held out.
    """
    x, y = load_digits()
    x, y = x.numpy() / 16.0, y.numpy()
    order = np.random.default_rng(split_seed).permutation(len(x))
    test, train = order[:DIGITS_TEST_SIZE], order[DIGITS_TEST_SIZE:]
    return x[train], y[train], x[test], y[test]


def loader(x, y, batch_size, seed):
    """A DataLoader over the tensors (x, y), reshuffled every epoch by its own seeded generator."""
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


def save_figure(fig, run, filename):
    """Save a lesson's figure as PNG in its output folder and close it (the run announces it)."""
    path = run.path(filename)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    pyplot().close(fig)
    return path


def grid_figure(images, run, filename, title, nrow, row_labels=None, col_labels=None,
                xlabel=None, ylabel=None, cell=0.55):
    """Small images (N, H, W) or (N, 1, H, W) in [0, 1] tiled ``nrow`` to a row, with a title,
    a label under each column and beside each row, and axis labels saying what they are."""
    pixels = images.cpu().numpy() if isinstance(images, mg.Tensor) else np.asarray(images)
    pixels = pixels.reshape(pixels.shape[0], pixels.shape[-2], pixels.shape[-1])
    h, w = pixels.shape[1:]
    grid = np.clip(make_grid(pixels, nrow=nrow, padding=1, pad_value=0.35), 0.0, 1.0)
    n_rows, n_cols = -(-len(pixels) // nrow), min(nrow, len(pixels))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(cell * n_cols + 1.6, cell * n_rows * h / w + 1.3))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([1 + c * (w + 1) + (w - 1) / 2 for c in range(n_cols)],
                  col_labels if col_labels is not None else [""] * n_cols, fontsize=8)
    ax.set_yticks([1 + r * (h + 1) + (h - 1) / 2 for r in range(n_rows)],
                  row_labels if row_labels is not None else [""] * n_rows, fontsize=8)
    ax.tick_params(length=0)
    ax.set(title=title, xlabel=xlabel or "", ylabel=ylabel or "")
    return save_figure(fig, run, filename)


def pydoc_topics():
    """The standard library's documentation topics (``pydoc_data.topics``, shipped with every
    Python install): a dict topic name -> text, 79 topics, ~465,000 characters of English and code."""
    from pydoc_data.topics import topics
    return dict(topics)


# ---- the digits judge: a classifier trained once, used to score generated digits (gan, vae) ----

JUDGE_EPOCHS = 30
_JUDGES = {}                # device -> (model, test accuracy): trained once per process


class _own_seed:
    """``with _own_seed(s, device):`` seeds minigrad with ``s`` and restores the generator's
    state afterwards, so training the judge does not change the caller's random numbers."""

    def __init__(self, seed, device):
        self.seed, self.generator = seed, backend.default_generator(device)

    def __enter__(self):
        self.state = self.generator.get_state()
        self.generator.manual_seed(self.seed)

    def __exit__(self, *exc):
        self.generator.set_state(self.state)


def _judge_model():
    """64 -> 128 -> 10 with ReLU: small, quick, and >= 97% on the held-out digits."""
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def digits_classifier(device="cpu", out=None):
    """A digits classifier trained separately from any generator, to judge generated images.

    Input: images in [0, 1] of shape (n, 64), (n, 8, 8) or (n, 1, 8, 8). Returns
    ``(model, test_accuracy)``, the model in eval mode. It is trained with a fixed seed (0) on
    the fixed train split, so every lesson and every ``--seed`` is judged by the same classifier;
    trained once per process and device (then served from memory). With ``out`` (a folder) it is
    also saved there as ``digits_classifier.npz`` with ``minigrad.save``, and a file already
    there is loaded instead of training again.
    """
    if device in _JUDGES:
        return _JUDGES[device]
    x_train, y_train, x_test, y_test = digits_split()
    with _own_seed(0, device):          # the lesson's own random stream is left untouched
        model = _judge_model().to(device)
    path = os.path.join(out, "digits_classifier.npz") if out else None
    if path and os.path.exists(path):
        model.load_state_dict(mg.load(path, map_location=device))
        print(f"   read the digits judge from {path} (delete it to train it again)")
    else:
        with _own_seed(0, device):
            _train_judge(model, x_train, y_train, device)
        if path:
            os.makedirs(out, exist_ok=True)
            mg.save(model.state_dict(), path)
            print(f"   wrote {path} (the digits judge, kept for later runs)")
    model.eval()
    xt, yt = as_tensors(x_test, y_test, device=device)
    accuracy = classification_accuracy(model, xt, yt)
    if accuracy < 0.97:
        raise RuntimeError(f"digits_classifier: test accuracy {accuracy:.3f} < 0.97; "
                           f"it cannot judge generated digits (delete {path} if it is stale)")
    _JUDGES[device] = (model, accuracy)
    return model, accuracy


def _train_judge(model, x_train, y_train, device, batch_size=32, lr=1e-3):
    """Plain minibatch Adam on cross-entropy, reshuffled every epoch."""
    order_rng = np.random.default_rng(0)
    x, y = as_tensors(x_train, y_train, device=device)
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(JUDGE_EPOCHS):
        order = order_rng.permutation(len(x_train))
        for i in range(0, len(order), batch_size):
            idx = mg.tensor(order[i:i + batch_size], device=device)
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()


def judge(images, device="cpu"):
    """The judge's class for each image (a Tensor or array in [0, 1]); NumPy int64 of shape (n,)."""
    model, _ = digits_classifier(device)
    x = images if isinstance(images, mg.Tensor) else mg.tensor(np.asarray(images, np.float32), device=device)
    return predict_classes(model, x.reshape(x.shape[0], 64))


def requested_class_accuracy(images, labels, device="cpu"):
    """Fraction of generated ``images`` the judge recognises as the class ``labels`` asked for."""
    labels = labels.numpy() if isinstance(labels, mg.Tensor) else np.asarray(labels)
    return float((judge(images, device) == labels).mean())


def class_fractions(images, device="cpu"):
    """Fraction of ``images`` the judge puts in each of the 10 classes (NumPy, sums to 1)."""
    return np.bincount(judge(images, device), minlength=10) / len(images)


# ---- the vision lessons' data and loop ----

def fashion_mnist_or_digits(device="cpu", train_size=None, split_seed=0):
    """The vision lessons' images: Fashion-MNIST (Debian's ``dataset-fashion-mnist``) when its
    files are installed, else scikit-learn's digits resized to 32x32 (the cnn lesson's inputs).

    Returns ``(x_train, y_train, x_test, y_test, suffix)``: tensors on ``device``, images
    (n, 1, H, W) standardised with the training set's mean and std, and ``suffix`` = "" for
    Fashion-MNIST or "_digits" for the fallback (the metric names carry it). ``train_size``
    keeps a random subset of Fashion-MNIST's 60,000 training images, drawn by ``split_seed``
    (not by the lesson's seed); the test set is always the whole 10,000.
    """
    from minigrad.data.datasets import fashion_mnist
    try:
        x_tr, y_tr = fashion_mnist("train")
        x_te, y_te = fashion_mnist("t10k")
    except FileNotFoundError:
        from lessons.cnn import digits_32x32
        return (*digits_32x32(device), "_digits")
    x_tr, y_tr, x_te, y_te = (t.numpy() for t in (x_tr, y_tr, x_te, y_te))
    if train_size is not None and train_size < len(x_tr):
        pick = np.random.default_rng(split_seed).permutation(len(x_tr))[:train_size]
        x_tr, y_tr = x_tr[pick], y_tr[pick]
    mean, std = x_tr.mean(), x_tr.std()
    x_tr, x_te = (((x - mean) / std).astype(np.float32) for x in (x_tr, x_te))
    return (*as_tensors(x_tr, y_tr, x_te, y_te, device=device), "")


def cross_entropy_step(model, xb, yb):
    """The classifier's loss on one batch: cross-entropy of the model's logits."""
    import minigrad.nn.functional as F
    return F.cross_entropy(model(xb), yb)


def fit(model, optimizer, batches, epochs, desc, step_loss=cross_entropy_step, scheduler=None):
    """The training loop, written out once: for each epoch, for each batch of ``batches`` (a
    DataLoader of (x, y)): loss = ``step_loss(model, x, y)``, zero the gradients, backward,
    step (and ``scheduler.step()`` after every batch when given). Returns
    ``{"train loss": per-epoch mean loss, "seconds": per-epoch wall time}``."""
    import time
    history = {"train loss": [], "seconds": []}
    bar = progress_bar(range(epochs), desc=desc, unit="epoch")
    for _ in bar:
        model.train()
        start, total, count = time.perf_counter(), 0.0, 0
        for xb, yb in batches:
            loss = step_loss(model, xb, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total += loss.item() * xb.shape[0]
            count += xb.shape[0]
        history["train loss"].append(total / count)
        history["seconds"].append(time.perf_counter() - start)
        bar.set_postfix({"train loss": f"{history['train loss'][-1]:.4f}"})
    return history


# ---- the text lessons' loop: minibatch Adam, early stopping on the validation loss (text, bert) ----

def evaluate(model, x, y, batch_size=256):
    """(accuracy, mean cross-entropy) of the classifier ``model`` on (x, y), in eval mode (dropout
    off), without grad."""
    import minigrad.nn.functional as F
    was_training = model.training
    model.eval()
    correct, total = 0, 0.0
    with mg.no_grad():
        for i in range(0, x.shape[0], batch_size):
            logits, labels = model(x[i:i + batch_size]), y[i:i + batch_size]
            correct += int((logits.argmax(dim=1) == labels).sum().item())
            total += F.cross_entropy(logits, labels, reduction="sum").item()
    model.train(was_training)
    return correct / x.shape[0], total / x.shape[0]


def train_early_stopping(model, data, device, desc, seed, max_epochs, patience, batch_size=32, lr=1e-3,
                         max_norm=None):
    """The epoch loop with early stopping, written out once: minibatch Adam on the cross-entropy
    over the trainable parameters, on ``data["train"]`` (x, y) reshuffled every epoch by
    ``seed``, gradients clipped to norm ``max_norm`` when given; after each epoch the loss and
    accuracy on ``data["val"]``; training stops after ``patience`` epochs without a lower
    validation loss (or at ``max_epochs``) and the best epoch's weights are put back. Returns the
    history: train loss, validation loss and validation accuracy per epoch."""
    import minigrad.nn.functional as F
    from minigrad.utils import EarlyStopping
    (x, y), (xv, yv) = data["train"], data["val"]
    rng = np.random.default_rng(seed)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = optim.Adam(trainable, lr=lr)
    stopper = EarlyStopping(patience=patience, mode="min", restore_best_weights=True)
    history = {"train loss": [], "validation loss": [], "validation accuracy": []}
    model.train()
    bar = progress_bar(range(max_epochs), desc=desc, unit="epoch")
    for _ in bar:
        order = rng.permutation(x.shape[0])
        total = 0.0
        for i in range(0, len(order), batch_size):
            idx = mg.tensor(order[i:i + batch_size], device=device)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            if max_norm is not None:
                nn.utils.clip_grad_norm_(trainable, max_norm)
            optimizer.step()
            total += loss.item() * len(idx)
        val_accuracy, val_loss = evaluate(model, xv, yv)
        history["train loss"].append(total / len(order))
        history["validation loss"].append(val_loss)
        history["validation accuracy"].append(val_accuracy)
        bar.set_postfix({"train loss": f"{history['train loss'][-1]:.3f}", "val loss": f"{val_loss:.3f}",
                         "val acc": f"{val_accuracy:.3f}"})
        if stopper.step(val_loss, model):
            break
    stopper.restore(model)
    return history


# ---- the sequence lessons' loop and decoding (captioning, seq2seq, bert) ----

def train_steps(model, batch_loss, steps, desc, lr=3e-3, anneal=False, max_norm=1.0, warmup=0):
    """The step-counting training loop, written out once: ``steps`` Adam steps, each on the loss
    ``batch_loss()`` returns for a fresh batch (the function draws the batch and runs the
    model), gradients clipped to norm ``max_norm`` (a recurrent net's gradients can spike), the
    learning rate annealed from ``lr`` to 0 along a cosine over the run (``anneal``) or constant.
    With ``warmup`` the learning rate first climbs linearly from ``lr / warmup`` to ``lr`` over
    that many steps (a Transformer's usual start: Adam's first steps are large while its
    moment estimates settle), then anneals over the remaining steps or stays.
    Returns the loss per step."""
    opt = optim.Adam(model.parameters(), lr=lr)
    if warmup:
        def factor(step):
            if step < warmup:
                return (step + 1) / warmup
            return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup))) if anneal else 1.0
        schedule = optim.lr_scheduler.LambdaLR(opt, factor)
    else:
        schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if anneal else None
    losses = []
    model.train()
    bar = progress_bar(range(steps), desc=desc, unit="step")
    for _ in bar:
        loss = batch_loss()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        opt.step()
        if schedule is not None:
            schedule.step()
        losses.append(float(loss.item()))
        if len(losses) % 50 == 0 and hasattr(bar, "set_postfix"):
            bar.set_postfix({"train loss (50 steps)": f"{np.mean(losses[-50:]):.4f}"})
    return losses


def tokens_before_end(vocab, indices, end, specials):
    """A decoded row's tokens: those of ``indices`` up to (not including) the first ``end``,
    the ``specials`` first indices of ``vocab`` (``<pad>``, ``<start>`` ...) dropped."""
    out = []
    for i in indices:
        if i == end:
            break
        if i >= specials:
            out.append(vocab.lookup_token(i))
    return out


def moving_mean(values, width=50):
    """The mean of each ``width`` consecutive ``values`` (a per-step loss made readable); fewer
    values than that are returned as they are."""
    values = np.asarray(values)
    return np.convolve(values, np.ones(width) / width, mode="valid") if len(values) > width else values
