"""Data of the report's new curves: precision@N names and values, ball metrics from PR curves."""

import numpy as np
import pytest

from hashlearn.bench import curves
from hashlearn.bench.runner import pr_curve_from, pr_curve_metrics
from hashlearn.metrics import evaluate_codes, precision_at_k
from hashlearn.metrics.evaluate import parse_metric

N_BITS = 8


def _codes(seed=0, n_query=12, n_db=150):
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 256, (n_query, 1), dtype=np.uint8)
    db = rng.integers(0, 256, (n_db, 1), dtype=np.uint8)
    return q, db, rng.integers(0, 3, n_query), rng.integers(0, 3, n_db)


@pytest.mark.parametrize(("n_db", "top"), [(1497, 1000), (250, 250), (3, 3), (1, 1)])
def test_cutoffs_rise_from_1_to_the_smaller_of_database_and_maximum(n_db, top):
    cutoffs = curves.precision_at_n_cutoffs(n_db)
    assert cutoffs[0] == 1 and cutoffs[-1] == top
    assert cutoffs == sorted(set(cutoffs))


def test_precision_at_n_names_evaluate_to_the_precision_at_k_curve():
    q, db, yq, ydb = _codes()
    values = evaluate_codes(
        q, db, yq, ydb, n_bits=N_BITS, metrics=["map", *curves.precision_at_n_metrics(len(db))]
    )
    curve = curves.precision_at_n_curve(values)
    assert curve["n"] == curves.precision_at_n_cutoffs(len(db))
    expected = [precision_at_k(q, db, yq, ydb, n_bits=N_BITS, k=n) for n in curve["n"]]
    np.testing.assert_allclose(curve["precision"], expected)


def test_precision_at_n_curve_is_empty_without_such_metrics():
    assert curves.precision_at_n_curve({"map": 0.5}) == {"n": [], "precision": []}


def test_ball_metrics_of_old_records_come_from_their_pr_curve():
    q, db, yq, ydb = _codes(1)
    names = ["map", "recall_at_radius_2", *pr_curve_metrics(N_BITS)]
    values = evaluate_codes(q, db, yq, ydb, n_bits=N_BITS, metrics=names)
    record = {"metrics": {"map": values["map"]}, "pr_curve": pr_curve_from(values, N_BITS)}
    assert curves.record_metric(record, "recall_at_radius_2") == values["recall_at_radius_2"]
    assert curves.record_metric(record, "map") == values["map"]
    assert curves.record_metric(record, "recall_at_radius_9") is None
    assert curves.record_metric({"metrics": {}, "pr_curve": {}}, "recall_at_radius_2") is None


def test_runner_radius_metrics_count_an_empty_ball_as_zero():
    """The report's PR note says empty balls count as precision 0: keep it true."""
    assert parse_metric("precision_at_radius_0").empty == "zero"


def test_runner_records_sizes_and_the_precision_at_n_curve():
    from hashlearn.bench.runner import run_benchmark

    result = run_benchmark("digits", ["lsh"], [8], seeds=[0], progress=False)
    record = result["records"][0]
    assert record["sizes"] == {"queries": 300, "train": 1000, "database": 1497}
    curve = record["precision_at_n"]
    assert curve["n"][:3] == [1, 5, 10] and curve["n"][-1] == 1000
    assert len(curve["precision"]) == len(curve["n"])
    assert all(0.0 <= p <= 1.0 for p in curve["precision"])
