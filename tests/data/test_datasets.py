"""Bundled datasets and the IDX (MNIST) reader on small files written here."""
import gzip
import os
import struct

import numpy as np
import pytest

from minigrad.data import datasets


def _write_idx(path, array, code, compress):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    with (gzip.open if compress else open)(path, "wb") as fh:
        fh.write(payload)


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_and_load_mnist(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    ext = ".gz" if compress else ""
    _write_idx(tmp_path / f"t10k-images-idx3-ubyte{ext}", images, 0x08, compress)
    _write_idx(tmp_path / f"t10k-labels-idx1-ubyte{ext}", labels, 0x08, compress)
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / f"t10k-images-idx3-ubyte{ext}"), images)
    x, y = datasets.load_mnist(tmp_path, kind="t10k")
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x.data[:, 0], images / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y.data, labels)
    xr, _ = datasets.load_mnist(tmp_path, kind="t10k", raw=True)
    assert xr.dtype == np.uint8 and xr.shape == (5, 28, 28)
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        datasets.load_mnist(tmp_path, kind="train")


@pytest.mark.parametrize("dtype,code", [(np.int16, 0x0B), (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)])
def test_read_idx_big_endian_types(tmp_path, dtype, code):
    arr = (np.arange(24).reshape(2, 3, 4) - 7).astype(dtype)
    _write_idx(tmp_path / "a.idx", arr, code, False)
    got = datasets.read_idx(tmp_path / "a.idx")
    np.testing.assert_array_equal(got, arr)
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative


def test_read_idx_rejects_truncated_and_foreign_files(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    _write_idx(path, np.zeros((3, 4, 4), dtype=np.uint8), 0x08, False)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.*truncated or corrupt"):
        datasets.read_idx(path)
    (tmp_path / "x").write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "x")


def test_digits_and_diabetes():
    pytest.importorskip("sklearn")
    x, y = datasets.load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32 and y.dtype == np.int64
    assert float(x.data.max()) == 16.0 and sorted(set(y.data.tolist())) == list(range(10))
    assert datasets.load_digits(as_images=True)[0].shape == (1797, 1, 8, 8)
    x, y = datasets.load_diabetes()
    assert x.shape == (442, 10) and x.dtype == np.float32 and y.dtype == np.float32
    assert abs(float(x.data.mean())) < 1e-6 and 25 <= float(y.data.min()) < float(y.data.max()) <= 346


def test_fashion_mnist_missing_gives_install_hint(tmp_path):
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        datasets.fashion_mnist(directory=tmp_path)


@pytest.mark.skipif(not any(os.path.isdir(d) for d in datasets.FASHION_MNIST_DIRS),
                    reason="Debian's dataset-fashion-mnist package is not installed")
def test_real_fashion_mnist_files():
    x, y = datasets.fashion_mnist("t10k")
    assert x.shape == (10000, 1, 28, 28) and y.shape == (10000,)
    assert np.bincount(y.data).tolist() == [1000] * 10
    assert 0.0 <= float(x.data.min()) and float(x.data.max()) <= 1.0
