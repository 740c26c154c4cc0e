"""safetensors: minigrad's own reader/writer, checked against the safetensors package and
PyTorch (when installed), and against hostile headers."""
import json
import os
import struct

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.utils import load_safetensors, safetensors_metadata, save_safetensors
from minigrad.utils.serialization import CheckpointError


def _state():
    rng = np.random.default_rng(0)
    return {"w": mg.tensor(rng.standard_normal((3, 4)).astype(np.float32)),
            "d": mg.tensor(rng.standard_normal(5)),                                  # float64
            "h": mg.tensor(rng.standard_normal(2).astype(np.float16)),
            "n": mg.tensor(np.array(7, dtype=np.int64)),                             # 0-d
            "i8": mg.tensor(np.array([-3, 4], dtype=np.int8)), "u8": mg.tensor(np.array([0, 255], np.uint8)),
            "b": mg.tensor(np.array([True, False])), "empty": mg.zeros(0, 3),
            "view": mg.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4).T)}   # not contiguous


def test_round_trip_is_bit_identical_and_keeps_dtypes_and_shapes(tmp_path):
    state = _state()
    save_safetensors(state, tmp_path / "m.safetensors", metadata={"epoch": "3"})
    got = load_safetensors(tmp_path / "m.safetensors")
    assert set(got) == set(state)
    for k, v in state.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape, k
        assert got[k].numpy().tobytes() == np.ascontiguousarray(v.numpy()).tobytes(), k
    assert safetensors_metadata(tmp_path / "m.safetensors") == {"epoch": "3"}
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_layout_aligns_every_tensor_and_pads_the_header(tmp_path):
    save_safetensors(_state(), tmp_path / "m.safetensors")
    raw = (tmp_path / "m.safetensors").read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0
    header = json.loads(raw[8:8 + n])
    crcs = json.loads(header.pop("__metadata__")["minigrad.crc32"])
    assert set(crcs) == set(header)
    sizes = {"F64": 8, "I64": 8, "F32": 4, "F16": 2, "I8": 1, "U8": 1, "BOOL": 1}
    for name, info in header.items():
        assert info["data_offsets"][0] % sizes[info["dtype"]] == 0, name
    assert header["n"] == {"dtype": "I64", "shape": [], "data_offsets": header["n"]["data_offsets"]}


def test_save_and_load_choose_safetensors_by_suffix_and_by_content(tmp_path):
    model = nn.Linear(3, 2)
    mg.save(model.state_dict(), tmp_path / "lin.safetensors")
    with open(tmp_path / "lin.safetensors", "rb") as fh:
        assert fh.read(9)[8:9] == b"{"                    # not a zip: really safetensors
    os.rename(tmp_path / "lin.safetensors", tmp_path / "lin.bin")
    back = mg.load(tmp_path / "lin.bin")
    np.testing.assert_array_equal(back["weight"].numpy(), model.weight.detach().numpy())
    mg.save({"w": mg.ones(2)}, tmp_path / "x.ckpt", format="safetensors")
    assert mg.load(tmp_path / "x.ckpt", format="safetensors")["w"].tolist() == [1.0, 1.0]


def test_flat_dicts_of_tensors_only(tmp_path):
    with pytest.raises(TypeError, match="'state' is a dict.*minigrad.save"):
        save_safetensors({"state": {"a": mg.ones(1)}}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="names must be strings"):
        save_safetensors({0: mg.ones(1)}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="complex64.*cannot hold"):
        save_safetensors({"c": mg.tensor(np.ones(2, np.complex64))}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="metadata must be a dict of str to str"):
        save_safetensors({"w": mg.ones(1)}, tmp_path / "x.safetensors", metadata={"epoch": 3})
    assert not os.listdir(tmp_path)


def test_a_flipped_bit_in_the_data_of_a_file_minigrad_wrote_is_caught(tmp_path):
    path = tmp_path / "m.safetensors"
    save_safetensors({"w": mg.arange(8.0)}, path)
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x10
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="'w'.*CRC-32"):
        load_safetensors(path)


def test_bfloat16_loads_as_float32_exactly(tmp_path):
    values = np.array([1.0, -2.5, 3.140625, 1e-3, 65280.0], dtype=np.float32)
    bits = (values.view(np.uint32) >> 16).astype("<u2")     # the top halves: bfloat16
    header = json.dumps({"x": {"dtype": "BF16", "shape": [5], "data_offsets": [0, 10]}}).encode()
    (tmp_path / "bf.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + bits.tobytes())
    got = load_safetensors(tmp_path / "bf.safetensors")["x"]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.numpy(), (bits.astype(np.uint32) << 16).view(np.float32))
    np.testing.assert_array_equal(got.numpy()[:3], values[:3])


def test_the_safetensors_package_reads_ours_and_we_read_its(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    ours = {k: v for k, v in _state().items()}
    save_safetensors(ours, tmp_path / "ours.safetensors")
    theirs = st.load_file(str(tmp_path / "ours.safetensors"))
    for k, v in ours.items():
        np.testing.assert_array_equal(theirs[k], v.numpy())
        assert theirs[k].dtype == v.dtype
    arrays = {k: np.ascontiguousarray(v.numpy()) for k, v in ours.items()}
    st.save_file(arrays, str(tmp_path / "theirs.safetensors"), metadata={"by": "package"})
    back = load_safetensors(tmp_path / "theirs.safetensors")
    for k, v in arrays.items():
        assert back[k].numpy().tobytes() == v.tobytes() and back[k].dtype == v.dtype
    assert safetensors_metadata(tmp_path / "theirs.safetensors") == {"by": "package"}


def _torch_twin(torch, model):
    twin = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                               torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 5))
    return twin.eval()


def _model():
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(48, 5))


def test_minigrad_to_pytorch_and_back_give_the_same_outputs(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    model = _model()
    model.train()
    model(mg.randn(8, 1, 6, 6))                      # running statistics that are not the defaults
    model.eval()
    x = np.random.default_rng(1).standard_normal((4, 1, 6, 6)).astype(np.float32)
    mg.save(model.state_dict(), tmp_path / "mg.safetensors")
    twin = _torch_twin(torch, model)
    twin.load_state_dict(st_torch.load_file(str(tmp_path / "mg.safetensors")))
    with torch.no_grad():
        want = twin(torch.from_numpy(x)).numpy()
    with mg.no_grad():
        np.testing.assert_allclose(model(mg.tensor(x)).numpy(), want, rtol=1e-5, atol=1e-6)
    # and back: PyTorch's weights (a fresh initialisation) into minigrad
    other = _torch_twin(torch, None)
    st_torch.save_file(other.state_dict(), str(tmp_path / "pt.safetensors"))
    mine = _model().eval()
    mine.load_state_dict(load_safetensors(tmp_path / "pt.safetensors"))
    with torch.no_grad(), mg.no_grad():
        np.testing.assert_allclose(mine(mg.tensor(x)).numpy(), other(torch.from_numpy(x)).numpy(),
                                   rtol=1e-5, atol=1e-6)


def test_mismatched_keys_and_shapes_get_load_state_dicts_one_report(tmp_path):
    save_safetensors({"weight": mg.ones(2, 2), "extra": mg.ones(1)}, tmp_path / "x.safetensors")
    with pytest.raises(RuntimeError) as info:
        nn.Linear(3, 2).load_state_dict(load_safetensors(tmp_path / "x.safetensors"))
    msg = str(info.value)
    assert 'Missing key(s) in state_dict: "bias"' in msg and '"extra"' in msg
    assert "size mismatch for weight" in msg


# ----------------------------------------------------------------------------- hostile headers

def _file(tmp_path, header, data, raw_header=None):
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return path


@pytest.mark.parametrize("header, data, match", [
    ({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\x00" * 8, "end at byte 16 of the data, but the file holds 8"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\x00" * 12, "overlaps"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
      "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}, b"\x00" * 12, "gap at byte 4"),
    ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\x00" * 8, "needs 12 bytes"),
    ({"a": {"dtype": "F32", "shape": [10 ** 15], "data_offsets": [0, 4]}}, b"\x00" * 4, "needs 4000000000000000"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}}, b"\x00" * 8, "invalid data_offsets"),
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\x00" * 4, "invalid shape"),
    ({"a": {"dtype": "F32", "shape": [True], "data_offsets": [0, 4]}}, b"\x00" * 4, "invalid shape"),
    ({"a": {"dtype": "object", "shape": [1], "data_offsets": [0, 4]}}, b"\x00" * 4, "dtype 'object'"),
    ({"a": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}, b"\x00", "dtype 'F8_E4M3'"),
    ({"a": [0, 4]}, b"\x00" * 4, "not an object"),
    ({"__metadata__": {"k": 3}}, b"", "__metadata__"),
    ([1, 2], b"", "JSON list"),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\x00" * 8, "file holds 8 bytes of data"),
])
def test_hostile_headers_are_refused(tmp_path, header, data, match):
    path = _file(tmp_path, header, data)
    with pytest.raises(CheckpointError, match=match) as info:
        load_safetensors(path)
    assert "bad.safetensors" in str(info.value)


def test_header_longer_than_the_file_and_duplicate_names_are_refused(tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", 10 ** 12) + b"{}")
    with pytest.raises(CheckpointError, match="header claims 1000000000000 bytes"):
        load_safetensors(path)
    raw = b'{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}'
    with pytest.raises(CheckpointError, match="names 'a' twice"):
        load_safetensors(_file(tmp_path, None, b"\x00\x00", raw_header=raw))
    with pytest.raises(CheckpointError, match="not a readable safetensors"):
        load_safetensors(_file(tmp_path, None, b"", raw_header=b"\xff\xfe{"))
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="0 bytes long"):
        load_safetensors(path)
