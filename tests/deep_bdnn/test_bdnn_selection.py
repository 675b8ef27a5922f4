"""preset="auto": the race of candidate settings on the validation split."""

import numpy as np
import pytest
from bdnn_helpers import FAST, NOT_RACED, assert_same_fit, settings_alone

import hashlearn
from hashlearn.deep.bdnn import SHBDNN, UHBDNN, fitting, inputs, selection, training


def test_paper_preset_is_the_papers_settings(digits):
    X, y = digits
    paper = SHBDNN(n_bits=16, preset="paper", **FAST).fit(X[:600], y[:600])
    explicit = SHBDNN(n_bits=16, preset="paper", lambda1=1e-5, hidden_sizes=(90, 30), **FAST)
    explicit.fit(X[:600], y[:600])
    assert paper.settings_["candidates"] == explicit.settings_["candidates"] == []
    assert paper.settings_["lambda1"] == 1e-5 and paper.settings_["hidden_sizes"] == [90, 30]
    assert np.array_equal(paper.encode(X[600:]), explicit.encode(X[600:]))


def test_auto_races_the_candidates_and_keeps_the_best(digits):
    X, y = digits
    alone = SHBDNN(n_bits=16, lambda1=1e-5, **NOT_RACED, **FAST).fit(X[:600], y[:600])
    auto = SHBDNN(n_bits=16, race_finalists=1, **FAST).fit(X[:600], y[:600])
    results = auto.settings_["candidates"]
    assert [r["lambda1"] for r in results] == [1e-5, 1e-4, 1e-3, 1e-3, 1e-4]
    assert [r["input_noise"] for r in results] == [0.0, 0.0, 0.0, 0.25, 0.0]
    assert [r["n_anchors"] for r in results] == [0, 0, 0, 0, 1000]  # 540 rows: all anchors
    # The paper's candidate starts exactly as a fit with its settings alone.
    assert results[0]["score"] == max(alone.val_scores_[:2])
    best = max(results, key=lambda r: r["score"])
    assert auto.settings_["lambda1"] == best["lambda1"]
    assert max(auto.val_scores_) >= best["score"]


def test_the_winner_ends_as_a_fit_with_its_settings_alone(digits):
    X, y = digits
    auto = SHBDNN(n_bits=16, **FAST).fit(X[:600], y[:600])
    alone = SHBDNN(n_bits=16, **settings_alone(auto.settings_), **FAST).fit(X[:600], y[:600])
    assert alone.settings_["candidates"] == []
    assert auto.val_scores_ == alone.val_scores_
    assert np.array_equal(auto.encode(X[600:]), alone.encode(X[600:]))


def test_given_settings_are_not_raced(digits):
    X, y = digits
    model = SHBDNN(n_bits=8, lambda1=3e-4, **NOT_RACED, **FAST).fit(X[:400], y[:400])
    assert model.settings_["candidates"] == [] and model.settings_["lambda1"] == 3e-4


def test_own_candidates_and_a_time_budget(digits):
    X, y = digits
    wide = {"lambda1": 1e-3, "hidden_sizes": (40, 20)}
    model = SHBDNN(n_bits=8, candidates=[wide], **FAST).fit(X[:400], y[:400])
    assert [r["hidden_sizes"] for r in model.settings_["candidates"]] == ["table", [40, 20]]
    cut = SHBDNN(n_bits=8, time_budget=0.0, **FAST).fit(X[:400], y[:400])
    skipped = [r.get("skipped", False) for r in cut.settings_["candidates"]]
    assert skipped == [False, True, True, True, True]
    assert cut.settings_["lambda1"] == 1e-5


class _SteppingClock:
    """Stands in for ``time`` in the race: every reading is one second after the last."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize(("budget", "skipped", "finalists_run"), [(100.0, 0, 2), (3.0, 3, 0)])
def test_a_race_past_its_time_budget_sends_only_its_best_on(
    digits, monkeypatch, budget, skipped, finalists_run
):
    # Each candidate's race stages read the clock twice: 2 "seconds" each, so a budget
    # of 3 lets the second of the five candidates start and skips the other three. One
    # worker: the clock stands in only in this process (with torch on one thread,
    # "auto" would race in worker processes on the real clock).
    X, y = digits
    monkeypatch.setattr(selection, "time", _SteppingClock())
    model = SHBDNN(n_bits=8, time_budget=budget, race_workers=1, **FAST)
    model.fit(X[:400], y[:400])
    results = model.settings_["candidates"]
    assert len(results) == 5
    assert sum(r.get("skipped", False) for r in results) == skipped
    assert sum("final_score" in r for r in results) == finalists_run


def test_the_race_never_sees_the_query_rows(digits, monkeypatch):
    X, y = digits
    seen = []
    real = fitting.map_scorer

    def spy(net, X_db, X_val, relevant, exclude_self=False):
        seen.append((X_db.numpy().copy(), X_val.numpy().copy(), exclude_self))
        return real(net, X_db, X_val, relevant, exclude_self)

    mapped = []
    real_map = inputs.kernel_map

    def map_spy(X, X_val, n_anchors, rng):
        mapped.append((X.astype(np.float32), X_val.astype(np.float32)))
        return real_map(X, X_val, n_anchors, rng)

    monkeypatch.setattr(fitting, "map_scorer", spy)
    monkeypatch.setattr(inputs, "kernel_map", map_spy)
    train, queries = X[:500], X[500:]
    SHBDNN(n_bits=8, **FAST).fit(train, y[:500])
    assert len(seen) == 5  # one validation scorer per candidate
    assert len(mapped) == 1  # the kernel candidate's inputs: the training rows' map
    rows = {r.tobytes() for r in train.astype(np.float32)}
    query_rows = {r.tobytes() for r in queries.astype(np.float32)} - rows
    raw = [X_val for _, X_val, _ in seen if X_val.shape[1] == X.shape[1]]
    assert len(raw) == 4
    for X_db, X_val, exclude_self in seen:
        # auto scores the validation rows against each other, each leaving itself out
        assert exclude_self and np.array_equal(X_db, X_val)
    for X_val in raw + [rows_in for pair in mapped for rows_in in pair]:
        assert {r.tobytes() for r in X_val} <= rows
        assert not {r.tobytes() for r in X_val} & query_rows


def test_paper_preset_scores_against_the_training_rows(digits, monkeypatch):
    X, y = digits
    seen = []
    real = fitting.map_scorer

    def spy(net, X_db, X_val, relevant, exclude_self=False):
        seen.append((len(X_db), len(X_val), exclude_self))
        return real(net, X_db, X_val, relevant, exclude_self)

    monkeypatch.setattr(fitting, "map_scorer", spy)
    SHBDNN(n_bits=8, preset="paper", **FAST).fit(X[:500], y[:500])
    assert seen == [(450, 50, False)]


def test_choice_is_saved_and_restored(digits, tmp_path):
    X, y = digits
    wide = {"lambda1": 1e-4, "hidden_sizes": (48, 24)}
    model = SHBDNN(n_bits=8, candidates=[wide], preset="auto", **FAST)
    model.fit(X[:400], y[:400])
    model.save(tmp_path / "m")
    loaded = hashlearn.load(tmp_path / "m")
    assert loaded.settings_ == model.settings_
    assert loaded.module_.layers[0].out_features == model.settings_["hidden_sizes"][0]
    assert np.array_equal(loaded.encode(X[400:]), model.encode(X[400:]))


def test_resume_after_a_crash_past_the_race(digits, crash_then_resume):
    X, y = digits
    params = {**FAST, "max_alternations": 3, "patience": 5, "random_state": 1}
    full = SHBDNN(n_bits=8, **params).fit(X[:300], y[:300])
    # 3 candidates x 2 stages raced, then the winner's 2nd stage crashes.
    resumed, _ = crash_then_resume(
        training, 8, lambda **k: SHBDNN(n_bits=8, **params, **k), X[:300], y[:300]
    )
    assert_same_fit(resumed, full, X[300:400])


def test_a_crash_in_the_race_resumes_without_its_stages_again(digits, crash_then_resume):
    X, y = digits
    params = {**FAST, "max_alternations": 3, "patience": 5, "random_state": 1}

    def make(**k):
        return SHBDNN(n_bits=8, **params, **k)

    # 3 candidates x 2 stages: the crash is in the 2nd candidate's alternation.
    resumed, steps = crash_then_resume(training, 4, make, X[:300], y[:300])
    resumed_steps, steps.calls = steps.calls, 0
    full = make().fit(X[:300], y[:300])
    assert resumed_steps == steps.calls - 3  # the 1st candidate's 2 stages, the 2nd's first

    def untimed(rows):
        return [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]

    assert untimed(resumed.settings_["candidates"]) == untimed(full.settings_["candidates"])
    assert_same_fit(resumed, full, X[300:400])


def test_without_validation_auto_falls_back_to_the_paper(digits):
    X, y = digits
    model = SHBDNN(n_bits=8, **{**FAST, "patience": 0}).fit(X[:300], y[:300])
    assert model.settings_["candidates"] == [] and model.settings_["lambda1"] == 1e-5


def test_uh_bdnn_records_its_settings(digits):
    model = UHBDNN(n_bits=8, **FAST).fit(digits[0][:300])
    assert model.settings_["lambda1"] == 1e-5 and model.settings_["preset"] == "auto"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"preset": "tuned"}, "preset must be one of"),
        ({"candidates": [{"lambda1": "x"}]}, "lambda1 must be a number"),
        ({"candidates": [{"lambda1": float("nan")}]}, "lambda1 must be a number >= 0, got nan"),
        ({"candidates": [{"input_noise": float("nan")}]}, "input_noise must be a number"),
        ({"candidates": [{"lr": 0.1}]}, "keys among"),
        ({"n_restarts": 0}, "n_restarts must be >= 1"),
    ],
)
def test_bad_selection_parameters(digits, params, message):
    X, y = digits
    with pytest.raises(ValueError, match=message):
        SHBDNN(n_bits=8, **{**FAST, **params}).fit(X[:300], y[:300])


def test_pretraining_length_is_raced_when_left_at_auto(digits):
    X, y = digits
    params = {"n_wstep_iter": 20, "max_alternations": 1, "random_state": 0}
    model = SHBDNN(n_bits=8, lambda1=1e-5, candidates=[{"n_pretrain_iter": 80}], **params)
    model.fit(X[:300], y[:300])
    assert [r["n_pretrain_iter"] for r in model.settings_["candidates"]] == [400, 80]
    best = max(model.settings_["candidates"], key=lambda r: r["score"])
    assert model.settings_["n_pretrain_iter"] == best["n_pretrain_iter"]


def test_restarts_race_each_candidate_from_each_start_and_keep_the_best(digits):
    X, y = digits
    given = {**FAST, **NOT_RACED, "lambda1": 1e-5}
    one = SHBDNN(n_bits=8, **given).fit(X[:400], y[:400])
    three = SHBDNN(n_bits=8, n_restarts=3, **given).fit(X[:400], y[:400])
    results = three.settings_["candidates"]
    assert [r["restart"] for r in results] == [0, 1, 2]
    assert len({r["score"] for r in results}) > 1  # the starts differ
    # Restart 0 starts exactly as the single-start fit.
    assert results[0]["score"] == max(one.val_scores_[:2])
    best = max(results, key=lambda r: r["score"])
    assert three.settings_["restart"] == best["restart"]
    alone = SHBDNN(n_bits=8, n_restarts=best["restart"] + 1, **given).fit(X[:400], y[:400])
    assert alone.settings_.get("restart", 0) == best["restart"]
    assert np.array_equal(alone.encode(X[400:]), three.encode(X[400:]))


def test_restarts_multiply_the_candidates_and_are_saved(digits, tmp_path):
    X, y = digits
    model = SHBDNN(n_bits=8, n_restarts=2, **FAST).fit(X[:300], y[:300])
    pairs = [(r["lambda1"], r["restart"]) for r in model.settings_["candidates"]]
    assert pairs == [(lam, r) for r in (0, 1) for lam in (1e-5, 1e-4, 1e-3, 1e-3, 1e-4)]
    model.save(tmp_path / "m")
    assert hashlearn.load(tmp_path / "m").settings_ == model.settings_


def test_one_restart_is_the_fit_of_before(digits):
    X, y = digits
    default = SHBDNN(n_bits=8, preset="paper", **FAST).fit(X[:300], y[:300])
    one = SHBDNN(n_bits=8, preset="paper", n_restarts=1, **FAST).fit(X[:300], y[:300])
    assert "restart" not in one.settings_
    assert np.array_equal(default.project(X[300:]), one.project(X[300:]))
    no_validation = SHBDNN(n_bits=8, n_restarts=3, **{**FAST, "patience": 0})
    assert no_validation.fit(X[:300], y[:300]).settings_["candidates"] == []


def test_uh_bdnn_races_its_starts(digits):
    model = UHBDNN(n_bits=8, n_restarts=2, **FAST).fit(digits[0][:300])
    assert [r["restart"] for r in model.settings_["candidates"]] == [0, 1]
    assert model.settings_["restart"] in (0, 1)


def test_auto_gap_weight_keeps_the_label_to_gap_ratio_at_most_7_5(digits):
    """lambda2="auto" with labels: lambda5 m / (lambda2 L) at most 7.5 on the m rows the
    network trains on (the validation rows carved out), never below the paper's 5e-2;
    the paper preset keeps 5e-2."""
    X, y = digits
    auto = SHBDNN(n_bits=4, val_size=100, **FAST).fit(X[:400], y[:400])
    paper = SHBDNN(n_bits=4, val_size=100, preset="paper", **FAST).fit(X[:400], y[:400])
    assert auto.settings_["lambda2"] == pytest.approx(1e-2 * 300 / (7.5 * 4))
    assert paper.settings_["lambda2"] == 5e-2
    doubled = SHBDNN(n_bits=4, val_size=100, lambda5=2e-2, **FAST)
    assert doubled.fit(X[:400], y[:400]).settings_["lambda2"] == pytest.approx(0.2)
    # Codes long enough for every class (12 bits, 10 classes) are held to the ratio too.
    long_codes = SHBDNN(n_bits=12, val_size=100, **FAST).fit(X[:1000], y[:1000])
    assert long_codes.settings_["lambda2"] == pytest.approx(1e-2 * 900 / (7.5 * 12))
    # Where 5e-2 already gives a ratio below 7.5, the paper's weight stays.
    short_rows = SHBDNN(n_bits=16, val_size=100, **FAST).fit(X[:400], y[:400])
    assert short_rows.settings_["lambda2"] == 5e-2


def test_a_given_gap_weight_is_kept_and_old_checkpoints_still_match(digits):
    X, y = digits
    given = SHBDNN(n_bits=4, lambda2=0.3, **FAST).fit(X[:300], y[:300])
    assert given.settings_["lambda2"] == 0.3
    assert UHBDNN(n_bits=4, **FAST).fit(X[:300]).settings_["lambda2"] == 5e-2

    # A checkpoint written when lambda2's default was 5e-2 still matches where "auto" is 5e-2.
    def run(**params):
        model = SHBDNN(**params)
        return model._run_params(model._gap_weight(900, 10))

    assert run(preset="paper", n_bits=8) == run(preset="paper", n_bits=8, lambda2=5e-2)
    assert run(n_bits=32) == run(n_bits=32, lambda2=5e-2)
    assert run(n_bits=16) != run(n_bits=16, lambda2=5e-2)
    assert run(n_bits=16)["lambda2"] == pytest.approx(0.075)


@pytest.mark.parametrize("value", ["heavy", -0.1, True, None, float("nan")])
def test_a_bad_gap_weight_is_refused(digits, value):
    X, y = digits
    with pytest.raises(ValueError, match="lambda2 must be a number >= 0 or 'auto'"):
        SHBDNN(n_bits=8, lambda2=value, **FAST).fit(X[:300], y[:300])
