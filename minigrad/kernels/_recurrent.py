"""What the recurrent kernel families share (lstm.py, gru.py, rnn.py).

``RecurrentFunction``: ONE differentiable Function per layer and direction, over the whole
sequence. Its forward runs a family's kernel variant on arrays; its backward runs the
matching backward kernel (backpropagation through time) and returns the gradients of
``x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh``.

Double backward (``create_graph=True``): the fused kernels compute gradients on arrays, so
they cannot be differentiated again. Instead, ``backward`` then rebuilds the forward from
the family's *composite* cell (plain differentiable Tensor ops, one step at a time) and
differentiates that with ``create_graph=True``. Same numbers, slower, fully differentiable.

Shapes (one layer, one direction): x (T, N, I), h0 and c0 (N, H), weight_ih (G*H, I),
weight_hh (G*H, H), biases (G*H,) or None, where G is the number of gates (4 LSTM, 3 GRU,
1 plain RNN). ``reverse=True`` runs from t = T-1 down to 0; outputs keep x's time order.
"""
from __future__ import annotations

import math

from numba import njit

from ..autograd import grad_mode
from ..autograd.function import Function


# Scalar helpers for the Numba step kernels (gru.py, rnn.py). libm's tanh is several times
# slower than its exp here, so tanh is written with one exp.
@njit(cache=True, inline="always")
def sigmoid_nb(x):
    """1 / (1 + exp(-x)) for Numba kernels."""
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True, inline="always")
def tanh_nb(x):
    """tanh(x) = sign(x) (1 - e) / (1 + e) with e = exp(-2|x|), for Numba kernels: one exp,
    several times faster than libm's tanh here; absolute error about one machine epsilon."""
    a = abs(x)
    e = math.exp(-(a + a))                 # stays float32 for float32 data (expf)
    y = (1.0 - e) / (1.0 + e)
    return y if x >= 0 else -y


def time_steps(T, reverse):
    """The order in which a direction visits the time steps."""
    return range(T - 1, -1, -1) if reverse else range(T)


def check_shapes(name, gates, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """Raise a ValueError naming the op and the shapes when the arrays do not fit together."""
    if x.ndim != 3:
        raise ValueError(f"{name}: expected input x of shape (T, N, input_size), got {tuple(x.shape)}")
    T, N, I = x.shape
    GH = w_ih.shape[0]
    H = GH // gates
    if w_ih.shape != (gates * H, I) or GH % gates:
        raise ValueError(f"{name}: weight_ih of shape {tuple(w_ih.shape)} does not fit input_size {I} "
                         f"({gates} gates: expected ({gates}*hidden_size, {I}))")
    if w_hh.shape != (gates * H, H):
        raise ValueError(f"{name}: weight_hh of shape {tuple(w_hh.shape)}, expected ({gates * H}, {H})")
    for label, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
        if b is not None and b.shape != (gates * H,):
            raise ValueError(f"{name}: {label} of shape {tuple(b.shape)}, expected ({gates * H},)")
    for label, s in (("h0", h0), ("c0", c0)):
        if s is not None and s.shape != (N, H):
            raise ValueError(f"{name}: {label} of shape {tuple(s.shape)}, expected (batch, hidden_size) = ({N}, {H})")
    for label, a in (("h0", h0), ("c0", c0), ("weight_ih", w_ih), ("weight_hh", w_hh),
                     ("bias_ih", b_ih), ("bias_hh", b_hh)):
        if a is not None and a.dtype != x.dtype:
            raise TypeError(f"{name}: {label} has dtype {a.dtype} but the input has dtype {x.dtype}")


def input_projection(x, w_ih, b_ih, b_hh):
    """x_t W_ih^T + b_ih + b_hh for every t at once: one (T*N, I) x (I, G*H) GEMM."""
    T, N, I = x.shape
    xw = (x.reshape(T * N, I) @ w_ih.T).reshape(T, N, w_ih.shape[0])
    if b_ih is not None:
        xw += b_ih
    if b_hh is not None:
        xw += b_hh
    return xw


def weight_grads(dg_ih, dg_hh, x, h0, y, reverse, w_ih, b_ih, b_hh):
    """dx, dW_ih, dW_hh and the bias gradients as GEMMs over all steps, after the loop.

    ``dg_ih`` (T, N, G*H) is the gradient of the input-side gate pre-activations, ``dg_hh``
    of the hidden-side ones (the same array except for the GRU's n gate)."""
    T, N, I = x.shape
    G = dg_ih.shape[2]
    d2 = dg_ih.reshape(T * N, G)
    dx = (d2 @ w_ih).reshape(T, N, I)
    dw_ih = d2.T @ x.reshape(T * N, I)
    first = T - 1 if reverse else 0                # the step that reads h0
    rest = slice(0, T - 1) if reverse else slice(1, T)
    prev = slice(1, T) if reverse else slice(0, T - 1)
    H = h0.shape[1]
    dw_hh = dg_hh[first].T @ h0
    if T > 1:
        dw_hh += dg_hh[rest].reshape(-1, G).T @ y[prev].reshape(-1, H)
    db_ih = None if b_ih is None else d2.sum(0)
    db_hh = None if b_hh is None else dg_hh.reshape(T * N, G).sum(0)
    return dx, dw_ih, dw_hh, db_ih, db_hh



class RecurrentFunction(Function):
    """Base of LSTMFunction, GRUFunction, RNNTanhFunction, RNNReluFunction.

    ``apply(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, reverse=False)`` returns
    ``(y, h_n, c_n)`` for the LSTM and ``(y, h_n)`` otherwise (pass ``c0=None`` there).

    A subclass sets ``name``, ``gates``, ``variants`` (variant -> (forward, backward) on
    arrays) and ``composite`` (the differentiable Tensor version, for double backward).
    Kernel signatures: ``forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)`` ->
    ``(outputs, saved)``; ``backward(grads_of_outputs, inputs, outputs, saved, reverse)`` ->
    gradients of the seven inputs (arrays, None where an input is None).
    """

    name = "recurrent"
    gates = 1
    variants: dict = {}
    composite = None

    @classmethod
    def kernels(cls, variant):
        if variant == "cuda" and "cuda" in cls.variants and callable(cls.variants["cuda"]):
            return cls.variants["cuda"]()          # built lazily: imports numba.cuda
        return cls.variants[variant]

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        from . import variant_for
        cls = type(ctx)
        check_shapes(cls.name, cls.gates, x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        ctx.variant = variant_for(x)
        ctx.reverse = bool(reverse)
        forward, _ = cls.kernels(ctx.variant)
        outputs, saved = forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, ctx.reverse)
        ctx.n_out = len(outputs)
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, *outputs, *saved)
        return outputs

    @staticmethod
    def backward(ctx, *grads):
        from ..tensor import Tensor
        cls = type(ctx)
        saved = ctx.saved_tensors
        inputs, outputs, extra = saved[:7], saved[7:7 + ctx.n_out], saved[7 + ctx.n_out:]
        if grad_mode.is_grad_enabled():               # create_graph=True: differentiable path
            return _composite_backward(cls, ctx, inputs, grads)
        _, backward = cls.kernels(ctx.variant)
        data = lambda ts: tuple(None if t is None else t.data for t in ts)  # noqa: E731
        arrays = backward(data(grads), data(inputs), data(outputs), data(extra), ctx.reverse)
        return tuple(Tensor(a) if a is not None and need else None
                     for a, need in zip(arrays, ctx.needs_input_grad))


def _composite_backward(cls, ctx, inputs, grads):
    """Gradients that can be differentiated again: rebuild the forward from the composite
    cell (Tensor ops) and differentiate it with create_graph=True."""
    from ..autograd import grad
    wanted = [i for i, need in enumerate(ctx.needs_input_grad) if need]
    outs = cls.composite(*inputs, reverse=ctx.reverse)
    pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad]
    got = grad([o for o, _ in pairs], [inputs[i] for i in wanted], [g for _, g in pairs],
               create_graph=True, allow_unused=True)
    result = [None] * 7
    for i, g in zip(wanted, got):
        result[i] = g if g is not None else inputs[i] * 0
    return tuple(result)


def composite_sequence(cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """Run a differentiable Tensor ``cell(x_t, state, w_ih, w_hh, b_ih, b_hh) -> state``
    over time; returns ``(y, h_n[, c_n])`` like the kernels. Used for double backward."""
    from ..ops import stack
    state = (h0,) if c0 is None else (h0, c0)
    ys = [None] * x.shape[0]
    for t in time_steps(x.shape[0], reverse):
        state = cell(x[t], state, w_ih, w_hh, b_ih, b_hh)
        ys[t] = state[0]
    return (stack(ys, 0),) + tuple(state)
