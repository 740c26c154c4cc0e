"""Small datasets that need no download.

- ``load_digits()`` and ``load_diabetes()``: scikit-learn's bundled copies (installed with
  scikit-learn, read offline), returned as Tensors with float32 features.
- ``read_idx(path)``: the IDX format of MNIST and Fashion-MNIST (``.gz`` or raw, detected from
  the file's first bytes). ``load_mnist(directory, kind)`` reads a directory holding
  ``{kind}-images-idx3-ubyte[.gz]`` and ``{kind}-labels-idx1-ubyte[.gz]``.
- ``fashion_mnist(kind)``: the files of Debian's ``dataset-fashion-mnist`` package
  (``apt-get install dataset-fashion-mnist`` puts them in /usr/share/datasets/fashion-mnist).

Nothing here downloads; a missing file raises ``FileNotFoundError`` naming it.
"""
from __future__ import annotations

import gzip
import os

import numpy as np

from ..tensor import Tensor

FASHION_MNIST_DIRS = ("/usr/share/datasets/fashion-mnist",)  # Debian's dataset-fashion-mnist
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")

# ----------------------------------------------------------------------------- scikit-learn's


def _sklearn_datasets(name):
    try:
        import sklearn.datasets  # noqa: PLC0415 - optional package (the lessons extra)
    except ImportError as e:  # pragma: no cover - scikit-learn is in the lessons extra
        raise ImportError(f"{name}: needs scikit-learn (pip install scikit-learn), which "
                          "ships this dataset") from e
    return sklearn.datasets


def load_digits(as_images=False):
    """The 1,797 8x8 handwritten digits: ``(X, y)`` with X float32 pixel values 0..16,
    shape (1797, 64) or (1797, 1, 8, 8) with ``as_images``; y int64 labels 0..9."""
    bunch = _sklearn_datasets("load_digits").load_digits()
    x = bunch.data.astype(np.float32)
    if as_images:
        x = x.reshape(-1, 1, 8, 8)
    return Tensor(x), Tensor(bunch.target.astype(np.int64))


def load_diabetes(scaled=True):
    """442 diabetes patients: ``(X, y)``, X float32 (442, 10) (mean-centred and scaled as
    scikit-learn ships it, or the raw values with ``scaled=False``), y float32 (442,) disease
    progression after one year."""
    bunch = _sklearn_datasets("load_diabetes").load_diabetes(scaled=scaled)
    return Tensor(bunch.data.astype(np.float32)), Tensor(bunch.target.astype(np.float32))

# ----------------------------------------------------------------------------- IDX (MNIST)


_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Read an IDX file (gzip-compressed or not) into a NumPy array of its stored shape.

    Format: 2 zero bytes, a dtype code, the number of dimensions d, then d big-endian uint32
    sizes, then the values (big-endian). Truncated or malformed files raise ``ValueError``
    naming the path."""
    path = os.fspath(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise ValueError(f"read_idx: {path!r} is a damaged gzip file: {e}") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {path!r} is not an IDX file (bad magic number {raw[:4]!r})")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path!r} is truncated inside its header")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"read_idx: {path!r} holds {len(raw) - header} data bytes but its header "
                         f"announces shape {shape} of {dtype} ({expected} bytes): truncated or corrupt")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _find(directory, stem):
    names = [stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"]
    for name in names:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"load_mnist: missing file {os.path.join(directory, stem + '.gz')!r} "
                            f"(looked for {', '.join(names)} in {directory!r})")


def load_mnist(directory, kind="train", raw=False):
    """MNIST-format images and labels from ``directory``; ``kind`` is 'train' or 't10k'.

    Returns ``(images, labels)``: images float32 in [0, 1] of shape (N, 1, 28, 28) (or the
    stored uint8 (N, 28, 28) with ``raw=True``), labels int64 (N,)."""
    if kind not in ("train", "t10k"):
        raise ValueError(f"load_mnist: kind must be 'train' or 't10k', got {kind!r}")
    directory = os.fspath(directory)
    images = read_idx(_find(directory, f"{kind}-images-idx3-ubyte"))
    labels = read_idx(_find(directory, f"{kind}-labels-idx1-ubyte"))
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"load_mnist: {directory!r} has {images.shape[0]} {kind} images but "
                         f"{labels.shape[0]} labels")
    if not raw:
        images = (images.astype(np.float32) / 255.0)[:, None]
    return Tensor(images), Tensor(labels.astype(np.int64))


def fashion_mnist_directory(directory=None):
    """The directory holding Fashion-MNIST: ``directory`` if given, else the first of
    ``FASHION_MNIST_DIRS`` that has the files; raises ``FileNotFoundError`` otherwise."""
    candidates = [os.fspath(directory)] if directory is not None else list(FASHION_MNIST_DIRS)
    for d in candidates:
        if os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")) or \
                os.path.exists(os.path.join(d, "train-images-idx3-ubyte")):
            return d
    raise FileNotFoundError(f"fashion_mnist: Fashion-MNIST not found in {candidates}; install "
                            "Debian's package (apt-get install dataset-fashion-mnist) or pass "
                            "directory= a folder with the four IDX files")


def fashion_mnist(kind="train", directory=None, raw=False):
    """Fashion-MNIST (``load_mnist`` layout) from Debian's ``dataset-fashion-mnist`` files or
    ``directory``; class names are in ``FASHION_MNIST_CLASSES``."""
    return load_mnist(fashion_mnist_directory(directory), kind, raw=raw)
