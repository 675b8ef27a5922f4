"""The :class:`Dataset` container returned by the image loaders."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """Images and labels of a whole dataset, official training part first.

    Attributes
    ----------
    name : dataset name ("mnist", "cifar10", ...).
    images : uint8 array (N, H, W) or (N, H, W, 3).
    labels : int64 array (N,).
    train_idx, test_idx : int64 index arrays of the official split.
    class_names : names of the classes, in label order.
    source : file the images came from (recorded with results).

    Examples
    --------
    >>> d = Dataset("toy", np.zeros((3, 2, 2), np.uint8), np.array([0, 1, 0]),
    ...             np.arange(2), np.arange(2, 3), ("a", "b"))
    >>> len(d), d.n_classes
    (3, 2)
    """

    name: str
    images: np.ndarray
    labels: np.ndarray
    train_idx: np.ndarray
    test_idx: np.ndarray
    class_names: tuple[str, ...]
    source: str = ""

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)


def official_split(n_train: int, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays of a train-first, test-second dataset.

    >>> [a.tolist() for a in official_split(2, 1)]
    [[0, 1], [2]]
    """
    return np.arange(n_train, dtype=np.int64), np.arange(n_train, n_train + n_test, dtype=np.int64)
