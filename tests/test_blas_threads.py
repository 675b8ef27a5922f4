"""Small fits run with one BLAS thread; large ones keep the process's BLAS threads."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import hashlearn
from hashlearn import _blas


def blas_threads() -> int:
    return max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")


def threads_seen_by_learn(monkeypatch, name, X, y, **params):
    """The BLAS thread count inside ``_learn`` of method ``name`` fitted on ``(X, y)``."""
    model = hashlearn.create(name, n_bits=8, random_state=0, **params)
    seen = []
    learn = type(model)._learn

    def spy(self, X, y):
        seen.append(blas_threads())
        learn(self, X, y)

    monkeypatch.setattr(type(model), "_learn", spy)
    model.fit(X, y) if model.supervised else model.fit(X)
    return seen[0]


@pytest.fixture
def two_blas_threads():
    with threadpool_limits(2, "blas"):
        if blas_threads() < 2:
            pytest.skip("BLAS runs on one thread here")
        yield


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(200, 12)), rng.integers(0, 3, 200)


def test_small_fit_runs_on_one_blas_thread_and_restores_the_count(
    monkeypatch, two_blas_threads, data
):
    assert threads_seen_by_learn(monkeypatch, "itq", *data) == 1
    assert blas_threads() == 2


def test_large_fit_keeps_the_blas_threads(monkeypatch, two_blas_threads, data):
    monkeypatch.setattr(_blas, "SMALL_FIT_ENTRIES", data[0].size)
    assert threads_seen_by_learn(monkeypatch, "itq", *data) == 2


def test_ksh_fits_on_one_blas_thread_whatever_the_input_size(monkeypatch, two_blas_threads, data):
    monkeypatch.setattr(_blas, "SMALL_FIT_ENTRIES", 0)
    assert threads_seen_by_learn(monkeypatch, "ksh", *data, n_anchors=20, n_iter=5) == 1
    assert threads_seen_by_learn(monkeypatch, "itq", *data) == 2


def test_sdh_keeps_the_blas_threads_whatever_the_input_size(monkeypatch, two_blas_threads, data):
    assert threads_seen_by_learn(monkeypatch, "sdh", *data) == 2


@pytest.mark.parametrize("name", ["itq", "sdh"])
def test_the_blas_thread_count_does_not_change_the_codes(monkeypatch, name, data):
    X, y = data
    monkeypatch.setattr(_blas, "SMALL_FIT_ENTRIES", 0)  # the outer limit decides
    with threadpool_limits(1, "blas"):
        one = hashlearn.create(name, n_bits=8, random_state=0).fit(X, y).encode(X)
    with threadpool_limits(2, "blas"):
        every = hashlearn.create(name, n_bits=8, random_state=0).fit(X, y).encode(X)
    assert np.array_equal(one, every)
