"""The counting engine with the database read in blocks (streaming mode).

For databases that do not fit in memory (e.g. a memory-mapped codes file):
the queries stay in memory, the database codes and class labels are read
``db_chunk`` rows at a time, and memory is O(n_queries * n_bits + db_chunk),
whatever the database size.  The histograms of the blocks add up to those of
the whole database (all that tie-averaged metrics need); stable ties take a
second pass that ranks each block given those totals (see ``_kernels``).
Every metric spec then reads one :class:`~hashlearn.metrics._engine.Chunk` of
all queries, bit-identical to the in-memory engine on the whole database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from hashlearn._validation import check_n_bits, check_packed, check_positive_int
from hashlearn.bits import to_words
from hashlearn.metrics._engine import OWN_TOTALS, Chunk, Request, clip_rank
from hashlearn.metrics._inputs import CLASS, Relevance


@dataclass(frozen=True)
class StreamedEvaluation:
    """In-memory queries, and a database read in blocks of ``db_chunk`` rows by each pass."""

    q_words: np.ndarray
    q_labels: np.ndarray
    db_codes: Any
    db_labels: Any
    n_bits: int
    db_chunk: int

    @property
    def n_db(self) -> int:
        return int(self.db_codes.shape[0])

    def clip_k(self, k: int | None) -> int:
        """A rank cut-off as used internally: None -> whole database; capped at n_db."""
        return clip_rank(k, self.n_db)

    def chunks(
        self, ks: tuple[int, ...] = (), ranks: Any = None, stable: bool = False,
        avg_ks: Any = (), avg_ap: bool = True,
    ) -> Iterator[Chunk]:  # fmt: skip
        """Yield one :class:`Chunk` of all queries: a counting pass over the
        blocks, then, for ``stable`` statistics, a ranking pass given its totals."""
        request = Request.of(ks, ranks, stable, avg_ks, avg_ap)
        stats = self._pass(replace(request, stable=False), OWN_TOTALS)
        if request.stable:
            stats = self._pass(request, stats[0])
        yield request.chunk(stats, self.n_db)

    def _pass(self, request: Request, totals: np.ndarray) -> tuple[np.ndarray, ...]:
        """One pass over the database blocks: the kernel outputs of all queries."""
        stats = request.new_stats(self.q_words.shape[0], self.n_bits)
        for words, labels in self._blocks():
            relevance = Relevance(CLASS, q_int=self.q_labels, db_int=labels)
            request.count(self.q_words, words, relevance, 0, self.n_bits, stats, totals=totals)
        return stats

    def _blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(words, int64 labels) of consecutive database blocks, checked as they come."""
        for lo in range(0, self.n_db, self.db_chunk):
            hi = lo + self.db_chunk
            codes = check_packed(np.asarray(self.db_codes[lo:hi]), self.n_bits, "db_codes")
            # a copy: a read-only memmap block would make the kernels compile for another type
            yield to_words(codes), np.array(self.db_labels[lo:hi], dtype=np.int64)


def streamed_evaluation(
    query_codes: Any, db_codes: Any, query_labels: Any, db_labels: Any, n_bits: Any,
    db_chunk: Any,
) -> StreamedEvaluation:  # fmt: skip
    """Check the queries and the database's shape and labels (its codes are checked
    block by block as they are read); errors name the argument."""
    n_bits = check_n_bits(n_bits)
    query_codes = check_packed(query_codes, n_bits, "query_codes")
    if query_codes.shape[0] == 0:
        raise ValueError("query_codes is empty: mAP over zero queries is undefined")
    if not hasattr(db_codes, "shape") or len(db_codes.shape) != 2:
        raise ValueError("db_codes must be a 2-D array or memmap of packed uint8 codes")
    q_labels = _class_labels(query_labels, query_codes.shape[0], "query_labels")
    db_labels = _class_labels(db_labels, db_codes.shape[0], "db_labels")
    return StreamedEvaluation(
        to_words(query_codes), q_labels.astype(np.int64), db_codes, db_labels, n_bits,
        check_positive_int(db_chunk, "db_chunk"),
    )  # fmt: skip


def _class_labels(labels: Any, n: int, name: str) -> np.ndarray:
    """1-D integer labels, as given (a memmap stays on disk: blocks are read by each pass)."""
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(
            f"{name} must be 1-D integer class labels for streaming_map, got {arr.dtype} "
            f"{arr.shape}; use evaluate_in_chunks for multi-label or explicit relevance"
        )
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} entries, expected {n} (one per code)")
    return arr
