"""Presets and AP variants on hand-computed toy rankings."""

from __future__ import annotations

import numpy as np
import pytest

from hashlearn.codes import pack_bits
from hashlearn.metrics import PRESETS, evaluate_codes, mean_average_precision


def at_distances(dists, n_bits=8):
    """Packed codes whose distance to the all-zero query is ``dists[i]``."""
    bits = np.zeros((len(dists), n_bits), dtype=np.uint8)
    for i, d in enumerate(dists):
        bits[i, :d] = 1
    return pack_bits(bits)


# Database ranked 1..4 (distances 0..3) with labels A B A D; queries A C B D:
#   A: relevant at ranks 1, 3   C: none   B: rank 2   D: rank 4 (outside the top 2)
DB = at_distances([0, 1, 2, 3])
Q = at_distances([0, 0, 0, 0])
YQ, YDB = np.array([0, 2, 1, 3]), np.array([0, 1, 0, 3])
AP_FULL = [(1 + 2 / 3) / 2, 0.0, 1 / 2, 1 / 4]
AP_TRAP = [(1 + (1 / 2 + 2 / 3) / 2) / 2, 0.0, (0 + 1 / 2) / 2, (0 + 1 / 4) / 2]


@pytest.mark.parametrize(
    ("preset", "topk", "expected"),
    [
        ("deephash_pytorch", 2, (1.0 + 0 + 0.5 + 0) / 4),  # every query counted
        ("hashnet_caffe", 2, (1.0 + 0.5 + 0) / 3),  # no relevant in DB: skipped
        ("hashnet_pytorch", 2, (1.0 + 0.5) / 2),  # also skipped: none in top k
        ("deephash_tf", 2, (1.0 + 0.5) / 2),
        ("standard", 2, (1 / 2 + 0 + 1 / 2 + 0) / 4),  # divided by all relevant
        ("standard", None, np.mean(AP_FULL)),
        ("bdnn_matlab", None, np.mean(AP_TRAP)),
        ("hashnet_caffe", None, np.mean(AP_FULL[:1] + AP_FULL[2:])),
    ],
)
def test_presets_on_toy_ranking(preset, topk, expected):
    got = mean_average_precision(Q, DB, YQ, YDB, n_bits=8, topk=topk, preset=preset)
    assert got == pytest.approx(expected, abs=1e-12)


def test_every_preset_is_tested_above():
    assert set(PRESETS) == {
        "standard", "hashnet_caffe", "hashnet_pytorch", "deephash_pytorch", "deephash_tf",
        "bdnn_matlab",
    }  # fmt: skip


def test_deephash_pytorch_issue_33_retrieved_normalisation():
    """One relevant item at rank 1 beats relevant items at ranks 1 and 3 (k = 3)."""
    db = at_distances([0, 1, 2])
    q = at_distances([0])
    one = mean_average_precision(q, db, [1], [1, 0, 0], n_bits=8, topk=3)
    two = mean_average_precision(q, db, [1], [1, 0, 1], n_bits=8, topk=3)
    assert one == 1.0
    assert two == pytest.approx((1 + 2 / 3) / 2)
    assert one > two
    # normalising by min(k, R) or by all relevant items removes the paradox
    kw = {"n_bits": 8, "topk": 3, "normalize": "min"}
    assert mean_average_precision(q, db, [1], [1, 0, 0], **kw) == 1.0
    db4, y4 = at_distances([0, 1, 2, 3]), [1, 0, 0, 1]
    assert mean_average_precision(q, db4, [1], y4, n_bits=8, topk=3, normalize="all") == 0.5


def test_normalize_variants_by_hand():
    # relevant at ranks 2 and 5 out of 6; k = 3 keeps only rank 2
    db, y = at_distances([0, 1, 2, 3, 4, 5]), [0, 1, 0, 0, 1, 0]
    q = at_distances([0])
    base = {"n_bits": 8, "topk": 3}
    assert mean_average_precision(q, db, [1], y, normalize="retrieved", **base) == 0.5
    assert mean_average_precision(q, db, [1], y, normalize="all", **base) == 0.25
    assert mean_average_precision(q, db, [1], y, normalize="min", **base) == 0.25


def test_trapezoid_equals_standard_when_relevant_items_come_first():
    db, y = at_distances([0, 1, 2, 3, 4]), [1, 1, 1, 0, 0]
    q = at_distances([0])
    trap = mean_average_precision(q, db, [1], y, n_bits=8, preset="bdnn_matlab")
    assert trap == mean_average_precision(q, db, [1], y, n_bits=8) == 1.0


def test_trapezoid_below_standard_on_random_rankings():
    rng = np.random.default_rng(3)
    q = pack_bits(rng.integers(0, 2, (20, 16)))
    db = pack_bits(rng.integers(0, 2, (200, 16)))
    yq, ydb = rng.integers(0, 4, 20), rng.integers(0, 4, 200)
    out = evaluate_codes(q, db, yq, ydb, n_bits=16, metrics=("map", "map_bdnn"))
    assert 0 < out["map_bdnn"] < out["map"]


def test_evaluate_codes_names_match_functions():
    rng = np.random.default_rng(4)
    q = pack_bits(rng.integers(0, 2, (15, 12)))
    db = pack_bits(rng.integers(0, 2, (90, 12)))
    yq, ydb = rng.integers(0, 3, 15), rng.integers(0, 3, 90)
    names = ("map", "map@10", "map_tie_avg", "map_tie_avg@7", "map_bdnn", "map_hashnet_caffe@20")
    out = evaluate_codes(q, db, yq, ydb, n_bits=12, metrics=names)
    assert list(out) == list(names)
    f = lambda **kw: mean_average_precision(q, db, yq, ydb, n_bits=12, **kw)  # noqa: E731
    assert out["map"] == f()
    assert out["map@10"] == f(topk=10)
    assert out["map_tie_avg"] == pytest.approx(f(ties="average"))
    assert out["map_tie_avg@7"] == pytest.approx(f(ties="average", topk=7))
    assert out["map_bdnn"] == f(preset="bdnn_matlab")
    assert out["map_hashnet_caffe@20"] == f(preset="hashnet_caffe", topk=20)
