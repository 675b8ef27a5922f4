"""Exhaustive evaluation over databases too large for one distance matrix.

Two ways, both with memory bounded by a chunk size, never by the database:

* :func:`evaluate_in_chunks` calls :func:`hashlearn.metrics.evaluate_codes` on
  query chunks against the (memory-mapped) database codes and averages the
  per-query means; memory is O(query_chunk * n_db).
* :func:`streaming_map` computes mAP (stable ties by database id, the default
  of :mod:`hashlearn.metrics`) for class labels in two streaming passes over
  database chunks: memory is O(n_queries * n_bits + db_chunk), whatever n_db.
  Each pass counts, per query and per Hamming distance, the database items and
  the relevant ones; the rank of an item is then the number of items strictly
  closer plus the number at the same distance with a smaller id.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from hashlearn._validation import check_n_bits, check_packed


def _words(codes: np.ndarray) -> np.ndarray:
    """Packed uint8 codes -> uint64 words (zero padded), same Hamming distances."""
    n, n_bytes = codes.shape
    out = np.zeros((n, (n_bytes + 7) // 8 * 8), dtype=np.uint8)
    out[:, :n_bytes] = codes
    return out.view(np.uint64)


@numba.njit(inline="always")
def _popcount64(x: np.uint64) -> int:
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@numba.njit(inline="always")
def _distance(a: np.ndarray, b: np.ndarray) -> int:
    d = 0
    for w in range(a.shape[0]):
        d += _popcount64(a[w] ^ b[w])
    return d


@numba.njit(parallel=True, cache=True)
def _count_pass(q, db, q_lab, db_lab, tot, rel):  # pragma: no cover - numba
    for i in numba.prange(q.shape[0]):
        for j in range(db.shape[0]):
            d = _distance(q[i], db[j])
            tot[i, d] += 1
            if q_lab[i] == db_lab[j]:
                rel[i, d] += 1


@numba.njit(parallel=True, cache=True)
def _ap_pass(
    q, db, q_lab, db_lab, before_tot, before_rel, seen_tot, seen_rel, topk, ap, hits
):  # pragma: no cover - numba
    for i in numba.prange(q.shape[0]):
        for j in range(db.shape[0]):
            d = _distance(q[i], db[j])
            rank = before_tot[i, d] + seen_tot[i, d] + 1
            seen_tot[i, d] += 1
            if q_lab[i] == db_lab[j]:
                rel_rank = before_rel[i, d] + seen_rel[i, d] + 1
                seen_rel[i, d] += 1
                if rank <= topk:
                    ap[i] += rel_rank / rank
                    hits[i] += 1


def _check_class_labels(labels: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(
            f"{name} must be 1-D integer class labels for streaming_map, got {arr.dtype} "
            f"{arr.shape}; use evaluate_in_chunks for multi-label or explicit relevance"
        )
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} entries, expected {n} (one per code)")
    return arr.astype(np.int64)


def _db_chunks(db_codes: Any, db_labels: np.ndarray, n_bits: int, chunk: int):
    """Yield (words, labels) of consecutive database chunks, checked as they come."""
    for start in range(0, db_codes.shape[0], chunk):
        codes = check_packed(np.asarray(db_codes[start : start + chunk]), n_bits, "db_codes")
        yield _words(codes), db_labels[start : start + chunk]


def streaming_map(
    query_codes: np.ndarray,
    db_codes: Any,
    query_labels: Any,
    db_labels: Any,
    *,
    n_bits: int,
    topk: int | None = None,
    db_chunk: int = 1 << 16,
) -> float:
    """mAP (or mAP@topk) of Hamming ranking, streaming over the database.

    Same definition as ``hashlearn.metrics.mean_average_precision`` with
    ``ties="stable"`` (ties broken by database id) and ``empty="zero"``;
    ``topk`` normalises by the relevant items retrieved in the top ``topk``.
    Class labels only (relevant iff equal).

    Parameters
    ----------
    query_codes : (nq, n_bytes) packed uint8 codes (in memory).
    db_codes : (n_db, n_bytes) packed uint8 codes, e.g. an ``np.memmap``.
    query_labels, db_labels : 1-D integer labels (``db_labels`` may be a memmap).
    n_bits : code length.
    topk : rank cut-off, or None for the whole ranking.
    db_chunk : database rows read at a time.

    Examples
    --------
    >>> q = np.array([[0b01]], np.uint8)
    >>> db = np.array([[0b11], [0b01], [0b10]], np.uint8)
    >>> streaming_map(q, db, [0], [1, 0, 0], n_bits=2)  # relevant at ranks 1 and 3
    0.8333333333333333
    """
    n_bits = check_n_bits(n_bits)
    query_codes = check_packed(query_codes, n_bits, "query_codes")
    nq = query_codes.shape[0]
    if nq == 0:
        raise ValueError("query_codes is empty: mAP over zero queries is undefined")
    if not hasattr(db_codes, "shape") or len(db_codes.shape) != 2:
        raise ValueError("db_codes must be a 2-D array or memmap of packed uint8 codes")
    q_lab = _check_class_labels(query_labels, query_codes.shape[0], "query_labels")
    db_lab = _check_class_labels(db_labels, db_codes.shape[0], "db_labels")
    if topk is not None and (not isinstance(topk, (int, np.integer)) or topk < 1):
        raise ValueError(f"topk must be a positive integer or None, got {topk!r}")
    if not isinstance(db_chunk, (int, np.integer)) or db_chunk < 1:
        raise ValueError(f"db_chunk must be a positive integer, got {db_chunk!r}")
    q = _words(query_codes)
    tot = np.zeros((nq, n_bits + 1), np.int64)
    rel = np.zeros_like(tot)
    for words, labels in _db_chunks(db_codes, db_lab, n_bits, db_chunk):
        _count_pass(q, words, q_lab, labels, tot, rel)
    before_tot = np.cumsum(tot, axis=1) - tot
    before_rel = np.cumsum(rel, axis=1) - rel
    seen_tot, seen_rel = np.zeros_like(tot), np.zeros_like(tot)
    ap, hits = np.zeros(nq), np.zeros(nq, np.int64)
    cut = db_codes.shape[0] if topk is None else int(topk)
    for words, labels in _db_chunks(db_codes, db_lab, n_bits, db_chunk):
        _ap_pass(q, words, q_lab, labels, before_tot, before_rel, seen_tot, seen_rel, cut, ap, hits)
    per_query = np.divide(ap, hits, out=np.zeros(nq), where=hits > 0)
    return float(per_query.mean())


def evaluate_in_chunks(
    query_codes: np.ndarray,
    db_codes: Any,
    query_labels: Any = None,
    db_labels: Any = None,
    *,
    n_bits: int,
    metrics: tuple[str, ...] = ("map",),
    chunk: int = 256,
) -> dict[str, float]:
    """``hashlearn.metrics.evaluate_codes`` over query chunks, averaged over queries.

    Only metrics that are a mean over queries of a per-query value (mAP, mAP@k,
    precision@k, precision within a radius with ``empty="zero"``) can be split
    this way; the database (e.g. a memmap) is passed whole to each call.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> q, db = rng.integers(0, 256, (10, 1), np.uint8), rng.integers(0, 256, (50, 1), np.uint8)
    >>> yq, ydb = rng.integers(0, 3, 10), rng.integers(0, 3, 50)
    >>> from hashlearn.metrics import evaluate_codes
    >>> whole = evaluate_codes(q, db, yq, ydb, n_bits=8, metrics=("map",))["map"]
    >>> bool(abs(evaluate_in_chunks(q, db, yq, ydb, n_bits=8, chunk=3)["map"] - whole) < 1e-12)
    True
    """
    from hashlearn.metrics import evaluate_codes

    n_bits = check_n_bits(n_bits)
    query_codes = check_packed(query_codes, n_bits, "query_codes")
    if not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    nq = query_codes.shape[0]
    if nq == 0:
        raise ValueError("query_codes is empty: a mean over zero queries is undefined")
    if query_labels is not None and len(query_labels) != nq:
        raise ValueError(f"query_labels has {len(query_labels)} rows, expected {nq}")
    sums: dict[str, float] = {}
    for start in range(0, nq, chunk):
        stop = min(start + chunk, nq)
        part = evaluate_codes(
            query_codes[start:stop],
            db_codes,
            None if query_labels is None else query_labels[start:stop],
            db_labels,
            n_bits=n_bits,
            metrics=metrics,
        )
        for name, value in part.items():
            sums[name] = sums.get(name, 0.0) + value * (stop - start)
    return {name: total / nq for name, total in sums.items()}
