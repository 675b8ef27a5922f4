"""faiss interop: same bit order, same distances, round trips (skipped without faiss)."""

from __future__ import annotations

import numpy as np
import pytest

from hashlearn.index import FlatIndex, MultiIndexHashing, from_faiss, to_faiss

faiss = pytest.importorskip("faiss")


@pytest.mark.parametrize("n_bits", [8, 12, 64, 100, 256])
def test_faiss_distances_equal_ours(n_bits, ref):
    rng = np.random.default_rng(n_bits)
    db, queries = ref.codes(rng, 2000, n_bits), ref.codes(rng, 20, n_bits)
    index = FlatIndex(n_bits)
    index.add(db)
    distances, ids = index.search(queries, 50)
    faiss_d, faiss_i = to_faiss(index).search(queries, 50)
    np.testing.assert_array_equal(distances, faiss_d)
    # faiss breaks ties its own way: compare the id sets below the k-th distance
    for qi in range(len(queries)):
        below = distances[qi] < distances[qi, -1]
        assert set(ids[qi, below]) == set(faiss_i[qi, faiss_d[qi] < distances[qi, -1]])


def test_bits_read_by_faiss_directly(ref):
    """A code packed by hashlearn and one built by faiss from the same float signs agree."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 64)).astype(np.float32)
    from hashlearn.codes import binarize, pack_bits

    ours = pack_bits(binarize(x))
    theirs = np.zeros_like(ours)
    faiss.fvecs2bitvecs(faiss.swig_ptr(x), faiss.swig_ptr(theirs), 64, 50)
    # faiss sets a bit where x > 0; the two agree except at exact zeros (none here)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("user_ids", [False, True])
@pytest.mark.parametrize("kind", ["flat", "multihash"])
def test_round_trip_through_faiss(kind, user_ids, ref):
    rng = np.random.default_rng(2)
    index = MultiIndexHashing(60, n_tables=3)
    ids = rng.permutation(5000)[:800] if user_ids else None
    index.add(ref.codes(rng, 800, 60), ids=ids)
    back = from_faiss(to_faiss(index, kind=kind), n_bits=60)
    np.testing.assert_array_equal(back.codes(), index.codes())
    np.testing.assert_array_equal(back.ids(), index.ids())


def test_unsupported_faiss_index_is_refused():
    with pytest.raises(TypeError, match="faiss_index must be an IndexBinaryFlat"):
        from_faiss(faiss.IndexBinaryHash(64, 16))
    with pytest.raises(ValueError, match="kind must be 'flat' or 'multihash'"):
        to_faiss(FlatIndex(8), kind="ivf")
