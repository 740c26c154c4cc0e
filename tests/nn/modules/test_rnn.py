"""nn.RNN / nn.LSTM / nn.GRU and the cells: PyTorch's numbers with the same weights,
gradcheck on tiny sizes, parameter names and init, weights read at call time, bad input."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels, nn
from minigrad.autograd import gradcheck

MODES = {"rnn_tanh": (nn.RNN, dict(nonlinearity="tanh")), "rnn_relu": (nn.RNN, dict(nonlinearity="relu")),
         "lstm": (nn.LSTM, {}), "gru": (nn.GRU, {})}


def _torch_twin(torch, module, mode, **kw):
    """The PyTorch layer with the same settings and weights (float64)."""
    cls = {"rnn_tanh": torch.nn.RNN, "rnn_relu": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[mode]
    extra = MODES[mode][1]
    twin = cls(module.input_size, module.hidden_size, **kw, **extra).double()
    with torch.no_grad():
        for name, p in twin.named_parameters():
            p.copy_(torch.from_numpy(getattr(module, name).data.astype(np.float64)))
    return twin


def _rand(rng, shape):
    return rng.standard_normal(shape)


@pytest.mark.parametrize("variant", ["cpu", "reference"])
@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("num_layers, bidirectional, batch_first, bias, with_hx", [
    (1, False, False, True, False),
    (2, True, False, True, True),
    (2, False, True, False, True),
    (3, True, True, True, False),
])
def test_matches_pytorch(mode, num_layers, bidirectional, batch_first, bias, with_hx, variant):
    torch = pytest.importorskip("torch")
    cls, extra = MODES[mode]
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    m = cls(3, 4, **kw, **extra, dtype=mg.float64)
    twin = _torch_twin(torch, m, mode, **kw)
    rng = np.random.default_rng(0)
    L, N, D = 5, 2, 2 if bidirectional else 1
    x_np = _rand(rng, (N, L, 3) if batch_first else (L, N, 3))
    states_np = [_rand(rng, (num_layers * D, N, 4)) for _ in range(2 if mode == "lstm" else 1)]
    x = mg.tensor(x_np, requires_grad=True)
    states = [mg.tensor(s, requires_grad=True) for s in states_np]
    tx = torch.tensor(x_np, requires_grad=True)
    tstates = [torch.tensor(s, requires_grad=True) for s in states_np]
    hx = (tuple(states) if mode == "lstm" else states[0]) if with_hx else None
    thx = (tuple(tstates) if mode == "lstm" else tstates[0]) if with_hx else None
    with kernels.use(variant):
        out, h = m(x, hx)
    tout, th = twin(tx, thx)
    finals, tfinals = (list(h), list(th)) if mode == "lstm" else ([h], [th])
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(finals, tfinals):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    gs = [_rand(rng, o.shape) for o in [out] + finals]
    with kernels.use(variant):
        mg.autograd.backward([out] + finals, [mg.tensor(g) for g in gs])
    torch.autograd.backward([tout] + tfinals, [torch.tensor(g) for g in gs])
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    if with_hx:
        for s, ts in zip(states, tstates):
            np.testing.assert_allclose(s.grad.data, ts.grad.numpy(), rtol=1e-9, atol=1e-12)
    for name, p in twin.named_parameters():
        np.testing.assert_allclose(getattr(m, name).grad.data, p.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_unbatched_matches_pytorch(mode):
    torch = pytest.importorskip("torch")
    cls, extra = MODES[mode]
    m = cls(3, 4, num_layers=2, bidirectional=True, **extra, dtype=mg.float64)
    twin = _torch_twin(torch, m, mode, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(1)
    x_np = _rand(rng, (6, 3))
    h_np = [_rand(rng, (4, 4)) for _ in range(2 if mode == "lstm" else 1)]
    hx = tuple(mg.tensor(h) for h in h_np) if mode == "lstm" else mg.tensor(h_np[0])
    thx = tuple(torch.tensor(h) for h in h_np) if mode == "lstm" else torch.tensor(h_np[0])
    out, h = m(mg.tensor(x_np), hx)
    tout, th = twin(torch.tensor(x_np), thx)
    assert out.shape == (6, 8)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(h if mode == "lstm" else [h], th if mode == "lstm" else [th]):
        assert a.shape == (4, 4)
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_pytorch(mode, batched):
    torch = pytest.importorskip("torch")
    cls = {"rnn_tanh": nn.RNNCell, "rnn_relu": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}[mode]
    tcls = {"rnn_tanh": torch.nn.RNNCell, "rnn_relu": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell,
            "gru": torch.nn.GRUCell}[mode]
    extra = MODES[mode][1]
    cell = cls(3, 5, **extra, dtype=mg.float64)
    twin = tcls(3, 5, **extra).double()
    with torch.no_grad():
        for name, p in twin.named_parameters():
            p.copy_(torch.from_numpy(getattr(cell, name).data))
    rng = np.random.default_rng(2)
    shape = (2, 3) if batched else (3,)
    hshape = (2, 5) if batched else (5,)
    x_np = _rand(rng, shape)
    h_np = [_rand(rng, hshape) for _ in range(2 if mode == "lstm" else 1)]
    x = mg.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    hx = tuple(mg.tensor(h) for h in h_np) if mode == "lstm" else mg.tensor(h_np[0])
    thx = tuple(torch.tensor(h) for h in h_np) if mode == "lstm" else torch.tensor(h_np[0])
    out, tout = cell(x, hx), twin(tx, thx)
    outs, touts = (list(out), list(tout)) if mode == "lstm" else ([out], [tout])
    for a, b in zip(outs, touts):
        assert a.shape == hshape
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum(o.sum() * (k + 1) for k, o in enumerate(outs)).backward()
    sum(o.sum() * (k + 1) for k, o in enumerate(touts)).backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(cell.weight_hh.grad.data, twin.weight_hh.grad.numpy(), rtol=1e-9, atol=1e-12)
    # no state given: zeros, as PyTorch
    out0 = cell(x)
    tout0 = twin(tx)
    first = out0[0] if mode == "lstm" else out0
    tfirst = tout0[0] if mode == "lstm" else tout0
    np.testing.assert_allclose(first.data, tfirst.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh"])
def test_layer_gradcheck(mode):
    cls, extra = MODES[mode]
    m = cls(2, 2, num_layers=2, bidirectional=True, **extra, dtype=mg.float64)
    rng = np.random.default_rng(3)
    x = mg.tensor(_rand(rng, (3, 2, 2)), requires_grad=True)
    h0 = mg.tensor(_rand(rng, (4, 2, 2)), requires_grad=True)
    params = list(m.parameters())

    def f(x, h0, *ps):
        hx = (h0, h0 * 0.5) if mode == "lstm" else h0
        out, h = m(x, hx)
        return (out,) + (tuple(h) if mode == "lstm" else (h,))

    assert gradcheck(f, (x, h0, *params))


def test_cell_gradcheck():
    cell = nn.LSTMCell(3, 2, dtype=mg.float64)
    rng = np.random.default_rng(4)
    x = mg.tensor(_rand(rng, (2, 3)), requires_grad=True)
    h = mg.tensor(_rand(rng, (2, 2)), requires_grad=True)
    c = mg.tensor(_rand(rng, (2, 2)), requires_grad=True)
    assert gradcheck(lambda x, h, c, *ps: cell(x, (h, c)), (x, h, c, *cell.parameters()))


def test_parameter_names_order_and_init():
    torch = pytest.importorskip("torch")
    m = nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    twin = torch.nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in twin.named_parameters()]
    for (n, p), (_, tp) in zip(m.named_parameters(), twin.named_parameters()):
        assert p.shape == tuple(tp.shape), n
        assert p.dtype == mg.float32
    bound = 1 / math.sqrt(16)
    w = np.concatenate([p.data.ravel() for p in m.parameters()])
    assert np.abs(w).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound     # the std of U(-b, b)
    assert not hasattr(m, "bias_ih_l0") or m.bias_ih_l0.shape == (64,)
    assert [n for n, _ in nn.GRU(3, 4, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert repr(nn.LSTM(3, 16, num_layers=2, bidirectional=True)) == "LSTM(3, 16, num_layers=2, bidirectional=True)"


def test_weights_are_read_at_call_time():
    m = nn.GRU(3, 4, dtype=mg.float64)
    x = mg.randn(5, 2, 3, dtype=mg.float64)
    before, _ = m(x)
    new = nn.Parameter(mg.zeros(12, 3, dtype=mg.float64))
    m.weight_ih_l0 = new
    after, _ = m(x)
    assert not np.allclose(before.data, after.data)
    x2 = mg.randn(5, 2, 3, dtype=mg.float64)
    again, _ = m(x2)
    np.testing.assert_allclose(after.data, again.data)     # the input no longer matters
    again.sum().backward()
    assert new.grad is not None and new.grad.shape == (12, 3)


def test_dropout_between_layers_only_in_training():
    mg.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5, dtype=mg.float64)
    x = mg.randn(4, 2, 3, dtype=mg.float64)
    train1, _ = m(x)
    train2, _ = m(x)
    assert not np.allclose(train1.data, train2.data)
    m.eval()
    eval1, _ = m(x)
    eval2, _ = m(x)
    np.testing.assert_array_equal(eval1.data, eval2.data)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(3, 4, num_layers=1, dropout=0.5)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_wrong_input_size_names_the_values(mode):
    cls, extra = MODES[mode]
    m = cls(3, 4, **extra)
    with pytest.raises(RuntimeError, match="input_size. Expected 3, got 5"):
        m(mg.zeros(2, 1, 5))
    with pytest.raises(ValueError, match="2D or 3D, got 4D"):
        m(mg.zeros(2, 1, 1, 3))


def test_wrong_hidden_shape_names_the_values():
    m = nn.LSTM(3, 4, num_layers=2)
    x = mg.zeros(5, 2, 3)
    good = mg.zeros(2, 2, 4)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 2, 4\), got \(1, 2, 4\)"):
        m(x, (mg.zeros(1, 2, 4), good))
    with pytest.raises(RuntimeError, match=r"Expected cell size \(2, 2, 4\), got \(2, 3, 4\)"):
        m(x, (good, mg.zeros(2, 3, 4)))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 4\), got \(1, 1, 4\)"):
        nn.GRU(3, 4)(mg.zeros(5, 3), mg.zeros(1, 1, 4))
    with pytest.raises(RuntimeError, match=r"LSTMCell: Expected cx of shape \(2, 4\), got \(2, 5\)"):
        nn.LSTMCell(3, 4)(mg.zeros(2, 3), (mg.zeros(2, 4), mg.zeros(2, 5)))
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 2, expected 3"):
        nn.GRUCell(3, 4)(mg.zeros(2, 2))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="got 1.5"):
        nn.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be a positive integer, got 0"):
        nn.LSTM(3, 0)


def test_rnn_layers_refuse_input_size_zero_and_a_one_tuple_state():
    for cls in (nn.RNN, nn.LSTM, nn.GRU):
        with pytest.raises(ValueError, match=f"{cls.__name__}: input_size must be a positive integer"):
            cls(0, 3)
    lstm = nn.LSTM(3, 4)
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h_0, c_0\) of two Tensors, got tuple of length 1"):
        lstm(mg.ones(2, 1, 3), (mg.zeros(1, 1, 4),))
    with pytest.raises(TypeError, match="GRU: the hidden state must be a Tensor"):
        nn.GRU(3, 4)(mg.ones(2, 1, 3), [[0.0] * 4])


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_absurd_sizes_raise_at_once_naming_the_module_and_the_value(cls):
    # num_layers=10**20 used to loop building layers (a hang); the parameters' size is checked first
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: .*num_layers=100000000000000000000 needs "
                                           r"\d+ parameters .* more than this machine's memory"):
        cls(3, 4, num_layers=10 ** 20)
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: .*hidden_size=1000000000000"):
        cls(3, 10 ** 12)
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: input_size=1000000000000000"):
        cls(10 ** 15, 4)
    with pytest.raises(TypeError, match=rf"{cls.__name__}: num_layers must be an int, got 1.5"):
        cls(3, 4, num_layers=1.5)
    with pytest.raises(TypeError, match=rf"{cls.__name__}: hidden_size must be an int, got 4.0"):
        cls(3, 4.0)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: num_layers must be a positive integer, got 0"):
        cls(3, 4, num_layers=0)
    with pytest.raises(TypeError, match=rf"{cls.__name__}: batch_first must be a bool, got 'yes'"):
        cls(3, 4, batch_first="yes")
    for bidirectional in (2, None, 1.5):        # PyTorch's forward refuses them (they were read by truth)
        with pytest.raises(TypeError, match=rf"{cls.__name__}: bidirectional must be a bool, got"):
            cls(3, 4, bidirectional=bidirectional)


def test_parameter_count_of_the_size_check_is_the_real_one(monkeypatch):
    # the bound is exact: a memory just big enough builds the layer, one byte less refuses it
    import minigrad.nn.modules.rnn as rnn
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    need = sum(p.numel() for p in lstm.parameters()) * 4
    assert need == 736 * 4
    monkeypatch.setattr(rnn, "memory_bytes", lambda: need)
    nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    monkeypatch.setattr(rnn, "memory_bytes", lambda: need - 1)
    with pytest.raises(RuntimeError, match="LSTM: input_size=3, hidden_size=4, num_layers=2 needs 736 parameters"):
        nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    gru_cell = sum(p.numel() for p in nn.GRUCell(3, 5).parameters()) * 4
    monkeypatch.setattr(rnn, "memory_bytes", lambda: gru_cell - 1)
    with pytest.raises(RuntimeError, match=f"GRUCell: input_size=3, hidden_size=5 needs {gru_cell // 4} parameters"):
        nn.GRUCell(3, 5)


@pytest.mark.parametrize("cls", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_cells_check_their_sizes(cls):
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: input_size=3, hidden_size=100000000000000000000"):
        cls(3, 10 ** 20)
    with pytest.raises(TypeError, match=rf"{cls.__name__}: hidden_size must be an int, got 2.0"):
        cls(3, 2.0)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: input_size must be a non-negative integer, got -1"):
        cls(-1, 2)
    for truthy, falsy in (("x", ""), (2, 0), (0.5, None)):     # read by its truth, as PyTorch's cells
        assert cls(3, 2, bias=truthy).bias_ih is not None and cls(3, 2, bias=falsy).bias_ih is None
    with pytest.raises(TypeError, match=rf"{cls.__name__.replace('Cell', '')}: bias must be a bool, got 'x'"):
        getattr(nn, cls.__name__.replace("Cell", ""))(3, 2, bias="x")       # as PyTorch's RNN, LSTM, GRU
    assert cls(0, 3).weight_ih.shape == (cls(0, 3).weight_ih.shape[0], 0)      # PyTorch allows 0 too



@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_with_hidden_size_0_run_as_pytorchs(cls):
    torch = pytest.importorskip("torch")
    cell, theirs = getattr(nn, cls)(4, 0), getattr(torch.nn, cls)(4, 0)
    assert [tuple(p.shape) for p in cell.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    x = mg.ones(2, 4, requires_grad=True)
    out = cell(x)
    out = out[0] if isinstance(out, tuple) else out
    assert tuple(out.shape) == (2, 0)
    out.sum().backward()
    assert x.grad.tolist() == [[0.0] * 4] * 2