"""The ``minigrad`` command: listing, running, gradchecking; every user error is one line on
stderr with exit status 2 and no traceback."""
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


@pytest.mark.parametrize("argv", [
    ["lesson", "no_such_lesson"],
    ["gradcheck", "no_such_lesson"],
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
    assert "no usable GPU" in err


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
