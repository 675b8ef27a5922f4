"""Leave-one-out metrics and the scikit-learn scorers built on them."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hashlearn import PackBits
from hashlearn.codes import pack_bits
from hashlearn.hashers import ITQ, LSH
from hashlearn.metrics import (
    make_hashing_scorer,
    map_scorer,
    mean_average_precision,
    precision_at_k,
    precision_at_radius,
)
from hashlearn.metrics.scoring import leave_one_out_score


def _codes(n, n_bits=10, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, size=(n, n_bits))
    return pack_bits(bits), rng.integers(0, n_classes, n), n_bits


def _each_query_without_itself(metric, codes, labels, n_bits, **kwargs):
    """Brute-force leave-one-out: query i against the database with row i deleted."""
    values = [
        metric(codes[i : i + 1], np.delete(codes, i, axis=0), labels[i : i + 1],
               np.delete(labels, i), n_bits=n_bits, **kwargs)
        for i in range(len(codes))
    ]  # fmt: skip
    return float(np.nanmean(values))


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"topk": 5}, {"ties": "average"}, {"preset": "hashnet_pytorch", "topk": 7}],
)
def test_exclude_self_map_equals_deleting_each_query_from_the_database(kwargs):
    codes, y, n_bits = _codes(300)  # two query chunks: the offset of the second one counts
    want = _each_query_without_itself(mean_average_precision, codes, y, n_bits, **kwargs)
    got = mean_average_precision(codes, codes, y, y, n_bits=n_bits, exclude_self=True, **kwargs)
    assert got == pytest.approx(want, abs=1e-12)
    assert got != mean_average_precision(codes, codes, y, y, n_bits=n_bits, **kwargs)


def test_exclude_self_precision_at_k_and_radius_equal_the_brute_force():
    codes, y, n_bits = _codes(60)
    want_k = _each_query_without_itself(precision_at_k, codes, y, n_bits, k=4)
    assert precision_at_k(codes, codes, y, y, n_bits=n_bits, k=4, exclude_self=True) == (
        pytest.approx(want_k, abs=1e-12)
    )
    want_r = _each_query_without_itself(precision_at_radius, codes, y, n_bits, radius=2)
    assert leave_one_out_score(codes, y, n_bits, "precision_at_radius_2") == (
        pytest.approx(want_r, abs=1e-12)
    )


def test_exclude_self_with_dense_relevance_matches_labels_on_the_threaded_kernel():
    codes, y, n_bits = _codes(1100, n_bits=12)  # a single dense chunk of 1.2M pairs: threaded
    dense = y[:, None] == y[None, :]
    by_labels = mean_average_precision(codes, codes, y, y, n_bits=n_bits, exclude_self=True)
    by_dense = mean_average_precision(
        codes, codes, n_bits=n_bits, relevance=dense, exclude_self=True
    )
    assert by_dense == pytest.approx(by_labels, abs=1e-12)


def test_exclude_self_needs_the_queries_to_be_the_database():
    codes, y, n_bits = _codes(6)
    one = {"n_bits": n_bits, "exclude_self": True}
    with pytest.raises(ValueError, match="query_codes to be db_codes"):
        mean_average_precision(codes[:5], codes, y[:5], y, **one)
    with pytest.raises(ValueError, match="at least 2 codes"):
        mean_average_precision(codes[:1], codes[:1], y[:1], y[:1], **one)


def _blobs(n=120, n_features=8, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    return rng.normal(size=(n, n_features)) + 3 * np.eye(n_features)[y], y


def test_score_is_leave_one_out_map_of_the_codes():
    X, y = _blobs()
    model = ITQ(n_bits=6, random_state=0).fit(X)
    codes = model.encode(X)
    want = mean_average_precision(codes, codes, y, y, n_bits=6, exclude_self=True)
    assert model.score(X, y) == want == map_scorer(model, X, y)


def test_grid_search_without_scoring_uses_score_and_equals_map_scorer():
    X, y = _blobs()
    grid, cv = {"n_bits": [1, 6]}, KFold(3, shuffle=True, random_state=0)
    default = GridSearchCV(ITQ(random_state=0), grid, cv=cv).fit(X, y)
    explicit = GridSearchCV(ITQ(random_state=0), grid, cv=cv, scoring=map_scorer).fit(X, y)
    assert default.best_params_ == {"n_bits": 6}
    np.testing.assert_array_equal(
        default.cv_results_["mean_test_score"], explicit.cv_results_["mean_test_score"]
    )


def test_radius_scorer_in_a_pipeline_grid_search():
    X, y = _blobs()
    scorer = make_hashing_scorer("precision_at_radius_1")
    pipe = make_pipeline(StandardScaler(), ITQ(random_state=0), PackBits())
    search = GridSearchCV(pipe, {"itq__n_bits": [2, 8]}, scoring=scorer, cv=2).fit(X, y)
    scaled = StandardScaler().fit_transform(X)
    itq = ITQ(n_bits=search.best_params_["itq__n_bits"], random_state=0).fit(scaled)
    want = leave_one_out_score(itq.encode(scaled), y, itq.n_bits, "precision_at_radius_1")
    assert scorer(search.best_estimator_, X, y) == pytest.approx(want)


def test_scorers_accept_string_labels():
    X, y = _blobs()
    model = LSH(n_bits=8, random_state=0).fit(X)
    assert map_scorer(model, X, np.array(["a", "b", "c"])[y]) == model.score(X, y)


def test_scorer_errors_name_what_to_fix():
    X, y = _blobs()
    with pytest.raises(ValueError, match="metrics: unknown metric name 'ndcg'"):
        make_hashing_scorer("ndcg")
    with pytest.raises(ValueError, match="y is required"):
        map_scorer(ITQ(n_bits=4).fit(X), X, None)
    with pytest.raises(TypeError, match="estimator: a hashing scorer needs a hasher"):
        map_scorer(StandardScaler().fit(X), X, y)
