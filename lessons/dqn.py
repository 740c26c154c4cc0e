"""Lesson: deep Q-learning -- a network that plays CartPole, then Flappy Bird from pixels.

Run it: ``minigrad lesson dqn`` (both parts), or ``--part cartpole`` (3-32 s of CPU time: it stops
once the greedy policy averages 475) and ``--part flappy`` (~2 min, 6,000 iterations of 8 games).
Parts, in reading order:

1. ``cartpole`` -- balance the pole from its 4 state numbers; the bar: an average greedy return
                   >= 195 over 100 episodes;
2. ``flappy``   -- the notes' Flappy Bird, learned from the last 4 grayscale frames with a
                   convolutional Q-network; the pipes passed per episode.
"""
# %%
from __future__ import annotations

import copy
import sys
import time
from dataclasses import dataclass, replace

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.utils import EarlyStopping, progress_bar
from minigrad.utils.lesson import lesson_main
from minigrad.utils.plotting import plot_curves

from lessons.common import grid_figure
from lessons.games import CartPole, FlappyBird

NAME = "dqn"
SUMMARY = ("deep Q-learning: replay, target network, Huber loss; CartPole from its state, "
           "Flappy Bird from 4 stacked frames with a conv Q-network")

# %% [markdown]
# As the notes put it, the network here *is a Q table*: a state goes in, one number per action
# comes out, and that number Q(s, a) estimates the return (the sum of discounted future rewards)
# of taking action a in state s and playing well afterwards. Acting is reading the table: greedy
# (take the largest Q) when the agent is used, epsilon-greedy (a random action with probability
# epsilon, decaying as training goes) while it learns, so that it keeps trying actions it does
# not yet rate.
#
# ## The data
#
# There is no dataset: the data are the games' own transitions (s, a, r, s', done), played by
# the agent. Both games are written in NumPy in `lessons/games.py` (CartPole-v1's physics, and a
# small Flappy Bird whose rewards are the notes': +10 for a pipe, -10 for dying, +1 for staying
# alive).
#
# ## The model: Q-networks

# %%
def cartpole_qnet(hidden=64):
    """State (x, x_dot, theta, theta_dot) in, Q(s, left) and Q(s, right) out."""
    return nn.Sequential(nn.Linear(4, hidden), nn.ReLU(),
                         nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, 2))


class FlappyQNet(nn.Module):
    """4 stacked 8-bit frames (N, 4, size, size) in, Q(s, no flap) and Q(s, flap) out.

    Two strided convolutions (no pooling) find the bird and the pipes and, across the 4 frames,
    how they move; two fully connected layers turn that into the two Q values.
    """

    def __init__(self, size=32, channels=16, hidden=64):
        super().__init__()
        self.conv1 = nn.Conv2d(4, channels, kernel_size=4, stride=2)               # size -> (size-4)//2+1
        self.conv2 = nn.Conv2d(channels, 2 * channels, kernel_size=3, stride=2)    # -> (s-3)//2+1
        side = ((size - 4) // 2 + 1 - 3) // 2 + 1
        self.fc1 = nn.Linear(2 * channels * side * side, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, frames):
        x = frames * (1.0 / 255.0)                         # 8-bit gray levels -> [0, 1]
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


# %% [markdown]
# **Experience replay**: transitions go into a large ring buffer and each update learns from a
# random minibatch of them, not from the last few correlated steps.

# %%
class ReplayBuffer:
    """A ring buffer of transitions (s, a, r, s', terminated), sampled uniformly at random.

    Observations keep their own dtype (uint8 frames stay 1 byte per pixel). When it is full, the
    newest transition overwrites the oldest.
    """

    def __init__(self, capacity, obs_shape, obs_dtype, rng):
        self.capacity, self.rng, self.size, self.next = capacity, rng, 0, 0
        self.obs = np.zeros((capacity, *obs_shape), obs_dtype)
        self.next_obs = np.zeros((capacity, *obs_shape), obs_dtype)
        self.action = np.zeros(capacity, np.int64)
        self.reward = np.zeros(capacity, np.float32)
        self.terminated = np.zeros(capacity, np.float32)

    def add(self, obs, action, reward, next_obs, terminated):
        """Add a batch of transitions (one per game)."""
        k = (self.next + np.arange(len(action))) % self.capacity
        self.obs[k], self.action[k], self.reward[k] = obs, action, reward
        self.next_obs[k], self.terminated[k] = next_obs, terminated
        self.next = int(k[-1] + 1) % self.capacity
        self.size = min(self.size + len(action), self.capacity)

    def sample(self, batch_size):
        i = self.rng.integers(0, self.size, batch_size)
        return self.obs[i], self.action[i], self.reward[i], self.next_obs[i], self.terminated[i]


# %% [markdown]
# ## The loss
#
# Learning fills the table from the rewards, with Bellman's equation as the label:
#
#     target = r + gamma * max_a' Q_target(s', a')         (just r when s' ends the game)
#
# The targets come from **a target network**, a frozen copy of the Q-network refreshed every
# few hundred updates, so the label does not move with every step of the thing chasing it; and
# **the Huber loss** (`F.smooth_l1_loss`) is squared for small errors and linear for large ones,
# so one surprising reward cannot blow up a gradient. We use Double DQN's small refinement of the
# target (van Hasselt et al. 2016): the online network *chooses* a' and the target network
# *rates* it, Q_target(s', argmax_a' Q(s', a')); the plain max of noisy estimates is biased
# upwards. `double=False` gives the notes' target.

# %%
def as_input(obs, device):
    """Observations (NumPy) -> a float32 tensor for a Q-network."""
    return mg.tensor(np.asarray(obs, dtype=np.float32), device=device)


def td_loss(q_net, target_net, obs, action, reward, next_obs, terminated, gamma=0.99, double=True):
    """Huber(Q(s, a), r + gamma * (1 - terminated) * Q_target(s', a*)) averaged over the batch.

    a* = argmax_a' Q(s', a') (Double DQN) or argmax_a' Q_target(s', a') (``double=False``, the plain
    max). The target is a label: it is computed without a graph, so only Q(s, a) is trained.
    """
    with mg.no_grad():
        next_q_target = target_net(next_obs)
        chooser = q_net(next_obs) if double else next_q_target
        best_next = next_q_target.gather(1, chooser.argmax(1)[:, None])[:, 0]
        target = reward + gamma * (1.0 - terminated) * best_next
    q_taken = q_net(obs).gather(1, action[:, None])[:, 0]
    return F.smooth_l1_loss(q_taken, target)


# %% [markdown]
# ## The training loop
#
# Each iteration steps every game once with the epsilon-greedy policy, stores the transitions,
# and learns from one replayed minibatch; the target network is refreshed every
# `target_every` iterations, and every `eval_every` the greedy policy is evaluated and the best
# weights are kept.

# %%
@dataclass
class DQNConfig:
    steps: int                   # loop iterations; each one steps all n_envs games once
    n_envs: int = 1              # games played side by side
    lr: float = 1e-3
    batch_size: int = 64
    gamma: float = 0.99
    buffer_size: int = 20_000
    learning_starts: int = 500   # transitions collected before the first update
    target_every: int = 250      # loop iterations between copies into the target network
    eps_end: float = 0.05        # epsilon decays linearly from 1 to eps_end ...
    eps_decay_steps: int = 4000  # ... over this many loop iterations
    eval_every: int = 500        # loop iterations between greedy evaluations (to keep the best)
    eval_episodes: int = 100
    reward_scale: float = 1.0    # rewards are multiplied by this for learning (not for reporting)
    double: bool = True
    grad_clip: float = 10.0
    stop_at: float | None = None  # stop early once the greedy evaluation averages this much
    explore_p1: float = 0.5      # probability that a random (exploring) action is action 1


def greedy_play(q_net, make_env, episodes, seed, device, max_steps=None):
    """Play ``episodes`` games side by side with the greedy policy, each until it ends.

    Returns per-episode (returns, info at the end) — info holds e.g. the pipes passed.
    """
    env = make_env(episodes, seed)
    obs = env.reset()
    returns, alive = np.zeros(episodes), np.ones(episodes, bool)
    final_info = {}
    q_net.eval()
    with mg.no_grad():
        for _ in range(max_steps or 10**9):
            action = q_net(as_input(obs, device)).argmax(1).numpy()
            obs, reward, terminated, truncated, info = env.step(action)
            returns += reward * alive
            ended = alive & (terminated | truncated)
            for k, v in info.items():
                if k != "final_obs":
                    final_info.setdefault(k, np.zeros(episodes, np.asarray(v).dtype))[ended] = v[ended]
            alive &= ~ended
            if not alive.any():
                break
    q_net.train()
    return returns, final_info


def train_dqn(q_net, make_env, cfg: DQNConfig, seed, device, desc):
    """Train ``q_net`` with DQN; keep (and return loaded) the weights of its best greedy evaluation.

    Returns a history dict: training episodes (env steps, return, info) and greedy evaluations.
    """
    rng = np.random.default_rng(seed)
    target_net = _copy_of(q_net)
    opt = optim.Adam(q_net.parameters(), lr=cfg.lr)
    env = make_env(cfg.n_envs, seed)
    obs = env.reset()
    buffer = ReplayBuffer(cfg.buffer_size, obs.shape[1:], obs.dtype, rng)
    best = EarlyStopping(patience=10**9, mode="max", restore_best_weights=True)
    history = {"episode_steps": [], "episode_return": [], "episode_info": [],
               "eval_steps": [], "eval_return": []}
    running = np.zeros(cfg.n_envs)
    bar = progress_bar(range(cfg.steps), desc=desc, unit="iteration")
    for it in bar:
        # act: epsilon-greedy
        eps = max(cfg.eps_end, 1.0 - it / cfg.eps_decay_steps)
        with mg.no_grad():
            greedy = q_net(as_input(obs, device)).argmax(1).numpy()
        explore = rng.random(cfg.n_envs) < eps
        action = np.where(explore, (rng.random(cfg.n_envs) < cfg.explore_p1).astype(np.int64), greedy)
        next_obs, reward, terminated, truncated, info = env.step(action)
        # remember: a truncated game did not end badly, its s' still has a value
        buffer.add(obs, action, reward * cfg.reward_scale, info["final_obs"], terminated)
        running += reward
        for i in np.flatnonzero(terminated | truncated):
            history["episode_steps"].append((it + 1) * cfg.n_envs)
            history["episode_return"].append(running[i])
            history["episode_info"].append({k: v[i] for k, v in info.items() if k != "final_obs"})
            running[i] = 0.0
        obs = next_obs
        # learn: one minibatch from the replay buffer
        if buffer.size >= cfg.learning_starts:
            s, a, r, s2, done = buffer.sample(cfg.batch_size)
            loss = td_loss(q_net, target_net, as_input(s, device), mg.tensor(a, device=device),
                           as_input(r, device), as_input(s2, device), as_input(done, device),
                           gamma=cfg.gamma, double=cfg.double)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(q_net.parameters(), cfg.grad_clip)
            opt.step()
        if it % cfg.target_every == 0:
            target_net.load_state_dict(q_net.state_dict())
        # evaluate the greedy policy now and then; remember the best weights
        if (it + 1) % cfg.eval_every == 0:
            returns, _ = greedy_play(q_net, make_env, cfg.eval_episodes, seed=10_000 + it, device=device)
            history["eval_steps"].append((it + 1) * cfg.n_envs)
            history["eval_return"].append(float(returns.mean()))
            best.step(returns.mean(), q_net)
            recent = history["episode_return"][-20:]
            bar.set_postfix({"epsilon": f"{eps:.2f}",
                             "training return (last 20 episodes)": f"{np.mean(recent) if recent else 0:.0f}",
                             "greedy return": f"{returns.mean():.0f}"})
            if cfg.stop_at is not None and returns.mean() >= cfg.stop_at:
                break
    best.restore(q_net)
    history["best_eval_return"] = best.best
    return history


def _copy_of(module):
    twin = copy.deepcopy(module)
    twin.requires_grad_(False)
    return twin


def _plot_returns(history, path, title):
    steps, rets = np.array(history["episode_steps"]), np.array(history["episode_return"])
    window = 20
    smooth = np.convolve(rets, np.ones(window) / window, mode="valid") if len(rets) >= window else rets
    curves = {f"training episodes (mean of {window}, epsilon-greedy)": (steps[len(steps) - len(smooth):], smooth),
              f"greedy policy (mean of {history.get('eval_episodes', 100)} episodes)":
                  (np.array(history["eval_steps"]), np.array(history["eval_return"]))}
    plot_curves(curves, path, title=title, xlabel="environment steps", ylabel="episode return")


# %% [markdown]
# ## Part 1: CartPole
#
# The cart-pole balance from its 4 numbers (position, velocity, angle, angular velocity); an
# episode ends when the pole leans past 12 degrees or the cart leaves the track, and is cut at
# 500 steps.

# %%
CARTPOLE = DQNConfig(steps=20_000, n_envs=1, lr=1e-3, batch_size=128, target_every=200,
                     eps_end=0.05, eps_decay_steps=3000, eval_every=250, double=True,
                     stop_at=475.0)


def part_cartpole(run):
    """CartPole: balance the pole from its 4 state numbers; the bar: an average greedy return >= 195
    over 100 episodes."""
    mg.manual_seed(run.seed)
    cfg = replace(CARTPOLE, steps=CARTPOLE.steps * run.epochs_or(1))
    q_net = cartpole_qnet().to(run.device)
    start = time.perf_counter()
    history = train_dqn(q_net, lambda n, seed: CartPole(n, seed), cfg, run.seed, run.device, "cartpole")
    minutes = (time.perf_counter() - start) / 60
    # the bar, measured on 100 fresh episodes (new starting states) with the kept weights
    returns, _ = greedy_play(q_net, lambda n, seed: CartPole(n, seed), 100, seed=123_456 + run.seed,
                             device=run.device)
    _plot_returns(history, run.path("cartpole_returns.png"),
                 "CartPole: return per episode while learning (500 = the cap)")
    print(f"   CartPole: average greedy return over 100 episodes {returns.mean():.1f} "
          f"(min {returns.min():.0f}, max {returns.max():.0f}); trained {minutes:.1f} min, "
          f"{len(history['episode_return'])} training episodes")
    return {"cartpole_avg_return_100": float(returns.mean())}


# %% [markdown]
# ## Part 2: Flappy Bird from pixels
#
# The state is the last 4 grayscale frames; the actions flap and don't flap. Exploration
# matters here: random actions flap only 1 time in 10 (a flap lifts the bird for ~6 steps, so a
# coin-flip policy flies into the ceiling long before the first pipe and the +10 is never seen).

# %%
FLAPPY = DQNConfig(steps=6000, n_envs=8, lr=5e-4, batch_size=64, buffer_size=20_000,
                   learning_starts=1000, target_every=250, eps_end=0.01, eps_decay_steps=1500,
                   eval_every=500, eval_episodes=16, reward_scale=0.1, double=True, explore_p1=0.1)
FLAPPY_MAX_STEPS = 1000          # an episode is cut after 1000 steps (about 54 pipes)


def make_flappy(n, seed):
    return FlappyBird(n, seed, max_steps=FLAPPY_MAX_STEPS)


def _plot_flappy_strip(q_net, run, device, seed=7, every=3, frames=24):
    """A strip of frames of the trained agent playing one game (every ``every``-th frame)."""
    env = make_flappy(1, seed)
    obs = env.reset()
    shots = []
    with mg.no_grad():
        for t in range(every * frames):
            action = q_net(as_input(obs, device)).argmax(1).numpy()
            obs, _, terminated, truncated, info = env.step(action)
            if t % every == 0:
                shots.append(info["final_obs"][0, -1])
            if terminated[0] or truncated[0]:
                break
    labels = [f"t={every * i}" for i in range(len(shots))]
    grid_figure(np.stack(shots) / 255.0, run, "flappy_frames.png", nrow=12, col_labels=labels[:12],
                row_labels=[f"from t={every * 12 * r}" for r in range(-(-len(shots) // 12))],
                title=f"the greedy agent playing one game, one frame in {every} (bird white, pipes gray)",
                xlabel="time step of the game")


def part_flappy(run):
    """Flappy Bird from the last 4 grayscale frames with a conv Q-network; the pipes passed per
    episode (greedy, 100 episodes)."""
    mg.manual_seed(run.seed)
    cfg = replace(FLAPPY, steps=FLAPPY.steps * run.epochs_or(1))
    q_net = FlappyQNet().to(run.device)
    rng = np.random.default_rng(run.seed)
    random_returns, random_info = _random_play(make_flappy, 100, run.seed, rng)
    start = time.perf_counter()
    history = train_dqn(q_net, make_flappy, cfg, run.seed, run.device, "flappy")
    minutes = (time.perf_counter() - start) / 60
    returns, info = greedy_play(q_net, make_flappy, 100, seed=123_456 + run.seed, device=run.device)
    pipes = info["pipes"]
    history["eval_episodes"] = cfg.eval_episodes
    _plot_returns(history, run.path("flappy_returns.png"),
                 "Flappy Bird: return per episode (+10 pipe, -10 death, +1 alive)")
    _plot_flappy_strip(q_net, run, run.device)
    print(f"   Flappy Bird: greedy agent passes {pipes.mean():.1f} pipes per episode on average "
          f"(median {np.median(pipes):.0f}, max {pipes.max()}, episodes cut at {FLAPPY_MAX_STEPS} steps) "
          f"after {minutes:.1f} min of training; a random policy passes {random_info['pipes'].mean():.2f}")
    return {"flappy_avg_pipes": float(pipes.mean())}


def _random_play(make_env, episodes, seed, rng):
    """The baseline: flap or not with equal probability."""
    class Random:
        def __call__(self, x):
            return mg.tensor(rng.random((x.shape[0], 2)))
        def eval(self):
            pass
        train = eval
    return greedy_play(Random(), make_env, episodes, seed, "cpu")


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"cartpole": part_cartpole, "flappy": part_flappy}


def tiny_model_check(device="cpu"):
    """Gradcheck, in float64 over every parameter, on ``device``: the CartPole Q-network's outputs,
    the Flappy conv Q-network's outputs, and the TD loss through the Q-network (target network
    fixed)."""
    rng = np.random.default_rng(0)
    worst = 0.0
    checks = [(cartpole_qnet(hidden=5), rng.standard_normal((3, 4))),
              (FlappyQNet(size=12, channels=2, hidden=4), rng.integers(0, 256, (2, 4, 12, 12)))]
    for net, x in checks:
        net = net.double().to(device)
        x = mg.tensor(x.astype(np.float64), device=device)
        params = tuple(net.parameters())
        worst = max(worst, mg.autograd.gradcheck(lambda *p: net(x), params, return_error=True))
    q_net, target_net = cartpole_qnet(hidden=5).double().to(device), cartpole_qnet(hidden=5).double().to(device)
    s, s2 = (mg.tensor(rng.standard_normal((6, 4)), device=device) for _ in range(2))
    a = mg.tensor(np.array([0, 1, 1, 0, 1, 0]), device=device)
    r = mg.tensor(rng.standard_normal(6), device=device)
    done = mg.tensor(np.array([0, 0, 1, 0, 0, 1], np.float64), device=device)
    # scale Q up so some TD errors fall in the Huber loss's linear part (|error| > 1), some not
    with mg.no_grad():
        q_net[-1].weight.mul_(8.0)
    loss = lambda *p: td_loss(q_net, target_net, s, a, r, s2, done, gamma=0.9)
    worst = max(worst, mg.autograd.gradcheck(loss, tuple(q_net.parameters()), return_error=True))
    return worst


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
