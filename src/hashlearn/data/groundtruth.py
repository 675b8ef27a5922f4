"""Exact Euclidean k-nearest-neighbour ground truth (unsupervised protocols).

Squared distances ``|q|^2 - 2 q.d + |d|^2`` are computed in float64 over query
chunks; a partition finds the k-th distance, and every candidate up to it is
ordered by (distance, database index), so ties break by the smaller index.
Results are cached on disk keyed by a sha256 of the inputs and k.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._cache import load_array, save_array
from .paths import PathLike, resolve_cache_dir


def _exact_knn(queries: np.ndarray, database: np.ndarray, k: int, chunk: int) -> np.ndarray:
    db = np.asarray(database, dtype=np.float64)
    db_sq = np.einsum("ij,ij->i", db, db)
    out = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), chunk):
        q = np.asarray(queries[start : start + chunk], dtype=np.float64)
        d2 = db_sq[None, :] - 2.0 * (q @ db.T) + np.einsum("ij,ij->i", q, q)[:, None]
        kth = np.partition(d2, k - 1, axis=1)[:, k - 1]
        for i, row in enumerate(d2):
            cand = np.flatnonzero(row <= kth[i])  # all ties at the k-th distance
            out[start + i] = cand[np.lexsort((cand, row[cand]))[:k]]
    return out


def _inputs_key(queries: np.ndarray, database: np.ndarray, k: int) -> dict[str, object]:
    digest = hashlib.sha256()
    for arr in (queries, database):
        a = np.ascontiguousarray(arr)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return {"inputs_sha256": digest.hexdigest(), "k": int(k), "version": 1}


def knn_ground_truth(
    queries: np.ndarray,
    database: np.ndarray,
    k: int = 50,
    *,
    cache_dir: PathLike | None = None,
    use_cache: bool = True,
    chunk: int = 256,
) -> np.ndarray:
    """Ids (nq, k) of each query's k nearest database rows (Euclidean, exact).

    Ties in distance are broken by the smaller database index.

    Examples
    --------
    >>> db = np.array([[0.0], [1.0], [3.0]])
    >>> knn_ground_truth(np.array([[0.9], [2.9]]), db, k=2, use_cache=False).tolist()
    [[1, 0], [2, 1]]
    """
    queries, database = np.asarray(queries), np.asarray(database)
    if queries.ndim != 2 or database.ndim != 2 or queries.shape[1] != database.shape[1]:
        raise ValueError(
            f"queries/database: need 2-D arrays with equal columns, got "
            f"{queries.shape} and {database.shape}"
        )
    if not 1 <= k <= database.shape[0]:
        raise ValueError(f"k: must lie in [1, {database.shape[0]}], got {k}")
    if not use_cache:
        return _exact_knn(queries, database, k, chunk)
    key = _inputs_key(queries, database, k)
    digest = str(key["inputs_sha256"])[:24]
    path = resolve_cache_dir(cache_dir) / "groundtruth" / f"knn-{digest}-{k}.npy"
    ids = load_array(path, key)
    if ids is None:
        ids = _exact_knn(queries, database, k, chunk)
        save_array(path, ids, key)
    return ids


def knn_relevance(
    queries: np.ndarray, database: np.ndarray, k: int = 50, **kwargs: Any
) -> sp.csr_matrix:
    """Boolean CSR matrix (nq, n_db): True where the database item is a query's k-NN.

    Examples
    --------
    >>> r = knn_relevance(np.array([[0.0]]), np.array([[0.0], [5.0], [1.0]]), k=2, use_cache=False)
    >>> r.toarray().tolist()
    [[True, False, True]]
    """
    ids = knn_ground_truth(queries, database, k, **kwargs)
    nq = ids.shape[0]
    indptr = np.arange(0, nq * k + 1, k, dtype=np.int64)
    data = np.ones(nq * k, dtype=bool)
    rel = sp.csr_matrix(
        (data, np.sort(ids, axis=1).ravel(), indptr), shape=(nq, np.asarray(database).shape[0])
    )
    return rel
