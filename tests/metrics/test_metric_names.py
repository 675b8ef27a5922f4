"""One metric vocabulary: aliases mean the canonical names, and results are keyed by them."""

from __future__ import annotations

import numpy as np
import pytest

from hashlearn.metrics import evaluate_codes
from hashlearn.metrics.evaluate import canonical_metric_name


@pytest.fixture(scope="module")
def codes():
    rng = np.random.default_rng(0)
    q, db = rng.integers(0, 256, (20, 2), np.uint8), rng.integers(0, 256, (200, 2), np.uint8)
    return q, db, rng.integers(0, 4, 20), rng.integers(0, 4, 200)


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("p@r2", "precision_at_radius_2"),
        ("r@r3", "recall_at_radius_3"),
        ("P@R02", "precision_at_radius_2"),
        ("p@100", "precision@100"),
        ("mAP", "map"),
        ("map@0100", "map@100"),
        ("map_bdnn_matlab", "map_bdnn"),
        (" map_tie_avg@7 ", "map_tie_avg@7"),
        ("precision_at_radius_2", "precision_at_radius_2"),
        ("map_hashnet_caffe@20", "map_hashnet_caffe@20"),
    ],
)
def test_aliases_have_one_canonical_name(alias, canonical):
    assert canonical_metric_name(alias) == canonical


@pytest.mark.parametrize("bad", ["p@0", "p@rx", "map_nope", "ndcg", "precision@"])
def test_unknown_names_are_refused(bad):
    with pytest.raises(ValueError, match="metrics: unknown metric name"):
        canonical_metric_name(bad)


def test_evaluate_codes_accepts_aliases_and_keys_by_canonical_names(codes):
    q, db, yq, ydb = codes
    long = evaluate_codes(
        q, db, yq, ydb, n_bits=16, metrics=["precision_at_radius_2", "precision@10", "map"]
    )
    short = evaluate_codes(q, db, yq, ydb, n_bits=16, metrics=["p@r2", "p@10", "mAP"])
    assert short == long
    assert list(short) == ["precision_at_radius_2", "precision@10", "map"]


def test_two_names_of_one_metric_give_one_entry(codes):
    q, db, yq, ydb = codes
    out = evaluate_codes(q, db, yq, ydb, n_bits=16, metrics=["p@r2", "precision_at_radius_2"])
    assert list(out) == ["precision_at_radius_2"]
