"""Exercise: truncated backpropagation through time, BPTT(k1, k2): its windows and its gradients.

Read: docs/READING.md, section 10 (LSTM), then minigrad/utils/tbptt.py (truncated_bptt).
Lesson: lessons/lstm.py and lessons/text.py (long streams trained in windows).

A recurrent model reads a stream of T steps, h_{s+1} = step(params, x_s, h_s), and step s has
the loss L_s = loss_fn(h_{s+1}, y_s). Backpropagating through the whole stream costs memory in
proportion to T, so Williams & Peng truncate: every k1 steps, backpropagate through the last
k2 >= k1 steps.

1. The windows. The updates start at t = 0, k1, 2 k1, ... and each covers the new steps
   t .. end - 1, with end = min(t + k1, T). The gradient of their losses flows back through at
   most k2 steps: the window is the steps begin .. end - 1, with

       begin = max(0, t - (k2 - k1))

   (k2 = k1 is plain truncation: the windows do not overlap; k2 > k1 reaches k2 - k1 steps back
   into steps already trained on). `tbptt_windows` returns the (begin, t, end) of every update,
   in order.

2. The gradients. For each window, run the model over the steps begin .. end - 1, starting from
   the state h_begin DETACHED (the graph is cut there: nothing flows back past the window's
   start); add up the losses of the new steps t .. end - 1 only (the older steps of the window
   carry gradient through the state; their own losses belong to an earlier update); and take
   the gradient of that sum with respect to every parameter:

       g_u = d/d(params) of  L_t + L_{t+1} + ... + L_{end-1}      (h_begin held fixed)

   The parameters do not change between updates here (no optimizer step), so h_begin is the
   state the stream has at step `begin`. `tbptt_gradients` returns [g_0, g_1, ...]: for each
   update, the gradients of `params` in their order (mg.autograd.grad(loss, params) gives them).
   With k1 = k2 = T there is one update, and it is full BPTT.

xs[s] is the input of step s (xs and ys are Tensors with time first), h0 the state entering
step 0. The checker drives it with an Elman RNN cell (F.rnn_cell) and a squared-error loss, and
compares every update's gradients with minigrad's truncated_bptt.
Check: minigrad exercise check tbptt
"""
import minigrad as mg


def tbptt_windows(T, k1, k2):
    """[(begin, t, end), ...] of BPTT(k1, k2) on a stream of T steps."""
    if not 1 <= k1 <= k2:
        raise ValueError(f"tbptt_windows: need 1 <= k1 <= k2, got k1={k1}, k2={k2}")
    # YOUR CODE BEGINS
    windows = []
    for t in range(0, T, k1):
        windows.append((max(0, t - (k2 - k1)), t, min(t + k1, T)))
    return windows
    # YOUR CODE ENDS


def tbptt_gradients(step, loss_fn, params, xs, ys, h0, k1, k2):
    """[the gradients of params, one tuple per update] of BPTT(k1, k2) on the stream xs."""
    # YOUR CODE BEGINS
    entering = {0: h0.detach()}                  # the state entering step s, cut from the graph
    grads = []
    for begin, t, end in tbptt_windows(xs.shape[0], k1, k2):
        h, loss = entering[begin], 0
        for s in range(begin, end):
            h = step(params, xs[s], h)
            entering[s + 1] = h.detach()
            if s >= t:
                loss = loss + loss_fn(h, ys[s])
        grads.append(mg.autograd.grad(loss, params))
    return grads
    # YOUR CODE ENDS
