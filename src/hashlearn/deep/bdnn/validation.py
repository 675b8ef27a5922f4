"""Validation split carved from the training data and the early-stopping score (mAP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from hashlearn.codes import pack_bits


def split_validation(
    n_samples: int, val_size: float | int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random (train, validation) row indices; ``val_size`` is a fraction or a count.

    >>> tr, va = split_validation(10, 0.2, np.random.default_rng(0))
    >>> len(tr), len(va), sorted(np.concatenate([tr, va]).tolist()) == list(range(10))
    (8, 2, True)
    """
    if isinstance(val_size, bool) or not isinstance(val_size, (int, float, np.number)):
        raise TypeError(f"val_size must be a fraction or a count, got {val_size!r}")
    n_val = round(val_size * n_samples) if 0 < val_size < 1 else int(val_size)
    if not 0 <= n_val <= n_samples - 2:
        raise ValueError(
            f"val_size={val_size} leaves fewer than 2 training samples out of {n_samples}"
        )
    order = rng.permutation(n_samples)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def knn_relevance(
    queries: torch.Tensor, database: torch.Tensor, k: int, chunk: int = 1024
) -> np.ndarray:
    """Dense bool (nq, n_db): the ``k`` Euclidean nearest database items of each query.

    >>> knn_relevance(torch.tensor([[0.0]]), torch.tensor([[5.0], [1.0], [2.0]]), 2).tolist()
    [[False, True, True]]
    """
    k = min(k, database.shape[0])
    relevance = np.zeros((queries.shape[0], database.shape[0]), dtype=bool)
    for start in range(0, queries.shape[0], chunk):
        dist = torch.cdist(queries[start : start + chunk].double(), database.double())
        nearest = dist.topk(k, largest=False).indices.numpy()
        np.put_along_axis(relevance[start : start + chunk], nearest, True, axis=1)
    return relevance


def map_scorer(
    encode: Callable[[torch.Tensor], torch.Tensor],
    X_db: torch.Tensor,
    X_val: torch.Tensor,
    n_bits: int,
    **relevance: Any,
) -> Callable[[], float]:
    """A scorer: validation queries vs training database, standard mAP (ties stable).

    ``encode`` maps features to the real-valued code layer; ``relevance`` is
    passed to :func:`hashlearn.metrics.mean_average_precision` (``query_labels``
    and ``db_labels``, or ``relevance``).
    """
    from hashlearn.metrics import mean_average_precision

    def score() -> float:
        with torch.no_grad():
            q, db = (
                pack_bits((encode(Z) >= 0).cpu().numpy().astype(np.uint8)) for Z in (X_val, X_db)
            )
        return float(mean_average_precision(q, db, n_bits=n_bits, **relevance))

    return score
