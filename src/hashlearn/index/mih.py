"""Multi-index hashing (Norouzi, Punjani and Fleet, CVPR 2012): :class:`MultiIndexHashing`.

>>> import numpy as np
>>> from hashlearn.index import MultiIndexHashing
>>> index = MultiIndexHashing(n_bits=16, n_tables=2)
>>> index.add(np.array([[0, 0], [1, 0], [255, 255]], np.uint8))
>>> lims, distances, ids = index.range_search(np.array([[0, 0]], np.uint8), radius=1)
>>> ids.tolist(), distances.tolist()
([0, 1], [0, 1])
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, TypeVar

import numba
import numpy as np

from hashlearn._validation import check_int
from hashlearn.index import _mih_kernels as mk
from hashlearn.index.flat import FlatIndex

__all__ = ["MultiIndexHashing", "default_n_tables"]

_Part = TypeVar("_Part")

# A substring of at most log2(_DIRECT_PER_ROW * n) bits gets a slot per value (its
# buckets found in one look-up); a longer one a directory of at most _SLOTS_PER_ROW * n
# slots on its top bits (a binary search in the slot finds the bucket).
_DIRECT_PER_ROW = 8
_SLOTS_PER_ROW = 2
_THREAD_WORK = 1 << 21  # work of a part of a batch searched by a thread, in rows (~1 ms)
# A kNN query whose probing would cost more than this share of a scan is scanned: the
# probing of a query with far neighbours wastes at most that much.
_KNN_BUDGET_SHARE = 0.25


def default_n_tables(n_bits: int, n_items: int) -> int:
    """Norouzi et al.'s choice ``m ~ n_bits / log2(N)``, with substrings of at most 64 bits.

    >>> default_n_tables(64, 1_000_000)
    3
    """
    m = round(n_bits / math.log2(max(n_items, 2)))
    return int(min(n_bits, max(m, 1, math.ceil(n_bits / 64))))


class _Tables(NamedTuple):
    """The hash tables (layout in :mod:`hashlearn.index._mih_kernels`)."""

    codes: np.ndarray  # (m * n, words) uint64: the codes, each table sorted by its substring
    rows: np.ndarray  # (m * n,) row of each entry
    dirs: np.ndarray  # directory slot bounds of every table
    layout: np.ndarray  # (m, 4) int64: first bit, bits, directory bits, directory start
    max_radius: int  # largest radius searched by probing (beyond: a flat scan)


def _slot_bits(sizes: np.ndarray, n: int) -> np.ndarray:
    """Directory bits of each table: all the substring's bits when its values are few
    (a slot per value), else its top bits (about two slots per row).

    >>> _slot_bits(np.array([21, 21, 22]), 1_000_000).tolist()
    [21, 21, 22]
    >>> _slot_bits(np.array([32, 32]), 1_000_000).tolist()
    [20, 20]
    """
    top = max(1, int(math.log2(max(1, _SLOTS_PER_ROW * n))))
    return np.where(2.0**sizes <= _DIRECT_PER_ROW * n, sizes, np.minimum(sizes, top))


def _in_threads(search: Callable[[int, int], _Part], n_queries: int, cost: int) -> list[_Part]:
    """``search(start, stop)`` over consecutive parts of the queries, in order, in a thread
    pool (the kernels release the GIL) with up to two parts per numba thread, each of at
    least ``_THREAD_WORK`` rows of work at ``cost`` rows per query; else in one part here:
    handing a part to a thread costs about 0.1 ms."""
    threads = _threads()
    n_parts = min(2 * threads, n_queries * cost // _THREAD_WORK)
    if threads == 1 or n_parts < 2:
        return [search(0, n_queries)]
    bounds = [n_queries * i // n_parts for i in range(n_parts + 1)]
    return list(_pool(threads).map(search, bounds[:-1], bounds[1:]))


def _threads() -> int:
    """Threads to search with: numba's setting (``NUMBA_NUM_THREADS``, ``set_num_threads``)."""
    return numba.get_num_threads()


@functools.cache
def _pool(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(threads, thread_name_prefix="hashlearn-mih")


def _joined(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """CSR results of consecutive parts of the queries as one.

    >>> a = (np.array([0, 1]), np.array([5]), np.array([7]))
    >>> [x.tolist() for x in _joined([a, a])]
    [[0, 1, 2], [5, 5], [7, 7]]
    """
    if len(parts) == 1:
        return parts[0]
    counts = np.concatenate([np.diff(lims) for lims, _, _ in parts])
    lims = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return lims, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])


class MultiIndexHashing(FlatIndex):
    """Exact Hamming search, sub-linear for small radii, by multi-index hashing.

    The code is cut into ``n_tables`` substrings of near-equal length; each
    table holds the codes sorted by one substring, so that the codes of a
    bucket are read in one sweep. A radius-``r`` query probes the buckets
    within ``r // m`` of the query's substrings (pigeonhole) and verifies full
    distances, so results are exact. kNN grows the radius until ``k`` items are
    certain; a query whose probing would cost more than a scan is answered by a
    flat scan. Tables are (re)built lazily at the first search after
    ``add``/``remove_ids``; they take ``m`` copies of the codes, a row number
    per copy and up to 8 directory slots per row (see :attr:`nbytes`).

    Parameters
    ----------
    n_bits : code length.
    n_tables : number of substrings ``m``; default ``round(n_bits / log2(ntotal))``
        chosen when the tables are built.
    model_fingerprint : the fingerprint of the model that made the codes (see
        :class:`~hashlearn.index.FlatIndex`).

    Examples
    --------
    >>> import numpy as np
    >>> index = MultiIndexHashing(8)
    >>> index.add(np.array([[3], [0]], np.uint8))
    >>> index.search(np.array([[1]], np.uint8), k=2)[1].tolist()
    [[0, 1]]
    """

    kind = "mih"

    def __init__(
        self, n_bits: int, n_tables: int | None = None, model_fingerprint: str | None = None
    ) -> None:
        super().__init__(n_bits, model_fingerprint)
        if n_tables is not None:
            check_int(n_tables, "n_tables", minimum=1)
            if not math.ceil(self.n_bits / 64) <= n_tables <= self.n_bits:
                raise ValueError(
                    f"n_tables must be between {math.ceil(self.n_bits / 64)} and n_bits="
                    f"{self.n_bits} (substrings of 1 to 64 bits), got {n_tables}"
                )
        self.n_tables = n_tables

    def _changed(self) -> None:
        self._tables: _Tables | None = None

    @property
    def m(self) -> int:
        """Number of substrings used for the current contents."""
        return self.n_tables or default_n_tables(self.n_bits, self.ntotal)

    def _bounds(self) -> np.ndarray:
        return np.array([j * self.n_bits // self.m for j in range(self.m + 1)], np.int64)

    def _tab(self) -> _Tables:
        if self._tables is None:
            self._tables = self._build()
        return self._tables

    def _build(self) -> _Tables:
        n, bounds = self.ntotal, self._bounds()
        sizes = np.diff(bounds)
        slot_bits = _slot_bits(sizes, n)
        bases = np.concatenate([[0], np.cumsum(2**slot_bits + 1)])
        layout = np.stack([bounds[:-1], sizes, slot_bits, bases[:-1]], axis=1)
        pos_type = np.int32 if n < 2**31 else np.int64
        words = mk.as_words64(self._rows)
        codes = np.empty((self.m * n, words.shape[1]), np.uint64)
        rows, dirs = np.empty(self.m * n, pos_type), np.empty(bases[-1], pos_type)
        mk.build_tables(words, layout, codes, rows, dirs)
        return _Tables(codes, rows, dirs, layout, self._max_probing_radius())

    def _step_probes(self, step: int) -> int:
        """Buckets probed at a step: table ``step % m`` at substring distance ``step // m``."""
        j = step % self.m
        size = (j + 1) * self.n_bits // self.m - j * self.n_bits // self.m  # as in _bounds
        return math.comb(size, step // self.m)

    def _probes(self, radius: int) -> int:
        """Buckets a query probes for a radius search (the steps ``0..radius``)."""
        return sum(self._step_probes(step) for step in range(radius + 1))

    def _max_probing_radius(self) -> int:
        """Largest radius searched by probing; beyond it, probing costs more than a scan."""
        probes, radius = 0, -1
        while radius < self.n_bits:
            probes += self._step_probes(radius + 1)
            if probes * mk.PROBE_COST > self.ntotal:
                break
            radius += 1
        return radius

    @property
    def nbytes(self) -> int:
        """Bytes held by the codes, ids and hash tables (tables built if needed)."""
        return super().nbytes + sum(a.nbytes for a in self._tab()[:4])

    def _knn(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if k >= self.ntotal or not q.shape[0]:
            return super()._knn(q, k)
        tab, budget = self._tab(), int(_KNN_BUDGET_SHARE * self.ntotal)
        od = np.full((q.shape[0], k), -1, np.int32)
        op = np.full((q.shape[0], k), -1, np.int64)
        words = mk.as_words64(q)

        def search(start: int, stop: int) -> np.ndarray:
            part = (words[start:stop], k, self.n_bits, budget, od[start:stop], op[start:stop])
            return mk.knn_search(*tab[:4], *part)

        over = np.concatenate(_in_threads(search, len(q), self.m * mk.PROBE_COST))
        if over.any():  # probing would cost more than a scan: batch them through the scan
            od[over], op[over] = super()._knn(q[over], k)
        return od, op

    def _range(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tab = self._tab()
        if radius > tab.max_radius or not q.shape[0]:
            return super()._range(q, radius)
        words = mk.as_words64(q)

        def search(start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            return mk.range_search(*tab[:4], words[start:stop], radius)

        cost = self._probes(radius) * mk.PROBE_COST
        lims, distances, rows = _joined(_in_threads(search, len(q), cost))
        return lims, distances, rows

    def __repr__(self) -> str:
        return (
            f"MultiIndexHashing(n_bits={self.n_bits}, n_tables={self.n_tables}, "
            f"ntotal={self.ntotal})"
        )
