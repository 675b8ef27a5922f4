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

import math
from typing import Any

import numba
import numpy as np

from hashlearn._validation import check_int
from hashlearn.index import _mih_kernels as mk
from hashlearn.index.flat import FlatIndex

__all__ = ["MultiIndexHashing", "default_n_tables"]

# A radius search probing more buckets than this share of the rows runs as a flat scan.
_FLAT_PROBE_SHARE = 1 / 1024
# Substrings of at most this many bits get a direct-address table (2**s + 1 bounds).
_DIRECT_MAX_BITS = 26
# ... and at most this many buckets per row: a 22-bit table over 1M rows (the third
# substring of a 64-bit code) stays direct, one look-up instead of a binary search.
_DIRECT_PER_ROW = 8
_SMALL = 32  # results per query held in the fast radius-search buffers
_CHUNK = 1 << 16  # queries per radius-search batch (bounds the buffers' memory)


def default_n_tables(n_bits: int, n_items: int) -> int:
    """Norouzi et al.'s choice ``m ~ n_bits / log2(N)``, with substrings of at most 64 bits.

    >>> default_n_tables(64, 1_000_000)
    3
    """
    m = round(n_bits / math.log2(max(n_items, 2)))
    return int(min(n_bits, max(m, 1, math.ceil(n_bits / 64))))


class MultiIndexHashing(FlatIndex):
    """Exact Hamming search, sub-linear for small radii, by multi-index hashing.

    The code is cut into ``n_tables`` substrings of near-equal length; each
    table sorts the rows by one substring. A radius-``r`` query probes the
    buckets within ``r // m`` of the query's substrings (pigeonhole) and
    verifies full distances, so results are exact. kNN grows the radius until
    ``k`` items are certain; a query whose probing would cost more than a scan
    is answered by a flat scan. Tables are (re)built lazily at the first search
    after ``add``/``remove_ids``.

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
        self._tables: tuple[Any, ...] | None = None

    @property
    def m(self) -> int:
        """Number of substrings used for the current contents."""
        return self.n_tables or default_n_tables(self.n_bits, self.ntotal)

    def _bounds(self) -> np.ndarray:
        return np.array([j * self.n_bits // self.m for j in range(self.m + 1)], np.int64)

    def _tab(self) -> tuple[Any, ...]:
        if self._tables is None:
            self._tables = self._build()
        return self._tables

    def _build(self) -> tuple[Any, ...]:
        bounds, rows_u8 = self._bounds(), self._rows.view(np.uint8)
        pos_type = np.int32 if self.ntotal < 2**31 else np.int64
        order = np.empty((self.m, self.ntotal), pos_type)
        sizes = np.diff(bounds)
        direct = (sizes <= _DIRECT_MAX_BITS) & (2.0**sizes <= _DIRECT_PER_ROW * max(self.ntotal, 1))
        keys, bstart, ks, base = [], [], [0], [0]
        for j in range(self.m):
            sub = mk.extract_keys(rows_u8, bounds[j], bounds[j + 1])
            if direct[j]:
                counts = np.bincount(sub.astype(np.int64), minlength=2 ** int(sizes[j]))
                bounds_j = np.concatenate([[0], np.cumsum(counts)])
                mk.counting_order(sub, bounds_j, order[j])
            else:
                order[j] = np.argsort(sub, kind="stable")
                uniq, first = np.unique(sub[order[j]], return_index=True)
                keys.append(uniq)
                bounds_j = np.append(first, self.ntotal)
            bstart.append(bounds_j.astype(pos_type))
            ks.append(ks[-1] + (0 if direct[j] else keys[-1].size))
            base.append(base[-1] + bounds_j.size)
        key_array = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
        as_int = lambda values: np.array(values, np.int64)  # noqa: E731
        tables = (key_array, np.concatenate(bstart), as_int(ks), as_int(base), order, sizes)
        return (*tables, direct, bounds)

    @property
    def nbytes(self) -> int:
        """Bytes held by the codes, ids and hash tables (tables built if needed)."""
        return super().nbytes + sum(a.nbytes for a in self._tab())

    def _n_chunks(self, nq: int) -> int:
        return max(1, min(nq, numba.get_num_threads()))

    def _knn(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        od = np.full((q.shape[0], k), -1, np.int32)
        op = np.full((q.shape[0], k), -1, np.int64)
        if self.ntotal and q.shape[0]:
            wit = (0,) * q.shape[1]
            budget = self.ntotal
            args = (self._tab(), self._rows, q, k, self.n_bits)
            over = mk.knn_mih(*args, self._n_chunks(q.shape[0]), budget, od, op, wit)
            if over.any():  # probing would cost more than a scan: batch them through the scan
                od[over], op[over] = super()._knn(q[over], k)
        return od, op

    def _probe_count(self, radius: int) -> int:
        sizes, m = np.diff(self._bounds()), self.m
        return sum(math.comb(int(sizes[s % m]), s // m) for s in range(radius + 1))

    def _range(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._probe_count(min(radius, self.n_bits)) > _FLAT_PROBE_SHARE * self.ntotal:
            return super()._range(q, radius)
        if self.ntotal == 0 or q.shape[0] == 0:
            return np.zeros(q.shape[0] + 1, np.int64), np.empty(0, np.int32), np.empty(0, np.int64)
        parts = [self._range_chunk(q[s : s + _CHUNK], radius) for s in range(0, len(q), _CHUNK)]
        if len(parts) == 1:
            return parts[0]
        counts = np.concatenate([np.diff(lims) for lims, _, _ in parts])
        lims = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        distances = np.concatenate([d for _, d, _ in parts])
        return lims, distances, np.concatenate([p for _, _, p in parts])

    def _range_chunk(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fixed small buffers per query; the few queries that overflow them run again."""
        nq, tab, wit = q.shape[0], self._tab(), (0,) * q.shape[1]
        bd, bp = np.empty((nq, _SMALL), np.int32), np.empty((nq, _SMALL), np.int64)
        counts = np.empty(nq, np.int64)
        with numba.parallel_chunksize(64):
            mk.range_mih_small(tab, self._rows, q, radius, bd, bp, counts, wit)
        over = np.flatnonzero(counts < 0)
        small = np.maximum(counts, 0)  # results held in the buffers (none where they overflowed)
        if over.size:
            with numba.parallel_chunksize(1):
                big = mk.range_mih(tab, self._rows, q[over], radius, wit)
            counts[over] = np.diff(big[0])
        lims = np.zeros(nq + 1, np.int64)
        np.cumsum(counts, out=lims[1:])
        out_d, out_p = np.empty(lims[-1], np.int32), np.empty(lims[-1], np.int64)
        mk.gather_small(bd, bp, small, lims, out_d, out_p)
        for i, qi in enumerate(over):
            src = slice(big[0][i], big[0][i + 1])
            out_d[lims[qi] : lims[qi + 1]], out_p[lims[qi] : lims[qi + 1]] = (
                big[1][src],
                big[2][src],
            )
        return lims, out_d, out_p

    def __repr__(self) -> str:
        return (
            f"MultiIndexHashing(n_bits={self.n_bits}, n_tables={self.n_tables}, "
            f"ntotal={self.ntotal})"
        )
