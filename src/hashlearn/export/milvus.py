"""Serve Hamming search from Milvus: a server, or Milvus Lite inside the process.

Codes go into a ``BINARY_VECTOR`` field ``code`` of ``8 * ceil(n_bits / 8)``
dimensions, each vector the packed bytes of one code as they are. Milvus's
``HAMMING`` metric counts the differing bits of the bytes (XOR and popcount),
which does not depend on how Milvus numbers the bits inside a byte, so its
distances are those of :func:`hashlearn.codes.hamming_distance`; the spare bits
past ``n_bits`` are zero in both database and queries (``check_packed`` refuses
codes where they are not) and add nothing. Indexes: ``BIN_FLAT`` (exact) or
``BIN_IVF_FLAT`` (approximate: ``nlist`` clusters, ``nprobe`` of them searched);
Milvus Lite supports only ``BIN_FLAT``. Needs ``pip install "hashlearn[milvus]"``
(pymilvus, and milvus-lite < 3 for a local file: Milvus Lite 3 has no binary
vectors).

Example (Milvus Lite in a local file, or a server's URI)::

    from pymilvus import MilvusClient
    from hashlearn.export import export_codes_milvus, search_codes_milvus
    client = MilvusClient("codes.db")  # or "http://127.0.0.1:19530"
    export_codes_milvus(client, "items", codes, n_bits=64, labels=y)
    distances, ids = search_codes_milvus(client, "items", query_codes, n_bits=64, k=10)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._validation import (
    check_int,
    check_int64_column,
    check_n_bits,
    check_packed,
    check_positive_int,
)

#: Index types for binary vectors with the HAMMING metric.
INDEX_TYPES = ("BIN_FLAT", "BIN_IVF_FLAT")
#: Milvus's largest ``limit`` (top k) for one search.
MAX_K = 16384
#: Query codes sent per search request.
QUERY_BATCH = 1024


def _data_type() -> Any:
    try:
        from pymilvus import DataType
    except ImportError:
        raise ImportError(
            'exporting to Milvus needs pymilvus: pip install "hashlearn[milvus]"'
        ) from None
    return DataType


def _check_ids(ids: Any, n_rows: int) -> np.ndarray:
    """Ids as int64 (default 0..n-1); Milvus does not enforce unique keys, so this does."""
    if ids is None:
        return np.arange(n_rows, dtype=np.int64)
    ids = check_int64_column(ids, n_rows, "ids")
    if np.unique(ids).size != n_rows:
        raise ValueError("ids must be unique (the collection's primary key)")
    return ids


def _create_collection(
    client: Any, collection: str, dim: int, with_labels: bool, index: str, nlist: int
) -> None:
    data_type = _data_type()
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", data_type.INT64, is_primary=True)
    schema.add_field("code", data_type.BINARY_VECTOR, dim=dim)
    if with_labels:
        schema.add_field("label", data_type.INT64)
    index_params = client.prepare_index_params()
    params = {"nlist": nlist} if index == "BIN_IVF_FLAT" else {}
    index_params.add_index(
        field_name="code", index_type=index, metric_type="HAMMING", params=params
    )
    client.create_collection(
        collection, schema=schema, index_params=index_params, consistency_level="Strong"
    )


def _insert_rows(
    client: Any,
    collection: str,
    codes: np.ndarray,
    ids: np.ndarray,
    labels: np.ndarray | None,
    batch: int,
) -> None:
    for start in range(0, codes.shape[0], batch):
        stop = start + batch
        rows = [
            {"id": row_id, "code": code.tobytes()}
            for row_id, code in zip(ids[start:stop].tolist(), codes[start:stop], strict=True)
        ]
        if labels is not None:
            for row, label in zip(rows, labels[start:stop].tolist(), strict=True):
                row["label"] = label
        client.insert(collection, rows)


def export_codes_milvus(
    client: Any,
    collection: str,
    codes: np.ndarray,
    n_bits: int,
    ids: Any = None,
    *,
    labels: Any = None,
    index: str = "BIN_FLAT",
    replace: bool = False,
    nlist: int = 128,
    batch: int = 10_000,
) -> int:
    """Create ``collection`` (``id`` INT64 key, ``code`` BINARY_VECTOR, ``label``) and fill it.

    An export that fails after creating the collection drops it again.

    Parameters
    ----------
    client : a ``pymilvus.MilvusClient`` (Milvus Lite file or server URI).
    collection : collection name.
    codes : (n, ceil(n_bits/8)) packed uint8 codes.
    ids : unique int64 ids (default 0..n-1), one per code.
    labels : optional int64 labels, one per code, stored in an INT64 field ``label``.
    index : ``"BIN_FLAT"`` (exact) or ``"BIN_IVF_FLAT"`` (approximate), metric HAMMING.
    replace : drop an existing collection of that name first; without it an
        existing collection is a ``ValueError``.
    nlist : clusters of ``BIN_IVF_FLAT``.
    batch : rows sent per insert request.

    Returns
    -------
    int
        The number of rows written.
    """
    n_bits = check_n_bits(n_bits)
    codes = check_packed(codes, n_bits, "codes")
    nlist = check_int(nlist, "nlist", minimum=1, maximum=65536)
    batch = check_positive_int(batch, "batch")
    if index not in INDEX_TYPES:
        raise ValueError(f"index must be one of {INDEX_TYPES}, got {index!r}")
    ids = _check_ids(ids, codes.shape[0])
    if labels is not None:
        labels = check_int64_column(labels, codes.shape[0], "labels")
    if client.has_collection(collection):
        if not replace:
            raise ValueError(
                f"collection {collection!r} already exists; "
                "pass replace=True to drop and rewrite it"
            )
        client.drop_collection(collection)
    try:
        _create_collection(client, collection, 8 * codes.shape[1], labels is not None, index, nlist)
        _insert_rows(client, collection, codes, ids, labels, batch)
        client.flush(collection)
    except BaseException:
        if client.has_collection(collection):
            client.drop_collection(collection)
        raise
    return int(codes.shape[0])


def search_codes_milvus(
    client: Any,
    collection: str,
    query_codes: np.ndarray,
    n_bits: int,
    k: int,
    *,
    nprobe: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k by Hamming distance, shaped like ``FlatIndex.search``.

    ``nprobe`` (``BIN_IVF_FLAT`` only) is the number of clusters searched: more
    is slower and finds more of the true neighbours. Distance ties are returned
    in Milvus's order, not necessarily by id. Missing results are padded with -1.

    Returns (distances int32 (nq, k), ids int64 (nq, k)).
    """
    n_bits = check_n_bits(n_bits)
    query_codes = check_packed(query_codes, n_bits, "query_codes")
    k = check_int(k, "k", minimum=1, maximum=MAX_K)
    params = {} if nprobe is None else {"nprobe": check_positive_int(nprobe, "nprobe")}
    distances = np.full((query_codes.shape[0], k), -1, dtype=np.int32)
    ids = np.full((query_codes.shape[0], k), -1, dtype=np.int64)
    for start in range(0, query_codes.shape[0], QUERY_BATCH):
        batch = query_codes[start : start + QUERY_BATCH]
        results = client.search(
            collection,
            data=[code.tobytes() for code in batch],
            anns_field="code",
            limit=k,
            search_params={"metric_type": "HAMMING", "params": params},
        )
        for row, hits in enumerate(results, start=start):
            ids[row, : len(hits)] = [hit["id"] for hit in hits]
            distances[row, : len(hits)] = [round(hit["distance"]) for hit in hits]
    return distances, ids
