"""Lesson: semantic segmentation -- a class for every pixel, with an FCN and a U-Net.

Run it: ``minigrad lesson segmentation`` (all parts), or ``--part unet`` ... Parts, in reading
order:

1. ``data``        -- the images the lesson draws itself: one to three shapes (circle, square,
                      triangle) in random colours on a noisy background, and the mask that gives
                      each pixel its class (4 classes with the background);
2. ``upsampling``  -- the two ways back up to the input's resolution: interpolation
                      (``F.interpolate``, nearest or bilinear: no parameters) and the transposed
                      convolution (``ConvTranspose2d``: learned), which is the adjoint of a
                      convolution -- checked to rounding error;
3. ``fcn``         -- a fully convolutional network: a down-sampling encoder, a ConvTranspose2d
                      decoder, no skips; per-class IoU and mean IoU on 500 held-out images;
4. ``unet``        -- the same network with U-Net's skip concatenations: the decoder sees the
                      encoder's full-resolution features (mean IoU >= 0.90);
5. ``boundaries``  -- both networks' predictions side by side, and their accuracy on the pixels
                      next to a shape's edge, where the skips make the difference.
"""
# %%
from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.utils import summary
from minigrad.utils.lesson import lesson_main

from lessons.common import as_tensors, fit, loader, parameters_check, predict_classes, pyplot, save_figure

NAME = "segmentation"
SUMMARY = ("semantic segmentation of drawn shapes: interpolation vs transposed convolution, an FCN "
           "and a U-Net scored by per-class IoU, the skips' gain at the boundaries")

# %% [markdown]
# ## The data: shapes the lesson draws itself
#
# Segmentation asks which pixels show which object. The notes' data sets (Pascal VOC, COCO,
# Cityscapes) are far too big for a CPU lesson, so the lesson draws its own: 32x32 colour images,
# each with one to three shapes -- a circle, an axis-aligned square or an upright triangle, 8 to
# 16 pixels across -- in random colours at random places on a background of another random colour,
# and Gaussian noise over everything. The label is a mask of the same size: 0 for the background,
# 1 circle, 2 square, 3 triangle. Colour says nothing about the class: a network must look at a
# shape's outline, which is larger than any 3x3 filter. Shapes do not touch (each keeps a pixel of
# background around it), so every mask is exactly what was drawn. A fixed seed draws the 500 test
# images and another the training images: ``--seed`` changes the training, not the data.

# %%
CLASSES = ("background", "circle", "square", "triangle")
IMAGE_SIZE = 32
TRAIN_SIZE = 4000
TEST_SIZE = 500
TRAIN_DATA_SEED, TEST_DATA_SEED = 1, 2
NOISE_STD = 0.08
MIN_CONTRAST = 0.35         # a shape's colour differs from the background by this much in some channel


def shape_mask(kind, cx, cy, r, size=IMAGE_SIZE):
    """The pixels (boolean, size x size) a shape of class ``kind`` (1 circle, 2 square,
    3 triangle) with centre (cx, cy) and radius ``r`` covers: a pixel belongs to the shape when
    its centre lies inside it."""
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    if kind == 1:
        return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    if kind == 2:
        half = 0.85 * r                    # about the circle's area
        return (np.abs(xx - cx) <= half) & (np.abs(yy - cy) <= half)
    if kind == 3:
        top = cy - r                       # apex at the top, base 2r wide at the bottom
        return (yy >= top) & (yy <= cy + r) & (np.abs(xx - cx) <= (yy - top) / 2)
    raise ValueError(f"shape_mask: kind must be 1 (circle), 2 (square) or 3 (triangle), got {kind}")


def _grown(mask):
    """``mask`` grown by one pixel in each of the 8 directions."""
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    rows = out.copy()
    out[:, 1:] |= rows[:, :-1]
    out[:, :-1] |= rows[:, 1:]
    return out


def draw_shapes(n, seed, size=IMAGE_SIZE, noise_std=NOISE_STD):
    """``n`` images with their masks, drawn by a NumPy generator seeded with ``seed``.

    Returns ``(images, masks)``: float32 (n, 3, size, size) in [0, 1] and int64 (n, size, size)
    with values 0 (background), 1 (circle), 2 (square), 3 (triangle). Each image has one to
    three shapes of radius 4 to 8 pixels, none touching another.
    """
    rng = np.random.default_rng(seed)
    images = np.empty((n, 3, size, size), np.float32)
    masks = np.zeros((n, size, size), np.int64)
    for i in range(n):
        background = rng.uniform(0, 1, 3)
        image = np.broadcast_to(background[:, None, None], (3, size, size)).copy()
        for _ in range(rng.integers(1, 4)):
            for _attempt in range(30):          # a free place: nothing drawn within a pixel of it
                kind, r = int(rng.integers(1, 4)), rng.uniform(4, 8)
                cx, cy = rng.uniform(r, size - r, 2)
                pixels = shape_mask(kind, cx, cy, r, size)
                if not masks[i][_grown(pixels)].any():
                    break
            else:
                continue
            while True:
                colour = rng.uniform(0, 1, 3)
                if np.abs(colour - background).max() >= MIN_CONTRAST:
                    break
            image[:, pixels] = colour[:, None]
            masks[i][pixels] = kind
        images[i] = np.clip(image + rng.normal(0, noise_std, image.shape), 0, 1)
    return images, masks


def lesson_data(run, train_size=None):
    """(x_train, y_train, x_test, y_test) as tensors on the run's device: the drawn images,
    standardised per channel with the training set's statistics, and their masks."""
    x_tr, y_tr = draw_shapes(train_size or run.options.get("train_size") or TRAIN_SIZE, TRAIN_DATA_SEED)
    x_te, y_te = draw_shapes(TEST_SIZE, TEST_DATA_SEED)
    mean = x_tr.mean(axis=(0, 2, 3), keepdims=True)
    std = x_tr.std(axis=(0, 2, 3), keepdims=True)
    x_tr, x_te = (((x - mean) / std).astype(np.float32) for x in (x_tr, x_te))
    return as_tensors(x_tr, y_tr, x_te, y_te, device=run.device)


# %% [markdown]
# ## The model: down, then up again
#
# The notes' recipe for semantic segmentation is encoding + decoding. The encoder is a CNN like
# the classifiers before, convolutions and max-pooling: each pooling halves the resolution, which
# cuts the work and lets a 3x3 filter see a larger part of the image -- after two poolings the
# deepest features see 32x32 pixels, a whole shape. A classifier would end in fully connected
# layers; FCN (fully convolutional network) replaces them by 1x1 convolutions, so the output
# stays a map, and up-samples it back to the input's size with transposed convolutions
# (`ConvTranspose2d`, "deconvolution"): the output is one score map per class, and each pixel's
# class is the argmax over the maps.
#
# What the encoder threw away with each pooling -- where exactly an edge was -- the decoder has
# to guess from coarse features. U-Net (for biomedical images) passes the encoder's features at
# each resolution across to the decoder and concatenates them with the up-sampled ones along the
# channels (`mg.cat(..., dim=1)`; the later FCN variants add the encoder's scores instead). The
# two models below are the same network but for those concatenations.
#
# How wide? With 8 channels at full resolution (16 and 32 below) the network is big enough to
# solve the task, but its training often gets stuck: once it tells shapes from background it
# calls every square a circle (or every circle a square) and stays there -- the two differ only
# at the corners, and few of its random starting filters offer features for them. With 8
# channels the U-Net stalled at a mean IoU of 0.35 on seed 1 (0.61-0.64 with twice the steps or a
# 3x larger learning rate: squares and circles still merged) and the FCN at 0.46 on seed 0. 12
# channels (2.25x the parameters, ~1.4x the time) give the U-Net every class on seeds 0-4.

# %%
WIDTH = 12


def conv_bn(c_in, c_out):
    """3x3 conv (no bias: the batch norm has one) -> BatchNorm2d -> ReLU."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


def double_conv(c_in, c_out):
    """Two conv_bn layers: U-Net's unit at every resolution."""
    return nn.Sequential(conv_bn(c_in, c_out), conv_bn(c_out, c_out))


class SegmentationNet(nn.Module):
    """Encoder 32x32 -> 16x16 -> 8x8 (double convs and 2x2 max-pooling, ``width``, 2x and 4x
    channels), decoder back up by two ``ConvTranspose2d(kernel_size=2, stride=2)``, each followed
    by a double conv, and a 1x1 conv to the class scores. With ``skip`` (U-Net) the decoder's
    double convs take the up-sampled features concatenated with the encoder's at the same
    resolution; without (FCN) only the up-sampled ones."""

    def __init__(self, skip, width=WIDTH, in_channels=3, classes=len(CLASSES)):
        super().__init__()
        w = width
        self.skip = skip
        self.enc1 = double_conv(in_channels, w)
        self.enc2 = double_conv(w, 2 * w)
        self.bottom = double_conv(2 * w, 4 * w)
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, kernel_size=2, stride=2)
        self.dec2 = double_conv(4 * w if skip else 2 * w, 2 * w)
        self.up1 = nn.ConvTranspose2d(2 * w, w, kernel_size=2, stride=2)
        self.dec1 = double_conv(2 * w if skip else w, w)
        self.classify = nn.Conv2d(w, classes, kernel_size=1)

    def forward(self, x):
        e1 = self.enc1(x)                                   # full resolution
        e2 = self.enc2(F.max_pool2d(e1, 2))                 # 1/2
        b = self.bottom(F.max_pool2d(e2, 2))                # 1/4
        d2 = self.up2(b)                                    # back to 1/2
        d2 = self.dec2(mg.cat([d2, e2], dim=1) if self.skip else d2)
        d1 = self.up1(d2)                                   # back to full resolution
        d1 = self.dec1(mg.cat([d1, e1], dim=1) if self.skip else d1)
        return self.classify(d1)                            # (N, classes, H, W) scores


def fcn(width=WIDTH):
    return SegmentationNet(skip=False, width=width)


def unet(width=WIDTH):
    return SegmentationNet(skip=True, width=width)


MODELS = {"fcn": fcn, "unet": unet}

# %% [markdown]
# ## The loss, the metric and the training loop
#
# Every pixel is a classification: `F.cross_entropy` takes the (N, 4, H, W) scores and the
# (N, H, W) masks and averages over all pixels. The notes' metrics are pixel accuracy and mean
# intersection over union: for class c, IoU = TP / (TP + FP + FN), counted over all pixels of the
# test set -- the pixels both truth and prediction call c, over those either calls c. Pixel
# accuracy flatters a model on data that is mostly background (here about 82% of the pixels: a
# network that answers "background" everywhere scores 0.82), IoU does not (it scores 0 on every
# shape class). Training: Adam with a one-cycle schedule (up to 3e-3 and annealed to ~0),
# batches of 32, reshuffled every epoch (`lessons.common.fit`).

# %%
EPOCHS = 4
BATCH_SIZE = 32
LR = 3e-3


def confusion_matrix(pred, target, classes=len(CLASSES)):
    """counts[t, p]: how many pixels of true class t were predicted p (NumPy int64)."""
    pred, target = np.asarray(pred).ravel(), np.asarray(target).ravel()
    return np.bincount(classes * target + pred, minlength=classes * classes).reshape(classes, classes)


def iou_per_class(counts):
    """IoU of each class from a confusion matrix: TP / (TP + FP + FN); NaN for a class that
    neither the truth nor the prediction contains."""
    tp = np.diag(counts).astype(np.float64)
    union = counts.sum(axis=0) + counts.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / np.maximum(union, 1), np.nan)


def train_model(name, run, x, y):
    """Train a fresh ``name`` model (seeded by ``--seed``) on (x, y); returns (model, history)."""
    epochs = run.epochs_or(EPOCHS)
    mg.manual_seed(run.seed)
    model = MODELS[name](run.options.get("width") or WIDTH).to(run.device)
    batches = loader(x, y, BATCH_SIZE, run.seed)
    optimizer = optim.Adam(model.parameters(), lr=LR)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=LR, total_steps=epochs * len(batches))
    history = fit(model, optimizer, batches, epochs, f"{name} ({x.shape[0]:,} images)", scheduler=scheduler)
    return model, history


_TRAINED = {}


def trained(run, name):
    """The data and the trained ``name`` model of this run (trained once per seed, device and
    settings: the boundaries part reuses what the fcn and unet parts trained)."""
    key = (name, run.seed, run.device, run.epochs, run.options.get("train_size"), run.options.get("width"))
    if key not in _TRAINED:
        x_tr, y_tr, x_te, y_te = lesson_data(run)
        model, history = train_model(name, run, x_tr, y_tr)
        pred = predict_classes(model, x_te, batch_size=100)
        _TRAINED[key] = (model, history, pred, y_te.cpu().numpy(), x_te)
    return _TRAINED[key]


# %% [markdown]
# ## Part 1: the data
#
# A grid of drawn images with their masks, and how the pixels split among the classes.

# %%
def part_data(run):
    """The drawn images with their masks (4 classes with the background) and each class's share
    of the pixels."""
    images, masks = draw_shapes(16, TEST_DATA_SEED)
    _, train_masks = draw_shapes(run.options.get("train_size") or TRAIN_SIZE, TRAIN_DATA_SEED)
    fractions = np.bincount(train_masks.ravel(), minlength=len(CLASSES)) / train_masks.size
    shapes_per_image = [len({int(c) for c in np.unique(m)} - {0}) for m in train_masks]
    print(f"   {len(train_masks):,} training and {TEST_SIZE} test images, {IMAGE_SIZE}x{IMAGE_SIZE} RGB; pixels: "
          + ", ".join(f"{c} {f:.3f}" for c, f in zip(CLASSES, fractions)))
    print(f"   shape classes per image: " + ", ".join(
        f"{k}: {shapes_per_image.count(k)}" for k in sorted(set(shapes_per_image))))
    _plot_data(run, images, masks)
    return {f"pixel_fraction_{c}": float(f) for c, f in zip(CLASSES, fractions)}


# The masks' colours: background dark grey, circle red, square green, triangle blue.
MASK_COLOURS = np.array([[0.15, 0.15, 0.15], [0.9, 0.2, 0.2], [0.2, 0.8, 0.2], [0.25, 0.4, 1.0]])


def _legend(ax):
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=MASK_COLOURS[i], label=c) for i, c in enumerate(CLASSES)],
              loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=len(CLASSES), fontsize=9, frameon=False)


def _plot_data(run, images, masks):
    plt = pyplot()
    n = len(images)
    fig, axes = plt.subplots(4, n // 2, figsize=(1.5 * (n // 2), 6.4))
    for k in range(n):
        row, col = 2 * (k // (n // 2)), k % (n // 2)
        axes[row, col].imshow(images[k].transpose(1, 2, 0), interpolation="nearest")
        axes[row + 1, col].imshow(MASK_COLOURS[masks[k]], interpolation="nearest")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    for row, label in enumerate(("image", "mask", "image", "mask")):
        axes[row, 0].set_ylabel(label)
    _legend(axes[-1, (n // 2) // 2])
    fig.suptitle(f"the lesson's data: {IMAGE_SIZE}x{IMAGE_SIZE} images and their per-pixel classes "
                 "(colour says nothing; the outline does)")
    save_figure(fig, run, "data.png")


# %% [markdown]
# ## Part 2: up-sampling, two ways
#
# The notes list two up-sampling layers. **Interpolation** resizes like an image viewer:
# `F.interpolate(x, scale_factor=2, mode="nearest")` repeats each pixel, `mode="bilinear"` blends
# the four nearest ones; nothing is learned. **Transposed convolution** (`ConvTranspose2d`) is
# learned: each input pixel scatters a copy of the kernel, scaled by its value, onto the output,
# `stride` pixels apart, and the overlaps add up; the output is (H - 1) * stride - 2 * padding +
# kernel_size pixels tall. Its name says what it is: the transpose (adjoint) of a convolution with
# the same weights -- what backpropagation through that convolution computes. So for any x and y,
# <conv(x), y> = <x, conv_transpose(y)>, and with a 2x2 kernel of ones and stride 2 it repeats
# each pixel: nearest interpolation.

# %%
def part_upsampling(run):
    """F.interpolate (nearest, bilinear) and ConvTranspose2d on a tiny map; the transposed
    convolution is the adjoint of the convolution: <conv(x), y> = <x, conv_transpose(y)>."""
    mg.manual_seed(run.seed)
    small = mg.tensor(np.array([[0, 1, 0, 0], [1, 1, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], np.float32)[None, None],
                      device=run.device)
    nearest = F.interpolate(small, scale_factor=2, mode="nearest")
    bilinear = F.interpolate(small, scale_factor=2, mode="bilinear", align_corners=False)
    ones = nn.ConvTranspose2d(1, 1, kernel_size=2, stride=2, bias=False).to(run.device)
    learned = nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1, bias=False).to(run.device)
    with mg.no_grad():
        ones.weight.fill_(1.0)
        as_nearest = ones(small)
        scattered = learned(small)
    nearest_gap = float((as_nearest - nearest).abs().max().item())
    print(f"   4x4 -> nearest {tuple(nearest.shape[2:])}, bilinear {tuple(bilinear.shape[2:])}, "
          f"ConvTranspose2d(k=3, s=2, p=1, output_padding=1) {tuple(scattered.shape[2:])}")
    print(f"   ConvTranspose2d(k=2, s=2) with a kernel of ones vs nearest: max |difference| {nearest_gap:.1e}")

    x = mg.randn(2, 3, 9, 9, dtype=mg.float64, device=run.device)
    weight = mg.randn(5, 3, 3, 3, dtype=mg.float64, device=run.device)
    y = mg.randn(2, 5, 5, 5, dtype=mg.float64, device=run.device)
    left = float((F.conv2d(x, weight, stride=2, padding=1) * y).sum().item())
    right = float((x * F.conv_transpose2d(y, weight, stride=2, padding=1)).sum().item())
    adjoint_gap = abs(left - right) / abs(left)
    print(f"   <conv2d(x), y> = {left:.10f}, <x, conv_transpose2d(y)> = {right:.10f}: relative gap {adjoint_gap:.1e}")
    sizes = {k: [(h - 1) * 2 - 2 * p + k for h in (4, 8, 16)] for k, p in ((2, 0), (4, 1))}
    print("   output size (H - 1) * stride - 2 * padding + kernel_size at stride 2: "
          + "; ".join(f"kernel {k}, padding {p}: 4, 8, 16 -> {', '.join(map(str, sizes[k]))}"
                      for k, p in ((2, 0), (4, 1))))
    panels = {"input 4x4": small, "F.interpolate nearest": nearest, "F.interpolate bilinear": bilinear,
              "ConvTranspose2d k=2 s=2\nkernel of ones": as_nearest,
              "ConvTranspose2d k=3 s=2\nrandom kernel (learnable)": scattered}
    _plot_upsampling(run, {k: v.detach().cpu().numpy()[0, 0] for k, v in panels.items()})
    return {"transpose_adjoint_rel_gap": adjoint_gap, "transpose_ones_vs_nearest_max_abs_diff": nearest_gap}


def _plot_upsampling(run, panels):
    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(3.0 * len(panels), 3.4))
    for ax, (title, image) in zip(axes, panels.items()):
        shown = ax.imshow(image, cmap="viridis", interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(f"{image.shape[1]} columns", fontsize=8)
        ax.set_ylabel(f"{image.shape[0]} rows", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    fig.suptitle("up-sampling a 4x4 map to 8x8: interpolation (fixed) and transposed convolution (learned)")
    fig.tight_layout()
    save_figure(fig, run, "upsampling.png")


# %% [markdown]
# ## Part 3: the FCN
#
# Encoder, bottleneck at 8x8, two transposed convolutions back to 32x32, no skips. The per-class
# IoU on the 500 test images says how well it does on each shape; the boundaries part shows
# where its errors are.

# %%
def _report(name, run):
    model, history, pred, truth, _ = trained(run, name)
    ious = iou_per_class(confusion_matrix(pred, truth))
    params = summary(model, (3, IMAGE_SIZE, IMAGE_SIZE), print_fn=None).trainable_params
    accuracy = float((pred == truth).mean())
    print(f"   {name}: {params:,} parameters; training loss by epoch "
          + " ".join(f"{v:.4f}" for v in history["train loss"]))
    print(f"   {name}: IoU on {TEST_SIZE} test images: " + ", ".join(f"{c} {v:.4f}" for c, v in zip(CLASSES, ious))
          + f"; mean IoU {np.nanmean(ious):.4f}; pixel accuracy {accuracy:.4f}")
    metrics = {f"{name}_mean_iou": float(np.nanmean(ious)), f"{name}_pixel_accuracy": accuracy,
               f"{name}_params": int(params)}
    metrics.update({f"{name}_iou_{c}": float(v) for c, v in zip(CLASSES, ious)})
    return metrics


def part_fcn(run):
    """The FCN (encoder, ConvTranspose2d decoder, no skips): per-class IoU and mean IoU on 500
    held-out images."""
    return _report("fcn", run)


# %% [markdown]
# ## Part 4: the U-Net
#
# The same network, the same data, epochs and seed; only the decoder's inputs change: at 16x16
# and at 32x32 the up-sampled features are concatenated with the encoder's, which doubles the
# channels the decoder's first conv of each stage reads (and its parameters). Measured on seeds
# 0-4: the U-Net's mean IoU is 0.983-0.991, the FCN's 0.966-0.981 on four seeds -- and 0.72 on
# seed 4, where it never learns the triangles (one seed: a hint that the skips also keep the
# training from stalling, besides the sharper edges of the next part).

# %%
def part_unet(run):
    """The U-Net (the FCN with skip concatenations): per-class IoU and mean IoU on 500
    held-out images (bar: mean IoU >= 0.90)."""
    return _report("unet", run)


# %% [markdown]
# ## Part 5: where the skips help -- the boundaries
#
# Both networks find the shapes; they differ at the edges. A pixel is on a boundary when one of
# its 8 neighbours has another class; about a third of a small shape's pixels are. The FCN has to
# place the edges from 8x8 features, the U-Net also reads the full-resolution ones. Measured on
# seeds 0-4: away from the edges both are right on 99.95-99.99% of the pixels (where the FCN
# learned every class); on the boundary pixels the FCN is wrong on 2.5-4.1%, the U-Net on
# 1.2-1.9% -- the skips halve the errors at the edges. The figure shows test images, their masks,
# both predictions and where each is wrong.

# %%
def boundary_pixels(masks):
    """True where a pixel of ``masks`` (n, H, W) has a neighbour (8-connected) of another class."""
    masks = np.asarray(masks)
    edge = np.zeros(masks.shape, bool)
    padded = np.pad(masks, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = masks.shape[1:]
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            edge |= padded[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w] != masks
    return edge


def part_boundaries(run):
    """Predictions of the FCN and the U-Net side by side; their pixel accuracy on boundary
    pixels and inside the regions."""
    results = {name: trained(run, name) for name in MODELS}
    truth = results["unet"][3]
    edge = boundary_pixels(truth)
    metrics = {}
    print(f"   {edge.mean():.3f} of the test pixels are on a boundary")
    for name, (_, _, pred, _, _) in results.items():
        right = pred == truth
        metrics[f"{name}_boundary_accuracy"] = float(right[edge].mean())
        metrics[f"{name}_interior_accuracy"] = float(right[~edge].mean())
        print(f"   {name}: pixel accuracy on boundaries {metrics[f'{name}_boundary_accuracy']:.4f}, "
              f"elsewhere {metrics[f'{name}_interior_accuracy']:.4f}")
    images, _ = draw_shapes(TEST_SIZE, TEST_DATA_SEED)
    _plot_boundaries(run, images[:8], truth[:8], {n: r[2][:8] for n, r in results.items()}, metrics)
    return metrics


def _plot_boundaries(run, images, truth, preds, metrics):
    plt = pyplot()
    n = len(images)
    rows = [("image", None), ("truth", truth)]
    for name in preds:
        rows += [(f"{name}", preds[name]), (f"{name} wrong", preds[name] != truth)]
    fig, axes = plt.subplots(len(rows), n, figsize=(1.5 * n, 1.55 * len(rows)))
    for r, (label, data) in enumerate(rows):
        for k in range(n):
            ax = axes[r, k]
            if data is None:
                ax.imshow(images[k].transpose(1, 2, 0), interpolation="nearest")
            elif data.dtype == bool:
                ax.imshow(data[k], cmap="Reds", vmin=0, vmax=1, interpolation="nearest")
            else:
                ax.imshow(MASK_COLOURS[data[k]], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, fontsize=9)
    _legend(axes[-1, n // 2])
    fig.suptitle("test images, their masks, each network's prediction and its wrong pixels (red); pixel "
                 f"accuracy on boundaries: fcn {metrics['fcn_boundary_accuracy']:.3f}, "
                 f"unet {metrics['unet_boundary_accuracy']:.3f}", fontsize=10)
    save_figure(fig, run, "boundaries.png")


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"data": part_data, "upsampling": part_upsampling, "fcn": part_fcn, "unet": part_unet,
         "boundaries": part_boundaries}


def add_options(parser):
    parser.add_argument("--train-size", type=int, default=None, metavar="N",
                        help=f"how many training images to draw (default {TRAIN_SIZE:,})")
    parser.add_argument("--width", type=int, default=None, metavar="C",
                        help=f"channels of the first stage (default {WIDTH}; 2x and 4x below it)")


def tiny_model_check(device="cpu"):
    """Gradcheck, in float64 on ``device``, a tiny FCN and a tiny U-Net (width 1, 8x8 input) on
    the per-pixel cross-entropy, w.r.t. every parameter."""
    mg.manual_seed(0)
    x = mg.randn(2, 3, 8, 8, dtype=mg.float64).to(device)
    y = mg.randint(0, len(CLASSES), (2, 8, 8)).to(device)
    worst = 0.0
    for build in MODELS.values():
        model = build(width=1).to(device)
        worst = max(worst, parameters_check(lambda: F.cross_entropy(model(x), y), model))
    return worst


def main(argv=None):
    return lesson_main(NAME, PARTS, argv, extra=add_options)


if __name__ == "__main__":
    sys.exit(main())
