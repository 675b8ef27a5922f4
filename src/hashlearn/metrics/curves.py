"""Precision-recall curves, by Hamming radius and by rank.

Both return plain numpy arrays: the x values (radii or ranks), then the mean
precision and the mean recall over queries at each of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn.metrics._engine import Chunk, evaluation
from hashlearn.metrics._inputs import check_choice
from hashlearn.metrics.radius import ball_counts
from hashlearn.metrics.ranking import EMPTY, TIES


def _ratio(num: np.ndarray, den: np.ndarray, skip: bool) -> np.ndarray:
    """num / den, with 0 (or NaN when ``skip``) where den is 0."""
    num = num.astype(np.float64)
    out = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    if skip:
        out[np.broadcast_to(den, num.shape) == 0] = np.nan
    return out


def _column_means(parts: list[np.ndarray], width: int) -> np.ndarray:
    """Mean over queries (rows) of each column, NaN entries left out."""
    if not parts:
        return np.full(width, np.nan)
    stacked = np.concatenate(parts)
    kept = (~np.isnan(stacked)).sum(axis=0)
    total = np.nansum(stacked, axis=0)
    return np.divide(total, kept, out=np.full(width, np.nan), where=kept > 0)


def pr_curve_by_radius(
    query_codes: Any,
    db_codes: Any,
    query_labels: Any = None,
    db_labels: Any = None,
    *,
    n_bits: int,
    relevance: Any = None,
    empty: str = "zero",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall of the Hamming ball for every radius 0..n_bits.

    As DeepHash TF: per radius, each query's ball precision and recall are
    averaged over queries; an empty ball (precision) or a query without
    relevant items (recall) counts 0 with ``empty="zero"``, is left out of
    that radius's mean with ``empty="skip"``.

    Returns
    -------
    radii (n_bits+1,) int, precision (n_bits+1,), recall (n_bits+1,).

    Examples
    --------
    >>> q = np.array([[0]], np.uint8)
    >>> db = np.array([[1], [0], [3]], np.uint8)
    >>> r, p, rec = pr_curve_by_radius(q, db, [1], [0, 1, 1], n_bits=2)
    >>> p.tolist(), rec.tolist()
    ([1.0, 0.5, 0.6666666666666666], [0.5, 0.5, 1.0])
    """
    skip = check_choice(empty, "empty", EMPTY) == "skip"
    ev = evaluation(query_codes, db_codes, query_labels, db_labels, n_bits, relevance)
    prec, rec = [], []
    for chunk in ev.chunks():
        retrieved, found = ball_counts(chunk.hist)
        prec.append(_ratio(found, retrieved, skip))
        rec.append(_ratio(found, chunk.n_relevant[:, None], skip))
    width = ev.n_bits + 1
    return np.arange(width), _column_means(prec, width), _column_means(rec, width)


def _check_ranks(ranks: Any, n_db: int) -> np.ndarray:
    if ranks is None:
        step = 100 if n_db >= 1000 else 1
        return np.unique(np.r_[np.arange(step, n_db + 1, step), n_db]).astype(np.int64)
    arr = np.asarray(ranks)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu":
        raise TypeError(f"ranks must be a non-empty 1-D array of integers, got {arr!r}")
    if arr[0] < 1 or np.any(np.diff(arr) <= 0):
        raise ValueError("ranks must be positive and strictly increasing")
    return arr.astype(np.int64)


def _found_at_ranks(chunk: Chunk, stable: bool) -> np.ndarray:
    """Relevant items (expected, for averaged ties) within each rank cut-off."""
    if stable:
        return chunk.rank_hist[:, :-1].cumsum(axis=1)
    return chunk.avg[:, :, 1]


def pr_curve_by_rank(
    query_codes: Any,
    db_codes: Any,
    query_labels: Any = None,
    db_labels: Any = None,
    *,
    n_bits: int,
    ranks: Any = None,
    relevance: Any = None,
    ties: str = "stable",
    empty: str = "skip",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean precision and recall within the top N of the ranking, for each N in ``ranks``.

    As DeepHash-pytorch ``CalcTopMapWithPR``: by default (``empty="skip"``)
    only queries with at least one relevant item are averaged; ``"zero"``
    keeps them with recall 0.  ``ranks`` defaults to every 100th rank (every
    rank below 1,000 items) plus the last; ranks past the database end count
    the whole database.  ``ties="average"`` gives expectations over random
    orders inside ties.

    Examples
    --------
    >>> q = np.array([[0]], np.uint8)
    >>> db = np.array([[1], [0], [3]], np.uint8)
    >>> n, p, rec = pr_curve_by_rank(q, db, [1], [0, 1, 1], n_bits=2)
    >>> n.tolist(), p.tolist(), rec.tolist()
    ([1, 2, 3], [1.0, 0.5, 0.6666666666666666], [0.5, 0.5, 1.0])
    """
    stable = check_choice(ties, "ties", TIES) == "stable"
    skip = check_choice(empty, "empty", EMPTY) == "skip"
    ev = evaluation(query_codes, db_codes, query_labels, db_labels, n_bits, relevance)
    ranks = _check_ranks(ranks, ev.n_db)
    clipped = np.minimum(ranks, ev.n_db)
    prec, rec = [], []
    kwargs = {"ranks": clipped, "stable": True} if stable else {"avg_ks": clipped, "avg_ap": False}
    for chunk in ev.chunks(**kwargs):
        found = _found_at_ranks(chunk, stable)
        n_rel = chunk.n_relevant[:, None]
        keep = (n_rel > 0) | (not skip)
        prec.append(np.where(keep, found / clipped, np.nan))
        rec.append(np.where(keep, _ratio(found, n_rel, False), np.nan))
    return ranks, _column_means(prec, ranks.size), _column_means(rec, ranks.size)
