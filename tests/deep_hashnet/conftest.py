"""Fixtures shared by the HashNet/DHN tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits


@pytest.fixture(scope="module")
def digits():
    """400 scikit-learn digits scaled to [0, 1] (float32) and their labels, one torch thread."""
    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16.0).astype(np.float32), y[:400]
