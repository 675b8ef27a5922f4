"""The early-stopping scorer agrees with hashlearn.metrics (standard mAP, stable ties)."""

import numpy as np
import pytest
import torch

from hashlearn.codes import pack_bits
from hashlearn.deep.bdnn.validation import (
    knn_relevance,
    label_relevance,
    ranking_map,
    split_validation,
)

metrics = pytest.importorskip("hashlearn.metrics")


def _codes(rng, n, n_bits):
    return torch.as_tensor(np.where(rng.random((n, n_bits)) > 0.5, 1.0, -1.0))


@pytest.mark.parametrize("multilabel", [False, True])
def test_ranking_map_equals_metrics_map(multilabel):
    rng = np.random.default_rng(0)
    q, db = _codes(rng, 30, 6), _codes(rng, 200, 6)  # 6 bits: many ties
    if multilabel:
        yq, ydb = rng.integers(0, 2, (30, 4)), rng.integers(0, 2, (200, 4))
    else:
        yq, ydb = rng.integers(0, 4, 30), rng.integers(0, 4, 200)
    ours = ranking_map(q, db, label_relevance(yq, ydb), chunk=7)
    packed = [pack_bits((c.numpy() > 0).astype(np.uint8)) for c in (q, db)]
    theirs = metrics.mean_average_precision(*packed, yq, ydb, n_bits=6)
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_knn_relevance_map_equals_metrics_map():
    rng = np.random.default_rng(1)
    Xq, Xdb = torch.as_tensor(rng.random((20, 5))), torch.as_tensor(rng.random((150, 5)))
    relevant = knn_relevance(Xq, Xdb, 10, chunk=6)
    dense = relevant(slice(0, 20)).numpy()
    assert dense.sum(1).tolist() == [10] * 20
    q, db = _codes(rng, 20, 8), _codes(rng, 150, 8)
    packed = [pack_bits((c.numpy() > 0).astype(np.uint8)) for c in (q, db)]
    theirs = metrics.mean_average_precision(*packed, n_bits=8, relevance=dense)
    assert ranking_map(q, db, relevant) == pytest.approx(theirs, abs=1e-12)


def test_split_validation_errors():
    with pytest.raises(ValueError, match="val_size"):
        split_validation(10, 9, np.random.default_rng(0))
    with pytest.raises(TypeError, match="val_size"):
        split_validation(10, "10%", np.random.default_rng(0))
