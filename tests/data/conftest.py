"""Fixtures for the data tests: small files in the official formats, real-data folder."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest


def idx_bytes(array: np.ndarray) -> bytes:
    """Official idx encoding of a uint8 array."""
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


@pytest.fixture
def tiny_mnist(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """A data folder whose mnist/ holds four small idx.gz files (60 train, 20 test)."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (60, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.arange(60, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.arange(20, dtype=np.uint8) % 10,
    }
    (tmp_path / "mnist").mkdir()
    for name, arr in arrays.items():
        (tmp_path / "mnist" / name).write_bytes(gzip.compress(idx_bytes(arr)))
    return tmp_path, arrays


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def write_python_batches(path: Path, images: np.ndarray, labels: np.ndarray, n_train: int) -> None:
    """cifar-10-python.tar.gz layout: 5 training batches + test_batch, pickled dicts."""
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    bounds = np.linspace(0, n_train, 6).astype(int)
    parts = [(f"data_batch_{i + 1}", slice(bounds[i], bounds[i + 1])) for i in range(5)]
    parts.append(("test_batch", slice(n_train, len(images))))
    with tarfile.open(path, "w:gz") as tar:
        for name, sl in parts:
            batch = {
                b"batch_label": name.encode(),
                b"labels": labels[sl].tolist(),
                b"data": rows[sl],
                b"filenames": [b"x.png"] * len(labels[sl]),
            }
            _add(tar, f"cifar-10-batches-py/{name}", pickle.dumps(batch, protocol=2))


def write_image_tar(
    path: Path,
    images: np.ndarray,
    labels: np.ndarray,
    n_train: int,
    names: tuple[str, ...],
    fmt: str = "PNG",
) -> None:
    """Image-folder tar: <split>/<class>/<NNNN>.png."""
    from PIL import Image

    with tarfile.open(path, "w:gz") as tar:
        for i, (img, y) in enumerate(zip(images, labels, strict=True)):
            buf = io.BytesIO()
            Image.fromarray(img).save(buf, format=fmt)
            split = "train" if i < n_train else "test"
            _add(tar, f"{split}/{names[y]}/{i:04d}.{fmt.lower()}", buf.getvalue())


@pytest.fixture
def real_data() -> Path:
    """The shared real-data folder ($HASHLEARN_DATA), or skip."""
    folder = os.environ.get("HASHLEARN_DATA")
    if not folder or not (Path(folder) / "mnist").is_dir():
        pytest.skip(
            "real data absent: set HASHLEARN_DATA to the folder holding mnist/ and cifar10/"
        )
    return Path(folder)
