"""Checks and preparation of the inputs shared by every metric.

Codes become uint64 words (:func:`hashlearn.bits.to_words`: same Hamming
distances), and the ground truth becomes a :class:`Relevance` whose mode the
kernels understand:

* ``CLASS``: 1-D labels, relevant iff equal (strings and other objects become
  integer codes, query and database labels encoded together:
  :func:`hashlearn._validation.check_label_pair`);
* ``MULTI``: 2-D 0/1 label matrices packed into uint64 words, relevant iff
  they share a label (an all-zero row is relevant to nothing);
* ``DENSE``: an explicit boolean (nq, n_db) matrix;
* ``SPARSE``: an explicit scipy.sparse (nq, n_db) matrix, kept as CSR with
  sorted column ids (e.g. Euclidean-kNN ground truth); nonzero entries are relevant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from hashlearn._validation import check_label_pair, check_n_bits, check_packed
from hashlearn.bits import to_words

CLASS, MULTI, DENSE, SPARSE = 0, 1, 2, 3


def _ints() -> np.ndarray:
    return np.zeros(1, dtype=np.int64)  # placeholder for a kernel argument a mode ignores


def _words() -> np.ndarray:
    return np.zeros((1, 1), dtype=np.uint64)


def _bools() -> np.ndarray:
    return np.zeros((1, 1), dtype=np.bool_)


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming ``name``.

    >>> check_choice("zero", "empty", ("zero", "skip"))
    'zero'
    """
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


@dataclass(frozen=True)
class Relevance:
    """Ground truth in the form the kernels read (see module docstring)."""

    mode: int
    q_int: np.ndarray = field(default_factory=_ints)
    db_int: np.ndarray = field(default_factory=_ints)
    q_words: np.ndarray = field(default_factory=_words)
    db_words: np.ndarray = field(default_factory=_words)
    dense: np.ndarray = field(default_factory=_bools)
    indptr: np.ndarray = field(default_factory=_ints)
    indices: np.ndarray = field(default_factory=_ints)

    def rows(self, lo: int, hi: int) -> tuple[np.ndarray, ...]:
        """Kernel arguments for queries ``lo:hi`` (query-side arrays sliced)."""
        q_int = self.q_int[lo:hi] if self.mode == CLASS else self.q_int
        q_words = self.q_words[lo:hi] if self.mode == MULTI else self.q_words
        dense = self.dense[lo:hi] if self.mode == DENSE else self.dense
        indptr = self.indptr[lo : hi + 1] if self.mode == SPARSE else self.indptr
        return q_int, self.db_int, q_words, self.db_words, dense, indptr, self.indices


def _label_relevance(qy: Any, dby: Any, nq: int, n_db: int) -> Relevance:
    if qy is None or dby is None:
        raise ValueError("query_labels and db_labels are both required unless relevance= is given")
    q, db = check_label_pair(qy, dby, nq, n_db)
    if q.ndim == 1:
        return Relevance(CLASS, q_int=q, db_int=db)
    return Relevance(MULTI, q_words=pack_label_rows(q), db_words=pack_label_rows(db))


def pack_label_rows(labels: np.ndarray) -> np.ndarray:
    """The rows of a 0/1 label matrix as the ``MULTI`` kernels read them: uint64 words.

    >>> pack_label_rows(np.array([[1, 0, 1]]))
    array([[5]], dtype=uint64)
    """
    return to_words(np.packbits(labels.astype(np.uint8), axis=1, bitorder="little"))


def _explicit_relevance(rel: Any, nq: int, n_db: int) -> Relevance:
    shape = rel.shape if hasattr(rel, "shape") else np.shape(rel)
    if tuple(shape) != (nq, n_db):
        raise ValueError(f"relevance must have shape (n_queries, n_db) = {(nq, n_db)}, got {shape}")
    if sp.issparse(rel):
        csr = sp.csr_matrix(rel, copy=True)
        csr.eliminate_zeros()
        csr.sort_indices()
        return Relevance(
            SPARSE, indptr=csr.indptr.astype(np.int64), indices=csr.indices.astype(np.int64)
        )
    arr = np.asarray(rel)
    if arr.dtype.kind != "b" and (
        arr.dtype.kind not in "iu" or (arr.size and not np.all((arr == 0) | (arr == 1)))
    ):
        raise TypeError(f"relevance must be a boolean (or 0/1) matrix, got dtype {arr.dtype}")
    return Relevance(DENSE, dense=np.ascontiguousarray(arr, dtype=np.bool_))


def prepare(
    query_codes: Any, db_codes: Any, query_labels: Any, db_labels: Any, n_bits: Any, relevance: Any
) -> tuple[np.ndarray, np.ndarray, Relevance, int]:
    """Validate everything; return (query words, database words, relevance, n_bits)."""
    n_bits = check_n_bits(n_bits)
    q = check_packed(query_codes, n_bits, "query_codes")
    db = check_packed(db_codes, n_bits, "db_codes")
    if db.shape[0] == 0:
        raise ValueError("db_codes is empty: there is nothing to rank")
    nq, n_db = q.shape[0], db.shape[0]
    if relevance is not None:
        if query_labels is not None or db_labels is not None:
            raise ValueError("give either relevance= or query_labels/db_labels, not both")
        rel = _explicit_relevance(relevance, nq, n_db)
    else:
        rel = _label_relevance(query_labels, db_labels, nq, n_db)
    return to_words(q), to_words(db), rel, n_bits
