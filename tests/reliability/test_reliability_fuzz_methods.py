"""Fuzz every registered method's fit/encode and hashlearn.load with hostile input.

Oracle: each call gives a TypeError/ValueError with a message, or a correct
result (right shape and dtype, padding bits zero, bits = projection >= 0,
finite projection); never another exception, a hang or silent garbage.
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hashlearn
from hashlearn._validation import check_packed

N_BITS = [1, 7, 8, 63, 64, 65, 255, 256]
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def _fast_params():
    path = Path(__file__).resolve().parents[1] / "test_registry_and_persistence.py"
    spec = importlib.util.spec_from_file_location("_conformance_params", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FAST_PARAMS


FAST_PARAMS = _fast_params()


def make(name, n_bits):
    return hashlearn.create(name, n_bits=n_bits, random_state=0, **FAST_PARAMS.get(name, {}))


def features(kind, n, d, rng):
    if kind == "normal":
        return rng.normal(size=(n, d))
    if kind == "constant":
        return np.full((n, d), 3.5)
    if kind == "duplicates":
        return np.repeat(rng.normal(size=(1, d)), n, axis=0) if n else np.zeros((0, d))
    if kind == "huge":
        return rng.normal(size=(n, d)) * 1e150
    if kind == "int":
        return rng.integers(-5, 5, size=(n, d))
    bad = rng.normal(size=(n, d))
    if bad.size:
        bad.flat[rng.integers(bad.size)] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[kind]
    return bad


KINDS = ["normal", "constant", "duplicates", "huge", "int", "nan", "inf", "-inf"]
LABELS = [
    "good",
    "one_class",
    "short",
    "long",
    "float_int",
    "float_frac",
    "strings",
    "none",
    "multilabel",
    "2d_wrong",
]


def labels(kind, n, rng):
    return {
        "good": rng.integers(0, 3, n),
        "one_class": np.zeros(n, int),
        "short": rng.integers(0, 3, max(n - 1, 0)),
        "long": rng.integers(0, 3, n + 2),
        "float_int": rng.integers(0, 3, n).astype(float),
        "float_frac": rng.random(n),
        "strings": np.array(["a", "b"] * n)[:n],
        "none": None,
        "multilabel": rng.integers(0, 2, (n, 4)),
        "2d_wrong": rng.random((n, 4)),
    }[kind]


def check_result(model, X, n_bits):
    codes = model.encode(X)
    check_packed(codes, n_bits)  # dtype, shape, zero padding
    assert codes.shape[0] == X.shape[0]
    projection = model.project(X)
    assert projection.shape == (X.shape[0], n_bits)
    assert np.all(np.isfinite(projection)), "finite input gave a non-finite projection"
    assert np.array_equal(model.transform(X), (projection >= 0).astype(np.uint8))


@pytest.mark.parametrize("name", hashlearn.list_methods())
@FUZZ
@given(
    n=st.sampled_from([0, 1, 2, 5, 40]),
    d=st.sampled_from([0, 1, 3, 12]),
    n_bits=st.sampled_from(N_BITS),
    kind=st.sampled_from(KINDS),
    label_kind=st.sampled_from(LABELS),
    seed=st.integers(0, 2**16),
)
def test_fit_encode_hostile_input(name, n, d, n_bits, kind, label_kind, seed, guarded, cases):
    cases[f"method.{name}"] += 1
    rng = np.random.default_rng(seed)
    X, y = features(kind, n, d, rng), labels(label_kind, n, rng)
    model = make(name, n_bits)
    fitted = guarded(model.fit, X, y)
    must_fail = (kind in ("nan", "inf", "-inf") and X.size > 0) or n == 0 or d == 0
    supervised = getattr(model, "supervised", False)
    if supervised and label_kind in ("short", "long", "none", "float_frac", "2d_wrong"):
        must_fail = True
    if isinstance(fitted, Exception):
        return
    assert not must_fail, f"{name}.fit accepted bad input ({kind}, n={n}, d={d}, {label_kind})"
    finite = np.nan_to_num(X.astype(float), posinf=0, neginf=0)
    result = guarded(check_result, model, finite, n_bits)
    assert not isinstance(result, Exception), f"{name} fitted, then failed to encode: {result}"
    wrong = guarded(model.encode, np.zeros((2, d + 1)))
    assert isinstance(wrong, ValueError) and "features" in str(wrong)
    bad = finite[:1].copy()
    bad[0, 0] = np.nan
    assert isinstance(guarded(model.encode, bad), ValueError)


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    X = np.random.default_rng(0).normal(size=(120, 10))
    y = np.arange(120) % 3
    out = {}
    for name in hashlearn.list_methods():
        model = make(name, 8)
        model.fit(X, y) if getattr(model, "supervised", False) else model.fit(X)
        folder = model.save(tmp_path_factory.mktemp(name))
        out[name] = (folder, model.encode(X))
    return X, out


CORRUPTIONS = ["flip", "truncate", "zero", "delete", "append"]


@pytest.mark.parametrize("name", hashlearn.list_methods())
@FUZZ
@given(
    target=st.sampled_from(["config", "arrays"]),
    how=st.sampled_from(CORRUPTIONS),
    where=st.floats(0, 1),
    value=st.integers(0, 255),
)
def test_load_corrupted_folder(
    name, saved_models, tmp_path_factory, target, how, where, value, guarded, cases
):
    cases[f"load.{name}"] += 1
    X, models = saved_models
    source, expected = models[name]
    folder = tmp_path_factory.mktemp("corrupt")
    for path in source.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    path = folder / "config.json" if target == "config" else folder / "model.safetensors"
    data = bytearray(path.read_bytes())
    pos = min(int(where * len(data)), len(data) - 1)
    if how == "flip":
        data[pos] = value if data[pos] != value else (value + 1) % 256
    elif how == "truncate":
        data = data[:pos]
    elif how == "zero":
        data[pos:] = bytes(len(data) - pos)
    elif how == "append":
        data += bytes([value]) * 3
    if how == "delete":
        path.unlink()
    else:
        path.write_bytes(bytes(data))
    loaded = guarded(hashlearn.load, folder)
    if isinstance(loaded, Exception):
        return
    codes = guarded(loaded.encode, X)
    assert not isinstance(codes, Exception) and np.array_equal(codes, expected), (
        f"corrupted {path.name} ({how} at {pos}) loaded into a model that encodes differently"
    )


@pytest.mark.parametrize(
    "field,value,match",
    [
        ("n_bits", 16, "n_bits"),
        ("n_bits", "8", "n_bits"),
        ("method", "no-such", "unknown method"),
        ("library_version", "99.0.0", None),
        ("format_version", 2, "format version 2"),
        ("bit_order", "msb", "bit order"),
        ("params", "oops", None),
    ],
)
def test_load_edited_config(saved_models, tmp_path, field, value, match, guarded, cases):
    cases["load.edited_config"] += 1
    X, models = saved_models
    source, expected = models["lsh"]
    for path in source.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    config = json.loads((tmp_path / "config.json").read_text())
    config[field] = value
    (tmp_path / "config.json").write_text(json.dumps(config))
    loaded = guarded(hashlearn.load, tmp_path)
    if isinstance(loaded, Exception):
        assert match is None or match in str(loaded)
    else:
        assert match is None, f"edited {field} loaded silently"
        assert np.array_equal(loaded.encode(X), expected)


def test_load_config_without_n_bits(saved_models, tmp_path):
    source, _ = saved_models[1]["lsh"]
    for path in source.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    config = json.loads((tmp_path / "config.json").read_text())
    del config["n_bits"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="n_bits"):
        hashlearn.load(tmp_path)


def test_sh_on_rank_deficient_data():
    """Zero-range principal directions (n_samples <= n_features) once made SH allocate TiBs."""
    X = np.random.default_rng(0).normal(size=(2, 3))
    model = make("sh", 7).fit(X)
    assert model.encode(X).shape == (2, 1)
