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
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from hashlearn._validation import check_positive_int

BUILTIN = ("digits",)
IMAGES = "images"
"""``features=IMAGES``: the protocol's raw uint8 images, for end-to-end deep methods."""
PIXELS = "pixels"
"""What a protocol without a feature extractor (digits, MNIST) is fitted on."""


@dataclass(frozen=True)
class Subset:
    """Rows spread evenly over each part of a protocol's split: a quick look, not the protocol.

    Evenly spaced rather than the first rows: a protocol that lists its rows class by
    class keeps every class in the subset.

    >>> Subset(max_queries=3).take("query", np.arange(10)).tolist()
    [0, 4, 9]
    >>> Subset(max_train=10).record()
    {'max_train': 10}
    """

    max_queries: int | None = None
    max_train: int | None = None
    max_database: int | None = None

    def __post_init__(self) -> None:
        for name, limit in asdict(self).items():
            if limit is not None:
                check_positive_int(limit, name)

    def take(self, part: str, indices: np.ndarray) -> np.ndarray:
        """``max_*`` evenly spaced rows of ``part`` ("query", "train", "database"; others whole)."""
        limits = {"query": self.max_queries, "train": self.max_train, "database": self.max_database}
        limit = limits.get(part)
        if limit is None or limit >= len(indices):
            return indices
        return indices[np.linspace(0, len(indices) - 1, limit).round().astype(np.int64)]

    def describe(self) -> str:
        """The subset in words (for table and report headers).

        >>> Subset(max_queries=50).describe()
        '50 queries, all training rows, all database rows (evenly spaced)'
        """
        parts = (
            ("queries", self.max_queries),
            ("training rows", self.max_train),
            ("database rows", self.max_database),
        )
        words = ", ".join(f"{n:,} {what}" if n else f"all {what}" for what, n in parts)
        return f"{words} (evenly spaced)"

    def record(self) -> dict[str, int] | None:
        """The limits given, for the results header (None: the full protocol)."""
        return {k: v for k, v in asdict(self).items() if v is not None} or None


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
    features: str = PIXELS
    data_dir: str | None = None


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


def _load_digits(seed: int, subset: Subset) -> BenchData:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    s = {part: subset.take(part, indices) for part, indices in digits_split(seed).items()}
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


def features_used(dataset: str, features: str) -> str:
    """The representation ``dataset`` is run on: ``features`` on CIFAR-10, else pixels.

    >>> features_used("mnist", "efficientnet-lite0"), features_used("cifar10", "gist")
    ('pixels', 'gist')
    """
    return features if dataset == "cifar10" else PIXELS


def _features_for(dataset: str, data_dir: Any, features: str) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every image of ``dataset`` ("mnist" or "cifar10")."""
    from hashlearn import data as hdata

    if dataset == "mnist":
        return hdata.mnist_features(data_dir=data_dir), hdata.load_mnist(data_dir).labels
    cifar = hdata.load_cifar10(data_dir)
    if features == IMAGES:
        return cifar.images, cifar.labels
    return hdata.cifar10_features(extractor=features, data_dir=data_dir), cifar.labels


def download_protocol_data(protocol: str, data_dir: Any = None) -> None:
    """Download the dataset ``protocol`` splits into the data folder when it is missing.

    ``digits`` is built in: nothing to fetch.

    >>> download_protocol_data("digits")
    """
    if protocol in BUILTIN:
        return
    from hashlearn import data as hdata
    from hashlearn.data.protocols import protocol_dataset

    if protocol_dataset(protocol) == "mnist":
        hdata.load_mnist(data_dir, download=True)
    else:
        hdata.load_cifar10(data_dir, download=True)


def protocol_summary(protocol: str) -> dict[str, Any]:
    """Dataset, part sizes, relevance and description of ``protocol``, without its data.

    >>> protocol_summary("digits")["sizes"]
    {'query': 300, 'database': 1497, 'train': 1000, 'val': 0}
    """
    if protocol != "digits":
        from hashlearn.data.protocols import protocol_summary as summary

        return summary(protocol)
    sizes = {part: len(indices) for part, indices in digits_split(0).items()}
    return {
        "name": protocol,
        "dataset": "digits",
        "sizes": {**sizes, "val": 0},
        "relevance": "class",
        "description": "scikit-learn's 1,797 handwritten digits, 8 x 8 pixels (built in)",
    }


def load_benchmark_data(
    protocol: str,
    seed: int = 0,
    data_dir: str | os.PathLike[str] | None = None,
    features: str = "efficientnet-lite0",
    subset: Subset | None = None,
) -> BenchData:
    """Load features and labels of ``protocol`` split with ``seed``.

    Parameters
    ----------
    protocol : "digits" (built in) or a name known to :func:`hashlearn.data.get_protocol`.
    seed : seed of the split.
    data_dir : folder holding ``mnist/`` and ``cifar10/`` (None: $HASHLEARN_DATA, cache).
    features : CIFAR-10 feature extractor ("efficientnet-lite0" or "gist"), or
        "images" for the uint8 images themselves (methods that train a CNN).
    subset : keep only evenly spaced rows of the queries, training and database parts
        (after the split; relevance and checksum follow the subset).
    """
    subset = subset or Subset()
    if protocol == "digits":
        return _load_digits(seed, subset)
    from hashlearn.data import get_protocol, resolve_data_dir

    proto = get_protocol(protocol, seed=seed, data_dir=data_dir)
    proto = replace(
        proto,
        query_idx=subset.take("query", proto.query_idx),
        train_idx=subset.take("train", proto.train_idx),
        database_idx=subset.take("database", proto.database_idx),
    )
    X, y = _features_for(proto.dataset, data_dir, features)
    val = proto.val_idx
    has_val = len(val) > 0
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
        features=features_used(proto.dataset, features),
        data_dir=str(resolve_data_dir(data_dir)),
    )
    if proto.relevance == "knn":
        from hashlearn.data import knn_relevance

        out.relevance = knn_relevance(out.X_query, out.X_db, k=proto.knn_k)
    return out
