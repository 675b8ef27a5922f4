"""Slow, obvious reference implementations the fast metrics are checked against."""

from __future__ import annotations

import itertools

import numpy as np

from hashlearn.codes import unpack_bits


def distances(q: np.ndarray, db: np.ndarray, n_bits: int) -> np.ndarray:
    """Hamming distances by comparing unpacked bits one pair at a time."""
    qb, dbb = unpack_bits(q, n_bits), unpack_bits(db, n_bits)
    out = np.zeros((len(qb), len(dbb)), dtype=np.int64)
    for i in range(len(qb)):
        for j in range(len(dbb)):
            out[i, j] = int(np.sum(qb[i] != dbb[j]))
    return out


def relevance(yq, ydb) -> np.ndarray:
    """Dense relevance from 1-D class labels or 2-D 0/1 label matrices."""
    yq, ydb = np.asarray(yq), np.asarray(ydb)
    if yq.ndim == 1:
        return yq[:, None] == ydb[None, :]
    return np.array([[bool(np.any(a & b)) for b in ydb.astype(bool)] for a in yq.astype(bool)])


def average_precision(rel_ranked, k=None, normalize="retrieved", trapezoid=False):
    """AP of one ranked 0/1 list (None if the denominator is zero)."""
    rel_ranked = np.asarray(rel_ranked, dtype=bool)
    k = len(rel_ranked) if k is None else min(k, len(rel_ranked))
    total, found = 0.0, 0
    for pos in range(1, k + 1):
        if rel_ranked[pos - 1]:
            found += 1
            p1 = found / pos
            p0 = 1.0 if pos == 1 else (found - 1) / (pos - 1)
            total += 0.5 * (p0 + p1) if trapezoid else p1
    n_rel = int(rel_ranked.sum())
    denom = {"retrieved": found, "all": n_rel, "min": min(k, n_rel)}[normalize]
    return total / denom if denom else None


def ranked(dist_row, rel_row, order=None):
    """Relevance in rank order: stable sort by distance, ties by (given) database order."""
    order = np.arange(len(dist_row)) if order is None else np.asarray(order)
    perm = order[np.argsort(np.asarray(dist_row)[order], kind="stable")]
    return np.asarray(rel_row)[perm]


def mean_ap(dist, rel, k=None, normalize="retrieved", trapezoid=False,
            skip_topk=False, skip_db=False):  # fmt: skip
    """mAP with stable ties; queries skipped per the two empty rules."""
    values = []
    for d_row, r_row in zip(dist, rel, strict=True):
        r = ranked(d_row, r_row)
        if skip_db and not r.any():
            continue
        kk = len(r) if k is None else min(k, len(r))
        if skip_topk and not r[:kk].any():
            continue
        ap = average_precision(r, k, normalize, trapezoid)
        values.append(0.0 if ap is None else ap)
    return float(np.mean(values)) if values else float("nan")


def tie_average_ap(d_row, r_row, k=None, normalize="retrieved"):
    """Expected AP over every ordering of the database (tiny databases only)."""
    aps = []
    for perm in itertools.permutations(range(len(d_row))):
        ap = average_precision(ranked(d_row, r_row, perm), k, normalize)
        aps.append(0.0 if ap is None else ap)
    return float(np.mean(aps))
