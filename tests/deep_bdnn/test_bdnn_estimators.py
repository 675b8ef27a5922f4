"""UH-/SH-BDNN estimators: quality on digits, determinism, resume, options, errors."""

import numpy as np
import pytest
import torch

import hashlearn
from hashlearn.deep.bdnn import SHBDNN, UHBDNN, training
from hashlearn.deep.bdnn.validation import label_relevance, ranking_map

FAST = {"n_pretrain_iter": 60, "n_wstep_iter": 30, "max_alternations": 2, "random_state": 0}


def _map(model, X_query, y_query, X_db, y_db):
    def signs(X):
        return torch.where(torch.as_tensor(model.project(X)) >= 0, 1.0, -1.0)

    return ranking_map(signs(X_query), signs(X_db), label_relevance(y_query, y_db))


def test_sh_bdnn_beats_random_and_itq_on_digits(digits):
    X, y = digits
    Xq, yq, Xdb, ydb = X[1500:], y[1500:], X[:1500], y[:1500]
    ours = _map(SHBDNN(n_bits=16, **FAST).fit(Xdb, ydb), Xq, yq, Xdb, ydb)
    itq = _map(hashlearn.create("itq", n_bits=16, random_state=0).fit(Xdb), Xq, yq, Xdb, ydb)
    lsh = _map(hashlearn.create("lsh", n_bits=16, random_state=0).fit(Xdb), Xq, yq, Xdb, ydb)
    assert ours > itq + 0.1 and itq > lsh, (ours, itq, lsh)


def test_uh_bdnn_learns_and_early_stops(digits):
    X, _ = digits
    model = UHBDNN(n_bits=8, **FAST).fit(X[:800])
    assert len(model.val_scores_) == model.n_alternations_ + 1 <= 3
    assert model.project(X[:5]).shape == (5, 8)


def test_same_seed_same_codes_other_seed_other_codes(digits):
    X, y = digits
    a = SHBDNN(n_bits=8, **FAST).fit(X[:300], y[:300]).encode(X[300:400])
    b = SHBDNN(n_bits=8, **FAST).fit(X[:300], y[:300]).encode(X[300:400])
    c = SHBDNN(n_bits=8, **{**FAST, "random_state": 1}).fit(X[:300], y[:300]).encode(X[300:400])
    assert np.array_equal(a, b) and not np.array_equal(a, c)


class _CrashError(RuntimeError):
    pass


@pytest.mark.parametrize("name", ["uh-bdnn", "sh-bdnn"])
def test_resume_after_a_crash_equals_an_uninterrupted_run(digits, tmp_path, monkeypatch, name):
    X, y = digits
    params = {
        **FAST,
        "max_alternations": 3,
        "patience": 5,
        "optimizer": "adam",
        "n_epochs": 2,
        "batch_size": 64,
        "race_workers": 1,  # the W-steps are counted in this process
    }
    args = (X[:300], y[:300]) if name == "sh-bdnn" else (X[:300],)
    full = hashlearn.create(name, n_bits=8, **params).fit(*args)

    real_w_step, calls = training.w_step, []

    def crashing_w_step(*a, **k):
        calls.append(1)
        if len(calls) == 3:  # during the second alternation
            raise _CrashError
        return real_w_step(*a, **k)

    monkeypatch.setattr(training, "w_step", crashing_w_step)
    with pytest.raises(_CrashError):
        hashlearn.create(name, n_bits=8, checkpoint_dir=tmp_path, **params).fit(*args)
    monkeypatch.setattr(training, "w_step", real_w_step)
    resumed = hashlearn.create(name, n_bits=8, checkpoint_dir=tmp_path, resume=True, **params)
    resumed.fit(*args)
    assert resumed.val_scores_ == full.val_scores_
    assert np.array_equal(resumed.project(X[300:400]), full.project(X[300:400]))


def test_resume_refuses_another_runs_checkpoint(digits, tmp_path):
    # The winner's run to its end checkpoints in checkpoint_dir itself with one finalist
    # (finalists run to their ends in their own sub-folders, named by their runs).
    X, y = digits
    one = {**FAST, "race_finalists": 1}
    SHBDNN(n_bits=8, checkpoint_dir=tmp_path, **one).fit(X[:200], y[:200])
    with pytest.raises(ValueError, match="another run"):
        SHBDNN(n_bits=8, checkpoint_dir=tmp_path, resume=True, **one).fit(X[:210], y[:210])


def test_float64_and_adam_options(digits):
    X, y = digits
    model = SHBDNN(n_bits=8, dtype="float64", optimizer="adam", n_epochs=2, **FAST)
    model.fit(X[:300], y[:300])
    assert next(model.module_.parameters()).dtype == torch.float64
    assert model.transform(X[:4]).shape == (4, 8)


def test_multilabel_exact_and_cosine(digits):
    X, y = digits
    Y = np.zeros((300, 3), dtype=np.int8)
    Y[np.arange(300), y[:300] % 3] = 1
    Y[y[:300] > 6, 0] = 1
    for kind in ("exact", "cosine"):
        bits = SHBDNN(n_bits=8, similarity=kind, **FAST).fit(X[:300], Y).transform(X[:5])
        assert bits.shape == (5, 8)


def test_rescaling_is_folded_into_the_first_layer(digits):
    X, _ = digits
    model = UHBDNN(n_bits=8, **FAST).fit(X[:300] * 7 + 3)
    again = UHBDNN(n_bits=8, **FAST).fit(X[:300])
    # min-max rescaling makes the model invariant to an affine change of the input
    a, b = model.project(X[300:350] * 7 + 3), again.project(X[300:350])
    assert np.allclose(a, b, atol=1e-3)


def test_feature_extractor(digits):
    X, y = digits
    torch.manual_seed(0)
    extractor = torch.nn.Sequential(torch.nn.Linear(64, 20), torch.nn.ReLU()).double()
    model = SHBDNN(n_bits=8, feature_extractor=extractor, n_anchors=0, **FAST).fit(X[:300], y[:300])
    assert model.module_.layers[0].in_features == 20
    assert model.transform(X[:3]).shape == (3, 8)
    with pytest.raises(ValueError, match="feature_extractor cannot be saved"):
        model.save("unused")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"optimizer": "sgd"}, "optimizer must be"),
        ({"dtype": "float16"}, "dtype must be"),
        ({"n_bits": 100}, "n_bits <= n_features"),
        ({"val_size": 299}, "val_size"),
    ],
)
def test_bad_parameters_are_named(digits, params, message):
    X, y = digits
    with pytest.raises(ValueError, match=message):
        SHBDNN(**{**FAST, **params}).fit(X[:300], y[:300])


def test_sh_bdnn_requires_labels(digits):
    with pytest.raises(ValueError, match="y is required"):
        SHBDNN(n_bits=8).fit(digits[0][:50])
