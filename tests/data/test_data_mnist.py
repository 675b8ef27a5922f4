"""MNIST loader on small official-format files and on the real files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from hashlearn.data import DataFileError, MissingDataError, load_mnist, mnist_features, read_idx_gz


def test_loads_tiny_official_files_train_first(tiny_mnist):
    folder, arrays = tiny_mnist
    d = load_mnist(folder, check=False)
    assert d.images.shape == (80, 28, 28) and d.images.dtype == np.uint8
    np.testing.assert_array_equal(d.images[:60], arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(d.images[60:], arrays["t10k-images-idx3-ubyte.gz"])
    assert d.labels.dtype == np.int64 and d.train_idx.tolist() == list(range(60))
    assert d.test_idx.tolist() == list(range(60, 80))


def test_checksum_mismatch_is_reported(tiny_mnist):
    folder, _ = tiny_mnist
    with pytest.raises(DataFileError, match="sha256"):
        load_mnist(folder)  # tiny files are not the official content


def test_missing_file_names_file_and_place(tiny_mnist):
    folder, _ = tiny_mnist
    (folder / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(MissingDataError, match=r"t10k-labels-idx1-ubyte\.gz.*put it at"):
        load_mnist(folder, check=False)


def test_bad_files_give_clear_errors(tmp_path):
    bad = tmp_path / "x.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(DataFileError, match=r"x\.gz.*gzip"):
        read_idx_gz(bad)
    bad.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2])))
    with pytest.raises(DataFileError, match="header says shape"):
        read_idx_gz(bad)


def test_features_scaled(tiny_mnist):
    X = mnist_features(tiny_mnist[0], check=False)
    assert X.shape == (80, 784) and X.dtype == np.float32
    np.testing.assert_allclose(X[0], tiny_mnist[1]["train-images-idx3-ubyte.gz"][0].ravel() / 255)


@pytest.mark.realdata
def test_real_mnist(real_data):
    d = load_mnist(real_data)  # verifies the official content sha256
    assert d.images.shape == (70000, 28, 28)
    assert np.bincount(d.labels[:60000]).tolist()[:3] == [5923, 6742, 5958]
    assert np.bincount(d.labels[60000:]).tolist()[:3] == [980, 1135, 1032]
