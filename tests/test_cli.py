"""The ``minigrad`` command: listing, running, gradchecking; every user error is one line on
stderr with exit status 2 and no traceback."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lessons
import minigrad as mg
from lessons.results import RESULTS, readme_table
from minigrad.cli import main


def one_line_error(capsys, status):
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_lessons_lists_every_lesson_with_summary_and_measured_result(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)                     # no runs/ folder here: no "your last run"
    assert main(["lessons"]) == 0
    out = " ".join(capsys.readouterr().out.split())   # undo the line wrapping
    for name in lessons.LESSONS:
        assert f"{name} " in out, name
        assert " ".join(RESULTS[name].result.split()) in out, name
    import lessons.lstm as lstm
    assert lstm.SUMMARY in out and "measured (seeds 0-4, worst / median)" in out
    assert "your last run" not in out


def test_a_lesson_that_cannot_be_imported_is_reported(capsys, monkeypatch):
    monkeypatch.setattr(lessons, "LESSONS", lessons.LESSONS + ("zz_missing",))
    assert main(["lessons"]) == 0
    missing = [line for line in capsys.readouterr().out.splitlines() if line.startswith("zz_missing ")]
    assert len(missing) == 1
    assert missing[0].split(None, 1)[1] == ("cannot be imported: ModuleNotFoundError: "
                                            "No module named 'lessons.zz_missing'")


def test_lessons_shows_your_last_run(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(["lesson", "lstm", "--part", "cell"]) == 0        # default --out runs/lstm/
    capsys.readouterr()
    assert main(["lessons"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "your last run (runs/lstm/metrics.json, seed 0," in out
    assert "cell_table_max_abs_error 0.000499" in out


def test_every_lesson_has_its_measured_results_and_the_readme_table_is_made_from_them():
    assert set(RESULTS) == set(lessons.LESSONS)
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert readme_table() in readme


def test_lesson_runs_a_part_and_writes_metrics(tmp_path, capsys):
    assert main(["lesson", "lstm", "--part", "cell", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "metrics.json").exists()
    assert "cell_table_max_abs_error" in capsys.readouterr().out


def test_gradcheck_prints_the_worst_relative_error(capsys):
    assert main(["gradcheck", "mlp"]) == 0
    out = capsys.readouterr().out
    worst = float(out.rsplit("worst relative error", 1)[1])
    assert 0 <= worst < 1e-4


@pytest.mark.parametrize("name", lessons.LESSONS)
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
    ["bench"],
    ["lesson"],
    ["gradcheck"],
    ["lessons", "extra"],
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


def test_missing_fashion_mnist_directory_names_the_flag(tmp_path, capsys):
    missing = tmp_path / "no-fashion-here"
    err = one_line_error(capsys, main(["lesson", "cnn", "--part", "lenet", "--data", "fashion-mnist",
                                       "--data-dir", str(missing), "--out", str(tmp_path / "out")]))
    assert "Fashion-MNIST" in err and str(missing) in err and "--data-dir" in err
    assert "directory=" not in err


def test_unknown_benchmark_lists_the_benchmarks(capsys):
    err = one_line_error(capsys, main(["bench", "foo"]))
    assert "'foo'" in err and "conv" in err and "overhead" in err


@pytest.mark.parametrize("argv, expected", [
    (["--help"], ["usage: minigrad COMMAND", "lessons", "lesson", "bench", "gradcheck"]),
    (["lessons", "--help"], ["usage: minigrad lessons", "seeds 0-4"]),
    (["lesson", "--help"], ["usage: minigrad lesson NAME", "--part", "mlp", "transformer", "dqn"]),
    (["lesson", "cnn", "--help"], ["usage: minigrad lesson cnn", "lenet", "filters", "padding",
                                   "pooling", "--data-dir", "--seed", "--out"]),
    (["bench", "--help"], ["usage: minigrad bench NAME", "conv", "attention", "overhead"]),
    (["gradcheck", "--help"], ["usage: minigrad gradcheck NAME", "float64", "vae"]),
])
def test_help_at_every_level(argv, expected, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    for word in expected:
        assert word in out, (argv, word)


def test_every_lesson_option_and_part_has_help_text(capsys):
    from minigrad.utils.lesson import make_parser
    for name in lessons.LESSONS:
        module = __import__(f"lessons.{name}", fromlist=["PARTS"])
        parser = make_parser(name, module.PARTS, getattr(module, "add_options", None))
        for action in parser._actions:
            assert action.help, (name, action.option_strings)
        assert main(["lesson", name, "--help"]) == 0
        parts = capsys.readouterr().out.split("parts, in reading order")[1]
        for part, fn in module.PARTS.items():
            assert fn.__doc__ and fn.__doc__.strip(), (name, part)
            assert f"  {part}  " in parts, (name, part)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"minigrad {mg.__version__}"


def test_console_command_in_a_fresh_process():
    """The same through a real process: exit status 2, one line, no traceback."""
    proc = subprocess.run([sys.executable, "-m", "minigrad.cli", "lesson", "no_such_lesson"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "unknown lesson 'no_such_lesson'" in proc.stderr


def test_graph_draws_the_tiny_model(tmp_path, capsys):
    path = tmp_path / "mlp.dot"
    assert main(["graph", "mlp", str(path)]) == 0
    dot = path.read_text()
    # the tiny MLP: Linear -> ReLU -> Linear -> cross-entropy, in float64
    for fn in ("MatMul", "Permute", "Add", "ReLU", "CrossEntropyIndices"):
        assert f'label="{fn}"' in dot, fn
    assert "float64" in dot and f"wrote {path}" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["graph"], ["graph", "mlp", "graph.pdf"], ["graph", "no_such_lesson"]])
def test_graph_bad_input_is_one_line_and_status_2(argv, capsys):
    one_line_error(capsys, main(argv))


def test_every_command_has_its_help(capsys):
    from minigrad.cli import COMMANDS
    for name, fn in COMMANDS.items():
        assert fn.__doc__ and f"usage: minigrad {name}" in fn.__doc__, name
        assert main([name, "--help"]) == 0
        assert f"usage: minigrad {name}" in capsys.readouterr().out, name
