"""Pipelines ending in PackBits, feature names and set_output, save_pretrained/from_pretrained."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hashlearn import PackBits
from hashlearn.base import BaseHasher
from hashlearn.codes import pack_bits
from hashlearn.hashers import ITQ, LSH, SDH


def _data(n=80, n_features=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_features)) * np.arange(1, n_features + 1), np.arange(n) % 3


def test_pipeline_ending_in_packbits_gives_the_hashers_packed_codes():
    X, _ = _data()
    pipe = make_pipeline(StandardScaler(), ITQ(n_bits=12, random_state=0), PackBits()).fit(X)
    scaler, itq, _ = pipe.named_steps.values()
    np.testing.assert_array_equal(pipe.transform(X), itq.encode(scaler.transform(X)))
    assert pipe.transform(X).shape == (80, 2)


def test_pipeline_fit_passes_labels_to_a_supervised_hasher():
    X, y = _data()
    pipe = make_pipeline(SDH(n_bits=8, n_anchors=20, random_state=0), PackBits()).fit(X, y)
    sdh = SDH(n_bits=8, n_anchors=20, random_state=0).fit(X, y)
    np.testing.assert_array_equal(pipe.transform(X), sdh.encode(X))


def test_packbits_is_stateless_and_checks_its_input():
    bits = np.random.default_rng(0).integers(0, 2, size=(5, 11))
    np.testing.assert_array_equal(PackBits().transform(bits), pack_bits(bits))
    with pytest.raises(ValueError, match="only 0 and 1"):
        PackBits().transform(bits * 2)
    with pytest.raises(ValueError, match="X has 10 bits, but PackBits was fitted on 11"):
        PackBits().fit(bits).transform(bits[:, :10])
    assert PackBits().fit(bits).get_feature_names_out().tolist() == ["packbits0", "packbits1"]


def test_feature_names_follow_the_class_name():
    X, _ = _data()
    model = ITQ(n_bits=4, random_state=0)
    with pytest.raises(NotFittedError):
        model.get_feature_names_out()
    assert model.fit(X).get_feature_names_out().tolist() == ["itq0", "itq1", "itq2", "itq3"]


def test_set_output_default_keeps_numpy_bits():
    X, _ = _data()
    model = LSH(n_bits=6, random_state=0).fit(X).set_output(transform="default")
    assert isinstance(model.transform(X), np.ndarray)


def test_set_output_pandas_gives_named_bit_columns():
    pd = pytest.importorskip("pandas")
    X, _ = _data()
    model = ITQ(n_bits=3, random_state=0).set_output(transform="pandas").fit(X)
    frame = model.transform(X)
    assert isinstance(frame, pd.DataFrame)
    assert frame.columns.tolist() == ["itq0", "itq1", "itq2"]
    np.testing.assert_array_equal(frame.to_numpy(), ITQ(n_bits=3, random_state=0).fit_transform(X))
    pipe = make_pipeline(ITQ(n_bits=12, random_state=0), PackBits()).set_output(transform="pandas")
    assert pipe.fit(X).transform(X).columns.tolist() == ["packbits0", "packbits1"]


def test_save_pretrained_and_from_pretrained_round_trip(tmp_path):
    X, _ = _data()
    model = ITQ(n_bits=8, random_state=0).fit(X)
    folder = model.save_pretrained(tmp_path / "itq")
    loaded = ITQ.from_pretrained(folder)
    assert type(loaded) is ITQ
    np.testing.assert_array_equal(loaded.encode(X), model.encode(X))
    assert type(BaseHasher.from_pretrained(folder)) is ITQ


def test_from_pretrained_refuses_another_methods_model(tmp_path):
    X, _ = _data()
    folder = LSH(n_bits=8, random_state=0).fit(X).save_pretrained(tmp_path / "lsh")
    wrong = r"holds a model of class LSH \(method 'lsh'\); ITQ.from_pretrained loads only"
    with pytest.raises(TypeError, match=wrong):
        ITQ.from_pretrained(folder)


def test_torch_models_inherit_save_pretrained_and_from_pretrained(tmp_path):
    from hashlearn.deep import SHBDNN, HashNet

    X, y = _data(n_features=8)
    model = HashNet(n_bits=8, epochs=1, hidden_sizes=(), random_state=0).fit(X, y)
    loaded = HashNet.from_pretrained(model.save_pretrained(tmp_path / "hashnet"))
    np.testing.assert_array_equal(loaded.encode(X), model.encode(X))
    with pytest.raises(TypeError, match="holds a model of class HashNet"):
        SHBDNN.from_pretrained(tmp_path / "hashnet")
    extractor = SHBDNN(n_bits=8, feature_extractor=object())
    with pytest.raises(ValueError, match="feature_extractor cannot be saved"):
        extractor.save_pretrained(tmp_path / "bdnn")  # BDNN's own save() check still applies
