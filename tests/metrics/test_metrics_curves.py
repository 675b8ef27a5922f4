"""PR curves against reference loops."""

from __future__ import annotations

import numpy as np
import pytest
from metrics_reference import distances, ranked, relevance, tie_average_ap

from hashlearn.codes import pack_bits
from hashlearn.metrics import pr_curve_by_radius, pr_curve_by_rank


def case(seed, nq=8, n_db=60, n_bits=10):
    rng = np.random.default_rng(seed)
    q = pack_bits(rng.integers(0, 2, (nq, n_bits)))
    db = pack_bits(rng.integers(0, 2, (n_db, n_bits)))
    yq, ydb = rng.integers(0, 4, nq), rng.integers(0, 3, n_db)  # label 3: no relevant item
    return q, db, yq, ydb, n_bits


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("empty", ["zero", "skip"])
def test_pr_curve_by_radius_matches_reference(seed, empty):
    q, db, yq, ydb, n_bits = case(seed)
    dist, rel = distances(q, db, n_bits), relevance(yq, ydb)
    radii, prec, rec = pr_curve_by_radius(q, db, yq, ydb, n_bits=n_bits, empty=empty)
    np.testing.assert_array_equal(radii, np.arange(n_bits + 1))
    for r in radii:
        p_vals, r_vals = [], []
        for d_row, r_row in zip(dist, rel, strict=True):
            ball = d_row <= r
            hits = (ball & r_row).sum()
            if ball.any() or empty == "zero":
                p_vals.append(hits / ball.sum() if ball.any() else 0.0)
            if r_row.any() or empty == "zero":
                r_vals.append(hits / r_row.sum() if r_row.any() else 0.0)
        assert prec[r] == pytest.approx(np.mean(p_vals) if p_vals else np.nan, nan_ok=True)
        assert rec[r] == pytest.approx(np.mean(r_vals) if r_vals else np.nan, nan_ok=True)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("empty", ["zero", "skip"])
def test_pr_curve_by_rank_matches_reference(seed, empty):
    q, db, yq, ydb, n_bits = case(seed)
    dist, rel = distances(q, db, n_bits), relevance(yq, ydb)
    ranks = np.array([1, 2, 7, 30, 60, 75])
    got_ranks, prec, rec = pr_curve_by_rank(q, db, yq, ydb, n_bits=n_bits, ranks=ranks, empty=empty)
    np.testing.assert_array_equal(got_ranks, ranks)
    keep = [r.any() or empty == "zero" for r in rel]
    for i, n in enumerate(ranks):
        found = [ranked(d, r)[:n].sum() for d, r in zip(dist, rel, strict=True)]
        p = [f / min(n, 60) for f, k in zip(found, keep, strict=True) if k]
        rc = [f / max(r.sum(), 1) for f, r, k in zip(found, rel, keep, strict=True) if k]
        assert prec[i] == pytest.approx(np.mean(p))
        assert rec[i] == pytest.approx(np.mean(rc))


def test_default_ranks_and_tie_average_precision():
    q, db, yq, ydb, n_bits = case(0, nq=2, n_db=6, n_bits=2)
    ranks, prec, _ = pr_curve_by_rank(q, db, yq, ydb, n_bits=n_bits, ties="average")
    np.testing.assert_array_equal(ranks, np.arange(1, 7))
    dist, rel = distances(q, db, n_bits), relevance(yq, ydb)
    # expected precision@n over random tie orders = expected relevant in top n / n;
    # AP@1 with retrieved normalisation equals precision@1 (0 or 1), so reuse the enumeration
    keep = [r.any() for r in rel]
    want = np.mean(
        [tie_average_ap(d, r, k=1) for d, r, k in zip(dist, rel, keep, strict=True) if k]
    )
    assert prec[0] == pytest.approx(want)
    assert prec[-1] == pytest.approx(
        np.mean([r.sum() / 6 for r, k in zip(rel, keep, strict=True) if k])
    )
