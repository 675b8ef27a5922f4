"""BDNN's early-stopping score is the metrics engine's standard mAP of the signs."""

import numpy as np
import pytest
import torch

from hashlearn.codes import binarize, pack_bits
from hashlearn.deep.bdnn.validation import (
    knn_relevance,
    label_relevance,
    map_scorer,
    ranking_map,
)
from hashlearn.metrics import mean_average_precision


def _signs(rng, n, n_bits):
    return torch.as_tensor(np.where(rng.random((n, n_bits)) > 0.5, 1.0, -1.0))


def brute_force_map(q, db, relevant, exclude_self=False):
    """Standard mAP: rank by decreasing inner product of the +-1 codes (stable sort),
    AP normalised by every relevant item; no relevant item -> 0."""
    q, db, relevant = q.numpy(), db.numpy(), np.asarray(relevant, dtype=bool)
    aps = []
    for i in range(len(q)):
        keep = np.arange(len(db)) != i if exclude_self else np.ones(len(db), bool)
        order = np.argsort(-(db[keep] @ q[i]), kind="stable")
        rel = relevant[i, keep][order]
        found = np.cumsum(rel)[rel]
        aps.append(np.sum(found / (np.flatnonzero(rel) + 1)) / rel.sum() if rel.any() else 0.0)
    return float(np.mean(aps))


@pytest.mark.parametrize("multilabel", [False, True])
@pytest.mark.parametrize("exclude_self", [False, True])
def test_ranking_map_equals_brute_force_reference(multilabel, exclude_self):
    rng = np.random.default_rng(3)
    labels = (
        (lambda n: rng.integers(0, 2, (n, 3))) if multilabel else lambda n: rng.integers(0, 4, n)
    )
    db, ydb = _signs(rng, 120, 5), labels(120)  # 5 bits: many ties
    queries, yq = (db, ydb) if exclude_self else (_signs(rng, 25, 5), labels(25))
    relevant = label_relevance(yq, ydb)
    got = ranking_map(queries, db, relevant, exclude_self=exclude_self)
    dense = relevant(slice(0, len(yq))).numpy()
    assert got == pytest.approx(brute_force_map(queries, db, dense, exclude_self), abs=1e-12)


@pytest.mark.parametrize("exclude_self", [False, True])
def test_ranking_map_is_the_engines_standard_preset(exclude_self):
    rng = np.random.default_rng(4)
    db = _signs(rng, 90, 7)
    q = db if exclude_self else _signs(rng, 30, 7)
    yq, ydb = rng.integers(0, 3, len(q)), rng.integers(0, 3, 90)
    packed = [pack_bits(binarize(c.numpy())) for c in (q, db)]
    want = mean_average_precision(
        *packed, yq, ydb, n_bits=7, preset="standard", exclude_self=exclude_self
    )
    assert ranking_map(q, db, label_relevance(yq, ydb), exclude_self=exclude_self) == want


def test_any_relevance_callable_is_read_chunk_rows_at_a_time():
    rng = np.random.default_rng(5)
    q, db = _signs(rng, 23, 6), _signs(rng, 80, 6)
    Xq, Xdb = torch.as_tensor(rng.random((23, 4))), torch.as_tensor(rng.random((80, 4)))
    relevant = knn_relevance(Xq, Xdb, 9)
    asked = []

    def recorded(rows):
        asked.append((rows.start, rows.stop))
        return relevant(rows)

    got = ranking_map(q, db, recorded, chunk=10)
    assert asked == [(0, 10), (10, 20), (20, 30)]
    assert got == pytest.approx(brute_force_map(q, db, relevant(slice(0, 23)).numpy()), abs=1e-12)


def test_nothing_to_rank_scores_zero():
    one = torch.ones(1, 4)
    assert ranking_map(one, one, label_relevance([0], [0]), exclude_self=True) == 0.0
    assert ranking_map(one[:0], one, label_relevance([], [0])) == 0.0


def test_map_scorer_scores_the_signs_of_the_encoder_through_the_engine():
    rng = np.random.default_rng(6)
    X_db, X_val, W = (torch.as_tensor(rng.normal(size=s)) for s in [(60, 5), (15, 5), (5, 6)])
    y_db, y_val = rng.integers(0, 3, 60), rng.integers(0, 3, 15)
    score = map_scorer(lambda Z: Z @ W, X_db, X_val, label_relevance(y_val, y_db))
    packed = [pack_bits(binarize((X @ W).numpy())) for X in (X_val, X_db)]
    assert score() == mean_average_precision(*packed, y_val, y_db, n_bits=6, preset="standard")
