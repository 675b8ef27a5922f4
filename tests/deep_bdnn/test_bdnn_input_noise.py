"""SH-BDNN's ``input_noise``: noise on the training inputs of every W-step (beyond the paper)."""

import numpy as np
import pytest
import torch
from bdnn_helpers import FAST, assert_same_fit, settings_alone

import hashlearn
from hashlearn.deep.bdnn import SHBDNN, UHBDNN, fitting, training
from hashlearn.deep.bdnn.network import BDNNEncoder
from hashlearn.deep.bdnn.objective import Lambdas


def test_the_paper_preset_trains_on_the_rows_as_they_are(digits):
    X, y = digits
    paper = SHBDNN(n_bits=8, preset="paper", **FAST).fit(X[:400], y[:400])
    clean = SHBDNN(n_bits=8, preset="paper", input_noise=0.0, **FAST).fit(X[:400], y[:400])
    assert paper.settings_["input_noise"] == 0.0
    assert_same_fit(paper, clean, X[400:])
    assert UHBDNN(n_bits=8, **FAST).fit(X[:400]).settings_["input_noise"] == 0.0


def test_noise_changes_the_network_and_is_seeded(digits):
    X, y = digits
    noisy = SHBDNN(n_bits=8, lambda1=1e-3, input_noise=0.5, **FAST).fit(X[:400], y[:400])
    again = SHBDNN(n_bits=8, lambda1=1e-3, input_noise=0.5, **FAST).fit(X[:400], y[:400])
    clean = SHBDNN(n_bits=8, lambda1=1e-3, **FAST).fit(X[:400], y[:400])
    assert noisy.settings_["input_noise"] == 0.5
    assert_same_fit(noisy, again, X[400:])
    assert not np.allclose(noisy.project(X[400:]), clean.project(X[400:]))


def test_noise_reaches_the_w_step_only(monkeypatch):
    """The W-step's optimiser sees noisy rows, new ones at each call; the rows are the
    clean ones again afterwards (the B-step and the codes use them)."""
    X = torch.randn(60, 5, dtype=torch.float64)
    net = BDNNEncoder(5, (6, 4), 4).to(torch.float64)
    problem = training.Problem(X, net, torch.ones(60, 4, dtype=torch.float64), Lambdas())
    seen = []
    monkeypatch.setattr(training, "lbfgs_step", lambda *_: seen.append(problem.X) or 0.0)
    settings = training.Settings(input_noise=0.5)
    generator = torch.Generator().manual_seed(0)
    training.w_step(problem, settings, 1, generator)
    training.w_step(problem, settings, 1, generator)
    assert problem.X is X
    deviation = [float(((rows - X) / X.std(0)).std()) for rows in seen]
    assert deviation == pytest.approx([0.5, 0.5], abs=0.05)
    assert not torch.equal(seen[0], seen[1])


def test_the_noise_level_is_part_of_the_checkpointed_run():
    def run(**params):
        model = SHBDNN(**params)
        return model._run_params(model._gap_weight(900, 10))

    # A checkpoint of a noiseless run (written before the option existed) still matches.
    assert "input_noise" not in run(n_bits=32)
    assert "input_noise" not in run(n_bits=32, input_noise=0.0)
    assert run(n_bits=32, input_noise=0.5)["input_noise"] == 0.5


def test_the_setting_is_saved_with_the_model(digits, tmp_path):
    X, y = digits
    model = SHBDNN(n_bits=8, lambda1=1e-3, input_noise=0.3, **FAST).fit(X[:300], y[:300])
    model.save(tmp_path / "m")
    loaded = hashlearn.load(tmp_path / "m")
    assert loaded.settings_["input_noise"] == 0.3 and loaded.input_noise == 0.3


def test_a_noise_level_left_at_auto_is_raced_and_the_winner_ends_as_alone(digits):
    X, y = digits
    noisy = {"lambda1": 1e-3, "input_noise": 0.5}
    model = SHBDNN(n_bits=8, candidates=[noisy], **FAST).fit(X[:400], y[:400])
    results = model.settings_["candidates"]
    assert [(r["lambda1"], r["input_noise"]) for r in results] == [(1e-5, 0.0), (1e-3, 0.5)]
    best = max(results, key=lambda r: r["score"])
    assert model.settings_["input_noise"] == best["input_noise"]
    alone = SHBDNN(n_bits=8, **settings_alone(best), **FAST).fit(X[:400], y[:400])
    assert alone.settings_["candidates"] == []
    assert_same_fit(model, alone, X[400:])


def test_a_given_noise_level_holds_for_every_candidate(digits):
    X, y = digits
    noisy = {"lambda1": 1e-3, "input_noise": 0.5}
    model = SHBDNN(n_bits=8, input_noise=0.2, candidates=[noisy], **FAST)
    results = model.fit(X[:300], y[:300]).settings_["candidates"]
    assert [r["input_noise"] for r in results] == [0.2, 0.2]
    paper = SHBDNN(n_bits=8, preset="paper", candidates=[noisy], **FAST).fit(X[:300], y[:300])
    assert paper.settings_["input_noise"] == 0.0


def test_the_noise_of_a_candidate_is_part_of_its_checkpoint(digits, tmp_path):
    X, y = digits
    model = SHBDNN(n_bits=8, checkpoint_dir=tmp_path, **FAST)
    key = {"digest": model._digest(X, y), "params": model._run_params(0.05)}
    quiet, noisy = ({**fitting.PAPER_CHOICE, "input_noise": s} for s in (0.0, 0.5))
    without_the_key = {k: v for k, v in quiet.items() if k != "input_noise"}
    assert model._hook(key, quiet).fingerprint == model._hook(key, without_the_key).fingerprint
    assert model._hook(key, noisy).fingerprint != model._hook(key, quiet).fingerprint


def test_uh_bdnn_refuses_a_noisy_candidate(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="input_noise is a setting of SH-BDNN only"):
        UHBDNN(n_bits=8, candidates=[{"input_noise": 0.5}], **FAST).fit(X[:300])


@pytest.mark.parametrize("value", ["loud", -0.5, True, None, float("nan")])
def test_a_bad_noise_level_is_refused(digits, value):
    X, y = digits
    with pytest.raises(ValueError, match="input_noise must be a number >= 0"):
        SHBDNN(n_bits=8, input_noise=value, **FAST).fit(X[:300], y[:300])
