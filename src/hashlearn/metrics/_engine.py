"""Chunked driver: validated inputs -> per-query statistics, chunk by chunk.

Memory is bounded by the query chunk: with an explicit dense relevance
matrix, ``chunk * n_db`` stays under ``MAX_ENTRIES`` (its rows are read per
chunk); otherwise chunks hold ``MIN_ROWS`` queries.  The per-query histograms
stay under ``MAX_HIST`` entries, and each thread holds 11 bytes per database
item of buffers.  Nothing of size ``n_queries * n_db`` is ever built.

``exclude_self=True`` is leave-one-out, for when the queries are the database
itself: each query is ranked against every other row, never against itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from hashlearn.metrics._inputs import DENSE, prepare
from hashlearn.metrics._kernels import query_stats, query_stats_serial
from hashlearn.metrics._ties import tie_average_stats, tie_average_stats_serial

MAX_ENTRIES = 32_000_000
MAX_HIST = 4_000_000
SERIAL_BELOW = 1_000_000  # query-item pairs: fewer run on one thread
MIN_ROWS = 256  # without a dense matrix only the histograms grow with the chunk


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
    relevance: Any
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
        return self.n_db if k is None else min(int(k), self.n_db)

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
        ks_arr = np.asarray(ks, dtype=np.int64)
        ranks_arr = np.asarray([] if ranks is None else ranks, dtype=np.int64)
        avg_arr = np.asarray(avg_ks, dtype=np.int64)
        step = self.chunk_rows()
        for lo in range(0, self.n_queries, step):
            hi = min(lo + step, self.n_queries)
            serial = (hi - lo) * self.n_db < SERIAL_BELOW
            kernel = query_stats_serial if serial else query_stats
            rel = self.relevance
            out = kernel(
                self.q_words[lo:hi], self.db_words, rel.mode, rel.rows(lo, hi),
                self.n_bits, ks_arr, ranks_arr, stable, 1 if serial else numba.get_num_threads(),
                lo if self.exclude_self else -1,
            )  # fmt: skip
            avg = np.zeros((hi - lo, 0, 3))
            if avg_arr.size:
                ties = tie_average_stats_serial if serial else tie_average_stats
                avg = ties(out[0], avg_arr, avg_ap)
            hist, ap, trap, relk, rank_hist = out
            yield Chunk(hist, ap, trap, relk, rank_hist, avg)


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
