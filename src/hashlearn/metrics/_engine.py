"""Chunked driver: validated inputs -> per-query statistics, chunk by chunk.

Memory is bounded by the query chunk: ``chunk * n_db`` stays near
``MAX_ENTRIES`` (relevant for an explicit dense relevance matrix, whose rows
are sliced per chunk) and the per-query histograms by ``MAX_HIST``.  Nothing
of size ``n_queries * n_db`` is ever built.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from hashlearn.metrics._inputs import prepare
from hashlearn.metrics._kernels import query_stats
from hashlearn.metrics._ties import tie_average_stats

MAX_ENTRIES = 32_000_000
MAX_HIST = 4_000_000


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

    @property
    def n_queries(self) -> int:
        return int(self.q_words.shape[0])

    @property
    def n_db(self) -> int:
        return int(self.db_words.shape[0])

    def clip_k(self, k: int | None) -> int:
        """A rank cut-off as used internally: None -> whole database; capped at n_db."""
        return self.n_db if k is None else min(int(k), self.n_db)

    def chunk_rows(self) -> int:
        per_hist = 2 * (self.n_bits + 1)
        return max(1, min(MAX_ENTRIES // self.n_db, MAX_HIST // per_hist))

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
            rel = self.relevance
            out = query_stats(
                self.q_words[lo:hi], self.db_words, rel.mode, *rel.rows(lo, hi),
                self.n_bits, ks_arr, ranks_arr, stable, numba.get_num_threads(),
            )  # fmt: skip
            avg = (
                tie_average_stats(out[0], avg_arr, avg_ap)
                if avg_arr.size
                else np.zeros((hi - lo, 0, 3))
            )
            yield Chunk(*out, avg=avg)


def evaluation(
    query_codes: Any, db_codes: Any, query_labels: Any, db_labels: Any, n_bits: Any, relevance: Any
) -> Evaluation:
    """Check all inputs once (errors name the argument) and prepare them."""
    return Evaluation(*prepare(query_codes, db_codes, query_labels, db_labels, n_bits, relevance))


def mean_of(values: np.ndarray) -> float:
    """Mean over queries, NaN entries (skipped queries) left out; NaN if all are."""
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else float("nan")
