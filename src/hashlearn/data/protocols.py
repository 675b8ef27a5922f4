"""Named, seeded split protocols.

A protocol holds index arrays into the whole dataset (official training part
first, as returned by :func:`load_mnist` / :func:`load_cifar10`), never copies
of the data. The same name and seed always give the same indices; compare runs
with :meth:`Protocol.checksum`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .paths import PathLike

Split = dict[str, np.ndarray]


@dataclass(frozen=True)
class Protocol:
    """Queries, database, training and validation indices of one benchmark split.

    ``relevance`` is "class" (same label) or "knn" (the ``knn_k`` nearest
    Euclidean database neighbours of each query, see :func:`knn_relevance`).

    Examples
    --------
    >>> p = Protocol("toy", 0, np.array([3]), np.arange(3), np.arange(2), np.array([], np.int64))
    >>> p.checksum()[:8], p.sizes()
    ('70625656', {'query': 1, 'database': 3, 'train': 2, 'val': 0})
    """

    name: str
    seed: int
    query_idx: np.ndarray
    database_idx: np.ndarray
    train_idx: np.ndarray
    val_idx: np.ndarray
    relevance: str = "class"
    knn_k: int = 50
    dataset: str = ""
    description: str = field(default="", compare=False)

    def checksum(self) -> str:
        """sha256 of the four index arrays (int64, in order query, database, train, val)."""
        digest = hashlib.sha256()
        for arr in (self.query_idx, self.database_idx, self.train_idx, self.val_idx):
            digest.update(np.int64(len(arr)).tobytes())
            digest.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
        return digest.hexdigest()

    def sizes(self) -> dict[str, int]:
        """Number of indices in each part."""
        parts = ("query", "database", "train", "val")
        arrays = (self.query_idx, self.database_idx, self.train_idx, self.val_idx)
        return {k: len(a) for k, a in zip(parts, arrays, strict=True)}

    def record(self) -> dict[str, Any]:
        """JSON-ready summary to store next to results."""
        return {
            "name": self.name,
            "seed": self.seed,
            "dataset": self.dataset,
            "relevance": self.relevance,
            "knn_k": self.knn_k if self.relevance == "knn" else None,
            "sizes": self.sizes(),
            "sha256": self.checksum(),
        }

    def __str__(self) -> str:
        s = self.sizes()
        return (
            f"{self.name} (seed {self.seed}): {s['query']} queries, {s['database']} database, "
            f"{s['train']} train, {s['val']} val, relevance={self.relevance}, "
            f"sha256={self.checksum()[:16]}"
        )


def per_class_draw(
    labels: np.ndarray, pool: np.ndarray, counts: tuple[int, ...], rng: np.random.Generator
) -> list[np.ndarray]:
    """For each class in order, permute its members of ``pool`` and cut consecutive parts.

    Returns one array per entry of ``counts`` (classes concatenated in order).

    >>> y = np.array([0, 1, 0, 1, 0, 1])
    >>> [a.tolist() for a in per_class_draw(y, np.arange(6), (1, 1), np.random.default_rng(0))]
    [[4, 5], [0, 3]]
    """
    parts: list[list[np.ndarray]] = [[] for _ in counts]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    for c in np.unique(labels[pool]):
        members = rng.permutation(pool[labels[pool] == c])
        if len(members) < bounds[-1]:
            raise ValueError(f"class {c} has {len(members)} items; the protocol needs {bounds[-1]}")
        for i in range(len(counts)):
            parts[i].append(members[bounds[i] : bounds[i + 1]])
    return [np.concatenate(p).astype(np.int64) for p in parts]


def _rest(n: int, *taken: np.ndarray) -> np.ndarray:
    mask = np.ones(n, dtype=bool)
    for t in taken:
        mask[t] = False
    return np.flatnonzero(mask).astype(np.int64)


def _split(q: np.ndarray, db: np.ndarray, tr: np.ndarray, val: np.ndarray | None = None) -> Split:
    empty = np.zeros(0, dtype=np.int64)
    return {"query": q, "database": db, "train": tr, "val": empty if val is None else val}


def _official_all(y: np.ndarray, n_tr: int, seed: int) -> Split:
    train = np.arange(n_tr, dtype=np.int64)
    return _split(np.arange(n_tr, len(y), dtype=np.int64), train, train)


def _mnist_5k(y: np.ndarray, n_tr: int, seed: int) -> Split:
    split = _official_all(y, n_tr, seed)
    train, val = per_class_draw(y, split["database"], (500, 100), np.random.default_rng(seed))
    return _split(split["query"], split["database"], train, val)


def _official_subset(n_sub: int) -> Callable[[np.ndarray, int, int], Split]:
    def build(y: np.ndarray, n_tr: int, seed: int) -> Split:
        split = _official_all(y, n_tr, seed)
        train = np.random.default_rng(seed).permutation(n_tr)[:n_sub].astype(np.int64)
        return _split(split["query"], split["database"], train)

    return build


def _cifar_1k(include_train: bool) -> Callable[[np.ndarray, int, int], Split]:
    def build(y: np.ndarray, n_tr: int, seed: int) -> Split:
        all_idx = np.arange(len(y), dtype=np.int64)
        query, train = per_class_draw(y, all_idx, (100, 500), np.random.default_rng(seed))
        database = _rest(len(y), query) if include_train else _rest(len(y), query, train)
        return _split(query, database, train)

    return build


def _cifar_10k(y: np.ndarray, n_tr: int, seed: int) -> Split:
    split = _official_all(y, n_tr, seed)
    train, val = per_class_draw(y, split["database"], (3000, 100), np.random.default_rng(seed))
    return _split(split["query"], split["database"], train, val)


@dataclass(frozen=True)
class _Spec:
    dataset: str
    build: Callable[[np.ndarray, int, int], Split]
    relevance: str
    description: str


PROTOCOLS: dict[str, _Spec] = {
    "mnist-10k": _Spec(
        "mnist",
        _official_all,
        "class",
        "10,000 official test queries; database = training = 60,000",
    ),
    "mnist-10k-5k": _Spec(
        "mnist",
        _mnist_5k,
        "class",
        "10,000 queries, 60,000 database; train 500/class, val 100/class",
    ),
    "mnist-unsup": _Spec(
        "mnist",
        _official_subset(10_000),
        "knn",
        "UH-BDNN: 10,000 queries, 60,000 database, 10,000 random training",
    ),
    "mnist-unsup-full": _Spec(
        "mnist", _official_all, "knn", "10,000 queries, database = training = 60,000, kNN relevance"
    ),
    "cifar10-1k": _Spec(
        "cifar10",
        _cifar_1k(False),
        "class",
        "1,000 queries (100/class), 5,000 train (500/class), database = the "
        "other 54,000 (train excluded; DeepHash 'cifar10')",
    ),
    "cifar10-1k-incl": _Spec(
        "cifar10",
        _cifar_1k(True),
        "class",
        "1,000 queries (100/class), 5,000 train (500/class) inside the "
        "59,000 database (DHN/DPSH 'cifar10-1')",
    ),
    "cifar10-10k": _Spec(
        "cifar10",
        _cifar_10k,
        "class",
        "10,000 official test queries, 50,000 database; train 3,000/class, "
        "val 100/class from the database (SH-BDNN demo)",
    ),
    "cifar10-10k-full": _Spec(
        "cifar10",
        _official_all,
        "class",
        "10,000 official test queries; database = training = 50,000",
    ),
    "cifar10-10k-unsup": _Spec(
        "cifar10",
        _official_all,
        "knn",
        "UH-BDNN: 10,000 queries, database = training = 50,000, kNN relevance",
    ),
}


def list_protocols() -> list[str]:
    """Names accepted by :func:`get_protocol`.

    >>> "mnist-10k-5k" in list_protocols()
    True
    """
    return sorted(PROTOCOLS)


DATASET_SIZES = {"mnist": (70_000, 60_000), "cifar10": (60_000, 50_000)}
"""Images of each dataset, and how many of them are the official training part."""


def _spec(name: str) -> _Spec:
    if name not in PROTOCOLS:
        raise ValueError(f"name: unknown protocol {name!r}; known: {', '.join(list_protocols())}")
    return PROTOCOLS[name]


def protocol_dataset(name: str) -> str:
    """The dataset protocol ``name`` splits ("mnist" or "cifar10").

    >>> protocol_dataset("cifar10-1k")
    'cifar10'
    """
    return _spec(name).dataset


def protocol_summary(name: str) -> dict[str, Any]:
    """What protocol ``name`` is: dataset, part sizes, relevance, description (no data read).

    The sizes come from the split recipe on stand-in labels (ten classes of the
    dataset's size): they depend only on the class count and the dataset's size.

    >>> protocol_summary("mnist-10k-5k")["sizes"]
    {'query': 10000, 'database': 60000, 'train': 5000, 'val': 1000}
    """
    spec = _spec(name)
    n_images, n_train = DATASET_SIZES[spec.dataset]
    sizes = protocol_from_labels(name, np.arange(n_images) % 10, n_train).sizes()
    return {
        "name": name,
        "dataset": spec.dataset,
        "sizes": sizes,
        "relevance": spec.relevance,
        "description": spec.description,
    }


def protocol_from_labels(
    name: str, labels: np.ndarray, n_train: int, seed: int = 0, knn_k: int = 50
) -> Protocol:
    """Build protocol ``name`` for a dataset given its labels (official train first).

    Examples
    --------
    >>> y = np.tile(np.arange(10), 7000)
    >>> p = protocol_from_labels("mnist-10k-5k", y, 60000)
    >>> p.sizes()
    {'query': 10000, 'database': 60000, 'train': 5000, 'val': 1000}
    """
    spec = _spec(name)
    labels = np.asarray(labels)
    if not 0 < n_train < len(labels):
        raise ValueError(f"n_train: {n_train} must lie between 1 and len(labels)-1")
    parts = spec.build(labels, n_train, int(seed))
    return Protocol(
        name,
        int(seed),
        parts["query"],
        parts["database"],
        parts["train"],
        parts["val"],
        spec.relevance,
        knn_k,
        spec.dataset,
        spec.description,
    )


def get_protocol(
    name: str, seed: int = 0, data_dir: PathLike | None = None, knn_k: int = 50
) -> Protocol:
    """Protocol ``name`` on the real dataset found in ``data_dir``.

    Examples
    --------
    >>> p = get_protocol("mnist-10k-5k", seed=0)  # doctest: +SKIP
    >>> print(p)  # doctest: +SKIP
    mnist-10k-5k (seed 0): 10000 queries, 60000 database, 5000 train, 1000 val, ...
    """
    if protocol_dataset(name) == "mnist":
        from .mnist import load_mnist

        data = load_mnist(data_dir)
    else:
        from .cifar10 import load_cifar10

        data = load_cifar10(data_dir)
    return protocol_from_labels(name, data.labels, len(data.train_idx), seed, knn_k)
