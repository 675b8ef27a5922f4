"""Exact Hamming search by a full scan: :class:`FlatIndex`.

>>> import numpy as np
>>> from hashlearn.index import FlatIndex
>>> index = FlatIndex(n_bits=8)
>>> index.add(np.array([[0b0000], [0b0011], [0b0001]], np.uint8))
>>> distances, ids = index.search(np.array([[0]], np.uint8), k=4)
>>> distances.tolist(), ids.tolist()
([[0, 1, 2, -1]], [[0, 2, 1, -1]])
"""

from __future__ import annotations

import os
from typing import Any

import numba
import numpy as np

from hashlearn._validation import check_int, check_n_bits, check_packed, n_bytes_for
from hashlearn.bits import to_words
from hashlearn.fingerprint import check_same_model
from hashlearn.index import _kernels
from hashlearn.index.io import load_index, save_index

__all__ = ["FlatIndex", "split_ids", "word_layout"]


def word_layout(n_bits: int) -> tuple[int, type]:
    """Bytes per stored row and the word type used to scan them.

    Widths of 1, 2 or 4 bytes or a multiple of 4 bytes are stored exactly;
    other widths are padded with zero bytes (to 4 bytes, then to a multiple of 8).

    >>> word_layout(64), word_layout(12), word_layout(100)
    ((8, <class 'numpy.uint64'>), (2, <class 'numpy.uint16'>), (16, <class 'numpy.uint64'>))
    """
    n_bytes = n_bytes_for(n_bits)
    if n_bytes % 8 == 0:
        word: type = np.uint64
    elif n_bytes <= 2:
        word = (np.uint8, np.uint16)[n_bytes - 1]
    else:
        word = np.uint32 if n_bytes <= 4 or n_bytes % 4 == 0 else np.uint64
    size = np.dtype(word).itemsize
    return -(-n_bytes // size) * size, word  # whole words, as to_words pads the rows


def split_ids(ids: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Row ids of a codes file as ``(ids, names)`` for :meth:`FlatIndex.add`.

    Integer ids stay ids; other ids (the file names of an image folder) become
    names, and the items get the ids 0, 1, 2, ...

    >>> split_ids(np.array([4, 7])), split_ids(["a.png", "b.png"])
    ((array([4, 7]), None), (None, array(['a.png', 'b.png'], dtype='<U5')))
    """
    if ids is None:
        return None, None
    arr = np.asarray(ids)
    return (arr, None) if arr.dtype.kind in "iu" else (None, arr.astype(str))


class FlatIndex:
    """Exact k-nearest-neighbour and radius search over packed binary codes.

    Results are exact and ties are broken by (distance, id). Without explicit
    ids, an item's id is its insertion rank and no id array is stored. Items
    may also carry names (``add(codes, names=...)``), e.g. file names.

    Parameters
    ----------
    n_bits : code length; codes are packed ``uint8`` of shape ``(n, ceil(n_bits / 8))``
        (``hashlearn.codes.pack_bits``, the faiss bit order).
    model_fingerprint : the fingerprint of the model that made the codes
        (:func:`hashlearn.fingerprint.model_fingerprint`), saved with the index;
        searches with queries of another model are then refused.

    Examples
    --------
    >>> import numpy as np
    >>> index = FlatIndex(16)
    >>> index.add(np.zeros((3, 2), np.uint8), ids=np.array([7, 3, 5]))
    >>> index.search(np.zeros((1, 2), np.uint8), k=2)[1].tolist()
    [[3, 5]]
    """

    kind = "flat"

    def __init__(self, n_bits: int, model_fingerprint: str | None = None) -> None:
        self.n_bits = check_n_bits(n_bits)
        self.model_fingerprint = model_fingerprint
        self.n_bytes = n_bytes_for(self.n_bits)
        self._row_bytes, self._word = word_layout(self.n_bits)
        self.reset()

    # ----------------------------------------------------------------- storage
    def reset(self) -> None:
        """Remove every item."""
        n_words = self._row_bytes // np.dtype(self._word).itemsize
        self._rows: np.ndarray = np.zeros((0, n_words), self._word)
        self._ids: np.ndarray | None = None  # None: ids are 0..ntotal-1 (row positions)
        self._names: np.ndarray | None = None  # None: the items have no names
        self._changed()

    def _changed(self) -> None:
        """Hook for subclasses whose structures depend on the stored rows."""

    @property
    def ntotal(self) -> int:
        """Number of items in the index."""
        return int(self._rows.shape[0])

    def __len__(self) -> int:
        return self.ntotal

    @property
    def nbytes(self) -> int:
        """Bytes held by the stored codes and ids."""
        return int(self._rows.nbytes + (0 if self._ids is None else self._ids.nbytes))

    def codes(self) -> np.ndarray:
        """The stored codes, packed ``uint8`` (ntotal, n_bytes), in id order (a copy)."""
        return self.codes_view().copy()

    def codes_view(self) -> np.ndarray:
        """The stored codes as :meth:`codes` gives them, without a copy: a read-only view,
        valid until the next ``add`` or ``remove_ids``.

        >>> index = FlatIndex(12); index.add(np.array([[1, 2]], np.uint8))
        >>> index.codes_view().tolist(), index.codes_view().flags.writeable
        ([[1, 2]], False)
        """
        return _read_only(self._rows.view(np.uint8)[:, : self.n_bytes])

    def ids(self) -> np.ndarray:
        """The stored ids (int64, ascending)."""
        return np.arange(self.ntotal, dtype=np.int64) if self._ids is None else self._ids.copy()

    @property
    def explicit_ids(self) -> np.ndarray | None:
        """The stored id array (read-only view, ascending), or None when the ids are the
        insertion ranks ``0..ntotal-1`` and no id array is stored.

        >>> index = FlatIndex(8); index.add(np.zeros((2, 1), np.uint8))
        >>> index.explicit_ids is None
        True
        """
        return None if self._ids is None else _read_only(self._ids)

    @property
    def has_names(self) -> bool:
        """Whether the items carry names (see :meth:`add`)."""
        return self._names is not None and self.ntotal > 0

    def names(self, ids: Any = None) -> np.ndarray:
        """The names of the items with ``ids`` (e.g. search results), or of all items in id order.

        >>> index = FlatIndex(8); index.add(np.zeros((2, 1), np.uint8), names=["a", "b"])
        >>> index.names([1]).tolist()
        ['b']
        """
        if self._names is None or not self.has_names:
            raise ValueError("this index holds no names: add them with add(codes, names=...)")
        if ids is None:
            return self._names.copy()
        wanted = np.asarray(ids, dtype=np.int64)
        stored = self.ids()
        positions = np.clip(np.searchsorted(stored, wanted), 0, self.ntotal - 1)
        if not np.array_equal(stored[positions], wanted):
            raise ValueError("ids: some ids are not in the index (-1 marks a missing result)")
        return self._names[positions]

    def add(self, codes: Any, ids: Any = None, names: Any = None) -> None:
        """Add packed codes, with optional unique int64 ids (default: next free ids)
        and optional names (one string per code; all items have names or none).

        >>> index = FlatIndex(8)
        >>> index.add(np.zeros((2, 1), np.uint8), names=["a.png", "b.png"]); len(index)
        2
        """
        codes = check_packed(codes, self.n_bits, name="codes")
        all_names = self._names_after_add(names, codes.shape[0])
        start = 0 if self.ntotal == 0 else int(self.ids()[-1]) + 1
        new_ids = self._check_new_ids(ids, codes.shape[0], start)
        rows = np.concatenate([self._rows, to_words(codes, self._word)])
        if new_ids is None:
            self._rows, self._names = rows, all_names
            self._changed()
            return
        all_ids = np.concatenate([self.ids(), new_ids])
        order = np.argsort(all_ids, kind="stable")
        all_ids = all_ids[order]
        if all_ids.size > 1 and np.any(all_ids[1:] == all_ids[:-1]):
            raise ValueError("ids must be unique and not already in the index")
        in_order = bool(np.all(order[1:] > order[:-1]))
        self._rows = rows if in_order else rows[order]
        self._names = all_names if all_names is None or in_order else all_names[order]
        self._ids = None if _is_range(all_ids) else all_ids
        self._changed()

    def _names_after_add(self, names: Any, n: int) -> np.ndarray | None:
        """The stored names followed by the new ones (None when the items have no names)."""
        named = self._names is not None and self.ntotal > 0
        if names is None:
            if named and n:
                raise ValueError("names: every item of this index has a name; give one per code")
            return self._names if named else None
        if self.ntotal > 0 and not named:
            raise ValueError("names: the items of this index have no names; add codes without")
        arr = np.asarray(names)
        if arr.ndim != 1 or arr.shape[0] != n:
            raise ValueError(f"names must be 1-D with one name per code ({n}), got {arr.shape}")
        return np.concatenate([self._names if named else np.empty(0, str), arr.astype(str)])

    def _check_new_ids(self, ids: Any, n: int, start: int) -> np.ndarray | None:
        if ids is None:
            return None if self._ids is None else np.arange(start, start + n, dtype=np.int64)
        arr = np.asarray(ids)
        if arr.ndim != 1 or arr.shape[0] != n:
            raise ValueError(f"ids must be 1-D with one id per code ({n}), got shape {arr.shape}")
        if arr.size and arr.dtype.kind not in "iu":
            raise TypeError(f"ids must be integers, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        if arr.size and arr.min() < 0:
            raise ValueError("ids must be >= 0 (-1 marks a missing result)")
        if self._ids is None and np.array_equal(arr, np.arange(start, start + n)):
            return None
        return arr

    def remove_ids(self, ids: Any) -> int:
        """Remove the items with these ids (unknown ids are ignored); return how many.

        >>> index = FlatIndex(8); index.add(np.zeros((3, 1), np.uint8))
        >>> index.remove_ids([0, 9]), index.ids().tolist()
        (1, [1, 2])
        """
        arr = np.asarray(ids)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise TypeError(f"ids must be a 1-D array of integers, got {arr.dtype} {arr.shape}")
        keep = ~np.isin(self.ids(), arr)
        removed = int(self.ntotal - keep.sum())
        if removed:
            kept_ids = self.ids()[keep]
            self._rows = np.ascontiguousarray(self._rows[keep])
            self._names = None if self._names is None else self._names[keep]
            self._ids = None if _is_range(kept_ids) else kept_ids
            self._changed()
        return removed

    # ------------------------------------------------------------------ search
    def _queries(
        self, queries: Any, query_fingerprint: str | None, allow_other_model: bool
    ) -> np.ndarray:
        check_same_model(self.model_fingerprint, query_fingerprint, allow_other_model)
        return to_words(check_packed(queries, self.n_bits, name="queries"), self._word)

    def _map_ids(self, positions: np.ndarray) -> np.ndarray:
        if self._ids is None:
            return positions
        out = np.full(positions.shape, -1, np.int64)
        found = positions >= 0
        out[found] = self._ids[positions[found]]
        return out

    def search(
        self,
        queries: Any,
        k: int,
        *,
        query_fingerprint: str | None = None,
        allow_other_model: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest items of each query, sorted by (distance, id).

        Returns int32 distances and int64 ids of shape (n_queries, k), padded
        with -1 when the index holds fewer than ``k`` items. When the index and
        ``query_fingerprint`` (the fingerprint of the model that encoded the
        queries) both name a model and differ, the search is refused (a
        ``ValueError``) unless ``allow_other_model=True``.
        """
        q = self._queries(queries, query_fingerprint, allow_other_model)
        distances, positions = self._knn(q, check_int(k, "k", minimum=1))
        return distances, self._map_ids(positions)

    def _knn(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances and row positions of the ``k`` nearest rows (checked query words)."""
        return _kernels.knn_search(self._rows, q, k, self.n_bits, numba.get_num_threads())

    def range_search(
        self,
        queries: Any,
        radius: int,
        *,
        query_fingerprint: str | None = None,
        allow_other_model: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All items within Hamming distance ``radius`` (inclusive) of each query.

        Returns ``(lims, distances, ids)`` as faiss does: the results of query
        ``i`` are ``distances[lims[i]:lims[i+1]]``, sorted by (distance, id).
        ``query_fingerprint`` and ``allow_other_model`` as in :meth:`search`.
        """
        q = self._queries(queries, query_fingerprint, allow_other_model)
        lims, distances, positions = self._range(q, check_int(radius, "radius", minimum=0))
        return lims, distances, self._map_ids(positions)

    def _range(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR ``(lims, distances, row positions)`` within ``radius`` (checked query words)."""
        return _kernels.range_search(self._rows, q, radius, self.n_bits)

    # ------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to one file (atomic; versioned header, sha256 checksum)."""
        save_index(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FlatIndex:
        """Read an index of this class written by :meth:`save`.

        A file of another class is refused (a ``TypeError``);
        :func:`hashlearn.index.load_index` reads any index file.
        """
        index = load_index(path)
        if type(index) is not cls:
            kind = type(index).__name__
            raise TypeError(
                f"{path} holds a {kind}, not a {cls.__name__}: load it with {kind}.load(path) "
                "or hashlearn.index.load_index(path)"
            )
        return index

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_bits={self.n_bits}, ntotal={self.ntotal})"


def _is_range(ids: np.ndarray) -> bool:
    return bool(ids.size == 0 or (ids[0] == 0 and ids[-1] == ids.size - 1))


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view
