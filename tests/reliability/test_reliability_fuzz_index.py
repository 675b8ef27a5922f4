"""Fuzz hashlearn.index (FlatIndex, MultiIndexHashing): clear errors or exact results."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hashlearn.codes import hamming_distance, pack_bits

index_module = pytest.importorskip("hashlearn.index", reason="hashlearn.index not landed yet")
INDEXES = [
    getattr(index_module, n) for n in ("FlatIndex", "MultiIndexHashing") if hasattr(index_module, n)
]
N_BITS = [1, 7, 8, 63, 64, 65, 255, 256]
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


def codes_for(n_bits, n, rng, dup=False):
    bits = rng.integers(0, 2, (n, n_bits))
    if dup and n > 1:
        bits[n // 2 :] = bits[0]
    return pack_bits(bits) if n else np.zeros((0, (n_bits + 7) // 8), np.uint8)


def reference_knn(db, ids, q, n_bits, k):
    dist = hamming_distance(q, db, n_bits).astype(np.int64)
    out_d = np.full((q.shape[0], k), -1, np.int32)
    out_i = np.full((q.shape[0], k), -1, np.int64)
    for row in range(q.shape[0]):
        order = sorted(range(db.shape[0]), key=lambda j: (dist[row, j], ids[j]))[:k]
        out_d[row, : len(order)] = dist[row, order]
        out_i[row, : len(order)] = ids[order]
    return out_d, out_i


@pytest.mark.parametrize("cls", INDEXES, ids=lambda c: c.__name__)
@FUZZ
@given(
    n_bits=st.sampled_from(N_BITS),
    n=st.sampled_from([0, 1, 5, 60]),
    k=st.sampled_from([1, 3, 10, 100]),
    dup=st.booleans(),
    shuffled_ids=st.booleans(),
    radius=st.integers(0, 12),
    seed=st.integers(0, 2**16),
)
def test_search_equals_reference(
    cls, n_bits, n, k, dup, shuffled_ids, radius, seed, guarded, cases
):
    cases[f"index.{cls.__name__}.valid"] += 1
    rng = np.random.default_rng(seed)
    db, q = codes_for(n_bits, n, rng, dup), codes_for(n_bits, 4, rng)
    ids = rng.permutation(10 * n + 1)[:n].astype(np.int64) if shuffled_ids else np.arange(n)
    index = cls(n_bits)
    index.add(db, ids=ids if shuffled_ids else None)
    dist, got = guarded(index.search, q, k)
    ref_d, ref_i = reference_knn(db, ids, q, n_bits, k)
    assert np.array_equal(dist, ref_d) and np.array_equal(got, ref_i)
    lims, rdist, rids = index.range_search(q, radius)
    full = hamming_distance(q, db, n_bits)
    for row in range(q.shape[0]):
        expect = sorted((full[row, j], ids[j]) for j in range(n) if full[row, j] <= radius)
        span = slice(lims[row], lims[row + 1])
        assert list(zip(rdist[span].tolist(), rids[span].tolist(), strict=True)) == [
            (int(d), int(i)) for d, i in expect
        ]


any_array = st.sampled_from([np.uint8, np.int64, np.float64, np.bool_]).flatmap(
    lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
)
BAD_COUNTS = [0, -1, 2.5, True, None, "3", 2**40]


@pytest.mark.parametrize("cls", INDEXES, ids=lambda c: c.__name__)
@FUZZ
@given(
    n_bits=st.sampled_from(N_BITS),
    codes=any_array,
    queries=any_array,
    ids=st.one_of(st.none(), any_array),
    k=st.sampled_from([1, 4, *BAD_COUNTS]),
    radius=st.sampled_from([0, 3, 300, *BAD_COUNTS]),
)
def test_hostile_input(cls, n_bits, codes, queries, ids, k, radius, guarded, cases):
    cases[f"index.{cls.__name__}.hostile"] += 1
    index = cls(n_bits)
    added = guarded(index.add, codes, ids)
    if isinstance(added, Exception):
        assert index.ntotal == 0, "a failed add() must leave the index unchanged"
    stored = index.codes()
    result = guarded(index.search, queries, k, limit=30)
    if not isinstance(result, Exception):
        dist, found = result
        ref_d, ref_i = reference_knn(stored, index.ids(), queries, n_bits, k)
        assert np.array_equal(dist, ref_d) and np.array_equal(found, ref_i)
    result = guarded(index.range_search, queries, radius, limit=30)
    if not isinstance(result, Exception):
        lims, dist, _ = result
        assert lims.shape == (queries.shape[0] + 1,) and np.all(dist <= radius)
        full = hamming_distance(queries, stored, n_bits)
        assert lims[-1] == int((full <= radius).sum())


@pytest.mark.parametrize("cls", INDEXES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("n_bits", [0, -3, 4097, 8.0, None, True])
def test_bad_n_bits(cls, n_bits, cases):
    cases["index.bad_n_bits"] += 1
    with pytest.raises((TypeError, ValueError), match="n_bits"):
        cls(n_bits)
