"""MultiIndexHashing's probing paths agree with FlatIndex, on random and adversarial codes.

Each case checks that the probing kernels answered (the flat scan is made to fail) where
the index is expected to probe, so that a fallback to the scan cannot hide a wrong answer.
"""

from __future__ import annotations

import numpy as np
import pytest

from hashlearn.index import FlatIndex, MultiIndexHashing


def packed(bits: np.ndarray) -> np.ndarray:
    """Rows of 0/1 bits as packed codes (faiss bit order)."""
    return np.packbits(bits.astype(np.uint8), axis=1, bitorder="little")


def random_bits(rng: np.random.Generator, n: int, n_bits: int) -> np.ndarray:
    return rng.integers(0, 2, (n, n_bits), dtype=np.uint8)


def flipped(rng: np.random.Generator, bits: np.ndarray, most: int) -> np.ndarray:
    """Copies of ``bits`` rows with 0..most random bits flipped each."""
    out = bits.copy()
    for row in out:
        row[rng.choice(bits.shape[1], rng.integers(0, most + 1), replace=False)] ^= 1
    return out


def near_queries(rng: np.random.Generator, bits: np.ndarray, nq: int) -> np.ndarray:
    """Database rows with 0-3 bits flipped: radius searches that find something."""
    return flipped(rng, bits[rng.integers(0, bits.shape[0], nq)], 3)


def clustered_bits(rng: np.random.Generator, centres: np.ndarray, n: int) -> np.ndarray:
    """Near-duplicates: ``centres`` rows with 0-3 bits flipped."""
    return flipped(rng, centres[rng.integers(0, centres.shape[0], n)], 3)


def both(db: np.ndarray, n_bits: int, n_tables: int | None = None, ids=None):
    flat, mih = FlatIndex(n_bits), MultiIndexHashing(n_bits, n_tables)
    flat.add(db, ids=ids)
    mih.add(db, ids=ids)
    return flat, mih


def random_case(seed: int, n_rows: int, n_bits: int, n_queries: int):
    """Random codes in both indexes, and queries near database rows."""
    rng = np.random.default_rng(seed)
    bits = random_bits(rng, n_rows, n_bits)
    flat, mih = both(packed(bits), n_bits)
    return flat, mih, packed(near_queries(rng, bits, n_queries))


@pytest.fixture
def scans(monkeypatch):
    """Counts the queries that FlatIndex's scans answer (MultiIndexHashing's fallback)."""
    counted = {"queries": 0}

    def counting(method):
        def scan(self, q, *args):
            counted["queries"] += q.shape[0]
            return method(self, q, *args)

        return scan

    monkeypatch.setattr(FlatIndex, "_range", counting(FlatIndex._range))
    monkeypatch.setattr(FlatIndex, "_knn", counting(FlatIndex._knn))
    return counted


def probed(scans, search, *args):
    """``search(*args)``; with ``scans``, checks that no query fell back to the flat scan."""
    before = None if scans is None else scans["queries"]
    got = search(*args)
    if scans is not None:
        assert scans["queries"] == before, "answered by the flat scan, not by probing"
    return got


def assert_same_range(flat, mih, queries, radius, scans=None):
    """Same CSR results; with ``scans``, every query answered by probing."""
    want = flat.range_search(queries, radius)
    got = probed(scans, mih.range_search, queries, radius)
    for name, a, b in zip(("lims", "distances", "ids"), got, want, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=f"{name}, radius {radius}")
    return int(want[0][-1])


def assert_same_knn(flat, mih, queries, k, scans=None):
    """Same neighbours; with ``scans``, every query answered by probing."""
    want = flat.search(queries, k)
    got = probed(scans, mih.search, queries, k)
    np.testing.assert_array_equal(got[0], want[0], err_msg=f"distances, k={k}")
    np.testing.assert_array_equal(got[1], want[1], err_msg=f"ids, k={k}")


@pytest.mark.parametrize("n_bits", [64, 128, 60, 100])
def test_radius_0_to_3_random_codes(n_bits, scans):
    flat, mih, queries = random_case(n_bits, 30_000, n_bits, 300)
    found = [assert_same_range(flat, mih, queries, r, scans) for r in range(4)]
    assert found[0] >= 50 and found[3] > found[0]  # the queries find their rows


@pytest.mark.parametrize("n_bits", [64, 100])
def test_knn_random_codes(n_bits, scans):
    flat, mih, queries = random_case(7 + n_bits, 30_000, n_bits, 200)
    assert_same_knn(flat, mih, queries[:100], 1, scans)
    assert_same_knn(flat, mih, queries, 5)  # farther neighbours: some queries may scan


@pytest.mark.parametrize("n_bits", [64, 128])
def test_clustered_near_duplicates(n_bits, scans):
    """Big buckets (a cluster shares most substrings) and many ties."""
    rng = np.random.default_rng(3)
    centres = random_bits(rng, 400, n_bits)
    flat, mih = both(packed(clustered_bits(rng, centres, 40_000)), n_bits)
    queries = packed(clustered_bits(rng, centres, 300))
    for k in (1, 10):
        assert_same_knn(flat, mih, queries, k, scans)
    assert_same_knn(flat, mih, queries, 50)  # a few queries may go over budget and scan
    for r in range(3):
        assert_same_range(flat, mih, queries, r)


def test_all_equal_codes():
    """One bucket holds every row: kNN goes over budget and scans; ties break by id."""
    rng = np.random.default_rng(4)
    bits = np.repeat(random_bits(rng, 1, 64), 6000, axis=0)
    bits[::500] = random_bits(rng, 12, 64)
    flat, mih = both(packed(bits), 64)
    queries = packed(flipped(rng, bits[:40], 2))
    for r in range(4):
        assert_same_range(flat, mih, queries, r)
    for k in (1, 10, 200):
        assert_same_knn(flat, mih, queries, k)


def test_ids_with_gaps_after_remove(scans):
    rng = np.random.default_rng(5)
    bits = random_bits(rng, 30_000, 64)
    ids = np.sort(rng.choice(10**9, 30_000, replace=False))
    flat, mih = both(packed(bits), 64, ids=ids)
    mih.search(packed(bits[:2]), 1)  # build the tables before the removal
    gone = rng.choice(30_000, 5_000, replace=False)
    assert flat.remove_ids(ids[gone]) == mih.remove_ids(ids[gone]) == 5_000
    queries = packed(near_queries(rng, np.delete(bits, gone, axis=0), 300))
    for r in range(4):
        assert_same_range(flat, mih, queries, r, scans)
    assert_same_knn(flat, mih, queries[:50], 1, scans)


def test_k_larger_than_the_database():
    flat, mih, queries = random_case(6, 300, 60, 20)
    assert_same_knn(flat, mih, queries, 305)
    assert (mih.search(queries, 305)[1][:, 300:] == -1).all()


def test_long_substrings_use_sorted_slots(scans):
    """Two 32-bit substrings: directory slots on their top bits, binary search within; rows
    sharing those top bits (and so a slot) are most of the database."""
    rng = np.random.default_rng(8)
    bits = random_bits(rng, 20_000, 64)
    bits[:15_000, 16:32] = 0  # 15k rows in the few slots of substring 0's top bits
    bits[:15_000, 48:64] = 1
    flat, mih = both(packed(bits), 64, n_tables=2)
    queries = packed(near_queries(rng, bits, 300))
    layout = mih._tab().layout
    assert (layout[:, 2] < layout[:, 1]).all()  # slots narrower than substrings
    for r in range(2):
        assert_same_range(flat, mih, queries, r, scans)
    assert_same_knn(flat, mih, queries, 3)


def test_many_queries_and_probes_per_group(scans):
    """More queries than a group, more probes than a stage, and a single query."""
    flat, mih, queries = random_case(9, 60_000, 64, 700)
    assert mih.m == 4 and mih._tab().max_radius >= 5  # r = 4, 5: 16 probes per step
    for r in (4, 5):
        assert_same_range(flat, mih, queries, r, scans)
    assert_same_range(flat, mih, queries[:1], 2, scans)
    assert_same_knn(flat, mih, queries[:1], 1, scans)


def test_radius_beyond_probing_scans():
    flat, mih, queries = random_case(10, 5_000, 64, 10)
    radius = mih._tab().max_radius + 1
    assert_same_range(flat, mih, queries, radius)


def test_batches_split_over_threads(monkeypatch, scans):
    """Parts of a batch searched in a thread pool are joined in query order."""
    from hashlearn.index import mih as mih_module

    monkeypatch.setattr(mih_module, "_threads", lambda: 3)
    monkeypatch.setattr(mih_module, "_THREAD_WORK", 1)
    flat, mih, queries = random_case(11, 30_000, 64, 500)
    for r in range(4):
        assert_same_range(flat, mih, queries, r, scans)
    assert_same_knn(flat, mih, queries, 1, scans)
    assert_same_knn(flat, mih, queries, 20)  # some queries over budget: scanned
