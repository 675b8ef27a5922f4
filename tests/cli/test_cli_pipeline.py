"""fit -> encode -> index build -> search -> evaluate, end to end through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
from cli_helpers import FAST_BDNN, invoke

import hashlearn
from hashlearn.codes import hamming_distance
from hashlearn.index import load_index
from hashlearn.metrics import evaluate_codes


def test_fit_writes_a_loadable_model(digits_files, tmp_path):
    d = digits_files
    out = invoke(
        "fit", "itq", "--data", d / "train.npy", "--bits", 16, "--seed", 3, "--out", tmp_path / "m"
    )
    assert "fitted itq (16 bits) on 800 x 64" in out.stdout
    model = hashlearn.load(tmp_path / "m")
    expected = hashlearn.create("itq", n_bits=16, random_state=3).fit(np.load(d / "train.npy"))
    X = np.load(d / "q.npy")
    assert model.random_state == 3
    np.testing.assert_array_equal(model.encode(X), expected.encode(X))


def test_fit_supervised_with_params(digits_files, tmp_path):
    d = digits_files
    invoke(
        "fit",
        "sh-bdnn",
        "--data",
        d / "train.npy",
        "--labels",
        d / "ytrain.npy",
        "--bits",
        8,
        *FAST_BDNN,
        "--out",
        tmp_path / "b",
    )
    model = hashlearn.load(tmp_path / "b")
    assert model.n_bits == 8 and model.max_alternations == 1 and model.n_pretrain_iter == 20


def test_encode_npy_and_parquet(digits_files, tmp_path):
    d = digits_files
    invoke("fit", "lsh", "--data", d / "train.npy", "--bits", 12, "--out", tmp_path / "m")
    model = hashlearn.load(tmp_path / "m")
    X = np.load(d / "db.npy")
    invoke("encode", tmp_path / "m", "--data", d / "db.npy", "--out", tmp_path / "c.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "c.npy"), model.encode(X))
    assert json.loads((tmp_path / "c.npy.json").read_text())["n_bits"] == 12
    invoke("index", "build", tmp_path / "c.npy", "--out", tmp_path / "c.idx")
    assert load_index(tmp_path / "c.idx").n_bits == 12
    invoke("encode", tmp_path / "m", "--data", d / "db.npy", "--out", tmp_path / "c.parquet")
    table = pq.read_table(tmp_path / "c.parquet")
    assert table.schema.metadata[b"hashlearn.n_bits"] == b"12"
    codes = np.array([np.frombuffer(b, np.uint8) for b in table.column("code").to_pylist()])
    np.testing.assert_array_equal(codes, model.encode(X))
    assert table.column("id").to_pylist() == list(range(len(X)))


def _pipeline(d, tmp_path, kind):
    invoke("fit", "itq", "--data", d / "train.npy", "--bits", 16, "--out", tmp_path / "m")
    for part in ("q", "db"):
        invoke(
            "encode", tmp_path / "m", "--data", d / f"{part}.npy", "--out", tmp_path / f"{part}.npy"
        )
    invoke("index", "build", tmp_path / "db.npy", "--out", tmp_path / "db.idx", "--kind", kind)
    return np.load(tmp_path / "q.npy"), np.load(tmp_path / "db.npy")


def test_index_build_and_knn_search_match_brute_force(digits_files, tmp_path):
    q, db = _pipeline(digits_files, tmp_path, "mih")
    index = load_index(tmp_path / "db.idx")
    assert index.ntotal == len(db) and index.n_bits == 16
    out = invoke("search", tmp_path / "db.idx", "--queries", tmp_path / "q.npy", "--k", 5, "--json")
    rows = json.loads(out.stdout)
    dist = hamming_distance(q, db, 16)
    for row in rows:
        expected = np.sort(dist[row["query"]])[:5]
        assert row["distances"] == expected.tolist()
        assert dist[row["query"], row["ids"]].tolist() == row["distances"]


def test_radius_search_with_feature_queries(digits_files, tmp_path):
    q, db = _pipeline(digits_files, tmp_path, "flat")
    out = invoke(
        "search",
        tmp_path / "db.idx",
        "--queries",
        digits_files / "q.npy",
        "--model",
        tmp_path / "m",
        "--radius",
        2,
        "--json",
    )
    rows = json.loads(out.stdout)
    dist = hamming_distance(q, db, 16)
    for row in rows:
        assert sorted(row["ids"]) == np.flatnonzero(dist[row["query"]] <= 2).tolist()
    table = invoke("search", tmp_path / "db.idx", "--queries", tmp_path / "q.npy").stdout
    lines = table.strip().splitlines()
    assert lines[0].split("\t") == ["query", "rank", "id", "distance"]
    assert len(lines) == 1 + 10 * len(q)


def test_evaluate_matches_library(digits_files, tmp_path):
    d = digits_files
    q, db = _pipeline(d, tmp_path, "flat")
    out = invoke(
        "evaluate",
        "--queries",
        tmp_path / "q.npy",
        "--database",
        tmp_path / "db.npy",
        "--labels",
        d / "yq.npy",
        d / "ydb.npy",
        "--metrics",
        "map,map@100,p@r2,pr-curve",
        "--json",
        "--out",
        tmp_path / "e.json",
    )
    got = json.loads(out.stdout)
    want = evaluate_codes(
        q,
        db,
        np.load(d / "yq.npy"),
        np.load(d / "ydb.npy"),
        n_bits=16,
        metrics=("map", "map@100", "precision_at_radius_2"),
    )
    for name, value in want.items():
        assert abs(got[name] - value) < 1e-12
    assert got["pr_curve"]["radius"] == list(range(17))
    assert abs(got["pr_curve"]["precision"][2] - want["precision_at_radius_2"]) < 1e-12
    assert got["pr_curve"]["recall"][16] == 1.0
    assert json.loads((tmp_path / "e.json").read_text()) == got
