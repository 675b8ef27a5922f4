"""FlatIndex / MultiIndexHashing behaviour: batch paths, ids, errors, memory."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from hashlearn.index import FlatIndex, MultiIndexHashing

KINDS = [FlatIndex, MultiIndexHashing]


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("n_bits", [32, 64, 128])
def test_large_batches_match_reference(cls, n_bits, ref):
    """Enough queries for the query-parallel kernel and rows for the row-parallel one."""
    rng = np.random.default_rng(n_bits)
    db = ref.codes(rng, 9000, n_bits, pool=4000)  # duplicates and several cache blocks
    queries = ref.codes(rng, 70, n_bits)
    index = cls(n_bits)
    index.add(db[:5000])
    index.add(db[5000:])
    ids = np.arange(9000)
    for q in (queries, queries[:3]):
        distances, found = index.search(q, 25)
        want_d, want_i = ref.knn(db, ids, q, n_bits, 25)
        np.testing.assert_array_equal(found, want_i)
        np.testing.assert_array_equal(distances, want_d)
    lims, distances, found = index.range_search(queries, n_bits // 4)
    for got, want in zip(
        (lims, distances, found), ref.range(db, ids, queries, n_bits, n_bits // 4), strict=True
    ):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("cls", KINDS)
def test_empty_index_pads_with_minus_one(cls):
    index = cls(16)
    distances, ids = index.search(np.zeros((2, 2), np.uint8), k=3)
    assert (distances == -1).all() and (ids == -1).all() and distances.shape == (2, 3)
    lims, distances, ids = index.range_search(np.zeros((2, 2), np.uint8), radius=16)
    assert lims.tolist() == [0, 0, 0] and distances.size == ids.size == 0


@pytest.mark.parametrize("cls", KINDS)
def test_ids_default_continue_after_user_ids_and_reset(cls):
    index = cls(8)
    index.add(np.array([[1], [2]], np.uint8), ids=[10, 4])
    index.add(np.array([[3]], np.uint8))
    assert index.ids().tolist() == [4, 10, 11]
    assert index.codes()[:, 0].tolist() == [2, 1, 3]
    assert index.search(np.array([[1]], np.uint8), k=1)[1].tolist() == [[10]]
    index.reset()
    assert index.ntotal == 0 and index.ids().size == 0


@pytest.mark.parametrize("cls", KINDS)
def test_ties_are_broken_by_id_not_insertion_order(cls):
    index = cls(8)
    index.add(np.zeros((3, 1), np.uint8), ids=[30, 10, 20])
    assert index.search(np.zeros((1, 1), np.uint8), k=3)[1].tolist() == [[10, 20, 30]]


def test_memory_of_flat_index_is_the_codes():
    index = FlatIndex(64)
    codes = np.random.default_rng(0).integers(0, 256, (10_000, 8), dtype=np.uint8)
    index.add(codes)
    assert index.nbytes == codes.nbytes
    index.add(codes[:1], ids=[10**6])  # explicit ids now cost 8 bytes each
    assert index.nbytes == codes.nbytes + 8 + 8 * 10_001


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize(
    ("codes", "error", "words"),
    [
        ([[0, 0]], TypeError, "codes must be a numpy array"),
        (np.zeros((2, 2), np.int64), TypeError, "codes must have dtype uint8"),
        (np.zeros((2, 3), np.uint8), ValueError, r"codes must have shape \(n, 2\)"),
        (np.full((2, 2), 255, np.uint8), ValueError, "codes has bits set past n_bits=12"),
    ],
)
def test_bad_codes_name_the_argument(cls, codes, error, words):
    with pytest.raises(error, match=words):
        cls(12).add(codes)


@pytest.mark.parametrize("cls", KINDS)
def test_bad_search_arguments_name_the_argument(cls):
    index = cls(16)
    index.add(np.zeros((4, 2), np.uint8))
    with pytest.raises(ValueError, match="queries must have shape"):
        index.search(np.zeros((1, 3), np.uint8), k=1)
    with pytest.raises(ValueError, match="k must be >= 1"):
        index.search(np.zeros((1, 2), np.uint8), k=0)
    with pytest.raises(TypeError, match="k must be an integer"):
        index.search(np.zeros((1, 2), np.uint8), k=1.5)
    with pytest.raises(ValueError, match="radius must be >= 0"):
        index.range_search(np.zeros((1, 2), np.uint8), radius=-1)
    with pytest.raises(ValueError, match="ids must be unique"):
        index.add(np.zeros((2, 2), np.uint8), ids=[0, 9])
    with pytest.raises(ValueError, match="ids must be 1-D with one id per code"):
        index.add(np.zeros((2, 2), np.uint8), ids=[7])
    with pytest.raises(ValueError, match="ids must be >= 0"):
        index.add(np.zeros((1, 2), np.uint8), ids=[-1])
    assert index.ntotal == 4  # failed adds change nothing


def test_mih_n_tables_is_checked():
    with pytest.raises(ValueError, match="n_tables must be between 2 and n_bits=100"):
        MultiIndexHashing(100, n_tables=1)
    with pytest.raises(ValueError, match="n_tables must be between 1 and n_bits=8"):
        MultiIndexHashing(8, n_tables=9)


def test_mih_reports_table_memory():
    index = MultiIndexHashing(64, n_tables=4)
    index.add(np.random.default_rng(0).integers(0, 256, (5000, 8), dtype=np.uint8))
    # codes (8 B) + 4 tables x (row order int32 + keys + bucket starts) per row, roughly
    assert 8 * 5000 + 4 * 4 * 5000 <= index.nbytes <= 8 * 5000 + 4 * 20 * 5000 + 1000


def test_index_does_not_import_torch():
    code = "import sys, hashlearn.index; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
