"""Codes exported to Milvus give the same top-k distances as an exact flat search.

Milvus Lite runs inside the test process on a local file, started once for the
module. The tests skip with the reason when pymilvus or milvus-lite cannot be
imported, or when the installed Milvus Lite has no binary vectors (milvus-lite 3
dropped them: the ``milvus`` extra pins < 3). Milvus Lite supports only the exact
``BIN_FLAT`` index, so the ``BIN_IVF_FLAT`` recall test runs against the Milvus
server named by ``$HASHLEARN_MILVUS_URI`` (e.g. ``http://127.0.0.1:19530``) and
skips without one.
"""

import os
import time

import numpy as np
import pytest

from hashlearn.codes import hamming_distance, pack_bits
from hashlearn.export import export_codes_milvus, search_codes_milvus
from hashlearn.index import FlatIndex

pymilvus = pytest.importorskip("pymilvus", reason="pymilvus is not installed (extra 'milvus')")
try:
    import milvus_lite  # noqa: F401
except ImportError as exc:
    pytest.skip(f"milvus-lite cannot be imported ({exc})", allow_module_level=True)


def connect_milvus_lite(path: str, seconds: float = 120.0):
    """A client of a Milvus Lite server on ``path``, once the server answers.

    pymilvus starts the server and calls it at once, without waiting for it: when
    the server has not made its socket yet (it takes over 0.5 s on a loaded
    machine or with cold disk caches) the call fails straight away, whatever the
    client's ``timeout``. The server keeps starting; connecting again reaches it.
    A server that never answers skips the module, as a missing PostgreSQL skips the
    pgvector tests: it says nothing about hashlearn's export.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            return pymilvus.MilvusClient(path)
        except pymilvus.MilvusException as exc:
            if time.monotonic() > deadline:
                pytest.skip(f"Milvus Lite did not answer within {seconds:.0f} s: {exc}")
            time.sleep(0.5)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("milvus") / "milvus.db")
    client = connect_milvus_lite(path)
    try:
        export_codes_milvus(client, "probe", np.zeros((1, 1), np.uint8), 8)
    except pymilvus.MilvusException as exc:
        client.close()
        if "BinaryVector" not in str(exc):
            raise
        pytest.skip(f"this Milvus Lite has no binary vectors: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="module")
def server():
    uri = os.environ.get("HASHLEARN_MILVUS_URI")
    if not uri:
        pytest.skip("Milvus Lite has no BIN_IVF_FLAT; set HASHLEARN_MILVUS_URI to a Milvus server")
    client = pymilvus.MilvusClient(uri)
    yield client
    client.close()


def flat_search(db, q, n_bits, k):
    index = FlatIndex(n_bits)
    index.add(db)
    return index.search(q, k)


def row_count(client, collection):
    return client.query(collection, filter="", output_fields=["count(*)"])[0]["count(*)"]


@pytest.fixture(scope="module", params=[13, 64, 256])
def exported(request, client):
    n_bits = request.param
    rng = np.random.default_rng(n_bits)
    db = pack_bits(rng.integers(0, 2, (1500, n_bits)))
    db[100:120] = db[5]  # duplicates: many ties
    q = np.concatenate([db[:5], pack_bits(rng.integers(0, 2, (10, n_bits)))])
    ids = 10 * np.arange(db.shape[0]) + 7  # custom ids: position = (id - 7) / 10
    name = f"exact_{n_bits}"
    assert export_codes_milvus(client, name, db, n_bits, ids, batch=400) == db.shape[0]
    return name, db, q, n_bits


def test_exact_search_distances_equal_flat_index_and_hamming_distance(client, exported, cases):
    name, db, q, n_bits = exported
    dist, ids = search_codes_milvus(client, name, q, n_bits, k=30)
    ref_dist, _ = flat_search(db, q, n_bits, 30)
    assert np.array_equal(np.sort(dist, axis=1), ref_dist)  # ties may come in another order
    assert np.all((ids - 7) % 10 == 0)
    positions = (ids - 7) // 10
    true = hamming_distance(q, db, n_bits)
    assert np.array_equal(np.take_along_axis(true, positions, axis=1), dist)
    assert all(len(set(row)) == 30 for row in ids.tolist())
    assert ids.dtype == np.int64 and dist.dtype == np.int32
    cases["milvus.queries"] += q.shape[0]


def test_labels_round_trip_and_missing_results_are_padded(client):
    codes = pack_bits(np.random.default_rng(3).integers(0, 2, (5, 20)))
    labels = np.array([4, -1, 2**40, 0, 7])
    export_codes_milvus(client, "labelled", codes, 20, ids=[50, 40, 30, 20, 10], labels=labels)
    rows = client.query("labelled", ids=[10, 30, 50], output_fields=["label"])
    assert {row["id"]: row["label"] for row in rows} == {10: 7, 30: 2**40, 50: 4}
    dist, ids = search_codes_milvus(client, "labelled", codes[:2], 20, k=8)
    assert np.array_equal(ids[:, 5:], np.full((2, 3), -1))
    assert np.array_equal(dist[:, 5:], np.full((2, 3), -1))
    assert ids[:, 0].tolist() == [50, 40] and dist[:, 0].tolist() == [0, 0]


def test_export_errors_create_nothing(client):
    codes = np.zeros((3, 1), np.uint8)
    cases = [
        (ValueError, "ids must be 3 integers", {"ids": [1, 2]}),
        (ValueError, "ids must be unique", {"ids": [1, 2, 1]}),
        (ValueError, "labels must be 3 integers", {"labels": [1.5, 2, 3]}),
        (ValueError, "index must be one of", {"index": "IVF_FLAT"}),
        (ValueError, "nlist must be between 1 and 65536", {"nlist": 0}),
        (ValueError, "batch must be a positive integer", {"batch": 0}),
    ]
    for error, message, kwargs in cases:
        with pytest.raises(error, match=message):
            export_codes_milvus(client, "bad", codes, 8, **kwargs)
    with pytest.raises(TypeError, match="codes must have dtype uint8"):
        export_codes_milvus(client, "bad", codes.astype(int), 8)
    assert not client.has_collection("bad")


def test_existing_collection_is_refused_and_kept(client):
    codes = pack_bits(np.random.default_rng(4).integers(0, 2, (40, 16)))
    export_codes_milvus(client, "kept", codes, 16)
    with pytest.raises(ValueError, match=r"collection 'kept' already exists; pass replace=True"):
        export_codes_milvus(client, "kept", codes[:10], 16)
    assert row_count(client, "kept") == 40
    assert export_codes_milvus(client, "kept", codes[:10], 16, replace=True) == 10
    assert row_count(client, "kept") == 10


def test_search_errors(client):
    codes = np.zeros((2, 1), np.uint8)
    with pytest.raises(ValueError, match="k must be between 1 and 16384"):
        search_codes_milvus(client, "probe", codes, 8, k=0)
    with pytest.raises(ValueError, match="nprobe must be a positive integer"):
        search_codes_milvus(client, "probe", codes, 8, k=1, nprobe=0)
    with pytest.raises(ValueError, match="query_codes must have shape"):
        search_codes_milvus(client, "probe", codes, 16, k=1)


class FailingSecondInsert:
    """The real client, except that its second insert fails (a connection lost half-way)."""

    def __init__(self, client):
        self.client, self.inserts = client, 0

    def __getattr__(self, name):
        return getattr(self.client, name)

    def insert(self, *args, **kwargs):
        self.inserts += 1
        if self.inserts == 2:
            raise ConnectionError("connection lost")
        return self.client.insert(*args, **kwargs)


def test_export_failing_half_way_leaves_no_collection(client):
    codes = pack_bits(np.random.default_rng(5).integers(0, 2, (50, 16)))
    with pytest.raises(ConnectionError):
        export_codes_milvus(FailingSecondInsert(client), "half", codes, 16, batch=10)
    assert not client.has_collection("half")
    with pytest.raises(pymilvus.MilvusException, match="BIN_FLAT"):  # Milvus Lite's limit
        export_codes_milvus(client, "ivf", codes, 16, index="BIN_IVF_FLAT")
    assert not client.has_collection("ivf")


def clustered_codes(rng, n, n_bits, n_clusters, flip):
    """Codes around random centres, each bit flipped with probability ``flip``."""
    centres = rng.integers(0, 2, (n_clusters, n_bits))
    bits = centres[rng.integers(0, n_clusters, n)] ^ (rng.random((n, n_bits)) < flip)
    return pack_bits(bits)


def load_built_index(client, collection, n_rows, timeout=120.0):
    """A server builds the index after the export returns and scans exactly until the
    collection is loaded again with it."""
    deadline = time.monotonic() + timeout
    while client.describe_index(collection, index_name="code").get("indexed_rows") != n_rows:
        assert time.monotonic() < deadline, f"index of {collection} not built in {timeout} s"
        time.sleep(0.5)
    client.release_collection(collection)
    client.load_collection(collection)


def test_ivf_recall_against_flat_index(server, cases):
    rng = np.random.default_rng(0)
    codes = clustered_codes(rng, 21_000, 64, 100, 0.1)
    db, q = codes[:20_000], codes[20_000:]
    export_codes_milvus(server, "ivf_recall", db, 64, index="BIN_IVF_FLAT", nlist=64, replace=True)
    load_built_index(server, "ivf_recall", db.shape[0])
    ref_dist, _ = flat_search(db, q, 64, 10)
    true = hamming_distance(q, db, 64)
    recall = {}
    for nprobe in (1, 16, 64):
        dist, ids = search_codes_milvus(server, "ivf_recall", q, 64, k=10, nprobe=nprobe)
        assert np.array_equal(np.take_along_axis(true, ids, axis=1), dist)
        recall[nprobe] = np.mean(dist <= ref_dist[:, -1:])  # within the exact 10th distance
        print(f"BIN_IVF_FLAT recall@10 (20,000 codes, nlist=64, nprobe={nprobe}): {recall[nprobe]}")
    assert recall[64] == 1.0  # every cluster searched: exact
    assert recall[16] >= 0.95
    assert recall[1] < 1.0, "nprobe=1 found everything: was the IVF index used?"
    server.drop_collection("ivf_recall")
    cases["milvus.queries"] += 3 * q.shape[0]
