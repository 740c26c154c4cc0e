"""Lesson: image captioning -- an LSTM decoder attending over a CNN's feature map.

Run it: ``minigrad lesson captioning``. One part:

1. ``captions`` -- scenes of two coloured shapes captioned from a grammar ("red circle left of
                   blue square"); the notes' model step by step: a CNN whose local feature map
                   (each position with its coordinates) is the encoder's output, its mean
                   setting the LSTM's first state, each step the LSTM reading the previous
                   word's embedding next to the attended features, attention = softmax over the
                   map's positions of Dense(tanh(Dense(features) + Dense(h))), greedy decoding
                   until ``<end>``. Exact captions on held-out scenes (>= 90%), BLEU-4, and where
                   the model looks: the attention mass inside the named shape's box while its
                   colour and shape words are written (>= 0.5), drawn word by word.

The scenes are drawn from the seed: a 24x24 black canvas, two shapes (circle, square, triangle)
of two different colours (red, green, blue, yellow), side by side or one above the other. The
caption names the left (or upper) shape first: ``<colour> <shape> left of <colour> <shape>`` or
``<colour> <shape> above <colour> <shape>``, so the words' order is where they are.
"""
# %%
from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils import decoding
from minigrad.utils.lesson import lesson_main
from minigrad.utils.plotting import plot_curves
from minigrad.utils.text import Vocab

from lessons.common import (moving_mean, parameters_check, pyplot, save_figure, tokens_before_end,
                            train_steps)

NAME = "captioning"
SUMMARY = ("image captioning with attention: a CNN feature map, an LSTM decoder attending over it, "
           "greedy decoding; exact captions, BLEU-4, attention on the named object")

# %% [markdown]
# ## The data
#
# Each scene is two shapes on a 24x24 canvas, each 6 to 8 pixels wide. They stand side by side
# (the first in the left half, the second in the right half, at about the same height) or one
# above the other (at about the same column), so only one relation is true, and they have
# different colours. The caption is generated with the scene: the left (or upper) shape, the
# relation, the other shape. ``draw_scene`` also returns the two shapes' boxes, which the
# attention is judged by. The held-out scenes are 1,000 scenes drawn once (whatever the seed).

# %%
CANVAS, SIZES = 24, (6, 8)
COLOURS = {"red": (1.0, 0.15, 0.15), "green": (0.15, 0.9, 0.15), "blue": (0.25, 0.35, 1.0),
           "yellow": (1.0, 0.9, 0.1)}
SHAPES = ("circle", "square", "triangle")
TEST_SCENES, TEST_SEED = 1000, 2024


def shape_mask(shape, size):
    """A (size, size) bool mask of a filled circle, square or (upward) triangle."""
    y, x = np.mgrid[:size, :size] + 0.5
    if shape == "circle":
        return (x - size / 2) ** 2 + (y - size / 2) ** 2 <= (size / 2) ** 2
    if shape == "square":
        return np.ones((size, size), bool)
    return np.abs(x - size / 2) <= y / 2                     # the apex at the top, the base at the bottom


def draw_scene(rng):
    """One scene: (image (3, 24, 24) float32 in [0, 1], caption words, the two shapes' boxes
    (x0, y0, x1, y1) in pixels, in the caption's order)."""
    colours = [str(c) for c in rng.choice(list(COLOURS), 2, replace=False)]
    shapes = [str(s) for s in rng.choice(SHAPES, 2)]
    sizes = rng.integers(SIZES[0], SIZES[1] + 1, 2)
    side_by_side = rng.random() < 0.5
    image = np.zeros((3, CANVAS, CANVAS), np.float32)
    boxes, half = [], CANVAS // 2
    line = rng.integers(0, CANVAS - SIZES[1] + 1)                # the row (or column) they share
    for i in range(2):
        s = sizes[i]
        along = rng.integers(i * half, (i + 1) * half - s + 1)    # in its own half
        across = int(np.clip(line + rng.integers(-2, 3), 0, CANVAS - s))
        x0, y0 = (along, across) if side_by_side else (across, along)
        mask = shape_mask(shapes[i], s)
        image[:, y0:y0 + s, x0:x0 + s][:, mask] = np.array(COLOURS[colours[i]], np.float32)[:, None]
        boxes.append((x0, y0, x0 + s, y0 + s))
    relation = ["left", "of"] if side_by_side else ["above"]
    words = [colours[0], shapes[0], *relation, colours[1], shapes[1]]
    return image, words, boxes


def draw_scenes(rng, n):
    """``n`` scenes: images (n, 3, 24, 24), captions (lists of words), boxes (n, 2, 4)."""
    scenes = [draw_scene(rng) for _ in range(n)]
    return (np.stack([s[0] for s in scenes]), [s[1] for s in scenes],
            np.array([s[2] for s in scenes], np.int64))


# %% [markdown]
# ## Words to indices
#
# The vocabulary (a ``minigrad.utils.text.Vocab``) is the grammar's words after three
# specials: ``<pad>``, ``<start>`` (the decoder's first input) and ``<end>`` (its last output).
# Every caption has 6 or 7 tokens with ``<end>``; a batch pads the shorter ones.

# %%
SPECIALS = ("<pad>", "<start>", "<end>")
VOCAB = Vocab(SPECIALS + tuple(COLOURS) + SHAPES + ("left", "of", "above"))
PAD, START, END = (VOCAB[s] for s in SPECIALS)


def encode_captions(captions, device="cpu"):
    """(tgt_in, tgt_out) (N, T) int64: ``<start>`` + words and words + ``<end>``, padded."""
    length = max(map(len, captions)) + 1
    tin, tout = np.full((len(captions), length), PAD, np.int64), np.full((len(captions), length), PAD, np.int64)
    for i, words in enumerate(captions):
        ids = VOCAB(words)
        tin[i, :len(ids) + 1] = [START] + ids
        tout[i, :len(ids) + 1] = ids + [END]
    return mg.tensor(tin, device=device), mg.tensor(tout, device=device)


def decode_caption(ids):
    """Words up to the first ``<end>``, specials dropped."""
    return tokens_before_end(VOCAB, ids, END, len(SPECIALS))


# %% [markdown]
# ## The model, step by step as the notes build it
#
# 1. The **encoder** is a small CNN. Its output is not a vector but the last feature map,
#    (C, 6, 6): 36 positions, each a C-vector describing a 4x4-pixel cell and a 3-pixel rim
#    around it (a 10x10-pixel view: the top layer is a 1x1 convolution). Each position also gets
#    its own (x, y) coordinates as two more channels, so the features are (N, 36, C + 2).
#
#    Both choices are what makes the attention mean something. If every position saw most of
#    the canvas (a third 3x3 convolution would give each one an 18x18-pixel view), any position
#    -- and the features' mean in h_0 -- would already tell both shapes, their colours and which
#    is first: the decoder could write the whole caption without looking, and its attention
#    would settle anywhere. With local features, what a shape is lives only at its cells. But
#    convolutions do not know where a cell is (the black canvas looks like the zero padding), so
#    a local feature cannot say "left" or "above": the coordinates say it, as the transformer's
#    position embeddings do for words. Their mean over the positions is the same for every
#    image, so h_0 still learns only which colours and shapes are present, not their order.
# 2. The features' **mean** over the positions, through a Dense layer and tanh, is the LSTM's
#    first hidden state h_0 (another Dense gives the cell state c_0).
# 3. **Attention** at step t: a score for each position, e_tj = Dense(tanh(Dense(f_j) +
#    Dense(h_{t-1}))), one number per position; the weights a_tj = softmax_j(e_tj); the attended
#    features z_t = sum_j a_tj f_j.
# 4. The **LSTM** reads the previous word's embedding concatenated with z_t.
# 5. A Dense layer maps h_t to a **softmax over the vocabulary**: the next word.

# %%
class Encoder(nn.Module):
    """(N, 3, 24, 24) images -> (N, 36, C + 2) features: two 3x3 convolutions each followed by a
    2x2 max-pool, a 1x1 convolution (each position sees its 4x4-pixel cell and a 3-pixel rim, not
    the whole canvas), then each position's (x, y) coordinates, in [-1, 1], as two more channels."""

    def __init__(self, channels=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),          # 12x12
            nn.Conv2d(16, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 6x6
            nn.Conv2d(channels, channels, 1), nn.ReLU())

    def forward(self, images):
        maps = self.net(images)                                   # (N, C, 6, 6)
        n, _, rows, cols = maps.shape
        y, x = np.mgrid[:rows, :cols] / max(rows - 1, 1) * 2 - 1
        where = mg.tensor(np.stack([x.ravel(), y.ravel()], 1), dtype=maps.dtype, device=maps.device)
        return mg.cat([maps.flatten(2).transpose(1, 2),           # (N, 36, C): one row per position
                       where.unsqueeze(0).expand(n, -1, -1)], dim=2)   # and its (x, y): (N, 36, C + 2)


class AttentionDecoder(nn.Module):
    """An LSTM that attends over the encoder's positions before every word."""

    def __init__(self, vocab, features=32, embed=16, hidden=64, attention_dim=32):
        super().__init__()
        self.init_h, self.init_c = nn.Linear(features, hidden), nn.Linear(features, hidden)
        self.embed = nn.Embedding(vocab, embed, padding_idx=PAD)
        self.W = nn.Linear(features, attention_dim, bias=False)    # Dense(features)
        self.U = nn.Linear(hidden, attention_dim)                  # Dense(h)
        self.v = nn.Linear(attention_dim, 1, bias=False)           # one score per position
        self.lstm = nn.LSTMCell(embed + features, hidden)
        self.out = nn.Linear(hidden, vocab)

    def start(self, features):
        """The decoder's state before the first word: h_0, c_0 from the features' mean."""
        mean = features.mean(1)
        return {"h": mg.tanh(self.init_h(mean)), "c": mg.tanh(self.init_c(mean)),
                "features": features, "keys": self.W(features)}

    def step(self, words, state):
        """One word: (logits (N, V), the new state, the attention weights (N, 36))."""
        scores = self.v(mg.tanh(state["keys"] + self.U(state["h"]).unsqueeze(1))).squeeze(2)
        weights = F.softmax(scores, dim=1)
        attended = weights.unsqueeze(1).matmul(state["features"]).squeeze(1)
        h, c = self.lstm(mg.cat([self.embed(words), attended], dim=1), (state["h"], state["c"]))
        return self.out(h), {**state, "h": h, "c": c}, weights


class Captioner(nn.Module):
    def __init__(self, channels=32, embed=16, hidden=64, attention_dim=32):
        super().__init__()
        self.encoder = Encoder(channels)
        self.decoder = AttentionDecoder(len(VOCAB), channels + 2, embed, hidden, attention_dim)

    def forward(self, images, tgt_in):
        """Teacher forcing: logits (N, T, V) and attention weights (N, T, 36) for ``tgt_in``."""
        state = self.decoder.start(self.encoder(images))
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            out, state, w = self.decoder.step(tgt_in[:, t], state)
            logits.append(out)
            weights.append(w)
        return mg.stack(logits, dim=1), mg.stack(weights, dim=1)


# %% [markdown]
# ## The loss and the training loop
#
# Teacher forcing and the cross-entropy of every word, ``<end>`` included, padding ignored;
# Adam on fresh scenes every step, gradients clipped to norm 1.

# %%
def caption_loss(logits, tgt_out):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1), ignore_index=PAD)


def train(model, rng, steps, device, batch_size=64, lr=3e-3):
    """``steps`` Adam steps on fresh scenes (``lessons.common.train_steps``); the loss per step."""
    def batch_loss():
        images, captions, _ = draw_scenes(rng, batch_size)
        tgt_in, tgt_out = encode_captions(captions, device)
        logits, _ = model(mg.tensor(images, device=device), tgt_in)
        return caption_loss(logits, tgt_out)
    return train_steps(model, batch_loss, steps, "captioning", lr=lr)


# %% [markdown]
# ## Greedy decoding and the scores
#
# At test time the decoder reads its own previous word: greedy decoding with
# ``minigrad.utils.decoding`` until ``<end>``. A caption is exact when every word is right.
# BLEU-4 (the geometric mean of the 1- to 4-gram precisions, times a brevity penalty) is the
# usual captioning score; it gives partial credit. ``attention_on_object``: while the decoder
# writes a shape's colour and shape words (fed the true caption), the fraction of its attention
# on the feature-map cells that overlap that shape's box, averaged over the words and scenes.

# %%
def caption(model, images, device, batch_size=500):
    """Greedy captions (lists of words) for ``images`` (n, 3, 24, 24)."""
    def step(words, state):
        logits, state, _ = model.decoder.step(words, state)
        return logits, state
    out = []
    model.eval()
    with mg.no_grad():
        for i in range(0, len(images), batch_size):
            x = mg.tensor(images[i:i + batch_size], device=device)
            start = mg.full((x.shape[0],), START, dtype=mg.int64, device=device)
            tokens = decoding.greedy_decode(step, model.decoder.start(model.encoder(x)), start, END,
                                            max_len=8, pad_token=PAD)
            out += [decode_caption(row) for row in tokens.cpu().numpy().tolist()]
    return out


def bleu4(candidates, references):
    """Corpus BLEU-4 with one reference per candidate: exp(mean log p_n, n = 1..4) * BP, where p_n
    are the clipped n-gram precisions summed over the corpus and BP = min(1, exp(1 - r / c))."""
    from collections import Counter
    hits, totals, c_len, r_len = np.zeros(4), np.zeros(4), 0, 0
    for cand, ref in zip(candidates, references):
        c_len, r_len = c_len + len(cand), r_len + len(ref)
        for n in range(1, 5):
            c = Counter(tuple(cand[i:i + n]) for i in range(len(cand) - n + 1))
            r = Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
            hits[n - 1] += sum(min(k, r[g]) for g, k in c.items())
            totals[n - 1] += max(len(cand) - n + 1, 0)
    if c_len == 0 or np.any(hits == 0):
        return 0.0
    brevity = min(1.0, float(np.exp(1 - r_len / c_len)))
    return brevity * float(np.exp(np.mean(np.log(hits / totals))))


def cell_masks(boxes, grid=6):
    """(n, 2, 36) bool: the feature-map cells (each CANVAS / grid pixels square) that overlap each box."""
    cell = CANVAS // grid
    lo, hi = np.arange(grid) * cell, (np.arange(grid) + 1) * cell
    x_in = (lo < boxes[..., 2:3]) & (hi > boxes[..., 0:1])       # (n, 2, grid)
    y_in = (lo < boxes[..., 3:4]) & (hi > boxes[..., 1:2])
    return (y_in[..., :, None] & x_in[..., None, :]).reshape(*boxes.shape[:2], grid * grid)


def attention_on_object(model, images, captions, boxes, device):
    """Mean attention mass on the named shape's cells while its colour and shape words are
    written (teacher-forced on the true caption): words 0-1 name the first shape, the last two
    the second."""
    tgt_in, _ = encode_captions(captions, device)
    model.eval()
    with mg.no_grad():
        _, weights = model(mg.tensor(images, device=device), tgt_in)
    weights, masks = weights.cpu().numpy(), cell_masks(boxes)
    mass = []
    for i, words in enumerate(captions):
        n = len(words)
        for t, shape in ((0, 0), (1, 0), (n - 2, 1), (n - 1, 1)):    # output t emits word t
            mass.append(weights[i, t][masks[i, shape]].sum())
    return float(np.mean(mass))


# %% [markdown]
# ## Part 1: captions
#
# Train, caption the held-out scenes, score them, and draw where the decoder looks while it
# writes each word of a few captions: the colour and shape words of each object should light up
# that object's cells.

# %%
CAPTION_STEPS = 1000


def part_captions(run):
    """Caption held-out scenes exactly (>= 90%), BLEU-4, attention on the named object (>= 0.5)."""
    mg.manual_seed(run.seed)
    rng = np.random.default_rng(run.seed)
    images, captions, boxes = draw_scenes(np.random.default_rng(TEST_SEED), TEST_SCENES)
    model = Captioner().to(run.device)
    losses = train(model, rng, CAPTION_STEPS * run.epochs_or(1), run.device)
    predicted = caption(model, images, run.device)
    results = {"caption_exact_match": float(np.mean([p == c for p, c in zip(predicted, captions)])),
               "caption_bleu4": bleu4(predicted, captions),
               "attention_on_object": attention_on_object(model, images, captions, boxes, run.device)}
    print(f"held-out scenes: exact captions {results['caption_exact_match']:.4f}, BLEU-4 "
          f"{results['caption_bleu4']:.4f}, attention on the named object {results['attention_on_object']:.4f}")
    for p, c in [(p, c) for p, c in zip(predicted, captions) if p != c][:5]:
        print(f"   wrote {' '.join(p)!r} for {' '.join(c)!r}")
    plot_curves({"training loss": moving_mean(losses)}, run.path("captioning_loss.png"), xlabel="step",
                ylabel="cross-entropy per word", logy=True, title="Captioning: training loss (50-step mean)")
    _plot_attention(run, model, images[:4], boxes[:4])
    return results


def _plot_attention(run, model, images, boxes):
    """For each scene, the image and then the attention over it while each word is written."""
    import matplotlib.patches as patches
    predicted = caption(model, images, run.device)
    tgt_in, _ = encode_captions(predicted, run.device)
    with mg.no_grad():
        _, weights = model(mg.tensor(images, device=run.device), tgt_in)
    weights = weights.cpu().numpy()
    plt = pyplot()
    columns = 1 + max(len(p) + 1 for p in predicted)
    fig, axes = plt.subplots(len(images), columns, figsize=(1.9 * columns, 2.1 * len(images)), squeeze=False)
    for i, words in enumerate(predicted):
        picture = images[i].transpose(1, 2, 0)
        axes[i, 0].imshow(picture, interpolation="nearest")
        axes[i, 0].set_title("scene", fontsize=9)
        for j, word in enumerate(words + ["<end>"]):
            ax = axes[i, j + 1]
            ax.imshow(picture * 0.45, interpolation="nearest")
            heat = np.kron(weights[i, j].reshape(6, 6), np.ones((4, 4)))
            ax.imshow(heat, cmap="magma", alpha=0.6, vmin=0, vmax=max(heat.max(), 1e-6), interpolation="nearest")
            ax.set_title(word, fontsize=10)
        for j in range(len(words) + 2, columns):
            axes[i, j].axis("off")
        for ax in axes[i, :len(words) + 2]:
            ax.set_xticks([])
            ax.set_yticks([])
            for x0, y0, x1, y1 in boxes[i]:
                ax.add_patch(patches.Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                                               edgecolor="white", linewidth=0.6, linestyle=":"))
    fig.suptitle("Where the decoder looks while it writes each word (brighter = more attention; "
                 "dotted: the shapes' boxes)")
    fig.tight_layout()
    save_figure(fig, run, "captioning_attention.png")


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"captions": part_captions}


def tiny_model_check(device="cpu"):
    """Gradcheck a tiny captioner (CNN, attention, LSTM: every parameter, float64) on two
    scenes with padded captions; returns the worst relative error."""
    mg.manual_seed(0)
    model = Captioner(channels=2, embed=2, hidden=3, attention_dim=2).to(device)
    model.double()
    images, captions, _ = draw_scenes(np.random.default_rng(0), 2)
    captions = [captions[0][:2], captions[1][:3]]
    x = mg.tensor(images[:, :, :8, :8], dtype=mg.float64, device=device)     # 8x8: a 2x2 feature map
    tgt_in, tgt_out = encode_captions(captions, device)
    return parameters_check(lambda: caption_loss(model(x, tgt_in)[0], tgt_out), model)


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
