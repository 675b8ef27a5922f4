"""GIST (orientation selectivity, shapes), CNN features, sharded feature cache."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hashlearn.data import cnn_features, gabor_bank, gist_features
from hashlearn.data.features import cached_features


def grating(angle: float, freq: float = 0.2, n: int = 32) -> np.ndarray:
    yy, xx = np.mgrid[:n, :n]
    wave = np.cos(2 * np.pi * freq * (xx * np.cos(angle) + yy * np.sin(angle)))
    return (127.5 + 100 * wave).astype(np.uint8)


def test_gist_orientation_selectivity():
    # filter j of a scale passes frequencies at angle -pi*j/n_o (mod pi)
    gratings = np.stack([grating(np.pi * k / 8) for k in range(8)])
    energy = gist_features(gratings, "512").reshape(8, 32, 16).mean(axis=2)
    best = energy[:, :8].argmax(axis=1)
    assert best.tolist() == [(-k) % 8 for k in range(8)]
    for k in range(8):  # tuned filter at least 3x stronger than the orthogonal one
        assert energy[k, best[k]] > 3 * energy[k, (best[k] + 4) % 8]


def test_gist_scale_selectivity():
    fine, coarse = grating(0.0, freq=0.3), grating(0.0, freq=0.08)
    e = gist_features(np.stack([fine, coarse]), "512").reshape(2, 4, 8, 16).mean(axis=(2, 3))
    assert e[0].argmax() < e[1].argmax()  # scale 0 is the finest


def test_gist_shapes_batches_and_colour():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (7, 32, 32, 3), dtype=np.uint8)
    f = gist_features(x)
    assert f.shape == (7, 320) and f.dtype == np.float32 and np.isfinite(f).all()
    np.testing.assert_allclose(gist_features(x, batch_size=3), f, rtol=1e-5, atol=1e-6)
    assert gabor_bank(48, (8, 8, 4)).shape == (20, 48, 48)
    with pytest.raises(ValueError, match="variant"):
        gist_features(x, "999")


def test_cnn_features_pool_any_module():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 5, 3), torch.nn.ReLU())
    x = np.random.default_rng(0).integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
    f = cnn_features(x, net, size=20, batch_size=2, progress=False)
    assert f.shape == (5, 5) and f.dtype == np.float32
    g = cnn_features(x[:1], net, size=20, progress=False)
    np.testing.assert_allclose(f[:1], g, rtol=1e-5)
    with pytest.raises(ValueError, match="images"):
        cnn_features(x.astype(np.float32), net)


def test_cached_features_resume_and_corruption(tmp_path, monkeypatch):
    monkeypatch.setattr("hashlearn.data.features.SHARD", 4)
    images = np.arange(10 * 2 * 2, dtype=np.uint8).reshape(10, 2, 2)
    calls = []

    def make():
        calls.append(1)
        return lambda imgs: imgs.reshape(len(imgs), -1).astype(np.float32)

    key = {"k": 1}
    a = cached_features(images, tmp_path, "toy", key, make)
    np.testing.assert_array_equal(a, images.reshape(10, -1))
    assert not list((tmp_path / "shards").glob("*.npy"))  # shards removed after join
    cached_features(images, tmp_path, "toy", key, make)
    assert len(calls) == 1  # second call reads the cache
    (tmp_path / "toy.npy").write_bytes(b"broken")
    with pytest.warns(RuntimeWarning, match="corrupt|unreadable"):
        b = cached_features(images, tmp_path, "toy", key, make)
    np.testing.assert_array_equal(a, b)
    assert len(calls) == 2
