"""Fixtures for the data tests: small files in the official formats, real-data folder."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest
from data_helpers import idx_bytes


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


@pytest.fixture
def real_data() -> Path:
    """The shared real-data folder ($HASHLEARN_DATA), or skip."""
    folder = os.environ.get("HASHLEARN_DATA")
    if not folder or not (Path(folder) / "mnist").is_dir():
        pytest.skip(
            "real data absent: set HASHLEARN_DATA to the folder holding mnist/ and cifar10/"
        )
    return Path(folder)
