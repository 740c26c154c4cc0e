"""Lesson: recurrent nets, backpropagation through time, and truncated BPTT.

Run it: ``minigrad lesson lstm`` (all parts), or ``--part cell`` ... Parts, in reading order:

1. ``cell``     -- the LSTM memory cell wired by hand, reproducing the notes' table;
2. ``cell_ops`` -- the cell from ops: one step of nn.LSTM written with Tensor ops, run over a
                   sequence, equal to nn.LSTM in its outputs and its gradients;
3. ``cliff``    -- why plain RNNs are hard to train: w^999, the cliff, and gradient clipping;
4. ``tbptt``    -- BPTT and truncated BPTT (Williams & Peng's k1, k2): exactness check and a
                   delayed-recall task that is learned only when k2 reaches past the lag;
5. ``charlm``   -- a character-level LSTM language model on the standard library's own docs;
6. ``gradnorm`` -- SimpleRNN vs GRU vs LSTM: how far back the gradient reaches; stacked and
                   bidirectional layers.
"""
# %%
from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.utils import progress_bar, truncated_bptt
from minigrad.utils.lesson import lesson_main

from lessons.common import parameters_check, pydoc_topics, pyplot, save_figure

NAME = "lstm"
SUMMARY = ("recurrent nets: the LSTM memory cell by hand, the cell from Tensor ops, the w^999 cliff "
           "and clipping, BPTT vs truncated BPTT, a character-level LSTM, RNN/GRU/LSTM gradient flow")

# %% [markdown]
# ## The data
#
# Each part makes its own: the notes' nine inputs of the memory cell, one impulse for the cliff,
# random symbol streams for BPTT and delayed recall, and, for the character model, the text of
# Python's own documentation topics (`pydoc_data.topics`, ~465,000 characters shipped with every
# Python install).
#
# ## The model
#
# A recurrent net carries a state from one step to the next; an LSTM's state is two vectors, the
# memory c and the output h. The model shared by the BPTT parts is an embedding of the symbols,
# a recurrent layer (RNN, GRU or LSTM) and a Linear layer that scores the next symbol at every
# step.

# %%
class SequenceModel(nn.Module):
    """Embedding -> recurrent layer (RNN, GRU or LSTM) -> Linear: logits at every step.

    Inputs are (T, B) symbol indices, outputs (T, B, vocab) logits, and the state is carried."""

    def __init__(self, vocab, embed, hidden, cell="LSTM", num_layers=1, bidirectional=False):
        super().__init__()
        self.vocab = vocab
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = getattr(nn, cell)(embed, hidden, num_layers=num_layers, bidirectional=bidirectional)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), vocab)

    def forward(self, x, state=None):
        h, state = self.rnn(self.embed(x), state)
        return self.out(h), state


def run_model(model, x, state):
    """The step function the TBPTT helper drives: one chunk of the stream through the model."""
    return model(x, state)


# %% [markdown]
# ## The loss and the training loop
#
# BPTT: the loss of a sequence is the sum of its per-step cross-entropies; the gradient of the
# shared weights sums, over every step, the contributions of that step and every later one.
# Truncated BPTT (Williams & Peng): every k1 steps, backpropagate through the last k2 steps
# only, and carry the (detached) state forward. The helper `minigrad.utils.truncated_bptt` does
# the bookkeeping; the model only has to map (inputs, state) -> (outputs, state).

# %%
def summed_cross_entropy(logits, targets):
    """The BPTT loss: the sum over steps (and streams) of each step's cross-entropy."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum")


# %% [markdown]
# ## Part 1: the memory cell by hand
#
# The notes describe one LSTM memory cell with a three-dimensional input x = (x1, x2, x3):
#
#     cell input     z = x1                      (g is linear here, not tanh)
#     input gate     i = sigmoid(100*x2 - 10)    open only when x2 = 1
#     forget gate    f = sigmoid(100*x2 + 10)    keeps the memory unless x2 = -1 (then it forgets)
#     output gate    o = sigmoid(100*x3 - 10)    shows the memory only when x3 = 1
#     memory         c' = f * c + i * z
#     output         y  = o * c'                 (h is linear here, not tanh)
#
# Gates are sigmoids pushed into saturation by the large weights, so they act as switches.

# %%
CELL_INPUTS = [(1, 0, 0), (3, 1, 0), (2, 0, 0), (4, 1, 0), (2, 0, 0), (1, 0, 1), (3, -1, 0),
               (6, 1, 0), (1, 0, 1)]
CELL_MEMORIES = [0, 3, 3, 7, 7, 7, 0, 6, 6]     # the notes' table
CELL_OUTPUTS = [0, 0, 0, 0, 0, 7, 0, 0, 6]


def memory_cell(xs, c0=0.0):
    """Run the hand-wired cell over the rows of ``xs`` (T, 3); return memories and outputs (T,)."""
    # Each gate is a weight vector over (x1, x2, x3) plus a bias, exactly as in the notes.
    w_z, b_z = mg.tensor([1.0, 0.0, 0.0], dtype=xs.dtype), 0.0
    w_i, b_i = mg.tensor([0.0, 100.0, 0.0], dtype=xs.dtype), -10.0
    w_f, b_f = mg.tensor([0.0, 100.0, 0.0], dtype=xs.dtype), 10.0
    w_o, b_o = mg.tensor([0.0, 0.0, 100.0], dtype=xs.dtype), -10.0
    c = mg.tensor(c0, dtype=xs.dtype)
    memories, outputs = [], []
    for t in range(xs.shape[0]):
        x = xs[t]
        z = (x * w_z).sum() + b_z
        i = mg.sigmoid((x * w_i).sum() + b_i)
        f = mg.sigmoid((x * w_f).sum() + b_f)
        o = mg.sigmoid((x * w_o).sum() + b_o)
        c = f * c + i * z
        memories.append(c)
        outputs.append(o * c)
    return mg.stack(memories), mg.stack(outputs)


def part_cell(run):
    """The LSTM memory cell wired by hand, reproducing the notes' table of memories and
    outputs."""
    xs = mg.tensor(np.array(CELL_INPUTS, dtype=np.float64))
    memories, outputs = memory_cell(xs)
    mem, out = memories.numpy(), outputs.numpy()
    print("   step  x            memory   output")
    for t, x in enumerate(CELL_INPUTS):
        print(f"   {t + 1:>4}  {str(x):<11} {mem[t]:8.4f} {out[t]:8.4f}")
    error = float(max(np.abs(mem - CELL_MEMORIES).max(), np.abs(out - CELL_OUTPUTS).max()))
    print(f"   rounded memories {np.rint(mem).astype(int).tolist()} outputs {np.rint(out).astype(int).tolist()}")
    return {"cell_table_max_abs_error": error}


# %% [markdown]
# ## Part 2: the cell from ops
#
# nn.LSTM runs a fused kernel; here is one of its steps written with Tensor ops, with PyTorch's
# parameter names and gate order (input, forget, cell, output):
#
#     gates = x W_ih^T + b_ih + h W_hh^T + b_hh          four blocks of hidden_size
#     i, f, o = sigmoid(...),  g = tanh(...)
#     c' = f * c + i * g,      h' = o * tanh(c')
#
# Run over a sequence it must give nn.LSTM's outputs, and autograd through it nn.LSTM's
# gradients.

# %%
def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step from Tensor ops: x (B, I), h and c (B, H) -> the new (h, c)."""
    gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = mg.sigmoid(i), mg.sigmoid(f), mg.tanh(g), mg.sigmoid(o)
    c = f * c + i * g
    return o * mg.tanh(c), c


def lstm_from_ops(lstm, x):
    """A one-layer ``nn.LSTM`` run step by step with ``lstm_step`` on x (T, B, I), from zero state;
    returns (outputs (T, B, H), (h_n, c_n)) as the layer does."""
    h = mg.zeros(x.shape[1], lstm.hidden_size, dtype=x.dtype, device=x.device)
    c = h
    outputs = []
    for t in range(x.shape[0]):
        h, c = lstm_step(x[t], h, c, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
        outputs.append(h)
    return mg.stack(outputs), (h[None], c[None])


def part_cell_ops(run):
    """The cell from ops: one nn.LSTM step written with Tensor ops, run over a sequence, equal to
    nn.LSTM in outputs and gradients."""
    generator = mg.Generator().manual_seed(run.seed)     # its own random numbers: later parts unchanged
    lstm = nn.LSTM(3, 4).double()
    with mg.no_grad():
        for p in lstm.parameters():
            p.copy_(mg.rand(*p.shape, generator=generator, dtype=mg.float64) - 0.5)
    x = (mg.rand(7, 2, 3, generator=generator, dtype=mg.float64) * 2 - 1).requires_grad_()
    diffs = {}
    results = {}
    for name, forward in (("ops", lambda: lstm_from_ops(lstm, x)), ("nn.LSTM", lambda: lstm(x))):
        x.grad = None
        lstm.zero_grad()
        out, (h_n, c_n) = forward()
        (out.sum() + c_n.sum()).backward()
        results[name] = [out, h_n, c_n, x.grad] + [p.grad for p in lstm.parameters()]
    labels = ["outputs", "h_n", "c_n", "d/dx"] + [f"d/d{n}" for n, _ in lstm.named_parameters()]
    for label, ours, theirs in zip(labels, results["ops"], results["nn.LSTM"]):
        diffs[label] = float((ours - theirs).abs().max().item())
        print(f"   {label:<16} max |ops - nn.LSTM| = {diffs[label]:.2e}")
    return {"cell_from_ops_max_abs_diff": max(diffs.values())}


# %% [markdown]
# ## Part 3: the cliff -- one linear neuron with a recurrent weight w
#
# y_t = w * y_{t-1} + x_t, fed x = (1, 0, 0, ..., 0) for 1000 steps, gives y_1000 = w^999: 1 for
# w = 1, about 20,000 for w = 1.01, about 0 for w = 0.99. The loss surface over w is flat almost
# everywhere and a cliff near w = 1: the gradient either vanishes or explodes. Clipping the
# gradient (by value or by norm) is the cure for the explosion.

# %%
def linear_rnn_last_output(w, steps=1000):
    """y_steps of y_t = w * y_{t-1} + x_t with x = (1, 0, ..., 0), built step by step (BPTT graph)."""
    y = mg.zeros((), dtype=w.dtype)
    for t in range(steps):
        x_t = 1.0 if t == 0 else 0.0
        y = w * y + x_t
    return y


def descend_cliff(w0, target, lr, steps, clip=None):
    """Gradient descent on (y_1000(w) - target)^2 from w0; ``clip`` is None, ('norm', c) or
    ('value', c). Returns the loss per step (inf once w has been thrown off the cliff)."""
    w = nn.Parameter(mg.tensor(w0, dtype=mg.float64))
    losses = []
    for _ in range(steps):
        # The loop is unrolled 1000 steps deep; with w^999 computed in closed form the lesson
        # would be faster, but the point is that backward walks through all 1000 steps.
        with np.errstate(over="ignore"):     # thrown off the cliff, w^999 overflows to inf: the point
            loss = (linear_rnn_last_output(w) - target) ** 2
        losses.append(float(loss.item()))
        if not np.isfinite(losses[-1]):
            break
        w.grad = None
        loss.backward()
        if clip is not None:
            kind, c = clip
            if kind == "norm":
                nn.utils.clip_grad_norm_([w], max_norm=c)
            else:
                nn.utils.clip_grad_value_([w], clip_value=c)
        with mg.no_grad():
            w -= lr * w.grad
    losses += [float("inf")] * (steps - len(losses))
    return losses


def part_cliff(run):
    """Why plain RNNs are hard to train: w^999 after 1000 steps, the cliff, and gradient
    clipping."""
    w = mg.tensor(np.array([0.99, 1.0, 1.01]), requires_grad=True)
    y = linear_rnn_last_output(w)
    y.sum().backward()
    for wi, yi, gi in zip(w.detach().numpy(), y.detach().numpy(), w.grad.numpy()):
        print(f"   w = {wi:.2f}: y_1000 = w^999 = {yi:12.6g}   dy/dw = 999 w^998 = {gi:12.6g}")
    # The cliff, over a fine grid of w (vectorised: every w is one element of the same tensor).
    grid = np.linspace(0.985, 1.012, 541)
    wg = mg.tensor(grid, requires_grad=True)
    yg = linear_rnn_last_output(wg)
    yg.sum().backward()
    # Clipping: descend to y_1000 = 0.5 from w = 1.005 (y ~ 147), just past the cliff's edge.
    lr, steps, target = 1e-6, 60, 0.5
    runs = {"no clipping": descend_cliff(1.005, target, lr, steps),
            "clip_grad_norm_(max_norm=1000)": descend_cliff(1.005, target, lr, steps, ("norm", 1000.0)),
            "clip_grad_value_(clip_value=1000)": descend_cliff(1.005, target, lr, steps, ("value", 1000.0))}
    _plot_cliff(run, grid, yg, wg, runs, lr, target)
    for label, losses in runs.items():
        print(f"   {label:<34} final loss {losses[-1]:.3g}")
    return {}


def _plot_cliff(run, grid, yg, wg, runs, lr, target):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(18, 4.5))
    shown = grid <= 1.0101
    axes[0].plot(grid[shown], yg.detach().numpy()[shown])
    for wv in (0.99, 1.0, 1.01):
        axes[0].plot([wv], [wv ** 999], "o", label=f"w = {wv}: w^999 = {wv ** 999:.3g}")
    axes[0].legend(loc="upper left")
    axes[0].set(title="y_1000 = w^999: flat, then a cliff", xlabel="recurrent weight w",
                ylabel="y_1000 (linear scale)")
    axes[1].semilogy(grid, np.abs(wg.grad.numpy()) + 1e-300)
    axes[1].set(title="|dy_1000/dw| by backprop through 1000 steps", xlabel="recurrent weight w",
                ylabel="|gradient| (log scale)")
    styles = {"no clipping": dict(marker="x", ms=10), "clip_grad_norm_(max_norm=1000)": dict(lw=3),
              "clip_grad_value_(clip_value=1000)": dict(ls="--")}
    for label, losses in runs.items():
        ls = np.array(losses)
        finite = np.isfinite(ls)
        note = ""
        if not finite.all():
            note = f": step 1 throws w to {1.005 - lr * 2 * (1.005 ** 999 - target) * 999 * 1.005 ** 998:.0f}, then inf"
        elif "value" in label:
            note = " (the same as by norm for one weight)"
        axes[2].semilogy(np.arange(len(ls))[finite], ls[finite], label=label + note, **styles[label])
    axes[2].set(title=f"descent to y_1000 = {target} from w = 1.005, lr {lr}",
                xlabel="gradient-descent step", ylabel="loss (log scale)")
    axes[2].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    save_figure(fig, run, "cliff.png")


# %% [markdown]
# ## Part 4: BPTT vs truncated BPTT
#
# With k1 = k2 = T, truncated BPTT is full BPTT, to the last bit. Then a delayed-recall task: the
# target at step t is the symbol seen at step t - lag; the gradient that teaches the model to
# keep a symbol for `lag` steps exists only if k2 reaches that far back.

# %%
def part_tbptt(run):
    """BPTT vs truncated BPTT (Williams & Peng's k1, k2): exactness, and delayed recall
    learned only when k2 > lag."""
    # (a) Exactness: with k1 = k2 = T, truncated BPTT is full BPTT, to the last bit (float64).
    T, B, V = 40, 3, 6
    mg.manual_seed(run.seed)
    model = SequenceModel(V, 5, 8).double()
    stream = mg.randint(0, V, (T + 1, B))
    inputs, targets = stream[:-1], stream[1:]
    model.zero_grad()
    logits, _ = model(inputs)
    summed_cross_entropy(logits, targets).backward()                  # full BPTT
    full = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    diffs = {}
    for k1, k2 in [(T, T), (10, 10), (5, 20)]:
        model.zero_grad()
        truncated_bptt(model, inputs, targets, run_model, summed_cross_entropy, k1=k1, k2=k2)
        diffs[(k1, k2)] = max(float(np.abs(p.grad.numpy() - full[n]).max()) for n, p in model.named_parameters())
    for (k1, k2), d in diffs.items():
        print(f"   k1={k1:>2}, k2={k2:>2}: max |grad_TBPTT - grad_BPTT| = {d:.3g}"
              + ("  (equal: one window holds the whole stream)" if k1 == T else "  (truncated: differs)"))

    # (b) Delayed recall: the target at step t is the symbol seen at step t - lag. The gradient
    # that teaches the model to keep a symbol for `lag` steps exists only if k2 reaches that far.
    lag, k1 = 5, 4
    results = {}
    curves = {}
    for label, k2 in [("short", 4), ("long", 12)]:
        acc, history = train_delayed_recall(run, lag, k1, k2)
        results[f"delayed_recall_accuracy_k2_{label}"] = acc
        curves[f"k1={k1}, k2={k2} ({'<' if k2 < lag else '>'} lag {lag}): test accuracy {acc:.3f}"] = history
        print(f"   delayed recall, lag {lag}: k1={k1}, k2={k2:>2} -> test accuracy {acc:.3f} "
              f"(chance {1 / RECALL_SYMBOLS:.3f})")
    _plot_delayed_recall(run, curves, lag)
    return {"tbptt_vs_bptt_max_abs_diff": diffs[(T, T)], **results}


def _plot_delayed_recall(run, curves, lag):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, history in curves.items():
        ax.plot(np.arange(1, len(history) + 1), history, label=label)
    ax.axhline(np.log(RECALL_SYMBOLS), color="gray", ls=":",
               label=f"chance: ln {RECALL_SYMBOLS} = {np.log(RECALL_SYMBOLS):.3f} nats")
    ax.set(xlabel="TBPTT update (every k1 steps)",
           ylabel="training loss per step, nats\n(moving average of 20 updates)",
           title=f"delayed recall, lag {lag}: learned only when k2 > lag")
    ax.grid(True, alpha=0.3)
    ax.legend()
    save_figure(fig, run, "delayed_recall.png")


RECALL_SYMBOLS = 4


def recall_stream(length, batch, lag, generator):
    """Random symbols (length, batch) and targets: the symbol `lag` steps back (-100: ignored)."""
    x = mg.randint(0, RECALL_SYMBOLS, (length, batch), generator=generator)
    y = mg.full((length, batch), -100, dtype=mg.int64)
    y[lag:] = x[:-lag]
    return x, y


def train_delayed_recall(run, lag, k1, k2, length=None, batch=32, updates_per_log=25):
    mg.manual_seed(run.seed)
    gen = mg.Generator().manual_seed(run.seed)
    length = length or run.epochs_or(1) * 3200
    model = SequenceModel(RECALL_SYMBOLS, 8, 32).to(run.device)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    x, y = (t.to(run.device) for t in recall_stream(length, batch, lag, gen))

    def mean_ce(logits, targets):
        # summed, then divided by a fixed count: the first steps have no target (ignored), and a
        # mean over zero targets would be 0/0
        return F.cross_entropy(logits.reshape(-1, RECALL_SYMBOLS), targets.reshape(-1),
                               reduction="sum") / targets.numel()

    def update():
        optimizer.step()
        optimizer.zero_grad()

    losses, state = [], None
    chunk = k1 * updates_per_log
    for start in progress_bar(range(0, length, chunk), desc=f"delayed recall k2={k2}", unit="chunk"):
        result = truncated_bptt(model, x[start:start + chunk], y[start:start + chunk], run_model,
                                mean_ce, k1=k1, k2=k2, state=state, on_update=update)
        state = result.state
        losses.extend(result.losses)
    # Test on a fresh stream, state carried through, scoring every step that has a target.
    xt, yt = (t.to(run.device) for t in recall_stream(2000, batch, lag, gen))
    with mg.no_grad():
        logits, _ = model(xt)
    acc = float((logits.argmax(dim=-1).numpy() == yt.numpy())[lag:].mean())
    smooth = np.convolve(losses, np.ones(20) / 20, mode="valid")
    return acc, list(smooth)


# %% [markdown]
# ## Part 5: a character-level language model, trained with truncated BPTT
#
# 32 parallel streams of Python's documentation, an LSTM of 128 units, k1 = k2 = 32, Adam and
# gradient clipping; the measure is the validation loss in bits per character (uniform over the
# symbols would be log2 of their number; the character frequencies alone give 4.69).

# %%
def pydoc_text():
    """The text of Python's own documentation topics (``pydoc_data.topics``), shipped with every
    Python install: ~465,000 characters of English and code."""
    topics = pydoc_topics()
    return "".join(topics[k] for k in sorted(topics))


def part_charlm(run):
    """A character-level LSTM language model on the standard library's docs, trained with
    truncated BPTT."""
    text = pydoc_text()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = np.array([index[c] for c in text], dtype=np.int64)
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    V, B, k = len(chars), 32, 32                       # vocabulary, parallel streams, k1 = k2 = k
    per_stream = len(train) // B
    streams = mg.tensor(train[:per_stream * B].reshape(B, per_stream).T.copy(), device=run.device)  # (L, B)
    val_len = len(val) // B
    val_streams = mg.tensor(val[:val_len * B].reshape(B, val_len).T[:2001].copy(), device=run.device)

    mg.manual_seed(run.seed)
    model = SequenceModel(V, 32, 128).to(run.device)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)

    def update():
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()

    def mean_ce(logits, targets):
        return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))

    def val_bpc():
        with mg.no_grad():
            logits, _ = model(val_streams[:-1])
            return mean_ce(logits, val_streams[1:]).item() / np.log(2)

    updates = run.epochs_or(1) * int(run.options.get("char_updates") or 400)
    chunk = 50 * k                                     # the helper runs 50 updates per call
    history = {"train": [], "validation": []}
    state, done, position = None, 0, 0
    bar = progress_bar(range(0, updates, 50), desc="char-LSTM (TBPTT k1=k2=32)", unit="round of 50 updates")
    for _ in bar:
        if position + chunk + 1 > streams.shape[0]:   # wrapped around the text: start afresh
            position, state = 0, None
        x = streams[position:position + chunk]
        y = streams[position + 1:position + chunk + 1]
        result = truncated_bptt(model, x, y, run_model, mean_ce, k1=k, k2=k, state=state, on_update=update)
        state, position = result.state, position + chunk
        done += len(result.losses)
        history["train"].append((done, float(np.mean(result.losses)) / np.log(2)))
        history["validation"].append((done, val_bpc()))
        bar.set_postfix({"validation bits/char": f"{history['validation'][-1][1]:.3f}"})
    bpc = history["validation"][-1][1]
    sample = sample_text(model, chars, index, "The ", 300, run)
    print(f"   validation bits per character after {done} updates: {bpc:.3f} "
          f"(uniform over {V} symbols: {np.log2(V):.2f}; character frequencies alone: 4.69)")
    print("   sample:\n" + "\n".join("     | " + line for line in sample.splitlines()))
    with open(run.path("charlm_sample.txt"), "w") as f:
        f.write(sample + "\n")
    _plot_charlm(run, history, bpc, V)
    return {"char_val_bpc": bpc}


def _plot_charlm(run, history, bpc, vocab):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, h in history.items():
        ax.plot([d for d, _ in h], [v for _, v in h], marker="." if len(h) < 30 else None, label=name)
    ax.axhline(4.69, color="gray", ls=":", label="character frequencies alone: 4.69")
    ax.set(xlabel="TBPTT update", ylabel="bits per character",
           title=f"char-LSTM on pydoc_data.topics: validation {bpc:.3f} bits/char\n"
                 f"(uniform over its {vocab} symbols: {np.log2(vocab):.2f})")
    ax.grid(True, alpha=0.3)
    ax.legend()
    save_figure(fig, run, "charlm_bpc.png")


def sample_text(model, chars, index, prompt, length, run, temperature=0.8):
    """Generate text one character at a time, feeding each sample back in."""
    gen = mg.Generator().manual_seed(run.seed)
    out = list(prompt)
    with mg.no_grad():
        logits, state = model(mg.tensor([[index[c]] for c in prompt], device=run.device))
        for _ in range(length):
            probs = mg.softmax(logits[-1, 0] / temperature, dim=-1)
            nxt = int(mg.multinomial(probs, 1, generator=gen).item())
            out.append(chars[nxt])
            logits, state = model(mg.tensor([[nxt]], device=run.device), state)
    return "".join(out)


# %% [markdown]
# ## Part 6: how far back does the gradient reach? SimpleRNN vs GRU vs LSTM
#
# At initialisation, the norm of d(last output) / d(input t) shrinks geometrically with the
# distance for a SimpleRNN; the gates of a GRU and an LSTM slow the decay, and an LSTM whose
# forget gate starts open (a large forget bias) carries it across the whole sequence. Stacked
# layers see only the past; a bidirectional layer sees the future too.

# %%
def input_gradient_norms(layer, T=100, size=16, at=-1, seed=0):
    """|| d(output at step `at`) / d(input at step t) || for every t, at initialisation."""
    mg.manual_seed(seed)
    x = mg.randn(T, 1, size, dtype=mg.float64, requires_grad=True)
    out, _ = layer.double()(x)
    direction = mg.randn(out.shape[-1], dtype=mg.float64)
    (out[at, 0] * direction).sum().backward()
    return np.sqrt((x.grad.numpy()[:, 0] ** 2).sum(axis=1))


def part_gradnorm(run):
    """SimpleRNN vs GRU vs LSTM: how far back the gradient reaches; stacked and
    bidirectional layers."""
    T, size, hidden = 100, 16, 64
    mg.manual_seed(run.seed)
    layers = {"SimpleRNN (tanh)": nn.RNN(size, hidden), "GRU (two gates)": nn.GRU(size, hidden),
              "LSTM": nn.LSTM(size, hidden)}
    biased = nn.LSTM(size, hidden)
    with mg.no_grad():
        biased.bias_ih_l0[hidden:2 * hidden].fill_(3.0)     # gate order i, f, g, o: the forget gate
        biased.bias_hh_l0[hidden:2 * hidden].fill_(0.0)
    layers["LSTM, forget-gate bias 3"] = biased
    norms = {name: input_gradient_norms(layer, T, size, seed=run.seed) for name, layer in layers.items()}
    for name, n in norms.items():
        print(f"   {name:<26} gradient norm 1 step back {n[-2]:.3g}, 50 steps back {n[-51]:.3g}, "
              f"99 steps back {n[0]:.3g}")
    # Stacked and bidirectional: shapes, and whose inputs an output at step 50 depends on.
    stacked = nn.LSTM(size, hidden, num_layers=2)
    bidir = nn.LSTM(size, hidden, bidirectional=True)
    x = mg.randn(T, 4, size, dtype=mg.float64)
    stacked.double()
    bidir.double()
    out_s, (h_s, c_s) = stacked(x)
    out_b, (h_b, c_b) = bidir(x)
    print(f"   stacked LSTM (num_layers=2): output {tuple(out_s.shape)}, h_n {tuple(h_s.shape)}; "
          f"parameters {[n for n, _ in stacked.named_parameters()][:4]} ...")
    print(f"   bidirectional LSTM: output {tuple(out_b.shape)} (forward and backward halves), "
          f"h_n {tuple(h_b.shape)}")
    at = T // 2
    flows = {"LSTM (one direction)": input_gradient_norms(nn.LSTM(size, hidden), T, size, at=at, seed=run.seed),
             "bidirectional LSTM": input_gradient_norms(bidir, T, size, at=at, seed=run.seed),
             "stacked LSTM, 2 layers": input_gradient_norms(stacked, T, size, at=at, seed=run.seed)}
    _plot_gradient_norms(run, norms, flows, T, at)
    return {}


def _plot_gradient_norms(run, norms, flows, T, at):
    steps_back = np.arange(T)[::-1]
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
    for name, n in norms.items():
        axes[0].semilogy(steps_back, np.where(n > 0, n, np.nan), label=name)
    axes[0].set(xlabel="steps back from the last output", ylabel="|| d output_T / d input_t || (log)",
                title="how far back the gradient reaches, at initialisation (T = 100)")
    axes[0].legend()
    for name, n in flows.items():
        axes[1].semilogy(np.arange(T), np.where(n > 0, n, np.nan), label=name)
    axes[1].axvline(at, color="gray", ls=":")
    axes[1].set(xlabel="input step t", ylabel=f"|| d output_{at} / d input_t || (log)",
                title=f"output at step {at}: only the past reaches it, unless bidirectional\n"
                      "(no line = exactly zero gradient)")
    axes[1].legend()
    save_figure(fig, run, "gradient_norms.png")


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"cell": part_cell, "cell_ops": part_cell_ops, "cliff": part_cliff, "tbptt": part_tbptt,
         "charlm": part_charlm, "gradnorm": part_gradnorm}


def add_options(parser):
    parser.add_argument("--char-updates", type=int, default=None,
                        help="TBPTT updates of the character model (default 400)")


def tiny_model_check(device="cpu"):
    """Gradcheck a tiny Embedding -> LSTM -> Linear language model over every parameter
    (float64), through a 2-layer stacked LSTM and the summed per-step cross-entropy, on ``device``."""
    mg.manual_seed(0)
    model = SequenceModel(5, 3, 4, num_layers=2).to(device)
    stream = mg.randint(0, 5, (7, 2)).to(device)
    return parameters_check(lambda: summed_cross_entropy(model(stream[:-1])[0], stream[1:]), model)


def main(argv=None):
    return lesson_main(NAME, PARTS, argv, extra=add_options)


if __name__ == "__main__":
    sys.exit(main())
