"""Lesson: convolution and pooling -- LeNet, hand-made filters, padding and stride, pooling.

Run it: ``minigrad lesson cnn`` (all parts), or ``--part lenet`` ... Parts, in reading order:

1. ``lenet``    -- LeNet exactly as the notes walk through it, on the digits resized to 32x32 with
                   minigrad's own F.interpolate (>= 98% test accuracy); ``--data fashion-mnist``
                   trains it on Fashion-MNIST's IDX files instead (when they are installed);
2. ``filters``  -- two hand-made 7x7 filters (a vertical and a horizontal line of ones) applied
                   with F.conv2d to a photograph: two feature maps;
3. ``padding``  -- 'valid' vs 'same' padding, stride 1 vs 2, the parameter-count formula, and the
                   notes' Keras CNN with its 1,413,834 parameters;
4. ``pooling``  -- max vs average pooling, global average pooling, and the receptive field
                   (measured with autograd: which input pixels can move one output unit);
5. ``interop``  -- LeNet's weights saved as safetensors and loaded into the same model in PyTorch,
                   and LeNet exported to ONNX and run by an ONNX runtime: the same predictions.
"""
# %%
from __future__ import annotations

import os
import sys

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data.datasets import FASHION_MNIST_DIRS, fashion_mnist
from minigrad.utils import progress_bar, summary
from minigrad.utils.lesson import LessonError, lesson_main
from minigrad.utils.plotting import plot_curves

from lessons.common import (as_tensors, classification_accuracy, digits_split, loader, parameters_check,
                            pyplot, save_figure)
from lessons.mlp import train_classifier

NAME = "cnn"
SUMMARY = ("convolution and pooling: LeNet on 32x32 digits, hand-made line filters, valid/same "
           "padding and stride, the Keras CNN's 1,413,834 parameters, max/avg/global pooling")

# %% [markdown]
# ## The data
#
# scikit-learn's 8x8 digits, resized to LeNet's 32x32 input by minigrad's own bilinear
# `F.interpolate`; or, with `--data fashion-mnist`, Fashion-MNIST's 28x28 clothes (Debian's
# `dataset-fashion-mnist` files, or `--data-dir`) padded to 32x32.

# %%
def digits_32x32(device):
    """The 8x8 digits, resized to LeNet's 32x32 input by bilinear interpolation, standardised
    with the training set's mean and standard deviation."""
    x_tr, y_tr, x_te, y_te = digits_split()
    with mg.no_grad():
        images = [F.interpolate(mg.tensor(x.reshape(-1, 1, 8, 8)), size=(32, 32), mode="bilinear",
                                align_corners=False).numpy() for x in (x_tr, x_te)]
    mean, std = images[0].mean(), images[0].std()
    x_tr, x_te = ((im - mean) / std for im in images)
    return as_tensors(x_tr, y_tr, x_te, y_te, device=device)


def fashion_mnist_32x32(run):
    """Fashion-MNIST's 28x28 images padded to 32x32 (as LeNet had for MNIST); a subset of the
    training set keeps the run to minutes on a CPU (``--fashion-train N``)."""
    directory = run.options.get("data_dir")
    try:
        x_tr, y_tr = fashion_mnist("train", directory=directory)
        x_te, y_te = fashion_mnist("t10k", directory=directory)
    except FileNotFoundError:
        where = directory or " or ".join(FASHION_MNIST_DIRS)
        raise LessonError(f"--data fashion-mnist: no Fashion-MNIST IDX files in {where}; install "
                          "Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) "
                          "or pass --data-dir DIR, a folder with its four IDX files") from None
    except ValueError as e:
        raise LessonError(f"--data fashion-mnist: {e}".replace("\n", " ")) from None
    n = run.options.get("fashion_train") or 20000
    rng = np.random.default_rng(0)
    pick = rng.permutation(x_tr.shape[0])[:n]
    x_tr, y_tr = x_tr.numpy()[pick], y_tr.numpy()[pick]
    x_te, y_te = x_te.numpy(), y_te.numpy()
    mean, std = x_tr.mean(), x_tr.std()
    pad = ((0, 0), (0, 0), (2, 2), (2, 2))
    x_tr, x_te = (np.pad((x - mean) / std, pad).astype(np.float32) for x in (x_tr, x_te))
    return as_tensors(x_tr, y_tr, x_te, y_te, device=run.device)


def random_shift(images, max_shift, fill, rng):
    """Data augmentation: move each image by up to ``max_shift`` pixels in x and y (a random
    crop of the image padded with ``fill``). A digit moved by half an original pixel is still
    the same digit; the network learns that, instead of memorising positions."""
    n, c, h, w = images.shape
    s = max_shift
    padded = F.pad(images, (s, s, s, s), value=fill)
    dy, dx = rng.integers(0, 2 * s + 1, n), rng.integers(0, 2 * s + 1, n)
    return mg.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


# %% [markdown]
# ## The model: LeNet
#
# The notes' walk-through: a 32x32x1 image -> conv 6@5x5 -> 28x28x6 -> pool -> 14x14x6
# -> conv 16@5x5 -> 10x10x16 -> pool -> 5x5x16 -> two fully connected layers -> 10 classes.
# A 5x5 convolution without padding takes 4 pixels off each side; a 2x2 pooling halves it.

# %%
def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),      # 32 -> 28 -> 14
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),     # 14 -> 10 -> 5
        nn.Flatten(),                                                    # 16 * 5 * 5 = 400
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


# %% [markdown]
# ## The loss and the training loop
#
# Cross-entropy, Adam with a one-cycle learning-rate schedule (it warms up to 3e-3 and anneals to
# ~0 by the last step), every batch shifted at random by up to 2 pixels.

# %% [markdown]
# ## Part 1: LeNet

# %%
def part_lenet(run):
    """LeNet as the notes walk through it, on the digits resized to 32x32 (>= 98% test
    accuracy), or on Fashion-MNIST with --data fashion-mnist."""
    data = run.options.get("data") or "digits"
    if data == "digits":
        x_tr, y_tr, x_te, y_te = digits_32x32(run.device)
        epochs, metric = run.epochs_or(10), "lenet_test_accuracy"
    else:
        x_tr, y_tr, x_te, y_te = fashion_mnist_32x32(run)
        epochs, metric = run.epochs_or(3), "fashion_mnist_test_accuracy"
    print(f"   {data}: {x_tr.shape[0]} training and {x_te.shape[0]} test images of shape "
          f"{tuple(x_tr.shape[1:])}")
    mg.manual_seed(run.seed)
    model = lenet().to(run.device)
    batches = loader(x_tr, y_tr, 32, run.seed)
    shifts = np.random.default_rng(run.seed)
    background = float(x_tr.min().item())
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    # One cycle: the LR warms up to 3e-3 and anneals to ~0 by the last step.
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=epochs * len(batches))
    history = {"train loss": [], "test loss": []}
    bar = progress_bar(range(epochs), desc=f"LeNet on {data}", unit="epoch")
    for epoch in bar:
        model.train()
        total = 0.0
        for xb, yb in batches:
            xb = random_shift(xb, 2, background, shifts)
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item() * xb.shape[0]
        history["train loss"].append(total / x_tr.shape[0])
        model.eval()
        with mg.no_grad():
            history["test loss"].append(sum(F.cross_entropy(model(x_te[i:i + 1000]), y_te[i:i + 1000],
                                                            reduction="sum").item()
                                            for i in range(0, x_te.shape[0], 1000)) / x_te.shape[0])
        bar.set_postfix({"train loss": f"{history['train loss'][-1]:.3f}",
                         "test loss": f"{history['test loss'][-1]:.3f}"})
    acc = classification_accuracy(model, x_te, y_te)
    print(f"   LeNet {data} test accuracy {acc:.4f} ({int(round((1 - acc) * x_te.shape[0]))} of "
          f"{x_te.shape[0]} wrong)")
    plot_curves({"train loss (shifted images, averaged over the epoch)": history["train loss"],
                 "test loss (after the epoch)": history["test loss"]},
                run.path(f"lenet_{data}_loss.png"), logy=True, ylabel="cross-entropy (log scale)",
                title=f"LeNet on {data}: test accuracy {acc:.4f}")
    _plot_predictions(model, x_te, y_te, run, f"lenet_{data}_predictions.png", data)
    return {metric: acc}


def _plot_predictions(model, x, y, run, filename, data):
    """The first 24 test images with the predicted class (red where wrong)."""
    model.eval()
    with mg.no_grad():
        pred = model(x[:24]).argmax(dim=1).numpy()
    images, labels = x[:24].cpu().numpy()[:, 0], y[:24].cpu().numpy()
    plt = pyplot()
    fig, axes = plt.subplots(3, 8, figsize=(12, 5))
    for ax, im, p, t in zip(axes.ravel(), images, pred, labels):
        ax.imshow(im, cmap="gray_r")
        ax.set_title(f"pred {p}" + ("" if p == t else f" (true {t})"), color="black" if p == t else "red",
                     fontsize=9)
        ax.axis("off")
    fig.suptitle(f"LeNet on {data} ({images.shape[1]}x{images.shape[2]} inputs): predictions on the "
                 "first 24 test images (red: wrong)")
    save_figure(fig, run, filename)


# %% [markdown]
# ## Part 2: hand-made filters
#
# A convolution slides one small filter over the image and takes a weighted sum at every
# position. A 7x7 filter holding a vertical line of ones adds up 7 pixels above one another:
# it responds to vertical lines; its transpose to horizontal ones.

# %%
def photograph():
    """A grayscale photograph in [0, 1] (scikit-learn ships two sample images; no download)."""
    from sklearn.datasets import load_sample_image     # here: scikit-learn is slow to import
    image = load_sample_image("china.jpg").astype(np.float32).mean(axis=2) / 255.0
    return image[::2, ::2]      # 214 x 320: half size keeps the plot readable


def part_filters(run):
    """Two hand-made 7x7 filters (a vertical and a horizontal line of ones) applied to a
    photograph with F.conv2d."""
    image = photograph()
    filters = np.zeros((2, 1, 7, 7), dtype=np.float32)
    filters[0, 0, :, 3] = 1.0          # a vertical line of ones: responds to vertical lines
    filters[1, 0, 3, :] = 1.0          # a horizontal line of ones: responds to horizontal lines
    x = mg.tensor(image[None, None])   # (N=1, C=1, H, W)
    with mg.no_grad():
        maps = F.conv2d(x, mg.tensor(filters), padding="same").numpy()[0]
    print(f"   image {image.shape}, filters {filters.shape} -> feature maps {maps.shape} (padding 'same')")
    plt = pyplot()
    fig, axes = plt.subplots(1, 5, figsize=(18, 3.6), gridspec_kw={"width_ratios": [4, 1, 4, 1, 4]})
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("input (grayscale)")
    for k, (name, ax_f, ax_m) in enumerate([("vertical", axes[1], axes[2]), ("horizontal", axes[3], axes[4])]):
        ax_f.imshow(filters[k, 0], cmap="gray", vmin=0, vmax=1)
        ax_f.set_title(f"{name}\n7x7 filter")
        ax_m.imshow(maps[k], cmap="gray")
        ax_m.set_title(f"feature map: {name} lines stand out")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    save_figure(fig, run, "filters.png")
    return {}


# %% [markdown]
# ## Part 3: padding, stride, and counting parameters
#
# 'valid' padding (none) shrinks the output by k - 1; 'same' pads so that the output keeps the
# input's size; stride 2 takes every second position and halves height and width. Each filter
# has k_h * k_w * C_in weights and one bias, so a layer has (k_h * k_w * C_in + 1) * C_out.

# %%
def conv_params(k_h, k_w, c_in, c_out):
    """The notes' formula: each of the C_out filters has k_h * k_w * C_in weights and one bias."""
    return (k_h * k_w * c_in + 1) * c_out


def keras_cnn():
    """The notes' Keras CNN for 28x28x1 images, every convolution with 'same' padding."""
    return nn.Sequential(
        nn.Conv2d(1, 64, 7, padding="same"), nn.ReLU(), nn.MaxPool2d(2),          # 28 -> 14
        nn.Conv2d(64, 128, 3, padding="same"), nn.ReLU(),
        nn.Conv2d(128, 128, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),       # 14 -> 7
        nn.Conv2d(128, 256, 3, padding="same"), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),       # 7 -> 3
        nn.Flatten(),                                                             # 3 * 3 * 256 = 2304
        nn.Linear(2304, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(64, 10))


def part_padding(run):
    """'valid' vs 'same' padding, stride 1 vs 2, the parameter-count formula, and the notes'
    Keras CNN (1,413,834 parameters)."""
    x = mg.randn(1, 1, 28, 28)
    print("   a 5x5 convolution of a 28x28 image:")
    shapes = {}
    for padding in ("valid", "same"):
        for stride in (1, 2):
            if padding == "same" and stride == 2:
                # PyTorch (and minigrad) accept 'same' only with stride 1; Keras pads so the
                # output is ceil(28 / 2) = 14: the same as padding 2 with stride 2.
                conv, label = nn.Conv2d(1, 1, 5, stride=2, padding=2), "padding=2 ('same' in Keras)"
            else:
                conv, label = nn.Conv2d(1, 1, 5, stride=stride, padding=padding), f"padding='{padding}'"
            with mg.no_grad():
                shapes[(padding, stride)] = tuple(conv(x).shape[2:])
            print(f"     {label:<28} stride {stride}: output {shapes[(padding, stride)]}")
    assert shapes[("valid", 1)] == (24, 24) and shapes[("same", 1)] == (28, 28)
    assert shapes[("same", 2)] == (14, 14)          # stride 2 halves height and width
    for layer, (kh, kw, ci, co) in {"conv 6@5x5 on 1 channel": (5, 5, 1, 6),
                                    "conv 16@5x5 on 6 channels": (5, 5, 6, 16),
                                    "conv 64@7x7 on 1 channel": (7, 7, 1, 64)}.items():
        counted = sum(p.numel() for p in nn.Conv2d(ci, co, (kh, kw)).parameters())
        print(f"   {layer}: (k_h*k_w*C_in + 1)*C_out = ({kh}*{kw}*{ci} + 1)*{co} = "
              f"{conv_params(kh, kw, ci, co)}; the layer has {counted}")
    print("   the notes' Keras CNN on 28x28x1:")
    s = summary(keras_cnn(), (1, 28, 28))
    _plot_padding(run, x)
    return {"params_keras_cnn": int(s.total_params)}


def _plot_padding(run, x):
    """How big the output is, drawn to scale, for valid/same and stride 1/2."""
    digit = digits_32x32("cpu")[0][:1, :, 2:30, 2:30]          # one 28x28 digit
    kernel = mg.ones(1, 1, 5, 5) / 25                          # a 5x5 blur, to see the content
    plt = pyplot()
    fig, axes = plt.subplots(1, 5, figsize=(16, 3.4))
    axes[0].imshow(digit.numpy()[0, 0], cmap="gray_r", extent=(0, 28, 28, 0))
    axes[0].set_title("input 28x28")
    configs = [("valid", 1, 0), ("same", 1, 2), ("valid", 2, 0), ("same", 2, 2)]
    with mg.no_grad():
        for ax, (name, stride, pad) in zip(axes[1:], configs):
            out = F.conv2d(digit, kernel, stride=stride, padding=pad).numpy()[0, 0]
            ax.imshow(out, cmap="gray_r", extent=(0, out.shape[1], out.shape[0], 0))
            ax.set_xlim(0, 28)
            ax.set_ylim(28, 0)
            ax.set_title(f"5x5, '{name}', stride {stride}: {out.shape[0]}x{out.shape[1]}")
    for ax in axes:
        ax.set_xlabel("pixels (the same scale in every panel)", fontsize=8)
    fig.suptitle("a 5x5 blur of a 28x28 digit, outputs drawn to the same scale: 'valid' shrinks by "
                 "k - 1 = 4, 'same' keeps 28, stride 2 halves")
    save_figure(fig, run, "padding_stride.png")


# %% [markdown]
# ## Part 4: pooling and the receptive field
#
# Pooling summarises each window by one number: its largest value (max pooling) or its mean
# (average pooling); global average pooling keeps one number per channel. The receptive field of
# a unit is the set of input pixels that can change it: it grows with every convolution and
# pooling. Autograd measures it: the gradient of one output unit w.r.t. the input is non-zero
# exactly on its receptive field.

# %%
def receptive_field(model, input_size, at):
    """The input pixels that can change output unit ``at`` of ``model``: the non-zero pattern of
    the gradient of that one unit w.r.t. the input. Returns a boolean (H, W) mask."""
    probe = mg.ones(1, *input_size, requires_grad=True)
    out = model(probe)
    out[(0,) + tuple(at)].backward()
    return probe.grad.numpy()[0, 0] != 0


def lenet_window_geometry():
    """LeNet's first four layers with positive weights and average pooling: the same windows
    as LeNet, but no path can cancel or be switched off (a max-pool passes gradient to one
    pixel of its window only), so the gradient reaches every pixel in the receptive field."""
    layers = nn.Sequential(nn.Conv2d(1, 6, 5), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.AvgPool2d(2))
    with mg.no_grad():
        for p in layers.parameters():
            p.fill_(0.1)
    return layers


def part_pooling(run):
    """Max vs average pooling, global average pooling, and LeNet's receptive field measured
    with autograd."""
    image = mg.tensor(photograph()[None, None])
    with mg.no_grad():
        pooled = {"max_pool2d(4)": F.max_pool2d(image, 4), "avg_pool2d(4)": F.avg_pool2d(image, 4)}
        gap = F.adaptive_avg_pool2d(image, 1)
    print(f"   image {tuple(image.shape)} -> max/avg pooling 4x4: {tuple(pooled['max_pool2d(4)'].shape)}; "
          f"global average pooling: {tuple(gap.shape)} = mean {gap.item():.4f} "
          f"(image mean {image.mean().item():.4f})")
    # The receptive field grows with depth: LeNet's layers, the central unit of each output.
    stack = lenet_window_geometry()
    fields = {}
    for depth, name in [(1, "conv1 (5x5)"), (2, "conv1+pool"), (3, "+conv2 (5x5)"), (4, "+pool")]:
        sub = stack[:depth]
        with mg.no_grad():
            out_hw = sub(mg.zeros(1, 1, 32, 32)).shape[2:]
        fields[name] = receptive_field(sub, (1, 32, 32), (0, out_hw[0] // 2, out_hw[1] // 2))
    sizes = {name: (int(m.any(1).sum()), int(m.any(0).sum())) for name, m in fields.items()}
    for name, (h, w) in sizes.items():
        print(f"   receptive field after {name:<14}: {h}x{w} input pixels")
    _plot_pooling(run, image, pooled, gap, fields, sizes)
    assert sizes["conv1 (5x5)"] == (5, 5) and sizes["conv1+pool"] == (6, 6)
    assert sizes["+conv2 (5x5)"] == (14, 14) and sizes["+pool"] == (16, 16)
    return {}


def _plot_pooling(run, image, pooled, gap, fields, sizes):
    plt = pyplot()
    fig, axes = plt.subplots(2, 4, figsize=(16, 8))
    axes[0, 0].imshow(image.numpy()[0, 0], cmap="gray", vmin=0, vmax=1)
    axes[0, 0].set_title(f"input {image.shape[2]}x{image.shape[3]}")
    what = {"max_pool2d(4)": "the largest pixel of each 4x4", "avg_pool2d(4)": "the mean of each 4x4"}
    for ax, (name, out) in zip(axes[0, 1:3], pooled.items()):
        ax.imshow(out.numpy()[0, 0], cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{name}: {out.shape[2]}x{out.shape[3]}\n{what[name]}")
    axes[0, 3].imshow(gap.numpy()[0, 0], cmap="gray", vmin=0, vmax=1)
    axes[0, 3].text(0, 0, f"{gap.item():.3f}", ha="center", va="center", fontsize=14,
                    color="white" if gap.item() < 0.5 else "black")
    axes[0, 3].set_title("adaptive_avg_pool2d(1): 1x1\none number per channel: the mean")
    for ax in axes[0]:
        ax.axis("off")
    for ax, (name, mask) in zip(axes[1], fields.items()):
        ax.imshow(mask, cmap="Blues", vmin=0, vmax=1)
        ax.set_title(f"after {name}:\nreceptive field {sizes[name][0]}x{sizes[name][1]}")
        ax.set_xticks(range(0, 32, 4))
        ax.set_yticks(range(0, 32, 4))
        ax.set(xlabel="input column", ylabel="input row")
        ax.grid(alpha=0.3)
    fig.suptitle("top: max vs average vs global average pooling of a photograph; bottom: the input "
                 "pixels (of 32x32) that reach the central unit of LeNet's layers (from the gradient)")
    fig.subplots_adjust(hspace=0.35, wspace=0.3)
    save_figure(fig, run, "pooling_receptive_field.png")


# %% [markdown]
# ## Part 5: interop -- LeNet as safetensors (into PyTorch) and as ONNX (into an ONNX runtime)
#
# minigrad's parameter names are PyTorch's ("0.weight", "0.bias", ... in a Sequential), so a state
# dict saved as safetensors loads unchanged into the same model written with torch.nn; and the
# ONNX file (the layers as Conv, MaxPool, Gemm ... nodes, the weights as initializers) runs in any
# ONNX runtime. Each must predict what minigrad predicts.

# %%
def torch_lenet(torch):
    """LeNet in torch.nn, layer for layer as ``lenet()``: the state dict keys are the same."""
    tnn = torch.nn
    return tnn.Sequential(
        tnn.Conv2d(1, 6, kernel_size=5), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, kernel_size=5), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Flatten(),
        tnn.Linear(400, 120), tnn.ReLU(),
        tnn.Linear(120, 84), tnn.ReLU(),
        tnn.Linear(84, 10))


def _compare(name, logits, ours):
    """How far another runtime's logits are from minigrad's, printed and as metrics."""
    agree = int((logits.argmax(1) == ours.argmax(1)).sum())
    diff = float(np.abs(logits - ours).max())
    print(f"   {name}: the same prediction on {agree} of {len(ours)} test images, largest logit "
          f"difference {diff:.1e}")
    return agree, diff


def part_interop(run):
    """LeNet's weights as safetensors, loaded into the same LeNet in PyTorch, and LeNet as ONNX,
    run by onnxruntime: the same predictions as minigrad's."""
    x_tr, y_tr, x_te, y_te = digits_32x32(run.device)
    mg.manual_seed(run.seed)
    model = lenet().to(run.device)
    train_classifier(model, optim.Adam(model.parameters(), lr=3e-3), x_tr, y_tr, run.epochs_or(3), 32,
                     run.seed, "LeNet (for interop)")
    model.eval()
    with mg.no_grad():
        ours = model(x_te).cpu().numpy()
    images = x_te.cpu().numpy()
    acc = float((ours.argmax(1) == y_te.cpu().numpy()).mean())
    print(f"   LeNet test accuracy {acc:.4f}")
    metrics = {"interop_test_accuracy": acc}

    weights = run.path("lenet.safetensors")
    mg.save(model.state_dict(), weights)                      # the suffix picks safetensors
    print(f"   the state dict as safetensors: {os.path.getsize(weights):,} bytes")
    again = lenet().to(run.device).eval()
    again.load_state_dict(mg.load(weights))
    with mg.no_grad():
        assert np.array_equal(again(x_te).cpu().numpy(), ours), "the safetensors round trip changed LeNet"
    try:
        import safetensors.torch
        import torch
    except ImportError:
        print("   PyTorch or safetensors is not installed. To check the weights in PyTorch: pip install "
              "torch safetensors,\n   then net = lessons.cnn.torch_lenet(torch); "
              f"net.load_state_dict(safetensors.torch.load_file({weights!r}))")
    else:
        net = torch_lenet(torch).eval()
        net.load_state_dict(safetensors.torch.load_file(weights))
        with torch.no_grad():
            theirs = net(torch.from_numpy(images)).numpy()
        metrics["interop_torch_agree"], metrics["interop_torch_max_logit_diff"] = _compare(
            "PyTorch's LeNet with these weights", theirs, ours)

    try:
        import onnx  # noqa: F401
    except ImportError:
        print("   onnx is not installed: pip install onnx (or minigrad[interop]) to export LeNet to ONNX")
        return metrics
    exported = run.path("lenet.onnx")
    mg.onnx.export(model, x_te[:1], exported, input_names=["image"], output_names=["logits"],
                   dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    print(f"   the model as ONNX: {os.path.getsize(exported):,} bytes")
    try:
        import onnxruntime
    except ImportError:
        from onnx.reference import ReferenceEvaluator
        runner, theirs = "onnx.reference", ReferenceEvaluator(exported).run(None, {"image": images})[0]
    else:
        session = onnxruntime.InferenceSession(exported, providers=["CPUExecutionProvider"])
        runner, theirs = "onnxruntime", session.run(None, {"image": images})[0]
    metrics["interop_onnx_agree"], metrics["interop_onnx_max_logit_diff"] = _compare(
        f"the ONNX file run by {runner}", theirs, ours)
    return metrics


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"lenet": part_lenet, "filters": part_filters, "padding": part_padding, "pooling": part_pooling,
         "interop": part_interop}


def add_options(parser):
    parser.add_argument("--data", choices=("digits", "fashion-mnist"), default="digits",
                        help="LeNet's data: scikit-learn's digits (default) or Fashion-MNIST IDX files")
    parser.add_argument("--data-dir", default=None,
                        help="folder with Fashion-MNIST's four IDX files (default: Debian's "
                             "dataset-fashion-mnist location)")
    parser.add_argument("--fashion-train", type=int, default=None,
                        help="how many Fashion-MNIST training images to use (default 20000)")


def tiny_model_check(device="cpu"):
    """Gradcheck a tiny LeNet-shaped CNN (conv, ReLU, max-pool, conv, avg-pool, linear) on 12x12
    inputs over every parameter, float64, on ``device``."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(2, 3, 3, padding=1),
                          nn.AvgPool2d(2), nn.Flatten(), nn.Linear(12, 3)).to(device)
    x = mg.randn(2, 1, 12, 12, dtype=mg.float64).to(device)
    y = mg.tensor([0, 2], device=device)
    return parameters_check(lambda: F.cross_entropy(model(x), y), model)


def main(argv=None):
    return lesson_main(NAME, PARTS, argv, extra=add_options)


if __name__ == "__main__":
    sys.exit(main())
