"""HashNet and DHN under the shared contract: validation rows given to ``fit``,
checkpoints that know their run, the old module paths."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from hashlearn.deep.checkpoint import BDNN_CHECKPOINT, save_checkpoint
from hashlearn.deep.pairwise import DHN, HashNet

#: A checkpoint after epoch 1 of ``HashNet(**LEGACY)`` on the first 120 digits,
#: written by the code before checkpoints kept a fingerprint of their run.
LEGACY_CHECKPOINT = Path(__file__).with_name("hashnet_contract_legacy_checkpoint")
LEGACY = {"n_bits": 4, "batch_size": 32, "hidden_sizes": (), "random_state": 0, "lr_step": 5}


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def _losses(model):
    return [row["loss"] for row in model.history_]


def test_resume_accepts_a_checkpoint_written_before_fingerprints(digits, tmp_path):
    X, y = digits
    folder = shutil.copytree(LEGACY_CHECKPOINT, tmp_path / "ckpt")
    full = HashNet(**LEGACY, epochs=2).fit(X[:120], y[:120])
    resumed = HashNet(**LEGACY, epochs=2, checkpoint_dir=str(folder), resume=True)
    resumed.fit(X[:120], y[:120])
    # The checkpoint was written on another processor: equal to float32 rounding, not bit for bit.
    assert _losses(resumed) == pytest.approx(_losses(full), rel=1e-5)
    assert [row["stage"] for row in resumed.history_] == ["epoch", "epoch"]
    kept = json.loads((LEGACY_CHECKPOINT / "config.json").read_text())["meta"]["history"][0]
    assert resumed.history_[0]["seconds"] == kept["seconds"]  # epoch 1 came from the checkpoint
    for key, value in full.module_.state_dict().items():
        torch.testing.assert_close(resumed.module_.state_dict()[key], value, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    ("rows", "changed"), [(130, {}), (120, {"learning_rate": 0.01}), (120, {"val_size": 0.2})]
)
def test_resume_refuses_a_checkpoint_of_other_data_or_settings(digits, tmp_path, rows, changed):
    X, y = digits
    HashNet(**LEGACY, epochs=1, checkpoint_dir=str(tmp_path)).fit(X[:120], y[:120])
    again = HashNet(**{**LEGACY, **changed}, epochs=2, checkpoint_dir=str(tmp_path), resume=True)
    with pytest.raises(ValueError, match="another run"):
        again.fit(X[:rows], y[:rows])


def test_resume_refuses_a_bdnn_checkpoint(digits, tmp_path):
    X, y = digits
    save_checkpoint(tmp_path, BDNN_CHECKPOINT, {"B": torch.ones(2)}, meta={})
    with pytest.raises(ValueError, match="not a hashing training checkpoint"):
        DHN(**LEGACY, epochs=1, checkpoint_dir=str(tmp_path), resume=True).fit(X[:60], y[:60])


@pytest.mark.parametrize("cls", [HashNet, DHN])
def test_validation_rows_given_to_fit_choose_the_epoch(cls, digits):
    X, y = digits
    kw = {**LEGACY, "epochs": 3}
    alone = cls(**kw, val_size=0.0).fit(X[:120], y[:120])
    given = cls(**kw).fit(X[:120], y[:120], X_val=X[120:180], y_val=y[120:180])
    assert _losses(given) == _losses(alone)  # all 120 rows train, in the same order
    scores = [row["val_map"] for row in given.history_]
    assert all(s is not None for s in scores) and alone.history_[0]["val_map"] is None
    assert given.best_epoch_ == 1 + int(np.argmax(scores))


def test_string_labels_of_the_validation_rows_are_coded_with_those_of_x(digits):
    X, y = digits
    names = np.array([f"digit {d}" for d in range(10)])
    y_val = np.where(y[120:180] == 0, 1, y[120:180])  # the validation rows lack class 0
    by_int = HashNet(**LEGACY, epochs=2).fit(X[:120], y[:120], X_val=X[120:180], y_val=y_val)
    by_name = HashNet(**LEGACY, epochs=2).fit(
        X[:120], names[y[:120]], X_val=X[120:180], y_val=names[y_val]
    )
    assert [r["val_map"] for r in by_name.history_] == [r["val_map"] for r in by_int.history_]


def test_validation_rows_need_labels_and_the_same_features(digits):
    X, y = digits
    with pytest.raises(ValueError, match="y_val is required"):
        HashNet(**LEGACY, epochs=1).fit(X[:60], y[:60], X_val=X[60:80])
    with pytest.raises(ValueError, match="X_val rows have shape"):
        HashNet(**LEGACY, epochs=1).fit(X[:60], y[:60], X_val=X[60:80, :8], y_val=y[60:80])


def test_the_old_module_paths_still_give_the_classes():
    from hashlearn.deep import dhn, hashnet

    assert hashnet.HashNet is HashNet and dhn.DHN is DHN
    assert issubclass(HashNet, hashnet.PairwiseHasher)
