"""The fast metrics agree with slow reference loops on random and hand-made data."""

from __future__ import annotations

import numpy as np
import pytest
from metrics_reference import distances, mean_ap, ranked, relevance, tie_average_ap

from hashlearn.codes import pack_bits
from hashlearn.metrics import (
    mean_average_precision,
    precision_at_k,
    precision_at_radius,
    recall_at_radius,
)


def random_case(seed, nq=7, n_db=40, n_bits=6, n_classes=3, multi=False):
    rng = np.random.default_rng(seed)
    q = pack_bits(rng.integers(0, 2, (nq, n_bits)))
    db = pack_bits(rng.integers(0, 2, (n_db, n_bits)))
    if multi:
        yq = (rng.random((nq, 5)) < 0.3).astype(np.int64)
        ydb = (rng.random((n_db, 5)) < 0.3).astype(np.int64)
    else:
        yq, ydb = rng.integers(0, n_classes, nq), rng.integers(0, n_classes, n_db)
    return q, db, yq, ydb, n_bits


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("k", [None, 1, 5, 17])
@pytest.mark.parametrize("normalize", ["retrieved", "all", "min"])
def test_stable_map_matches_reference(seed, multi, k, normalize):
    q, db, yq, ydb, n_bits = random_case(seed, multi=multi, n_classes=5)
    dist, rel = distances(q, db, n_bits), relevance(yq, ydb)
    for empty in ("zero", "skip"):
        got = mean_average_precision(
            q, db, yq, ydb, n_bits=n_bits, topk=k, normalize=normalize, empty=empty
        )
        skip = empty == "skip"
        want = mean_ap(dist, rel, k, normalize, skip_topk=skip, skip_db=skip)
        assert got == pytest.approx(want, abs=1e-12, nan_ok=True)


@pytest.mark.parametrize("seed", range(3))
def test_precision_at_k_and_radius_match_reference(seed):
    q, db, yq, ydb, n_bits = random_case(seed, n_db=30)
    dist, rel = distances(q, db, n_bits), relevance(yq, ydb)
    for k in (1, 4, 30, 45):
        want = np.mean(
            [ranked(d, r)[:k].sum() / min(k, 30) for d, r in zip(dist, rel, strict=True)]
        )
        assert precision_at_k(q, db, yq, ydb, n_bits=n_bits, k=k) == pytest.approx(want)
    for radius in range(n_bits + 2):
        ball = dist <= radius
        hits = (ball & rel).sum(1)
        prec = np.where(ball.sum(1) > 0, hits / np.maximum(ball.sum(1), 1), 0.0)
        rec = np.where(rel.sum(1) > 0, hits / np.maximum(rel.sum(1), 1), 0.0)
        args = (q, db, yq, ydb)
        assert precision_at_radius(*args, n_bits=n_bits, radius=radius) == pytest.approx(
            prec.mean()
        )
        assert recall_at_radius(*args, n_bits=n_bits, radius=radius) == pytest.approx(rec.mean())
        kept = ball.sum(1) > 0
        got = precision_at_radius(*args, n_bits=n_bits, radius=radius, empty="skip")
        assert got == pytest.approx(prec[kept].mean() if kept.any() else np.nan, nan_ok=True)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [None, 2, 4])
@pytest.mark.parametrize("normalize", ["retrieved", "all", "min"])
def test_tie_average_matches_permutation_enumeration(seed, k, normalize):
    q, db, yq, ydb, n_bits = random_case(seed, nq=2, n_db=7, n_bits=2, n_classes=2)
    dist, rel = distances(q, db, n_bits), relevance(yq, ydb)
    want = np.mean([tie_average_ap(d, r, k, normalize) for d, r in zip(dist, rel, strict=True)])
    got = mean_average_precision(
        q, db, yq, ydb, n_bits=n_bits, topk=k, ties="average", normalize=normalize
    )
    assert got == pytest.approx(want, abs=1e-12)
