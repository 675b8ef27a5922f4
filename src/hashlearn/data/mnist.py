"""MNIST from the four official idx ``.gz`` files in ``<data_dir>/mnist/``.

The decompressed content of every file is checked against the sha256 of the
official distribution (the ``.gz`` wrappers may differ between mirrors).
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

from ._dataset import Dataset, official_split
from .download import DataFileError, fetch_file
from .paths import PathLike, resolve_data_dir

#: file name -> sha256 of the decompressed official content.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738"
    "ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5"
    "333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
_IDX_DTYPES = {0x08: np.uint8}


def read_idx_gz(path: PathLike, sha256: str | None = None) -> np.ndarray:
    """Read one gzip-compressed idx file (uint8 data), checking its content.

    Parameters
    ----------
    path : the ``.gz`` file.
    sha256 : expected sha256 of the decompressed bytes (None: not checked).

    Examples
    --------
    >>> import gzip, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "l.gz"
    >>> _ = p.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 3])))
    >>> read_idx_gz(p).tolist()
    [7, 3]
    """
    try:
        raw = gzip.decompress(Path(path).read_bytes())
    except (OSError, EOFError) as err:
        raise DataFileError(f"{path}: not a readable gzip file ({err})") from err
    if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
        raise DataFileError(
            f"{path}: decompressed content has the wrong sha256 (expected {sha256}); "
            "the file is corrupt or not the official MNIST file - delete it and fetch it again"
        )
    return _parse_idx(raw, path)


def _parse_idx(raw: bytes, path: PathLike) -> np.ndarray:
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataFileError(f"{path}: not an idx file of uint8 data (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(v) for v in np.frombuffer(raw[4:header], dtype=">u4"))
    if len(raw) != header + int(np.prod(shape)):
        raise DataFileError(f"{path}: idx header says shape {shape} but the data size differs")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _mnist_file(folder: Path, name: str, download: bool, check: bool) -> np.ndarray:
    expected = MNIST_FILES[name] if check else None

    def verify(p: Path) -> None:
        read_idx_gz(p, expected)

    path = fetch_file(
        folder / name, [m + name for m in MNIST_MIRRORS], download=download, verify=verify
    )
    return read_idx_gz(path, expected)


def load_mnist(
    data_dir: PathLike | None = None, *, download: bool = False, check: bool = True
) -> Dataset:
    """Load all 70,000 MNIST digits (60,000 official training first, then 10,000 test).

    Parameters
    ----------
    data_dir : folder holding ``mnist/`` (None: ``$HASHLEARN_DATA``, then the user cache).
    download : fetch missing files from the official mirrors.
    check : verify the sha256 of the decompressed files.

    Examples
    --------
    >>> d = load_mnist()  # doctest: +SKIP
    >>> d.images.shape, d.labels[:3].tolist()  # doctest: +SKIP
    ((70000, 28, 28), [5, 0, 4])
    """
    folder = resolve_data_dir(data_dir) / "mnist"
    parts = {n: _mnist_file(folder, n, download, check) for n in MNIST_FILES}
    images = np.concatenate(
        [parts["train-images-idx3-ubyte.gz"], parts["t10k-images-idx3-ubyte.gz"]]
    )
    labels = np.concatenate(
        [parts["train-labels-idx1-ubyte.gz"], parts["t10k-labels-idx1-ubyte.gz"]]
    )
    if images.shape[0] != labels.shape[0]:
        raise DataFileError(f"{folder}: {images.shape[0]} images but {labels.shape[0]} labels")
    train, test = official_split(
        len(parts["train-labels-idx1-ubyte.gz"]), len(parts["t10k-labels-idx1-ubyte.gz"])
    )
    names = tuple(str(i) for i in range(10))
    return Dataset("mnist", images, labels.astype(np.int64), train, test, names, str(folder))


def mnist_features(data_dir: PathLike | None = None, **kwargs: bool) -> np.ndarray:
    """MNIST pixels as float32 (70000, 784) in [0, 1] (divided by 255).

    Examples
    --------
    >>> X = mnist_features()  # doctest: +SKIP
    >>> X.shape, X.dtype, float(X.max())  # doctest: +SKIP
    ((70000, 784), dtype('float32'), 1.0)
    """
    images = load_mnist(data_dir, **kwargs).images
    return images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0)
