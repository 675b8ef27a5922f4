"""Input formats: .npy, .npz, .csv, .parquet features and image folders give the same model."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import invoke
from PIL import Image

import hashlearn
from hashlearn.cli._files import read_features, read_labels


@pytest.fixture(scope="module")
def features(digits_files):
    return np.load(digits_files / "train.npy")


def _write(kind, X, folder):
    path = folder / f"X.{kind}"
    if kind == "npz":
        np.savez(path, X=X)
    elif kind == "csv":
        np.savetxt(path, X, delimiter=",")
    elif kind == "parquet":
        columns = {f"f{i}": X[:, i] for i in range(X.shape[1])}
        pq.write_table(pa.table({**columns, "id": np.arange(len(X)) + 100}), path)
    return path


@pytest.mark.parametrize("kind", ["npz", "csv", "parquet"])
def test_feature_formats_fit_the_same_model(kind, features, digits_files, tmp_path):
    X = features
    invoke("fit", "itq", "--data", digits_files / "train.npy", "--bits", 8, "--out", tmp_path / "a")
    path = _write(kind, X, tmp_path)
    invoke("fit", "itq", "--data", path, "--bits", 8, "--out", tmp_path / "b")
    a, b = hashlearn.load(tmp_path / "a"), hashlearn.load(tmp_path / "b")
    np.testing.assert_array_equal(a.encode(X), b.encode(X))


def test_parquet_ids_go_to_codes_and_index(features, tmp_path):
    X = features
    path = _write("parquet", X, tmp_path)
    table = read_features(path)
    assert table.ids.tolist() == list(range(100, 100 + len(X)))
    invoke("fit", "lsh", "--data", path, "--bits", 16, "--out", tmp_path / "m")
    invoke("encode", tmp_path / "m", "--data", path, "--out", tmp_path / "c.parquet")
    invoke("index", "build", tmp_path / "c.parquet", "--out", tmp_path / "i.idx")
    out = invoke(
        "search", tmp_path / "i.idx", "--queries", tmp_path / "c.parquet", "--k", 1, "--json"
    ).stdout
    import json

    hits = json.loads(out)
    assert all(h["distances"][0] == 0 for h in hits) and min(h["ids"][0] for h in hits) >= 100


def test_image_folder_gives_pixels_and_class_labels(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (4, 4), dtype=np.uint8)).save(
                tmp_path / "imgs" / cls / f"{i}.png"
            )
    table = read_features(tmp_path / "imgs")
    assert table.values.shape == (6, 16) and table.labels.tolist() == [0, 0, 0, 1, 1, 1]
    first = np.asarray(Image.open(tmp_path / "imgs" / "cat" / "0.png"), np.float64).ravel() / 255
    np.testing.assert_allclose(table.values[0], first, atol=1e-6)
    invoke(
        "fit",
        "sh-bdnn",
        "--data",
        tmp_path / "imgs",
        "--bits",
        4,
        "--param",
        "n_pretrain_iter=5",
        "--param",
        "max_alternations=1",
        "--param",
        "val_size=2",
        "--out",
        tmp_path / "m",
    )
    assert hashlearn.load(tmp_path / "m").n_features_in_ == 16


def test_label_files(tmp_path):
    y = np.array([3, 1, 2])
    np.savetxt(tmp_path / "y.csv", y, delimiter=",")
    pq.write_table(pa.table({"label": y}), tmp_path / "y.parquet")
    np.savez(tmp_path / "y.npz", y=y)
    for name in ("y.csv", "y.parquet", "y.npz"):
        np.testing.assert_array_equal(read_labels(tmp_path / name), y)
