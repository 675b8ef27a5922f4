"""Sharded encoding, search and evaluation on a Dask LocalCluster (2 worker processes)
give the in-process results on the concatenated database, bit for bit."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed: pip install 'dask[distributed]'"
)

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

import hashlearn  # noqa: E402
from hashlearn.codes import pack_bits  # noqa: E402
from hashlearn.codes_files import CodesInfo, read_codes_info, write_sidecar  # noqa: E402
from hashlearn.fingerprint import model_fingerprint  # noqa: E402
from hashlearn.index import FlatIndex  # noqa: E402
from hashlearn.metrics import evaluate_codes  # noqa: E402
from hashlearn.metrics._engine import Request, evaluation  # noqa: E402
from hashlearn.scale import _sharded_eval as engine  # noqa: E402
from hashlearn.scale import (  # noqa: E402
    encode_shards,
    encode_to_memmap,
    evaluate_shards,
    search_shards,
    streaming_map,
)

SPLITS = (700, 1, 1096)  # rows of the digits feature shards (1,797 in all)
METRICS = (
    "map", "map@50", "map_tie_avg", "map_tie_avg@30", "map_bdnn", "map_hashnet_pytorch@20",
    "precision@25", "precision_at_radius_2", "recall_at_radius_1",
)  # fmt: skip


@pytest.fixture(scope="module")
def client():
    env = {"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, env=env
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """The digits features, and the same rows split into .npy files of SPLITS rows."""
    X, y = load_digits(return_X_y=True)
    folder = tmp_path_factory.mktemp("features")
    bounds = np.cumsum([0, *SPLITS])
    files = [folder / f"part{i}.npy" for i in range(len(SPLITS))]
    for path, (lo, hi) in zip(files, pairwise(bounds), strict=True):
        np.save(path, X[lo:hi])
    return X, y, files


@pytest.fixture(scope="module")
def models(digits):
    X, y, _ = digits
    itq = hashlearn.create("itq", n_bits=12, random_state=0).fit(X)
    hashnet = hashlearn.create("hashnet", n_bits=16, epochs=1, hidden_sizes=(32,), random_state=0)
    return {"itq": itq, "hashnet": hashnet.fit(X.astype(np.float32), y)}


@pytest.mark.parametrize("method", ["itq", "hashnet"])
def test_shards_hold_the_codes_of_the_concatenated_features(client, digits, models, method,
                                                            tmp_path):  # fmt: skip
    X, _, files = digits
    model = models[method]
    shards = encode_shards(model, files, tmp_path / "codes", client, chunk=256)
    assert shards == [tmp_path / "codes" / f"part{i}.codes.npy" for i in range(len(SPLITS))]
    assert [np.load(s).shape[0] for s in shards] == list(SPLITS)
    assert np.array_equal(np.concatenate([np.load(s) for s in shards]), model.encode(X))
    local = encode_to_memmap(model, files[2], tmp_path / "local.npy", chunk=256)
    assert shards[2].read_bytes() == (tmp_path / "local.npy").read_bytes()
    assert np.array_equal(np.load(shards[2]), local)
    expected = CodesInfo(model.n_bits, model_fingerprint(model))
    assert all(read_codes_info(s) == expected for s in shards)


def test_encode_errors_are_raised_on_the_client(client, digits, models, tmp_path):
    X, _, files = digits
    out = tmp_path / "codes"
    with pytest.raises(FileNotFoundError, match=r"feature_files\[1\]: .*missing.npy"):
        encode_shards(models["itq"], [files[0], tmp_path / "missing.npy"], out, client)
    np.save(tmp_path / "narrow.npy", X[:5, :10])
    with pytest.raises(ValueError, match=r"feature_files\[1\]: .* 10 features.* expects 64"):
        encode_shards(models["itq"], [files[0], tmp_path / "narrow.npy"], out, client)
    with pytest.raises(NotFittedError, match="not fitted"):
        encode_shards(hashlearn.create("itq", n_bits=12), files, out, client)
    with pytest.raises(TypeError, match="feature_files must be a list"):
        encode_shards(models["itq"], files[0], out, client)
    assert not out.exists()


def random_codes(rng, n, n_bits, pool):
    """Packed codes drawn from ``pool`` distinct random codes: many exact ties."""
    bits = rng.integers(0, 2, (pool, n_bits), dtype=np.uint8)[rng.integers(0, pool, n)]
    return pack_bits(bits)


def write_shards(folder, codes, sizes, n_bits, fingerprint=None):
    bounds = np.cumsum([0, *sizes])
    paths = [folder / f"shard{i}.npy" for i in range(len(sizes))]
    for path, (lo, hi) in zip(paths, pairwise(bounds), strict=True):
        np.save(path, codes[lo:hi])
        write_sidecar(path, n_bits, fingerprint)
    return paths


@pytest.mark.parametrize("n_bits", [13, 64])
def test_search_equals_a_flat_index_of_the_concatenated_shards(client, tmp_path, n_bits):
    rng = np.random.default_rng(n_bits)
    sizes = [30, 0, 7, 90]
    db = random_codes(rng, sum(sizes), n_bits, pool=6)
    queries = np.concatenate([random_codes(rng, 20, n_bits, pool=20), db[:5]])
    paths = write_shards(tmp_path, db, sizes, n_bits)
    index = FlatIndex(n_bits)
    index.add(db)
    for k in (1, 5, 40, 127, 500):  # beyond a shard, and beyond the whole database
        distances, ids = search_shards(queries, paths, n_bits, k, client)
        want_d, want_i = index.search(queries, k)
        assert distances.dtype == np.int32 and ids.dtype == np.int64
        assert np.array_equal(distances, want_d) and np.array_equal(ids, want_i), k


def test_search_errors_name_the_shard(client, tmp_path):
    paths = write_shards(tmp_path, np.zeros((4, 2), np.uint8), [2, 2], 16)
    with pytest.raises(ValueError, match=r"shard_paths\[0\]: .*16-bit codes"):
        search_shards(np.zeros((1, 2), np.uint8), paths, 12, 3, client)
    with pytest.raises(FileNotFoundError, match=r"shard_paths\[2\]"):
        search_shards(np.zeros((1, 2), np.uint8), [*paths, tmp_path / "no.npy"], 16, 3, client)
    with pytest.raises(TypeError, match=r"client must be a dask\.distributed\.Client"):
        search_shards(np.zeros((1, 2), np.uint8), paths, 16, 3, client.cluster)


def labelled_database(tmp_path, n_bits, multi):
    """Shards of tied codes; labels as arrays for some shards, .npy files for others."""
    rng = np.random.default_rng(n_bits + multi)
    sizes = [400, 0, 9, 1500]
    db = random_codes(rng, sum(sizes), n_bits, pool=40)
    queries = np.concatenate([random_codes(rng, 30, n_bits, pool=30), db[::200]])
    columns = (5,) if multi else ()
    y_db = rng.integers(0, 2 if multi else 4, (db.shape[0], *columns))
    y_q = rng.integers(0, 2 if multi else 5, (queries.shape[0], *columns))  # 4: none relevant
    bounds = np.cumsum([0, *sizes])
    labels = [y_db[lo:hi] for lo, hi in pairwise(bounds)]
    for i in (0, 3):
        np.save(tmp_path / f"labels{i}.npy", labels[i].astype(np.int8 if multi else np.int32))
        labels[i] = tmp_path / f"labels{i}.npy"
    return queries, y_q, write_shards(tmp_path, db, sizes, n_bits), labels, db, y_db


@pytest.mark.parametrize(("n_bits", "multi"), [(13, False), (64, False), (64, True)])
def test_metrics_equal_the_in_process_ones_bit_for_bit(client, tmp_path, n_bits, multi):
    queries, y_q, paths, labels, db, y_db = labelled_database(tmp_path, n_bits, multi)
    got = evaluate_shards(queries, y_q, paths, labels, n_bits, client, METRICS, db_chunk=128)
    want = evaluate_codes(queries, db, y_q, y_db, n_bits=n_bits, metrics=METRICS)
    assert got == want  # same keys, same order, same floats
    if not multi:
        assert got["map"] == streaming_map(queries, db, y_q, y_db, n_bits=n_bits)


def test_per_query_sums_follow_the_database_order(client, tmp_path):
    """The AP sums of every query, not only their mean, are those of one in-process pass."""
    queries, y_q, paths, labels, db, y_db = labelled_database(tmp_path, 64, False)
    ks = (50, db.shape[0])
    request = Request.of(ks, None, True, (), True)
    q_labels, kind = engine.prepare_labels(y_q, len(y_q), "query_labels")
    sources = engine.check_label_sources(labels, [400, 0, 9, 1500], kind)
    shards = engine.Shards([str(p) for p in paths], sources, [400, 0, 9, 1500], 64, 100)
    blocks = engine.query_blocks(queries, q_labels, 3)
    got = engine.sharded_stats(client, blocks, shards, request)
    chunks = list(evaluation(queries, db, y_q, y_db, 64, None).chunks(ks, stable=True))
    for name, array in zip(("hist", "ap", "trap", "relk"), got[:4], strict=True):
        assert np.array_equal(array, np.concatenate([getattr(c, name) for c in chunks])), name


def test_evaluate_errors_name_the_argument(client, tmp_path):
    queries, y_q, paths, labels, _, _ = labelled_database(tmp_path, 13, False)
    with pytest.raises(ValueError, match="shard_labels has 3 entries, expected 4"):
        evaluate_shards(queries, y_q, paths, labels[:3], 13, client)
    wrong = [*labels[:2], np.zeros(8, int), labels[3]]
    with pytest.raises(ValueError, match=r"shard_labels\[2\] has 8 rows, expected 9"):
        evaluate_shards(queries, y_q, paths, wrong, 13, client)
    matrix = [*labels[:2], np.zeros((9, 3), int), labels[3]]
    with pytest.raises(ValueError, match=r"shard_labels\[2\] holds a label matrix of 3 columns"):
        evaluate_shards(queries, y_q, paths, matrix, 13, client)
    with pytest.raises(TypeError, match="query_labels must be integer class labels"):
        evaluate_shards(queries, y_q.astype(str), paths, labels, 13, client)
    with pytest.raises(ValueError, match="unknown metric name 'mrr'"):
        evaluate_shards(queries, y_q, paths, labels, 13, client, metrics=("mrr",))
    write_sidecar(paths[0], 13, "a" * 16)
    write_sidecar(paths[2], 13, "b" * 16)
    with pytest.raises(ValueError, match="encoded by different models"):
        evaluate_shards(queries, y_q, paths, labels, 13, client)
