"""Exercise: the DQN target, with a target network and Double DQN.

Read: docs/READING.md, section 12 (The lessons), then lessons/dqn.py (td_loss).
Lesson: lessons/dqn.py.

For a batch of transitions (s, a, r, s', terminated) and the Q-values of s' given by the online
network, q_next_online (N, A), and by the target network (a frozen copy), q_next_target (N, A):

    plain DQN:  a* = argmax_a' q_next_target[a']
    Double DQN: a* = argmax_a' q_next_online[a']          (the online net chooses, the target net rates)
    target     = r + gamma * (1 - terminated) * q_next_target[a*]    (no future after the end)

Write it on NumPy arrays; the result has the dtype of r.
Check: minigrad exercise check dqn_target
"""
import numpy as np


def dqn_target(r, terminated, q_next_online, q_next_target, gamma=0.99, double=True):
    """The regression target of Q(s, a) for each transition, (N,)."""
    # YOUR CODE BEGINS
    chooser = q_next_online if double else q_next_target
    best = q_next_target[np.arange(len(r)), chooser.argmax(axis=1)]
    return r + gamma * (1 - terminated) * best
    # YOUR CODE ENDS
