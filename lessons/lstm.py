"""Lesson: recurrent nets, backpropagation through time, and truncated BPTT.

Run it: ``python -m lessons.lstm`` (all parts), or ``--part cell`` ... Parts, in reading order:

1. ``cell``     -- the LSTM memory cell wired by hand, reproducing the notes' table;
2. ``cliff``    -- why plain RNNs are hard to train: w^999, the cliff, and gradient clipping;
3. ``tbptt``    -- BPTT and truncated BPTT (Williams & Peng's k1, k2): exactness check and a
                   delayed-recall task that is learned only when k2 reaches past the lag;
4. ``charlm``   -- a character-level LSTM language model on the standard library's own docs;
5. ``gradnorm`` -- SimpleRNN vs GRU vs LSTM: how far back the gradient reaches; stacked and
                   bidirectional layers.
"""
from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import optim
from minigrad.utils import progress_bar, truncated_bptt
from minigrad.utils.lesson import lesson_main
from minigrad.utils.plotting import plot_curves

from .common import parameters_check, pyplot, save_figure

NAME = "lstm"
SUMMARY = ("recurrent nets: the LSTM memory cell by hand, the w^999 cliff and clipping, "
           "BPTT vs truncated BPTT, a character-level LSTM, RNN/GRU/LSTM gradient flow")
LAST_RESULT = ("memory-cell table exact (max abs error 5.0e-4); TBPTT(k1=k2=T) = BPTT exactly (diff 0); "
               "delayed recall lag 5: k2=4 -> 0.28 (chance 0.25), k2=12 -> 0.996; char-LSTM validation "
               "bits/char after 400 TBPTT updates: seeds 0-4 worst 2.22, median 2.17")


# =============================================================================================
# 1. The memory cell by hand
# =============================================================================================
# The notes describe one LSTM memory cell with a three-dimensional input x = (x1, x2, x3):
#   cell input     z = x1                      (g is linear here, not tanh)
#   input gate     i = sigmoid(100*x2 - 10)    open only when x2 = 1
#   forget gate    f = sigmoid(100*x2 + 10)    keeps the memory unless x2 = -1 (then it forgets)
#   output gate    o = sigmoid(100*x3 - 10)    shows the memory only when x3 = 1
#   memory         c' = f * c + i * z
#   output         y  = o * c'                 (h is linear here, not tanh)
# Gates are sigmoids pushed into saturation by the large weights, so they act as switches.

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
    xs = mg.tensor(np.array(CELL_INPUTS, dtype=np.float64))
    memories, outputs = memory_cell(xs)
    mem, out = memories.numpy(), outputs.numpy()
    print("   step  x            memory   output")
    for t, x in enumerate(CELL_INPUTS):
        print(f"   {t + 1:>4}  {str(x):<11} {mem[t]:8.4f} {out[t]:8.4f}")
    error = float(max(np.abs(mem - CELL_MEMORIES).max(), np.abs(out - CELL_OUTPUTS).max()))
    print(f"   rounded memories {np.rint(mem).astype(int).tolist()} outputs {np.rint(out).astype(int).tolist()}")
    return {"cell_table_max_abs_error": error}


# =============================================================================================
# 2. The cliff: one linear neuron with a recurrent weight w
# =============================================================================================
# y_t = w * y_{t-1} + x_t, fed x = (1, 0, 0, ..., 0) for 1000 steps, gives y_1000 = w^999:
# 1 for w = 1, about 20,000 for w = 1.01, about 0 for w = 0.99. The loss surface over w is flat
# almost everywhere and a cliff near w = 1: the gradient either vanishes or explodes.

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
    plt = pyplot()
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
    axes[2].legend(fontsize=8, loc="lower left")
    save_figure(fig, run, "cliff.png")
    for label, losses in runs.items():
        print(f"   {label:<34} final loss {losses[-1]:.3g}")
    return {}


# =============================================================================================
# 3. A recurrent language model, and BPTT vs truncated BPTT
# =============================================================================================
# BPTT: the loss of a sequence is the sum of its per-step cross-entropies; the gradient of the
# shared weights sums, over every step, the contributions of that step and every later one.
# Truncated BPTT (Williams & Peng): every k1 steps, backpropagate through the last k2 steps only,
# carry the (detached) state forward. The helper ``minigrad.utils.truncated_bptt`` does the
# bookkeeping; the model only has to map (inputs, state) -> (outputs, state).

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


def summed_cross_entropy(logits, targets):
    """The BPTT loss: the sum over steps (and streams) of each step's cross-entropy."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum")


def part_tbptt(run):
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
    plot_curves(curves, run.path("delayed_recall.png"), xlabel="TBPTT update (every k1 steps)",
                ylabel="training loss per step (nats)",
                title=f"delayed recall, lag {lag}: learned only when k2 > lag (chance = ln {RECALL_SYMBOLS})")
    return {"tbptt_vs_bptt_max_abs_diff": diffs[(T, T)], **results}


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
    for start in progress_bar(range(0, length, chunk), desc=f"delayed recall k2={k2}"):
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


# =============================================================================================
# 4. A character-level language model, trained with truncated BPTT
# =============================================================================================

def pydoc_text():
    """The text of Python's own documentation topics (``pydoc_data.topics``), shipped with every
    Python install: ~465,000 characters of English and code."""
    from pydoc_data.topics import topics
    return "".join(topics[k] for k in sorted(topics))


def part_charlm(run):
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
    bar = progress_bar(range(0, updates, 50), desc="char-LSTM (TBPTT k1=k2=32)")
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
        bar.set_postfix(val_bpc=f"{history['validation'][-1][1]:.3f}")
    bpc = history["validation"][-1][1]
    sample = sample_text(model, chars, index, "The ", 300, run)
    print(f"   validation bits per character after {done} updates: {bpc:.3f} "
          f"(uniform over {V} symbols: {np.log2(V):.2f}; character frequencies alone: 4.69)")
    print("   sample:\n" + "\n".join("     | " + line for line in sample.splitlines()))
    with open(run.path("charlm_sample.txt"), "w") as f:
        f.write(sample + "\n")
    plot_curves({name: ([d for d, _ in h], [v for _, v in h]) for name, h in history.items()},
                run.path("charlm_bpc.png"), xlabel="TBPTT update", ylabel="bits per character",
                title=f"char-LSTM on pydoc_data.topics: validation {bpc:.3f} bits/char")
    return {"char_val_bpc": bpc}


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


# =============================================================================================
# 5. How far back does the gradient reach? SimpleRNN vs GRU vs LSTM; stacked, bidirectional
# =============================================================================================

def input_gradient_norms(layer, T=100, size=16, at=-1, seed=0):
    """|| d(output at step `at`) / d(input at step t) || for every t, at initialisation."""
    mg.manual_seed(seed)
    x = mg.randn(T, 1, size, dtype=mg.float64, requires_grad=True)
    out, _ = layer.double()(x)
    direction = mg.randn(out.shape[-1], dtype=mg.float64)
    (out[at, 0] * direction).sum().backward()
    return np.sqrt((x.grad.numpy()[:, 0] ** 2).sum(axis=1))


def part_gradnorm(run):
    T, size, hidden = 100, 16, 64
    layers = {"SimpleRNN (tanh)": nn.RNN(size, hidden), "GRU (two gates)": nn.GRU(size, hidden),
              "LSTM": nn.LSTM(size, hidden)}
    mg.manual_seed(run.seed)
    biased = nn.LSTM(size, hidden)
    with mg.no_grad():
        biased.bias_ih_l0[hidden:2 * hidden].fill_(3.0)     # gate order i, f, g, o: the forget gate
        biased.bias_hh_l0[hidden:2 * hidden].fill_(0.0)
    layers["LSTM, forget-gate bias 3"] = biased
    norms = {name: input_gradient_norms(layer, T, size, seed=run.seed) for name, layer in layers.items()}
    steps_back = np.arange(T)[::-1]
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
    return {}


# =============================================================================================
PARTS = {"cell": part_cell, "cliff": part_cliff, "tbptt": part_tbptt, "charlm": part_charlm,
         "gradnorm": part_gradnorm}


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
