"""String and object class labels, in fit and in the metrics, as scikit-learn accepts them."""

import numpy as np
import pytest

import hashlearn
from hashlearn._validation import check_labels
from hashlearn.codes import pack_bits
from hashlearn.metrics import evaluate_codes, mean_average_precision

NAMES = np.array(["ant", "bee", "cat", "dog"])  # sorted: codes 0..3 are the integer labels

TINY = {
    "sdh": {"n_anchors": 20},
    "ksh": {"n_anchors": 20, "n_iter": 5},
    "sh-bdnn": {"n_pretrain_iter": 5, "n_wstep_iter": 5, "max_alternations": 1,
                "hidden_sizes": (16, 8), "preset": "paper"},
    "hashnet": {"epochs": 1, "hidden_sizes": (), "val_size": 0.0},
}  # fmt: skip


def _data(n=120, n_features=10, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4
    return rng.normal(size=(n, n_features)) + 2 * np.eye(n_features)[y], y


@pytest.mark.parametrize("method", sorted(TINY))
def test_string_labels_fit_the_same_codes_as_integer_labels(method):
    X, y = _data()
    make = lambda: hashlearn.create(method, n_bits=8, random_state=0, **TINY[method])  # noqa: E731
    by_int = make().fit(X, y).encode(X)
    np.testing.assert_array_equal(make().fit(X, NAMES[y]).encode(X), by_int)
    np.testing.assert_array_equal(make().fit(X, NAMES[y].astype(object)).encode(X), by_int)


def test_sh_bdnn_codes_string_labels_of_x_val_with_those_of_x():
    X, y = _data()
    X_val, y_val = X[:30], np.where(y[:30] == 0, 1, y[:30])  # the validation rows lack class 0
    make = lambda: hashlearn.create("sh-bdnn", n_bits=8, random_state=0, **TINY["sh-bdnn"])  # noqa: E731
    by_int = make().fit(X, y, X_val=X_val, y_val=y_val).encode(X)
    by_name = make().fit(X, NAMES[y], X_val=X_val, y_val=NAMES[y_val]).encode(X)
    np.testing.assert_array_equal(by_name, by_int)


def test_check_labels_codes_strings_and_keeps_integers():
    assert check_labels(["b", "a", "b"], 3).tolist() == [1, 0, 1]
    assert check_labels(np.array([7, -2]), 2).tolist() == [7, -2]
    with pytest.raises(TypeError, match="y mixes labels that cannot be compared"):
        check_labels(np.array(["a", 1], dtype=object), 2)
    with pytest.raises(ValueError, match="2-D label matrix must contain only 0 and 1"):
        check_labels(np.array([["a"], ["b"]]), 2)


def _codes(n, n_bits=8, seed=1):
    return pack_bits(np.random.default_rng(seed).integers(0, 2, size=(n, n_bits)))


def test_metrics_encode_query_and_database_string_labels_together():
    q, db = _codes(20), _codes(50, seed=2)
    rng = np.random.default_rng(3)
    yq, ydb = rng.integers(1, 4, 20), rng.integers(0, 4, 50)  # the queries never hold class 0
    names = ("map", "map@10", "precision_at_radius_2")
    want = evaluate_codes(q, db, yq, ydb, n_bits=8, metrics=names)
    assert evaluate_codes(q, db, NAMES[yq], NAMES[ydb], n_bits=8, metrics=names) == want
    as_objects = (NAMES[yq].astype(object), NAMES[ydb].astype(object))
    assert mean_average_precision(q, db, *as_objects, n_bits=8) == want["map"]


def test_metrics_refuse_strings_against_numbers():
    q = _codes(3)
    with pytest.raises(TypeError, match="must be labels of the same kind"):
        mean_average_precision(q, q, ["a", "b", "a"], [0, 1, 0], n_bits=8)


def test_validation_labels_of_another_kind_than_y_are_refused():
    X, y = _data()
    model = hashlearn.create("sh-bdnn", n_bits=8, random_state=0, **TINY["sh-bdnn"])
    with pytest.raises(TypeError, match=r"y .* and y_val .* must be labels of the same kind"):
        model.fit(X, y, X_val=X[:30], y_val=NAMES[y[:30]])
