"""Precision and recall of the Hamming ball of radius r.

The ball holds every database item with distance <= r; no ordering is
involved, so these come straight from the per-distance histograms.
``empty="zero"`` (default, as DeepHash TF and the BDNN MATLAB helper) counts a
query with an empty ball (precision) or with no relevant item (recall) as 0;
``empty="skip"`` leaves it out of the mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hashlearn._validation import check_int
from hashlearn.metrics._engine import Chunk, evaluation, mean_of
from hashlearn.metrics._inputs import check_choice
from hashlearn.metrics.ranking import EMPTY


def ball_counts(hist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative (retrieved, relevant retrieved) per radius: (rows, n_bits+1) each."""
    return hist.sum(axis=2).cumsum(axis=1), hist[:, :, 1].cumsum(axis=1)


@dataclass(frozen=True)
class RadiusSpec:
    """Precision (``recall=False``) or recall of the ball of ``radius``."""

    radius: int
    recall: bool = False
    empty: str = "zero"

    def values(self, chunk: Chunk) -> np.ndarray:
        retrieved, found = ball_counts(chunk.hist)
        r = min(self.radius, chunk.hist.shape[1] - 1)
        denom = chunk.n_relevant if self.recall else retrieved[:, r]
        found_r = found[:, r].astype(np.float64)
        out = np.divide(found_r, denom, out=np.zeros_like(found_r), where=denom > 0)
        if self.empty == "skip":
            out[denom == 0] = np.nan
        return out


def _radius_metric(args: tuple[Any, ...], n_bits: int, radius: Any, relevance: Any,
                   empty: Any, recall: bool) -> float:  # fmt: skip
    spec = RadiusSpec(
        check_int(radius, "radius", minimum=0), recall, check_choice(empty, "empty", EMPTY)
    )
    query_codes, db_codes, query_labels, db_labels = args
    ev = evaluation(query_codes, db_codes, query_labels, db_labels, n_bits, relevance)
    parts = [spec.values(chunk) for chunk in ev.chunks()]
    return mean_of(np.concatenate(parts)) if parts else float("nan")


def precision_at_radius(
    query_codes: Any,
    db_codes: Any,
    query_labels: Any = None,
    db_labels: Any = None,
    *,
    n_bits: int,
    radius: int = 2,
    relevance: Any = None,
    empty: str = "zero",
) -> float:
    """Mean precision of the Hamming ball of ``radius`` around each query.

    Examples
    --------
    >>> q = np.array([[0]], np.uint8)
    >>> db = np.array([[1], [0], [7]], np.uint8)
    >>> precision_at_radius(q, db, [1], [0, 1, 1], n_bits=3, radius=2)
    0.5
    """
    args = (query_codes, db_codes, query_labels, db_labels)
    return _radius_metric(args, n_bits, radius, relevance, empty, recall=False)


def recall_at_radius(
    query_codes: Any,
    db_codes: Any,
    query_labels: Any = None,
    db_labels: Any = None,
    *,
    n_bits: int,
    radius: int = 2,
    relevance: Any = None,
    empty: str = "zero",
) -> float:
    """Mean fraction of each query's relevant items that fall inside the ball.

    Examples
    --------
    >>> q = np.array([[0]], np.uint8)
    >>> db = np.array([[1], [0], [7]], np.uint8)
    >>> recall_at_radius(q, db, [1], [0, 1, 1], n_bits=3, radius=2)
    0.5
    """
    args = (query_codes, db_codes, query_labels, db_labels)
    return _radius_metric(args, n_bits, radius, relevance, empty, recall=True)
