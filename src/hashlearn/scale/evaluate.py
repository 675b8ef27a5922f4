"""Exhaustive evaluation over databases too large for one distance matrix.

Two ways, both with memory bounded by a chunk size, never by the database:

* :func:`evaluate_in_chunks` calls :func:`hashlearn.metrics.evaluate_codes` on
  query chunks against the (memory-mapped) database codes and averages the
  per-query means; memory is O(query_chunk * n_db).
* :func:`streaming_map` is :func:`hashlearn.metrics.mean_average_precision`
  (same options, bit-identical values) for class labels, with the database
  read in chunks by the same counting engine: memory is
  O(n_queries * n_bits + db_chunk), whatever n_db.  One pass over the chunks
  counts, per query and per Hamming distance, the database items and the
  relevant ones; stable ties take a second pass, where the rank of an item is
  the number of items strictly closer plus the number at the same distance
  with a smaller id.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._validation import check_labels, check_n_bits, check_packed, check_positive_int
from hashlearn.metrics._streaming import streamed_evaluation
from hashlearn.metrics.ranking import APSpec, score_ranking


def streaming_map(
    query_codes: np.ndarray,
    db_codes: Any,
    query_labels: Any,
    db_labels: Any,
    *,
    n_bits: int,
    topk: int | None = None,
    db_chunk: int = 1 << 16,
    ties: str = "stable",
    empty: str = "zero",
    preset: str | None = None,
    normalize: str = "retrieved",
    interpolation: str = "none",
) -> float:
    """mAP (or mAP@topk) of Hamming ranking, streaming over the database.

    The value of ``hashlearn.metrics.mean_average_precision`` with the same
    options on the whole database (bit for bit): ties by database id by
    default, ``topk`` normalised by the relevant items retrieved in the top
    ``topk``.  Class labels only (relevant iff equal).

    Parameters
    ----------
    query_codes : (nq, n_bytes) packed uint8 codes (in memory).
    db_codes : (n_db, n_bytes) packed uint8 codes, e.g. an ``np.memmap``.
    query_labels, db_labels : 1-D integer labels (``db_labels`` may be a memmap).
    n_bits : code length.
    topk : rank cut-off, or None for the whole ranking.
    db_chunk : database rows read at a time.
    ties, empty, preset, normalize, interpolation : as in
        ``hashlearn.metrics.mean_average_precision``.

    Examples
    --------
    >>> q = np.array([[0b01]], np.uint8)
    >>> db = np.array([[0b11], [0b01], [0b10]], np.uint8)
    >>> streaming_map(q, db, [0], [1, 0, 0], n_bits=2)  # relevant at ranks 1 and 3
    0.8333333333333333
    >>> tied = np.array([[0b11], [0b00], [0b01]], np.uint8)  # rows 0 and 1 tie at distance 1
    >>> streaming_map(q, tied, [0], [1, 0, 0], n_bits=2, db_chunk=2)  # ranks 1 and 3
    0.8333333333333333
    >>> streaming_map(q, tied, [0], [1, 0, 0], n_bits=2, ties="average", db_chunk=2)
    0.9166666666666666
    """
    spec = APSpec.build(topk, ties, empty, preset, normalize, interpolation)
    ev = streamed_evaluation(query_codes, db_codes, query_labels, db_labels, n_bits, db_chunk)
    return score_ranking(ev, spec)


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
    chunk = check_positive_int(chunk, "chunk")
    nq = query_codes.shape[0]
    if nq == 0:
        raise ValueError("query_codes is empty: a mean over zero queries is undefined")
    if query_labels is not None:
        check_labels(query_labels, nq, "query_labels", encode=False)
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
