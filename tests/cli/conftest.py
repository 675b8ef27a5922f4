"""Shared fixtures for the command-line tests: digits written to files."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits_files(tmp_path_factory):
    """Train / query / database features and labels of digits as .npy files."""
    folder = tmp_path_factory.mktemp("digits")
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    parts = {"train": slice(0, 800), "q": slice(800, 900), "db": slice(900, None)}
    for name, rows in parts.items():
        np.save(folder / f"{name}.npy", X[rows])
        np.save(folder / f"y{name}.npy", y[rows])
    return folder
