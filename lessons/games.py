"""The two game worlds of the dqn lesson, in plain NumPy (not a lesson itself).

Both games run a *batch* of independent episodes at once: the state of game i is row i of
each array, and ``step(actions)`` advances all of them with array arithmetic. One call with a
batch of 100 games is as cheap as one call with a single game, which is what lets the lesson
act, and evaluate a policy over 100 episodes, without a Python loop per game.

A finished game restarts by itself on the next ``step`` (its new first observation is what
``step`` returns for it), the way vectorised environments usually behave.

- ``CartPole``: the cart-pole of Barto, Sutton and Anderson (1983) with gym's CartPole-v1
  equations, constants and termination, and its 500-step cap.
- ``FlappyBird``: a small Flappy Bird drawn as grayscale frames; the state is the last 4 frames.
"""
from __future__ import annotations

import numpy as np


class CartPole:
    """``n`` cart-poles. Observation (x, x_dot, theta, theta_dot); actions 0 = push left, 1 = right.

    Reward +1 for every step, the last one included. A game *terminates* when the pole leans past
    12 degrees or the cart leaves [-2.4, 2.4]; it is *truncated* after 500 steps (then the value of
    the next state still counts in a Q-learning target: the pole did not fall).
    """
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_threshold = 12 * 2 * np.pi / 360       # 12 degrees, in radians
    x_threshold = 2.4
    max_steps = 500

    def __init__(self, n=1, seed=0):
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.state = np.zeros((n, 4))
        self.steps = np.zeros(n, dtype=np.int64)

    def reset(self):
        """Start all games: every state variable uniform in [-0.05, 0.05]."""
        self.state = self.rng.uniform(-0.05, 0.05, size=(self.n, 4))
        self.steps[:] = 0
        return self.state.copy()

    def physics(self, state, action):
        """One Euler step of length tau of the cart-pole equations of motion (gym's, term for term)."""
        x, x_dot, theta, theta_dot = state.T
        total_mass = self.masspole + self.masscart
        polemass_length = self.masspole * self.length
        force = np.where(action == 1, self.force_mag, -self.force_mag)
        costheta, sintheta = np.cos(theta), np.sin(theta)
        temp = (force + polemass_length * theta_dot ** 2 * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta ** 2 / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        return np.stack([x + self.tau * x_dot, x_dot + self.tau * xacc,
                         theta + self.tau * theta_dot, theta_dot + self.tau * thetaacc], axis=1)

    def step(self, action):
        """Advance every game by one step.

        Returns (next_obs, reward, terminated, truncated, info) as gym's vector environments do:
        ``info["final_obs"]`` is the state the step reached (use it in the Q-learning target);
        ``next_obs`` is the same except for games that ended, which have restarted and show their
        new first state.
        """
        action = np.asarray(action)
        if action.shape != (self.n,) or not np.isin(action, (0, 1)).all():
            raise ValueError(f"CartPole.step: expected {self.n} actions in {{0, 1}}, got {action!r}")
        final = self.physics(self.state, action)
        self.steps += 1
        x, theta = final[:, 0], final[:, 2]
        terminated = (np.abs(x) > self.x_threshold) | (np.abs(theta) > self.theta_threshold)
        truncated = ~terminated & (self.steps >= self.max_steps)
        reward = np.ones(self.n)
        self.state = final.copy()
        done = terminated | truncated
        if done.any():
            self.state[done] = self.rng.uniform(-0.05, 0.05, size=(int(done.sum()), 4))
            self.steps[done] = 0
        return self.state.copy(), reward, terminated, truncated, {"final_obs": final}


class FlappyBird:
    """``n`` games of a small Flappy Bird, drawn as ``size`` x ``size`` grayscale frames.

    The bird sits at a fixed column and falls under gravity; action 1 (flap) sets its vertical
    speed upwards, action 0 lets it fall. Pipes scroll left one pixel per step, each with a gap of
    ``gap`` rows at a random height. Rewards as in the notes: +10 for each pipe passed, -10 for
    dying (touching a pipe, the floor or the ceiling), +1 for every other step alive.
    A game is truncated after ``max_steps`` steps. Frames are 8-bit grayscale, like a camera's:
    background 0, pipes 128, bird 255.

    The observation is the last 4 frames stacked, shape (n, 4, size, size): one frame shows
    where things are, the stack also shows which way and how fast they move.
    """
    bird_col, bird_half = 6, 1               # the bird is a 3x3 square centred on (y, bird_col)
    gravity, flap_speed, max_fall = 0.35, -2.0, 3.0
    pipe_width, pipe_spacing = 4, 18
    reward_pipe, reward_death, reward_alive = 10.0, -10.0, 1.0
    stack = 4

    def __init__(self, n=1, seed=0, size=32, gap=14, max_shift=6, max_steps=1000):
        self.n, self.size, self.gap, self.max_steps = n, size, gap, max_steps
        self.max_shift = max_shift
        self.rng = np.random.default_rng(seed)
        self.n_pipes = size // self.pipe_spacing + 2     # enough pipes to fill the screen
        self.rows = np.arange(size, dtype=np.float64)
        self.cols = np.arange(size)

    # -- the game ------------------------------------------------------------------------------
    def _next_gap_top(self, previous):
        """A gap at most ``max_shift`` rows above or below the previous pipe's, inside the screen."""
        shift = self.rng.integers(-self.max_shift, self.max_shift + 1, size=previous.shape)
        return np.clip(previous + shift, 2, self.size - self.gap - 2).astype(np.float64)

    def _reset_games(self, idx):
        k = len(idx)
        self.y[idx] = self.size / 2
        self.vy[idx] = 0.0
        self.steps[idx] = 0
        self.pipes_passed[idx] = 0
        # pipe j starts at column size + j * spacing (just off screen), gaps at random heights
        self.pipe_x[idx] = self.size + 4 + self.pipe_spacing * np.arange(self.n_pipes)[None, :]
        top = np.full(k, (self.size - self.gap) / 2)
        for j in range(self.n_pipes):
            top = self.gap_top[idx, j] = self._next_gap_top(top)

    def reset(self):
        n, p = self.n, self.n_pipes
        self.y, self.vy = np.zeros(n), np.zeros(n)
        self.steps = np.zeros(n, dtype=np.int64)
        self.pipes_passed = np.zeros(n, dtype=np.int64)
        self.pipe_x, self.gap_top = np.zeros((n, p)), np.zeros((n, p))
        self._reset_games(np.arange(n))
        frame = self.render()
        self.frames = np.repeat(frame[:, None], self.stack, axis=1)
        return self.frames.copy()

    def _collides(self):
        """Does the bird's square touch the floor, the ceiling or a pipe outside its gap?"""
        top, bottom = self.y - self.bird_half, self.y + self.bird_half
        out = (top < 0) | (bottom > self.size - 1)
        left, right = self.bird_col - self.bird_half, self.bird_col + self.bird_half
        overlap_x = (self.pipe_x <= right) & (self.pipe_x + self.pipe_width - 1 >= left)
        outside_gap = (top[:, None] < self.gap_top) | (bottom[:, None] > self.gap_top + self.gap - 1)
        return out | (overlap_x & outside_gap).any(axis=1)

    def step(self, action):
        """Advance every game one step. Returns (obs, reward, terminated, truncated, info).

        ``info["final_obs"]`` is the frame stack the step reached; ``obs`` equals it except for
        games that ended and restarted. ``info["pipes"]`` is the number of pipes each game had
        passed when the step ended (its score, for the games that just ended).
        """
        action = np.asarray(action)
        if action.shape != (self.n,) or not np.isin(action, (0, 1)).all():
            raise ValueError(f"FlappyBird.step: expected {self.n} actions in {{0, 1}}, got {action!r}")
        self.vy = np.where(action == 1, self.flap_speed, np.minimum(self.vy + self.gravity, self.max_fall))
        self.y = self.y + self.vy
        self.pipe_x -= 1
        passed_now = (self.pipe_x + self.pipe_width - 1 == self.bird_col - self.bird_half - 1).sum(axis=1)
        self.pipes_passed += passed_now
        # a pipe that left the screen on the left comes back on the right with a new gap
        gone = self.pipe_x + self.pipe_width <= 0
        if gone.any():
            g, j = np.nonzero(gone)
            last = self.pipe_x[g].argmax(axis=1)          # the pipe it will follow
            self.gap_top[g, j] = self._next_gap_top(self.gap_top[g, last])
            self.pipe_x[g, j] += self.pipe_spacing * self.n_pipes
        self.steps += 1
        terminated = self._collides()
        truncated = ~terminated & (self.steps >= self.max_steps)
        reward = np.where(terminated, self.reward_death,
                          np.where(passed_now > 0, self.reward_pipe, self.reward_alive))
        self.frames[:, :-1] = self.frames[:, 1:]         # drop the oldest frame, append the new one
        self.frames[:, -1] = self.render()
        final, passed = self.frames.copy(), self.pipes_passed.copy()
        done = terminated | truncated
        if done.any():
            idx = np.flatnonzero(done)
            self._reset_games(idx)
            self.frames[idx] = self.render(idx)[:, None]
        return self.frames.copy(), reward, terminated, truncated, {"final_obs": final, "pipes": passed}

    # -- drawing -------------------------------------------------------------------------------
    def render(self, idx=slice(None)):
        """The current frame of games ``idx`` (all by default), (k, size, size) uint8:
        background 0, pipes 128, bird 255."""
        pipe_x, y = self.pipe_x[idx], self.y[idx]
        cols = self.cols[None, None, :]                                   # (1, 1, W)
        in_pipe = (cols >= pipe_x[:, :, None]) & (cols < pipe_x[:, :, None] + self.pipe_width)
        # for each column: the gap of the pipe covering it (columns with no pipe get an empty mask)
        covered = in_pipe.any(axis=1)                                     # (k, W)
        gap_top = (in_pipe * self.gap_top[idx][:, :, None]).sum(axis=1)   # (k, W)
        rows = self.rows[None, :, None]                                   # (1, H, 1)
        solid = covered[:, None, :] & ((rows < gap_top[:, None, :]) |
                                       (rows > gap_top[:, None, :] + self.gap - 1))
        frame = np.where(solid, np.uint8(128), np.uint8(0))
        bird = (np.abs(rows - np.round(y)[:, None, None]) <= self.bird_half) & \
               (np.abs(self.cols[None, None, :] - self.bird_col) <= self.bird_half)
        return np.where(bird, np.uint8(255), frame)
