"""The ``minigrad`` command: listing, running, gradchecking; every user error is one line on
stderr with exit status 2 and no traceback."""
import os
import subprocess
import sys

import pytest

import lessons
import minigrad as mg
from minigrad.cli import main


def one_line_error(capsys, status):
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_lessons_lists_every_lesson_with_summary_and_result(capsys, monkeypatch):
    monkeypatch.setattr(lessons, "LESSONS", lessons.LESSONS + ("zz_missing",))
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    for name in lessons.LESSONS:
        assert any(line.startswith(name + " ") for line in out.splitlines()), name
    import lessons.lstm as lstm
    assert lstm.SUMMARY in out and lstm.LAST_RESULT in out
    missing = [line for line in out.splitlines() if line.startswith("zz_missing ")]
    assert len(missing) == 1
    assert missing[0].split(None, 1)[1] == ("cannot be imported: ModuleNotFoundError: "
                                            "No module named 'lessons.zz_missing'")


def test_lesson_runs_a_part_and_writes_metrics(tmp_path, capsys):
    assert main(["lesson", "lstm", "--part", "cell", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "metrics.json").exists()
    assert "cell_table_max_abs_error" in capsys.readouterr().out


def test_gradcheck_prints_the_worst_relative_error(capsys):
    assert main(["gradcheck", "mlp"]) == 0
    out = capsys.readouterr().out
    worst = float(out.rsplit("worst relative error", 1)[1])
    assert 0 <= worst < 1e-4


@pytest.mark.parametrize("name", ["mlp", "cnn", "lstm", "transformer", "vae", "gan", "dqn"])
def test_tiny_model_gradcheck_on_cuda(name, cuda_device, capsys):
    """Every lesson's tiny model, gradchecked on the GPU (the cpu case is in each lesson's test).

    In Numba's simulator every CUDA thread is a Python thread, too slow for the hundreds of
    forward passes of a gradcheck; there the models run the reference kernels on the device
    arrays (tests/nn/test_device.py runs the cuda kernels on them)."""
    from minigrad import kernels
    simulated = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    with kernels.use("reference" if simulated else kernels.current()):
        assert main(["gradcheck", name, "--device", cuda_device]) == 0
    out = capsys.readouterr().out
    assert "passed on cuda" in out
    assert 0 <= float(out.rsplit("worst relative error", 1)[1]) < 1e-5


@pytest.mark.parametrize("argv", [
    ["lesson", "no_such_lesson"],
    ["gradcheck", "no_such_lesson"],
    ["gradcheck", "mlp", "--device", "tpu"],
    ["doctor", "extra"],
    ["lesson", "lstm", "--part", "no_such_part"],
    ["lesson", "lstm", "--epochs", "0"],
    ["bench", "no_such_benchmark"],
    ["no_such_command"],
    [],
])
def test_bad_input_is_one_line_and_status_2(argv, capsys):
    one_line_error(capsys, main(argv))


def test_unknown_part_names_the_part_and_the_choices(capsys):
    err = one_line_error(capsys, main(["lesson", "lstm", "--part", "bogus"]))
    assert "'bogus'" in err and "cell" in err


@pytest.mark.skipif(mg.cuda.is_available(), reason="a usable GPU is present")
def test_device_cuda_without_gpu(capsys):
    err = one_line_error(capsys, main(["lesson", "lstm", "--part", "cell", "--device", "cuda"]))
    assert "no usable GPU" in err and mg.backend.cuda_unavailable_reason() in err
    err = one_line_error(capsys, main(["gradcheck", "mlp", "--device", "cuda"]))
    assert "no usable GPU" in err


def test_doctor_reports_versions_and_the_gpu(capsys):
    import numba
    import numpy as np
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    fields = {k: v.strip() for k, v in (line.split(":", 1) for line in out.splitlines())}
    assert fields["NumPy"] == np.__version__ and fields["Numba"].startswith(numba.__version__)
    for key in ("Python", "numba-cuda", "CuPy", "GPU usable", "kernels", "Numba cache",
                "Numba threading layer", "BLAS"):
        assert fields[key] and not fields[key].startswith("error"), (key, fields[key])
    usable = fields["GPU usable"]
    if mg.cuda.is_available():
        assert usable.startswith("yes: device 0") and mg.backend.cuda_device_name() in usable
    else:
        assert usable == f"no: {mg.backend.cuda_unavailable_reason()}"


def test_missing_fashion_mnist_directory(tmp_path, capsys):
    missing = tmp_path / "no-fashion-here"
    err = one_line_error(capsys, main(["lesson", "cnn", "--part", "lenet", "--data", "fashion-mnist",
                                       "--data-dir", str(missing), "--out", str(tmp_path / "out")]))
    assert "fashion" in err.lower() and str(missing) in err


def test_console_command_in_a_fresh_process():
    """The same through a real process: exit status 2, one line, no traceback."""
    proc = subprocess.run([sys.executable, "-m", "minigrad.cli", "lesson", "no_such_lesson"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "unknown lesson 'no_such_lesson'" in proc.stderr
