"""SH-BDNN's ``refit``: once the race has chosen, one more alternation on every row."""

import numpy as np
import pytest
from bdnn_helpers import FAST, assert_same_fit

import hashlearn
from hashlearn.deep.bdnn import SHBDNN, fitting, training


def n_candidates(n_rows: int) -> int:
    """How many distinct settings the default race of these tests' fits runs."""
    return len(SHBDNN(n_bits=8, **FAST)._choices(True, n_rows))


@pytest.fixture
def problem_rows(monkeypatch):
    """The number of training rows of every BDNN problem built, in order."""
    rows, real = [], fitting.Problem

    def spy(X, *args, **kwargs):
        rows.append(X.shape[0])
        return real(X, *args, **kwargs)

    monkeypatch.setattr(fitting, "Problem", spy)
    return rows


def test_the_chosen_network_trains_once_more_on_every_row(digits, problem_rows, monkeypatch):
    X, y = digits
    steps, real_w_step = [], training.w_step

    def counted_w_step(problem, *a, **k):
        steps.append(problem.X.shape[0])
        return real_w_step(problem, *a, **k)

    monkeypatch.setattr(fitting, "w_step", counted_w_step)
    model = SHBDNN(n_bits=8, **FAST).fit(X[:400], y[:400])
    # the candidates race on the 360 rows left by the 40 validation rows, then the refit
    assert problem_rows == [360] * n_candidates(360) + [400]
    assert steps == [400]  # one W-step on every row (the race's steps run in training)
    assert model.settings_["refit"] == {"rows": 400, "alternations": 1}
    without = SHBDNN(n_bits=8, refit=False, **FAST).fit(X[:400], y[:400])
    assert "refit" not in without.settings_
    assert without.val_scores_ == model.val_scores_  # the same choice, then no refit
    assert not np.array_equal(without.project(X[400:]), model.project(X[400:]))


def test_no_refit_with_given_validation_rows_or_the_paper_preset(digits, problem_rows):
    X, y = digits
    given = SHBDNN(n_bits=8, **FAST).fit(X[:360], y[:360], X_val=X[360:400], y_val=y[360:400])
    paper = SHBDNN(n_bits=8, preset="paper", **FAST).fit(X[:400], y[:400])
    assert "refit" not in given.settings_ and "refit" not in paper.settings_
    assert problem_rows == [360] * (n_candidates(360) + 1)


def test_the_refit_is_saved_with_the_model(digits, tmp_path):
    X, y = digits
    model = SHBDNN(n_bits=8, **FAST).fit(X[:300], y[:300])
    model.save(tmp_path / "m")
    loaded = hashlearn.load(tmp_path / "m")
    assert loaded.settings_["refit"] == model.settings_["refit"]
    assert np.array_equal(loaded.encode(X[300:]), model.encode(X[300:]))


def test_resume_after_a_crash_in_the_refit(digits, crash_then_resume):
    X, y = digits
    params = {**FAST, "max_alternations": 3, "patience": 5, "random_state": 1}
    full = SHBDNN(n_bits=8, **params).fit(X[:300], y[:300])
    # fitting.w_step is the refit's step: the first call crashes.
    resumed, _ = crash_then_resume(
        fitting, 1, lambda **k: SHBDNN(n_bits=8, **params, **k), X[:300], y[:300]
    )
    assert resumed.settings_["refit"] == full.settings_["refit"]
    assert_same_fit(resumed, full, X[300:400])
