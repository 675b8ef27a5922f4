"""Property tests (hypothesis): tie averaging, trapezoid bound, closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics_reference import distances, mean_ap, relevance

from hashlearn.codes import pack_bits
from hashlearn.metrics import evaluate_codes, mean_average_precision
from hashlearn.metrics._ties import harmonic_diff

# too_slow: generation is timed, and a loaded CI machine must not fail the suite
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw):
    n_bits = draw(st.integers(1, 12))
    nq, n_db = draw(st.integers(1, 4)), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    q = pack_bits(rng.integers(0, 2, (nq, n_bits)))
    db = pack_bits(rng.integers(0, 2, (n_db, n_bits)))
    n_classes = draw(st.integers(1, 4))
    return q, db, rng.integers(0, n_classes, nq), rng.integers(0, n_classes, n_db), n_bits, rng


@SETTINGS
@given(problems(), st.sampled_from([None, 1, 3, 10]))
def test_tie_average_is_invariant_to_database_order(problem, topk):
    q, db, yq, ydb, n_bits, rng = problem
    perm = rng.permutation(len(db))
    names = ("map_tie_avg",) if topk is None else (f"map_tie_avg@{topk}", f"map_tie_avg@{topk}")
    a = evaluate_codes(q, db, yq, ydb, n_bits=n_bits, metrics=names)
    b = evaluate_codes(q, db[perm], yq, ydb[perm], n_bits=n_bits, metrics=names)
    assert a == pytest.approx(b, abs=1e-12)


@SETTINGS
@given(problems())
def test_trapezoid_never_exceeds_standard_and_stable_matches_reference(problem):
    q, db, yq, ydb, n_bits, _ = problem
    out = evaluate_codes(q, db, yq, ydb, n_bits=n_bits, metrics=("map", "map_bdnn"))
    assert 0.0 <= out["map_bdnn"] <= out["map"] + 1e-12 <= 1.0 + 1e-12
    dist, rel = distances(q, db, n_bits), relevance(yq, ydb)
    assert out["map"] == pytest.approx(mean_ap(dist, rel), abs=1e-12)
    assert out["map_bdnn"] == pytest.approx(mean_ap(dist, rel, trapezoid=True), abs=1e-12)


@SETTINGS
@given(problems())
def test_tie_average_lies_between_worst_and_best_tie_orders(problem):
    q, db, yq, ydb, n_bits, _ = problem
    avg = mean_average_precision(q, db, yq, ydb, n_bits=n_bits, ties="average")
    dist, rel = distances(q, db, n_bits), relevance(yq, ydb)
    # best order: relevant first inside ties; worst: relevant last (distance +- 0.5 * rel)
    best = mean_ap(dist - 0.5 * rel, rel)
    worst = mean_ap(dist + 0.5 * rel, rel)
    assert worst - 1e-12 <= avg <= best + 1e-12


@SETTINGS
@given(st.integers(0, 10**7), st.integers(0, 3000))
def test_harmonic_difference_is_accurate(p, nn):
    exact = math.fsum(1.0 / t for t in range(p + 1, p + nn + 1))  # each term rounded once
    assert harmonic_diff(p, nn) == pytest.approx(exact, rel=1e-12, abs=1e-300)
