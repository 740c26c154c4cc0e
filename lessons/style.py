"""Lesson: neural style transfer and deep dream -- optimising the image, not the network.

Run it: ``minigrad lesson style`` (all parts), or ``--part transfer`` ... Parts, in reading
order:

1. ``features``  -- the feature network: a VGG-like stack of 3x3 convolutions with random,
                    frozen weights (no pretrained weights exist offline; random filters are
                    known to suffice for textures), its layers' receptive fields, and what each
                    layer sees of a photograph;
2. ``transfer``  -- style transfer as the notes walk through it: content loss on a deep
                    layer's features, style loss on the Gram matrices of several layers, every
                    weight frozen and only the image trainable (style loss down to <= 0.1 of
                    its start, the content kept);
3. ``layers``    -- the notes' remark that low layers give local style: texture from noise
                    with the low layers' Gram matrices alone and with the high layers' alone
                    (with random filters the contrast is not clean: see the part);
4. ``dream``     -- deep dream: cut the network after a feature layer and climb the gradient
                    of the feature norm w.r.t. the input (the norm at least doubles).
"""
# %%
from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.utils import progress_bar, summary
from minigrad.utils.lesson import lesson_main

from lessons.common import parameters_check, pyplot, save_figure

NAME = "style"
SUMMARY = ("neural style transfer (content and Gram-matrix style losses, only the image trainable) "
           "and deep dream on scikit-learn's two photographs, with a frozen random-filter network")

# %% [markdown]
# ## The data: two photographs
#
# scikit-learn ships two photographs with every install (`load_sample_images`): a temple in
# China and a flower, 427x640 pixels each. The content image is the temple, the style image the
# flower. The lesson shrinks both by 5 in each direction (85x128 pixels, each pixel the mean of a
# 5x5 block: `F.avg_pool2d`) so that an optimisation of a few hundred steps runs in a minute or
# two on a CPU.

# %%
SCALE = 5


def photographs(device="cpu", scale=SCALE):
    """(content, style): the temple and the flower as (1, 3, H, W) tensors in [0, 1], shrunk by
    ``scale`` (block means)."""
    from sklearn.datasets import load_sample_images     # here: scikit-learn is slow to import
    images = load_sample_images().images
    out = []
    for image in images:
        h, w = (image.shape[0] // scale) * scale, (image.shape[1] // scale) * scale
        pixels = mg.tensor(image[:h, :w].transpose(2, 0, 1)[None].astype(np.float32) / 255.0, device=device)
        out.append(F.avg_pool2d(pixels, scale))
    return tuple(out)


# %% [markdown]
# ## The model: a frozen feature network
#
# The notes take a VGG network trained on ImageNet, keep its convolutional layers, and read the
# features of some of them (relu1_1, relu2_1, relu2_2, ...). No trained weights can be downloaded
# here, and training a VGG on a million photographs is out of a CPU lesson's reach. The lesson
# uses the same architecture with **random** weights instead: 3x3 convolutions with ReLU in four
# blocks, average pooling between them, He-initialised and then frozen (`requires_grad_(False)`).
# That this is enough for style is a published result: Ustyuzhaninov, Brendel, Gatys and Bethge
# ("What does it take to generate natural textures?", ICLR 2017) synthesise textures from random
# filters at several scales nearly as well as from VGG's, and He, Wang and Hopcroft (NeurIPS
# 2016) transfer style with a random-weight VGG. Gram matrices of random features still measure
# which local patterns occur together; what random filters lack is the trained network's
# knowledge of objects, so the content they keep is the layout and the edges, not "a temple".
# Each pooling halves the resolution, so a deeper layer's unit sees a larger patch of the image.

# %%
BLOCKS = ((16,), (32, 32), (64, 64), (64,))       # the channels of each block's 3x3 convs


class FeatureNet(nn.Module):
    """VGG-like: blocks of 3x3 conv + ReLU, 2x2 average pooling between blocks. ``forward(x)``
    returns a dict layer name -> features (``relu{block}_{conv}``), up to ``last``."""

    def __init__(self, blocks=BLOCKS, in_channels=3):
        super().__init__()
        self.layers = nn.ModuleDict()
        c_in = in_channels
        for b, widths in enumerate(blocks, start=1):
            for k, c_out in enumerate(widths, start=1):
                self.layers[f"relu{b}_{k}"] = nn.Conv2d(c_in, c_out, 3, padding=1, padding_mode="reflect")
                c_in = c_out

    def forward(self, x, last=None):
        features, block = {}, 1
        for name, conv in self.layers.items():
            if int(name[4]) != block:                    # a new block: halve the resolution
                x, block = F.avg_pool2d(x, 2), int(name[4])
            x = F.relu(conv(x))
            features[name] = x
            if name == last:
                break
        return features


def feature_net(seed, device="cpu", blocks=BLOCKS):
    """A FeatureNet with random He-initialised weights (zero biases) drawn from ``seed``, every
    parameter frozen."""
    mg.manual_seed(seed)
    net = FeatureNet(blocks)
    with mg.no_grad():
        for conv in net.layers.values():
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            conv.bias.zero_()
    return net.requires_grad_(False).to(device).eval()


def receptive_field(name, blocks=BLOCKS):
    """How many input pixels across one unit of layer ``name`` sees (3x3 convs, 2x2 pools)."""
    size, step = 1, 1
    for b, widths in enumerate(blocks, start=1):
        if b > 1:
            size, step = size + step, step * 2         # the 2x2 pooling
        for k in range(1, len(widths) + 1):
            size += 2 * step                           # a 3x3 conv
            if f"relu{b}_{k}" == name:
                return size
    raise KeyError(f"receptive_field: no layer {name!r}")


def normalise(image):
    """The network's input: pixels in [0, 1] centred on 0."""
    return image - 0.5


# %% [markdown]
# ## The losses
#
# The notes' cost has two parts. The **content** loss compares the features of one deep layer
# (here relu3_1) of the result and of the content image, element by element. The **style** loss
# compares Gram matrices: for a layer with C channels of H x W features, G = F F^T / (H W), the
# C x C matrix of how strongly every two channels fire together, averaged over all positions --
# where in the image a pattern occurs is gone, which patterns occur together stays. Both are
# written as relative squared errors, ||A - B||^2 / ||B||^2, so that every layer counts alike
# whatever its size, and the style loss is the mean over the style layers.

# %%
CONTENT_LAYER = "relu3_1"
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu2_2", "relu3_1", "relu3_2", "relu4_1")


def gram_matrix(features):
    """(N, C, H, W) features -> (N, C, C) Gram matrices F F^T / (H W)."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


def relative_error(a, target):
    """||a - target||^2 / ||target||^2 (target is a constant)."""
    return ((a - target) ** 2).sum() / (target ** 2).sum()


def content_loss(features, target_features, layer=CONTENT_LAYER):
    return relative_error(features[layer], target_features[layer])


def style_loss(features, target_grams, layers=STYLE_LAYERS):
    return sum(relative_error(gram_matrix(features[name]), target_grams[name]) for name in layers) / len(layers)


# %% [markdown]
# ## The training loop: only the image learns
#
# The notes' steps: take the network, build the graph from the image to the chosen layers, the
# loss from those features; freeze every weight and make only the image trainable; minimise. The
# image is a leaf tensor with `requires_grad=True` and the only thing Adam updates; after each
# step its pixels are clipped back to [0, 1] (in place, outside the graph).

# %%
def optimise_image(image, loss_fn, steps, lr, desc, maximise=False):
    """Adam on the pixels of ``image`` (a copy is optimised, clipped to [0, 1] after each step)
    for ``steps`` steps of ``loss_fn(image) -> (loss, record)``; minimises the loss, or with
    ``maximise`` climbs it. Returns the image and the list of records, one per step."""
    image = image.detach().clone().requires_grad_(True)
    optimizer = optim.Adam([image], lr=lr, maximize=maximise)
    records = []
    bar = progress_bar(range(steps), desc=desc, unit="step")
    for _ in bar:
        loss, record = loss_fn(image)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with mg.no_grad():
            image.clamp_(0.0, 1.0)
        records.append(record)
        bar.set_postfix({k: f"{v:.4g}" for k, v in record.items()})
    return image.detach(), records


# %% [markdown]
# ## Part 1: the feature network
#
# `summary` lists its layers; none of its parameters is trainable. The figure shows a few channels
# of the content photograph's features at each layer: the first layers respond to colour and
# edges pixel by pixel, the deeper ones to larger, coarser patterns.

# %%
def part_features(run):
    """The frozen random-weight feature network: its layers, frozen parameters, receptive fields,
    and a few channels of the photograph's features at each layer."""
    content, style = photographs(run.device)
    net = feature_net(run.seed, run.device)
    stats = summary(net, tuple(content.shape[1:]), print_fn=None)
    frozen = sum(p.numel() for p in net.parameters() if not p.requires_grad)
    print(f"   content {tuple(content.shape[2:])} and style {tuple(style.shape[2:])} pixels (H, W)")
    print(f"   feature network: {stats.trainable_params} trainable, {frozen:,} frozen parameters")
    with mg.no_grad():
        features = net(normalise(content))
    for name, f in features.items():
        print(f"   {name}: {f.shape[1]} channels of {f.shape[2]}x{f.shape[3]}, receptive field "
              f"{receptive_field(name)} pixels, {float((f > 0).float().mean().item()):.2f} of the units active")
    _plot_features(run, content, style, features)
    return {"feature_trainable_params": int(stats.trainable_params), "feature_frozen_params": int(frozen)}


def _as_picture(image):
    return np.clip(image.detach().cpu().numpy()[0].transpose(1, 2, 0), 0, 1)


def _plot_features(run, content, style, features):
    plt = pyplot()
    names = list(features)
    fig, axes = plt.subplots(3, len(names) + 1, figsize=(2.4 * (len(names) + 1), 5.4))
    for row, image, label in ((0, content, "content"), (1, style, "style")):
        axes[row, 0].imshow(_as_picture(image))
        axes[row, 0].set_title(f"{label} image", fontsize=9)
    axes[2, 0].axis("off")
    for col, name in enumerate(names, start=1):
        maps = features[name].cpu().numpy()[0]
        for row in range(3):
            axes[row, col].imshow(maps[row], cmap="magma")
        axes[0, col].set_title(f"{name}: {maps.shape[1]}x{maps.shape[2]}\nreceptive field {receptive_field(name)} px",
                               fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    for row in range(3):
        axes[row, 1].set_ylabel(f"channel {row}", fontsize=9)
    fig.suptitle("the frozen random-filter network: three channels of the content image's features per layer "
                 "(deeper: coarser, larger patterns)")
    fig.tight_layout()
    save_figure(fig, run, "features.png")


# %% [markdown]
# ## Part 2: style transfer
#
# The optimisation starts from the content image, so the content loss starts at 0 and the style
# loss at its largest. Two numbers judge the result: how far the style loss fell (final / initial),
# and how much content is kept -- the result's content loss over the style image's own (the
# content loss of an image that shares none of the content). The total loss weights the two
# (Gatys et al.: alpha * content + beta * style), and the right alpha / beta depends on the images
# and the network: here the style loss the content image starts with is 0.43 for one random
# network and 31 for another (seeds 3 and 2). A fixed weight on the raw losses (style + 1.5 *
# content) lets style swamp content for seed 2 (the content loss climbs to 0.55 of the style
# image's) and content freeze the style for seed 3 (the style loss falls only to 0.42 of its
# start): in both the losses settle within 50 steps, at the balance the weight sets. So each loss
# is first measured in its own unit, the two reference values above:
#     style / style_at_start + `CONTENT_WEIGHT` * content / content_of_style_image,
# and the one weight means the same trade-off for every network.

# %%
CONTENT_WEIGHT = 0.3
TRANSFER_STEPS = 200
LR = 0.02


def part_transfer(run):
    """Style transfer (temple + flower): content loss on relu3_1, Gram style losses on six
    layers, only the image trainable; final / initial style loss (<= 0.1) and the result's
    content loss over the style image's (<= 0.5)."""
    content, style = photographs(run.device)
    net = feature_net(run.seed, run.device)
    with mg.no_grad():
        content_features = net(normalise(content))
        style_features = net(normalise(style))
        style_grams = {name: gram_matrix(style_features[name]) for name in STYLE_LAYERS}
        style_image_content = float(content_loss(style_features, content_features).item())
        style_at_start = float(style_loss(content_features, style_grams).item())

    def loss_fn(image):
        features = net(normalise(image))
        s, c = style_loss(features, style_grams), content_loss(features, content_features)
        total = s / style_at_start + CONTENT_WEIGHT * c / style_image_content
        return total, {"style loss": s.item(), "content loss": c.item()}

    steps = TRANSFER_STEPS * run.epochs_or(1)
    result, records = optimise_image(content, loss_fn, steps, LR, "style transfer")
    with mg.no_grad():
        loss, final = loss_fn(result)
    reduction = final["style loss"] / records[0]["style loss"]
    kept = final["content loss"] / style_image_content
    print(f"   style loss {records[0]['style loss']:.4f} -> {final['style loss']:.4f} (x {reduction:.4f}); "
          f"content loss 0 -> {final['content loss']:.4f}, the style image's own {style_image_content:.4f} "
          f"(ratio {kept:.4f})")
    _plot_transfer(run, content, style, result, records, style_image_content)
    return {"style_loss_reduction": reduction, "content_kept_ratio": kept,
            "style_loss_initial": records[0]["style loss"], "style_loss_final": final["style loss"],
            "content_loss_final": final["content loss"], "content_loss_of_style_image": style_image_content}


def _plot_transfer(run, content, style, result, records, style_image_content):
    """The three images, and both losses in the units the total loss weighs them in: the style
    loss over its start, the content loss over the style image's, with the two bars."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8), gridspec_kw={"width_ratios": [1, 1, 1, 1.2]})
    for ax, image, title in zip(axes, (content, style, result), ("content image", "style image", "result")):
        ax.imshow(_as_picture(image))
        ax.set(title=title, xticks=[], yticks=[])
    steps = np.arange(1, len(records) + 1)
    start = records[0]["style loss"]
    style_line, = axes[3].semilogy(steps, [r["style loss"] / start for r in records],
                                   label="style loss / its start (Gram, 6 layers)")
    content_line, = axes[3].semilogy(steps, [max(r["content loss"] / style_image_content, 1e-3) for r in records],
                                     label=f"content loss ({CONTENT_LAYER}) / the style image's")
    axes[3].axhline(0.1, color=style_line.get_color(), ls=":", label="bar for the style: 0.1")
    axes[3].axhline(0.5, color=content_line.get_color(), ls=":", label="bar for the content: 0.5")
    axes[3].set(xlabel="Adam step on the pixels", ylabel="loss in its own unit", title="the two losses",
                ylim=(1e-3, 2))
    axes[3].legend(fontsize=8, loc="lower right")
    axes[3].grid(alpha=0.3)
    fig.suptitle("neural style transfer with a frozen random-filter network: only the image is trained")
    fig.tight_layout()
    save_figure(fig, run, "transfer.png")


# %% [markdown]
# ## Part 3: low layers, local style; high layers, global style
#
# The notes: which layers the style loss reads matters; the low layers make the style local, a
# swap of small dots and strokes. Here the content loss is left out and the optimisation starts
# from noise (pure texture synthesis): once with the Gram matrix of the first layer only
# (receptive field 3 pixels), once with those of the last three layers only (22 to 50 pixels
# across). Measured with the random network: both match their Gram matrices (the style loss falls
# to under 1% of its start), but the picture does not show the notes' contrast cleanly -- the
# first layer alone gives the flower's colours as blobs on the leaves' green, the deep layers alone
# a high-frequency mixture of colours (random deep filters leave the finest scale free).

# %%
LOW_LAYERS, HIGH_LAYERS = ("relu1_1",), ("relu3_1", "relu3_2", "relu4_1")


def part_layers(run):
    """Texture synthesis from noise with the style of the low layers only and of the high
    layers only (one figure)."""
    _, style = photographs(run.device)
    net = feature_net(run.seed, run.device)
    with mg.no_grad():
        style_features = net(normalise(style))
    mg.manual_seed(run.seed)
    noise = (0.5 + 0.1 * mg.randn(*style.shape)).clamp(0, 1).to(run.device)
    results, metrics = {}, {}
    for label, layers in (("low", LOW_LAYERS), ("high", HIGH_LAYERS)):
        grams = {name: gram_matrix(style_features[name]) for name in layers}

        def loss_fn(image, layers=layers, grams=grams):
            loss = style_loss(net(normalise(image), last=layers[-1]), grams, layers)
            return loss, {"style loss": loss.item()}

        image, records = optimise_image(noise, loss_fn, TRANSFER_STEPS * run.epochs_or(1), LR, f"{label} layers")
        results[label] = image
        metrics[f"texture_{label}_style_loss_reduction"] = records[-1]["style loss"] / records[0]["style loss"]
        print(f"   {label} layers {', '.join(layers)}: style loss x {metrics[f'texture_{label}_style_loss_reduction']:.4f}")
    _plot_layers(run, style, results)
    return metrics


def _plot_layers(run, style, results):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    axes[0].imshow(_as_picture(style))
    axes[0].set_title("style image")
    fields = {label: f"{min(receptive_field(n) for n in layers)}-{max(receptive_field(n) for n in layers)}"
              for label, layers in (("low", LOW_LAYERS), ("high", HIGH_LAYERS))}
    for ax, (label, layers) in zip(axes[1:], (("low", LOW_LAYERS), ("high", HIGH_LAYERS))):
        ax.imshow(_as_picture(results[label]))
        ax.set_title(f"style of {', '.join(layers)} only\n(receptive fields {fields[label]} px)", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("texture from noise, matching the Gram matrices of the low layers only or the high layers only "
                 "(random filters)")
    save_figure(fig, run, "layers.png")


# %% [markdown]
# ## Part 4: deep dream
#
# The notes' recipe: take a CNN, cut off the last layers, feed an image and read a feature
# layer; make the feature norm the loss, take its gradient w.r.t. the image, and step up the
# gradient instead of down (Adam with `maximize=True`). Whatever patterns that layer responds to
# get drawn into the photograph, stronger with every step. The lesson cuts the network after
# relu3_2 and reports how much the mean squared feature grew.

# %%
DREAM_LAYER = "relu3_2"
DREAM_STEPS = 60


def feature_norm(net, image, layer=DREAM_LAYER):
    """The mean squared feature of ``layer`` for ``image``: what deep dream climbs."""
    return (net(normalise(image), last=layer)[layer] ** 2).mean()


def part_dream(run):
    """Deep dream: the network cut after relu3_2, gradient ascent on its feature norm w.r.t. the
    image; the norm's gain (>= 2)."""
    content, _ = photographs(run.device)
    net = feature_net(run.seed, run.device)

    def loss_fn(image):
        norm = feature_norm(net, image)
        return norm, {"feature norm": norm.item()}

    dreamed, records = optimise_image(content, loss_fn, DREAM_STEPS * run.epochs_or(1), 0.01, "deep dream",
                                      maximise=True)
    with mg.no_grad():
        before, after = feature_norm(net, content).item(), feature_norm(net, dreamed).item()
    gain = after / before
    print(f"   mean squared {DREAM_LAYER} feature {before:.4f} -> {after:.4f}: gain {gain:.2f}")
    _plot_dream(run, content, dreamed, records)
    return {"dream_feature_norm_gain": gain}


def _plot_dream(run, content, dreamed, records):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6), gridspec_kw={"width_ratios": [1, 1, 1.1]})
    axes[0].imshow(_as_picture(content))
    axes[0].set(title="the photograph", xticks=[], yticks=[])
    axes[1].imshow(_as_picture(dreamed))
    axes[1].set(title=f"after gradient ascent on ||{DREAM_LAYER}||^2", xticks=[], yticks=[])
    axes[2].plot(np.arange(1, len(records) + 1), [r["feature norm"] for r in records])
    axes[2].set(xlabel="ascent step", ylabel=f"mean squared {DREAM_LAYER} feature", title="the climbed norm")
    axes[2].grid(alpha=0.3)
    fig.suptitle("deep dream: the layer's favourite patterns drawn into the image")
    fig.tight_layout()
    save_figure(fig, run, "dream.png")


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"features": part_features, "transfer": part_transfer, "layers": part_layers, "dream": part_dream}


def tiny_model_check(device="cpu"):
    """Gradcheck, in float64 on ``device``: a tiny frozen FeatureNet's content + style loss and
    its deep-dream feature norm w.r.t. the input image (the only trainable tensor), and the same
    network's parameters through the style loss."""
    blocks = ((2,), (3, 2))
    net = feature_net(0, device, blocks).double()
    mg.manual_seed(0)
    target = mg.rand(1, 3, 6, 8, dtype=mg.float64).to(device)
    with mg.no_grad():
        target_features = net(normalise(target))
        grams = {name: gram_matrix(f) for name, f in target_features.items()}
    layers = tuple(grams)

    def total(image):
        features = net(normalise(image))
        return style_loss(features, grams, layers) + content_loss(features, target_features, "relu2_2")

    image = mg.rand(1, 3, 6, 8, dtype=mg.float64).to(device).requires_grad_(True)
    worst = mg.autograd.gradcheck(total, (image,), return_error=True)
    worst = max(worst, mg.autograd.gradcheck(lambda im: feature_norm(net, im, "relu2_2"), (image,),
                                             return_error=True))
    net.requires_grad_(True)
    fixed = image.detach()
    worst = max(worst, parameters_check(lambda: total(fixed), net))
    return worst


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
