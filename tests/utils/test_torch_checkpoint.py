"""load_torch: torch.save files read without PyTorch and without running anything in them."""
import os
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.utils import load_torch
from minigrad.utils.serialization import CheckpointError

from .checkpoint_files import payloads, state_dict_pickle, tensor_call, torch_like_file, write_torch_zip


# ----------------------------------------------------------------------------- without PyTorch

def test_a_hand_made_torch_file_loads_views_float16_and_0d_buffers(tmp_path):
    want = torch_like_file(tmp_path / "sd.pt")
    got = load_torch(tmp_path / "sd.pt")
    assert isinstance(got, OrderedDict) and list(got) == ["w", "view", "h", "n"]
    for k, v in want.items():
        assert isinstance(got[k], mg.Tensor) and got[k].dtype == v.dtype and got[k].shape == v.shape, k
        np.testing.assert_array_equal(got[k].numpy(), v)
    got["w"].data[0, 0] = 100.0                       # each tensor owns its memory
    assert got["view"].numpy()[0, 0] == 1.0
    assert mg.load(tmp_path / "sd.pt")["n"].item() == 7     # mg.load recognises the format


def test_big_endian_files_load(tmp_path):
    w = np.array([1.5, -2.0, 3.25], dtype=np.float32)
    pkl = state_dict_pickle({"w": tensor_call("FloatStorage", "0", 3, 0, (3,), (1,))})
    write_torch_zip(tmp_path / "be.pt", pkl, {"0": w.astype(">f4").tobytes()}, byteorder=b"big")
    got = load_torch(tmp_path / "be.pt")["w"]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.numpy(), w)


@pytest.mark.parametrize("name", list(payloads("MARKER")))
def test_pickles_that_would_run_code_are_refused_before_anything_runs(tmp_path, name):
    marker = tmp_path / "ran"
    payload = payloads(marker)[name]
    path = tmp_path / "evil.pt"
    write_torch_zip(path, payload)
    with pytest.raises(CheckpointError, match="refused before anything ran") as info:
        load_torch(path)
    global_name = {"builtins.eval": "builtins.eval", "subprocess.Popen": "subprocess.Popen"}.get(name, "system")
    assert global_name in str(info.value) and "evil.pt" in str(info.value)
    assert not marker.exists()
    with pytest.raises(CheckpointError, match="refused before anything ran"):
        mg.load(path)
    assert not marker.exists()


def test_the_payload_is_live_when_pickle_itself_loads_it(tmp_path):
    """The same bytes, unpickled by pickle.loads in a child process, do run the command: the
    refusal above is what stops them."""
    marker = tmp_path / "ran"
    (tmp_path / "evil.pkl").write_bytes(payloads(marker)["os.system (protocol 0, GLOBAL)"])
    subprocess.run([sys.executable, "-c", "import pickle, sys; pickle.loads(open(sys.argv[1], 'rb').read())",
                    str(tmp_path / "evil.pkl")], check=True, timeout=60)
    assert marker.exists()


def test_geometry_and_storage_sizes_are_checked(tmp_path):
    w = np.arange(4, dtype=np.float32).tobytes()
    cases = {
        "reaches element 4 of a storage of 4": (tensor_call("FloatStorage", "0", 4, 1, (4,), (1,)), w),
        "holds 16 bytes, but its header declares 40": (tensor_call("FloatStorage", "0", 10, 0, (10,), (1,)), w),
        "invalid tensor geometry": (tensor_call("FloatStorage", "0", 4, 0, (2, 2), (1,)), w),
        "no member 'archive/data/0'": (tensor_call("FloatStorage", "0", 4, 0, (4,), (1,)), None),
    }
    for match, (call, data) in cases.items():
        path = tmp_path / "bad.pt"
        write_torch_zip(path, state_dict_pickle({"w": call}), {} if data is None else {"0": data})
        with pytest.raises(CheckpointError, match=match):
            load_torch(path)


def test_not_torch_files_give_clear_errors(tmp_path):
    path = tmp_path / "x.pt"
    path.write_bytes(b"\x80\x02\x8a\x0alZ\xfc\x9cF\xf9 j\xa8P\x19.")    # the legacy format's magic number
    with pytest.raises(CheckpointError, match="legacy"):
        load_torch(path)
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="not a torch.save file"):
        load_torch(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a/data.pkl", b"x")
        zf.writestr("b/data.pkl", b"x")
    with pytest.raises(CheckpointError, match="2 data.pkl members"):
        load_torch(path)
    write_torch_zip(path, state_dict_pickle({"w": b"(J\x01\x00\x00\x00\x85" + b"ctorch\nFloatStorage\n" + b"t"}))
    with pytest.raises(CheckpointError, match="not data"):
        load_torch(path)
    with pytest.raises(FileNotFoundError, match="nothere.pt"):
        load_torch(tmp_path / "nothere.pt")


# ----------------------------------------------------------------------------- with PyTorch

def _torch():
    return pytest.importorskip("torch")


def _same_outputs(tmp_path, torch_module, mg_module, inputs, train_first=None):
    torch = _torch()
    if train_first is not None:
        torch_module.train()
        with torch.no_grad():
            torch_module(*[torch.from_numpy(a) for a in train_first])
    torch_module.eval()
    torch.save(torch_module.state_dict(), tmp_path / "m.pt")
    state = load_torch(tmp_path / "m.pt")
    assert set(state) == set(torch_module.state_dict())
    mg_module.load_state_dict(state)
    mg_module.eval()
    with torch.no_grad():
        want = torch_module(*[torch.from_numpy(a) for a in inputs])
    with mg.no_grad():
        got = mg_module(*[mg.tensor(a) for a in inputs])
    want = want if isinstance(want, tuple) else (want,)
    got = got if isinstance(got, tuple) else (got,)
    for w, g in zip(want, got):
        w, g = (w if isinstance(w, tuple) else (w,)), (g if isinstance(g, tuple) else (g,))
        for wi, gi in zip(w, g):
            np.testing.assert_allclose(gi.numpy(), wi.numpy(), rtol=1e-4, atol=1e-5)
    return state


def test_linear_and_conv2d(tmp_path):
    torch = _torch()
    rng = np.random.default_rng(0)
    _same_outputs(tmp_path, torch.nn.Linear(5, 3), nn.Linear(5, 3), [rng.standard_normal((4, 5), np.float32)])
    _same_outputs(tmp_path, torch.nn.Conv2d(2, 4, 3, stride=2, padding=1), nn.Conv2d(2, 4, 3, stride=2, padding=1),
                  [rng.standard_normal((2, 2, 7, 7), np.float32)])


def test_batchnorm2d_with_running_statistics(tmp_path):
    torch = _torch()
    rng = np.random.default_rng(1)
    state = _same_outputs(tmp_path, torch.nn.BatchNorm2d(3), nn.BatchNorm2d(3),
                          [rng.standard_normal((2, 3, 4, 4), np.float32)],
                          train_first=[3 + 2 * rng.standard_normal((8, 3, 4, 4), np.float32)])
    assert state["num_batches_tracked"].dtype == np.int64 and state["num_batches_tracked"].item() == 1
    assert abs(state["running_mean"].numpy().mean() - 0.3) < 0.1        # moved from 0 towards 3


def test_lstm_embedding_and_a_transformer_encoder_layer(tmp_path):
    torch = _torch()
    rng = np.random.default_rng(2)
    _same_outputs(tmp_path, torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True),
                  nn.LSTM(4, 6, num_layers=2, bidirectional=True), [rng.standard_normal((5, 3, 4), np.float32)])
    _same_outputs(tmp_path, torch.nn.Embedding(10, 4, padding_idx=0), nn.Embedding(10, 4, padding_idx=0),
                  [rng.integers(0, 10, (3, 5))])
    _same_outputs(tmp_path, torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True),
                  nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True),
                  [rng.standard_normal((2, 5, 8), np.float32)])


def test_dtypes_views_shared_storages_nested_dicts_and_an_optimizer_state(tmp_path):
    torch = _torch()
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    lin = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(lin.parameters(), lr=0.01)
    lin(torch.ones(1, 3)).sum().backward()
    opt.step()
    obj = {"view": base.t()[2:, 1:3], "same_storage": base[1], "half": base[0].half(),
           "bf16": torch.tensor([1.0, -2.5, 3.140625], dtype=torch.bfloat16), "i": torch.tensor(3),
           "b": torch.tensor([True, False]), "c": torch.tensor([1 + 2j]), "param": torch.nn.Parameter(torch.ones(2)),
           "nested": {"list": [base[:, 0], 2.5, "x", None, (1, 2)]}, "opt": opt.state_dict()}
    torch.save(obj, tmp_path / "all.pt")
    got = load_torch(tmp_path / "all.pt")
    np.testing.assert_array_equal(got["view"].numpy(), obj["view"].numpy())
    np.testing.assert_array_equal(got["same_storage"].numpy(), base[1].numpy())
    assert got["half"].dtype == np.float16 and got["half"].tolist() == base[0].tolist()
    assert got["bf16"].dtype == np.float32 and got["bf16"].tolist() == [1.0, -2.5, 3.140625]
    assert got["i"].dtype == np.int64 and got["i"].shape == () and got["i"].item() == 3
    assert got["b"].tolist() == [True, False] and got["c"].numpy()[0] == 1 + 2j
    assert type(got["param"]).__name__ == "Parameter" and got["param"].requires_grad
    lst = got["nested"]["list"]
    np.testing.assert_array_equal(lst[0].numpy(), base[:, 0].numpy())
    assert lst[1:] == [2.5, "x", None, (1, 2)]
    state = got["opt"]["state"][0]
    np.testing.assert_array_equal(state["exp_avg"].numpy(), opt.state_dict()["state"][0]["exp_avg"].numpy())
    assert got["opt"]["param_groups"][0]["lr"] == 0.01 and got["opt"]["param_groups"][0]["betas"] == (0.9, 0.999)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_whole_models_legacy_files_and_torchscript_are_refused(tmp_path):
    torch = _torch()
    torch.save(torch.nn.Linear(2, 2), tmp_path / "model.pt")
    with pytest.raises(CheckpointError, match="torch.nn.modules.linear.Linear.*state_dict"):
        load_torch(tmp_path / "model.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="legacy"):
        load_torch(tmp_path / "legacy.pt")
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(tmp_path / "script.pt"))
    with pytest.raises(CheckpointError, match="TorchScript"):
        load_torch(tmp_path / "script.pt")
    assert os.path.exists(tmp_path / "script.pt")
