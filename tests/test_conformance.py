"""One contract for every registered method (``hashlearn.list_methods()``).

Each method: ``fit(X, y=None, *, X_val=None, y_val=None)``; supervised methods
refuse ``y=None`` with one error; validation rows of the wrong width are
refused by name; ``get_params`` / ``set_params`` / ``clone`` round-trip. Each
deep method: ``progress`` (off by default) and a ``history_`` whose rows share
the same keys. And scikit-learn's estimator checks, with the checks that
cannot apply to hashing listed with their reason.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

import hashlearn
from hashlearn._registry import method_summary
from hashlearn.bench.runner import training_curve

TINY_BDNN = {
    "n_pretrain_iter": 3,
    "n_wstep_iter": 3,
    "max_alternations": 1,
    "hidden_sizes": (8, 4),
    "preset": "paper",
}
TINY_PAIRWISE = {"epochs": 1, "hidden_sizes": (), "batch_size": 32}
#: Fast settings of every registered method (the sklearn checks fit each many times).
FAST: dict[str, dict] = {
    "bre": {"n_bits": 4, "n_train": 50, "n_base": 5, "n_sweeps": 1},
    "bre-sup": {"n_bits": 4, "n_train": 50, "n_base": 5, "n_sweeps": 1},
    "dhn": {"n_bits": 4, **TINY_PAIRWISE},
    "hashnet": {"n_bits": 4, **TINY_PAIRWISE},
    "itq": {"n_bits": 2, "n_iter": 5},
    "itq-cca": {"n_bits": 2},
    "ksh": {"n_bits": 4, "n_anchors": 10, "n_iter": 5},
    "lsh": {"n_bits": 4},
    "pcah": {"n_bits": 2},
    "sdh": {"n_bits": 4, "n_anchors": 10},
    "sh": {"n_bits": 3},
    "sh-bdnn": {"n_bits": 2, **TINY_BDNN},
    "uh-bdnn": {"n_bits": 2, **TINY_BDNN},
}
METHODS = hashlearn.list_methods()
DEEP = [m for m in METHODS if method_summary(m)["family"] == "deep"]
#: Methods whose ``fit`` still takes the validation rows by position too, with a
#: FutureWarning (``fit(X, y, X_val, y_val)`` was their signature).
POSITIONAL_VALIDATION = {"sh-bdnn", "uh-bdnn"}


def make(method: str):
    return hashlearn.create(method, random_state=0, **FAST[method])


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:200] / 16.0).astype(np.float32), y[:200]


def test_every_registered_method_has_fast_settings():
    assert sorted(FAST) == METHODS


@pytest.mark.parametrize("method", METHODS)
def test_fit_signature_is_the_contract(method):
    parameters = dict(inspect.signature(type(make(method)).fit).parameters)
    kinds = {name: (p.kind, p.default) for name, p in parameters.items()}
    empty, keyword = inspect.Parameter.empty, inspect.Parameter.KEYWORD_ONLY
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    if method in POSITIONAL_VALIDATION:
        assert kinds.pop("legacy") == (inspect.Parameter.VAR_POSITIONAL, empty)
    assert kinds == {
        "self": (positional, empty),
        "X": (positional, empty),
        "y": (positional, None),
        "X_val": (keyword, None),
        "y_val": (keyword, None),
    }


@pytest.mark.parametrize("method", [m for m in METHODS if method_summary(m)["supervised"]])
def test_supervised_methods_refuse_missing_labels(method, digits):
    with pytest.raises(ValueError, match="y is required"):
        make(method).fit(digits[0])


@pytest.mark.parametrize("method", METHODS)
def test_validation_rows_are_accepted_and_checked(method, digits):
    X, y = digits
    model = make(method).fit(X[:150], y[:150], X_val=X[150:], y_val=y[150:])
    assert model.transform(X[:3]).shape == (3, model.n_bits)
    with pytest.raises(ValueError, match="X_val"):
        make(method).fit(X[:150], y[:150], X_val=X[150:, :10], y_val=y[150:])
    with pytest.raises(ValueError, match="y_val was given without X_val"):
        make(method).fit(X[:150], y[:150], y_val=y[150:])


@pytest.mark.parametrize("method", DEEP)
def test_deep_methods_have_progress_off_by_default(method):
    assert make(method).get_params()["progress"] is False


@pytest.mark.parametrize("method", DEEP)
def test_deep_methods_keep_a_history_with_the_same_keys(method, digits):
    from hashlearn.deep._base import HISTORY_KEYS

    model = make(method).fit(*digits)
    assert model.history_ and all(set(HISTORY_KEYS) <= set(row) for row in model.history_)
    first = 0 if method.endswith("bdnn") else 1  # BDNN's stage 0 is the pre-training
    numbers = [row["epoch"] for row in model.history_]
    assert numbers == list(range(first, first + len(numbers)))
    curve = training_curve(model)
    assert set(curve) == {"loss", "val_map"} and len(curve["loss"]) == len(model.history_)


@pytest.mark.parametrize("method", METHODS)
def test_get_params_set_params_and_clone_round_trip(method):
    model = make(method)
    params = model.get_params()
    again = type(model)().set_params(**params)
    assert again.get_params() == params
    twin = clone(model)
    assert twin is not model and twin.get_params() == params


VALIDATION = (
    "hashlearn._validation.check_features (shared) is dense-only by design and raises its"
    " own argument-naming messages, not sklearn's wording"
)
COMMON = {
    "check_transformer_preserve_dtypes": "codes are uint8 bits, never the input float dtype",
    "check_n_features_in_after_fitting": (
        "BaseHasher.project rejects the wrong width with its own wording, not sklearn's"
        " 'is expecting N features'"
    ),
    **{
        name: VALIDATION
        for name in (
            "check_complex_data",
            "check_estimator_sparse_array",
            "check_estimator_sparse_matrix",
            "check_estimator_sparse_tag",
            "check_estimators_empty_data_messages",
            "check_fit2d_predict1d",
        )
    },
}
#: Methods that need 2 training rows (a mean and a spread, or a pair); a clear error.
TWO_ROWS = {"bre", "bre-sup", "itq", "itq-cca", "ksh", "pcah", "sdh", "sh", "sh-bdnn", "uh-bdnn"}
#: Methods whose codes come from n_bits linear directions (PCA, CCA, BDNN's ITQ
#: initialisation): n_bits > n_features is refused with an n_bits error.
N_BITS_AT_MOST_N_FEATURES = {"itq", "itq-cca", "pcah", "sh-bdnn", "uh-bdnn"}


def expected_failures(estimator):
    """Checks that cannot apply to hashing (or to the shared validation), with the reason."""
    out = dict(COMMON)
    if estimator.method_name in TWO_ROWS:
        out["check_fit2d_1sample"] = "needs at least 2 training rows; clear error"
    if estimator.method_name in N_BITS_AT_MOST_N_FEATURES:
        out["check_fit2d_1feature"] = "refuses n_bits > n_features with an n_bits error"
    return out


@parametrize_with_checks([make(m) for m in METHODS], expected_failed_checks=expected_failures)
def test_sklearn_compatible(estimator, check):
    with threadpool_limits(1):
        check(estimator)
