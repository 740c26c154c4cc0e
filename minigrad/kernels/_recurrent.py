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

import contextlib
from typing import Callable, NamedTuple

import numpy as np

from ..autograd import grad_mode
from ..backend import array_module
from ..autograd.function import Function
from ..ops import stack
from ..tensor import Tensor
from ..threads import blas_single_thread, split
from . import choose, composite_backward


def time_steps(T, reverse):
    """The order in which a direction visits the time steps."""
    return range(T - 1, -1, -1) if reverse else range(T)


def steps_back(T, reverse):
    """Backpropagation through time's order: (t, the step visited before t, or None for the
    first), from the last visited step back to the first."""
    order = list(time_steps(T, reverse))
    return [(order[k], order[k - 1] if k else None) for k in range(T - 1, -1, -1)]


def check_shapes(name, gates, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """Raise a ValueError naming the op and the shapes when the arrays do not fit together."""
    if x.ndim != 3:
        raise ValueError(f"{name}: expected input x of shape (T, N, input_size), got {tuple(x.shape)}")
    T, N, I = x.shape
    if T == 0:
        raise RuntimeError(f"{name}: expected a sequence of length > 0, got input of shape {tuple(x.shape)}")
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


def state_sequence(s0, T, reverse):
    """A direction's states in one (T+1, N, H) buffer that starts from ``s0``, as two (T, N, H)
    views of it: ``prev[t]``, the state step t reads (``s0`` for the first step visited), and
    ``out[t]``, the state step t writes, in x's time order. No copies: ``out[t]`` of one step
    is ``prev`` of the next, and backward gets every step's input state as one array."""
    buf = array_module(s0).empty((T + 1,) + tuple(s0.shape), s0.dtype)
    if reverse:
        buf[T] = s0
        return buf[1:], buf[:T]
    buf[0] = s0
    return buf[:T], buf[1:]


def step_products(x):
    """The context the time loop's per-step products run in: on NumPy data, BLAS on one
    thread. A step's product ((N, H) x (H, G*H) forward, its transpose backward) is too small
    for a second BLAS thread to pay for waking it, and on a busy machine every step then waits
    for a helper thread that was descheduled. The products over all steps
    (``input_projection``, ``weight_grads``) run outside the loop and keep every thread."""
    return blas_single_thread() if array_module(x) is np else contextlib.nullcontext()


HOST_STEP_MIN_FLOPS = 8e6   # a host loop's step product below this runs the whole batch on one thread


def batch_slices(run, gates, w_hh, host=True):
    """Run a cpu time loop ``run(lo, hi)`` on slices of the batch, one per thread
    (``threads.split``). The samples of a batch never meet in a recurrent layer, so each thread
    runs every step for its own rows, with its own per-step products on one BLAS thread, and
    no thread waits for another between steps; a descheduled thread delays only its slice.
    ``gates`` (T, N, G*H) and ``w_hh`` (either orientation) size the job: the step products'
    flops. A ``host`` loop (Python between the steps) is split only when each step's product
    reaches ``HOST_STEP_MIN_FLOPS``: below, the threads spend the step passing the GIL (2 threads,
    quiet machine: GRU x(100,16,16) H=64 3.9 -> 6.7 ms, x(35,32,128) H=256 17.7 -> 14.7 ms);
    a compiled loop holds no GIL and is split whenever ``split`` finds the job large enough."""
    T, N, _ = gates.shape
    step = 2.0 * N * w_hh.size
    if host and step < HOST_STEP_MIN_FLOPS:
        run(0, N)
    else:
        split(N, run, T * step)


def whole_batch(run, gates, w_hh):
    """``batch_slices``'s stand-in for the cuda variants: one call for the whole batch."""
    run(0, gates.shape[1])


def input_projection(x, w_ih, b_ih, b_hh):
    """x_t W_ih^T + b_ih + b_hh for every t at once: one (T*N, I) x (I, G*H) GEMM, then one
    pass that adds the biases."""
    T, N, I = x.shape
    xw = (x.reshape(T * N, I) @ w_ih.T).reshape(T, N, w_ih.shape[0])
    bias = b_ih if b_hh is None else b_hh if b_ih is None else b_ih + b_hh
    if bias is not None:
        xw += bias
    return xw


def weight_grads(dg_ih, dg_hh, x, h_prev, w_ih, b_ih, b_hh):
    """dx, dW_ih, dW_hh and the bias gradients as one GEMM each over all steps, after the loop.

    ``dg_ih`` (T, N, G*H) is the gradient of the input-side gate pre-activations, ``dg_hh``
    of the hidden-side ones (the same array except for the GRU's n gate); ``h_prev`` (T, N, H)
    holds the state each step read (``state_sequence``'s ``prev``)."""
    T, N, I = x.shape
    G, H = dg_ih.shape[2], h_prev.shape[2]
    d2 = dg_ih.reshape(T * N, G)
    dh2 = dg_hh.reshape(T * N, G)
    dx = (d2 @ w_ih).reshape(T, N, I)
    dw_ih = d2.T @ x.reshape(T * N, I)
    dw_hh = dh2.T @ h_prev.reshape(T * N, H)
    db_ih = None if b_ih is None else d2.sum(0)
    if b_hh is None:
        db_hh = None
    elif dg_hh is dg_ih and db_ih is not None:
        db_hh = db_ih.copy()
    else:
        db_hh = dh2.sum(0)
    return dx, dw_ih, dw_hh, db_ih, db_hh


class RecurrentFunction(Function):
    """Base of LSTMFunction, GRUFunction, RNNTanhFunction, RNNReluFunction.

    ``apply(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, reverse=False)`` returns
    ``(y, h_n, c_n)`` for the LSTM and ``(y, h_n)`` otherwise (pass ``c0=None`` there).

    A subclass sets ``name``, ``gates``, ``variants`` (its family's ``VARIANTS``: variant ->
    ``RecurrentKernels``), ``options`` (keyword arguments every kernel of the family takes,
    such as the plain RNN's ``relu``) and ``cell`` (one differentiable step on Tensors, from
    which ``composite`` builds the sequence).
    Kernel signatures: ``forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, **options)`` ->
    ``(outputs, saved)``; ``backward(grads_of_outputs, inputs, outputs, saved, reverse,
    **options)`` -> gradients of the seven inputs (arrays, None where an input is None).

    Under ``create_graph=True`` (or with the ``composite`` variant forced) backward
    differentiates the composite instead: same numbers, slower, differentiable again.
    """

    name = "recurrent"
    gates = 1
    variants: dict = {}
    options: dict = {}
    cell = None                 # the composite's one step on Tensors: cell(x_t, state, w_ih, w_hh, b_ih, b_hh)

    @classmethod
    def composite(cls, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        """The differentiable Tensor version: ``cell`` over time (``c0`` None except the LSTM's)."""
        return composite_sequence(cls.cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        cls = type(ctx)
        check_shapes(cls.name, cls.gates, x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        ctx.variant = choose(cls.name, x, has_composite=True)
        ctx.reverse = bool(reverse)
        inputs = (x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        if ctx.variant == "composite":
            outputs, saved = composite_forward(cls.composite, inputs, ctx.reverse), ()
        else:
            outputs, saved = cls.variants[ctx.variant].forward(*inputs, ctx.reverse, **cls.options)
        ctx.n_out = len(outputs)
        ctx.save_for_backward(*inputs, *outputs, *saved)
        return outputs

    @staticmethod
    def backward(ctx, *grads):
        cls = type(ctx)
        saved = ctx.saved_tensors
        inputs, outputs, extra = saved[:7], saved[7:7 + ctx.n_out], saved[7 + ctx.n_out:]
        if grad_mode.is_grad_enabled() or ctx.variant == "composite":
            return composite_backward(ctx, lambda *a: cls.composite(*a, reverse=ctx.reverse),
                                      inputs, grads, 7)
        data = lambda ts: tuple(None if t is None else t.data for t in ts)  # noqa: E731
        arrays = cls.variants[ctx.variant].backward(data(grads), data(inputs), data(outputs),
                                                    data(extra), ctx.reverse, **cls.options)
        return tuple(Tensor(a) if a is not None and need else None
                     for a, need in zip(arrays, ctx.needs_input_grad))


class RecurrentKernels(NamedTuple):
    """One variant of a recurrent family (see ``RecurrentFunction`` for the signatures)."""
    forward: Callable
    backward: Callable


def composite_forward(composite, arrays, reverse):
    """The composite on constant Tensors, returning arrays (the forced ``composite`` variant)."""
    with grad_mode.no_grad():
        outs = composite(*(None if a is None else Tensor(a) for a in arrays), reverse=reverse)
    return tuple(o.data for o in outs)


def composite_sequence(cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """Run a differentiable Tensor ``cell(x_t, state, w_ih, w_hh, b_ih, b_hh) -> state``
    over time; returns ``(y, h_n[, c_n])`` like the kernels. Used for double backward."""
    state = (h0,) if c0 is None else (h0, c0)
    ys = [None] * x.shape[0]
    for t in time_steps(x.shape[0], reverse):
        state = cell(x[t], state, w_ih, w_hh, b_ih, b_hh)
        ys[t] = state[0]
    return (stack(ys, 0),) + tuple(state)
