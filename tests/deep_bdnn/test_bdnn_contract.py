"""UH-/SH-BDNN under the shared contract: ``progress`` (``verbose`` deprecated),
validation rows by keyword (by position deprecated), ``history_``, checkpoints."""

import hashlib
import math
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits

from hashlearn.deep.bdnn import SHBDNN, UHBDNN
from hashlearn.deep.bdnn.training import Tracker
from hashlearn.deep.checkpoint import fingerprint

FAST = {
    "n_bits": 8,
    "n_pretrain_iter": 20,
    "n_wstep_iter": 10,
    "max_alternations": 2,
    "preset": "paper",
    "random_state": 0,
}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


def test_validation_rows_by_position_still_work_with_a_future_warning(digits):
    X, y = digits
    by_keyword = SHBDNN(**FAST).fit(X[:200], y[:200], X_val=X[200:], y_val=y[200:])
    with pytest.warns(FutureWarning, match="by position is deprecated"):
        by_position = SHBDNN(**FAST).fit(X[:200], y[:200], X[200:], y[200:])
    assert by_position.val_scores_ == by_keyword.val_scores_
    with pytest.warns(FutureWarning, match="by position is deprecated"):
        unsupervised = UHBDNN(**FAST).fit(X[:200], None, X[200:])
    assert unsupervised.val_scores_ == UHBDNN(**FAST).fit(X[:200], X_val=X[200:]).val_scores_
    with pytest.raises(TypeError, match="by keyword"):
        SHBDNN(**FAST).fit(X[:200], y[:200], X[200:], X_val=X[200:])


def test_progress_prints_one_line_per_stage_with_the_cost_of_history(digits, capsys):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new name does not warn
        model = SHBDNN(**FAST, progress=True).fit(X, y)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == len(model.history_) == model.n_alternations_ + 1
    costs = [float(line.split("cost ")[1].split(",")[0]) for line in lines]
    assert costs == pytest.approx([row["loss"] for row in model.history_], rel=1e-5)


def test_verbose_is_a_deprecated_alias_of_progress(digits, capsys):
    X, y = digits
    with pytest.warns(FutureWarning, match=r"verbose=...\) is deprecated.*progress=True"):
        SHBDNN(**FAST, verbose=True).fit(X, y)
    assert "[bdnn] pre-training" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # verbose repeating progress decides nothing: no warning
        SHBDNN(**FAST, progress=False, verbose=False).fit(X, y)
    assert capsys.readouterr().err == ""


def test_history_rows_are_the_stages(digits):
    X, y = digits
    model = SHBDNN(**FAST).fit(X, y)
    stages = ["pre-training"] + ["alternation"] * model.n_alternations_
    assert [row["stage"] for row in model.history_] == stages
    assert [row["val_map"] for row in model.history_] == model.val_scores_
    assert [row["seconds"] for row in model.history_] == model.stage_seconds_
    no_validation = UHBDNN(**FAST, patience=0).fit(X)
    assert all(row["val_map"] is None for row in no_validation.history_)
    assert all(math.isfinite(row["loss"]) for row in no_validation.history_)


def test_validation_rows_of_other_features_are_refused(digits):
    X, y = digits
    with pytest.raises(ValueError, match="X_val rows have shape"):
        SHBDNN(**FAST).fit(X[:200], y[:200], X_val=X[200:, :10], y_val=y[200:])


def test_checkpoints_written_before_costs_were_kept_still_resume():
    meta = {"scores": [0.5, 0.6], "seconds": [1.0, 2.0], "best_score": 0.6, "bad": 0}
    tracker = Tracker.from_meta({**meta, "done": False}, best={})
    assert tracker.costs == [None, None] and tracker.scores == [0.5, 0.6]


def test_the_run_fingerprint_is_the_one_checkpoints_were_written_with():
    """BDNN checkpoints written before the one checkpoint module still resume."""
    X, y, params = np.random.default_rng(0).random((6, 3)), np.arange(6), {"n_bits": 8}
    before = hashlib.sha256(np.ascontiguousarray(X, dtype=np.float64).tobytes())
    before.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    before.update(repr(sorted(params.items())).encode())
    assert fingerprint([X, y.astype(np.int64)], params) == before.hexdigest()
