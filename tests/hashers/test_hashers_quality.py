"""Retrieval quality on sklearn digits: beats random codes, labels help, determinism, save/load."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

import hashlearn
from hashlearn.metrics import mean_average_precision

FAST = {"ksh": {"n_iter": 50}, "bre": {"n_sweeps": 1}, "bre-sup": {"n_sweeps": 1}}
UNSUPERVISED = ["lsh", "pcah", "itq", "sh", "bre"]
SUPERVISED = ["itq-cca", "sdh", "ksh", "bre-sup"]


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def make(name, n_bits=16, **extra):
    return hashlearn.create(name, n_bits=n_bits, random_state=0, **{**FAST.get(name, {}), **extra})


def fit(model, X, y):
    return model.fit(X, y) if model.supervised else model.fit(X)


def retrieval_map(name, digits, n_bits=16):
    X, y = digits
    model = fit(make(name, n_bits), X[:1000], y[:1000])
    return mean_average_precision(
        model.encode(X[1000:]), model.encode(X[:1000]), y[1000:], y[:1000], n_bits=n_bits
    )


@pytest.fixture(scope="module")
def scores(digits):
    with threadpool_limits(1):
        return {name: retrieval_map(name, digits) for name in UNSUPERVISED + SUPERVISED}


def random_map(digits, n_bits=16):
    X, y = digits
    codes = np.random.default_rng(0).integers(
        0, 256, size=(X.shape[0], n_bits // 8), dtype=np.uint8
    )
    return mean_average_precision(codes[1000:], codes[:1000], y[1000:], y[:1000], n_bits=n_bits)


@pytest.mark.parametrize("name", UNSUPERVISED + SUPERVISED)
def test_beats_random_codes_clearly(name, scores, digits):
    chance = random_map(digits)
    assert chance < 0.13
    assert scores[name] > chance + 0.15, (name, scores[name], chance)


@pytest.mark.parametrize(
    ("supervised", "unsupervised", "margin"),
    [
        ("itq-cca", "itq", 0.1),
        ("sdh", "itq", 0.3),
        ("ksh", "itq", 0.3),
        ("bre-sup", "bre", 0.1),
    ],
)
def test_labels_help(supervised, unsupervised, margin, scores):
    assert scores[supervised] > scores[unsupervised] + margin, scores


def test_itq_beats_pcah_at_32_bits(digits):
    """ITQ's rotation balances variance over bits; plain PCA signs lose (paper, figure 4)."""
    assert retrieval_map("itq", digits, 32) > retrieval_map("pcah", digits, 32)


@pytest.mark.parametrize("name", UNSUPERVISED + SUPERVISED)
def test_seed_determines_codes_and_save_load_round_trips(name, digits, tmp_path):
    X, y = digits
    a = fit(make(name), X[:300], y[:300])
    b = fit(make(name), X[:300], y[:300])
    assert np.array_equal(a.encode(X[300:400]), b.encode(X[300:400]))
    loaded = hashlearn.load(a.save(tmp_path / name))
    assert np.array_equal(loaded.project(X[300:400]), a.project(X[300:400]))


@pytest.mark.parametrize("name", SUPERVISED)
def test_multilabel_matrix_accepted_and_used(name, digits):
    """A 0/1 matrix with one label per row gives the same model as the class labels."""
    X, y = digits
    onehot = np.eye(10, dtype=np.int64)[y[:300]]
    a = make(name).fit(X[:300], y[:300]).encode(X[300:400])
    b = make(name).fit(X[:300], onehot).encode(X[300:400])
    assert np.array_equal(a, b)
    multi = onehot.copy()
    multi[:, 0] = (y[:300] % 2 == 0).astype(np.int64) | multi[:, 0]
    codes = make(name).fit(X[:300], multi).encode(X[300:400])
    assert codes.shape == (100, 2)


def test_sdh_with_as_many_anchors_as_training_rows_still_learns(digits):
    """Every training row is then an anchor: the bandwidth is each row's distance to
    its nearest other anchor, not to itself (zero up to rounding)."""
    X, y = digits
    model = make("sdh", n_anchors=300).fit(X[:300], y[:300])
    gaps = np.linalg.norm(X[:300, None] - X[None, :300], axis=2)
    np.fill_diagonal(gaps, np.inf)
    assert model.sigma_ == pytest.approx(gaps.min(axis=1).mean())
    got = mean_average_precision(
        model.encode(X[1000:]), model.encode(X[:1000]), y[1000:], y[:1000], n_bits=16
    )
    assert got > 0.6 > 3 * random_map(digits)
