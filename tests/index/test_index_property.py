"""FlatIndex and MultiIndexHashing agree with a brute-force reference (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashlearn.index import FlatIndex, MultiIndexHashing

N_BITS = [1, 7, 8, 12, 63, 64, 65, 100, 256]
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def make_index(kind: str, n_bits: int, n_tables: int | None):
    if kind == "flat":
        return FlatIndex(n_bits)
    low = -(-n_bits // 64)
    return MultiIndexHashing(n_bits, None if n_tables is None else min(n_bits, max(low, n_tables)))


case = st.fixed_dictionaries(
    {
        "n_bits": st.sampled_from(N_BITS),
        "n": st.integers(0, 70),
        "nq": st.integers(1, 5),
        "k": st.integers(1, 90),
        "seed": st.integers(0, 2**32 - 1),
        "pool": st.sampled_from([0, 0, 3]),
        "user_ids": st.booleans(),
        "n_tables": st.sampled_from([None, 1, 2, 5]),
    }
)


def build(kind, c, ref):
    rng = np.random.default_rng(c["seed"])
    db = ref.codes(rng, c["n"], c["n_bits"], c["pool"])
    queries = ref.codes(rng, c["nq"], c["n_bits"])
    if c["n"] and c["nq"] > 1:
        queries[0] = db[rng.integers(c["n"])]  # an exact hit
    ids = rng.permutation(10 * c["n"] + 1)[: c["n"]].astype(np.int64) if c["user_ids"] else None
    index = make_index(kind, c["n_bits"], c["n_tables"])
    index.add(db, ids=ids)
    return index, db, (np.arange(c["n"]) if ids is None else ids), queries


@pytest.mark.parametrize("kind", ["flat", "mih"])
@SETTINGS
@given(c=case)
def test_knn_matches_reference(kind, c, ref):
    index, db, ids, queries = build(kind, c, ref)
    distances, found = index.search(queries, c["k"])
    want_d, want_i = ref.knn(db, ids, queries, c["n_bits"], c["k"])
    np.testing.assert_array_equal(distances, want_d)
    np.testing.assert_array_equal(found, want_i)
    assert distances.dtype == np.int32 and found.dtype == np.int64


@pytest.mark.parametrize("kind", ["flat", "mih"])
@SETTINGS
@given(c=case, radius_choice=st.sampled_from(["zero", "small", "all"]))
def test_range_matches_reference(kind, c, radius_choice, ref):
    index, db, ids, queries = build(kind, c, ref)
    radius = {"zero": 0, "small": min(3, c["n_bits"]), "all": c["n_bits"]}[radius_choice]
    lims, distances, found = index.range_search(queries, radius)
    want = ref.range(db, ids, queries, c["n_bits"], radius)
    for got, expected in zip((lims, distances, found), want, strict=True):
        np.testing.assert_array_equal(got, expected)
    if radius == c["n_bits"]:
        assert lims[-1] == c["n"] * c["nq"]


@pytest.mark.parametrize("kind", ["flat", "mih"])
@settings(SETTINGS, max_examples=25)
@given(c=case, data=st.data())
def test_remove_ids_matches_rebuilt_index(kind, c, data, ref):
    index, db, ids, queries = build(kind, c, ref)
    gone = (
        data.draw(st.lists(st.sampled_from([*ids.tolist(), 10**9]), max_size=10)) if c["n"] else []
    )
    removed = index.remove_ids(np.array(gone, np.int64))
    keep = ~np.isin(ids, gone)
    assert removed == c["n"] - keep.sum() and index.ntotal == keep.sum()
    distances, found = index.search(queries, c["k"])
    want_d, want_i = ref.knn(db[keep], ids[keep], queries, c["n_bits"], c["k"])
    np.testing.assert_array_equal(found, want_i)
    np.testing.assert_array_equal(distances, want_d)


@settings(SETTINGS, max_examples=60)
@given(st.integers(1, 12), st.data())
def test_substring_keys_match_unpacked_bits(n_bytes, data):
    """MIH's substring keys are bits b0:b1 of the faiss bit order, bit b0 lowest."""
    from hashlearn.index._mih_kernels import extract_keys

    b0 = data.draw(st.integers(0, 8 * n_bytes - 1))
    b1 = data.draw(st.integers(b0 + 1, min(8 * n_bytes, b0 + 64)))
    rows = np.random.default_rng(b0 * 97 + b1).integers(0, 256, (5, n_bytes), dtype=np.uint8)
    bits = np.unpackbits(rows, axis=1, bitorder="little")[:, b0:b1].astype(np.uint64)
    want = (bits << np.arange(b1 - b0, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
    assert extract_keys(rows, b0, b1).tolist() == want.tolist()
