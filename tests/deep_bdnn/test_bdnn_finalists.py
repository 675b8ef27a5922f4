"""``race_finalists``: the race's best few go on to their ends before one is chosen."""

import pytest
from bdnn_helpers import FAST, assert_same_fit, settings_alone

from hashlearn.deep.bdnn import SHBDNN, UHBDNN, training

#: Long enough runs that a finalist has stages left after the race.
LONGER = {**FAST, "max_alternations": 3, "patience": 5}


def finals(model):
    return [r for r in model.settings_["candidates"] if "final_score" in r]


def test_the_best_two_run_to_their_ends_and_the_best_at_the_end_wins(digits):
    X, y = digits
    model = SHBDNN(n_bits=16, race_finalists=2, **LONGER).fit(X[:600], y[:600])
    raced = model.settings_["candidates"]
    ahead = sorted(raced, key=lambda r: -r["score"])[:2]
    assert finals(model) == [r for r in raced if r in ahead]
    alone = {}
    for final in finals(model):
        params = settings_alone(final)
        alone[final["lambda1"]] = SHBDNN(n_bits=16, **params, **LONGER).fit(X[:600], y[:600])
        assert final["final_score"] == max(alone[final["lambda1"]].val_scores_)
    best = max(finals(model), key=lambda r: r["final_score"])
    chosen = model.settings_
    assert (chosen["lambda1"], chosen["input_noise"]) == (best["lambda1"], best["input_noise"])
    assert_same_fit(model, alone[best["lambda1"]], X[600:])
    one = SHBDNN(n_bits=16, race_finalists=1, **LONGER).fit(X[:600], y[:600])
    assert finals(one) == []


def test_sh_bdnn_has_two_finalists_by_default():
    assert SHBDNN().race_finalists == 2 and UHBDNN().race_finalists == 1


def test_uh_bdnn_has_finalists_too(digits):
    X, _ = digits
    model = UHBDNN(n_bits=8, race_finalists=2, n_restarts=2, **LONGER).fit(X[:400])
    assert len(finals(model)) == 2


def test_a_crash_among_the_finalists_resumes_as_an_uninterrupted_run(digits, crash_then_resume):
    X, y = digits
    params = {**LONGER, "race_finalists": 2, "random_state": 1}

    def make(**k):
        return SHBDNN(n_bits=8, **params, **k)

    # 3 candidates x 2 stages raced, the first finalist's 2 more stages, then the
    # second finalist's first stage after the race crashes.
    resumed, _ = crash_then_resume(training, 9, make, X[:300], y[:300])
    full = make().fit(X[:300], y[:300])

    def without_seconds(rows):
        return [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]

    assert without_seconds(resumed.settings_["candidates"]) == without_seconds(
        full.settings_["candidates"]
    )
    assert len(finals(full)) == 2
    assert_same_fit(resumed, full, X[300:400])


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "2"])
def test_a_bad_number_of_finalists_is_refused(digits, value):
    X, y = digits
    with pytest.raises(ValueError, match="race_finalists must be an integer >= 1"):
        SHBDNN(n_bits=8, race_finalists=value, **FAST).fit(X[:300], y[:300])
