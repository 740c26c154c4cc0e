"""utils/serialization.py: mg.save / mg.load round trips, atomic writes, clear errors on damaged
and hostile files, and training resumed from a checkpoint continuing bit for bit."""
import io
import json
import os
import stat
import struct
import zipfile
import zlib
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset
from minigrad.nn import functional as F
from minigrad.optim import lr_scheduler
from minigrad.utils import _atomic, serialization
from minigrad.utils.serialization import CheckpointError


def _checkpoint():
    return {
        "model": OrderedDict([("fc.weight", mg.tensor([[1.0, 2.0]], requires_grad=True)),
                              ("fc.bias", mg.tensor([0.5])),
                              ("bn.num_batches_tracked", mg.tensor(np.array(7, dtype=np.int64)))]),
        "epoch": 3, "lr": 1e-3, "best": float("inf"), "name": "mlp", "flag": True, "none": None,
        "betas": (0.9, 0.999), "history": [1.5, 0.75, [2, "x"]], "int_keys": {0: "a", 1: {2: 3.0}},
        "array": np.arange(6, dtype=np.float64).reshape(2, 3), "scalar": np.float32(0.25),
    }


def test_round_trip_keeps_structure_types_values_and_dtypes(tmp_path):
    path = tmp_path / "ckpt.npz"
    mg.save(_checkpoint(), path)
    got = mg.load(path)
    assert list(got) == list(_checkpoint())
    assert isinstance(got["model"], OrderedDict) and list(got["model"]) == ["fc.weight", "fc.bias", "bn.num_batches_tracked"]
    w = got["model"]["fc.weight"]
    assert isinstance(w, mg.Tensor) and w.requires_grad and w.dtype == np.float32
    np.testing.assert_array_equal(w.data, [[1.0, 2.0]])
    nbt = got["model"]["bn.num_batches_tracked"]
    assert nbt.dtype == np.int64 and nbt.shape == () and nbt.item() == 7
    assert got["epoch"] == 3 and type(got["epoch"]) is int and got["lr"] == 1e-3 and got["best"] == float("inf")
    assert got["name"] == "mlp" and got["flag"] is True and got["none"] is None
    assert got["betas"] == (0.9, 0.999) and isinstance(got["betas"], tuple)
    assert got["history"] == [1.5, 0.75, [2, "x"]] and got["int_keys"] == {0: "a", 1: {2: 3.0}}
    np.testing.assert_array_equal(got["array"], np.arange(6.0).reshape(2, 3))
    assert got["scalar"] == np.float32(0.25) and got["scalar"].dtype == np.float32
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temp file left, name used as given


def test_file_is_plain_npz_readable_without_pickle(tmp_path):
    path = tmp_path / "plain.ckpt"
    mg.save({"w": mg.ones(2)}, path)
    with np.load(path, allow_pickle=False) as npz:
        assert "__structure__" in npz.files and "a0" in npz.files


def test_code_is_refused(tmp_path):
    with pytest.raises(TypeError, match="function.*obj\\['f'\\]"):
        mg.save({"f": lambda x: x}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="object arrays"):
        mg.save({"a": np.array([{}, 1], dtype=object)}, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


def test_a_save_that_fails_half_way_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    mg.save({"epoch": 1, "w": mg.ones(3)}, path)
    before = path.read_bytes()

    def failing_write(fh, arrays):
        fh.write(b"PK\x03\x04 half a zip")
        raise OSError("No space left on device")
    monkeypatch.setattr(serialization, "_write_npz", failing_write)
    with pytest.raises(OSError, match="No space left"):
        mg.save({"epoch": 2, "w": mg.zeros(3)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.npz"]
    assert mg.load(path)["epoch"] == 1


@pytest.mark.parametrize("damage", ["truncate", "corrupt", "garbage", "foreign", "empty"])
def test_damaged_file_raises_a_clear_error_naming_the_path(tmp_path, damage):
    path = tmp_path / "ckpt.npz"
    mg.save({"w": mg.arange(1000.0), "epoch": 5}, path)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "corrupt":
        i = raw.index(b"\x93NUMPY") + 200  # inside the first array's data
        path.write_bytes(raw[:i] + bytes(b ^ 0xFF for b in raw[i:i + 64]) + raw[i + 64:])
    elif damage == "garbage":
        path.write_bytes(b"not a checkpoint at all")
    elif damage == "foreign":
        np.savez(path.with_suffix(".tmp.npz"), x=np.ones(2))
        os.replace(path.with_suffix(".tmp.npz"), path)
    else:
        path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="ckpt.npz") as info:
        mg.load(path)
    assert isinstance(info.value, RuntimeError)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.npz"):
        mg.load(tmp_path / "nothere.npz")


def test_optimizer_state_dict_round_trips_through_save_and_load(tmp_path):
    p = mg.tensor([[0.5, -1.0], [2.0, 0.1]], requires_grad=True)
    opt = optim.Adam([{"params": [p]}], lr=0.01, betas=(0.8, 0.9), amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
    sd = opt.state_dict()
    mg.save(sd, tmp_path / "opt.npz")
    back = mg.load(tmp_path / "opt.npz")
    assert back["param_groups"] == sd["param_groups"]
    assert set(back["state"]) == {0} and back["state"][0]["step"] == 3
    for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        np.testing.assert_array_equal(back["state"][0][k].data, sd["state"][0][k].data)
        assert back["state"][0][k].dtype == np.float32
    opt2 = optim.Adam([mg.tensor(p.data.copy(), requires_grad=True)])
    opt2.load_state_dict(back)
    assert opt2.param_groups[0]["betas"] == (0.8, 0.9) and opt2.param_groups[0]["amsgrad"] is True


def test_every_truncation_and_byte_flip_gives_checkpoint_error_or_the_right_data(tmp_path):
    path = tmp_path / "ckpt.npz"
    mg.save({"w": mg.arange(50.0), "meta": {1: (2, "x")}}, path)
    raw = path.read_bytes()
    for i in range(0, len(raw), 11):
        for damaged in (raw[:i], raw[:i] + bytes([raw[i] ^ 0x5A]) + raw[i + 1:]):
            path.write_bytes(damaged)
            try:
                got = mg.load(path)
            except CheckpointError as e:
                assert "ckpt.npz" in str(e)
                continue
            # a flip in a byte no reader checks (e.g. a zip timestamp): the data must be intact
            np.testing.assert_array_equal(got["w"].data, np.arange(50.0, dtype=np.float32))
            assert got["meta"] == {1: (2, "x")}


# ----------------------------------------------------------------------------- hostile and odd files
# Each builds a zip the way np.savez does, with one thing changed, and checks the load refuses it
# with a CheckpointError naming the file.

def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def _npy_header(shape, dtype):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": np.dtype(dtype).str, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def _write_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _structure(root):
    return _npy(np.array(json.dumps({"format": "minigrad-checkpoint", "version": 1, "root": root})))


def _refused(path, match):
    with pytest.raises(CheckpointError, match=match) as info:
        mg.load(path)
    assert os.path.basename(str(path)) in str(info.value)
    return info.value


def test_structure_that_is_json_but_not_an_object_is_refused(tmp_path):
    path = tmp_path / "list.npz"
    _write_zip(path, {"__structure__.npy": _npy(np.array("[1, 2, 3]"))})
    _refused(path, "not an object")


def test_dict_node_with_fewer_values_than_keys_is_refused(tmp_path):
    path = tmp_path / "short.npz"
    _write_zip(path, {"__structure__.npy": _structure({"t": "dict", "k": ["a", "b", "c"], "v": [1, 2]})})
    _refused(path, "3 keys and 2 values")


@pytest.mark.parametrize("member", ["blob", "__structure__"])
def test_tensor_node_pointing_at_a_member_that_is_not_an_npy_array_is_refused(tmp_path, member):
    path = tmp_path / "blob.npz"
    _write_zip(path, {"__structure__.npy": _structure({"t": "tensor", "a": member, "requires_grad": False}),
                      "blob": b"\x00" * 64})
    _refused(path, "not one of its .npy arrays")


@pytest.mark.parametrize("node, match", [
    ({"t": "tensor", "a": "a0"}, "needs a bool 'requires_grad'"),
    ({"t": "tensor", "a": 0, "requires_grad": False}, "needs a str 'a'"),
    ({"t": "list", "v": {"x": 1}}, "needs a list 'v'"),
    ({"t": "exec", "a": "a0"}, "unknown node type 'exec'"),
    ([1, 2], "is a JSON list"),
    ({"t": "dict", "k": [{"t": "list", "v": []}], "v": [1]}, "cannot be a key"),
    ({"t": "scalar", "a": "a0"}, "scalar of shape"),
    ({"t": "list", "v": [{"t": "ndarray", "a": "a0"}, {"t": "ndarray", "a": "a0"}]}, "referenced twice"),
])
def test_malformed_structure_nodes_are_refused(tmp_path, node, match):
    path = tmp_path / "node.npz"
    _write_zip(path, {"__structure__.npy": _structure(node), "a0.npy": _npy(np.arange(3.0))})
    _refused(path, match)


def test_npy_header_claiming_1e15_elements_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.npz"
    header = _npy_header((10 ** 15,), np.float32)
    _write_zip(path, {"__structure__.npy": _structure({"t": "tensor", "a": "a0", "requires_grad": False}),
                      "a0.npy": header + b"\x00" * 64})
    _refused(path, "4000000000000000")


def _zip_by_hand(path, members):
    """A zip of ``(name, method, crc, size, payload)`` members, payload already compressed:
    what zipfile cannot write, and how a zip bomb is made."""
    out, central = bytearray(), bytearray()
    for name, method, crc, size, payload in members:
        fields = struct.pack("<HHHHHIIIHH", 20, 0, method, 0, 0x21, crc, len(payload), size, len(name), 0)
        central += struct.pack("<IH", 0x02014B50, 20) + fields + struct.pack("<HHHII", 0, 0, 0, 0, len(out))
        central += name.encode()
        out += struct.pack("<I", 0x04034B50) + fields + name.encode() + payload
    n = len(members)
    path.write_bytes(bytes(out + central) + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central),
                                                       len(out), 0))


def test_member_inflating_to_1_gib_is_refused_without_inflating_it(tmp_path):
    """A 1 MB deflated member that inflates to 1 GiB (its .npy header declaring exactly that):
    minigrad.save stores members uncompressed, so a compressed one is refused before a byte of
    it is inflated."""
    size, chunk = 2 ** 30, bytes(2 ** 24)
    header = _npy_header((size - 128,), np.uint8)
    assert len(header) == 128
    # deflate blocks of 16 MiB of zeros, each ended by a full flush, repeat exactly
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = z.compress(header + chunk[128:]) + z.flush(zlib.Z_FULL_FLUSH)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = z.compress(chunk) + z.flush(zlib.Z_FULL_FLUSH)
    payload = head + block * (size // len(chunk) - 1) + b"\x03\x00"
    crc = zlib.crc32(header + chunk[128:])
    for _ in range(size // len(chunk) - 1):
        crc = zlib.crc32(chunk, crc)
    structure = _structure({"t": "tensor", "a": "a0", "requires_grad": False})
    path = tmp_path / "bomb.npz"
    _zip_by_hand(path, [("__structure__.npy", 0, zlib.crc32(structure), len(structure), structure),
                        ("a0.npy", 8, crc, size, payload)])
    with zipfile.ZipFile(path) as zf:            # a valid zip whose member really is 1 GiB
        assert zf.getinfo("a0.npy").file_size == size and zf.open("a0.npy").read(200)[:128] == header
    assert os.path.getsize(path) < 1.1 * 2 ** 20
    err = _refused(path, "compressed")
    assert "a0.npy" in str(err)


def test_member_larger_than_its_npy_header_declares_is_refused(tmp_path):
    path = tmp_path / "long.npz"
    _write_zip(path, {"__structure__.npy": _structure({"t": "tensor", "a": "a0", "requires_grad": False}),
                      "a0.npy": _npy(np.arange(4.0)) + b"\x00" * 4096})
    _refused(path, "a0.npy.*declares")


def test_pickled_object_array_is_refused(tmp_path):
    path = tmp_path / "obj.npz"
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([{}, 1], dtype=object), allow_pickle=True)
    _write_zip(path, {"__structure__.npy": _structure({"t": "ndarray", "a": "a0"}), "a0.npy": buf.getvalue()})
    _refused(path, "Python objects")


# ----------------------------------------------------------------------------- the write itself


def test_next_save_removes_temporary_files_a_killed_save_left(tmp_path):
    path = tmp_path / "ckpt.npz"
    stale = [tmp_path / ".ckpt.npz.k3j_x9a2.tmp", tmp_path / ".ckpt.npz.0123abcd.tmp"]
    others = [tmp_path / ".other.npz.0123abcd.tmp", tmp_path / ".ckpt.npz.0123abcd.tmp.keep",
              tmp_path / "ckpt.npz.0123abcd.tmp", tmp_path / ".ckpt.npzx.0123abcd.tmp"]
    for p in stale + others:
        p.write_bytes(b"PK\x03\x04 half a zip")
    mg.save({"w": mg.ones(3)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.npz"] + [p.name for p in others])
    np.testing.assert_array_equal(mg.load(path)["w"].numpy(), np.ones(3, np.float32))


def test_rename_is_followed_by_an_fsync_of_the_directory(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append((stat.S_ISDIR(os.fstat(fd).st_mode), path.exists()))
        real_fsync(fd)
    monkeypatch.setattr(_atomic.os, "fsync", fsync)
    mg.save({"w": mg.ones(3)}, path)
    assert synced[0] == (False, False)            # the temporary file, before the rename
    assert synced[-1] == (True, True)             # the folder, after it


def test_weights_only_is_accepted_and_the_format_can_be_named(tmp_path):
    path = tmp_path / "ckpt.bin"
    mg.save({"w": mg.arange(3.0)}, path, format="npz")
    for flag in (True, False, None):
        np.testing.assert_array_equal(mg.load(path, weights_only=flag)["w"].numpy(), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(mg.load(path, format="npz")["w"].numpy(), [0.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="weights_only"):
        mg.load(path, weights_only="yes")
    with pytest.raises(ValueError, match="unknown format 'pickle'"):
        mg.save({"w": mg.ones(1)}, path, format="pickle")


# ----------------------------------------------------------------------------- training resumed from a checkpoint

class TinyModel:
    """Two plain-tensor layers with a state_dict, enough to checkpoint a training run."""

    def __init__(self, gen):
        self.w1 = mg.randn(4, 8, generator=gen) * 0.5
        self.b1 = mg.zeros(8)
        self.w2 = mg.randn(8, 3, generator=gen) * 0.5
        for t in self.parameters():
            t.requires_grad_()

    def parameters(self):
        return [self.w1, self.b1, self.w2]

    def __call__(self, x):
        return ((x @ self.w1 + self.b1).relu() @ self.w2)

    def state_dict(self):
        return {"w1": self.w1.detach(), "b1": self.b1.detach(), "w2": self.w2.detach()}

    def load_state_dict(self, sd):
        with mg.no_grad():
            for name, t in sd.items():
                getattr(self, name).copy_(t)


def _batches(n):
    gen = mg.Generator().manual_seed(7)
    return [(mg.randn(16, 4, generator=gen), mg.randint(0, 3, (16,), generator=gen)) for _ in range(n)]


def _train(model, opt, sched, batches, gen):
    for x, y in batches:
        noise = mg.randn(*x.shape, generator=gen) * 0.01  # randomness drawn during training
        logits = model(x + noise)
        loss = (logits.logsumexp(1) - logits.gather(1, y.reshape(-1, 1)).reshape(-1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()


def _restored(ckpt, fresh):
    """A fresh (model, optimizer, scheduler) with the checkpoint's states loaded."""
    model, opt, sched = fresh()
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optim"])
    sched.load_state_dict(ckpt["sched"])
    return model, opt, sched


@pytest.mark.parametrize("opt_name,kwargs", [("Adam", dict(lr=0.01, amsgrad=True)),
                                             ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                             ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5))])
def test_resumed_training_is_bit_for_bit_identical(tmp_path, opt_name, kwargs):
    batches = _batches(10)

    def fresh():
        model = TinyModel(mg.Generator().manual_seed(0))
        opt = getattr(optim, opt_name)(model.parameters(), **kwargs)
        return model, opt, lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)

    model, opt, sched = fresh()
    gen = mg.Generator().manual_seed(1)
    _train(model, opt, sched, batches, gen)
    want = [t.data.copy() for t in model.parameters()]

    model, opt, sched = fresh()
    gen = mg.Generator().manual_seed(1)
    _train(model, opt, sched, batches[:4], gen)
    mg.save({"model": model.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(),
             "rng": gen.get_state(), "epoch": 4}, tmp_path / "ckpt.npz")
    del model, opt, sched, gen

    ckpt = mg.load(tmp_path / "ckpt.npz")
    model, opt, sched = _restored(ckpt, fresh)
    gen = mg.Generator()
    gen.set_state(ckpt["rng"])
    _train(model, opt, sched, batches[ckpt["epoch"]:], gen)
    got = [t.data for t in model.parameters()]
    for a, b in zip(got, want):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    assert opt.param_groups[0]["lr"] == pytest.approx(kwargs["lr"] * 0.5 ** 3)


def _mlp(seed):
    mg.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def test_resume_from_saved_module_and_optimizer_is_bit_for_bit(tmp_path):
    gen = mg.Generator().manual_seed(1)
    x, y = mg.randn(96, 64, generator=gen), mg.randint(0, 10, (96,), generator=gen)

    def run(model, opt, sched, epochs, loader_gen):
        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=loader_gen)
        for _ in range(epochs):
            for xb, yb in loader:
                opt.zero_grad()
                F.cross_entropy(model(xb), yb).backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
            sched.step()

    def fresh():
        model = _mlp(3)
        opt = optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
        return model, opt, optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)

    model, opt, sched = fresh()
    run(model, opt, sched, 6, mg.Generator().manual_seed(2))
    want = {k: v.data.copy() for k, v in model.state_dict().items()}

    model, opt, sched = fresh()
    loader_gen = mg.Generator().manual_seed(2)
    run(model, opt, sched, 2, loader_gen)
    mg.save({"model": model.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(),
             "loader_rng": loader_gen.get_state(), "epoch": 2}, tmp_path / "ckpt.npz")
    ckpt = mg.load(tmp_path / "ckpt.npz")
    model, opt, sched = _restored(ckpt, fresh)
    loader_gen = mg.Generator()
    loader_gen.set_state(ckpt["loader_rng"])
    run(model, opt, sched, 6 - ckpt["epoch"], loader_gen)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.data, want[k], err_msg=k)
