"""CIFAR-10 from official python batches and image-folder tars; the checksummed cache."""

from __future__ import annotations

import io
import pickle
import tarfile

import numpy as np
import pytest
from data_helpers import write_image_tar, write_python_batches

from hashlearn.data import CIFAR10_CLASSES, DataFileError, MissingDataError, load_cifar10

N_TRAIN, N = 50, 70


@pytest.fixture
def tiny():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (N, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(N) % 10
    return images, labels


def test_python_batches_round_trip(tmp_path, tiny):
    images, labels = tiny
    (tmp_path / "cifar10").mkdir()
    write_python_batches(tmp_path / "cifar10" / "cifar-10-python.tar.gz", images, labels, N_TRAIN)
    d = load_cifar10(tmp_path, tmp_path / "cache")
    np.testing.assert_array_equal(d.images, images)
    np.testing.assert_array_equal(d.labels, labels)
    assert len(d.train_idx) == N_TRAIN and d.class_names == CIFAR10_CLASSES


def test_python_batches_refuse_foreign_objects(tmp_path, tiny):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "cifar10" / "cifar-10-python.tar.gz"
    path.parent.mkdir()
    write_python_batches(path, *tiny, N_TRAIN)
    with tarfile.open(path, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    members["cifar-10-batches-py/test_batch"] = pickle.dumps({b"data": Evil()}, protocol=2)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(DataFileError, match=r"print: not allowed"):
        load_cifar10(tmp_path, tmp_path / "cache")


def test_image_tar_order_and_lossless_png(tmp_path, tiny):
    images, labels = tiny
    (tmp_path / "cifar10").mkdir()
    write_image_tar(
        tmp_path / "cifar10" / "cifar10-jpg.tar.gz", images, labels, N_TRAIN, CIFAR10_CLASSES
    )
    d = load_cifar10(tmp_path, tmp_path / "cache")
    # sorted by (split, class, file name): train first, class-major
    order = np.lexsort((np.arange(N), labels, np.arange(N) >= N_TRAIN))
    np.testing.assert_array_equal(d.images, images[order])
    np.testing.assert_array_equal(d.labels, labels[order])
    assert len(d.train_idx) == N_TRAIN


def test_corrupt_cache_is_rebuilt(tmp_path, tiny):
    images, labels = tiny
    (tmp_path / "cifar10").mkdir()
    write_python_batches(tmp_path / "cifar10" / "cifar-10-python.tar.gz", images, labels, N_TRAIN)
    load_cifar10(tmp_path, tmp_path / "cache")
    cached = next((tmp_path / "cache").rglob("images.npy"))
    raw = bytearray(cached.read_bytes())
    raw[-1] ^= 0xFF
    cached.write_bytes(bytes(raw))
    with pytest.warns(RuntimeWarning, match="corrupt"):
        d = load_cifar10(tmp_path, tmp_path / "cache")
    np.testing.assert_array_equal(d.images, images)
    assert (
        load_cifar10(tmp_path, tmp_path / "cache").images[-1, -1, -1, -1] == images[-1, -1, -1, -1]
    )


def test_missing_and_bad_archives(tmp_path):
    with pytest.raises(MissingDataError, match=r"cifar-10-python\.tar\.gz"):
        load_cifar10(tmp_path, tmp_path / "cache")
    (tmp_path / "cifar10").mkdir()
    (tmp_path / "cifar10" / "cifar-10-python.tar.gz").write_bytes(b"garbage")
    with pytest.raises(DataFileError, match="not a readable tar"):
        load_cifar10(tmp_path, tmp_path / "cache")


@pytest.mark.realdata
@pytest.mark.slow
def test_real_cifar10(real_data, tmp_path):
    if not (real_data / "cifar10").is_dir():
        pytest.skip("real data absent: no cifar10/ in HASHLEARN_DATA")
    d = load_cifar10(real_data)  # uses the user cache (decoded once)
    assert d.images.shape == (60000, 32, 32, 3)
    assert np.bincount(d.labels[:50000]).tolist() == [5000] * 10
    mean = d.images[:50000].reshape(-1, 3).mean(0) / 255
    np.testing.assert_allclose(mean, [0.4913, 0.4821, 0.4465], atol=2e-3)


def test_features_of_custom_module_cached(tmp_path, tiny):
    import torch

    from hashlearn.data import cifar10_features

    (tmp_path / "cifar10").mkdir()
    write_python_batches(tmp_path / "cifar10" / "cifar-10-python.tar.gz", *tiny, N_TRAIN)
    net = torch.nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match="name"):
        cifar10_features(net, tmp_path, tmp_path / "cache")
    a = cifar10_features(net, tmp_path, tmp_path / "cache", size=16, name="toy")
    assert a.shape == (N, 4) and a.dtype == np.float32
    assert list((tmp_path / "cache").rglob("toy-16.npy"))
    b = cifar10_features(None, tmp_path, tmp_path / "cache", size=16, name="toy")  # cache hit
    np.testing.assert_array_equal(a, b)


def test_features_under_pinned_kernels_cached_apart(tmp_path, tiny, monkeypatch):
    """Features computed on the pinned AVX2 kernels never mix with the processor's own."""
    import torch

    from hashlearn._kernels import PINNED_KERNELS
    from hashlearn.data import cifar10_features

    (tmp_path / "cifar10").mkdir()
    write_python_batches(tmp_path / "cifar10" / "cifar-10-python.tar.gz", *tiny, N_TRAIN)
    for name in PINNED_KERNELS:
        monkeypatch.delenv(name, raising=False)
    cifar10_features(torch.nn.Conv2d(3, 4, 3), tmp_path, tmp_path / "cache", size=16, name="toy")
    for name, value in PINNED_KERNELS.items():
        monkeypatch.setenv(name, value)
    cifar10_features(torch.nn.Conv2d(3, 4, 3), tmp_path, tmp_path / "cache", size=16, name="toy")
    names = sorted(p.name for p in (tmp_path / "cache").rglob("toy-16*.npy"))
    assert names == ["toy-16-avx2.npy", "toy-16.npy"]
