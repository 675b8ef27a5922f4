"""``race_workers``: candidates raced side by side in worker processes, to the same result."""

import os
import warnings

import numba
import numpy as np
import pytest
import torch
from bdnn_helpers import FAST, WSteps, assert_same_fit

from hashlearn.deep.bdnn import SHBDNN, UHBDNN, fitting, training
from hashlearn.metrics import _engine as engine
from hashlearn.metrics import mean_average_precision

#: Long enough runs that the finalists have stages left after the race.
LONGER = {**FAST, "max_alternations": 3, "patience": 5}


def untimed(rows):
    return [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]


def assert_same_race(model, other, X):
    assert untimed(model.settings_["candidates"]) == untimed(other.settings_["candidates"])
    assert {k: v for k, v in model.settings_.items() if k != "candidates"} == {
        k: v for k, v in other.settings_.items() if k != "candidates"
    }
    assert_same_fit(model, other, X)


@pytest.mark.parametrize("params", [{}, {"time_budget": 0.0}, {"race_finalists": 3}])
def test_sh_bdnn_with_workers_ends_as_without(digits, params):
    X, y = digits
    alone = SHBDNN(n_bits=16, race_workers=1, **LONGER, **params).fit(X[:600], y[:600])
    side_by_side = SHBDNN(n_bits=16, race_workers=2, **LONGER, **params).fit(X[:600], y[:600])
    assert len(alone.settings_["candidates"]) == 5
    assert_same_race(side_by_side, alone, X[600:])


def test_uh_bdnn_races_its_starts_side_by_side(digits):
    X, _ = digits
    params = {"n_bits": 8, "n_restarts": 3, "race_finalists": 2, **LONGER}
    alone = UHBDNN(race_workers=1, **params).fit(X[:400])
    side_by_side = UHBDNN(race_workers=3, **params).fit(X[:400])
    assert_same_race(side_by_side, alone, X[400:500])


def test_a_failed_worker_leaves_its_candidate_to_the_race(digits, monkeypatch):
    X, y = digits
    alone = SHBDNN(n_bits=8, race_workers=1, **LONGER).fit(X[:300], y[:300])
    parent = os.getpid()
    real = training.w_step

    def fails_in_workers(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("a worker fails")
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "w_step", fails_in_workers)
    with pytest.warns(RuntimeWarning, match="a race worker ended with status 1"):
        side_by_side = SHBDNN(n_bits=8, race_workers=2, **LONGER).fit(X[:300], y[:300])
    assert_same_race(side_by_side, alone, X[300:400])


def test_workers_score_without_the_thread_pool_of_their_parent(digits, monkeypatch):
    X, y = digits
    monkeypatch.setattr(engine, "SERIAL_BELOW", 0)  # the threaded kernels wherever allowed
    codes = np.zeros((2, 1), np.uint8)
    mean_average_precision(codes, codes, [0, 1], [0, 1], n_bits=8)
    assert numba.threading_layer()  # raises unless this process started numba's pool
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a worker killed by numba would warn
        side_by_side = SHBDNN(n_bits=8, race_workers=2, **LONGER).fit(X[:300], y[:300])
    alone = SHBDNN(n_bits=8, race_workers=1, **LONGER).fit(X[:300], y[:300])
    assert_same_race(side_by_side, alone, X[300:400])


def test_workers_checkpoint_the_race_for_a_resumed_fit(digits, monkeypatch, tmp_path):
    X, y = digits
    params = {"n_bits": 8, "checkpoint_dir": tmp_path, **LONGER}
    side_by_side = SHBDNN(race_workers=2, **params).fit(X[:300], y[:300])
    assert len(list(tmp_path.glob("race-*"))) == 5
    steps = WSteps(training.w_step)
    monkeypatch.setattr(training, "w_step", steps)
    resumed = SHBDNN(race_workers=1, resume=True, **params).fit(X[:300], y[:300])
    assert steps.calls == 0  # every stage of the race and of the finalists loaded
    assert_same_race(resumed, side_by_side, X[300:400])


def test_auto_uses_workers_only_where_candidates_train_on_one_thread(monkeypatch):
    with fitting._threads(2, 0) as cores:
        assert SHBDNN()._workers(cores) == SHBDNN(race_workers=2)._workers(cores) == 1
    with fitting._threads(1, 0):
        assert SHBDNN()._workers(3) == 3
        monkeypatch.setattr(fitting, "can_fork", lambda: False)
        assert SHBDNN()._workers(3) == SHBDNN(race_workers=4)._workers(3) == 1
    assert torch.get_num_threads() == cores


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "2", None])
def test_a_bad_number_of_workers_is_refused(digits, value):
    X, y = digits
    with pytest.raises(ValueError, match="race_workers must be an integer >= 1 or 'auto'"):
        SHBDNN(n_bits=8, race_workers=value, **FAST).fit(X[:300], y[:300])
