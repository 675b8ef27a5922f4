"""Fuzz hashlearn.metrics against slow references and with hostile input."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hashlearn.codes import hamming_distance, pack_bits

metrics = pytest.importorskip("hashlearn.metrics", reason="hashlearn.metrics not landed yet")
N_BITS = [1, 7, 8, 63, 64, 65, 255, 256]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def relevance_of(yq, ydb):
    if yq.ndim == 1:
        return yq[:, None] == ydb[None, :]
    return (yq @ ydb.T) > 0


def reference(q, db, rel, n_bits, k, radius):
    """(mAP, mAP@k, P@k, P@radius) with stable ties by id; empty queries count as 0."""
    dist = hamming_distance(q, db, n_bits)
    out = {"map": [], "map@k": [], "p@k": [], "p@r": []}
    for i in range(q.shape[0]):
        order = sorted(range(db.shape[0]), key=lambda j: (dist[i, j], j))
        for name, cut in (("map", len(order)), ("map@k", k)):
            hits, total = 0, 0.0
            for rank, j in enumerate(order[:cut], start=1):
                if rel[i, j]:
                    hits += 1
                    total += hits / rank
            out[name].append(total / hits if hits else 0.0)
        out["p@k"].append(sum(rel[i, j] for j in order[:k]) / k)
        ball = [j for j in order if dist[i, j] <= radius]
        out["p@r"].append(sum(rel[i, j] for j in ball) / len(ball) if ball else 0.0)
    return {name: float(np.mean(v)) for name, v in out.items()}


@FUZZ
@given(
    n_bits=st.sampled_from(N_BITS),
    nq=st.integers(1, 5),
    ndb=st.integers(1, 40),
    multilabel=st.booleans(),
    ties=st.booleans(),
    k=st.integers(1, 12),
    radius=st.integers(0, 4),
    seed=st.integers(0, 2**16),
)
def test_metrics_equal_slow_reference(
    n_bits, nq, ndb, multilabel, ties, k, radius, seed, guarded, cases
):
    cases["metrics.valid"] += 1
    rng = np.random.default_rng(seed)
    db = pack_bits(rng.integers(0, 2, (ndb, n_bits)))
    if ties:
        db[ndb // 2 :] = db[0]
    q = pack_bits(rng.integers(0, 2, (nq, n_bits)))
    if multilabel:
        yq, ydb = rng.integers(0, 2, (nq, 3)), rng.integers(0, 2, (ndb, 3))
    else:
        yq, ydb = rng.integers(0, 3, nq), rng.integers(0, 3, ndb)
    ref = reference(q, db, relevance_of(yq, ydb), n_bits, k, radius)
    got = {
        "map": metrics.mean_average_precision(q, db, yq, ydb, n_bits=n_bits),
        "map@k": metrics.mean_average_precision(q, db, yq, ydb, n_bits=n_bits, topk=k),
        "p@k": metrics.precision_at_k(q, db, yq, ydb, n_bits=n_bits, k=k),
        "p@r": metrics.precision_at_radius(q, db, yq, ydb, n_bits=n_bits, radius=radius),
    }
    if k > ndb:  # P@k with k beyond the database: only check it is a clear value or error
        got.pop("p@k"), ref.pop("p@k")
    assert got == pytest.approx(ref, abs=1e-12)
    dense = relevance_of(yq, ydb)
    assert metrics.mean_average_precision(q, db, n_bits=n_bits, relevance=dense) == pytest.approx(
        ref["map"], abs=1e-12
    )
    recall = metrics.recall_at_radius(q, db, yq, ydb, n_bits=n_bits, radius=radius)
    assert 0.0 <= recall <= 1.0


def hostile_codes():
    return st.sampled_from([np.uint8, np.int64, np.float64, np.bool_]).flatmap(
        lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    )


def hostile_labels():
    return st.one_of(
        st.none(),
        hnp.arrays(
            st.sampled_from([np.int64, np.float64, np.bool_]),
            hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
        ),
        st.just(["a", "b", "c"]),
    )


FUNCS = {
    "map": lambda *a, **kw: metrics.mean_average_precision(*a, **kw),
    "map_opts": lambda *a, **kw: metrics.mean_average_precision(
        *a, **kw, topk=kw.pop("k", 3), ties=kw.pop("ties", "stable"), empty=kw.pop("empty", "zero")
    ),
    "p@k": lambda *a, **kw: metrics.precision_at_k(*a, **kw, k=kw.pop("k", 3)),
    "p@r": lambda *a, **kw: metrics.precision_at_radius(*a, **kw, radius=kw.pop("k", 3)),
    "r@r": lambda *a, **kw: metrics.recall_at_radius(*a, **kw, radius=kw.pop("k", 3)),
}


@pytest.mark.parametrize("func", sorted(FUNCS))
@FUZZ
@given(
    q=hostile_codes(),
    db=hostile_codes(),
    yq=hostile_labels(),
    ydb=hostile_labels(),
    n_bits=st.sampled_from([*N_BITS, 0, -1, 8.5, None]),
    k=st.sampled_from([1, 3, 0, -2, 1.5, True, None]),
    ties=st.sampled_from(["stable", "average", "bogus"]),
    empty=st.sampled_from(["zero", "skip", "bogus"]),
)
def test_hostile_input_gives_clear_error_or_a_probability(
    func, q, db, yq, ydb, n_bits, k, ties, empty, guarded, cases
):
    cases[f"metrics.hostile.{func}"] += 1
    kwargs = {"n_bits": n_bits, "k": k}
    if func == "map_opts":
        kwargs.update(ties=ties, empty=empty)
    value = guarded(lambda: FUNCS[func](q, db, yq, ydb, **kwargs))
    if isinstance(value, Exception):
        return
    assert isinstance(value, float)
    assert np.isnan(value) or 0.0 <= value <= 1.0 + 1e-12, f"{func} returned {value}"
    assert not np.isnan(value) or (func == "map_opts" and empty == "skip"), (
        f"{func} returned NaN (silent garbage) for {q.shape} {db.shape}"
    )


@pytest.mark.parametrize(
    "bad,match",
    [
        ({"query_labels": np.arange(3)}, "query_labels"),
        ({"db_labels": np.arange(5)}, "db_labels"),
        ({"query_labels": np.array([0, 1, np.nan, 3])}, "query_labels"),
        (
            {"relevance": np.ones((4, 5), bool), "query_labels": None, "db_labels": None},
            "relevance",
        ),
    ],
)
def test_wrong_labels_name_the_argument(bad, match, cases):
    cases["metrics.named_errors"] += 1
    rng = np.random.default_rng(0)
    args = {
        "query_codes": rng.integers(0, 256, (4, 1), dtype=np.uint8),
        "db_codes": rng.integers(0, 256, (6, 1), dtype=np.uint8),
        "query_labels": np.arange(4),
        "db_labels": np.arange(6),
        **bad,
    }
    with pytest.raises((TypeError, ValueError), match=match):
        metrics.mean_average_precision(n_bits=8, **args)
