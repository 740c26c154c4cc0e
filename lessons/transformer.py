"""Lesson: attention is all you need -- the Transformer, piece by piece, trained to reverse digits.

Run it: ``minigrad lesson transformer`` (all parts, ~3 min of CPU time), or ``--part attention``
... Parts, in reading order:

1. ``attention`` -- attention as a lookup, why it is scaled by sqrt(d), the causal mask, and
                    multi-head attention, each written out and checked against minigrad's layers;
2. ``reversal``  -- an encoder-decoder Transformer trained to reverse digit strings, decoding token
                    by token until <end> (>= 99% exact on held-out strings); its attention maps;
                    strings longer than any seen in training (the weakness the notes name);
3. ``cost``      -- the time of self-attention (n^2 d) against an LSTM (n d^2, n steps one after
                    another) as the sequence grows.
"""
# %%
from __future__ import annotations

import math
import sys
import time

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.utils import decoding, progress_bar
from minigrad.utils.lesson import lesson_main
from minigrad.utils.plotting import plot_curves

from lessons.common import pyplot, save_figure

NAME = "transformer"
SUMMARY = ("attention, multi-head attention and the encoder-decoder Transformer, trained to "
           "reverse digit strings; longer strings than seen; attention vs LSTM cost")

# %% [markdown]
# ## The data: reversing digit strings
#
# Random strings of 3 to 8 digits, fresh every training step; a fixed set of 1,000 held-out
# strings of 5 to 8 digits is never shown in training, and 500 strings of 9 to 12 digits test
# lengths the model never saw. Each string becomes three token sequences (below).

# %%
PAD, BOS, EOS = 10, 11, 12           # tokens 0-9 are the digits
VOCAB = 13
TOKEN_NAMES = [str(i) for i in range(10)] + ["<pad>", "<start>", "<end>"]
TRAIN_LENGTHS = (3, 8)               # strings of 3 to 8 digits in training ...
LONGER_LENGTHS = (9, 12)             # ... and 9 to 12 digits, never seen, to test


def sample_digits(rng, n, lengths, exclude=None):
    """``n`` random digit strings with lengths uniform in ``lengths`` (inclusive), as a list of
    int arrays; strings in the set ``exclude`` are drawn again (they are held out)."""
    out = []
    while len(out) < n:
        length = int(rng.integers(lengths[0], lengths[1] + 1))
        s = rng.integers(0, 10, length)
        if exclude is None or tuple(s) not in exclude:
            out.append(s)
    return out


def make_batch(strings, device="cpu"):
    """Token tensors for the encoder-decoder (N, T), padded with <pad>:

        src      the digits, then <end>                        4 0 7 <end>
        tgt_in   <start>, then the reversed digits              <start> 7 0 4
        tgt_out  the reversed digits, then <end>                7 0 4 <end>

    The decoder reads ``tgt_in`` and learns to predict ``tgt_out`` (the next token) at each step.
    """
    t = max(len(s) for s in strings) + 1
    src, tgt_in, tgt_out = (np.full((len(strings), t), PAD, np.int64) for _ in range(3))
    for i, s in enumerate(strings):
        n = len(s)
        src[i, :n], src[i, n] = s, EOS
        tgt_in[i, 0], tgt_in[i, 1:n + 1] = BOS, s[::-1]
        tgt_out[i, :n], tgt_out[i, n] = s[::-1], EOS
    return tuple(mg.tensor(a, device=device) for a in (src, tgt_in, tgt_out))


# %% [markdown]
# ## The model, piece by piece: attention written out
#
# The notes describe attention as a lookup: a *query* is compared with every *key* (here by a
# dot product), the similarities go through a softmax, and the answer is the softmax-weighted sum
# of the *values*. Scaled dot-product attention does that for a whole matrix of queries at once,
#
#     Attention(Q, K, V) = softmax(Q K^T / sqrt(d)) V,
#
# where dividing by sqrt(d) keeps the dot products of d-dimensional vectors from growing with d
# (their spread grows like sqrt(d), and a softmax of large numbers is almost one-hot, with almost
# no gradient). Multi-head attention runs h of these side by side on learned projections of Q, K
# and V (each head d/h wide) and concatenates the heads: each head can look for something else.
#
# The Transformer uses attention three ways, as the notes list:
#
# - encoder self-attention: Q = K = V = the encoder's input (each word looks at the sentence);
# - masked decoder self-attention: Q = K = V = the decoder's input, with a mask so that position
#   i sees only positions <= i (no peeking at the answer it is about to produce);
# - encoder-decoder attention: K = V = the encoder's output, Q = the decoder's.
#
# Every attention and every position-wise feed-forward layer (the same two-layer MLP applied to
# each position) sits in a residual connection followed by layer norm. Attention by itself
# ignores order, so the input embedding gets a sinusoidal positional encoding added.

# %%
def attention(q, k, v, mask=None):
    """softmax(q k^T / sqrt(d)) v for q (..., L, d), k (..., S, d), v (..., S, dv).

    ``mask`` (bool, broadcastable to (..., L, S)): True where a query MAY look at a key — the
    convention of ``F.scaled_dot_product_attention``. Returns (output, weights).
    """
    scores = q.matmul(k.transpose(-2, -1)) / math.sqrt(q.shape[-1])     # similarity of each pair
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))               # weight exp(-inf) = 0
    weights = F.softmax(scores, dim=-1)                                  # each row sums to 1
    return weights.matmul(v), weights


def causal_mask(n, device="cpu"):
    """(n, n) bool, True ABOVE the diagonal: position i may not see positions j > i.

    This is ``nn.Transformer``'s convention (True = masked out, like PyTorch's
    ``generate_square_subsequent_mask`` as a bool mask); ``attention`` above wants its negation.
    """
    return mg.triu(mg.ones(n, n, device=device), diagonal=1) > 0


def multi_head_attention(mha, query, key, value, mask=None):
    """What ``nn.MultiheadAttention`` (batch_first) computes, by hand from its parameters.

    Project Q, K, V with the three blocks of ``in_proj_weight``, split d into h heads of d/h,
    attend in each head, put the heads side by side again, project with ``out_proj``.
    Returns (output, weights averaged over the heads).
    """
    d, h = mha.embed_dim, mha.num_heads
    wq, wk, wv = mha.in_proj_weight.chunk(3, dim=0)
    bq, bk, bv = mha.in_proj_bias.chunk(3, dim=0)

    def heads(x, w, b):                          # (N, L, d) -> (N, h, L, d/h)
        n, length, _ = x.shape
        return F.linear(x, w, b).reshape(n, length, h, d // h).transpose(1, 2)

    out, weights = attention(heads(query, wq, bq), heads(key, wk, bk), heads(value, wv, bv), mask)
    n, _, length, _ = out.shape
    out = out.transpose(1, 2).reshape(n, length, d)          # concatenate the heads
    return mha.out_proj(out), weights.mean(1)


def sinusoidal_positions(n, d):
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)), as (n, d).

    Each pair of dimensions is a clock of its own frequency, from one turn every 2*pi positions
    down to one turn every 10000*2*pi: together they give every position a distinct pattern.
    """
    pos = np.arange(n)[:, None]
    freq = 1.0 / 10000 ** (np.arange(0, d, 2) / d)
    pe = np.zeros((n, d), np.float32)
    pe[:, 0::2], pe[:, 1::2] = np.sin(pos * freq), np.cos(pos * freq)
    return mg.tensor(pe)


# %% [markdown]
# ## The model put together
#
# Token embeddings (times sqrt(d), as in the paper) plus sinusoidal positions, then
# `nn.Transformer`'s encoder and decoder stacks (2 layers each, 4 heads, d = 64, post-norm as in
# the paper), then a linear layer to token scores. At test time the decoder runs token by token
# (greedy decoding) until it emits <end>.

# %%
class ReversalTransformer(nn.Module):
    """Token embedding (times sqrt(d), as in the paper) + sinusoidal positions -> nn.Transformer
    (encoder and decoder stacks, post-norm as in the paper) -> a linear layer to token scores."""

    def __init__(self, d_model=64, nhead=4, num_layers=2, dim_feedforward=128, max_len=64):
        super().__init__()
        self.d_model = d_model
        self.embed = nn.Embedding(VOCAB, d_model)
        self.register_buffer("positions", sinusoidal_positions(max_len, d_model), persistent=False)
        self.transformer = nn.Transformer(d_model, nhead, num_layers, num_layers, dim_feedforward,
                                          dropout=0.0, batch_first=True)
        self.generator = nn.Linear(d_model, VOCAB)

    def embed_tokens(self, tokens):
        return self.embed(tokens) * math.sqrt(self.d_model) + self.positions[:tokens.shape[1]]

    def encode(self, src):
        return self.transformer.encoder(self.embed_tokens(src), src_key_padding_mask=src == PAD)

    def decode(self, tgt_in, memory, src):
        mask = causal_mask(tgt_in.shape[1], device=tgt_in.device)
        h = self.transformer.decoder(self.embed_tokens(tgt_in), memory, tgt_mask=mask,
                                     memory_key_padding_mask=src == PAD)
        return self.generator(h)

    def forward(self, src, tgt_in):
        """Teacher forcing: token scores (N, T, VOCAB) for every position of ``tgt_in`` at once."""
        return self.decode(tgt_in, self.encode(src), src)


def greedy_decode(model, src, max_len):
    """Token by token: start from <start>, append the most likely next token, stop at <end>.

    The encoder runs once; the decoder reruns on the growing prefix (the causal mask makes
    each step's earlier outputs identical to the previous step's), so the prefix is the state
    that ``minigrad.utils.decoding`` carries from step to step. Returns (N, <= max_len) tokens,
    <pad> after a sequence's <end>.
    """
    def step(tokens, state):
        prefix, memory, src = state
        prefix = mg.cat([prefix, tokens.unsqueeze(1)], dim=1)
        return model.decode(prefix, memory, src)[:, -1], (prefix, memory, src)

    with mg.no_grad():
        start = mg.full((src.shape[0],), BOS, dtype=mg.int64, device=src.device)
        empty = mg.zeros(src.shape[0], 0, dtype=mg.int64, device=src.device)
        out = decoding.greedy_decode(step, (empty, model.encode(src), src), start, EOS, max_len, PAD)
    return out.cpu().numpy()


def exact_match(model, strings, device, batch_size=500):
    """The fraction of strings whose greedy decoding is exactly the reversed string then <end>."""
    hits = 0
    for i in range(0, len(strings), batch_size):
        chunk = strings[i:i + batch_size]
        src, _, tgt_out = make_batch(chunk, device)
        pred, want = greedy_decode(model, src, tgt_out.shape[1]), tgt_out.cpu().numpy()
        for j, s in enumerate(chunk):
            n = len(s) + 1                      # the digits and <end>
            hits += pred.shape[1] >= n and bool((pred[j, :n] == want[j, :n]).all())
    return hits / len(strings)


# %% [markdown]
# ## The loss and the training loop
#
# Cross-entropy of the next-token predictions, the padding ignored; teacher forcing (the decoder
# reads the true previous tokens); Adam with a warm-up, then a linear decay to zero.

# %%
def train_reversal(model, rng, steps, device, held_out, batch_size=64, lr=3e-3, warmup=200, desc="reversal"):
    """Adam on the cross-entropy of next-token predictions (padding ignored); fresh random strings
    every step. The learning rate warms up linearly over ``warmup`` steps (as in the paper: large
    early steps through a freshly initialised post-norm stack diverge), then decays linearly to 0
    (the last, small steps polish the per-token accuracy that exact-sequence accuracy needs)."""
    opt = optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
    sched = optim.lr_scheduler.LambdaLR(
        opt, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / (steps - warmup))))
    losses = []
    bar = progress_bar(range(steps), desc=desc, unit="step")
    for step in bar:
        src, tgt_in, tgt_out = make_batch(sample_digits(rng, batch_size, TRAIN_LENGTHS, held_out), device)
        logits = model(src, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt_out.reshape(-1), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % 50 == 0:
            bar.set_postfix({"train loss (last 50 steps)": f"{np.mean(losses[-50:]):.4f}"})
    return losses


# %% [markdown]
# ## Part 1: the pieces on tiny inputs
#
# A lookup with one query and three keys; the spread of q.k with and without the scaling; our
# `attention()` against the fused `F.scaled_dot_product_attention`; multi-head attention by hand
# against `nn.MultiheadAttention`.

# %%
def part_attention(run):
    """Attention as a lookup, the sqrt(d) scaling, the causal mask and multi-head attention, each
    written out and checked against minigrad's own layers."""
    mg.manual_seed(run.seed)
    # 1. A lookup: one query, three (key, value) pairs. The query is most like key 2.
    keys = mg.tensor([[4.0, 0.0], [0.0, 4.0], [2.8, 2.8]])
    values = mg.tensor([[10.0], [20.0], [30.0]])
    query = mg.tensor([[0.6, 0.8]])
    out, w = attention(query, keys, values)
    print("   one query, three keys: weights", np.round(w.numpy(), 3), "-> answer", np.round(out.numpy(), 3))
    # 2. Why scale by sqrt(d): the spread of q.k for random unit-variance vectors is sqrt(d).
    rng = np.random.default_rng(run.seed)
    for d in (4, 64, 512):
        dots = (rng.standard_normal((2000, d)) * rng.standard_normal((2000, d))).sum(1)
        print(f"   d={d:3d}: std of q.k = {dots.std():6.2f} (sqrt(d) = {math.sqrt(d):5.2f}); "
              f"after / sqrt(d): {dots.std() / math.sqrt(d):.2f}")
    # 3. Our attention() equals the library's fused kernel; with the causal mask, too.
    q, k, v = mg.randn(2, 5, 8), mg.randn(2, 5, 8), mg.randn(2, 5, 8)
    mine, _ = attention(q, k, v, mask=~causal_mask(5))
    fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    sdpa_diff = float(np.abs(mine.numpy() - fused.numpy()).max())
    print("   causal mask for 4 positions (1 = masked out):\n"
          + "\n".join("     " + " ".join(map(str, row)) for row in causal_mask(4).numpy().astype(int)))
    print(f"   attention() vs F.scaled_dot_product_attention (causal): max |diff| = {sdpa_diff:.2e}")
    # 4. Multi-head attention by hand equals nn.MultiheadAttention.
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    with mg.no_grad():
        mine, mine_w = multi_head_attention(mha, q, k, v)
        theirs, theirs_w = mha(q, k, v)
    mha_diff = float(max(np.abs(mine.numpy() - theirs.numpy()).max(),
                         np.abs(mine_w.numpy() - theirs_w.numpy()).max()))
    print(f"   multi-head attention by hand vs nn.MultiheadAttention: max |diff| = {mha_diff:.2e}")
    if sdpa_diff > 1e-5 or mha_diff > 1e-5:
        raise RuntimeError(f"the written-out attention disagrees with the library: {sdpa_diff}, {mha_diff}")
    return {}


# %% [markdown]
# ## Part 2: the reversal, and looking inside
#
# To draw the attention maps, the encoder and decoder layers are written out by hand from the
# trained layers' own weights (and checked to give the same token scores as `nn.Transformer`).

# %%
def encoder_layer_by_hand(layer, x, pad_mask):
    """``nn.TransformerEncoderLayer`` (post-norm) written out; also returns its attention weights."""
    a, weights = layer.self_attn(x, x, x, key_padding_mask=pad_mask)       # Q = K = V = x
    x = layer.norm1(x + a)                                                 # residual + layer norm
    x = layer.norm2(x + layer.linear2(F.relu(layer.linear1(x))))           # position-wise FFN
    return x, weights


def decoder_layer_by_hand(layer, y, memory, tgt_mask, memory_pad_mask):
    """``nn.TransformerDecoderLayer`` (post-norm) written out; also returns both attention maps."""
    a, self_weights = layer.self_attn(y, y, y, attn_mask=tgt_mask)         # masked: no peeking
    y = layer.norm1(y + a)
    a, cross_weights = layer.multihead_attn(y, memory, memory, key_padding_mask=memory_pad_mask)
    y = layer.norm2(y + a)                                                 # K = V = encoder output
    y = layer.norm3(y + layer.linear2(F.relu(layer.linear1(y))))
    return y, self_weights, cross_weights


def attention_maps(model, src, tgt_in):
    """Run the model with the layers written out; return its logits and, per layer, the maps
    (encoder self, decoder masked self, encoder-decoder), each averaged over the heads."""
    with mg.no_grad():
        pad = src == PAD
        x, maps = model.embed_tokens(src), []
        for layer in model.transformer.encoder.layers:
            x, w = encoder_layer_by_hand(layer, x, pad)
            maps.append({"encoder self-attention": w.numpy()})
        memory = model.transformer.encoder.norm(x)
        y, mask = model.embed_tokens(tgt_in), causal_mask(tgt_in.shape[1], device=src.device)
        for i, layer in enumerate(model.transformer.decoder.layers):
            y, ws, wc = decoder_layer_by_hand(layer, y, memory, mask, pad)
            maps[i].update({"decoder masked self-attention": ws.numpy(),
                            "encoder-decoder attention": wc.numpy()})
        logits = model.generator(model.transformer.decoder.norm(y))
    return logits, maps


def _plot_attention(maps, src, tgt_in, run, filename, title):
    plt = pyplot()
    names = lambda t: [TOKEN_NAMES[i] for i in t]  # noqa: E731
    src_t, tgt_t = names(src), names(tgt_in)
    axes_tokens = {"encoder self-attention": (src_t, src_t),
                   "decoder masked self-attention": (tgt_t, tgt_t),
                   "encoder-decoder attention": (tgt_t, src_t)}
    fig, axes = plt.subplots(len(maps), 3, figsize=(15, 4.4 * len(maps)), squeeze=False)
    fig.subplots_adjust(wspace=0.45, hspace=0.45, top=0.9)
    for i, layer_maps in enumerate(maps):
        for j, (kind, (rows, cols)) in enumerate(axes_tokens.items()):
            ax = axes[i, j]
            image = ax.imshow(layer_maps[kind][0], cmap="viridis", vmin=0, vmax=1)
            ax.set_xticks(range(len(cols)), cols, rotation=90, fontsize=8)
            ax.set_yticks(range(len(rows)), rows, fontsize=8)
            ax.set_title(f"layer {i + 1}: {kind}", fontsize=10)
            ax.set_xlabel("key (attended to)", fontsize=8)
            ax.set_ylabel("query (attending)", fontsize=8)
    fig.colorbar(image, ax=axes, shrink=0.6, label="attention weight (each row sums to 1)")
    fig.suptitle(title)
    save_figure(fig, run, filename)


REVERSAL_STEPS = 2000


def part_reversal(run):
    """An encoder-decoder Transformer learns to reverse digit strings (>= 99% exact on held-
    out strings); strings longer than any it saw; attention maps."""
    mg.manual_seed(run.seed)
    rng = np.random.default_rng(run.seed)
    # held-out strings (a fixed set, whatever the seed), never shown in training
    test_rng = np.random.default_rng(2024)
    test = sample_digits(test_rng, 1000, (5, TRAIN_LENGTHS[1]))
    longer = sample_digits(test_rng, 500, LONGER_LENGTHS)
    held_out = {tuple(s) for s in test}
    model = ReversalTransformer().to(run.device)
    start = time.perf_counter()
    losses = train_reversal(model, rng, REVERSAL_STEPS * run.epochs_or(1), run.device, held_out)
    minutes = (time.perf_counter() - start) / 60
    plot_curves({"training loss": losses}, run.path("reversal_loss.png"), xlabel="step",
                ylabel="cross-entropy per token", logy=True, title="Reversing digit strings: training loss")
    model.eval()
    acc_train_lengths = exact_match(model, test, run.device)
    acc_longer = exact_match(model, longer, run.device)
    by_length = {n: exact_match(model, sample_digits(test_rng, 200, (n, n), held_out), run.device)
                 for n in range(TRAIN_LENGTHS[0], LONGER_LENGTHS[1] + 1)}
    _plot_accuracy_by_length(run, by_length)
    # the attention maps of one held-out string and one longer string, with the layers written out
    for strings, fname, what in ((test[:1], "attention_maps.png", "a held-out string"),
                                 (longer[-1:], "attention_maps_longer.png", "a longer string than any trained on")):
        src, tgt_in, _ = make_batch(strings, run.device)
        logits, maps = attention_maps(model, src, tgt_in)
        with mg.no_grad():
            diff = float(np.abs(logits.numpy() - model(src, tgt_in).numpy()).max())
        if diff > 1e-4:
            raise RuntimeError(f"the written-out layers disagree with nn.Transformer: {diff}")
        _plot_attention(maps, src.numpy()[0], tgt_in.numpy()[0], run, fname,
                        f"Reversing {what} (teacher-forced decoder input); weights averaged over heads")
    print(f"   exact-sequence accuracy, held-out strings of {5}-{TRAIN_LENGTHS[1]} digits: "
          f"{acc_train_lengths:.4f}; longer strings ({LONGER_LENGTHS[0]}-{LONGER_LENGTHS[1]}): "
          f"{acc_longer:.4f}; trained {minutes:.1f} min")
    print("   by length:", "  ".join(f"{n}: {a:.2f}" for n, a in by_length.items()))
    return {"exact_match_train_lengths": acc_train_lengths, "exact_match_longer_lengths": acc_longer}


def _plot_accuracy_by_length(run, by_length):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    lengths, accuracy = list(by_length), list(by_length.values())
    ax.plot(lengths, accuracy, "o-")
    ax.axvspan(TRAIN_LENGTHS[0] - 0.5, TRAIN_LENGTHS[1] + 0.5, color="green", alpha=0.1,
               label=f"lengths seen in training ({TRAIN_LENGTHS[0]}-{TRAIN_LENGTHS[1]})")
    ax.set_ylim(0, 1.05)
    ax.set(xlabel="string length (digits)", ylabel="exact match (200 strings per length)",
           title="Greedy decoding: exact reversals by length")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    ax.legend()
    save_figure(fig, run, "accuracy_by_length.png")


# %% [markdown]
# ## Part 3: the cost
#
# Self-attention does n^2 d work, all of it at once; an LSTM does n d^2, but in n steps that
# must run one after another.

# %%
def part_cost(run, lengths=(16, 32, 64, 128, 256, 512), d=64, batch=4, repeats=3):
    """The time of self-attention (n^2 d) against an LSTM (n d^2, sequential) as the sequence
    grows: one layer, forward + backward."""
    mg.manual_seed(run.seed)
    mha = nn.MultiheadAttention(d, 4, batch_first=True).to(run.device)
    lstm = nn.LSTM(d, d, batch_first=True).to(run.device)
    layers = {"self-attention (n^2 d)": lambda x: mha(x, x, x, need_weights=False)[0],
              "LSTM (n d^2, sequential)": lambda x: lstm(x)[0]}
    times = {name: [] for name in layers}
    for layer in layers.values():                      # the first call compiles the kernels: not timed
        layer(mg.randn(batch, lengths[0], d, device=run.device, requires_grad=True)).sum().backward()
    for n in lengths:
        x = mg.randn(batch, n, d, device=run.device, requires_grad=True)
        for name, layer in layers.items():
            samples = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                layer(x).sum().backward()
                samples.append(time.perf_counter() - t0)
            times[name].append(1e3 * float(np.median(samples)))
        print(f"   n={n:4d}: " + "  ".join(f"{name.split(' ')[0]} {t[-1]:8.2f} ms" for name, t in times.items()))
    plot_curves({name: (np.array(lengths), np.array(t)) for name, t in times.items()},
                run.path("cost_vs_length.png"), xlabel="sequence length n", logy=True,
                ylabel="forward + backward, ms (log scale)",
                title=f"One layer, width d = {d}, batch {batch}")
    return {}


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"attention": part_attention, "reversal": part_reversal, "cost": part_cost}


def tiny_model_check(device="cpu"):
    """Gradcheck the whole encoder-decoder (every parameter, float64) on a tiny batch, on ``device``."""
    mg.manual_seed(0)
    model = ReversalTransformer(d_model=4, nhead=2, num_layers=1, dim_feedforward=4, max_len=4).double().to(device)
    src, tgt_in, tgt_out = make_batch([np.array([3, 1]), np.array([5])], device=device)
    loss = lambda *params: F.cross_entropy(model(src, tgt_in).reshape(-1, VOCAB), tgt_out.reshape(-1),
                                           ignore_index=PAD)
    return mg.autograd.gradcheck(loss, tuple(model.parameters()), return_error=True)


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
