"""benchmarks.overhead, mlp_step and nn_layers: ``--threads`` reaches minigrad (and PyTorch),
one table per thread count, every timing cell a number."""
import pytest

import minigrad as mg
from benchmarks import mlp_step, nn_layers, overhead


def _rows(text, header_start):
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("| " + header_start))
    rows = []
    for line in lines[at + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line.strip("| ").split(" | "))
    return lines[at], rows


def _number(cell):
    return float(cell.rstrip("x"))


@pytest.fixture
def restore_threads():
    prev = mg.get_num_threads()
    yield
    mg.set_num_threads(prev)


def test_overhead_table_one_row_per_op_with_numbers(restore_threads):
    out = overhead.table(1, repeats=1, torch=None)
    header, rows = _rows(out, "op")
    assert header == "| op | minigrad fwd µs | minigrad fwd+bwd µs |"
    assert [r[0] for r in rows] == ["add", "mul", "matmul 64x64", "sum", "getitem", "einsum ij,jk->ik",
                                    "topk 3 of 8", "sort 8", "add_ on a non-leaf row", "mul, detect_anomaly on",
                                    "matmul 64x64, detect_anomaly on"]
    assert all(_number(c) > 0 for r in rows for c in r[1:])
    assert "threads: 1" in out and mg.get_num_threads() == 1


def test_mlp_step_table_threads_reach_minigrad_and_torch(restore_threads):
    torch = pytest.importorskip("torch")
    prev = torch.get_num_threads()
    try:
        out = mlp_step.table(1, repeats=1, torch=torch, batch=8)
        assert torch.get_num_threads() == 1 and mg.get_num_threads() == 1
    finally:
        torch.set_num_threads(prev)
    header, rows = _rows(out, "implementation")
    assert header == "| implementation | median ms | min ms | vs torch |"
    assert [r[0] for r in rows] == ["minigrad", "torch"]
    assert all(_number(c) > 0 for r in rows for c in r[1:]) and rows[1][3] == "1.00x"
    assert "batch 8" in out and "threads: 1" in out


def test_mlp_step_without_torch_has_no_ratio(restore_threads):
    _, rows = _rows(mlp_step.table(1, repeats=1, torch=None, batch=4), "implementation")
    assert [r[0] for r in rows] == ["minigrad"] and rows[0][3] == "-"


def test_nn_layers_tables_with_numbers(restore_threads):
    out = nn_layers.table(1, repeats=1, torch=None)
    header, rows = _rows(out, "forward+backward")
    assert header == "| forward+backward | minigrad ms |"
    assert [r[0] for r in rows] == ["MLP 784-300-100-10 + cross_entropy", "BatchNorm1d(300), train",
                                    "LayerNorm(300)", "cross_entropy (64, 10)"]
    _, norm = _rows(out, "normalisation")
    assert len(norm) == 2 and all(_number(c) > 0 for r in rows + norm for c in r[1:])
    assert "threads: 1" in out and mg.get_num_threads() == 1


@pytest.mark.parametrize("module", [overhead, mlp_step, nn_layers])
def test_threads_argument_prints_one_table_per_count(module, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(module, "table", lambda n, repeats, torch, *a: calls.append((n, repeats)) or f"table {n}")
    module.main(["--threads", "1", "2", "--repeats", "3"])
    assert calls == [(1, 3), (2, 3)]
    assert capsys.readouterr().out.split() == ["table", "1", "table", "2"]
