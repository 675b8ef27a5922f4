"""Brute-force references for the index tests: slow, obvious, and independent of the kernels."""

from __future__ import annotations

import numpy as np
import pytest

from hashlearn.codes import hamming_distance


def random_codes(rng: np.random.Generator, n: int, n_bits: int, pool: int = 0) -> np.ndarray:
    """Packed random codes; with ``pool > 0`` drawn from ``pool`` distinct codes (duplicates)."""
    bits = rng.integers(0, 2, (pool or n, n_bits), dtype=np.uint8)
    if pool:
        bits = bits[rng.integers(0, pool, n)]
    return np.packbits(bits, axis=1, bitorder="little").reshape(n, (n_bits + 7) // 8)


def reference_knn(db, ids, queries, n_bits, k):
    """Sort every item by (distance, id) with a stable lexsort and keep k, padded with -1."""
    dist = hamming_distance(queries, db, n_bits)
    out_d = np.full((len(queries), k), -1, np.int32)
    out_i = np.full((len(queries), k), -1, np.int64)
    for qi in range(len(queries)):
        order = np.lexsort((ids, dist[qi]))[:k]
        out_d[qi, : order.size] = dist[qi, order]
        out_i[qi, : order.size] = ids[order]
    return out_d, out_i


def reference_range(db, ids, queries, n_bits, radius):
    """Items within ``radius`` of each query, sorted by (distance, id), as CSR."""
    dist = hamming_distance(queries, db, n_bits)
    lims, out_d, out_i = [0], [], []
    for qi in range(len(queries)):
        hit = np.flatnonzero(dist[qi] <= radius)
        order = hit[np.lexsort((ids[hit], dist[qi, hit]))]
        out_d.extend(dist[qi, order])
        out_i.extend(ids[order])
        lims.append(len(out_d))
    return np.array(lims), np.array(out_d, np.int32), np.array(out_i, np.int64)


@pytest.fixture
def ref():
    """The reference functions, as a namespace."""
    return pytest.importorskip("types").SimpleNamespace(
        codes=random_codes, knn=reference_knn, range=reference_range
    )
