"""Streaming mode of the counting engine: ``streaming_map`` is ``mean_average_precision``
on the whole database, bit for bit, however the database is cut into blocks."""

import numpy as np
import pytest

from hashlearn.codes import pack_bits
from hashlearn.metrics import PRESETS, mean_average_precision
from hashlearn.scale import open_codes, streaming_map


def _problem(n_bits, n_db=230, n_queries=17, seed=0):
    """Codes with many ties (few bits, duplicated rows) and a class with no relevant item."""
    rng = np.random.default_rng(seed)
    db = pack_bits(rng.integers(0, 2, (n_db, n_bits)))
    db[100:140] = db[3]  # a big tie block
    q = np.concatenate([db[:5], pack_bits(rng.integers(0, 2, (n_queries - 5, n_bits)))])
    yq, ydb = rng.integers(0, 5, n_queries), rng.integers(0, 4, n_db)
    yq[-1] = 4  # nothing relevant in the database
    return q, db, yq, ydb


OPTIONS = [
    {},
    {"topk": 1},
    {"topk": 25},
    {"topk": 10_000},
    {"ties": "average"},
    {"ties": "average", "topk": 25},
    {"ties": "average", "topk": 25, "normalize": "all", "empty": "skip"},
    {"topk": 25, "normalize": "min", "empty": "skip"},
    {"interpolation": "trapezoid", "normalize": "all"},
    *({"preset": name, "topk": 25} for name in PRESETS),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("n_bits", [6, 70])
def test_streaming_equals_in_memory_bit_for_bit(options, n_bits):
    q, db, yq, ydb = _problem(n_bits)
    whole = mean_average_precision(q, db, yq, ydb, n_bits=n_bits, **options)
    for db_chunk in (1, 7, 64, len(db) - 1, len(db), 10 * len(db)):
        got = streaming_map(q, db, yq, ydb, n_bits=n_bits, db_chunk=db_chunk, **options)
        assert got == whole, (db_chunk, got, whole)


def test_streaming_reads_memmapped_codes_and_labels(tmp_path):
    q, db, yq, ydb = _problem(16, n_db=500)
    np.save(tmp_path / "db.npy", db)
    np.save(tmp_path / "y.npy", ydb)
    codes = open_codes(tmp_path / "db.npy", n_bits=16)
    labels = np.load(tmp_path / "y.npy", mmap_mode="r")
    for ties in ("stable", "average"):
        got = streaming_map(q, codes, yq, labels, n_bits=16, db_chunk=77, ties=ties)
        assert got == mean_average_precision(q, db, yq, ydb, n_bits=16, ties=ties)


class _RecordedCodes:
    """Database codes that record the row ranges read from them."""

    def __init__(self, codes):
        self.codes, self.reads = codes, []
        self.shape = codes.shape

    def __getitem__(self, rows):
        self.reads.append((rows.start, rows.stop))
        return self.codes[rows]


@pytest.mark.parametrize(("ties", "passes"), [("stable", 2), ("average", 1)])
def test_each_pass_reads_the_database_once_in_blocks(ties, passes):
    q, db, yq, ydb = _problem(8, n_db=100)
    recorded = _RecordedCodes(db)
    streaming_map(q, recorded, yq, ydb, n_bits=8, db_chunk=30, ties=ties)
    one_pass = [(0, 30), (30, 60), (60, 90), (90, 120)]
    assert recorded.reads == one_pass * passes


def test_streaming_option_errors():
    q, db, yq, ydb = _problem(8, n_db=20)
    with pytest.raises(ValueError, match="ties must be one of"):
        streaming_map(q, db, yq, ydb, n_bits=8, ties="random")
    with pytest.raises(ValueError, match="preset='standard' fixes empty"):
        streaming_map(q, db, yq, ydb, n_bits=8, preset="standard", empty="skip")
    with pytest.raises(ValueError, match="ties='average' is not supported with trapezoid"):
        streaming_map(q, db, yq, ydb, n_bits=8, ties="average", interpolation="trapezoid")
    with pytest.raises(ValueError, match="db_chunk must be a positive integer"):
        streaming_map(q, db, yq, ydb, n_bits=8, db_chunk=0)
