"""Exact Euclidean kNN ground truth against a slow reference; cache."""

from __future__ import annotations

import numpy as np
import pytest

from hashlearn.data import knn_ground_truth, knn_relevance


def reference(q, d, k):
    out = []
    for row in q:
        dist = [float(((row - x) ** 2).sum()) for x in d]
        out.append(sorted(range(len(d)), key=lambda j: (dist[j], j))[:k])
    return np.array(out)


def test_matches_reference_with_ties_and_chunks(tmp_path):
    rng = np.random.default_rng(0)
    d = rng.integers(0, 3, (120, 4)).astype(np.float32)  # many exact ties
    q = rng.integers(0, 3, (17, 4)).astype(np.float32)
    ids = knn_ground_truth(q, d, k=9, cache_dir=tmp_path, chunk=5)
    np.testing.assert_array_equal(ids, reference(q, d, 9))


def test_cache_hit_and_key(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    q, d = rng.normal(size=(5, 3)), rng.normal(size=(30, 3))
    a = knn_ground_truth(q, d, k=4, cache_dir=tmp_path)
    monkeypatch.setattr(
        "hashlearn.data.groundtruth._exact_knn", lambda *a: pytest.fail("recomputed")
    )
    np.testing.assert_array_equal(knn_ground_truth(q, d, k=4, cache_dir=tmp_path), a)
    monkeypatch.undo()
    b = knn_ground_truth(q, d + 1e-3 * (np.arange(30)[:, None] == 0), k=4, cache_dir=tmp_path)
    assert b.shape == (5, 4)  # changed input -> different key, recomputed


def test_relevance_sparse_bool():
    rng = np.random.default_rng(2)
    q, d = rng.normal(size=(6, 3)), rng.normal(size=(40, 3))
    rel = knn_relevance(q, d, k=5, use_cache=False)
    ids = knn_ground_truth(q, d, k=5, use_cache=False)
    assert rel.shape == (6, 40) and rel.dtype == bool and rel.nnz == 30
    dense = rel.toarray()
    for i in range(6):
        assert set(np.flatnonzero(dense[i])) == set(ids[i])


def test_bad_inputs():
    with pytest.raises(ValueError, match="k"):
        knn_ground_truth(np.zeros((2, 3)), np.zeros((4, 3)), k=5, use_cache=False)
    with pytest.raises(ValueError, match="queries/database"):
        knn_ground_truth(np.zeros((2, 3)), np.zeros((4, 2)), k=1, use_cache=False)
