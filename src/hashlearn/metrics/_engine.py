"""Chunked driver: validated inputs -> per-query statistics, chunk by chunk.

Memory is bounded by the query chunk: with an explicit dense relevance
matrix, ``chunk * n_db`` stays under ``MAX_ENTRIES`` (its rows are read per
chunk); otherwise chunks hold ``MIN_ROWS`` queries.  The per-query histograms
stay under ``MAX_HIST`` entries, and each thread holds 11 bytes per database
item of buffers.  Nothing of size ``n_queries * n_db`` is ever built.

``exclude_self=True`` is leave-one-out, for when the queries are the database
itself: each query is ranked against every other row, never against itself.

The metric specs read any :class:`Ranked` source of chunks: this in-memory
:class:`Evaluation`, or the database streamed in blocks (``_streaming``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numba
import numpy as np

from hashlearn.metrics._inputs import DENSE, Relevance, prepare
from hashlearn.metrics._kernels import query_stats, query_stats_serial
from hashlearn.metrics._ties import tie_average_stats, tie_average_stats_serial

MAX_ENTRIES = 32_000_000
MAX_HIST = 4_000_000
SERIAL_BELOW = 1_000_000  # query-item pairs: fewer run on one thread


def runs_serially(n_pairs: int) -> bool:
    """Whether ``n_pairs`` query-item pairs are counted on the calling thread: few pairs,
    or numba set to one thread (as in the race's worker processes, which must not wake
    a thread pool their parent started).

    >>> runs_serially(10), runs_serially(10**9) == (numba.get_num_threads() == 1)
    (True, True)
    """
    return n_pairs < SERIAL_BELOW or numba.get_num_threads() == 1


MIN_ROWS = 256  # without a dense matrix only the histograms grow with the chunk
OWN_TOTALS = np.zeros((0, 1, 2), np.int64)  # the block is the whole database (see _kernels)


@dataclass(frozen=True)
class Chunk:
    """Statistics of a block of queries (see ``_kernels.query_stats``).

    ``avg`` (rows, len(avg_ks), 3) holds the tie-averaged expectations
    (precision sum, relevant count, retrieved-normalised AP) when requested.
    """

    hist: np.ndarray
    ap: np.ndarray
    trap: np.ndarray
    relk: np.ndarray
    rank_hist: np.ndarray
    avg: np.ndarray

    @property
    def n_relevant(self) -> np.ndarray:
        """Relevant database items per query (whole database)."""
        return self.hist[:, :, 1].sum(axis=1)


@dataclass(frozen=True)
class Evaluation:
    """Validated inputs, ready to be streamed by :meth:`chunks`."""

    q_words: np.ndarray
    db_words: np.ndarray
    relevance: Relevance
    n_bits: int
    exclude_self: bool = False

    @property
    def n_queries(self) -> int:
        return int(self.q_words.shape[0])

    @property
    def n_db(self) -> int:
        """Database items ranked for each query (one fewer when leaving each query out)."""
        return int(self.db_words.shape[0]) - int(self.exclude_self)

    def clip_k(self, k: int | None) -> int:
        """A rank cut-off as used internally: None -> whole database; capped at n_db."""
        return clip_rank(k, self.n_db)

    def chunk_rows(self) -> int:
        """Queries per kernel call: bounded by the dense relevance rows and the histograms."""
        by_hist = MAX_HIST // (2 * (self.n_bits + 1))
        by_rows = MAX_ENTRIES // self.n_db if self.relevance.mode == DENSE else MIN_ROWS
        return max(1, min(by_rows, by_hist))

    def chunks(
        self, ks: tuple[int, ...] = (), ranks: Any = None, stable: bool = False,
        avg_ks: Any = (), avg_ap: bool = True,
    ) -> Iterator[Chunk]:  # fmt: skip
        """Yield :class:`Chunk` statistics for consecutive blocks of queries."""
        request = Request.of(ks, ranks, stable, avg_ks, avg_ap)
        step = self.chunk_rows()
        for lo in range(0, self.n_queries, step):
            hi = min(lo + step, self.n_queries)
            stats = request.new_stats(hi - lo, self.n_bits)
            self_offset = lo if self.exclude_self else -1
            request.count(self.q_words[lo:hi], self.db_words, self.relevance, lo, self.n_bits,
                          stats, self_offset)  # fmt: skip
            yield request.chunk(stats, self.n_db)


class Ranked(Protocol):
    """What the metric specs read of an evaluation, in memory or streamed."""

    def clip_k(self, k: int | None) -> int: ...

    def chunks(
        self, ks: tuple[int, ...] = (), ranks: Any = None, stable: bool = False,
        avg_ks: Any = (), avg_ap: bool = True,
    ) -> Iterator[Chunk]: ...  # fmt: skip


def clip_rank(k: int | None, n_db: int) -> int:
    """A rank cut-off as used internally: None -> whole database; capped at ``n_db``.

    >>> clip_rank(None, 7), clip_rank(10, 7), clip_rank(3, 7)
    (7, 7, 3)
    """
    return n_db if k is None else min(int(k), n_db)


@dataclass(frozen=True)
class Request:
    """The statistics asked of the kernels: cut-offs ``ks`` and ``ranks`` under
    stable ties (with ``stable``), tie-averaged ones at ``avg_ks`` (see :class:`Chunk`)."""

    ks: np.ndarray
    ranks: np.ndarray
    stable: bool
    avg_ks: np.ndarray
    avg_ap: bool

    @classmethod
    def of(cls, ks: Any, ranks: Any, stable: bool, avg_ks: Any, avg_ap: bool) -> Request:
        """The arguments of ``chunks`` as the kernels read them."""
        ks, avg_ks = np.asarray(ks, dtype=np.int64), np.asarray(avg_ks, dtype=np.int64)
        ranks = np.asarray([] if ranks is None else ranks, dtype=np.int64)
        return cls(ks, ranks, bool(stable), avg_ks, bool(avg_ap))

    def new_stats(self, n_queries: int, n_bits: int) -> tuple[np.ndarray, ...]:
        """Zeroed kernel outputs (hist, ap, trap, relk, rank_hist) for ``n_queries``."""
        n_ks = self.ks.shape[0]
        return (
            np.zeros((n_queries, n_bits + 1, 2), np.int64),
            np.zeros((n_queries, n_ks)),
            np.zeros((n_queries, n_ks)),
            np.zeros((n_queries, n_ks), np.int64),
            np.zeros((n_queries, self.ranks.shape[0] + 1), np.int64),
        )

    def count(
        self, q_words: np.ndarray, db_words: np.ndarray, relevance: Relevance, lo: int,
        n_bits: int, stats: tuple[np.ndarray, ...], self_offset: int = -1,
        totals: np.ndarray = OWN_TOTALS,
    ) -> None:  # fmt: skip
        """Add a database block's statistics for the queries ``lo:lo+len(q_words)`` to ``stats``.

        ``self_offset`` and ``totals`` as in ``_kernels.query_stats``.
        """
        serial = runs_serially(q_words.shape[0] * db_words.shape[0])
        kernel = query_stats_serial if serial else query_stats
        kernel(
            q_words, db_words, relevance.mode, relevance.rows(lo, lo + q_words.shape[0]), n_bits,
            self.ks, self.ranks, self.stable, 1 if serial else numba.get_num_threads(),
            self_offset, totals, stats,
        )  # fmt: skip

    def chunk(self, stats: tuple[np.ndarray, ...], n_db: int) -> Chunk:
        """The :class:`Chunk` of counted ``stats``, with the tie averages asked for."""
        hist, ap, trap, relk, rank_hist = stats
        avg = np.zeros((hist.shape[0], 0, 3))
        if self.avg_ks.size:
            serial = runs_serially(hist.shape[0] * n_db)
            ties = tie_average_stats_serial if serial else tie_average_stats
            avg = ties(hist, self.avg_ks, self.avg_ap)
        return Chunk(hist, ap, trap, relk, rank_hist, avg)


def evaluation(
    query_codes: Any, db_codes: Any, query_labels: Any, db_labels: Any, n_bits: Any,
    relevance: Any, exclude_self: bool = False,
) -> Evaluation:  # fmt: skip
    """Check all inputs once (errors name the argument) and prepare them."""
    prepared = prepare(query_codes, db_codes, query_labels, db_labels, n_bits, relevance)
    if exclude_self:
        _check_self_retrieval(prepared[0], prepared[1])
    return Evaluation(*prepared, exclude_self=bool(exclude_self))


def _check_self_retrieval(q_words: np.ndarray, db_words: np.ndarray) -> None:
    """``exclude_self`` needs the queries to be the database, with another row to rank."""
    if q_words.shape[0] != db_words.shape[0] or not np.array_equal(q_words, db_words):
        raise ValueError(
            "exclude_self=True needs query_codes to be db_codes (the same rows in the same "
            "order): each query is then ranked against every other row"
        )
    if db_words.shape[0] < 2:
        raise ValueError("exclude_self=True needs at least 2 codes: one query and one other row")


def mean_of(values: np.ndarray) -> float:
    """Mean over queries, NaN entries (skipped queries) left out; NaN if all are."""
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else float("nan")
