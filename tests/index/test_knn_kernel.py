"""The flat kNN kernel against the brute-force reference where its shortcuts could slip.

The kernel skips whole sub-blocks and pieces of them with a vectorised count
against each query's threshold; these cases put the winners on the edges of
those pieces, make the threshold move often (near-duplicates), and exercise
both parallel paths (by queries and by rows).
"""

from __future__ import annotations

import numpy as np
import pytest

from hashlearn.index import FlatIndex
from hashlearn.index import _kernels as kernels
from hashlearn.index.flat import word_layout

EDGES = [0, 1, 31, 32, 33, 255, 256, 257, 4095, 4096, 4097, 8191, 9999]


def _block_rows(n_bits: int) -> int:
    """Rows per cache block of the kernel at this code length."""
    row_bytes, word = word_layout(n_bits)
    n_words = row_bytes // np.dtype(word).itemsize
    return kernels._block_rows(np.zeros(n_words, word), (0,) * n_words)


def _edges(n_bits: int, n_rows: int) -> list[int]:
    """Piece and sub-block edges, and those of the first cache blocks at this length."""
    block = _block_rows(n_bits)
    edges = set(EDGES) | {block - 1, block, block + 1, 2 * block - 1, 2 * block}
    return sorted(edge for edge in edges if edge < n_rows)


def _check(db: np.ndarray, queries: np.ndarray, n_bits: int, k: int, ref) -> None:
    index = FlatIndex(n_bits)
    index.add(db)
    want_d, want_i = ref.knn(db, np.arange(len(db)), queries, n_bits, k)
    # query-parallel on word-major blocks, then row-parallel on 2 threads reading rows in place
    for batch in (queries, queries[:2]):
        distances, found = index.search(batch, k)
        np.testing.assert_array_equal(distances, want_d[: len(batch)])
        np.testing.assert_array_equal(found, want_i[: len(batch)])


@pytest.mark.parametrize("n_bits", [13, 48, 64, 96, 128, 256])
def test_winners_on_the_edges_of_skipped_pieces(n_bits, ref):
    rng = np.random.default_rng(n_bits)
    db = ref.codes(rng, 10_000, n_bits)
    queries = ref.codes(rng, 40, n_bits)
    edges = _edges(n_bits, len(db))
    for qi, query in enumerate(queries[:8]):
        for edge in edges[qi::8]:
            db[edge] = query  # exact matches right at piece and block boundaries
        for edge in edges[(qi + 3) % 8 :: 8]:
            db[edge] = query ^ np.uint8(1)  # and one bit away on other boundaries
    _check(db, queries, n_bits, 5, ref)
    _check(db, queries, n_bits, 100, ref)


@pytest.mark.parametrize("n_bits", [32, 64, 128])
def test_threshold_that_keeps_falling(n_bits, ref):
    """Rows ever closer to the query, in id order: every row enters, the buffer refills."""
    rng = np.random.default_rng(1)
    query = ref.codes(rng, 1, n_bits)
    bits = np.unpackbits(query, axis=1, bitorder="little")[0, :n_bits]
    rows = []
    for i in range(6000):
        row = bits.copy()
        flips = rng.choice(n_bits, n_bits - (i * n_bits) // 6000, replace=False)
        row[flips] ^= 1
        rows.append(row)
    db = np.packbits(np.array(rows), axis=1, bitorder="little")
    queries = np.concatenate([query, ref.codes(rng, 39, n_bits)])
    _check(db, queries, n_bits, 300, ref)


@pytest.mark.parametrize("n_bits", [8, 64, 100])
def test_all_equal_codes_and_k_above_the_database(n_bits, ref):
    db = np.zeros((5000, (n_bits + 7) // 8), np.uint8)
    queries = ref.codes(np.random.default_rng(2), 40, n_bits)
    _check(db, queries, n_bits, 70, ref)
    _check(db[:50], queries, n_bits, 70, ref)


@pytest.mark.parametrize("n_bits", [8, 16, 32, 64, 96, 128, 256, 1024, 4096])
def test_cache_blocks_are_whole_sub_blocks_of_whole_pieces(n_bits):
    row_bytes, _ = word_layout(n_bits)
    rows = _block_rows(n_bits)
    assert rows % kernels._SUB == 0 and kernels._SUB % kernels._FINE == 0
    assert rows * row_bytes <= kernels._BLOCK_BYTES or rows == kernels._SUB


@pytest.mark.parametrize("n_words", [1, 2, 3, 4])
def test_a_block_is_read_word_major_or_in_place(n_words):
    rows = np.arange(10 * n_words, dtype=np.uint64).reshape(10, n_words)
    scratch = np.empty(rows.size, np.uint64)
    wit = (0,) * n_words
    block = kernels._load_block(rows.ravel(), 3, 8, scratch, wit, kernels.WORD_MAJOR)
    np.testing.assert_array_equal(block[: 5 * n_words], rows[3:8].T.ravel())
    in_place = kernels._load_block(rows.ravel(), 3, 8, scratch, wit, kernels.ROW_MAJOR)
    np.testing.assert_array_equal(in_place, rows[3:8].ravel())


def test_few_queries_read_in_place_and_many_word_major():
    assert kernels._layout(kernels.WORD_MAJOR_FROM - 1) == kernels.ROW_MAJOR
    assert kernels._layout(kernels.WORD_MAJOR_FROM) == kernels.WORD_MAJOR


@pytest.mark.parametrize("n_queries", [1, kernels.WORD_MAJOR_FROM + 6])
def test_range_results_past_the_first_pass_buffer(n_queries):
    """More matches than the first pass keeps: the rescan finds all of them, in id order."""
    rng = np.random.default_rng(3)
    db = rng.integers(0, 256, (5000, 16), dtype=np.uint8)  # 128 bits: two words per row
    db[[*range(1000, 1100), 4095, 4096, 4999]] = db[7]
    index = FlatIndex(128)
    index.add(db)
    lims, distances, found = index.range_search(np.repeat(db[7:8], n_queries, axis=0), 0)
    want = np.flatnonzero((db == db[7]).all(axis=1))
    assert want.size > 32  # beyond the first pass's buffer of 32 per query
    for i in range(n_queries):
        np.testing.assert_array_equal(found[lims[i] : lims[i + 1]], want)
    assert (distances == 0).all()
