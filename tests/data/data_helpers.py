"""Writers of small files in the official formats (imported by name, so kept out of conftest.py)."""

from __future__ import annotations

import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np


def idx_bytes(array: np.ndarray) -> bytes:
    """Official idx encoding of a uint8 array."""
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


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
