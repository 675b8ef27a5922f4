"""Training on real digits: quality, resume equivalence, estimator behaviour."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import hashlearn
from hashlearn.deep.pairwise.dhn import DHN
from hashlearn.deep.pairwise.hashnet import HashNet
from hashlearn.metrics import mean_average_precision


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)  # the CI machine has 2 shared cores; tiny matrices
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def test_hashnet_raises_validation_map_well_above_random(digits):
    X, y = digits
    model = HashNet(n_bits=16, epochs=15, hidden_sizes=(256,), step_size=20, random_state=0).fit(
        X[:1000], y[:1000]
    )
    first, best = model.history_[0]["val_map"], max(h["val_map"] for h in model.history_)
    test_map = mean_average_precision(
        model.encode(X[1000:]), model.encode(X[:1000]), y[1000:], y[:1000], n_bits=16
    )
    assert best > 0.7 and test_map > 0.65  # random codes: about 0.1 (10 balanced classes)
    assert model.history_[-1]["beta"] > 1.0 and first < best


def test_dhn_learns_and_quantizes(digits):
    X, y = digits
    model = DHN(n_bits=16, epochs=15, hidden_sizes=(256,), random_state=0).fit(X[:1000], y[:1000])
    test_map = mean_average_precision(
        model.encode(X[1000:]), model.encode(X[:1000]), y[1000:], y[:1000], n_bits=16
    )
    assert test_map > 0.5  # random codes: about 0.1
    assert all(h["beta"] == 1.0 for h in model.history_)


@pytest.mark.parametrize("cls", [HashNet, DHN])
def test_resume_equals_uninterrupted(cls, digits, tmp_path):
    X, y = digits
    kw = dict(n_bits=8, epochs=4, hidden_sizes=(32,), random_state=3, lr_step=10)
    full = cls(**kw).fit(X[:400], y[:400])
    cls(**kw, checkpoint_dir=str(tmp_path)).set_params(epochs=2).fit(X[:400], y[:400])
    resumed = cls(**kw, checkpoint_dir=str(tmp_path), resume=True).fit(X[:400], y[:400])
    assert [h["loss"] for h in resumed.history_] == [h["loss"] for h in full.history_]
    for key, value in full.module_.state_dict().items():
        assert torch.equal(value, resumed.module_.state_dict()[key]), key


def test_multilabel_fit_save_load(digits, tmp_path):
    X, y = digits
    Y = np.stack([y % 2 == 0, y < 5, y == 9], 1).astype(np.int64)
    model = HashNet(n_bits=12, epochs=2, optimizer="adam", learning_rate=1e-3, random_state=0).fit(
        X[:300], Y[:300]
    )
    loaded = hashlearn.load(model.save(tmp_path / "m"))
    assert np.array_equal(loaded.encode(X[300:350]), model.encode(X[300:350]))
    assert float(loaded.module_.head.activation.beta) == float(model.module_.head.activation.beta)


def test_bad_parameters_name_the_argument(digits):
    X, y = digits
    with pytest.raises(ValueError, match="val_size"):
        HashNet(n_bits=8, val_size=1.5).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="optimizer"):
        DHN(n_bits=8, optimizer="lbfgs").fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="y"):
        HashNet(n_bits=8).fit(X[:50], None)
    with pytest.raises(
        ValueError, match=r"val_scoring must be one of \('training', 'held-out'\), got 'test'"
    ):
        DHN(n_bits=8, epochs=1, val_scoring="test").fit(X[:50], y[:50])


@pytest.mark.parametrize("cls", [HashNet, DHN])
def test_held_out_validation_queries_the_validation_rows_against_each_other(cls, digits):
    X, y = digits
    rows = {"X": X[:300], "y": y[:300], "X_val": X[300:400], "y_val": y[300:400]}
    held_out = cls(n_bits=8, epochs=1, val_scoring="held-out", random_state=0)
    held_out.fit(rows["X"], rows["y"], X_val=rows["X_val"], y_val=rows["y_val"])
    codes = held_out.encode(rows["X_val"])
    leave_one_out = mean_average_precision(
        codes, codes, rows["y_val"], rows["y_val"], n_bits=8, exclude_self=True
    )
    assert held_out.history_[0]["val_map"] == pytest.approx(leave_one_out, abs=1e-12)
    against_training = cls(n_bits=8, epochs=1, random_state=0)
    against_training.fit(rows["X"], rows["y"], X_val=rows["X_val"], y_val=rows["y_val"])
    assert np.array_equal(against_training.encode(rows["X_val"]), codes)  # same training
    assert against_training.history_[0]["val_map"] != pytest.approx(leave_one_out, abs=1e-6)
