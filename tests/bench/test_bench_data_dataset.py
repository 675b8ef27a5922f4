"""load_benchmark_data picks the features by the protocol's dataset, not by its name."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

import hashlearn.data
from hashlearn.bench.data import load_benchmark_data
from hashlearn.data import protocols
from hashlearn.data.protocols import protocol_from_labels

LABELS = np.arange(70_000) % 10


def test_a_protocol_of_any_name_loads_the_features_of_its_dataset(monkeypatch, tmp_path):
    """The protocol "toy-split" splits MNIST (stand-in pixels); its name does not say so."""
    monkeypatch.setitem(protocols.PROTOCOLS, "toy-split", protocols.PROTOCOLS["mnist-10k-5k"])
    monkeypatch.setattr(
        hashlearn.data,
        "get_protocol",
        lambda name, seed=0, data_dir=None: protocol_from_labels(name, LABELS, 60_000, seed),
    )
    pixels = np.random.default_rng(0).random((70_000, 4)).astype(np.float32)
    monkeypatch.setattr(hashlearn.data, "mnist_features", lambda data_dir=None: pixels)
    mnist = SimpleNamespace(labels=LABELS)
    monkeypatch.setattr(hashlearn.data, "load_mnist", lambda data_dir=None: mnist)
    monkeypatch.setenv("HASHLEARN_DATA", str(tmp_path))

    data = load_benchmark_data("toy-split", seed=0)

    split = protocol_from_labels("toy-split", LABELS, 60_000, 0)
    assert data.features == "pixels"
    assert np.array_equal(data.X_train, pixels[split.train_idx])
    assert np.array_equal(data.y_val, LABELS[split.val_idx])
