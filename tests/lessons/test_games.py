"""The dqn lesson's games (plain NumPy): CartPole-v1 physics and rules, Flappy Bird's frames and rewards."""
import numpy as np
import pytest

from lessons.games import CartPole, FlappyBird


def test_cartpole_first_step_from_rest_matches_the_equations_of_motion():
    env = CartPole(n=2)
    env.reset()
    env.state[:] = 0.0
    obs, reward, terminated, truncated, info = env.step(np.array([1, 0]))
    # push right from rest: temp = F / m_total, theta_acc = -temp / (l (4/3 - m_p / m_total)),
    # x_acc = temp - m_p l theta_acc / m_total; Euler: velocities change by tau * acceleration
    temp = 10.0 / 1.1
    theta_acc = -temp / (0.5 * (4 / 3 - 0.1 / 1.1))
    x_acc = temp - 0.05 * theta_acc / 1.1
    np.testing.assert_allclose(info["final_obs"][0], [0.0, 0.02 * x_acc, 0.0, 0.02 * theta_acc], rtol=1e-12)
    np.testing.assert_allclose(info["final_obs"][1], -info["final_obs"][0], rtol=1e-12)   # mirror image
    np.testing.assert_allclose(info["final_obs"][0], [0.0, 0.195122, 0.0, -0.292683], atol=1e-6)
    assert reward.tolist() == [1.0, 1.0] and not terminated.any() and not truncated.any()


def test_cartpole_terminates_past_12_degrees_or_2_4_and_restarts():
    env = CartPole(n=3, seed=1)
    env.reset()
    env.state[:] = [[0.0, 0.0, 0.21, 0.0], [2.399, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    obs, reward, terminated, truncated, info = env.step(np.array([1, 1, 1]))
    assert terminated.tolist() == [True, True, False]
    assert reward.tolist() == [1.0, 1.0, 1.0]                       # the last step is rewarded too
    assert np.abs(obs[:2]).max() <= 0.05                            # ended games restarted
    np.testing.assert_array_equal(obs[2], info["final_obs"][2])


def test_cartpole_is_truncated_after_500_steps():
    env = CartPole(n=1, seed=0)
    obs = env.reset()
    total = 0.0
    for t in range(500):
        action = np.array([int(obs[0, 2] + 0.5 * obs[0, 3] > 0)])  # a controller that never drops it
        obs, reward, terminated, truncated, _ = env.step(action)
        total += reward[0]
        assert not terminated[0]
        assert truncated[0] == (t == 499)
    assert total == 500.0


def test_cartpole_rejects_bad_actions():
    env = CartPole(n=2)
    env.reset()
    with pytest.raises(ValueError, match="CartPole.step: expected 2 actions"):
        env.step(np.array([0, 2]))
    with pytest.raises(ValueError, match="CartPole.step"):
        env.step(np.array([1]))


def test_flappy_frames_are_8_bit_and_the_state_stacks_the_last_four():
    env = FlappyBird(n=2, seed=0)
    obs = env.reset()
    assert obs.shape == (2, 4, 32, 32) and obs.dtype == np.uint8
    assert set(np.unique(obs)) <= {0, 128, 255}
    assert (obs[:, 0] == 255).sum() == 2 * 9                        # the 3x3 bird, once per game
    for _ in range(20):
        new, _, terminated, truncated, info = env.step((env.steps % 5 == 0).astype(int))
        np.testing.assert_array_equal(info["final_obs"][:, :3], obs[:, 1:])   # frames shift by one
        for i in np.flatnonzero(terminated | truncated):            # a new game starts from 4 copies
            assert (new[i] == new[i, :1]).all()
        obs = new
    assert (obs == 128).any()                                       # pipes have scrolled in


def test_flappy_falling_bird_dies_on_the_floor_with_minus_10():
    env = FlappyBird(n=1, seed=0)
    env.reset()
    rewards = []
    for _ in range(100):
        _, reward, terminated, _, info = env.step(np.array([0]))
        rewards.append(reward[0])
        if terminated[0]:
            break
    assert terminated[0] and rewards[-1] == -10.0 and set(rewards[:-1]) == {1.0}
    assert 5 <= len(rewards) <= 15 and info["pipes"][0] == 0


def test_flappy_passing_pipes_gives_plus_10_once_per_pipe():
    env = FlappyBird(n=1, seed=3, max_steps=200)
    env.reset()
    rewards = []
    for _ in range(200):
        # hold the bird still at the height of the gap of the nearest pipe not yet passed
        ahead = np.where(env.pipe_x[0] + env.pipe_width - 1 >= env.bird_col - env.bird_half, env.pipe_x[0], np.inf)
        env.y[0], env.vy[0] = env.gap_top[0, ahead.argmin()] + env.gap / 2, -env.gravity
        _, reward, terminated, truncated, info = env.step(np.array([0]))
        rewards.append(reward[0])
        assert not terminated[0]
    # pipes start at column 36 and come every 18 columns; the bird's left edge is column 5,
    # a pipe (4 wide) is passed when its right edge moves past column 4: at steps 35, 53, 71, ...
    passed = (np.arange(1, 201)[:, None] == 35 + 18 * np.arange(10)[None, :]).any(1)
    np.testing.assert_array_equal(np.array(rewards) == 10.0, passed)
    assert truncated[0] and info["pipes"][0] == passed.sum() == 10


def test_flappy_rejects_bad_actions():
    env = FlappyBird(n=1)
    env.reset()
    with pytest.raises(ValueError, match="FlappyBird.step: expected 1 actions"):
        env.step(np.array([3]))
