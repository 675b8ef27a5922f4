"""Checks and preparation of the inputs shared by every metric.

Codes become uint64 words (same Hamming distances), and the ground truth
becomes a :class:`Relevance` whose mode the kernels understand:

* ``CLASS``: 1-D labels, relevant iff equal (strings and other objects become
  integer codes, query and database labels encoded together);
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

from hashlearn._validation import NON_NUMERIC_KINDS, check_n_bits, check_packed, class_codes

CLASS, MULTI, DENSE, SPARSE = 0, 1, 2, 3


def _ints() -> np.ndarray:
    return np.zeros(1, dtype=np.int64)  # placeholder for a kernel argument a mode ignores


def _words() -> np.ndarray:
    return np.zeros((1, 1), dtype=np.uint64)


def _bools() -> np.ndarray:
    return np.zeros((1, 1), dtype=np.bool_)


def to_words(codes: np.ndarray) -> np.ndarray:
    """Packed uint8 rows -> zero-padded uint64 words (a copy, C-contiguous).

    >>> to_words(np.array([[1, 2]], np.uint8)).tolist()
    [[513]]
    """
    n, n_bytes = codes.shape
    out = np.zeros((n, max(1, (n_bytes + 7) // 8) * 8), dtype=np.uint8)
    out[:, :n_bytes] = codes
    return out.view("<u8").astype(np.uint64)


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming ``name``.

    >>> check_choice("zero", "empty", ("zero", "skip"))
    'zero'
    """
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int >= 1, else raise naming ``name``.

    >>> check_positive_int(5, "k")
    5
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


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


def _labels(y: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D class labels or a 2-D 0/1 matrix, got {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} rows, expected {n} (one per code)")
    if arr.ndim == 1 and arr.dtype.kind in NON_NUMERIC_KINDS:
        return arr  # strings or objects: encoded with the other side's labels
    if arr.dtype.kind == "b" or (
        arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))
    ):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integers (or, if 1-D, strings or objects), got dtype {arr.dtype}"
        )
    if arr.ndim == 2 and arr.size and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} as a 2-D multi-label matrix must contain only 0 and 1")
    return arr


def _label_relevance(qy: Any, dby: Any, nq: int, n_db: int) -> Relevance:
    if qy is None or dby is None:
        raise ValueError("query_labels and db_labels are both required unless relevance= is given")
    qy, dby = _labels(qy, nq, "query_labels"), _labels(dby, n_db, "db_labels")
    if qy.ndim != dby.ndim:
        raise ValueError(
            f"query_labels is {qy.ndim}-D but db_labels is {dby.ndim}-D; use the same kind"
        )
    if qy.ndim == 1:
        q_int, db_int = _class_label_codes(qy, dby)
        return Relevance(CLASS, q_int=q_int, db_int=db_int)
    if qy.shape[1] != dby.shape[1]:
        raise ValueError(
            f"query_labels has {qy.shape[1]} label columns but db_labels has {dby.shape[1]}"
        )
    pack = lambda a: to_words(np.packbits(a.astype(np.uint8), axis=1, bitorder="little"))  # noqa: E731
    return Relevance(MULTI, q_words=pack(qy), db_words=pack(dby))


def _class_label_codes(qy: np.ndarray, dby: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int64 codes of 1-D labels; strings and objects encoded jointly, so equal labels match."""
    named = [kind in NON_NUMERIC_KINDS for kind in (qy.dtype.kind, dby.dtype.kind)]
    if named[0] != named[1]:
        raise TypeError(
            f"query_labels (dtype {qy.dtype}) and db_labels (dtype {dby.dtype}) must be labels "
            "of the same kind: both numbers, or both strings or objects"
        )
    if not named[0]:
        return qy.astype(np.int64), dby.astype(np.int64)
    codes = class_codes(np.concatenate([qy, dby]), "query_labels and db_labels")
    return codes[: len(qy)], codes[len(qy) :]


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
