"""Lesson: perceptrons, losses and optimisers -- the multilayer perceptron.

Run it: ``minigrad lesson mlp`` (all parts), or ``--part digits`` ... Parts, in reading order:

1. ``regression``     -- a line fitted by a neural network: Linear(10, 1) + MSE by gradient descent
                         lands on the least-squares solution (numpy.linalg.lstsq);
2. ``digits``         -- an MLP with cross-entropy classifies the 8x8 digits (>= 97% on held-out data);
3. ``summary``        -- counting parameters as the notes do (266,610; 271,346 with 2,368 frozen);
4. ``optimizers``     -- SGD, momentum, Nesterov, Adagrad, RMSprop, Adam, Adadelta on one problem;
5. ``lr_range``       -- the learning-rate range test;
6. ``regularization`` -- overfitting and its cures: L2, L1, dropout, early stopping;
7. ``kfold``          -- K-fold cross-validation, K = 5 and K = 10;
8. ``threshold``      -- a binary classifier: precision, recall/TPR, FPR, ROC, AUC and the F1 threshold;
9. ``graph``          -- the graph autograd records for a two-layer MLP, and the graph of its gradient.
"""
# %%
from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import KFold
from minigrad.data.datasets import load_diabetes
from minigrad.utils import EarlyStopping, draw_graph, metrics, progress_bar, summary
from minigrad.utils.lesson import lesson_main
from minigrad.utils.plotting import plot_curves

from lessons.common import (as_tensors, classification_accuracy, digits_split, loader, parameters_check,
                            pyplot, save_figure)

NAME = "mlp"
SUMMARY = ("perceptrons, losses, optimisers: regression onto least squares, a digits MLP, "
           "parameter counts, 7 optimisers, LR range test, regularisation, K-fold, ROC/F1")

# %% [markdown]
# ## The data
#
# Two of scikit-learn's bundled datasets, so that nothing is downloaded: the diabetes data (442
# patients, 10 measurements, a disease-progression score to predict) for regression, and the
# 1,797 handwritten 8x8 digits for classification, split once into 1,437 training and 360 test
# images (`lessons.common.digits_split`; `--seed` changes the training, never the split).
#
# ## The model
#
# A multilayer perceptron: Linear layers with a non-linearity between them. Without the
# non-linearity any depth of Linear layers is one Linear layer (the notes' reason for activation
# functions).

# %%
def mlp(hidden=128, p_drop=0.0):
    """64 pixels -> hidden (ReLU) -> 10 logits; optional dropout after the hidden layer."""
    layers = [nn.Linear(64, hidden), nn.ReLU()]
    if p_drop:
        layers.append(nn.Dropout(p_drop))
    layers.append(nn.Linear(hidden, 10))
    return nn.Sequential(*layers)


# %% [markdown]
# ## The loss and the training loop
#
# Classification minimises the cross-entropy of the logits against the true class
# (`F.cross_entropy`: log-softmax and negative log-likelihood in one); regression, in part 1,
# the mean squared error. The loop is the same everywhere: for each epoch, for each mini-batch:
# forward, loss, backward, step.

# %%
def train_classifier(model, optimizer, x, y, epochs, batch_size, seed, desc, loss_extra=None,
                     x_val=None, y_val=None, early=None, val_name="validation loss"):
    """The training loop, written out: for each epoch, for each mini-batch: forward, loss,
    backward, step. Returns the per-epoch mean training loss and (if given) validation loss
    (``val_name`` is what the progress line calls it)."""
    history = {"train loss": [], "validation loss": []}
    batches = loader(x, y, batch_size, seed)
    bar = progress_bar(range(epochs), desc=desc, unit="epoch")
    for epoch in bar:
        model.train()
        total = 0.0
        for xb, yb in batches:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            if loss_extra is not None:
                loss = loss + loss_extra(model)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * xb.shape[0]
        history["train loss"].append(total / x.shape[0])
        if x_val is not None:
            model.eval()
            with mg.no_grad():
                val = F.cross_entropy(model(x_val), y_val).item()
            history["validation loss"].append(val)
            bar.set_postfix({"train loss": f"{history['train loss'][-1]:.3f}", val_name: f"{val:.3f}"})
            if early is not None and early.step(val, model):
                break
        else:
            bar.set_postfix({"train loss": f"{history['train loss'][-1]:.3f}"})
    return history


# %% [markdown]
# ## Part 1: regression -- a neural network with one Linear(n, 1) neuron is linear least squares
#
# The notes' "fitting a line with a neural network": one neuron, no activation, the mean squared
# error, full-batch gradient descent. Its minimum is the least-squares solution, which NumPy
# computes in closed form; gradient descent must land on it.

# %%
def part_regression(run):
    """A line fitted by a neural network: Linear(10, 1) and MSE by gradient descent land on
    least squares."""
    x_np, y_np = (t.numpy().astype(np.float64) for t in load_diabetes())
    x_np = (x_np - x_np.mean(0)) / x_np.std(0)             # standardised features: GD converges fast
    x, y = as_tensors(x_np.astype(np.float64), y_np.astype(np.float64)[:, None], device=run.device)

    # The closed form: least squares with a column of ones for the bias.
    design = np.hstack([x_np, np.ones((len(x_np), 1))])
    coef, *_ = np.linalg.lstsq(design, y_np, rcond=None)
    mse_lstsq = float(np.mean((design @ coef - y_np) ** 2))

    # The same model as a network: one neuron, no activation, trained by full-batch gradient descent.
    mg.manual_seed(run.seed)
    model = nn.Linear(10, 1).double().to(run.device)
    # Plain gradient descent: stable for lr < 2 / (largest Hessian eigenvalue, 8.05 here); the
    # smallest eigenvalue (0.017: two of the blood-serum features are strongly correlated)
    # sets how many steps the last digits of the weights take.
    optimizer = optim.SGD(model.parameters(), lr=0.2)
    steps = run.epochs_or(3000)
    losses = []
    for _ in progress_bar(range(steps), desc="regression", unit="step"):
        loss = F.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with mg.no_grad():
        mse_net = F.mse_loss(model(x), y).item()
    gap = abs(mse_net - mse_lstsq) / mse_lstsq
    print(f"   train MSE: network {mse_net:.3f} (RMSE {mse_net ** 0.5:.3f}), lstsq {mse_lstsq:.3f} "
          f"(RMSE {mse_lstsq ** 0.5:.3f}); relative gap {gap:.2e}")
    w_net = np.append(model.weight.detach().cpu().numpy().ravel(), model.bias.item())
    print(f"   max |w_network - w_lstsq| = {np.abs(w_net - coef).max():.3g} (weights and bias)")

    _plot_regression(run, losses, mse_lstsq, coef, w_net)
    return {"regression_rel_gap_to_lstsq": gap}


def _plot_regression(run, losses, mse_lstsq, coef, w_net):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    steps = len(losses)
    axes[0].loglog(np.arange(1, steps + 1), np.abs(np.array(losses) - mse_lstsq) / mse_lstsq,
                   marker="." if steps <= 30 else None)
    axes[0].set(xlabel="gradient-descent step (log scale)",
                ylabel="|MSE_network - MSE_lstsq| / MSE_lstsq (log)",
                title=f"diabetes: gradient descent falls onto\n"
                      f"least squares (MSE_lstsq = {mse_lstsq:.1f})")
    names = [f"x{i}" for i in range(10)] + ["bias"]
    pos = np.arange(11)
    axes[1].bar(pos - 0.2, coef, 0.4, label="lstsq")
    axes[1].bar(pos + 0.2, w_net, 0.4, label="network")
    axes[1].axhline(0, color="black", lw=0.8)
    axes[1].set_xticks(pos, names)
    axes[1].set(title="the learned weights are the least-squares weights",
                xlabel="standardised feature", ylabel="coefficient")
    axes[1].legend()
    save_figure(fig, run, "regression.png")


# %% [markdown]
# ## Part 2: the digits -- an MLP and cross-entropy
#
# 64 pixels, 128 hidden ReLU units, 10 logits, Adam: at least 97% of the held-out digits right.

# %%
def part_digits(run):
    """An MLP with cross-entropy classifies the 8x8 digits (>= 97% on held-out digits)."""
    x_tr, y_tr, x_te, y_te = as_tensors(*digits_split(), device=run.device)
    mg.manual_seed(run.seed)
    model = mlp(hidden=128).to(run.device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    history = train_classifier(model, optimizer, x_tr, y_tr, run.epochs_or(40), 32, run.seed,
                               desc="digits MLP", x_val=x_te, y_val=y_te, val_name="test loss")
    acc = classification_accuracy(model, x_te, y_te)
    print(f"   digits test accuracy {acc:.4f} ({int(round((1 - acc) * len(y_te)))} of {len(y_te)} wrong)")
    plot_curves({"train loss": history["train loss"], "test loss": history["validation loss"]},
                run.path("digits_loss.png"), title=f"digits MLP 64-128-10: test accuracy {acc:.3f}",
                ylabel="cross-entropy", logy=True)
    return {"digits_test_accuracy": acc}


# %% [markdown]
# ## Part 3: counting parameters, as the notes' Keras summaries do
#
# A Linear layer from n to m features has n * m weights and m biases. A BatchNorm over n features
# has 4n numbers: gamma and beta are trained; the moving mean and variance are not.

# %%
def part_summary(run):
    """Counting parameters as the notes do: 266,610; with batch norm 271,346, of which 2,368
    non-trainable."""
    plain = nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100),
                          nn.ReLU(), nn.Linear(100, 10))
    # 784*300 + 300 = 235,500;  300*100 + 100 = 30,100;  100*10 + 10 = 1,010.
    s1 = summary(plain, (1, 28, 28))
    # A BatchNorm before each Dense adds 4 numbers per feature: gamma and beta are trained, the
    # moving mean and variance are not: (784 + 300 + 100) * 2 = 2,368 non-trainable.
    with_bn = nn.Sequential(nn.Flatten(), nn.BatchNorm1d(784), nn.Linear(784, 300), nn.ReLU(),
                            nn.BatchNorm1d(300), nn.Linear(300, 100), nn.ReLU(),
                            nn.BatchNorm1d(100), nn.Linear(100, 10))
    s2 = summary(with_bn, (1, 28, 28))
    return {"params_mlp": int(s1.total_params), "params_mlp_bn": int(s2.total_params),
            "params_mlp_bn_non_trainable": int(s2.non_trainable_params)}


# %% [markdown]
# ## Part 4: seven optimisers side by side
#
# The same MLP from the same initial weights, fed the same batches, trained by each optimiser
# with a learning rate typical for it.

# %%
OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.05),
    "SGD momentum 0.9": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "SGD Nesterov 0.9": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.05),
    "RMSprop": lambda p: optim.RMSprop(p, lr=1e-3),
    "Adam": lambda p: optim.Adam(p, lr=1e-3),
    "Adadelta": lambda p: optim.Adadelta(p, lr=1.0),
}


def part_optimizers(run):
    """SGD, momentum, Nesterov, Adagrad, RMSprop, Adam and Adadelta on the same problem from
    the same weights."""
    x_tr, y_tr, x_te, y_te = as_tensors(*digits_split(), device=run.device)
    curves = {}
    for name, make in OPTIMIZERS.items():
        mg.manual_seed(run.seed)                       # the same initial weights for every optimiser
        model = mlp(hidden=64).to(run.device)
        history = train_classifier(model, make(model.parameters()), x_tr, y_tr, run.epochs_or(8), 32,
                                   run.seed, desc=name)
        acc = classification_accuracy(model, x_te, y_te)
        curves[f"{name} ({acc:.3f})"] = history["train loss"]
    _plot_optimizers(run, curves)
    return {}


def _plot_optimizers(run, curves):
    """The loss curves, with the legend outside them (to the right)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for name, losses in curves.items():
        ax.plot(np.arange(1, len(losses) + 1), losses, marker=".", label=name)
    ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set(xlabel="epoch", ylabel="mean train cross-entropy (log scale)",
           title="seven optimisers, same MLP, same initial weights, same batches")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), title="optimiser (digits test accuracy)")
    save_figure(fig, run, "optimizers.png")


# %% [markdown]
# ## Part 5: the learning-rate range test
#
# Raise the learning rate exponentially, one mini-batch at a time, until the loss turns up; the
# notes' rule of thumb: the best learning rate is about half of the one where the loss was lowest.

# %%
def part_lr_range(run):
    """Raise the LR exponentially, one mini-batch at a time, until the loss turns up; the best
    LR is about half of the LR at the loss's minimum (the notes' rule of thumb)."""
    x_tr, y_tr, _, _ = as_tensors(*digits_split(), device=run.device)
    mg.manual_seed(run.seed)
    model = mlp(hidden=64).to(run.device)
    lr_min, lr_max, steps = 1e-4, 10.0, 200
    optimizer = optim.SGD(model.parameters(), lr=lr_min)
    factor = (lr_max / lr_min) ** (1 / (steps - 1))
    scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=factor)
    lrs, losses, smooth = [], [], None
    batches = loader(x_tr, y_tr, 32, run.seed)
    stream = iter(())
    for step in progress_bar(range(steps), desc="LR range test", unit="step"):
        batch = next(stream, None)
        if batch is None:                                  # a new epoch
            stream = iter(batches)
            batch = next(stream)
        loss = F.cross_entropy(model(batch[0]), batch[1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        value = loss.item()
        smooth = value if smooth is None else 0.9 * smooth + 0.1 * value   # an exponential moving average
        lrs.append(optimizer.param_groups[0]["lr"])
        losses.append(smooth)
        scheduler.step()
        if not np.isfinite(value) or smooth > 4 * min(losses):   # the loss has turned up: stop
            break
    lr_at_min = lrs[int(np.argmin(losses))]
    suggested = lr_at_min / 2
    print(f"   loss lowest at lr {lr_at_min:.3g}; suggested learning rate about {suggested:.3g}")
    _plot_lr_range(run, lrs, losses, lr_at_min, suggested)
    return {}


def _plot_lr_range(run, lrs, losses, lr_at_min, suggested):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogx(lrs, losses)
    ax.axvline(lr_at_min, color="gray", ls=":", label=f"loss lowest at lr {lr_at_min:.2g}")
    ax.axvline(suggested, color="green", ls="--", label=f"suggested lr {suggested:.2g} (half of it)")
    ax.set(xlabel="learning rate (log scale), raised every mini-batch",
           ylabel="train loss (exponential moving average, 0.9)",
           title="learning-rate range test (SGD, digits MLP)")
    ax.legend()
    save_figure(fig, run, "lr_range.png")


# %% [markdown]
# ## Part 6: overfitting and its cures
#
# A network big enough to memorise its training set learns it by heart: the training loss keeps
# falling while the validation loss stops improving. The notes' cures: a penalty on the weights
# (L2, as `weight_decay`, or L1), dropout, and early stopping on a validation split.

# %%
def l1_penalty(strength):
    """strength * sum |w| over the weight matrices (not biases): pushes weights to exactly 0."""
    return lambda model: strength * sum(p.abs().sum() for n, p in model.named_parameters()
                                        if n.endswith("weight"))


def part_regularization(run):
    """A big MLP on only 300 training images overfits: training loss goes to ~0 while the
    validation loss stops improving. Each cure is scored on the held-out test set."""
    x_tr_np, y_tr_np, x_te_np, y_te_np = digits_split()
    n_train, n_val = 300, 300                       # a small training set, and a validation split
    x_tr, y_tr, x_val, y_val, x_te, y_te = as_tensors(
        x_tr_np[:n_train], y_tr_np[:n_train], x_tr_np[n_train:n_train + n_val],
        y_tr_np[n_train:n_train + n_val], x_te_np, y_te_np, device=run.device)
    epochs = run.epochs_or(40)
    setups = {
        "none": dict(),
        "L2 (weight_decay=1e-3)": dict(weight_decay=1e-3),
        "L1 (1e-4 * sum|w|)": dict(loss_extra=l1_penalty(1e-4)),
        "dropout 0.5": dict(p_drop=0.5),
        "early stopping (patience 5)": dict(early=True),
    }
    histories, report = {}, {}
    for name, s in setups.items():
        mg.manual_seed(run.seed)
        dropout = [nn.Dropout(s["p_drop"])] if "p_drop" in s else []
        model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), *dropout, nn.Linear(256, 256), nn.ReLU(),
                              nn.Linear(256, 10)).to(run.device)
        optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=s.get("weight_decay", 0))
        early = EarlyStopping(patience=5, restore_best_weights=True) if s.get("early") else None
        histories[name] = train_classifier(model, optimizer, x_tr, y_tr, epochs, 32, run.seed, desc=name,
                                           loss_extra=s.get("loss_extra"), x_val=x_val, y_val=y_val,
                                           early=early)
        report[name] = classification_accuracy(model, x_te, y_te)
        n = len(histories[name]['train loss'])
        print(f"   {name:<28} test accuracy {report[name]:.3f} after {n} epoch{'s' if n != 1 else ''}")
    _plot_regularization(run, histories, report)
    return {}


def _plot_regularization(run, histories, report):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
    h = histories["none"]
    dots = "." if len(h["train loss"]) <= 30 else None                    # few epochs: show each
    axes[0].semilogy(np.arange(1, len(h["train loss"]) + 1), h["train loss"], marker=dots, label="no cure: train")
    axes[0].semilogy(np.arange(1, len(h["validation loss"]) + 1), h["validation loss"], marker=dots,
                     label="no cure: validation")
    stop = len(histories["early stopping (patience 5)"]["train loss"])
    axes[0].axvline(stop, color="gray", ls=":", label=f"early stopping ends here (epoch {stop})")
    axes[0].xaxis.get_major_locator().set_params(integer=True)
    axes[0].set(xlabel="epoch", ylabel="cross-entropy (log scale)",
                title="300 training digits, MLP 64-256-256-10: the train/validation gap")
    axes[0].legend()
    names = list(report)
    axes[1].barh(names, [report[n] for n in names])
    low = max(0.0, np.floor((min(report.values()) - 0.02) * 50) / 50)
    axes[1].set_xlim(low, 1.0)
    for i, n in enumerate(names):
        axes[1].text(report[n] + 0.001, i, f"{report[n]:.3f}", va="center")
    axes[1].set(xlabel=f"test accuracy (the axis starts at {low:.2f}, not 0: the cures differ by a few points)",
                title="each cure, same data and initial weights")
    fig.subplots_adjust(wspace=0.55)
    save_figure(fig, run, "regularization.png")


# %% [markdown]
# ## Part 7: K-fold cross-validation
#
# Split the training data into K folds; train K models, each validated on the fold it did not
# see. The spread of the K scores says how much one validation split can be trusted.

# %%
def part_kfold(run):
    """K-fold cross-validation of the digits MLP, K = 5 and K = 10."""
    x_np, y_np, _, _ = digits_split()
    results = {}
    for k in (5, 10):
        scores = []
        for fold, (train_idx, val_idx) in enumerate(KFold(n_splits=k, shuffle=True, random_state=run.seed).split(x_np)):
            x_tr, y_tr, x_val, y_val = as_tensors(x_np[train_idx], y_np[train_idx], x_np[val_idx],
                                                  y_np[val_idx], device=run.device)
            mg.manual_seed(run.seed + fold)
            model = mlp(hidden=64).to(run.device)
            train_classifier(model, optim.Adam(model.parameters(), lr=2e-3), x_tr, y_tr, run.epochs_or(10), 32,
                             run.seed + fold, desc=f"K={k} fold {fold + 1}")
            scores.append(classification_accuracy(model, x_val, y_val))
        results[k] = scores
        print(f"   K={k:>2}: validation accuracy {np.mean(scores):.4f} +- {np.std(scores):.4f} "
              f"(folds: {' '.join(f'{s:.3f}' for s in scores)})")
    _plot_kfold(run, results)
    return {}


def _plot_kfold(run, results):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.boxplot([results[5], results[10]], tick_labels=["K = 5", "K = 10"])
    for i, k in enumerate((5, 10)):
        ax.plot(np.full(k, i + 1.0), results[k], "o", alpha=0.5)
    ax.set(ylabel="validation accuracy of each fold (one dot per fold)",
           title="K-fold cross-validation of the digits MLP")
    save_figure(fig, run, "kfold.png")


# %% [markdown]
# ## Part 8: a binary decision threshold -- precision, recall, ROC, AUC, F1
#
# As the notes define them: precision = TP / (TP + FP), recall = TPR = TP / (TP + FN),
# FPR = FP / (FP + TN); the ROC curve is TPR against FPR over every threshold, AUC the area
# under it; F1 = 2PR / (P + R) chooses the threshold.

# %%
def rates_by_threshold(positive, prob, thresholds):
    """Precision, recall and F1 of the decision ``prob >= t`` for each threshold t, counted as the
    notes define them: precision = TP / (TP + FP), recall = TPR = TP / (TP + FN), F1 = 2PR / (P + R)."""
    decide = prob[None, :] >= np.asarray(thresholds)[:, None]          # (thresholds, samples)
    tp = (decide & positive).sum(1)
    fp = (decide & ~positive).sum(1)
    fn = (~decide & positive).sum(1)
    precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 1.0)
    recall = tp / np.maximum(tp + fn, 1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    return precision, recall, f1


def part_threshold(run):
    """Is the digit a 9? A logistic-regression neuron gives a probability; the threshold turning
    it into a decision is chosen on validation data by F1 (here the positives are rare, ~10%)."""
    x_tr_np, y_tr_np, x_te_np, y_te_np = digits_split()
    n_val = 300
    x_tr, y_tr, x_val, y_val, x_te, y_te = as_tensors(
        x_tr_np[n_val:], (y_tr_np[n_val:] == 9).astype(np.float32), x_tr_np[:n_val],
        (y_tr_np[:n_val] == 9).astype(np.float32), x_te_np, (y_te_np == 9).astype(np.float32),
        device=run.device)
    mg.manual_seed(run.seed)
    model = nn.Linear(64, 1).to(run.device)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    batches = loader(x_tr, y_tr, 32, run.seed)
    for _ in progress_bar(range(run.epochs_or(20)), desc="logistic regression", unit="epoch"):
        for xb, yb in batches:
            loss = F.binary_cross_entropy_with_logits(model(xb).squeeze(1), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with mg.no_grad():
        p_val = mg.sigmoid(model(x_val).squeeze(1)).numpy()
        p_te = mg.sigmoid(model(x_te).squeeze(1)).numpy()
    yv, yt = y_val.numpy().astype(bool), y_te.numpy().astype(bool)
    thresholds = np.linspace(0.02, 0.98, 49)
    prec, rec, f1 = rates_by_threshold(yv, p_val, thresholds)
    best = float(thresholds[int(np.argmax(f1))])
    fpr, tpr, _ = metrics.roc_curve(yt.astype(int), p_te)
    area = metrics.auc(fpr, tpr)
    (p_t,), (r_t,), (f_t,) = rates_by_threshold(yt, p_te, [best])
    print(f"   F1-best threshold on validation: {best:.2f} (F1 {max(f1):.3f}); on test: precision "
          f"{p_t:.3f}, recall {r_t:.3f}, F1 {f_t:.3f}; test ROC AUC {area:.4f}")
    _plot_threshold(run, thresholds, prec, rec, f1, best, fpr, tpr, area)
    return {}


def _plot_threshold(run, thresholds, prec, rec, f1, best, fpr, tpr, area):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    axes[0].plot(thresholds, prec, label="precision")
    axes[0].plot(thresholds, rec, label="recall (TPR)")
    axes[0].plot(thresholds, f1, label="F1", lw=2)
    axes[0].axvline(best, color="gray", ls=":", label=f"F1-best threshold {best:.2f}")
    axes[0].set(xlabel="decision threshold on P(digit is 9)", ylabel="score (validation)",
                title="choosing the threshold by F1")
    axes[0].legend()
    axes[1].plot(fpr, tpr, label=f"logistic regression (AUC {area:.3f})")
    axes[1].plot([0, 1], [0, 1], "k--", label="chance (AUC 0.5)")
    axes[1].set(xlabel="false positive rate FP/(FP+TN)", ylabel="true positive rate TP/(TP+FN)",
                title="ROC curve, 'is it a 9?' (test)")
    axes[1].legend()
    save_figure(fig, run, "threshold_roc.png")


# %% [markdown]
# ## Part 9: the graph behind backward, and the graph of a gradient
#
# What backward walks, drawn: a two-layer MLP's loss as a graph of tensors (their values and,
# after backward, their gradients) and the Functions between them. Then the gradient itself,
# taken with `create_graph=True`: a graph like any other -- the forward ops it needs and the
# backward ops that combine them -- so it can be differentiated again (double backward: gradient
# penalties, Hessian-vector products).

# %%
def part_graph(run):
    """Draw a two-layer MLP's loss graph with its gradients, then the graph of d loss / d W1."""
    mg.manual_seed(run.seed)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).to(run.device)
    x = mg.randn(5, 4, device=run.device)
    y = mg.tensor([0, 1, 1, 0, 1], device=run.device)
    names = {"x": x, **dict(model.named_parameters())}
    loss = F.cross_entropy(model(x), y)
    loss.backward(retain_graph=True)                 # keep the graph, to draw it with its gradients
    forward = draw_graph(loss, names=names, path=run.path("graph_mlp.png"))
    (g,) = mg.autograd.grad(loss, model[0].weight, create_graph=True)
    names["d loss / d 0.weight"] = g
    gradient = draw_graph(g, names=names, show_grads=False, path=run.path("graph_gradient.png"))
    # the gradient's own gradient: d/dW2 of sum(d loss / d W1) -- nonzero, since W1's gradient
    # flows through W2
    (gg,) = mg.autograd.grad(g.sum(), model[2].weight)
    n_forward, n_gradient = forward.count("shape=box"), gradient.count("shape=box")
    print(f"   the loss's graph: {n_forward} Functions; its gradient's graph: {n_gradient} "
          f"(d/dW2 of sum(dL/dW1) has norm {gg.norm().item():.3g})")
    return {"graph_functions": n_forward, "gradient_graph_functions": n_gradient}


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"regression": part_regression, "digits": part_digits, "summary": part_summary,
         "optimizers": part_optimizers, "lr_range": part_lr_range,
         "regularization": part_regularization, "kfold": part_kfold, "threshold": part_threshold,
         "graph": part_graph}


def tiny_model_check(device="cpu"):
    """Gradcheck a tiny MLP (8 -> 5 -> 3, ReLU, cross-entropy) over every parameter, float64,
    on ``device``."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 5), nn.ReLU(), nn.Linear(5, 3)).to(device)
    x = mg.randn(6, 8, dtype=mg.float64).to(device)
    y = mg.tensor([0, 1, 2, 0, 1, 2], device=device)
    return parameters_check(lambda: F.cross_entropy(model(x), y), model)


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
