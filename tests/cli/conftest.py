"""Shared fixtures for the command-line tests: digits written to files."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_digits

from hashlearn.cli import cli

FAST_BDNN = (
    "--param",
    "n_pretrain_iter=20",
    "--param",
    "n_wstep_iter=20",
    "--param",
    "max_alternations=1",
)


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


def invoke(*args, ok=True):
    """Run ``hashlearn ARGS`` through click's runner; check the exit code."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result
