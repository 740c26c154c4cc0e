"""lstm lesson: the memory-cell table, the cliff, TBPTT = BPTT, delayed recall, char-LSTM."""
import json
import warnings

import numpy as np
import pytest

import lessons.lstm as lstm
import minigrad as mg


def test_tiny_model_gradcheck_every_parameter():
    assert lstm.tiny_model_check() < 1e-5


def test_memory_cell_reproduces_the_notes_table(tmp_path):
    assert lstm.main(["--part", "cell", "--out", str(tmp_path)]) == 0
    xs = mg.tensor(np.array(lstm.CELL_INPUTS, dtype=np.float64))
    memories, outputs = (t.numpy() for t in lstm.memory_cell(xs))
    assert np.rint(memories).astype(int).tolist() == [0, 3, 3, 7, 7, 7, 0, 6, 6]
    assert np.rint(outputs).astype(int).tolist() == [0, 0, 0, 0, 0, 7, 0, 0, 6]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["cell_table_max_abs_error"] < 1e-3


def test_w999_values_and_gradient_by_backprop_through_1000_steps():
    w = mg.tensor(np.array([0.99, 1.0, 1.01]), requires_grad=True)
    y = lstm.linear_rnn_last_output(w)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [0.99 ** 999, 1.0, 1.01 ** 999], rtol=1e-10)
    np.testing.assert_allclose(w.grad.numpy(), 999 * np.array([0.99, 1.0, 1.01]) ** 998, rtol=1e-10)
    assert 20_000 < 1.01 ** 999 < 21_000 and 0.99 ** 999 < 1e-4


def test_clipping_tames_the_cliff():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # the overflow is the lesson, not a warning
        plain = lstm.descend_cliff(1.005, 0.5, 1e-6, 8)
    clipped = lstm.descend_cliff(1.005, 0.5, 1e-6, 8, clip=("norm", 1000.0))
    assert not np.isfinite(plain[-1])                  # thrown off the cliff
    assert clipped[-1] < clipped[0] / 10               # walks down it


@pytest.mark.slow
def test_tbptt_exact_and_delayed_recall(tmp_path):
    assert lstm.main(["--part", "tbptt", "--seed", "0", "--out", str(tmp_path)]) == 0
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["tbptt_vs_bptt_max_abs_diff"] <= 1e-10
    chance = 1 / lstm.RECALL_SYMBOLS
    assert m["delayed_recall_accuracy_k2_short"] < chance + 0.1      # k2 < lag: near chance
    assert m["delayed_recall_accuracy_k2_long"] > 0.9                # k2 > lag: learned
    assert (tmp_path / "delayed_recall.png").stat().st_size > 10_000


@pytest.mark.slow
def test_char_lstm_bits_per_character(tmp_path):
    assert lstm.main(["--part", "charlm", "--seed", "0", "--out", str(tmp_path)]) == 0
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["char_val_bpc"] < 2.5
    assert (tmp_path / "charlm_bpc.png").stat().st_size > 10_000
    assert len((tmp_path / "charlm_sample.txt").read_text()) > 100


def test_the_cell_from_ops_equals_nn_lstm_in_outputs_and_gradients():
    mg.manual_seed(3)
    layer = mg.nn.LSTM(3, 5).double()
    x = mg.randn(6, 2, 3, dtype=mg.float64, requires_grad=True)
    grads = []
    for forward in (lambda: lstm.lstm_from_ops(layer, x), lambda: layer(x)):
        x.grad = None
        layer.zero_grad()
        out, (h_n, c_n) = forward()
        (out * mg.arange(5, dtype=mg.float64)).sum().backward()
        grads.append([out.detach().numpy(), h_n.detach().numpy(), c_n.detach().numpy(), x.grad.numpy()]
                     + [p.grad.numpy() for p in layer.parameters()])
    assert len(grads[0]) == 8
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
