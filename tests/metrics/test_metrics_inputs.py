"""Ground-truth forms (labels, multi-label, dense, sparse), chunking, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from metrics_reference import distances, mean_ap, relevance

import hashlearn.metrics._engine as engine
from hashlearn.codes import pack_bits
from hashlearn.metrics import (
    evaluate_codes,
    mean_average_precision,
    pr_curve_by_radius,
    pr_curve_by_rank,
    precision_at_k,
    precision_at_radius,
    recall_at_radius,
)

ALL = ("map", "map@9", "map_tie_avg", "map_tie_avg@9", "map_bdnn", "precision@5",
       "precision_at_radius_2", "recall_at_radius_1")  # fmt: skip


def case(seed=0, nq=9, n_db=50, n_bits=70, n_labels=3):
    rng = np.random.default_rng(seed)
    q = pack_bits(rng.integers(0, 2, (nq, n_bits)))
    db = pack_bits(rng.integers(0, 2, (n_db, n_bits)))
    return q, db, rng.integers(0, n_labels, nq), rng.integers(0, n_labels, n_db), n_bits


def test_dense_and_sparse_relevance_match_labels():
    q, db, yq, ydb, n_bits = case()
    dense = yq[:, None] == ydb[None, :]
    by_labels = evaluate_codes(q, db, yq, ydb, n_bits=n_bits, metrics=ALL)
    for rel in (dense, dense.astype(np.uint8), sp.csr_matrix(dense), sp.coo_matrix(dense)):
        assert evaluate_codes(q, db, n_bits=n_bits, relevance=rel, metrics=ALL) == by_labels


def test_sparse_knn_relevance_matches_reference():
    rng = np.random.default_rng(1)
    q, db, _, _, n_bits = case(n_db=80)
    rows = np.repeat(np.arange(len(q)), 5)
    cols = np.concatenate([rng.choice(80, 5, replace=False) for _ in q])
    rel = sp.csr_matrix((np.ones(rows.size, bool), (rows, cols)), shape=(len(q), 80))
    want = mean_ap(distances(q, db, n_bits), rel.toarray())
    assert mean_average_precision(q, db, n_bits=n_bits, relevance=rel) == pytest.approx(want)


def test_multilabel_wider_than_64_with_all_zero_rows():
    rng = np.random.default_rng(2)
    q, db, _, _, n_bits = case(nq=6, n_db=40)
    yq = (rng.random((6, 90)) < 0.05).astype(np.int64)
    ydb = (rng.random((40, 90)) < 0.05).astype(np.int64)
    yq[0] = 0  # relevant to nothing
    ydb[:5] = 0
    ydb[5, 70] = yq[1, 70] = 1  # a shared label in the second word
    rel = relevance(yq, ydb)
    assert not rel[0].any() and not rel[:, :5].any() and rel[1, 5]
    dist = distances(q, db, n_bits)
    for empty, skip in (("zero", False), ("skip", True)):
        got = mean_average_precision(q, db, yq, ydb, n_bits=n_bits, empty=empty)
        assert got == pytest.approx(mean_ap(dist, rel, skip_topk=skip, skip_db=skip))


def test_chunked_threaded_evaluation_equals_one_serial_chunk(monkeypatch):
    q, db, yq, ydb, n_bits = case(nq=11)
    dense = yq[:, None] == ydb[None, :]
    sources = [{"query_labels": yq, "db_labels": ydb}, {"relevance": dense},
               {"relevance": sp.csr_matrix(dense)}]  # fmt: skip
    whole = [evaluate_codes(q, db, n_bits=n_bits, metrics=ALL, **s) for s in sources]
    curves = pr_curve_by_rank(q, db, yq, ydb, n_bits=n_bits)
    monkeypatch.setattr(engine, "MAX_ENTRIES", 3 * 50)  # 3 queries per chunk
    monkeypatch.setattr(engine, "MIN_ROWS", 4)
    monkeypatch.setattr(engine, "SERIAL_BELOW", 0)  # the threaded kernels, too
    for source, want in zip(sources, whole, strict=True):
        assert evaluate_codes(q, db, n_bits=n_bits, metrics=ALL, **source) == pytest.approx(want)
    chunked = pr_curve_by_rank(q, db, yq, ydb, n_bits=n_bits)
    for a, b in zip(curves, chunked, strict=True):
        np.testing.assert_allclose(a, b)


def test_inputs_are_not_modified():
    q, db, yq, ydb, n_bits = case()
    dense = yq[:, None] == ydb[None, :]
    sparse = sp.csr_matrix(dense)
    multi_q, multi_db = np.eye(3, dtype=np.int64)[yq], np.eye(3, dtype=np.int64)[ydb]
    arrays = [q, db, yq, ydb, dense, sparse.data, sparse.indices, sparse.indptr, multi_q, multi_db]
    copies = [a.copy() for a in arrays]
    evaluate_codes(q, db, yq, ydb, n_bits=n_bits, metrics=ALL)
    evaluate_codes(q, db, multi_q, multi_db, n_bits=n_bits, metrics=ALL)
    evaluate_codes(q, db, n_bits=n_bits, relevance=dense, metrics=ALL)
    evaluate_codes(q, db, n_bits=n_bits, relevance=sparse, metrics=ALL)
    pr_curve_by_rank(q, db, yq, ydb, n_bits=n_bits, ties="average")
    pr_curve_by_radius(q, db, yq, ydb, n_bits=n_bits)
    for a, c in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, c)


def test_all_queries_skipped_gives_nan_and_zero_counts_them():
    q, db, _, _, n_bits = case()
    yq, ydb = np.full(len(q), 7), np.zeros(len(db), int)
    assert np.isnan(mean_average_precision(q, db, yq, ydb, n_bits=n_bits, empty="skip"))
    assert mean_average_precision(q, db, yq, ydb, n_bits=n_bits) == 0.0
    assert recall_at_radius(q, db, yq, ydb, n_bits=n_bits, radius=70) == 0.0


Q, DB, YQ, YDB, NB = case(nq=3, n_db=5, n_bits=12)
FUNCS = [
    lambda *a, **k: mean_average_precision(*a, **k),
    lambda *a, **k: precision_at_k(*a, k=2, **k),
    lambda *a, **k: precision_at_radius(*a, **k),
    lambda *a, **k: recall_at_radius(*a, **k),
    lambda *a, **k: pr_curve_by_radius(*a, **k),
    lambda *a, **k: pr_curve_by_rank(*a, **k),
    lambda *a, **k: evaluate_codes(*a, **k),
]
BAD_COMMON = [
    ((Q.astype(np.int64), DB, YQ, YDB), {}, TypeError, "query_codes"),
    ((Q, DB[:, :1], YQ, YDB), {}, ValueError, "db_codes"),
    ((Q, DB, YQ, YDB), {"n_bits": 8}, ValueError, "query_codes"),
    ((Q, DB, YQ, YDB), {"n_bits": 12.0}, TypeError, "n_bits"),
    ((Q, DB, YQ[:2], YDB), {}, ValueError, "query_labels"),
    ((Q, DB, YQ, YDB[:, None]), {}, ValueError, "db_labels"),
    ((Q, DB, YQ, None), {}, ValueError, "db_labels"),
    ((Q, DB, YQ[:, None] * 2, YDB[:, None]), {}, ValueError, "query_labels"),
    ((Q, DB, np.array(["a"] * 3), YDB), {}, TypeError, "query_labels"),
    ((Q, DB[:0], YQ, YDB[:0]), {}, ValueError, "db_codes"),
    ((Q, DB), {"relevance": np.ones((3, 4), bool)}, ValueError, "relevance"),
    ((Q, DB), {"relevance": np.full((3, 5), 0.5)}, TypeError, "relevance"),
    ((Q, DB, YQ, YDB), {"relevance": np.ones((3, 5), bool)}, ValueError, "relevance"),
]


@pytest.mark.parametrize("func", FUNCS)
@pytest.mark.parametrize(("args", "kwargs", "error", "word"), BAD_COMMON)
def test_bad_common_inputs_name_the_argument(func, args, kwargs, error, word):
    with pytest.raises(error, match=word):
        func(*args, **{"n_bits": NB, **kwargs})


@pytest.mark.parametrize(
    ("func", "kwargs", "error", "word"),
    [
        (mean_average_precision, {"ties": "random"}, ValueError, "ties"),
        (mean_average_precision, {"empty": "nan"}, ValueError, "empty"),
        (mean_average_precision, {"preset": "hashnet"}, ValueError, "preset"),
        (mean_average_precision, {"normalize": "k"}, ValueError, "normalize"),
        (mean_average_precision, {"interpolation": "linear"}, ValueError, "interpolation"),
        (mean_average_precision, {"topk": 0}, ValueError, "topk"),
        (mean_average_precision, {"topk": 2.5}, TypeError, "topk"),
        (mean_average_precision, {"preset": "standard", "empty": "skip"}, ValueError, "preset"),
        (mean_average_precision, {"preset": "bdnn_matlab", "ties": "average"}, ValueError, "ties"),
        (precision_at_k, {"k": 0}, ValueError, "k must"),
        (precision_at_k, {"k": 3, "ties": "x"}, ValueError, "ties"),
        (precision_at_radius, {"radius": -1}, ValueError, "radius"),
        (recall_at_radius, {"radius": 1.0}, TypeError, "radius"),
        (recall_at_radius, {"empty": "drop"}, ValueError, "empty"),
        (pr_curve_by_radius, {"empty": None}, ValueError, "empty"),
        (pr_curve_by_rank, {"ranks": [3, 2]}, ValueError, "ranks"),
        (pr_curve_by_rank, {"ranks": [0.5]}, TypeError, "ranks"),
        (evaluate_codes, {"metrics": ("map@0",)}, ValueError, "metrics"),
        (evaluate_codes, {"metrics": ("ndcg",)}, ValueError, "metrics"),
        (evaluate_codes, {"metrics": "map"}, TypeError, "metrics"),
        (evaluate_codes, {"metrics": ()}, ValueError, "metrics"),
    ],
)
def test_bad_options_name_the_argument(func, kwargs, error, word):
    with pytest.raises(error, match=word):
        func(Q, DB, YQ, YDB, n_bits=NB, **kwargs)


def test_float_integer_labels_are_accepted():
    want = mean_average_precision(Q, DB, YQ, YDB, n_bits=NB)
    assert mean_average_precision(Q, DB, YQ.astype(float), YDB, n_bits=NB) == want
