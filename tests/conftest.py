"""Fixtures shared by every test folder: a tiny image CNN and two-class images.

torch is imported inside the helpers, so collecting the tests that never touch a
network stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

# Collected for doctests, this file would be imported a second time under the name
# 'conftest' that a sub-folder's conftest.py already holds (pytest 9 refuses it).
collect_ignore = ["conftest.py"]


def make_tiny_cnn() -> Any:
    """A new stem + 3 blocks + pooled head ``StagedCNN``; batch norm makes frozen stats matter."""
    from torch import nn

    from hashlearn.deep.image_backbone import GlobalAvgPool, StagedCNN

    def block(c_in: int, c_out: int) -> nn.Module:
        return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU())

    stages = [
        block(3, 6),
        block(6, 6),
        block(6, 8),
        block(8, 8),
        nn.Sequential(nn.Conv2d(8, 12, 1), GlobalAvgPool()),
    ]
    return StagedCNN(stages, out_features=12)


def make_two_class_images(n: int, side: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uint8 RGB images of ``side`` pixels, labels 0/1; class 1 has a bright left half."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 120, (n, side, side, 3), dtype=np.uint8)
    labels = np.arange(n) % 2
    images[labels == 1, :, : side // 2] += 120
    return images, labels


@pytest.fixture()
def tiny_cnn() -> Callable[[], Any]:
    """The factory of the tiny CNN: each call builds a new, randomly initialised one."""
    return make_tiny_cnn


@pytest.fixture()
def tiny_backbone(monkeypatch: pytest.MonkeyPatch) -> str:
    """The tiny CNN registered as the backbone ``"tiny"`` for the length of one test."""
    from hashlearn.deep import image_backbone

    monkeypatch.setitem(image_backbone.BACKBONES, "tiny", make_tiny_cnn)
    return "tiny"


@pytest.fixture()
def two_class_images() -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """The factory of :func:`make_two_class_images`."""
    return make_two_class_images
