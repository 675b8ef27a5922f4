"""CIFAR-10 from the official python batches or from an image-folder tar.

Looked up in ``<data_dir>/cifar10/``: ``cifar-10-python.tar.gz`` (official,
lossless; preferred) else ``cifar10-jpg.tar.gz`` (``<split>/<class>/*.jpg``).
Decoded once into uint8 (60000, 32, 32, 3) and cached (checksummed) under
``<cache_dir>/cifar10/``; official training images first, then test.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
from pathlib import Path
from typing import Any

import numpy as np

from .._io import sha256_file
from ._cache import load_array, save_array
from ._dataset import Dataset
from .download import DataFileError, MissingDataError, fetch_file, where_to_put
from .files import load_image_folder, member_bytes
from .paths import PathLike, resolve_cache_dir, resolve_data_dir

CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
OFFICIAL_FILE = "cifar-10-python.tar.gz"
OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
JPG_FILE = "cifar10-jpg.tar.gz"
_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
_CACHE_VERSION = 1


class _BatchUnpickler(pickle.Unpickler):
    """Unpickler that only builds numpy arrays and builtins (no arbitrary code)."""

    _ALLOWED = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("_codecs", "encode"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"CIFAR-10 batch refers to {module}.{name}: not allowed")
        if module.startswith("numpy") and name == "_reconstruct":
            return _reconstruct()
        return super().find_class(module, name)


def _reconstruct() -> Any:
    import importlib

    try:
        module = importlib.import_module("numpy._core.multiarray")
    except ImportError:  # numpy < 2
        module = importlib.import_module("numpy.core.multiarray")
    return module._reconstruct


def _read_batch(tar: tarfile.TarFile, name: str, path: Path) -> tuple[np.ndarray, np.ndarray]:
    member = next((m for m in tar.getmembers() if Path(m.name).name == name), None)
    if member is None:
        raise DataFileError(f"{path}: batch {name!r} missing (expected the official archive)")
    try:
        batch = _BatchUnpickler(
            io.BytesIO(member_bytes(tar, member, path)), encoding="bytes"
        ).load()
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (pickle.UnpicklingError, KeyError, TypeError, EOFError, ValueError) as err:
        raise DataFileError(
            f"{path}: batch {name!r} is not an official CIFAR-10 batch ({err})"
        ) from err
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise DataFileError(f"{path}: batch {name!r} must hold data (n, 3072) and n labels")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def read_python_batches(path: PathLike) -> tuple[np.ndarray, np.ndarray, int]:
    """Images, labels and number of training images from ``cifar-10-python.tar.gz``.

    Examples
    --------
    >>> images, labels, n_train = read_python_batches("cifar-10-python.tar.gz")  # doctest: +SKIP
    """
    path = Path(path)
    try:
        with tarfile.open(path, "r:*") as tar:
            parts = [_read_batch(tar, name, path) for name in _BATCHES]
    except (tarfile.TarError, OSError, EOFError) as err:
        raise DataFileError(f"{path}: not a readable tar archive ({err})") from err
    n_train = sum(len(p[1]) for p in parts[:-1])
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), n_train


def _decode_source(path: Path) -> tuple[np.ndarray, np.ndarray, int]:
    if path.name == JPG_FILE or "jpg" in path.name:
        images, labels, is_train, names = load_image_folder(path)
        if names != CLASS_NAMES:
            raise DataFileError(f"{path}: class folders {names} are not the CIFAR-10 classes")
        return images, labels, int(is_train.sum())
    return read_python_batches(path)


def _find_source(folder: Path, download: bool) -> Path:
    for name in (OFFICIAL_FILE, JPG_FILE):
        if (folder / name).exists():
            return folder / name
    if not download:
        raise MissingDataError(
            f"CIFAR-10 not found in {folder}: put {OFFICIAL_FILE} (from {OFFICIAL_URL}) or "
            f"{JPG_FILE} (<split>/<class>/*.jpg) there; {where_to_put('cifar10/')}."
        )

    def verify(p: Path) -> None:
        digest = hashlib.md5(usedforsecurity=False)
        with open(p, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        if digest.hexdigest() != OFFICIAL_MD5:
            raise DataFileError(f"{p}: md5 differs from the official {OFFICIAL_MD5}")

    return fetch_file(folder / OFFICIAL_FILE, [OFFICIAL_URL], download=True, verify=verify)


def _cached_decode(
    source: Path, folder: Path, key: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, int]:
    names = ("images", "labels", "n_train")
    cached = [load_array(folder / f"{n}.npy", key) for n in names]
    arrays = [c for c in cached if c is not None]
    if len(arrays) == 3 and len(arrays[0]) == len(arrays[1]):
        return arrays[0], arrays[1], int(arrays[2][0])
    images, labels, n_train = _decode_source(source)
    fresh = (images, labels, np.array([n_train], dtype=np.int64))
    for name, arr in zip(names, fresh, strict=True):
        save_array(folder / f"{name}.npy", arr, key)
    return images, labels, n_train


def load_cifar10(
    data_dir: PathLike | None = None, cache_dir: PathLike | None = None, *, download: bool = False
) -> Dataset:
    """All 60,000 CIFAR-10 images (50,000 official training first, then 10,000 test).

    Examples
    --------
    >>> d = load_cifar10()  # doctest: +SKIP
    >>> d.images.shape, d.class_names[0]  # doctest: +SKIP
    ((60000, 32, 32, 3), 'airplane')
    """
    source = _find_source(resolve_data_dir(data_dir) / "cifar10", download)
    source_sha = sha256_file(source)
    key = {"source": source.name, "sha256": source_sha, "version": _CACHE_VERSION}
    folder = (
        resolve_cache_dir(cache_dir) / "cifar10" / f"{source.name.split('.')[0]}-{source_sha[:12]}"
    )
    images, labels, n_train = _cached_decode(source, folder, key)
    idx = np.arange(len(labels), dtype=np.int64)
    return Dataset(
        "cifar10",
        images,
        labels.astype(np.int64),
        idx[:n_train],
        idx[n_train:],
        CLASS_NAMES,
        str(source),
    )
