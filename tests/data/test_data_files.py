"""Generic user files, image folders, multi-label matrices, preprocessing, paths."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import write_image_tar

from hashlearn.data import (
    DataFileError,
    MinMaxRescaler,
    PCAReducer,
    load_features,
    load_image_folder,
    load_multilabel,
    resolve_cache_dir,
    resolve_data_dir,
)

X = np.arange(12, dtype=np.float64).reshape(4, 3)
Y = np.array([0, 1, 1, 2])


def test_npy_npz_csv_parquet(tmp_path):
    np.save(tmp_path / "a.npy", X)
    np.savez(tmp_path / "b.npz", X=X, y=Y)
    header = "f0,label,f1,f2"
    rows = np.column_stack([X[:, 0], Y, X[:, 1:]])
    np.savetxt(tmp_path / "c.csv", rows, delimiter=",", header=header, comments="")
    assert load_features(tmp_path / "a.npy")[1] is None
    for name, key in (("b.npz", "y"), ("c.csv", "label")):
        feats, labels = load_features(tmp_path / name, labels_key=key)
        np.testing.assert_array_equal(feats, X.astype(np.float32))
        np.testing.assert_array_equal(labels, Y)
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({"f0": X[:, 0], "f1": X[:, 1], "f2": X[:, 2], "y": Y})
    pq.write_table(table, tmp_path / "d.parquet")
    feats, labels = load_features(tmp_path / "d.parquet")
    np.testing.assert_array_equal(feats, X.astype(np.float32))
    np.testing.assert_array_equal(labels, Y)


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(DataFileError, match=r"nope\.npz"):
        load_features(tmp_path / "nope.npz")
    np.savez(tmp_path / "b.npz", Z=X)
    with pytest.raises(DataFileError, match=r"b\.npz.*no array 'X'"):
        load_features(tmp_path / "b.npz")
    np.save(tmp_path / "n.npy", np.array([[np.nan, 1.0]]))
    with pytest.raises(DataFileError, match="NaN"):
        load_features(tmp_path / "n.npy")
    (tmp_path / "x.txt").write_text("1 2\n")
    with pytest.raises(DataFileError, match="unsupported suffix"):
        load_features(tmp_path / "x.txt")


def test_multilabel(tmp_path):
    (tmp_path / "l.txt").write_text("0 1 1\n1,0,0\n")
    np.testing.assert_array_equal(load_multilabel(tmp_path / "l.txt"), [[0, 1, 1], [1, 0, 0]])
    np.savez(tmp_path / "m.npz", X=X[:2], y=np.array([[0, 1], [1, 1]]))
    assert load_features(tmp_path / "m.npz")[1].shape == (2, 2)
    with pytest.raises(DataFileError, match="0/1"):
        load_multilabel(np.array([[0, 2]]))


def test_image_folder_dir_and_tar(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (6, 8, 8, 3), dtype=np.uint8)
    labels = np.array([1, 0, 1, 0, 1, 0])
    write_image_tar(tmp_path / "f.tar.gz", imgs, labels, 4, ("cat", "dog"))
    images, y, is_train, names = load_image_folder(tmp_path / "f.tar.gz")
    assert names == ("cat", "dog") and is_train.tolist() == [True] * 4 + [False] * 2
    np.testing.assert_array_equal(images[0], imgs[1])  # train/cat/0001 first
    assert y.tolist() == [0, 0, 1, 1, 0, 1]
    from PIL import Image

    (tmp_path / "own" / "b").mkdir(parents=True)
    Image.fromarray(imgs[0]).save(tmp_path / "own" / "b" / "x.png")
    images, _, is_train, names = load_image_folder(tmp_path / "own")
    np.testing.assert_array_equal(images[0], imgs[0])
    assert names == ("b",) and is_train.all()
    (tmp_path / "own" / "b" / "bad.png").write_bytes(b"no image")
    with pytest.raises(DataFileError, match=r"bad\.png"):
        load_image_folder(tmp_path / "own")


def test_rescaler_and_pca():
    train = np.array([[0.0, 10.0], [4.0, 12.0]])
    r = MinMaxRescaler().fit(train)
    np.testing.assert_allclose(r.transform(train), [[0, 0], [1, 0.5]])  # one global scale
    rng = np.random.default_rng(0)
    data = rng.normal(size=(200, 4)) @ np.diag([3.0, 2.0, 1.0, 0.1])
    p = PCAReducer(2).fit(data)
    z = p.transform(data)
    np.testing.assert_allclose(np.abs(p.components_[:, :2]), np.eye(2), atol=0.1)
    assert z.var(axis=0)[0] > z.var(axis=0)[1]


def test_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("HASHLEARN_DATA", str(tmp_path / "d"))
    monkeypatch.setenv("HASHLEARN_CACHE", str(tmp_path / "c"))
    assert resolve_data_dir() == tmp_path / "d" and resolve_data_dir("x").name == "x"
    assert resolve_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("HASHLEARN_DATA")
    assert resolve_data_dir().parts[-2:] == ("hashlearn", "data")
