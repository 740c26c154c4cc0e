"""ddp lesson: the tiny model's gradients, ring all-reduce's arithmetic, the --ranks launcher,
and real runs on 1 and 2 ranks (mpiexec in a subprocess, with a timeout)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import lessons.ddp as ddp
import minigrad.distributed as dist
from tests.distributed._launch import ROOT, mpi_problem

TIMEOUT = 600


def test_tiny_model_gradcheck_every_parameter():
    assert ddp.tiny_model_check() < 1e-5
    assert not dist.is_initialized()                 # the world of one it made is gone again


@pytest.mark.parametrize("p", [2, 3, 4, 7])
def test_ring_all_reduce_sums_and_each_rank_sends_2_p_minus_1_over_p(p):
    n = 84                                           # divisible by every p here
    rng = np.random.default_rng(p)
    arrays = [rng.standard_normal(n) for _ in range(p)]
    results, sent = ddp.ring_all_reduce(arrays)
    for res in results:
        np.testing.assert_allclose(res, np.sum(arrays, axis=0), rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(sent, np.full(p, 2 * (p - 1) * n // p))


def test_ranks_option_is_parsed_and_a_missing_mpiexec_says_how_to_install(monkeypatch, capsys):
    assert ddp._pop_ranks(["--part", "ring", "--ranks", "2"]) == (2, ["--part", "ring"])
    assert ddp._pop_ranks(["--ranks=3"]) == (3, [])
    for var in dist._LAUNCHER_SIZE_VARS:
        monkeypatch.delenv(var, raising=False)
    assert ddp.main(["--ranks", "two"]) == 2
    assert "--ranks must be a positive integer" in capsys.readouterr().err
    monkeypatch.setattr(dist, "find_mpiexec", lambda: None)
    assert ddp.main(["--ranks", "2", "--part", "ring"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "--ranks 2 needs mpiexec" in err and 'pip install "minigrad[dist]"' in err


def test_one_process_runs_as_a_world_of_one(tmp_path, capsys):
    assert ddp.main(["--part", "same_gradient", "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["same_gradient_max_abs_diff"] == 0.0       # one rank: the very same numbers
    assert not dist.is_initialized()


def _cli(args, timeout=TIMEOUT):
    problem = mpi_problem()
    if problem is not None:
        pytest.skip(problem)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1", MPIEXEC_TIMEOUT=str(timeout))
    proc = subprocess.run([sys.executable, "-m", "minigrad.cli", "lesson", "ddp", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout + 60)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_two_ranks_through_minigrad_lesson_ranks_2(tmp_path):
    out = _cli(["--ranks", "2", "--part", "same_gradient", "--part", "digits", "--epochs", "2",
                "--out", str(tmp_path)])
    assert out.count("== ddp: same_gradient") == 1                 # only rank 0 prints
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["same_gradient_max_abs_diff"] < 1e-15
    assert metrics["digits_world_size"] == 2
    assert metrics["digits_max_weight_diff_between_ranks"] == 0.0
    assert metrics["digits_test_accuracy"] > 0.5                   # 2 epochs only
    assert (tmp_path / "ddp_digits.npz").exists()
    files = sorted(f.name for f in tmp_path.iterdir())
    assert files == ["ddp_digits.npz", "metrics.json"]             # rank 0 alone wrote, atomically


@pytest.mark.slow
def test_scaling_table_over_1_and_2_ranks_at_a_tiny_size(tmp_path):
    _cli(["--part", "scaling", "--width", "16", "--batch", "8", "--steps", "2", "--scaling-ranks", "1,2",
          "--out", str(tmp_path)])
    table = (tmp_path / "scaling.md").read_text().splitlines()
    assert table[0].startswith("| ranks | per-rank batch | step ms | speedup")
    assert [row.split(" | ")[0] for row in table[2:4]] == ["| 1", "| 2"]
    assert (tmp_path / "scaling.png").stat().st_size > 5_000
    for p in (1, 2):
        m = json.loads((tmp_path / f"scaling_ranks{p}" / "metrics.json").read_text())
        assert m["world_size"] == p and m["buckets_0mb"] == 6 and m["buckets_1000mb"] == 1


@pytest.mark.slow
def test_digits_mlp_on_two_ranks_reaches_the_accuracy_of_the_mlp_lesson(tmp_path):
    _cli(["--ranks", "2", "--part", "digits", "--seed", "0", "--out", str(tmp_path)])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["digits_test_accuracy"] >= 0.97
