"""Options beyond the papers that change how a run trains (``ema_decay``, ``pair_memory``,
``crop_scale``): checkpoints keep their state, and a run without them keeps its old
fingerprint."""

from __future__ import annotations

import pytest
import torch

from hashlearn.deep.pairwise.hashnet import HashNet

OPTIONS = [{"ema_decay": 0.8}, {"pair_memory": True}]
#: Options of image runs too (the feature runs of the resume test do not use them).
FINGERPRINTED = [*OPTIONS, {"crop_scale": 0.7}]


@pytest.mark.parametrize("option", OPTIONS)
def test_resume_with_the_option_ends_as_an_uninterrupted_run(option, digits, tmp_path):
    X, y = digits
    kw = dict(n_bits=8, epochs=4, hidden_sizes=(32,), random_state=3, lr_step=10, **option)
    full = HashNet(**kw).fit(X, y)
    HashNet(**kw, checkpoint_dir=str(tmp_path)).set_params(epochs=2).fit(X, y)
    resumed = HashNet(**kw, checkpoint_dir=str(tmp_path), resume=True).fit(X, y)
    assert [h["loss"] for h in resumed.history_] == [h["loss"] for h in full.history_]
    assert [h["val_map"] for h in resumed.history_] == [h["val_map"] for h in full.history_]
    for key, value in full.module_.state_dict().items():
        assert torch.equal(value, resumed.module_.state_dict()[key]), key


@pytest.mark.parametrize("option", FINGERPRINTED)
def test_a_run_without_the_option_keeps_the_fingerprint_it_had_before_it(
    option, digits, tmp_path, monkeypatch
):
    X, y = digits
    model = HashNet(n_bits=8, checkpoint_dir=str(tmp_path))
    params = model.get_params
    with monkeypatch.context() as patch:  # the estimator as it was before the option existed
        patch.setattr(model, "get_params", lambda deep: _without(params(deep), option))
        before = model._run_fingerprint(X, y, 40)
    assert model._run_fingerprint(X, y, 40) == before
    assert model.set_params(**option)._run_fingerprint(X, y, 40) != before
    off = {name: HashNet().get_params()[name] for name in option}
    assert model.set_params(**off, flip_average=True)._run_fingerprint(X, y, 40) == before


def _without(params: dict, option: dict) -> dict:
    return {k: v for k, v in params.items() if k not in option}
