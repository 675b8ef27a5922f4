"""bench: --max-queries / --max-train / --max-database, the results header
(features and data folder actually used), and the feature-extraction notice."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import invoke

import hashlearn
import hashlearn.data
from hashlearn.bench.data import Subset, load_benchmark_data
from hashlearn.data import features as features_module
from hashlearn.data.features import cached_features
from hashlearn.data.protocols import protocol_from_labels
from hashlearn.metrics import evaluate_codes

LIMITS = ("--max-queries", 40, "--max-train", 150, "--max-database", 300)


def _bench(tmp_path, protocol, *extra):
    out = invoke(
        "bench", "--protocol", protocol, "--methods", "lsh", "--bits", 8,
        "--out", tmp_path / "r.json", *extra,
    )  # fmt: skip
    return out, json.loads((tmp_path / "r.json").read_text())


def _spread(rows, n):
    return rows[np.linspace(0, len(rows) - 1, n).round().astype(int)]


def test_max_rows_take_evenly_spaced_rows_of_each_part(tmp_path):
    out, result = _bench(tmp_path, "digits", *LIMITS)
    config = result["environment"]["config"]
    assert config["subset"] == {"max_queries": 40, "max_train": 150, "max_database": 300}
    assert out.stdout.startswith("digits, not the full protocol: 40 queries, 150 training ")
    full = load_benchmark_data("digits", seed=0)
    model = hashlearn.create("lsh", n_bits=8, random_state=0).fit(_spread(full.X_train, 150))
    want = evaluate_codes(
        model.encode(_spread(full.X_query, 40)), model.encode(_spread(full.X_db, 300)),
        _spread(full.y_query, 40), _spread(full.y_db, 300), n_bits=8,
    )  # fmt: skip
    assert result["records"][0]["metrics"] == pytest.approx(want, abs=1e-12)
    assert result["environment"]["protocol_checksum"] != full.checksum


def test_without_limits_the_header_says_full_protocol(tmp_path):
    out, result = _bench(tmp_path, "digits")
    config = result["environment"]["config"]
    assert config["subset"] is None and "not the full protocol" not in out.stdout
    assert config["features"] == "pixels" and config["data_dir"] is None


def test_subset_limits_must_be_positive(tmp_path):
    result = invoke(
        "bench", "--protocol", "digits", "--methods", "lsh", "--max-train", 0,
        "--out", tmp_path / "r.json", ok=False,
    )  # fmt: skip
    assert result.exit_code == 2 and "--max-train" in result.stderr
    with pytest.raises(ValueError, match="max_queries"):
        Subset(max_queries=-1)


@pytest.fixture
def fake_mnist(monkeypatch, tmp_path):
    """MNIST-sized stand-in data (random features) behind the real protocol code."""
    labels = np.arange(70_000) % 10
    X = np.random.default_rng(0).random((70_000, 8)).astype(np.float32)
    monkeypatch.setattr(
        hashlearn.data,
        "get_protocol",
        lambda name, seed=0, data_dir=None: protocol_from_labels(name, labels, 60_000, seed),
    )
    monkeypatch.setattr("hashlearn.bench.data._features_for", lambda *args: (X, labels))
    monkeypatch.setenv("HASHLEARN_DATA", str(tmp_path / "from-env"))
    return tmp_path / "from-env"


def test_header_records_pixels_and_the_data_folder_from_the_environment(fake_mnist, tmp_path):
    out, result = _bench(tmp_path, "mnist-10k-5k", "--max-queries", 30, "--max-database", 200)
    config = result["environment"]["config"]
    assert config["features"] == "pixels" and config["data_dir"] == str(fake_mnist)
    assert config["subset"] == {"max_queries": 30, "max_database": 200}
    assert "30 queries, all training rows, 200 database rows (evenly spaced)" in out.stdout


def test_feature_extraction_says_what_it_does_and_counts_images(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(features_module, "SHARD", 4)
    monkeypatch.setattr(features_module, "CHUNK", 2)
    images = np.arange(10 * 4, dtype=np.uint8).reshape(10, 2, 2)

    def compute():
        return lambda imgs: imgs.reshape(len(imgs), -1).astype(np.float32)

    args = (images, tmp_path, "toy", {"k": 1}, compute)
    cached_features(*args, what="toy images", images_per_second=0.05)
    err = capsys.readouterr().err
    assert f"extracting toy features of 10 toy images once (cached in {tmp_path})" in err
    assert "about 3 min" in err and "10/10" in err and "img" in err
    cached_features(*args, what="toy images")
    assert capsys.readouterr().err == ""


def test_bench_metrics_take_the_same_aliases_as_evaluate(tmp_path):
    _, result = _bench(tmp_path, "digits", *LIMITS, "--metrics", "p@r2,MAP@10,r@r1,map")
    record = result["records"][0]
    want = {"precision_at_radius_2", "map@10", "recall_at_radius_1", "map"}
    assert set(record["metrics"]) == want
    assert set(result["environment"]["config"]["metrics"]) == want
