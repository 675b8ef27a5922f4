"""Closed-form tie averaging on large tie blocks (beyond permutation enumeration)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import hypergeom

from hashlearn.codes import pack_bits
from hashlearn.metrics import mean_average_precision
from hashlearn.metrics._ties import _split_block_ap, block_sum


def direct_block_sum(p, rb, n, m, nn):
    """sum over kept positions t of P(relevant at t) * E[precision at t | relevant]."""
    c = (m - 1) / (n - 1) if n > 1 else 0.0
    t = np.arange(1, nn + 1)
    return float(np.sum((m / n) * (rb + 1 + (t - 1) * c) / (p + t)))


@pytest.mark.parametrize(
    ("p", "rb", "n", "m", "nn"),
    [(0, 0, 1, 1, 1), (3, 1, 50, 7, 50), (10**6, 4000, 5000, 700, 3000), (40, 2, 900, 1, 900),
     (70_000, 9000, 250_000, 25_000, 250_000)],
)  # fmt: skip
def test_block_sum_matches_direct_sum(p, rb, n, m, nn):
    assert block_sum(p, rb, n, m, nn) == pytest.approx(direct_block_sum(p, rb, n, m, nn), rel=1e-12)


@pytest.mark.parametrize(("n", "m", "nn"), [(40, 9, 13), (3000, 400, 700), (500, 500, 20)])
def test_split_block_mixture_matches_explicit_hypergeometric_sum(n, m, nn):
    p, rb, s_before = 120, 15, 9.5
    want = 0.0
    for x in range(max(0, nn - (n - m)), min(m, nn) + 1):
        inside = direct_block_sum(p, rb, nn, x, nn) if x else 0.0
        want += hypergeom.pmf(x, n, m, nn) * (s_before + inside) / (rb + x)
    assert _split_block_ap(s_before, p, rb, n, m, nn) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize(("topk", "normalize"), [(None, "retrieved"), (50, "retrieved"),
                                                 (50, "all"), (120, "min")])  # fmt: skip
def test_tie_average_agrees_with_monte_carlo_over_shuffles(topk, normalize):
    rng = np.random.default_rng(7)
    n_bits, n_db = 3, 300  # at most 4 distances: tie blocks of about 75 items
    q = pack_bits(rng.integers(0, 2, (3, n_bits)))
    db = pack_bits(rng.integers(0, 2, (n_db, n_bits)))
    yq, ydb = rng.integers(0, 3, 3), rng.integers(0, 3, n_db)
    kw = {"n_bits": n_bits, "topk": topk, "normalize": normalize}
    exact = mean_average_precision(q, db, yq, ydb, ties="average", **kw)
    samples = []
    for _ in range(1500):
        perm = rng.permutation(n_db)
        samples.append(mean_average_precision(q, db[perm], yq, ydb[perm], **kw))
    err = np.std(samples) / np.sqrt(len(samples))
    assert abs(np.mean(samples) - exact) < 5 * err + 1e-12
    assert np.std(samples) > 0  # ties really change the stable value
