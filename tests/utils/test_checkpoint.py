"""The readers' shared layer (utils/_checkpoint.py) under corrupted files of every format
minigrad reads (.npz, safetensors, PyTorch's zip): truncated at many places, bytes flipped,
random runs of bytes overwritten, emptied. Each load either raises CheckpointError naming the
file, or returns exactly the data that was saved -- never another exception, never different
numbers. (Flips a reader cannot see, such as a zip timestamp or JSON whitespace, are the
second case.)"""
import os

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils import load_safetensors, load_torch, save_safetensors
from minigrad.utils.serialization import CheckpointError

from .checkpoint_files import torch_like_file


def _npz(path):
    state = {"w": mg.tensor(np.linspace(-1, 1, 60, dtype=np.float32).reshape(6, 10)),
             "n": mg.tensor(np.array(3, dtype=np.int64)), "meta": {"epoch": 2, "name": "x", 1: (0.5, None)}}
    mg.save(state, path)
    return state, mg.load


def _safetensors(path):
    state = {"w": mg.tensor(np.linspace(-1, 1, 60, dtype=np.float32).reshape(6, 10)),
             "h": mg.tensor(np.arange(5, dtype=np.float16)), "n": mg.tensor(np.array(3, dtype=np.int64))}
    save_safetensors(state, path, metadata={"epoch": "2"})
    return state, load_safetensors


def _torch_hand_made(path):
    return {k: mg.tensor(v) for k, v in torch_like_file(path).items()}, load_torch


def _torch_saved(path):
    torch = pytest.importorskip("torch")
    lin = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    torch.save(lin.state_dict(), path)
    return {k: mg.tensor(v.numpy()) for k, v in lin.state_dict().items()}, load_torch


def _same(a, b):
    if isinstance(a, mg.Tensor):
        return isinstance(b, mg.Tensor) and a.dtype == b.dtype and a.shape == b.shape and \
            a.numpy().tobytes() == b.numpy().tobytes()
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


def _variants(raw, rng):
    """(kind, bytes): the empty file, ~120 truncations, ~250 single-byte flips, ~60 random runs."""
    yield "empty", b""
    for i in sorted(set(np.linspace(1, len(raw) - 1, 120).astype(int))):
        yield "truncated", raw[:i]
    for i in rng.choice(len(raw), size=min(250, len(raw)), replace=False):
        yield "flipped", raw[:i] + bytes([raw[i] ^ int(rng.integers(1, 256))]) + raw[i + 1:]
    for _ in range(60):
        i, n = int(rng.integers(0, len(raw))), int(rng.integers(1, 64))
        yield "overwritten", raw[:i] + rng.integers(0, 256, n, dtype=np.uint8).tobytes() + raw[i + n:]


@pytest.mark.parametrize("make", [_npz, _safetensors, _torch_hand_made, _torch_saved],
                         ids=["npz", "safetensors", "torch-hand-made", "torch.save"])
def test_corrupted_files_give_a_clear_error_or_the_saved_data(tmp_path, make):
    path = tmp_path / "ckpt.file"
    state, loader = make(path)
    raw = path.read_bytes()
    assert _same(state, loader(path)) and _same(state, mg.load(path))
    counts = {"tried": 0, "clean error": 0, "intact": 0}
    for kind, damaged in _variants(raw, np.random.default_rng(len(raw))):
        path.write_bytes(damaged)
        for load in (loader, mg.load):
            counts["tried"] += 1
            try:
                got = load(path)
            except CheckpointError as e:
                assert "ckpt.file" in str(e), (kind, str(e))
                counts["clean error"] += 1
                continue
            assert _same(state, got), f"{kind}: a damaged file loaded with different data"
            counts["intact"] += 1
    print(f"\n{make.__name__}: {counts}")
    assert counts["tried"] == counts["clean error"] + counts["intact"]
    assert counts["clean error"] > 0.5 * counts["tried"]     # torch.save pads its zip: harmless flips
    os.remove(path)
