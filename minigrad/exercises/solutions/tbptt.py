"""Exercise: the windows of truncated backpropagation through time, BPTT(k1, k2).

Read: docs/READING.md, section 10 (LSTM), then minigrad/utils/tbptt.py (truncated_bptt).
Lesson: lessons/lstm.py and lessons/text.py (long streams trained in windows).

A stream of T steps is trained in updates of k1 new steps each: the updates start at
t = 0, k1, 2 k1, ... and each covers the new steps t .. end = min(t + k1, T). The gradient of
their losses flows back through at most k2 >= k1 steps: the window is begin .. end with

    begin = max(0, t - (k2 - k1))

(k2 = k1 is plain truncation: the windows do not overlap; k2 > k1 reaches k2 - k1 steps back into
steps already trained on, from a state carried -- detached -- from the step `begin`).

Return the list of (begin, t, end) of every update, in order.
Check: minigrad exercise check tbptt
"""


def tbptt_windows(T, k1, k2):
    """[(begin, t, end), ...] of BPTT(k1, k2) on a stream of T steps."""
    # YOUR CODE BEGINS
    windows = []
    for t in range(0, T, k1):
        windows.append((max(0, t - (k2 - k1)), t, min(t + k1, T)))
    return windows
    # YOUR CODE ENDS
