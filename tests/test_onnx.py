"""minigrad.onnx.export: the lessons' models and every exported op, checked by onnx.checker and
run by onnx.reference (pure Python) and onnxruntime (when installed) against minigrad."""
import io

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.onnx import UnsupportedOperatorError, export

onnx = pytest.importorskip("onnx")
from onnx.reference import ReferenceEvaluator  # noqa: E402

try:
    import onnxruntime
except ImportError:
    onnxruntime = None


def _flat(out):
    if isinstance(out, mg.Tensor):
        return [out.numpy()]
    return [a for o in out for a in _flat(o)]


def _run(proto, feeds):
    """The graph's outputs by onnx.reference and, when installed, by onnxruntime."""
    runs = {}
    if not any(n.op_type == "RNN" and b"Relu" in n.SerializeToString() for n in proto.graph.node):
        runs["onnx.reference"] = ReferenceEvaluator(proto).run(None, feeds)   # (its RNN knows only Tanh)
    if onnxruntime is not None:
        session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
        runs["onnxruntime"] = session.run(None, feeds)
    return runs


def check(model, args, tmp_path=None, rtol=1e-5, atol=1e-5, other_args=None, **kw):
    """Export ``model`` on ``args``, check the model, run it on ``args`` (and ``other_args``,
    e.g. another batch size) and compare with minigrad. Returns the ModelProto."""
    args = args if isinstance(args, tuple) else (args,)
    f = io.BytesIO() if tmp_path is None else tmp_path / "model.onnx"
    modes = [m.training for m in model.modules()]
    proto = export(model, args, f, **kw)
    assert [m.training for m in model.modules()] == modes      # export restores the model's modes
    loaded = onnx.load_from_string(f.getvalue()) if tmp_path is None else onnx.load(str(f))
    assert loaded == proto
    onnx.checker.check_model(proto, full_check=True)
    model.eval()
    for inputs in [args] + ([other_args] if other_args is not None else []):
        with mg.no_grad():
            want = _flat(model(*inputs))
        assert all(np.isfinite(w).all() for w in want if w.dtype.kind == "f")
        names = [i.name for i in proto.graph.input]
        feeds = dict(zip(names, [a.numpy() for a in inputs if isinstance(a, mg.Tensor)]))
        runs = _run(proto, feeds)
        assert runs, "nothing ran the model"
        for runner, got in runs.items():
            assert len(got) == len(want)
            for w, g in zip(want, got):
                assert g.shape == w.shape and g.dtype == w.dtype, runner
                np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=runner)
    return proto


def ops(proto):
    return [n.op_type for n in proto.graph.node]


# ----------------------------------------------------------------------------- the lessons' models

def test_mlp(tmp_path):
    from lessons.mlp import mlp
    model = mlp(hidden=32, p_drop=0.3)
    model.train()                                       # export runs it in eval: dropout is identity
    proto = check(model, mg.randn(6, 64), tmp_path)
    assert ops(proto) == ["Gemm", "Relu", "Gemm"]
    assert [i.name for i in proto.graph.initializer] == ["0.weight", "0.bias", "3.weight", "3.bias"]


def test_lenet_with_a_dynamic_batch():
    from lessons.cnn import lenet
    proto = check(lenet(), mg.randn(3, 1, 32, 32), other_args=(mg.randn(7, 1, 32, 32),),
                  input_names=["image"], output_names=["logits"],
                  dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    assert ops(proto) == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten",
                          "Gemm", "Relu", "Gemm", "Relu", "Gemm"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_dcgan_generator_batch_norm_in_eval_mode_and_its_conditional_twin():
    from lessons.gan import NOISE_SIZE, Generator
    G = Generator()
    G.train()
    with mg.no_grad():
        G(mg.randn(16, NOISE_SIZE))                     # running statistics away from 0 and 1
    before = G.bn0.running_mean.numpy().copy()
    proto = check(G, mg.randn(4, NOISE_SIZE), other_args=(mg.randn(9, NOISE_SIZE),),
                  dynamic_axes={"input_0": {0: "n"}, "output_0": {0: "n"}})
    assert ops(proto) == ["Gemm", "Reshape", "BatchNormalization", "Relu", "ConvTranspose",
                          "BatchNormalization", "Relu", "ConvTranspose", "Tanh"]
    np.testing.assert_array_equal(G.bn0.running_mean.numpy(), before)     # export did not train it
    acgan = Generator(n_classes=10)
    assert ops(check(acgan, (mg.randn(4, NOISE_SIZE), F.one_hot(mg.tensor([0, 3, 9, 3]), 10).float())))[0] == "Concat"


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_lstm_and_gru_sequence_classifiers(cell):
    from lessons.lstm import SequenceModel
    model = SequenceModel(vocab=20, embed=8, hidden=12, cell=cell, num_layers=2, bidirectional=True)
    proto = check(model, mg.randint(0, 20, (7, 3)), other_args=(mg.randint(0, 20, (7, 5)),),
                  output_names=["logits", "h_n"] if cell == "GRU" else ["logits", "h_n", "c_n"],
                  dynamic_axes={name: {1: "batch"} for name in ("input_0", "logits", "h_n", "c_n")
                                if cell == "LSTM" or name != "c_n"})
    assert ops(proto).count(cell) == 2 and ops(proto)[0] == "Gather"


# ----------------------------------------------------------------------------- every op

class Lambda(nn.Module):
    def __init__(self, fn, *layers):
        super().__init__()
        self.fn, self.layers = fn, nn.ModuleList(layers)

    def forward(self, *xs):
        return self.fn(self.layers, *xs)


def _bn_trained(bn, shape):
    bn.train()
    with mg.no_grad():
        bn(3 + 2 * mg.randn(*shape))
    return bn


CASES = {
    "conv stride dilation groups": (nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), (2, 4, 9, 9), "Conv"),
    "conv padding same": (nn.Conv2d(2, 3, 4, padding="same"), (1, 2, 6, 7), "Conv"),
    "conv1d": (nn.Conv1d(3, 4, 3, padding=1), (2, 3, 10), "Conv"),
    "conv transpose output_padding": (nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1),
                                      (2, 3, 4, 5), "ConvTranspose"),
    "max pool padding stride": (nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 8), "MaxPool"),
    "max pool ceil": (nn.MaxPool2d(2, ceil_mode=True), (1, 2, 7, 7), "MaxPool"),
    "avg pool": (nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 7), "AveragePool"),
    "avg pool no pad count": (nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 3, 7, 7), "AveragePool"),
    "global average pool": (nn.AdaptiveAvgPool2d(1), (2, 3, 5, 4), "GlobalAveragePool"),
    "adaptive avg pool 2": (nn.AdaptiveAvgPool2d((2, 2)), (2, 3, 6, 4), "AveragePool"),
    "adaptive max pool 1": (nn.AdaptiveMaxPool2d(1), (2, 3, 5, 4), "GlobalMaxPool"),
    "batch norm 2d": (_bn_trained(nn.BatchNorm2d(3), (8, 3, 4, 4)), (2, 3, 4, 4), "BatchNormalization"),
    "batch norm 1d": (_bn_trained(nn.BatchNorm1d(5), (8, 5)), (4, 5), "BatchNormalization"),
    "batch norm no affine": (_bn_trained(nn.BatchNorm2d(3, affine=False), (8, 3, 2, 2)), (2, 3, 2, 2), "BatchNormalization"),
    "layer norm": (nn.LayerNorm([4, 5]), (2, 3, 4, 5), "LayerNormalization"),
    "relu": (nn.ReLU(), (3, 4), "Relu"),
    "leaky relu": (nn.LeakyReLU(0.2), (3, 4), "LeakyRelu"),
    "elu": (nn.ELU(0.7), (3, 4), "Elu"),
    "tanh": (nn.Tanh(), (3, 4), "Tanh"),
    "sigmoid": (nn.Sigmoid(), (3, 4), "Sigmoid"),
    "gelu (Erf at opset 17)": (nn.GELU(), (3, 4), "Erf"),
    "gelu tanh": (nn.GELU(approximate="tanh"), (3, 4), "Tanh"),
    "softplus beta": (nn.Softplus(beta=2.0), (3, 4), "Softplus"),
    "softmax": (nn.Softmax(dim=1), (3, 4, 2), "Softmax"),
    "log softmax": (nn.LogSoftmax(dim=-1), (3, 4), "LogSoftmax"),
    "flatten": (nn.Flatten(), (2, 3, 4), "Flatten"),
    "flatten middle dims": (nn.Flatten(1, 2), (2, 3, 4, 5), "Reshape"),
    "dropout is identity": (nn.Sequential(nn.Dropout(0.5), nn.Tanh()), (3, 4), "Tanh"),
    "linear on 3-d input": (nn.Linear(4, 3), (2, 5, 4), "MatMul"),
    "linear without bias": (nn.Linear(4, 3, bias=False), (2, 4), "Gemm"),
    "lstm batch_first": (nn.LSTM(3, 5, batch_first=True), (2, 6, 3), "LSTM"),
    "gru one layer": (nn.GRU(3, 4), (5, 2, 3), "GRU"),
    "rnn relu": (nn.RNN(3, 4, nonlinearity="relu", num_layers=2), (5, 2, 3), "RNN"),
    "functional softmax": (Lambda(lambda _, x: F.softmax(x * 30, dim=-1)), (3, 4), "ReduceMax"),
    "functional log_softmax": (Lambda(lambda _, x: F.log_softmax(x, dim=0)), (3, 4), "Log"),
    "functional layer_norm": (Lambda(lambda _, x: F.layer_norm(x, (4,))), (3, 4), "ReduceMean"),
    "group norm": (nn.GroupNorm(2, 4), (2, 4, 3, 3), "ReduceMean"),
    "transpose reshape concat": (Lambda(lambda _, x: mg.cat([x.transpose(0, 1), x.permute(1, 0) * 2], dim=1)
                                        .reshape(2, -1)), (3, 4), "Concat"),
    "stack split": (Lambda(lambda _, x: mg.stack(x.split([1, 3], dim=1)[::-1][1:] * 2, dim=0)), (3, 4), "Split"),
    "slicing": (Lambda(lambda _, x: x[:, -1] + x[1:, 0:4:2].sum(1)[None, :2].mean()), (3, 4, 5), "Slice"),
    "arithmetic": (Lambda(lambda _, x: (x - 1.5) / (x.abs() + 1) ** 2 * (-x).exp() - x.sqrt().clamp(max=0.5)
                          + mg.maximum(x, x * 0.5).log1p().rsqrt() + (0.5 * x).log() - x.neg().expm1()),
                   (3, 4), "Clip"),
    "reductions": (Lambda(lambda _, x: x.max(dim=1)[0] + x.amax(0, keepdim=True).sum() + x.logsumexp(1)
                          + x.min(dim=1).values), (3, 4), "ReduceMin"),
    "where expand": (Lambda(lambda _, x: mg.where(mg.tensor([True, False, True, True]), x,
                                                  mg.tensor([1.0, 2.0, 3.0, 4.0]).expand(3, 4))), (3, 4), "Where"),
    "pad": (Lambda(lambda _, x: F.pad(x, (1, 2, 0, 1), value=0.5)), (2, 3, 4), "Pad"),
    "parameters used by ops": (Lambda(lambda layers, x: x @ layers[0].weight.T + layers[0].bias, nn.Linear(4, 2)),
                               (3, 4), "MatMul"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_op(name):
    model, shape, op = CASES[name]
    x = mg.rand(*shape) + 0.1 if name == "arithmetic" else mg.randn(*shape)     # (positive: logs, roots)
    proto = check(model, x)
    assert op in ops(proto)


def test_pools_given_one_element_tuples_export_as_their_forward_reads_them():
    """MaxPool2d((2,)) pools 2 x 2, as PyTorch's does; the export reads the layer's geometry with
    the same argument rule as the layer's forward."""
    x = mg.tensor(np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype(np.float32))
    proto = check(nn.Sequential(nn.MaxPool2d((2,), stride=(2,)), nn.AvgPool2d((3,), stride=1, padding=(1,))), x)
    assert [list(a.ints) for n in proto.graph.node for a in n.attribute if a.name == "kernel_shape"] == [[2, 2], [3, 3]]


def test_lstm_and_gru_with_initial_states():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    h0, c0 = mg.randn(4, 2, 4), mg.randn(4, 2, 4)
    check(Lambda(lambda layers, x, h, c: layers[0](x, (h, c)), lstm), (mg.randn(5, 2, 3), h0, c0))
    gru = nn.GRU(3, 4, batch_first=True)
    check(Lambda(lambda layers, x, h: layers[0](x, h), gru), (mg.randn(2, 5, 3), mg.randn(1, 2, 4)))
    check(Lambda(lambda layers, x: layers[0](x, hx=mg.zeros(1, 2, 4) + 0.5), gru), mg.randn(2, 5, 3))


def test_embedding_then_the_last_step_of_an_lstm_classifies():
    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed, self.rnn, self.head = nn.Embedding(12, 6), nn.LSTM(6, 8, batch_first=True), nn.Linear(8, 3)

        def forward(self, tokens):
            out, _ = self.rnn(self.embed(tokens))
            return F.log_softmax(self.head(out[:, -1]), dim=-1)
    check(Classifier(), mg.randint(0, 12, (4, 9)), other_args=(mg.randint(0, 12, (6, 9)),),
          dynamic_axes={"input_0": [0], "output_0": [0]})


@pytest.mark.parametrize("opset", [18, 20, 21])
def test_other_opsets(opset):
    model = nn.Sequential(nn.Linear(4, 6), nn.GELU(), nn.LayerNorm(6), nn.Softmax(-1))
    proto = check(Lambda(lambda layers, x: layers[0](x).mean(1, keepdim=True) + x.sum(), model), mg.randn(3, 4),
                  opset_version=opset)
    assert proto.opset_import[0].version == opset
    assert ("Gelu" in ops(proto)) == (opset >= 20)


def test_float64_models_stay_float64():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh()).double()
    proto = check(model, mg.randn(4, 3, dtype=mg.float64), rtol=1e-12, atol=1e-12)
    assert proto.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


# ----------------------------------------------------------------------------- what it refuses

def test_an_op_without_translation_is_named_with_its_layer():
    model = nn.Sequential(nn.Linear(3, 3), Lambda(lambda _, x: x.cumsum(1)))
    with pytest.raises(UnsupportedOperatorError, match="the op CumSum \\(in layer '1'\\) has no ONNX"):
        export(model, mg.randn(2, 3), io.BytesIO())


def test_input_dependent_constants_and_control_flow_are_refused():
    masked = Lambda(lambda _, x: x * (x > 0))                  # a comparison: no Function records it
    with pytest.raises(UnsupportedOperatorError, match="depends on the inputs.*comparison"):
        export(masked, mg.randn(3, 4), io.BytesIO())
    branchy = Lambda(lambda _, x: x.exp() if x.sum().item() == 0 else x.tanh())
    with pytest.raises(UnsupportedOperatorError, match="different graph for other inputs"):
        export(branchy, mg.zeros(3, 4), io.BytesIO())


def test_in_place_changes_and_functional_pools_are_refused():
    def inplace(_, x):
        y = x * 2
        with mg.no_grad():
            y.add_(1)
        return y.tanh()
    with pytest.raises(UnsupportedOperatorError, match="changed in place"):
        export(Lambda(inplace), mg.randn(3, 4), io.BytesIO())
    with pytest.raises(UnsupportedOperatorError, match="nn.MaxPool2d"):
        export(Lambda(lambda _, x: F.max_pool2d(x, 2)), mg.randn(1, 1, 4, 4), io.BytesIO())
    with pytest.raises(UnsupportedOperatorError, match="AvgPool2d with ceil_mode"):
        export(nn.AvgPool2d(2, ceil_mode=True), mg.randn(1, 1, 5, 5), io.BytesIO())
    with pytest.raises(UnsupportedOperatorError, match="MaxPool2d\\(ceil_mode=True\\) at input size 5"):
        export(nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True), mg.randn(1, 1, 5, 5), io.BytesIO())


def test_bad_arguments():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="opset_version 12"):
        export(model, mg.randn(1, 2), io.BytesIO(), opset_version=12)
    with pytest.raises(ValueError, match="1 tensor arguments need 1 distinct input_names"):
        export(model, mg.randn(1, 2), io.BytesIO(), input_names=["a", "b"])
    with pytest.raises(ValueError, match="output_names"):
        export(model, mg.randn(1, 2), io.BytesIO(), output_names=["a", "b"])
    with pytest.raises(ValueError, match="dynamic_axes names \\['x'\\]"):
        export(model, mg.randn(1, 2), io.BytesIO(), dynamic_axes={"x": [0]})


def test_export_leaves_the_model_and_the_random_stream_as_they_were(tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    model.train()
    x = mg.randn(2, 3)
    mg.manual_seed(5)
    expected = mg.rand(4).numpy()
    mg.manual_seed(5)
    export(model, x, tmp_path / "m.onnx")
    np.testing.assert_array_equal(mg.rand(4).numpy(), expected)    # the random stream did not move
    assert model.training and model[1].training
    assert "forward" not in model[0].__dict__         # the tracing wrappers are gone
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]
