"""Out-of-core encoding and streaming evaluation against slow, obvious references."""

import numpy as np
import pytest

import hashlearn
from hashlearn.codes import hamming_distance
from hashlearn.scale import encode_to_memmap, open_codes, streaming_map


def reference_map(q, db, yq, ydb, n_bits, topk=None):
    """AP per query with a stable sort on (distance, id); empty -> 0."""
    dist = hamming_distance(q, db, n_bits)
    aps = []
    for i in range(q.shape[0]):
        order = sorted(range(db.shape[0]), key=lambda j: (dist[i, j], j))
        order = order[: topk or len(order)]
        hits, total = 0, 0.0
        for rank, j in enumerate(order, start=1):
            if ydb[j] == yq[i]:
                hits += 1
                total += hits / rank
        aps.append(total / hits if hits else 0.0)
    return float(np.mean(aps))


@pytest.mark.parametrize("n_bits", [1, 7, 8, 12, 64, 65, 130])
@pytest.mark.parametrize("topk", [None, 5])
def test_streaming_map_matches_reference(n_bits, topk):
    rng = np.random.default_rng(n_bits)
    n_bytes = (n_bits + 7) // 8
    bits_q = rng.integers(0, 2, (9, n_bits))
    bits_db = rng.integers(0, 2, (57, n_bits))
    q, db = hashlearn.codes.pack_bits(bits_q), hashlearn.codes.pack_bits(bits_db)
    assert q.shape[1] == n_bytes
    yq, ydb = rng.integers(0, 4, 9), rng.integers(0, 4, 57)
    ydb[ydb == 3] = 2  # class 3 has no relevant item: AP 0 counted
    expected = reference_map(q, db, yq, ydb, n_bits, topk)
    got = streaming_map(q, db, yq, ydb, n_bits=n_bits, topk=topk, db_chunk=10)
    assert got == pytest.approx(expected, abs=1e-12)


def test_streaming_map_reads_memmap_in_chunks(tmp_path):
    rng = np.random.default_rng(0)
    db = rng.integers(0, 256, (1000, 2), dtype=np.uint8)
    np.save(tmp_path / "db.npy", db)
    mm = open_codes(tmp_path / "db.npy", n_bits=16)
    q, yq, ydb = db[:20].copy(), rng.integers(0, 5, 20), rng.integers(0, 5, 1000)
    assert streaming_map(q, mm, yq, ydb, n_bits=16, db_chunk=77) == pytest.approx(
        reference_map(q, db, yq, ydb, 16), abs=1e-12
    )


def test_streaming_map_errors():
    q = np.zeros((2, 1), np.uint8)
    with pytest.raises(ValueError, match="query_labels has 1 entries"):
        streaming_map(q, q, [0], [0, 0], n_bits=8)
    with pytest.raises(ValueError, match="db_labels must be 1-D integer"):
        streaming_map(q, q, [0, 0], np.zeros((2, 3), int), n_bits=8)
    with pytest.raises(TypeError, match="query_codes must have dtype uint8"):
        streaming_map(q.astype(np.int64), q, [0, 0], [0, 0], n_bits=8)
    with pytest.raises(ValueError, match="db_codes has bits set past n_bits=3"):
        streaming_map(
            np.zeros((2, 1), np.uint8), np.full((2, 1), 255, np.uint8), [0, 0], [0, 0], n_bits=3
        )
    with pytest.raises(ValueError, match="topk must be a positive"):
        streaming_map(q, q, [0, 0], [0, 0], n_bits=8, topk=0)
    with pytest.raises(ValueError, match="query_codes is empty"):
        streaming_map(q[:0], q, [], [0, 0], n_bits=8)


@pytest.mark.parametrize("chunk", [97, 1000, 5000])
def test_encode_to_memmap_equals_encode(tmp_path, chunk):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1234, 10)).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    model = hashlearn.create("lsh", n_bits=9, random_state=0).fit(X)
    codes = encode_to_memmap(model, tmp_path / "X.npy", tmp_path / "codes.npy", chunk=chunk)
    assert isinstance(codes, np.memmap) and not codes.flags.writeable
    assert np.array_equal(codes, model.encode(X))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.npy", "codes.npy", "codes.npy.json"]


def test_encode_to_memmap_failure_keeps_old_file(tmp_path):
    X = np.random.default_rng(2).normal(size=(300, 6))
    model = hashlearn.create("lsh", n_bits=8, random_state=0).fit(X)
    old = encode_to_memmap(model, X, tmp_path / "c.npy").copy()
    bad = X.copy()
    bad[250, 1] = np.nan  # fails in the third chunk, after two chunks were written
    with pytest.raises(ValueError, match="NaN"):
        encode_to_memmap(model, bad, tmp_path / "c.npy", chunk=100)
    assert np.array_equal(open_codes(tmp_path / "c.npy", n_bits=8), old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npy", "c.npy.json"]


def test_encode_to_memmap_and_open_codes_errors(tmp_path):
    X = np.zeros((10, 3))
    model = hashlearn.create("lsh", n_bits=8, random_state=0).fit(np.eye(3))
    with pytest.raises(ValueError, match="chunk must be a positive integer"):
        encode_to_memmap(model, X, tmp_path / "c.npy", chunk=0)
    with pytest.raises(ValueError, match="features must be 2-D"):
        encode_to_memmap(model, np.zeros(5), tmp_path / "c.npy")
    with pytest.raises(TypeError, match="features must be a 2-D array"):
        encode_to_memmap(model, 3.0, tmp_path / "c.npy")
    encode_to_memmap(model, X, tmp_path / "c.npy")
    with pytest.raises(ValueError, match=r"expected packed uint8 codes of shape \(n, 2\)"):
        open_codes(tmp_path / "c.npy", n_bits=16)
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ValueError, match=r"not a readable \.npy codes file"):
        open_codes(tmp_path / "broken.npy", n_bits=8)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_codes(tmp_path / "missing.npy", n_bits=8)


def test_streaming_map_equals_hashlearn_metrics():
    metrics = pytest.importorskip("hashlearn.metrics", reason="hashlearn.metrics not landed")
    rng = np.random.default_rng(5)
    db = rng.integers(0, 256, (700, 3), dtype=np.uint8)
    db[:, 2] &= 0x0F  # 20-bit codes
    db[300:350] = db[0]  # a big tie block
    q, yq, ydb = db[::35].copy(), rng.integers(0, 4, 20), rng.integers(0, 4, 700)
    for topk in (None, 50):
        expected = metrics.mean_average_precision(q, db, yq, ydb, n_bits=20, topk=topk)
        got = streaming_map(q, db, yq, ydb, n_bits=20, topk=topk, db_chunk=64)
        assert got == pytest.approx(expected, abs=1e-12)


def test_evaluate_in_chunks_equals_whole_evaluation(tmp_path):
    metrics = pytest.importorskip("hashlearn.metrics", reason="hashlearn.metrics not landed")
    if not hasattr(metrics, "evaluate_codes"):
        pytest.skip("hashlearn.metrics.evaluate_codes not landed yet")
    from hashlearn.scale import evaluate_in_chunks

    rng = np.random.default_rng(6)
    db = rng.integers(0, 256, (500, 2), dtype=np.uint8)
    np.save(tmp_path / "db.npy", db)
    mm = open_codes(tmp_path / "db.npy", n_bits=16)
    q, yq, ydb = db[:37].copy(), rng.integers(0, 3, 37), rng.integers(0, 3, 500)
    names = ("map", "precision_at_radius_2")
    whole = metrics.evaluate_codes(q, db, yq, ydb, n_bits=16, metrics=names)
    chunked = evaluate_in_chunks(q, mm, yq, ydb, n_bits=16, metrics=names, chunk=8)
    assert chunked.keys() == whole.keys()
    for name in names:
        assert chunked[name] == pytest.approx(whole[name], abs=1e-12)
