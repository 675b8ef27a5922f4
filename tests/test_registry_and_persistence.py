"""Conformance tests over every registered method, plus registry and persistence errors."""

import json

import numpy as np
import pytest
from sklearn.datasets import load_digits

import hashlearn
import hashlearn.codes
from hashlearn.persistence import ModelFileError

FAST_PARAMS: dict[str, dict] = {
    "dhn": {"epochs": 2, "hidden_sizes": (64,)},
    "hashnet": {"epochs": 2, "hidden_sizes": (64,)},
    "sh-bdnn": {"n_pretrain_iter": 20, "n_wstep_iter": 20, "max_alternations": 2},
    "uh-bdnn": {"n_pretrain_iter": 20, "n_wstep_iter": 20, "max_alternations": 2},
}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def make(name, n_bits=16):
    return hashlearn.create(name, n_bits=n_bits, random_state=0, **FAST_PARAMS.get(name, {}))


def fit(model, X, y):
    return model.fit(X, y) if getattr(model, "supervised", False) else model.fit(X)


@pytest.mark.parametrize("name", hashlearn.list_methods())
def test_every_method_encodes_and_roundtrips(name, digits, tmp_path):
    X, y = digits
    model = fit(make(name), X[:600], y[:600])
    codes = model.encode(X[600:700])
    assert codes.dtype == np.uint8 and codes.shape == (100, 2)
    bits = model.transform(X[600:700])
    assert np.array_equal(bits, (model.project(X[600:700]) >= 0).astype(np.uint8))
    loaded = hashlearn.load(model.save(tmp_path / name))
    assert type(loaded) is type(model)
    assert np.array_equal(loaded.encode(X[600:700]), codes)


@pytest.mark.parametrize("name", hashlearn.list_methods())
def test_every_method_is_deterministic_under_seed(name, digits):
    X, y = digits
    a = fit(make(name), X[:400], y[:400]).encode(X[400:500])
    b = fit(make(name), X[:400], y[:400]).encode(X[400:500])
    assert np.array_equal(a, b)


@pytest.mark.parametrize("name", hashlearn.list_methods())
def test_every_method_rejects_nan_and_unfitted(name, digits):
    X, y = digits
    bad = X[:100].copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit(make(name), bad, y[:100])
    with pytest.raises(ValueError, match="not fitted"):
        make(name).encode(X[:5])


@pytest.mark.parametrize("n_bits", [1, 7, 65, 256])
@pytest.mark.parametrize("name", hashlearn.list_methods())
def test_every_method_at_edge_code_lengths(name, n_bits, digits):
    """Any code length either works (right shape, zero padding bits) or is refused clearly."""
    X, y = digits
    try:
        model = fit(make(name, n_bits=n_bits), X[:300], y[:300])
    except ValueError as exc:
        assert "n_bits" in str(exc), f"{name} refused n_bits={n_bits} without saying why: {exc}"
        return
    codes = model.encode(X[300:340])
    assert codes.dtype == np.uint8 and codes.shape == (40, (n_bits + 7) // 8)
    spare = 8 * codes.shape[1] - n_bits
    assert not np.any(codes[:, -1] >> (8 - spare)) if spare else True
    assert np.array_equal(
        hashlearn.codes.unpack_bits(codes, n_bits),
        (model.project(X[300:340]) >= 0).astype(np.uint8),
    )


def test_unknown_method_lists_known_ones():
    with pytest.raises(ValueError, match=r"known methods: .*itq"):
        hashlearn.create("no-such-method")


def test_unknown_parameter_is_a_clear_error():
    with pytest.raises(ValueError, match="bad parameter for method 'itq'"):
        hashlearn.create("itq", n_bits=8, no_such_param=1)


def test_bad_n_bits():
    X = np.random.default_rng(0).normal(size=(50, 8))
    with pytest.raises(ValueError, match="n_bits must be between"):
        hashlearn.create("lsh", n_bits=0).fit(X)
    with pytest.raises(ValueError, match="n_bits <= n_features"):
        hashlearn.create("itq", n_bits=16).fit(X)


def test_load_detects_corruption_and_wrong_n_bits(digits, tmp_path):
    X, _ = digits
    folder = hashlearn.create("itq", n_bits=8, random_state=0).fit(X).save(tmp_path / "m")
    with pytest.raises(ModelFileError, match="n_bits=8, expected n_bits=16"):
        hashlearn.load(folder, n_bits=16)
    arrays = folder / "model.safetensors"
    data = bytearray(arrays.read_bytes())
    data[-1] ^= 0xFF
    arrays.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="corrupted"):
        hashlearn.load(folder)


def test_load_rejects_other_format_version(digits, tmp_path):
    X, _ = digits
    folder = hashlearn.create("lsh", n_bits=8, random_state=0).fit(X).save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    config["format_version"] = 99
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="format version 99"):
        hashlearn.load(folder)


def test_resaving_leaves_config_and_model_files_only(digits, tmp_path):
    X, _ = digits
    hashlearn.create("lsh", n_bits=8, random_state=0).fit(X).save(tmp_path / "m")
    hashlearn.create("lsh", n_bits=8, random_state=1).fit(X).save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "config.json",
        "model.safetensors",
    ]
    hashlearn.load(tmp_path / "m")
