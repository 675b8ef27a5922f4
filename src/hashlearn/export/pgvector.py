"""Serve Hamming search from PostgreSQL with the pgvector extension.

Codes go into a ``bit(n_bits)`` column (character ``j`` of the bit string is
code dimension ``j``, so Hamming distances are those of
:func:`hashlearn.codes.hamming_distance`), searched with pgvector's Hamming
operator ``<~>`` and indexed with ``hnsw (code bit_hamming_ops)`` (pgvector >=
0.7). Needs the ``psycopg`` (v3) driver: ``pip install "psycopg[binary]"``.

Example (with a running server)::

    import psycopg
    from hashlearn.export import export_codes, search_codes
    with psycopg.connect("postgresql://user@127.0.0.1:5432/db") as conn:
        export_codes(conn, "items", codes, n_bits=64)
        distances, ids = search_codes(conn, "items", query_codes, n_bits=64, k=10)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashlearn._validation import (
    check_int64_column,
    check_n_bits,
    check_packed,
    check_positive_int,
)
from hashlearn.codes import unpack_bits


def _sql() -> Any:
    try:
        from psycopg import sql
    except ImportError:
        raise ImportError(
            'exporting to PostgreSQL needs psycopg 3: pip install "psycopg[binary]"'
        ) from None
    return sql


def codes_to_bitstrings(codes: np.ndarray, n_bits: int) -> list[str]:
    """Packed codes -> strings of '0'/'1' (dimension j at position j), for ``bit(n)``.

    >>> codes_to_bitstrings(np.array([[1, 1]], np.uint8), n_bits=9)
    ['100000001']
    """
    n_bits = check_n_bits(n_bits)
    bits = unpack_bits(codes, n_bits)
    chars = np.where(bits == 1, ord("1"), ord("0")).astype(np.uint8)
    return [row.tobytes().decode("ascii") for row in chars]


def export_codes(
    conn: Any,
    table: str,
    codes: np.ndarray,
    n_bits: int,
    ids: Any = None,
    *,
    hnsw: bool = True,
    replace: bool = False,
    chunk: int = 50_000,
) -> int:
    """Create ``table (id bigint primary key, code bit(n_bits))`` and fill it.

    All of it runs in one transaction: an export that fails (an existing table
    without ``replace``, duplicate ids, a lost connection...) is rolled back,
    leaves no table behind and the connection usable. Work the caller had
    pending in an open transaction is kept (the export then runs in a savepoint).

    Parameters
    ----------
    conn : an open psycopg 3 connection (committed on success).
    table : table name (quoted as an identifier).
    codes : (n, ceil(n_bits/8)) packed uint8 codes.
    ids : int64 ids (default 0..n-1), one per code.
    hnsw : build ``USING hnsw (code bit_hamming_ops)`` after loading.
    replace : drop an existing table of that name first; without it an
        existing table is a ``ValueError``.
    chunk : rows sent per COPY batch.

    Returns
    -------
    int
        The number of rows written.
    """
    n_bits = check_n_bits(n_bits)
    codes = check_packed(codes, n_bits, "codes")
    chunk = check_positive_int(chunk, "chunk")
    n_rows = codes.shape[0]
    ids = np.arange(n_rows) if ids is None else check_int64_column(ids, n_rows, "ids")
    with conn.transaction(), conn.cursor() as cur:
        _create_table(cur, table, n_bits, replace)
        _copy_rows(cur, table, codes, n_bits, ids, chunk)
        if hnsw:
            sql = _sql()
            cur.execute(
                sql.SQL("CREATE INDEX {} ON {} USING hnsw (code bit_hamming_ops)").format(
                    sql.Identifier(f"{table}_code_hnsw"), sql.Identifier(table)
                )
            )
    conn.commit()
    return int(codes.shape[0])


def _create_table(cur: Any, table: str, n_bits: int, replace: bool) -> None:
    """Create the codes table (dropping an old one when ``replace``); refuse an existing one."""
    sql = _sql()
    from psycopg import errors

    name = sql.Identifier(table)
    cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
    if replace:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
    create = sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, code bit({}) NOT NULL)")
    try:
        cur.execute(create.format(name, sql.Literal(n_bits)))
    except errors.DuplicateTable:
        raise ValueError(
            f"table {table!r} already exists; pass replace=True to drop and rewrite it"
        ) from None


def _copy_rows(
    cur: Any, table: str, codes: np.ndarray, n_bits: int, ids: np.ndarray, chunk: int
) -> None:
    """COPY (id, code) rows into ``table``, ``chunk`` rows at a time."""
    sql = _sql()
    copy_sql = sql.SQL("COPY {} (id, code) FROM STDIN").format(sql.Identifier(table))
    for start in range(0, codes.shape[0], chunk):
        strings = codes_to_bitstrings(codes[start : start + chunk], n_bits)
        with cur.copy(copy_sql) as copy:
            for row_id, text in zip(ids[start : start + chunk].tolist(), strings, strict=True):
                copy.write_row((row_id, text))


def search_codes(
    conn: Any,
    table: str,
    query_codes: np.ndarray,
    n_bits: int,
    k: int,
    *,
    exact: bool = False,
    ef_search: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k by Hamming distance (``<~>``), shaped like ``FlatIndex.search``.

    ``exact=True`` disables index scans (a sequential scan and sort: exact,
    ties broken by id); otherwise the HNSW index answers (approximate; raise
    ``ef_search`` for better recall). Missing results are padded with -1.

    Returns (distances int32 (nq, k), ids int64 (nq, k)).
    """
    sql = _sql()
    n_bits = check_n_bits(n_bits)
    query_codes = check_packed(query_codes, n_bits, "query_codes")
    k = check_positive_int(k, "k")
    distances = np.full((query_codes.shape[0], k), -1, dtype=np.int32)
    ids = np.full((query_codes.shape[0], k), -1, dtype=np.int64)
    order = ", id" if exact else ""  # a second sort key would bypass the HNSW index
    query = sql.SQL(
        "SELECT id, (code <~> %(q)s::bit({n}))::int AS d FROM {t} "
        "ORDER BY code <~> %(q)s::bit({n}){order} LIMIT %(k)s"
    ).format(n=sql.Literal(n_bits), t=sql.Identifier(table), order=sql.SQL(order))
    with conn.transaction(), conn.cursor() as cur:
        if exact:
            cur.execute("SET LOCAL enable_indexscan = off")
        if ef_search is not None:
            cur.execute(
                sql.SQL("SET LOCAL hnsw.ef_search = {}").format(sql.Literal(int(ef_search)))
            )
        for row, text in enumerate(codes_to_bitstrings(query_codes, n_bits)):
            cur.execute(query, {"q": text, "k": int(k)})
            found = cur.fetchall()
            ids[row, : len(found)] = [r[0] for r in found]
            distances[row, : len(found)] = [r[1] for r in found]
    return distances, ids
