"""SH-BDNN's ``n_anchors``: SDH's kernel map as the network's input (beyond the paper)."""

import numpy as np
import pytest
import torch
from bdnn_helpers import FAST, assert_same_fit, settings_alone

import hashlearn
from hashlearn.deep.bdnn import SHBDNN, UHBDNN
from hashlearn.deep.bdnn.kernel_inputs import KernelEncoder, kernel_map
from hashlearn.deep.bdnn.network import BDNNEncoder
from hashlearn.deep.bdnn.validation import label_relevance, ranking_map
from hashlearn.hashers._kernel import rbf_features


def test_the_paper_preset_and_large_training_sets_read_the_features(digits):
    X, y = digits
    paper = SHBDNN(n_bits=8, preset="paper", **FAST).fit(X[:300], y[:300])
    auto = SHBDNN(n_bits=8, race_finalists=1, **FAST).fit(X, y)  # 1,618 training rows
    for model in (paper, auto):
        assert model.settings_["n_anchors"] == 0
        assert isinstance(model.module_, BDNNEncoder)
    assert [r["n_anchors"] for r in auto.settings_["candidates"]] == [0, 0, 0, 0]


def test_the_model_codes_raw_rows_as_the_network_saw_them_in_training(digits):
    """The anchors, bandwidth and centring of training travel with the model: coding
    the raw validation and training rows gives back the best validation score."""
    X, y = digits
    model = SHBDNN(n_bits=8, preset="paper", n_anchors=50, dtype="float64", **FAST)
    model.fit(X[:300], y[:300], X_val=X[300:400], y_val=y[300:400])
    net = model.module_
    assert isinstance(net, KernelEncoder) and model.settings_["n_anchors"] == 50
    rows = {tuple(r) for r in X[:300]}
    assert all(tuple(a) in rows for a in net.anchors.numpy())
    val, train = (torch.from_numpy(model.project(rows)) for rows in (X[300:400], X[:300]))
    relevance = label_relevance(y[300:400], y[:300])
    assert ranking_map(val, train, relevance) == max(model.val_scores_)
    kernel = torch.from_numpy(rbf_features(X[300:], net.anchors.numpy(), float(net.sigma)))
    assert torch.allclose(net(torch.from_numpy(X[300:])), net.encoder(kernel), atol=1e-12)


def test_anchors_come_from_the_training_rows_never_the_validation_rows():
    rng = np.random.default_rng(0)
    X, X_val = rng.random((40, 3)), rng.random((10, 3)) + 5.0
    mapped = kernel_map(X, X_val, 1000, np.random.default_rng(0))
    assert mapped.anchors.shape == (40, 3) and bool((mapped.anchors < 5.0).all())
    assert mapped.X_val is not None and mapped.X_val.shape == (10, 40)
    np.testing.assert_allclose(mapped.X.mean(0), 0.0, atol=1e-12)


def test_more_anchors_than_rows_uses_every_training_row(digits):
    X, y = digits
    model = SHBDNN(n_bits=8, preset="paper", n_anchors=5000, val_size=50, **FAST)
    model.fit(X[:300], y[:300])
    assert model.settings_["n_anchors"] == 250


def test_a_kernel_candidate_is_raced_and_the_winner_ends_as_alone(digits):
    X, y = digits
    kernel = {"lambda1": 1e-4, "n_anchors": 200}
    model = SHBDNN(n_bits=8, candidates=[kernel], race_finalists=1, **FAST)
    results = model.fit(X[:400], y[:400]).settings_["candidates"]
    assert [r["n_anchors"] for r in results] == [0, 200]
    best = max(results, key=lambda r: r["score"])
    alone = SHBDNN(n_bits=8, **settings_alone(best), **FAST).fit(X[:400], y[:400])
    assert alone.settings_["candidates"] == []
    assert_same_fit(model, alone, X[400:])


def test_the_kernel_model_saves_and_loads(digits, tmp_path):
    X, y = digits
    model = SHBDNN(n_bits=8, preset="paper", n_anchors=80, **FAST).fit(X[:300], y[:300])
    model.save(tmp_path / "m")
    loaded = hashlearn.load(tmp_path / "m")
    assert isinstance(loaded.module_, KernelEncoder)
    assert np.array_equal(loaded.encode(X[300:]), model.encode(X[300:]))


def test_the_anchor_count_is_part_of_the_checkpointed_run():
    def run(**params):
        model = SHBDNN(**params)
        return model._run_params(model._gap_weight(900, 10))

    # A checkpoint written before the option existed still matches.
    assert "n_anchors" not in run(n_bits=32) and "n_anchors" not in run(n_bits=32, n_anchors=0)
    assert run(n_bits=32, n_anchors=300)["n_anchors"] == 300


def test_uh_bdnn_refuses_a_kernel_candidate(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="n_anchors is a setting of SH-BDNN only"):
        UHBDNN(n_bits=8, candidates=[{"n_anchors": 100}], **FAST).fit(X[:300])


@pytest.mark.parametrize("value", ["many", -1, 1.5, True, None])
def test_a_bad_anchor_count_is_refused(digits, value):
    X, y = digits
    with pytest.raises(ValueError, match="n_anchors must be an integer >= 0"):
        SHBDNN(n_bits=8, n_anchors=value, **FAST).fit(X[:300], y[:300])
    with pytest.raises(ValueError, match="n_anchors must be"):
        SHBDNN(n_bits=8, candidates=[{"n_anchors": value}], **FAST).fit(X[:300], y[:300])


def test_the_default_race_offers_the_kernel_map_only_where_it_covers_every_row():
    def kernel_choices(n_rows: int) -> list[dict]:
        return [c for c in SHBDNN(n_bits=16)._choices(True, n_rows) if c["n_anchors"]]

    offered = [c["n_anchors"] for c in SHBDNN.auto_candidates if c.get("n_anchors")]
    assert offered and [c["n_anchors"] for c in kernel_choices(900)] == offered
    assert kernel_choices(max(offered) + 1) == []
    # The user's own candidates are raced whatever the rows.
    mine = SHBDNN(n_bits=16, candidates=[{"n_anchors": 100}])._choices(True, 5000)
    assert [c["n_anchors"] for c in mine] == [0, 100]
