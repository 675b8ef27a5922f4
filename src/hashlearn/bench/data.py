"""Features, labels and split of one benchmark protocol, ready for fitting.

``digits`` is built in (scikit-learn's 1,797 handwritten digits, 8 x 8 pixels):
it needs no data folder, so the demo and the tests run anywhere. Every other
name goes through :func:`hashlearn.data.get_protocol`.

>>> data = load_benchmark_data("digits", seed=0)
>>> data.X_query.shape, data.X_db.shape, data.X_train.shape
((300, 64), (1497, 64), (1000, 64))
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

BUILTIN = ("digits",)
IMAGES = "images"
"""``features=IMAGES``: the protocol's raw uint8 images, for end-to-end deep methods."""


@dataclass
class BenchData:
    """Train / query / database features and labels of one protocol run."""

    name: str
    seed: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_query: np.ndarray
    y_query: np.ndarray
    X_db: np.ndarray
    y_db: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    relevance: Any = None
    checksum: str = ""


def digits_split(seed: int = 0, n_query: int = 300, n_train: int = 1000) -> dict[str, np.ndarray]:
    """Index arrays of the built-in digits protocol (queries, database, training).

    Queries are ``n_query`` random images; the rest is the database; training is
    the first ``n_train`` of a shuffled database (so it lies inside the database,
    as in the classic protocols).

    >>> s = digits_split(0)
    >>> len(s["query"]), len(s["database"]), len(set(s["query"]) & set(s["database"]))
    (300, 1497, 0)
    """
    order = np.random.default_rng(seed).permutation(1797)
    database = np.sort(order[n_query:])
    return {
        "query": np.sort(order[:n_query]),
        "database": database,
        "train": np.sort(order[n_query : n_query + n_train]),
    }


def _checksum(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for arr in arrays:
        digest.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


def _load_digits(seed: int) -> BenchData:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    s = digits_split(seed)
    return BenchData(
        "digits",
        seed,
        X[s["train"]],
        y[s["train"]],
        X[s["query"]],
        y[s["query"]],
        X[s["database"]],
        y[s["database"]],
        checksum=_checksum(s["query"], s["database"], s["train"]),
    )


def _features_for(name: str, data_dir: Any, features: str) -> tuple[np.ndarray, np.ndarray]:
    from hashlearn import data as hdata

    if name.startswith("mnist"):
        return hdata.mnist_features(data_dir=data_dir), hdata.load_mnist(data_dir).labels
    if name.startswith("cifar10"):
        cifar = hdata.load_cifar10(data_dir)
        if features == IMAGES:
            return cifar.images, cifar.labels
        return hdata.cifar10_features(extractor=features, data_dir=data_dir), cifar.labels
    raise ValueError(f"protocol: no feature loader for {name!r}; built in: {', '.join(BUILTIN)}")


def load_benchmark_data(
    protocol: str,
    seed: int = 0,
    data_dir: str | os.PathLike[str] | None = None,
    features: str = "efficientnet-lite0",
) -> BenchData:
    """Load features and labels of ``protocol`` split with ``seed``.

    Parameters
    ----------
    protocol : "digits" (built in) or a name known to :func:`hashlearn.data.get_protocol`.
    seed : seed of the split.
    data_dir : folder holding ``mnist/`` and ``cifar10/`` (None: $HASHLEARN_DATA, cache).
    features : CIFAR-10 feature extractor ("efficientnet-lite0" or "gist"), or
        "images" for the uint8 images themselves (methods that train a CNN).
    """
    if protocol == "digits":
        return _load_digits(seed)
    from hashlearn.data import get_protocol

    proto = get_protocol(protocol, seed=seed, data_dir=data_dir)
    X, y = _features_for(protocol, data_dir, features)
    val = getattr(proto, "val_idx", None)
    has_val = val is not None and len(val) > 0
    out = BenchData(
        protocol,
        seed,
        X[proto.train_idx],
        y[proto.train_idx],
        X[proto.query_idx],
        y[proto.query_idx],
        X[proto.database_idx],
        y[proto.database_idx],
        X[val] if has_val else None,
        y[val] if has_val else None,
        checksum=str(proto.checksum()),
    )
    if getattr(proto, "relevance", "class") == "knn":
        from hashlearn.data import knn_relevance

        out.relevance = knn_relevance(out.X_query, out.X_db, k=getattr(proto, "knn_k", 50))
    return out
