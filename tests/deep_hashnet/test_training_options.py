"""Options beyond the papers that change how a run trains (``ema_decay``, ``pair_memory``):
checkpoints keep their state, and a run without them keeps its old fingerprint."""

from __future__ import annotations

import pytest
import torch

from hashlearn.deep.pairwise.hashnet import HashNet

OPTIONS = [{"ema_decay": 0.8}, {"pair_memory": True}]


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


@pytest.mark.parametrize("option", OPTIONS)
def test_a_run_without_the_option_keeps_the_fingerprint_it_had_before_it(option, digits, tmp_path):
    X, y = digits
    model = HashNet(n_bits=8, checkpoint_dir=str(tmp_path))
    before = model._run_fingerprint(X, y, 40)
    assert model.set_params(**option)._run_fingerprint(X, y, 40) != before
    off = {name: HashNet().get_params()[name] for name in option}
    assert model.set_params(**off, flip_average=True)._run_fingerprint(X, y, 40) == before
