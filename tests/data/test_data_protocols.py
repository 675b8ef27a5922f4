"""Protocol sizes (as in the papers), determinism, disjointness and the 5k recipe."""

from __future__ import annotations

import numpy as np
import pytest

from hashlearn.data import get_protocol, list_protocols, protocol_from_labels

MNIST_Y = np.repeat(np.arange(10), 7000)[np.random.default_rng(1).permutation(70000)]
CIFAR_Y = np.concatenate([np.repeat(np.arange(10), 5000), np.repeat(np.arange(10), 1000)])

SIZES = {  # query, database, train, val
    "mnist-10k": (10000, 60000, 60000, 0),
    "mnist-10k-5k": (10000, 60000, 5000, 1000),
    "mnist-unsup": (10000, 60000, 10000, 0),
    "mnist-unsup-full": (10000, 60000, 60000, 0),
    "cifar10-1k": (1000, 54000, 5000, 0),
    "cifar10-1k-incl": (1000, 59000, 5000, 0),
    "cifar10-10k": (10000, 50000, 30000, 1000),
    "cifar10-10k-full": (10000, 50000, 50000, 0),
    "cifar10-10k-unsup": (10000, 50000, 50000, 0),
}


def _make(name, seed=0):
    y, n_train = (MNIST_Y, 60000) if name.startswith("mnist") else (CIFAR_Y, 50000)
    return protocol_from_labels(name, y, n_train, seed), y


@pytest.mark.parametrize("name", sorted(SIZES))
def test_sizes_and_structure(name):
    p, y = _make(name)
    assert tuple(p.sizes().values()) == SIZES[name]
    assert not set(p.query_idx) & set(p.database_idx)
    assert len(set(p.train_idx)) == len(p.train_idx) and not set(p.val_idx) & set(p.train_idx)
    if "1k" in name:
        assert np.bincount(y[p.query_idx]).tolist() == [100] * 10
        assert np.bincount(y[p.train_idx]).tolist() == [500] * 10
        assert bool(set(p.train_idx) <= set(p.database_idx)) == name.endswith("incl")
    else:
        assert set(p.train_idx) <= set(p.database_idx)
    assert p.relevance == ("knn" if "unsup" in name else "class")


@pytest.mark.parametrize("name", sorted(SIZES))
def test_deterministic_per_seed(name):
    a, b, c = _make(name, 3)[0], _make(name, 3)[0], _make(name, 4)[0]
    assert a.checksum() == b.checksum()
    for part in ("query_idx", "database_idx", "train_idx", "val_idx"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))
    seeded = name in ("mnist-10k-5k", "mnist-unsup", "cifar10-1k", "cifar10-1k-incl", "cifar10-10k")
    assert (a.checksum() != c.checksum()) == seeded


def test_mnist_5k_matches_reference_recipe():
    p, y = _make("mnist-10k-5k", seed=0)
    rng = np.random.default_rng(0)
    train, val = [], []
    for c in range(10):
        perm = rng.permutation(np.flatnonzero(y[:60000] == c))
        train.append(perm[:500])
        val.append(perm[500:600])
    np.testing.assert_array_equal(p.train_idx, np.concatenate(train))
    np.testing.assert_array_equal(p.val_idx, np.concatenate(val))


def test_unsup_subset_recipe():
    p, _ = _make("mnist-unsup", seed=0)
    np.testing.assert_array_equal(p.train_idx, np.random.default_rng(0).permutation(60000)[:10000])


def test_record_and_errors():
    p, _ = _make("cifar10-1k")
    rec = p.record()
    assert rec["sha256"] == p.checksum() and rec["sizes"]["query"] == 1000
    assert p.checksum()[:16] in str(p)
    assert "cifar10-1k" in list_protocols()
    with pytest.raises(ValueError, match="unknown protocol"):
        protocol_from_labels("cifar10-5k", CIFAR_Y, 50000)


@pytest.mark.realdata
def test_real_mnist_protocol_checksum_stable(real_data):
    p = get_protocol("mnist-10k-5k", seed=0, data_dir=real_data)
    assert p.sizes() == {"query": 10000, "database": 60000, "train": 5000, "val": 1000}
    assert p.checksum() == get_protocol("mnist-10k-5k", seed=0, data_dir=real_data).checksum()


@pytest.mark.realdata
@pytest.mark.slow
def test_real_cifar10_protocol_sizes(real_data):
    if not (real_data / "cifar10").is_dir():
        pytest.skip("real data absent: no cifar10/ in HASHLEARN_DATA")
    p = get_protocol("cifar10-1k", seed=0, data_dir=real_data)
    assert p.sizes() == {"query": 1000, "database": 54000, "train": 5000, "val": 0}
